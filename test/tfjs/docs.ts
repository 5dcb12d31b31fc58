// Writes docs/guide/tfjs-specs.md from the latest harness results (test/tfjs/out/neurite-{wasm,cpu}.json).
// Usage: node --import tsx test/tfjs/docs.ts (after running run.ts on wasm and on cpu)
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadExclusions } from './exclusions.js';
import { failureKinds, markdown, readControl, table } from './report.js';
import type { RunResult } from './run.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');

/** Measured before this work (commit c98f66e, same harness and control), for the record. */
const BEFORE = `| category | wasm | cpu |
|---|---:|---:|
| ops | 1701 / 3291 (51.7 %) | 1701 / 3291 (51.7 %) |
| gradients | 11 / 23 (47.8 %) | 11 / 23 (47.8 %) |
| tensor/engine | 29 / 484 (6.0 %) | 29 / 484 (6.0 %) |
| io | 7 / 73 (9.6 %) | 7 / 73 (9.6 %) |
| optimizers | 0 / 32 (0.0 %) | 0 / 32 (0.0 %) |
| **all** | **1748 / 3903 (44.8 %)** | **1748 / 3903 (44.8 %)** |

At the previous stop (before the string and complex64 dtypes, the tfjs optimizer classes, the io codec,
ragged ops, qr, image.transform, tf.env/tf.profile and tfjs's error wording): 3147 / 3903 (80.6 %) on wasm
and cpu, 2990 / 3903 (76.6 %) on webgpu; ops 2804 / 3291, gradients 16 / 23, tensor/engine 297 / 484,
io 30 / 73, optimizers 0 / 32. Since then 77 specs left the count: describe blocks that test tfjs
internals (io_utils' concatenateTypedArrays, stringByteLength, basename and float16 decoder, the
progress monitor, engine specs that register tfjs KernelBackend subclasses, tensor_util's
convertToTensor, util's inferShape) are excluded with their reasons below, as whole files were before.`;

function read(backend: string): RunResult | null {
  const file = path.join(here, 'out', `neurite-${backend}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as RunResult) : null;
}

function intentional(): [string, string][] {
  const raw = JSON.parse(
    readFileSync(path.join(here, 'intentional_differences.json'), 'utf8'),
  ) as Record<string, string>;
  return Object.entries(raw).filter(([k]) => !k.startsWith('_'));
}

/** The whole page. */
export function page(): string {
  const control = readControl();
  const runs = ['wasm', 'cpu', 'webgpu'].map(read).filter((r): r is RunResult => r !== null);
  const controlCount = Object.values(control).reduce((n, names) => n + names.length, 0);
  const lines: string[] = [
    "# tfjs-core's own specs, run against neurite",
    '',
    'TensorFlow.js ships its core test suite compiled in the npm package (`@tensorflow/tfjs-core/dist/**/*_test.js`,',
    '265 files of jasmine specs). `npm run test:tfjs` runs those files with `tf` bound to neurite: a module hook',
    "(test/tfjs/hooks.mjs) maps the specs' `../index` to neurite's public API, a small jasmine-compatible runtime",
    "(test/tfjs/jasmine.ts, expect.ts) runs them, and our own equivalents of tfjs's test helpers",
    "(test/tfjs/helpers/: `describeWithFlags`, `expectArraysClose` with tfjs's 1e-3 tolerance) stand in for theirs.",
    "The harness adds test plumbing only: whatever a spec calls on `tf` is neurite's real API. A spec importing a",
    "tfjs internal module gets neurite's public function of the same name if there is one, else a stub that fails",
    'that spec only.',
    '',
    `The same harness runs the same files on real tfjs (tfjs-core 4.22 with its cpu backend) as the control: ${controlCount}`,
    'specs pass there, and those are the specs counted below (a spec failing on tfjs under the harness is a harness',
    "problem, not neurite's). `node --import tsx test/tfjs/run.ts --lib tfjs` reruns the control;",
    '`test/tfjs/report.ts --write-control` stores it in test/tfjs/control.json.',
    '',
    '```sh',
    'npm run test:tfjs                   # wasm (the default backend), prints the table',
    'npm run test:tfjs -- --backend cpu  # the reference cpu backend',
    'node --import tsx test/tfjs/report.ts test/tfjs/out/neurite-wasm.json --failures   # every failing spec, with its kind',
    '```',
    '',
    '## Pass rates now',
    '',
  ];
  for (const r of runs) {
    lines.push(
      markdown(table(control, r), `neurite ${r.backend}`),
      '',
      `Harness time on ${r.backend}: ${r.seconds.toFixed(1)} s for the whole run (2-core machine).`,
      '',
    );
  }
  lines.push('## Before this work (same harness, same control)', '', BEFORE, '');
  if (runs[0]) {
    lines.push(
      `## Why the other specs fail (${runs[0].backend}, first failure of each spec)`,
      '',
      '| kind | specs |',
      '|---|---:|',
      ...failureKinds(control, runs[0]).map(([k, n]) => `| ${k} | ${n} |`),
      '',
      '"different error text": neurite threw its typed error (ArgumentError, ShapeError, DTypeError) naming the op,',
      "the argument and the value received, where the spec matches tfjs's exact message; these stay counted as",
      'failures. "uses a tfjs internal": the spec reaches into a tfjs module that is not API (ENGINE, io_utils',
      'helpers, ...).',
      '',
    );
  }
  lines.push(
    '## Files not run (tfjs internals), each with its reason',
    '',
    '| file | reason |',
    '|---|---|',
  );
  for (const [file, reason] of loadExclusions()) lines.push(`| ${file} | ${reason} |`);
  lines.push(
    '',
    '## Intentional differences',
    '',
    'Specs neurite fails on purpose (still counted as failures above):',
    '',
    '| spec | reason |',
    '|---|---|',
  );
  for (const [spec, reason] of intentional()) lines.push(`| ${spec} | ${reason} |`);
  lines.push('');
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const out = path.join(repoRoot, 'docs', 'guide', 'tfjs-specs.md');
  writeFileSync(out, page());
  console.log(`wrote ${path.relative(repoRoot, out)}`);
}
