// Compares a neurite run of tfjs-core's specs with the control (real tfjs) and prints the table per category.
// The specs counted are those real tfjs passes under the same harness (test/tfjs/control.json).
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunResult } from './run.js';
import { isExcludedSpec, loadExclusions } from './exclusions.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The five categories of the table, by spec file. */
export const CATEGORIES = ['ops', 'gradients', 'tensor/engine', 'io', 'optimizers'] as const;
export type Category = (typeof CATEGORIES)[number];

/** Which category a spec file (relative to tfjs-core/dist) belongs to. */
export function categoryOf(file: string): Category {
  if (file.startsWith('ops/')) return 'ops';
  if (file.startsWith('io/')) return 'io';
  if (file.startsWith('optimizers/')) return 'optimizers';
  if (file === 'gradients_test.js') return 'gradients';
  return 'tensor/engine';
}

/** The control: names of the specs real tfjs passes, per file. */
export type Control = Record<string, string[]>;

/** The control file written by `run.ts --lib tfjs` through `report.ts --write-control`. */
export const CONTROL_FILE = path.join(here, 'control.json');

/** Names of the specs that passed, per file. */
export function passedByFile(run: RunResult): Control {
  const out: Control = {};
  for (const [file, r] of Object.entries(run.files))
    out[file] = r.specs.filter((s) => s.status === 'passed').map((s) => s.name);
  return out;
}

/** One row of the table. */
export interface Row {
  category: Category;
  passed: number;
  run: number;
}

/** The table: per category, how many of the control's passing specs pass on neurite. */
export function table(control: Control, run: RunResult): Row[] {
  const excluded = loadExclusions();
  const rows = new Map<Category, Row>(
    CATEGORIES.map((c) => [c, { category: c, passed: 0, run: 0 }]),
  );
  for (const [file, names] of Object.entries(control)) {
    if (!(file in run.files)) continue; // excluded or filtered out of this run
    const row = rows.get(categoryOf(file));
    if (!row) continue;
    const passed = new Set(
      run.files[file].specs.filter((s) => s.status === 'passed').map((s) => s.name),
    );
    const counted = names.filter((n) => !isExcludedSpec(excluded, n));
    row.run += counted.length;
    row.passed += counted.filter((n) => passed.has(n)).length;
  }
  return [...rows.values()];
}

/** The table as Markdown, with a total row. */
export function markdown(rows: Row[], title: string): string {
  const pct = (p: number, r: number) => (r === 0 ? '-' : `${((100 * p) / r).toFixed(1)} %`);
  const lines = [`| category (${title}) | passed / run | rate |`, '|---|---:|---:|'];
  for (const r of rows)
    lines.push(`| ${r.category} | ${r.passed} / ${r.run} | ${pct(r.passed, r.run)} |`);
  const p = rows.reduce((s, r) => s + r.passed, 0);
  const n = rows.reduce((s, r) => s + r.run, 0);
  lines.push(`| **all** | **${p} / ${n}** | **${pct(p, n)}** |`);
  return lines.join('\n');
}

/** First failure of each failing spec (of those the control passes), for triage. */
export function failures(control: Control, run: RunResult): { name: string; message: string }[] {
  const out: { name: string; message: string }[] = [];
  const excluded = loadExclusions();
  for (const [file, names] of Object.entries(control)) {
    const r = run.files[file];
    if (!r) continue;
    const byName = new Map(r.specs.map((s) => [s.name, s]));
    for (const n of names) {
      if (isExcludedSpec(excluded, n)) continue;
      const s = byName.get(n);
      if (s?.status === 'passed') continue;
      out.push({
        name: n,
        message: r.loadError
          ? `file did not load: ${r.loadError}`
          : (s?.message ?? 'spec not registered'),
      });
    }
  }
  return out;
}

/** Why a spec failed, from its first failure message. */
export function failureKind(message: string): string {
  if (message.startsWith('file did not load'))
    return /complex/.test(message) ? 'no complex dtype' : 'file did not load';
  if (/tfjs internal/.test(message)) return 'uses a tfjs internal';
  if (
    /'string'|received '[^']*[a-zA-Zа-я]'|scalar: value must be a number or boolean, received '/.test(
      message,
    )
  )
    return 'no string dtype';
  if (/tf\.complex|complex is not/.test(message)) return 'no complex dtype';
  if (
    /is not a function|Cannot read properties of undefined \(reading '[a-zA-Z]+'\)$|reading '[A-Za-z]+'\)\.?$/.test(
      message,
    ) &&
    !message.startsWith('Expected function to throw')
  )
    return 'missing function';
  if (
    /^Expected function to throw.*but it threw (ArgumentError|ShapeError|DTypeError|NeuriteError|IOError)/.test(
      message,
    )
  )
    return 'different error text';
  if (
    /^Expected '.*' to (equal|be|match)/s.test(message) &&
    /^Expected '[a-zA-Z]+\w*: /.test(message)
  )
    return 'different error text';
  if (/^Expected function to throw/.test(message)) return 'no error where tfjs throws';
  if (/^(ArgumentError|ShapeError|DTypeError):/.test(message)) return 'neurite rejects the call';
  if (/Arrays differ|Expected -?[\d.]+(e-?\d+)?|NaN/.test(message)) return 'different numbers';
  return 'other';
}

/** Failures grouped by kind, most frequent first. */
export function failureKinds(control: Control, run: RunResult): [string, number][] {
  const counts = new Map<string, number>();
  for (const f of failures(control, run))
    counts.set(failureKind(f.message), (counts.get(failureKind(f.message)) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]);
}

function readRun(file: string): RunResult {
  if (!existsSync(file))
    throw new Error(`${file}: no such results file (run test/tfjs/run.ts first)`);
  return JSON.parse(readFileSync(file, 'utf8')) as RunResult;
}

/** The control's passing specs, read from control.json. */
export function readControl(): Control {
  return JSON.parse(readFileSync(CONTROL_FILE, 'utf8')) as Control;
}

// CLI: report.ts <results.json> [--failures] | report.ts --write-control <tfjs results.json>
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  if (args[0] === '--write-control') {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(CONTROL_FILE, `${JSON.stringify(passedByFile(readRun(args[1])), null, 1)}\n`);
    console.log(`wrote ${path.relative(process.cwd(), CONTROL_FILE)}`);
  } else {
    const run = readRun(args[0]);
    const control = readControl();
    console.log(markdown(table(control, run), `${run.lib} ${run.backend}`));
    if (args.includes('--kinds'))
      for (const [k, n] of failureKinds(control, run)) console.log(`${n}\t${k}`);
    if (args.includes('--failures'))
      for (const f of failures(control, run))
        console.log(
          `${f.name} | ${failureKind(f.message)} | ${f.message.replace(/\s+/g, ' ').slice(0, 160)}`,
        );
  }
}
