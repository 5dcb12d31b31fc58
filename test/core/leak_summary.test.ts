// Node's leak reporting default: one summary line at exit, NEURITE_LEAKS=each|off to change it.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { leakModeFrom, leakSummaryLine } from '../../src/core/leak_summary.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Runs a program that leaks 50 tensors (as ported tfjs programs do) and returns its stderr lines. */
function leakyProgramStderr(mode: string | undefined): string {
  const program = [
    "const nr = await import('./src/node.ts');",
    'for (let i = 0; i < 50; i++) nr.ones([8, 8]).add(1);',
    'for (let i = 0; i < 20 && nr.memory().numLeaked < 50; i++) { gc(); await new Promise((r) => setTimeout(r, 10)); }',
  ].join('\n');
  const env = { ...process.env };
  delete env.NEURITE_LEAKS;
  if (mode !== undefined) env.NEURITE_LEAKS = mode;
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', program],
    {
      cwd: repoRoot,
      env,
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  if (r.status !== 0) throw new Error(`the leaky program failed (status ${r.status}): ${r.stderr}`);
  return r.stderr;
}

describe('leak reporting in Node', () => {
  it('reads NEURITE_LEAKS', () => {
    expect(leakModeFrom(undefined)).toBe('summary');
    expect(leakModeFrom('EACH')).toBe('each');
    expect(leakModeFrom('off')).toBe('off');
    expect(leakSummaryLine(1)).toMatch(
      /^neurite: 1 tensor was garbage-collected without dispose\(\)/,
    );
    expect(leakSummaryLine(12)).toContain('12 tensors were');
  });

  it('prints one summary line at exit by default, a line per leak with each, nothing with off', () => {
    const run = leakyProgramStderr;
    const lines = (s: string) => s.split('\n').filter((l) => l.startsWith('neurite:'));
    const summary = lines(run(undefined));
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatch(/neurite: \d+ tensors were garbage-collected without dispose\(\)/);
    expect(lines(run('each')).length).toBeGreaterThan(1);
    expect(lines(run('off'))).toHaveLength(0);
  }, 120_000);
});
