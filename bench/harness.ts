// Benchmark plumbing shared by all cases: engine and case types, the timing loop, seeded data, table printing.
import type * as jaxjs from '@jax-js/jax';
import type * as tfjs from '@tensorflow/tfjs';

export type Tf = typeof tfjs;
export type Jax = typeof jaxjs;

/**
 * One thing that runs a case: a neurite backend, a tfjs backend, jax-js on its wasm device (with or without
 * `jit`), or PyTorch in a Python child process (bench/peers/torch_cases.py) on a number of threads.
 */
export type Engine =
  | { kind: 'neurite'; name: string; backend: string; threads?: number }
  | { kind: 'tfjs'; name: string; backend: string; tf: Tf }
  | { kind: 'jax'; name: string; jit: boolean; jax: Jax }
  | { kind: 'torch'; name: string; threads: number; python: string; env: Record<string, string> };

/** A case set up on one engine: `call` runs the op once and reads its result back. */
export interface Prepared {
  call(): Promise<void>;
  dispose(): void;
  /**
   * Runs once instead of the warm-up calls (fit cases: a short fit, so the timed fits start warm
   * without spending a whole epoch on warming up).
   */
  warmup?(): Promise<void>;
  /** How many units of the case's workPerCall one call does (fit: batches per fit call); timings are per unit. */
  unitsPerCall?: number;
  /** Printed under the table for this engine (e.g. that a slow peer times fewer batches). */
  note?: string;
}

/** What a case may need to know when it is set up. */
export interface CaseContext {
  /** `--quick`: cases with large per-call work (fit) use less data. */
  quick: boolean;
}

export interface BenchCase {
  name: string;
  /** `--case GROUP` selects every case of the group (infer-mlp: batch 1 and batch 256). */
  group?: string;
  title: string;
  /** How the case is timed, when not the default way (printed under the title). */
  method?(quick: boolean): string;
  /** GFLOP/s for kernels (workPerCall = FLOPs), samples/s for training steps (workPerCall = samples). */
  unit: 'GFLOP/s' | 'samples/s';
  /** Work of one call, or of one unit when Prepared.unitsPerCall is set. */
  workPerCall: number;
  /** Runs in a child process per engine (bench/child.ts), so the row's peak RSS is that engine's own. */
  isolated?: boolean;
  /** Timing options of this case, when the defaults (reps of >= 100 ms) do not fit it. */
  timing?(quick: boolean): TimingOptions;
  /** The engines this case runs on, when not all (the micro-kernel case: wasm only). */
  engines?(engine: Engine): boolean;
  /** Sets the case up on neurite's current backend. */
  neurite(ctx: CaseContext): Prepared;
  /** Sets the case up on tfjs's current backend. */
  tfjs(tf: Tf, ctx: CaseContext): Prepared;
  /** Sets the case up on jax-js (wasm device), with or without its `jit`; absent: `gaps.jax` says why. */
  jax?(jax: Jax, jit: boolean, ctx: CaseContext): Prepared;
  /** Whether bench/peers/torch_cases.py has this case; absent or false: `gaps.torch` says why. */
  torch?: boolean;
  /**
   * Why a peer does not run this case, printed as one line under its table: keyed by engine name
   * (`tfjs-cpu`) or by kind (`tfjs`, `jax`, `torch`); the name wins.
   */
  gaps?: Partial<Record<string, string>>;
}

export interface TimingOptions {
  /** Warm-up calls (only 1 when a call takes over a second, so slow peers stay inside the budget). */
  warmup: number;
  /** Target number of timed reps. */
  reps: number;
  /** Reps always run, even past the budget. */
  minReps: number;
  /** Each rep repeats the call until it lasts at least this long (one call if a call is longer). */
  minRepMs: number;
  /** Once this much time went into timed reps, stop after minReps. */
  budgetMs: number;
}

export interface Timing {
  medianMs: number;
  minMs: number;
  maxMs: number;
  reps: number;
  /** Calls in each rep. */
  calls: number[];
  /** Warm-up calls; 0 when the case ran its own warm-up (Prepared.warmup). */
  warmupCalls: number;
  /** The first call, or the case's own warm-up. */
  firstCallMs: number;
  /** True when the budget cut the reps below the target. */
  budgetLimited: boolean;
  /** Live tensors gained between the end of warm-up and the end of the reps (should be 0). */
  tensorGrowth: number;
  /**
   * Kernels (backend dispatches) per unit of work, counted over the first timed call (neurite) or over one
   * extra call under tf.profile (tfjs); absent where the engine cannot count them.
   */
  kernelsPerStep?: number;
}

/** Counts kernels over a stretch of a case: `start` before the call, `stop` returns the calls it saw. */
export interface KernelCounter {
  start(): void;
  stop(): number;
}

export const now = (): number => Number(process.hrtime.bigint()) / 1e6;

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/**
 * Medians of reps, as in shared/ANCHORS.md: warm up, then each rep repeats `call` until it lasts
 * minRepMs; the per-call time of a rep is its length over its calls (over its units, when a call does
 * several: a fit call of N batches gives the time per batch).
 */
export async function measure(
  p: Prepared,
  opts: TimingOptions,
  numTensors: () => number,
  /** Counts the kernels of the first timed call (the wrapper costs well under a microsecond a dispatch). */
  counter?: KernelCounter,
): Promise<Timing> {
  const call = () => p.call();
  const units = p.unitsPerCall ?? 1;
  let t0 = now();
  await (p.warmup ? p.warmup() : call());
  const firstCallMs = now() - t0;
  let warmupCalls = 0;
  if (!p.warmup) warmupCalls = firstCallMs > 1000 ? 1 : Math.max(1, opts.warmup);
  for (let i = 1; i < warmupCalls; i++) await call();
  const tensorsBefore = numTensors();
  const perCall: number[] = [];
  const calls: number[] = [];
  let kernels: number | undefined;
  const start = now();
  while (
    perCall.length < opts.reps &&
    !(perCall.length >= opts.minReps && now() - start >= opts.budgetMs)
  ) {
    let n = 0;
    t0 = now();
    let elapsed = 0;
    do {
      const counting = counter !== undefined && kernels === undefined;
      if (counting) counter.start();
      try {
        await call();
      } finally {
        if (counting) kernels = counter.stop();
      }
      n++;
      elapsed = now() - t0;
    } while (elapsed < opts.minRepMs);
    perCall.push(elapsed / n / units);
    calls.push(n);
  }
  return {
    medianMs: median(perCall),
    minMs: Math.min(...perCall),
    maxMs: Math.max(...perCall),
    reps: perCall.length,
    calls,
    warmupCalls,
    firstCallMs,
    budgetLimited: perCall.length < opts.reps,
    tensorGrowth: numTensors() - tensorsBefore,
    ...(kernels !== undefined ? { kernelsPerStep: kernels / units } : {}),
  };
}

/** How many reps a case's options ask for, in words, for the method lines. */
export function repsText(t: TimingOptions): string {
  if (t.minReps >= t.reps) return `median of ${t.reps} rep${t.reps === 1 ? '' : 's'}`;
  return `median of ${t.reps} reps (${t.minReps} once ${t.budgetMs / 1000} s went into them)`;
}

/** Derived figure: GFLOP/s or samples/s from the median time of one call. */
export function derived(c: BenchCase, ms: number): number {
  return c.unit === 'GFLOP/s' ? c.workPerCall / ms / 1e6 : (c.workPerCall / ms) * 1e3;
}

/** Seeded uniform floats in [lo, hi): every engine gets the very same inputs. */
export function uniform(n: number, lo: number, hi: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + ((hi - lo) * s) / 4294967296;
  }
  return out;
}

/** Seeded normal floats (Box-Muller over the same generator), scaled by std. */
export function normal(n: number, std: number, seed: number): Float32Array {
  const u = uniform(n + (n % 2), 0, 1, seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u[i])) * std;
    const a = 2 * Math.PI * u[i + 1];
    out[i] = r * Math.cos(a);
    if (i + 1 < n) out[i + 1] = r * Math.sin(a);
  }
  return out;
}

/** One row of a case's table: an engine's timing, or why it has none. */
export interface Row {
  engine: Engine;
  timing?: Timing;
  error?: string;
  /** Live tensors left after the case was disposed, against before it was set up (should be 0). */
  leftover?: number;
  /** Peak RSS of the child process that ran this row alone (isolated cases and `--rss`). */
  peakRssMB?: number;
  /** RSS of that child once its engine had started, before the case was set up (in the JSON only). */
  startRssMB?: number;
  /** The case's note for this engine (Prepared.note), and anything else worth a line under the table. */
  notes?: string[];
  /** The engine cannot run this case (a peer without the model, say): one line under the table, no row. */
  notRun?: string;
}

const fmt = (x: number): string =>
  x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toPrecision(3);
// Kernels per step are whole numbers per call; a fit's per-batch figure may carry the epoch's extra work.
const fmtKernels = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(1));
const fmtRatio = (x: number): string =>
  `${x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toPrecision(2)}x`;

/** Ratio of neurite against a peer: peer time over neurite time, so > 1 means neurite is faster. */
export function ratio(neurite: Timing, peer: Timing): number {
  return peer.medianMs / neurite.medianMs;
}

/** Prints a case's table: one line per engine, then ratio columns for the neurite rows. */
export function printTable(c: BenchCase, rows: readonly Row[], quick = false): void {
  const peers = rows.filter((r) => r.engine.kind !== 'neurite' && r.timing);
  const rss = rows.some((r) => r.peakRssMB !== undefined);
  const rssCell = (r: Row): string[] => {
    if (!rss) return [];
    return [r.peakRssMB === undefined ? '' : r.peakRssMB.toFixed(0)];
  };
  const head = [
    'engine',
    'median ms',
    c.unit,
    'min-max ms',
    'reps x calls',
    'kernels/step',
    ...(rss ? ['peak RSS MB'] : []),
    ...peers.map((p) => `vs ${p.engine.name}`),
  ];
  const lines: string[][] = [head];
  const notes: string[] = [];
  for (const r of rows) {
    const t = r.timing;
    if (r.notRun !== undefined) {
      notes.push(`${r.engine.name}: not run: ${r.notRun}`);
      continue;
    }
    if (!t) {
      lines.push([r.engine.name, 'failed', '', '', '', '', ...rssCell(r), ...peers.map(() => '')]);
      notes.push(`${r.engine.name}: failed: ${r.error ?? 'no result'}`);
      for (const n of r.notes ?? []) notes.push(`${r.engine.name}: ${n}`);
      continue;
    }
    const callsText = t.calls.every((n) => n === t.calls[0])
      ? `${t.reps} x ${t.calls[0]}`
      : `${t.reps} x ${Math.min(...t.calls)}-${Math.max(...t.calls)}`;
    const ratios = peers.map((p) =>
      r.engine.kind === 'neurite' && p.timing ? fmtRatio(ratio(t, p.timing)) : '',
    );
    lines.push([
      r.engine.name,
      fmt(t.medianMs),
      fmt(derived(c, t.medianMs)),
      `${fmt(t.minMs)}-${fmt(t.maxMs)}`,
      callsText + (t.budgetLimited ? ' *' : ''),
      t.kernelsPerStep === undefined ? '-' : fmtKernels(t.kernelsPerStep),
      ...rssCell(r),
      ...ratios,
    ]);
    const warm = t.warmupCalls
      ? `1 call ≈ ${fmt(t.firstCallMs)} ms on first use, ${t.warmupCalls} warm-up`
      : `warm-up ${fmt(t.firstCallMs)} ms`;
    if (t.budgetLimited)
      notes.push(`${r.engine.name}: * reps cut to ${t.reps} by the time budget (${warm})`);
    for (const n of r.notes ?? []) notes.push(`${r.engine.name}: ${n}`);
    if (t.tensorGrowth > 0)
      notes.push(
        `WARNING ${r.engine.name}: ${t.tensorGrowth} live tensors more after the reps than before: the case leaks`,
      );
  }
  for (const r of rows) {
    if (r.leftover)
      notes.push(
        `WARNING ${r.engine.name}: ${r.leftover} live tensors left after disposing the case${r.error ? ' (its failed call left them)' : ''}`,
      );
  }
  const widths = head.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  console.log(`\n== ${c.name}: ${c.title} ==`);
  if (c.method) console.log(c.method(quick));
  for (const l of lines)
    console.log(
      l.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '),
    );
  for (const n of notes) console.log(`  ${n}`);
}
