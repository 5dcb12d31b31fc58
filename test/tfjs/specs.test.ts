// CI guard: tfjs-core's own specs (npm run test:tfjs) on the default backend must not lose a passing spec.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readControl, table } from './report.js';
import type { RunResult } from './run.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');

/** Specs passing when this floor was last raised (docs/guide/tfjs-specs.md has the table). Raise it as specs pass. */
const FLOOR = 3670;

describe("tfjs-core's specs against neurite", () => {
  it(`at least ${FLOOR} of the specs real tfjs passes also pass on wasm`, () => {
    const out = path.join(here, 'out', 'ci-neurite-wasm.json');
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'test/tfjs/run.ts', '--backend', 'wasm', '--out', out],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        timeout: 240_000,
        env: { ...process.env, NEURITE_LEAKS: 'off' },
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const run = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    const passed = table(readControl(), run).reduce((n, row) => n + row.passed, 0);
    expect(passed).toBeGreaterThanOrEqual(FLOOR);
  }, 300_000);
});
