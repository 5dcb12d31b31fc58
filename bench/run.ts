// `npm run bench [-- --case NAME] [--backend NAME] [--peers LIST] [--quick] [--rss] [--json FILE]`: neurite against tfjs, jax-js and PyTorch.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as nr from '../src/node.js';
import { CASES } from './cases/index.js';
import {
  PEER_NAMES,
  defaultTiming,
  fmtErr,
  notRunReason,
  machineInfo,
  runInChild,
  runOnEngine,
  startEngines,
  timingOf,
} from './engines.js';
import { type BenchCase, type Row, derived, printTable, ratio } from './harness.js';

const caseNames = [...new Set(CASES.flatMap((c) => (c.group ? [c.group, c.name] : [c.name])))];
const USAGE = `usage: npm run bench -- [options]
  --case NAME      run only this case (repeatable or comma-separated): ${caseNames.join(', ')}
  --backend NAME   run neurite on this backend only (wasm-1t, wasm-2t: one thread count); default: every backend that starts, wasm on 1 thread and on every core, webgpu only on a hardware adapter
  --peers LIST     peers, comma-separated: tfjs-cpu, tfjs-wasm, jax (= jax-wasm and jax-wasm-jit), jax-wasm, jax-wasm-jit, torch (1 and 2 threads), or none (default: all)
  --quick          fewer reps and warm-up calls (and less data for the fit cases), for a fast check
  --rss            run every case in a child process per engine and report its peak RSS (fit cases always do)
  --json FILE      also write the results as JSON`;

const { values: args } = parseArgs({
  options: {
    case: { type: 'string', multiple: true },
    backend: { type: 'string' },
    peers: { type: 'string', default: 'tfjs-cpu,tfjs-wasm,jax,torch' },
    quick: { type: 'boolean', default: false },
    rss: { type: 'boolean', default: false },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const list = (xs: readonly string[] | undefined): string[] =>
  (xs ?? [])
    .flatMap((x) => x.split(','))
    .map((x) => x.trim())
    .filter(Boolean);
const selected = list(args.case);
const unknownCase = selected.find((n) => !caseNames.includes(n));
if (unknownCase) {
  console.error(`unknown case '${unknownCase}'\n${USAGE}`);
  process.exit(2);
}
const cases = selected.length
  ? CASES.filter(
      (c) => selected.includes(c.name) || (c.group !== undefined && selected.includes(c.group)),
    )
  : CASES;
const peerNames = list([args.peers ?? '']).filter((p) => p !== 'none');
const badPeer = peerNames.find((p) => !PEER_NAMES.includes(p));
if (badPeer) {
  console.error(`unknown peer '${badPeer}'\n${USAGE}`);
  process.exit(2);
}
const quick = args.quick ?? false;
const OPTS = defaultTiming(quick);

// ---- engines ----
const info = machineInfo();
if (args.backend && !nr.registeredBackends().includes(args.backend.replace(/-\d+t$/, ''))) {
  console.error(
    `neurite has no backend '${args.backend}' (registered: ${nr.registeredBackends().join(', ')})`,
  );
  process.exit(2);
}
const { engines, skipped } = await startEngines(
  args.backend ? [args.backend] : nr.registeredBackends(),
  peerNames,
  info,
  Boolean(args.backend),
);

console.log(
  `neurite benchmarks: ${info.cpu}, ${info.cores} cores, Node ${info.node}${info.tfjs ? `, tfjs ${info.tfjs}` : ''}`,
);
console.log(
  `engines: ${engines.map((e) => e.name).join(', ')}${skipped.length ? `; skipped: ${skipped.join('; ')}` : ''}`,
);
if (engines.some((e) => e.name === 'tfjs-wasm'))
  console.log(
    `tfjs-wasm: SIMD ${info.tfjs_wasm_simd ? 'on' : 'off'}, threads ${info.tfjs_wasm_threads ? 'on' : 'off (tfjs disables them under Node)'}`,
  );
console.log(
  `method${cases.some((c) => c.method) ? ' (cases with their own method say so under their title)' : ''}: median of ${OPTS.reps} reps after ${OPTS.warmup} warm-up call(s) (1 if a call takes > 1 s); each rep repeats the op until >= ${OPTS.minRepMs} ms, ` +
    `reading the result back every call. Reps stop after ${OPTS.budgetMs / 1000} s per engine and case once ${OPTS.minReps} are done` +
    (engines.some((e) => e.name === 'tfjs-cpu')
      ? ' (tfjs-cpu is slow: expect 3 reps of 1 call there).'
      : '.'),
);
if (cases.some((c) => c.isolated || args.rss))
  console.log(
    `${args.rss ? 'every case' : 'fit cases'} run in a child process per engine (bench/child.ts): peak RSS is that run's own.`,
  );
if (engines.some((e) => e.kind === 'jax'))
  console.log(
    `jax-js ${String(info.jax)} on its wasm device (jax-wasm: eager; jax-wasm-jit: the step under jax.jit)`,
  );
if (engines.some((e) => e.kind === 'torch'))
  console.log(
    `PyTorch ${String(info.torch)} (Debian python3-torch, OpenBLAS core type ${String(info.openblas_coretype)}), torch.set_num_threads per engine, run by bench/peers/torch_cases.py`,
  );
console.log(
  "kernels/step: backend dispatches per step (per call; per batch in the fit cases), counted on neurite by wrapping the backend's kernel methods over the first timed call, on tfjs with tf.profile over one extra call.",
);
console.log('ratio columns: peer time / neurite time, so > 1 means neurite is faster.');

// ---- run ----
interface CaseResult {
  case: BenchCase;
  rows: Row[];
}
const results: CaseResult[] = [];
for (const c of cases) {
  const rows: Row[] = [];
  for (const engine of engines) {
    if (c.engines && !c.engines(engine)) continue;
    try {
      // torch runs in a Python process of its own already; an engine without this case needs no child
      const child = (c.isolated || args.rss) && engine.kind !== 'torch' && !notRunReason(c, engine);
      rows.push(
        child
          ? await runInChild(c, engine, quick)
          : await runOnEngine(c, engine, timingOf(c, quick), { quick }),
      );
    } catch (e) {
      rows.push({ engine, error: fmtErr(e) });
    }
  }
  printTable(c, rows, quick);
  results.push({ case: c, rows });
}

// process.resourceUsage().maxRSS is in kilobytes.
const peakRssMB = process.resourceUsage().maxRSS / 1024;
const inParent = cases.some((c) => !c.isolated) && !args.rss;
console.log(
  `\npeak RSS ${peakRssMB.toFixed(0)} MB (${inParent ? 'this process: all engines of the in-process cases' : 'this process only; the cases ran in child processes'}); ` +
    `${info.cpu}, ${info.cores} cores; Node ${info.node}; ${info.platform}`,
);

if (args.json) {
  const out = {
    info,
    options: OPTS,
    engines: engines.map((e) => e.name),
    skipped,
    peakRssMB,
    cases: results.map(({ case: c, rows }) => ({
      name: c.name,
      title: c.title,
      unit: c.unit,
      workPerCall: c.workPerCall,
      options: timingOf(c, quick),
      results: rows.map((r) => ({
        engine: r.engine.name,
        ...(r.timing ? { ...r.timing, [c.unit]: derived(c, r.timing.medianMs) } : {}),
        ...(r.error ? { error: r.error } : {}),
        ...(r.notRun !== undefined ? { notRun: r.notRun } : {}),
        leftoverTensors: r.leftover ?? 0,
        ...(r.peakRssMB !== undefined ? { peakRssMB: r.peakRssMB, startRssMB: r.startRssMB } : {}),
        ...(r.notes ? { notes: r.notes } : {}),
        ...(r.engine.kind === 'neurite' && r.timing
          ? {
              ratios: Object.fromEntries(
                rows.flatMap((p) =>
                  p.engine.kind !== 'neurite' && p.timing && r.timing
                    ? [[p.engine.name, ratio(r.timing, p.timing)]]
                    : [],
                ),
              ),
            }
          : {}),
      })),
    })),
  };
  writeFileSync(args.json, JSON.stringify(out, null, 2) + '\n');
  console.log(`results written to ${args.json}`);
}
// tfjs-wasm keeps its module alive; exit explicitly so the process ends once the report is out.
process.exit(0);
