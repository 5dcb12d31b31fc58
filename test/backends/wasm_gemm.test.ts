// The wasm GEMM's paths (tiles into C, operands in place, ragged tiles, epilogue in registers) vs the reference.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, Epilogue, FusedActivation } from '../../src/backends/backend.js';
import { createCpuBackendSync } from '../../src/backends/cpu/index.js';
import { gemm as referenceGemm } from '../../src/backends/cpu/gemm.js';
import { WasmBackend } from '../../src/backends/wasm/index.js';
import { WasmGemm } from '../../src/backends/wasm/matmul.js';
import { expectClose, rng } from '../helpers/check_op.js';
import { splittingWasmBackend } from '../helpers/wasm_backend.js';
import { calls } from '../helpers/kernel_calls.js';

const reference = createCpuBackendSync({ precision: 'float64' });

/** op(A) [...batch, m, k] and op(B) [...batch, k, n] as logical values, with a bias of n. */
interface Operands {
  m: number;
  n: number;
  k: number;
  aBatch: number[];
  bBatch: number[];
  a: Float32Array;
  b: Float32Array;
  bias: Float32Array;
}

function randomValues(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
}

const count = (s: number[]): number => s.reduce((x, y) => x * y, 1);

function operands(
  m: number,
  n: number,
  k: number,
  seed: number,
  aBatch: number[] = [],
  bBatch: number[] = aBatch,
): Operands {
  return {
    m,
    n,
    k,
    aBatch,
    bBatch,
    a: randomValues(count(aBatch) * m * k, seed),
    b: randomValues(count(bBatch) * k * n, seed + 1),
    bias: randomValues(n, seed + 2),
  };
}

/** Each of `batches` row-major rows x cols matrices of x, transposed. */
function transpose(x: Float32Array, batches: number, rows: number, cols: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let t = 0; t < batches; t++)
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++)
        out[t * rows * cols + j * rows + i] = x[t * rows * cols + i * cols + j];
  return out;
}

/** matMul of the operands stored as the transposes ask (bias + activation when given). */
function product(
  backend: Backend,
  o: Operands,
  tA: boolean,
  tB: boolean,
  activation?: FusedActivation,
): Float32Array {
  const { m, n, k } = o;
  const aRows = count(o.aBatch);
  const bRows = count(o.bBatch);
  const a = tA ? transpose(o.a, aRows, m, k) : o.a;
  const b = tB ? transpose(o.b, bRows, k, n) : o.b;
  const outBatch = o.aBatch.length >= o.bBatch.length ? o.aBatch : o.bBatch;
  const outShape = [
    ...outBatch.map((d, i) => Math.max(d, o.aBatch[i] ?? 1, o.bBatch[i] ?? 1)),
    m,
    n,
  ];
  const info = (values: Float32Array, shape: number[]) => ({
    dataId: backend.write(values, 'float32'),
    shape,
    dtype: 'float32' as const,
  });
  const ai = info(a, [...o.aBatch, ...(tA ? [k, m] : [m, k])]);
  const bi = info(b, [...o.bBatch, ...(tB ? [n, k] : [k, n])]);
  const epilogue: Epilogue | undefined = activation
    ? { bias: info(o.bias, [n]), activation }
    : undefined;
  const id = calls(backend).matMul(ai, bi, tA, tB, outShape, epilogue);
  const out = backend.readSync(id).slice() as Float32Array;
  for (const t of [ai, bi, epilogue?.bias]) if (t) backend.free(t.dataId);
  backend.free(id);
  return out;
}

function expectBitwise(x: Float32Array, y: Float32Array, what: string): void {
  expect(x.length, what).toBe(y.length);
  for (let i = 0; i < x.length; i++)
    if (!Object.is(x[i], y[i])) expect.fail(`${what}[${i}]: ${x[i]} vs ${y[i]}`);
}

const TRANSPOSES = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

describe('wasm gemm paths', () => {
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

  /**
   * Every layout of the operands on 1 and 2 threads gives bitwise the reference layout's result on
   * one thread: packed or read in place, the strided or the packed micro-kernel, each element is
   * summed in the same order. That result is close to the float64 reference.
   */
  function checkLayouts(o: Operands, activation?: FusedActivation): void {
    const want = product(one.backend, o, false, false, activation);
    expectClose(want, product(reference, o, false, false, activation), 1e-4, 1e-4);
    for (const [tA, tB] of TRANSPOSES)
      for (const [name, b] of [
        ['one thread', one.backend],
        ['two threads', two.backend],
      ] as const)
        expectBitwise(product(b, o, tA, tB, activation), want, `${name} transA=${tA} transB=${tB}`);
  }

  // [m, n, k, batch, what]: the attention and LSTM shapes of the fit cases, scaled down where big
  const cases: [number, number, number, number[], string][] = [
    [32, 16, 32, [2, 4], 'attention P·V: A and B read in place'],
    [32, 32, 16, [2, 4], 'attention scores'],
    [16, 16, 32, [3], 'attention gradient'],
    [128, 64, 64, [], 'dense 128x64·64x64: tiles straight into C'],
    [64, 64, 600, [], 'weight gradient: narrow A read in place, k in 3 blocks'],
    [128, 64, 520, [], 'narrow B read in place, k in 3 blocks'],
    [64, 256, 128, [], 'LSTM step'],
    [12, 208, 300, [], 'few rows: a wide B read in place, k in 2 blocks'],
    [36, 40, 300, [], 'two k blocks, whole tiles'],
    [33, 40, 67, [], 'ragged rows: the last row block through the scratch'],
    [36, 37, 67, [], 'ragged columns: the last column panel through the scratch'],
    [33, 37, 9, [2], 'ragged rows and columns, batched'],
    [260, 24, 20, [], 'a ragged row block after whole ones'],
  ];
  for (const [m, n, k, batch, what] of cases)
    it(`${what} (${m}x${n}x${k}, batch [${batch}]): all layouts, 1 and 2 threads bitwise equal`, () => {
      checkLayouts(operands(m, n, k, m + n + k, batch));
    });

  for (const activation of ['linear', 'relu', 'relu6', 'sigmoid', 'tanh'] as const) {
    it(`bias + ${activation} in registers and through the write-out agree with the reference`, () => {
      checkLayouts(operands(36, 40, 300, 5), activation);
      checkLayouts(operands(33, 37, 67, 6), activation);
      checkLayouts(operands(32, 16, 32, 7, [2, 2]), activation);
    });

    it(`bias + ${activation}: a whole tile equals the same element of a ragged one bitwise`, () => {
      // 36x40 is whole tiles straight into C; 33 rows or 37 columns of the same operands go
      // through the scratch and the write-out: the common elements must not differ
      const big = operands(36, 40, 300, 9);
      const full = product(one.backend, big, false, false, activation);
      const rows: Operands = { ...big, m: 33, a: big.a.slice(0, 33 * 300) };
      const fewer = product(one.backend, rows, false, false, activation);
      expectBitwise(fewer, full.slice(0, 33 * 40), '33 of 36 rows');
      const b37 = new Float32Array(300 * 37);
      for (let p = 0; p < 300; p++) b37.set(big.b.subarray(p * 40, p * 40 + 37), p * 37);
      const cols: Operands = { ...big, n: 37, b: b37, bias: big.bias.slice(0, 37) };
      const narrow = product(two.backend, cols, false, false, activation);
      for (let i = 0; i < 36; i++)
        expectBitwise(
          narrow.subarray(i * 37, i * 37 + 37),
          full.subarray(i * 40, i * 40 + 37),
          `row ${i} of 37 of 40 columns`,
        );
    });
  }

  it('broadcasts a batch of one against a batch of four', () => {
    const o = operands(32, 16, 32, 21, [1], [4]);
    const got = product(one.backend, o, false, false, 'relu');
    expectClose(got, product(reference, o, false, false, 'relu'), 1e-4, 1e-4);
    expectBitwise(product(two.backend, o, true, false, 'relu'), got, 'two threads, transA');
    // the same products with A repeated four times
    const a4 = new Float32Array(4 * o.a.length);
    for (let t = 0; t < 4; t++) a4.set(o.a, t * o.a.length);
    expectBitwise(
      product(one.backend, { ...o, aBatch: [4], a: a4 }, false, true, 'relu'),
      got,
      'A repeated',
    );
  });

  it('accumulates into C through the GemmFn entry (the scratch path)', () => {
    const [m, n, k] = [36, 40, 300];
    const a = randomValues(m * k, 31);
    const b = randomValues(k * n, 32);
    const c0 = randomValues(m * n, 33);
    const want = c0.slice();
    referenceGemm(m, n, k, a, 0, false, b, 0, false, want, 0, true);
    const results = [one.gemm, two.gemm].map((gemm) => {
      const got = c0.slice();
      gemm.gemm(m, n, k, a, 0, false, b, 0, false, got, 0, true);
      expectClose(got, want, 1e-4, 1e-4);
      return got;
    });
    expectBitwise(results[1], results[0], 'two threads');
  });
});
