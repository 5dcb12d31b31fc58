// Engines for the benchmarks: starting neurite backends and tfjs peers, and running one case on one engine.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import * as nr from '../src/node.js';
import {
  type BenchCase,
  type CaseContext,
  type Engine,
  type Row,
  type Tf,
  type TimingOptions,
  measure,
} from './harness.js';

/** Machine and library facts printed in the header and saved with `--json`. */
export type Info = Record<string, string | number | boolean>;

export const fmtErr = (e: unknown): string =>
  (e instanceof Error ? e.message : String(e)).split('\n')[0];

/** Default timing: reps of >= 100 ms. Budget: tfjs-cpu takes ~1-2 s per call here, so reps stop after ~5 s (at least 3 reps) instead of running 7. */
export const defaultTiming = (quick: boolean): TimingOptions =>
  quick
    ? { warmup: 1, reps: 3, minReps: 3, minRepMs: 100, budgetMs: 2000 }
    : { warmup: 3, reps: 7, minReps: 3, minRepMs: 100, budgetMs: 5000 };

export const timingOf = (c: BenchCase, quick: boolean): TimingOptions =>
  c.timing ? c.timing(quick) : defaultTiming(quick);

export function machineInfo(): Info {
  return {
    date: new Date().toISOString(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

let defaultThreads: number | undefined;

/**
 * Starts the neurite backends and tfjs peers that can start here; the others go to `skipped` with the
 * reason. Peers are named `tfjs-cpu` / `tfjs-wasm`.
 */
export async function startEngines(
  neuriteBackends: readonly string[],
  peerNames: readonly string[],
  info: Info,
  /** The backends were named on the command line: time them even on a software GPU adapter. */
  named = false,
): Promise<{ engines: Engine[]; skipped: string[] }> {
  const engines: Engine[] = [];
  const skipped: string[] = [];
  for (const spec of neuriteBackends) {
    // 'wasm' runs twice, on 1 thread and on every core ('wasm-1t', 'wasm-2t'); 'wasm-Nt' names one count
    const [, name, t] = /^(.*?)(?:-(\d+)t)?$/.exec(spec) ?? [spec, spec];
    try {
      if (!((await nr.setBackend(name)) && nr.getBackend() === name)) {
        skipped.push(`neurite-${spec} (did not start)`);
        continue;
      }
      const adapter = nr.backend().describe?.();
      if (name === 'webgpu' && adapter?.isFallbackAdapter && !named) {
        skipped.push(
          `neurite-webgpu (software adapter ${String(adapter.description)}: --backend webgpu times it anyway)`,
        );
        continue;
      }
      if (name !== 'wasm') {
        engines.push({ kind: 'neurite', name: `neurite-${name}`, backend: name });
        continue;
      }
      // the default count (one per core, at most 8), read before any engine sets it
      defaultThreads ??= nr.getThreadsCount();
      info.wasm_default_threads = defaultThreads;
      const counts = t ? [Number(t)] : [...new Set([1, defaultThreads])];
      for (const threads of counts)
        engines.push({ kind: 'neurite', name: `neurite-wasm-${threads}t`, backend: name, threads });
    } catch (e) {
      skipped.push(`neurite-${name} (${fmtErr(e)})`);
    }
  }
  if (!peerNames.length) return { engines, skipped };
  // tfjs ships CommonJS for Node (no "exports" map), so it is loaded the way the peer scripts load it.
  const require = createRequire(import.meta.url);
  const tf: Tf = require('@tensorflow/tfjs');
  info.tfjs = tf.version.tfjs;
  for (const peer of peerNames) {
    const backend = peer.slice('tfjs-'.length);
    try {
      if (backend === 'wasm') {
        const wasm: typeof tfwasm = require('@tensorflow/tfjs-backend-wasm');
        const dist = path.dirname(
          require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'),
        );
        wasm.setWasmPaths(dist + path.sep);
      }
      if (!(await tf.setBackend(backend)) || tf.getBackend() !== backend)
        throw new Error(`tfjs fell back to '${tf.getBackend()}'`);
      if (backend === 'wasm') {
        // Threads stay off under Node (tfjs hard-codes it), so this peer is single-threaded SIMD.
        info.tfjs_wasm_simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
        info.tfjs_wasm_threads = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
      }
      engines.push({ kind: 'tfjs', name: peer, backend, tf });
    } catch (e) {
      skipped.push(`${peer} (${fmtErr(e)})`);
    }
  }
  return { engines, skipped };
}

const activate = async (e: Engine): Promise<void> => {
  const ok =
    e.kind === 'neurite' ? await nr.setBackend(e.backend) : await e.tf.setBackend(e.backend);
  if (!ok) throw new Error(`backend ${e.backend} did not start`);
  if (e.kind === 'neurite' && e.threads !== undefined) nr.setThreadsCount(e.threads);
};

const numTensors = (e: Engine): number =>
  e.kind === 'neurite' ? nr.memory().numTensors : e.tf.memory().numTensors;

/** Sets a case up on one engine, times it, disposes it and counts what it left behind. */
export async function runOnEngine(
  c: BenchCase,
  engine: Engine,
  opts: TimingOptions,
  ctx: CaseContext,
): Promise<Row> {
  let before = 0;
  try {
    await activate(engine);
    before = numTensors(engine);
  } catch (e) {
    return { engine, error: fmtErr(e) };
  }
  const row: Row = { engine };
  let prepared: ReturnType<BenchCase['neurite']> | undefined;
  try {
    prepared = engine.kind === 'neurite' ? c.neurite(ctx) : c.tfjs(engine.tf, ctx);
    if (prepared.note) row.notes = [prepared.note];
    row.timing = await measure(prepared, opts, () => numTensors(engine));
  } catch (e) {
    row.error = fmtErr(e);
  }
  try {
    prepared?.dispose();
  } catch (e) {
    row.error = `${row.error ?? ''} (dispose failed: ${fmtErr(e)})`;
  }
  row.leftover = numTensors(engine) - before;
  return row;
}

/** What bench/child.ts prints: one row, as JSON, on the last line of its stdout. */
export interface ChildResult {
  engine: string;
  case: string;
  timing?: Row['timing'];
  error?: string;
  leftover?: number;
  notes?: string[];
  /** process.resourceUsage().maxRSS of the child at the end (kB there, MB here). */
  peakRssMB: number;
  /** RSS once the engine had started, before the case was set up. */
  startRssMB: number;
}

// tfjs's first-use banner on its cpu backend ("Hi, looks like you are running TensorFlow.js in Node.js ...").
const isTfjsBanner = (line: string): boolean =>
  /^=+$/.test(line) || line.startsWith('Hi, looks like you are running TensorFlow.js');

/**
 * Runs a case on one engine in a fresh Node process (`node --import tsx bench/child.ts ENGINE CASE`), so
 * the peak RSS it reports belongs to that engine and case alone. Its stderr lines (leak reports, say)
 * become notes of the row, except tfjs's banner.
 */
export async function runInChild(c: BenchCase, engine: Engine, quick: boolean): Promise<Row> {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'child.ts');
  const args = [...process.execArgv, script, engine.name, c.name, ...(quick ? ['--quick'] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const stderrLines = err
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !isTfjsBanner(l));
  const last = out.trim().split('\n').pop() ?? '';
  if (!last.startsWith('{')) {
    return {
      engine,
      error: `child process exited with code ${code} and no result${stderrLines.length ? `: ${stderrLines[stderrLines.length - 1]}` : ''}`,
    };
  }
  const r = JSON.parse(last) as ChildResult;
  const notes = [...(r.notes ?? []), ...stderrLines.slice(0, 5).map((l) => `stderr: ${l}`)];
  return {
    engine,
    ...(r.timing ? { timing: r.timing } : {}),
    ...(r.error ? { error: r.error } : {}),
    leftover: r.leftover ?? 0,
    peakRssMB: r.peakRssMB,
    startRssMB: r.startRssMB,
    ...(notes.length ? { notes } : {}),
  };
}
