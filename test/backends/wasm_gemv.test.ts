// The wasm GEMV path (m <= 4 rows, B streamed unpacked): agreement with the reference, 1 vs 2 threads bitwise equal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, Epilogue, FusedActivation, TensorInfo } from '../../src/backends/backend.js';
import { createCpuBackendSync } from '../../src/backends/cpu/index.js';
import { gemm as referenceGemm } from '../../src/backends/cpu/gemm.js';
import { GEMV_ROWS } from '../../src/backends/wasm/gemv.js';
import { WasmBackend } from '../../src/backends/wasm/index.js';
import { WasmGemm } from '../../src/backends/wasm/matmul.js';
import { expectClose, rng } from '../helpers/check_op.js';
import { splittingWasmBackend } from '../helpers/wasm_backend.js';
import { calls } from '../helpers/kernel_calls.js';

const reference = createCpuBackendSync({ precision: 'float64' });

function randomValues(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
}

interface Case {
  aShape: number[];
  bShape: number[];
  transA: boolean;
  transB: boolean;
  outShape: number[];
  activation?: FusedActivation;
}

/** Runs one matMul (bias when an activation is given); returns the output values. */
function runCase(backend: Backend, c: Case, seed: number): Float32Array {
  const size = (s: number[]): number => s.reduce((x, y) => x * y, 1);
  const info = (shape: number[], s: number): TensorInfo => ({
    dataId: backend.write(randomValues(size(shape), s), 'float32'),
    shape,
    dtype: 'float32',
  });
  const a = info(c.aShape, seed);
  const b = info(c.bShape, seed + 1);
  const epilogue: Epilogue | undefined = c.activation
    ? { bias: info([c.outShape.at(-1)!], seed + 2), activation: c.activation }
    : undefined;
  const id = calls(backend).matMul(a, b, c.transA, c.transB, c.outShape, epilogue);
  const out = backend.readSync(id).slice() as Float32Array;
  for (const t of [a, b, epilogue?.bias]) if (t) backend.free(t.dataId);
  backend.free(id);
  return out;
}

function expectBitwise(x: Float32Array, y: Float32Array, what: string): void {
  expect(x.length, what).toBe(y.length);
  for (let i = 0; i < x.length; i++)
    if (!Object.is(x[i], y[i])) expect.fail(`${what}[${i}]: ${x[i]} vs ${y[i]}`);
}

/** op(A) [m, k] and op(B) [k, n] stored as the transposes ask, with batch dims in front. */
function shapes(m: number, n: number, k: number, tA: boolean, tB: boolean, batch: number[] = []) {
  return {
    aShape: [...batch, ...(tA ? [k, m] : [m, k])],
    bShape: [...batch, ...(tB ? [n, k] : [k, n])],
    transA: tA,
    transB: tB,
    outShape: [...batch, m, n],
  };
}

describe('wasm gemv', () => {
  let one: { backend: WasmBackend; gemm: WasmGemm };
  let two: { backend: WasmBackend; gemm: WasmGemm };
  beforeAll(async () => {
    one = await splittingWasmBackend(1);
    two = await splittingWasmBackend(2);
  });
  afterAll(() => {
    one.backend.dispose();
    two.backend.dispose();
  });

  // odd n and k exercise the scalar tails (k mod 16, k mod 4, n mod 4); n 37 and 301 split over 2 threads
  const sizes: [number, number][] = [
    [37, 71],
    [301, 130],
    [64, 784],
    [9, 1003],
  ];
  for (let m = 1; m <= GEMV_ROWS + 1; m++)
    for (const [n, k] of sizes)
      for (const [tA, tB] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ] as const)
        it(`${m}x${n}x${k} transA=${tA} transB=${tB}: close to the reference, 1 and 2 threads bitwise equal`, () => {
          const c = shapes(m, n, k, tA, tB);
          const x = runCase(one.backend, c, 7);
          expectClose(x, runCase(reference, c, 7), 1e-4, 1e-4);
          expectBitwise(x, runCase(two.backend, c, 7), 'two threads');
        });

  it('batched and broadcast products', () => {
    const c = shapes(2, 45, 33, false, false, [3]);
    expectClose(runCase(one.backend, c, 3), runCase(reference, c, 3), 1e-4, 1e-4);
    expectBitwise(runCase(one.backend, c, 3), runCase(two.backend, c, 3), 'two threads');
    const d: Case = {
      aShape: [3, 1, 1, 50],
      bShape: [2, 41, 50],
      transA: false,
      transB: true,
      outShape: [3, 2, 1, 41],
    };
    expectClose(runCase(one.backend, d, 4), runCase(reference, d, 4), 1e-4, 1e-4);
    expectBitwise(runCase(one.backend, d, 4), runCase(two.backend, d, 4), 'two threads');
  });

  for (const activation of ['linear', 'relu', 'relu6', 'sigmoid', 'tanh'] as const)
    for (const tB of [false, true])
      it(`fuses bias + ${activation} (transB=${tB})`, () => {
        const c: Case = { ...shapes(3, 70, 50, false, tB), activation };
        const x = runCase(one.backend, c, 11);
        expectClose(x, runCase(reference, c, 11), 1e-4, 1e-4);
        expectBitwise(x, runCase(two.backend, c, 11), 'two threads');
      });

  it('accumulates into C through the GemmFn entry (what conv calls)', () => {
    const [m, n, k] = [2, 67, 90];
    const a = randomValues(m * k, 1);
    const b = randomValues(k * n, 2);
    const c0 = randomValues(m * n, 3);
    for (const gemm of [one.gemm, two.gemm]) {
      const got = c0.slice();
      gemm.gemm(m, n, k, a, 0, false, b, 0, false, got, 0, true);
      const want = c0.slice();
      referenceGemm(m, n, k, a, 0, false, b, 0, false, want, 0, true);
      expectClose(got, want, 1e-4, 1e-4);
    }
  });
});
