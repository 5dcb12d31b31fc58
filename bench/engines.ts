// Engines for the benchmarks: starting neurite backends and tfjs peers, and running one case on one engine.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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
  type Prepared,
  type Row,
  type Tf,
  type Timing,
  type TimingOptions,
  measure,
} from './harness.js';
import { neuriteKernelCounter, tfjsKernels } from './kernels.js';

/** Peers `--peers` accepts; `jax` means both jax-js engines, `torch` both thread counts. */
export const PEER_NAMES = ['tfjs-cpu', 'tfjs-wasm', 'jax', 'jax-wasm', 'jax-wasm-jit', 'torch'];

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
  const tfjsPeers = peerNames.filter((p) => p.startsWith('tfjs-'));
  await startOtherPeers(peerNames, engines, skipped, info);
  if (!tfjsPeers.length) return { engines, skipped };
  // tfjs ships CommonJS for Node (no "exports" map), so it is loaded the way the peer scripts load it.
  const require = createRequire(import.meta.url);
  const tf: Tf = require('@tensorflow/tfjs');
  info.tfjs = tf.version.tfjs;
  for (const peer of tfjsPeers) {
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

/** OpenBLAS's name for this CPU's kernels: without it, OpenBLAS on this VM picks a generic kernel (2-3x slower). */
function openblasCoreType(): string | undefined {
  let flags = '';
  try {
    flags = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '';
  } catch {
    return undefined;
  }
  const has = (f: string): boolean => flags.split(/\s+/).includes(f);
  return has('avx512f') ? 'SkylakeX' : has('avx2') ? 'Haswell' : undefined;
}

/** Debian's Python with python3-torch (the system interpreter, not a virtual environment's). */
const PYTHON = '/usr/bin/python3';

/** Starts jax-js (wasm device) and finds PyTorch, for the peers asked for. */
async function startOtherPeers(
  peerNames: readonly string[],
  engines: Engine[],
  skipped: string[],
  info: Info,
): Promise<void> {
  const jaxNames = peerNames.flatMap((p) =>
    p === 'jax' ? ['jax-wasm', 'jax-wasm-jit'] : p.startsWith('jax-') ? [p] : [],
  );
  if (jaxNames.length) {
    try {
      // jax-js reads navigator (hardwareConcurrency, gpu) when it starts; Node 20 has no navigator.
      const g: { navigator?: object } = globalThis;
      g.navigator ??= {};
      const jax = await import('@jax-js/jax');
      const devices = await jax.init('wasm');
      if (!devices.includes('wasm'))
        throw new Error(`no wasm device (found ${devices.join(', ')})`);
      jax.defaultDevice('wasm');
      info.jax = readPackageVersion('@jax-js/jax');
      for (const name of [...new Set(jaxNames)])
        engines.push({ kind: 'jax', name, jit: name.endsWith('-jit'), jax });
    } catch (e) {
      skipped.push(`${jaxNames.join(', ')} (${fmtErr(e)})`);
    }
  }
  if (!peerNames.includes('torch')) return;
  const probe = existsSync(PYTHON)
    ? spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' })
    : undefined;
  if (!probe || probe.status !== 0) {
    skipped.push(
      `torch (${PYTHON} -c 'import torch' failed: ${probe ? (probe.stderr.trim().split('\n').pop() ?? '') : `no ${PYTHON}`}; apt install python3-torch libopenblas0-pthread)`,
    );
    return;
  }
  info.torch = probe.stdout.trim();
  const env: Record<string, string> = {};
  const core = openblasCoreType();
  if (core) env.OPENBLAS_CORETYPE = core;
  info.openblas_coretype = core ?? 'auto';
  const cores = os.cpus().length;
  for (const threads of [...new Set([1, Math.min(2, cores)])])
    engines.push({ kind: 'torch', name: `torch-${threads}t`, threads, python: PYTHON, env });
}

function readPackageVersion(name: string): string {
  const require = createRequire(import.meta.url);
  try {
    const dir = path.dirname(require.resolve(name));
    for (let d = dir; d !== path.dirname(d); d = path.dirname(d)) {
      const f = path.join(d, 'package.json');
      if (!existsSync(f)) continue;
      const pkg: unknown = JSON.parse(readFileSync(f, 'utf8'));
      if (pkg && typeof pkg === 'object' && 'version' in pkg && 'name' in pkg && pkg.name === name)
        return String(pkg.version);
    }
  } catch {
    // fall through
  }
  return 'unknown';
}

const activate = async (e: Engine): Promise<void> => {
  if (e.kind === 'jax' || e.kind === 'torch') return;
  const ok =
    e.kind === 'neurite' ? await nr.setBackend(e.backend) : await e.tf.setBackend(e.backend);
  if (!ok) throw new Error(`backend ${e.backend} did not start`);
  if (e.kind === 'neurite' && e.threads !== undefined) nr.setThreadsCount(e.threads);
};

// jax-js counts references, not live arrays; PyTorch runs in its own process: no count for either.
const numTensors = (e: Engine): number =>
  e.kind === 'neurite' ? nr.memory().numTensors : e.kind === 'tfjs' ? e.tf.memory().numTensors : 0;

/** Why an engine cannot run a case, or undefined when it can. */
export function notRunReason(c: BenchCase, e: Engine): string | undefined {
  const gap = c.gaps?.[e.name] ?? c.gaps?.[e.kind];
  if (e.kind === 'jax' && !c.jax) return gap ?? 'no jax-js version of this case';
  if (e.kind === 'torch' && !c.torch) return gap ?? 'no PyTorch version of this case';
  return e.kind === 'neurite' ? undefined : gap;
}

/** tf.profile re-runs a call; skip it where one call is this slow (tfjs-cpu on the fit cases). */
const PROFILE_LIMIT_MS = 6000;

/**
 * Runs a case in PyTorch: `python3 bench/peers/torch_cases.py CASE --threads N [--quick]` prints the
 * timing as JSON on its last line, measured the way `measure` does.
 */
async function runTorch(
  c: BenchCase,
  e: Extract<Engine, { kind: 'torch' }>,
  quick: boolean,
): Promise<Row> {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'peers', 'torch_cases.py');
  const timing = JSON.stringify(timingOf(c, quick));
  const args = [
    script,
    c.name,
    '--threads',
    String(e.threads),
    '--timing',
    timing,
    ...(quick ? ['--quick'] : []),
  ];
  const child = spawn(e.python, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...e.env },
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const last = out.trim().split('\n').pop() ?? '';
  if (!last.startsWith('{'))
    return {
      engine: e,
      error: `python exited with code ${code} and no result: ${err.trim().split('\n').pop() ?? ''}`,
    };
  const r = JSON.parse(last) as {
    timing?: Timing;
    error?: string;
    peakRssMB?: number;
    note?: string;
  };
  return {
    engine: e,
    ...(r.timing ? { timing: r.timing } : {}),
    ...(r.error ? { error: r.error } : {}),
    ...(c.isolated && r.peakRssMB !== undefined ? { peakRssMB: r.peakRssMB } : {}),
    ...(r.note ? { notes: [r.note] } : {}),
  };
}

/** Sets a case up on one engine, times it, disposes it and counts what it left behind. */
export async function runOnEngine(
  c: BenchCase,
  engine: Engine,
  opts: TimingOptions,
  ctx: CaseContext,
): Promise<Row> {
  const reason = notRunReason(c, engine);
  if (reason !== undefined) return { engine, notRun: reason };
  if (engine.kind === 'torch') return runTorch(c, engine, ctx.quick);
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
    prepared =
      engine.kind === 'neurite'
        ? c.neurite(ctx)
        : engine.kind === 'tfjs'
          ? c.tfjs(engine.tf, ctx)
          : prepareJax(c, engine, ctx);
    if (prepared.note) row.notes = [prepared.note];
    const counter = engine.kind === 'neurite' ? neuriteKernelCounter() : undefined;
    row.timing = await measure(prepared, opts, () => numTensors(engine), counter);
    if (
      engine.kind === 'tfjs' &&
      row.timing.medianMs * (prepared.unitsPerCall ?? 1) < PROFILE_LIMIT_MS
    ) {
      const p = prepared;
      row.timing.kernelsPerStep =
        (await tfjsKernels(engine.tf, () => p.call())) / (p.unitsPerCall ?? 1);
    }
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

function prepareJax(c: BenchCase, e: Extract<Engine, { kind: 'jax' }>, ctx: CaseContext): Prepared {
  if (!c.jax) throw new Error(`${c.name}: no jax-js version`);
  return c.jax(e.jax, e.jit, ctx);
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
