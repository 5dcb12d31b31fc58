// The one op checker: forward values on any backend, and gradients against float64 central differences.
import { afterAll, beforeAll, expect } from 'vitest';
import { CpuBackend, createCpuBackend } from '../../src/backends/cpu/index.js';
import { ENGINE } from '../../src/core/engine.js';
import * as nr from '../../src/node.js';
import { SKIP_VAR } from './webgpu_probe.js';

/** The float64 reference backend: the CPU kernels storing float32 tensors in double. */
export const REFERENCE = 'cpu64';
if (!nr.registeredBackends().includes(REFERENCE))
  nr.registerBackend(REFERENCE, () => createCpuBackend({ precision: 'float64' }), -100);

/**
 * The CPU kernels behind a backend that refuses synchronous reads, as WebGPU does. Running the
 * conformance suite on it proves that no op, gradient or engine path needs `dataSync()`.
 */
class AsyncOnlyCpuBackend extends CpuBackend {
  override readonly canReadSync = false;
  override async read(id: nr.DataId): Promise<nr.TypedArray> {
    return super.read(id);
  }
  override readSync(): never {
    throw new nr.BackendError(
      'cpu-async: synchronous reads are disabled here (it stands in for WebGPU)',
    );
  }
}
export const ASYNC_ONLY = 'cpu-async';
if (!nr.registeredBackends().includes(ASYNC_ONLY))
  nr.registerBackend(ASYNC_ONLY, async () => new AsyncOnlyCpuBackend({ name: ASYNC_ONLY }), -100);

/**
 * Backends the conformance suite runs on: every backend that starts here (webgpu only where the global
 * setup, test/helpers/webgpu_probe.ts, found an adapter). `NEURITE_TEST_BACKENDS` (comma-separated)
 * narrows the list.
 */
export function testBackends(): string[] {
  const wanted = process.env.NEURITE_TEST_BACKENDS?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const webgpuSkipped = process.env[SKIP_VAR] !== undefined;
  const all = nr
    .registeredBackends()
    .filter((b) => b !== REFERENCE && !(b === 'webgpu' && webgpuSkipped));
  return wanted ? all.filter((b) => wanted.includes(b)) : all;
}

/**
 * Inside a describe: its tests run with `backend` as the current backend, the previous one restored after.
 * @example describe('on wasm', () => { onBackend('wasm'); it(...); });
 */
export function onBackend(backend: string): void {
  let previous = nr.getBackend();
  beforeAll(async () => {
    previous = nr.getBackend();
    await nr.setBackend(backend);
  });
  afterAll(async () => {
    await nr.setBackend(previous);
  });
}

/** Backends too slow here for the heaviest conformance cases (WebGPU on a software rasteriser). */
export const SLOW_BACKENDS: readonly string[] = ['webgpu'];

/** Whether a heavy case should be left to the fast backends: `it.skipIf(heavy(backend))(...)`. */
export function heavy(backend: string): boolean {
  return SLOW_BACKENDS.includes(backend);
}

/**
 * heavy() for the layer and training tests, which run on the default backend of the run (webgpu in
 * its own vitest project): `it.skipIf(heavyOnDefault())(...)` leaves a long fit to the CPU backends.
 */
export function heavyOnDefault(): boolean {
  return heavy(nr.getBackend());
}

/** Deterministic pseudo-random numbers for test inputs (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An input: literal values (float32 unless bool/int given), or a random tensor spec. */
export type InputSpec =
  | nr.NestedArray
  | {
      shape: number[];
      dtype?: nr.DType;
      /** Range of random values (default [-2, 2]); ints are drawn in [min, max). */
      min?: number;
      max?: number;
      /** Keeps random values at least 0.05 away from these points (kinks of relu, abs, ...). */
      awayFrom?: number[];
      values?: number[];
    };

interface Materialised {
  values: number[];
  shape: number[];
  dtype: nr.DType;
}

function materialise(spec: InputSpec, seed: number): Materialised {
  if (typeof spec === 'object' && spec !== null && !Array.isArray(spec)) {
    const s = spec as Exclude<InputSpec, nr.NestedArray>;
    const dtype = s.dtype ?? 'float32';
    const n = s.shape.reduce((a, b) => a * b, 1);
    if (s.values) return { values: s.values, shape: s.shape, dtype };
    const r = rng(seed);
    const lo = s.min ?? -2;
    const hi = s.max ?? 2;
    const values: number[] = [];
    while (values.length < n) {
      let v = lo + (hi - lo) * r();
      if (dtype === 'int32') v = Math.floor(v);
      if (dtype === 'bool') v = r() < 0.5 ? 0 : 1;
      if (s.awayFrom?.some((p) => Math.abs(v - p) < 0.05)) continue;
      values.push(v);
    }
    return { values, shape: s.shape, dtype };
  }
  // Literal values: read them in plain JS, so no backend read is involved.
  const shape: number[] = [];
  for (let level: unknown = spec; Array.isArray(level); level = level[0]) shape.push(level.length);
  const values = flat(spec as nr.NestedArray);
  let first: unknown = spec;
  while (Array.isArray(first)) first = first[0];
  return { values, shape, dtype: typeof first === 'boolean' ? 'bool' : 'float32' };
}

/** A tensor on the current backend holding exactly these values (double precision on cpu64). */
function makeInput(m: Materialised): nr.Tensor {
  const b = nr.backend();
  if (b instanceof CpuBackend)
    return ENGINE.makeTensor(b.writeRaw(m.values, m.dtype), m.shape, m.dtype, b);
  return nr.tensor(m.values, m.shape, m.dtype);
}

function rawValues(t: nr.Tensor): number[] {
  const b = t.backend;
  return Array.from(b instanceof CpuBackend ? b.readRaw(t.dataId) : t.dataSync());
}

/** rawValues for any backend, including those that only read asynchronously (webgpu). */
async function rawValuesAsync(t: nr.Tensor): Promise<number[]> {
  const b = t.backend;
  return Array.from(b instanceof CpuBackend ? b.readRaw(t.dataId) : await t.data());
}

/** One op check: forward values and/or gradients. */
export interface OpCheck {
  /** Name shown in the test list. */
  name: string;
  fn: (...xs: nr.Tensor[]) => nr.Tensor;
  inputs: InputSpec[];
  /** Known forward output (nested or flat). */
  expected?: nr.NestedArray | readonly number[];
  expectedShape?: number[];
  expectedDtype?: nr.DType;
  /** Inputs whose gradient is checked (default: every float32 input); false for non-differentiable ops. */
  grad?: boolean | number[];
  /** Forward tolerance (default atol 1e-5, rtol 1e-5 on float32). */
  atol?: number;
  rtol?: number;
  /** Gradient tolerance on float32 backends (default rtol 1e-2, atol 1e-3); cpu64 uses 1e-6. */
  gradTol?: number;
}

async function withBackend<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
  const prev = nr.getBackend();
  await nr.setBackend(name);
  try {
    return await fn();
  } finally {
    await nr.setBackend(prev);
  }
}

function flat(v: nr.NestedArray | readonly number[]): number[] {
  if (Array.isArray(v)) return (v as nr.NestedArray[]).flatMap((e) => flat(e));
  return [Number(v)];
}

function close(actual: number, expected: number, atol: number, rtol: number): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (!Number.isFinite(expected)) return actual === expected;
  return Math.abs(actual - expected) <= atol + rtol * Math.abs(expected);
}

/** Asserts arrays agree within tolerance, reporting the first mismatch with its index. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  atol = 1e-5,
  rtol = 1e-5,
  what = 'values',
): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!close(actual[i], expected[i], atol, rtol)) {
      expect.fail(
        `${what}[${i}]: received ${actual[i]}, expected ${expected[i]} (atol ${atol}, rtol ${rtol})`,
      );
    }
  }
}

/** Checks the forward values of an op on a backend. */
export async function checkForward(c: OpCheck, backendName: string): Promise<void> {
  await withBackend(backendName, async () => {
    const xs = c.inputs.map((s, i) => makeInput(materialise(s, 1000 + i)));
    const y = c.fn(...xs);
    if (c.expectedShape) expect(y.shape, `${c.name}: shape`).toEqual(c.expectedShape);
    if (c.expectedDtype) expect(y.dtype, `${c.name}: dtype`).toBe(c.expectedDtype);
    if (c.expected !== undefined)
      expectClose(
        Array.from(await y.data()),
        flat(c.expected),
        c.atol ?? 1e-5,
        c.rtol ?? 1e-5,
        c.name,
      );
    nr.dispose([xs, y]);
  });
}

/** sum(w ⊙ f(xs)) with fixed random weights w: a scalar whose gradient exercises every output. */
function weightedLoss(c: OpCheck, xs: nr.Tensor[], w: number[]): nr.Tensor {
  const y = c.fn(...xs);
  const wt = makeInput({ values: w, shape: y.shape.slice(), dtype: 'float32' });
  return y.cast('float32').mul(wt).sum();
}

/**
 * Checks gradients: analytic gradients on `backendName` against central differences computed in float64
 * on the reference backend.
 */
export async function checkGradient(c: OpCheck, backendName: string): Promise<void> {
  const ms = c.inputs.map((s, i) => materialise(s, 1000 + i));
  const which = Array.isArray(c.grad)
    ? c.grad
    : ms.flatMap((m, i) => (m.dtype === 'float32' ? [i] : []));
  // Output size decides the weights.
  const outSize = await withBackend(REFERENCE, () => {
    const xs = ms.map(makeInput);
    const y = c.fn(...xs);
    const n = y.size;
    nr.dispose([xs, y]);
    return n;
  });
  const r = rng(77);
  const w = Array.from({ length: outSize }, () => r() * 2 - 1);

  const numeric = await withBackend(REFERENCE, () =>
    which.map((i) => {
      const m = ms[i];
      return m.values.map((v, j) => {
        const h = 1e-5 * Math.max(1, Math.abs(v));
        const at = (dv: number) =>
          nr.tidy(() => {
            const vals = m.values.slice();
            vals[j] = v + dv;
            const xs = ms.map((mm, k) => makeInput(k === i ? { ...mm, values: vals } : mm));
            return rawValues(weightedLoss(c, xs, w))[0];
          });
        return (at(h) - at(-h)) / (2 * h);
      });
    }),
  );

  const analytic = await withBackend(backendName, async () => {
    const xs = ms.map(makeInput);
    const sources = which.map((i) => xs[i]);
    const gs = nr.grads((...srcs: nr.Tensor[]) => {
      const all = xs.slice();
      which.forEach((i, k) => (all[i] = srcs[k]));
      return weightedLoss(c, all, w);
    })(sources);
    const out = await Promise.all(gs.map((g) => rawValuesAsync(g)));
    nr.dispose([xs, gs]);
    return out;
  });

  const ref = backendName === REFERENCE;
  const tol = ref ? 1e-6 : (c.gradTol ?? 1e-2);
  which.forEach((i, k) =>
    expectClose(analytic[k], numeric[k], ref ? 1e-7 : tol / 10, tol, `${c.name}: d/dx${i}`),
  );
}

/** Runs a tidy-wrapped body and returns how many tensors it left behind. */
export function leakedBy(fn: () => void): number {
  const before = nr.memory().numTensors;
  fn();
  return nr.memory().numTensors - before;
}
