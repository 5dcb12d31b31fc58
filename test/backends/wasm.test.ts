// The wasm backend: SIMD GEMM against the float64 reference, the heap allocator, growth and its cap.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import type { Backend, TensorInfo } from '../../src/backends/backend.js';
import { createCpuBackendSync } from '../../src/backends/cpu/index.js';
import {
  Heap,
  MAX_BYTES,
  sizeClass,
  WasmBackend,
  WasmStore,
} from '../../src/backends/wasm/index.js';
import { SimdElementwise } from '../../src/backends/wasm/elementwise.js';
import { detectFeatures } from '../../src/backends/wasm/kernels.js';
import { WasmGemm } from '../../src/backends/wasm/matmul.js';
import { ThreadPool } from '../../src/backends/wasm/pool.js';
import { BackendError } from '../../src/core/errors.js';
import { expectClose, rng } from '../helpers/check_op.js';
import { calls } from '../helpers/kernel_calls.js';

const reference = createCpuBackendSync({ precision: 'float64' });

function randomValues(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
}

function info(backend: Backend, shape: number[], values: Float32Array): TensorInfo {
  return { dataId: backend.write(values, 'float32'), shape, dtype: 'float32' };
}

async function makeBackend(fma: boolean, shared = true): Promise<WasmBackend> {
  const features = await detectFeatures();
  const relaxedSimd = fma && features.relaxedSimd;
  const store = new WasmStore(new Heap(16, shared));
  const pool = await ThreadPool.create(store.heap.memory, store.heap.shared, 1);
  const gemm = await WasmGemm.create(store, pool, relaxedSimd);
  const simd = await SimdElementwise.compile(store);
  return new WasmBackend(store, { simd: true, relaxedSimd }, gemm, simd);
}

/** Checks wasm matMul against the float64 reference for one case. */
function checkMatMul(
  wasm: Backend,
  aShape: number[],
  bShape: number[],
  transA: boolean,
  transB: boolean,
  seed: number,
): void {
  const m = transA ? aShape[aShape.length - 1] : aShape[aShape.length - 2];
  const n = transB ? bShape[bShape.length - 2] : bShape[bShape.length - 1];
  const k = transA ? aShape[aShape.length - 2] : aShape[aShape.length - 1];
  const batchA = aShape.slice(0, -2);
  const batchB = bShape.slice(0, -2);
  const rank = Math.max(batchA.length, batchB.length);
  const batch: number[] = [];
  for (let d = 0; d < rank; d++) {
    const da = batchA[d - (rank - batchA.length)] ?? 1;
    const db = batchB[d - (rank - batchB.length)] ?? 1;
    batch.push(Math.max(da, db));
  }
  const outShape = [...batch, m, n];
  const av = randomValues(
    aShape.reduce((p, d) => p * d, 1),
    seed,
  );
  const bv = randomValues(
    bShape.reduce((p, d) => p * d, 1),
    seed + 1,
  );
  const got = wasm
    .readSync(
      calls(wasm).matMul(info(wasm, aShape, av), info(wasm, bShape, bv), transA, transB, outShape),
    )
    .slice();
  const want = reference.readSync(
    calls(reference).matMul(
      info(reference, aShape, av),
      info(reference, bShape, bv),
      transA,
      transB,
      outShape,
    ),
  );
  // NOTE: float32 sums of k products of values in [-1, 1]: error grows like sqrt(k) ulps
  expectClose(
    got,
    want,
    2e-6 * Math.sqrt(k) * 4,
    1e-5,
    `matMul ${aShape}x${bShape} ${transA} ${transB}`,
  );
}

const shapes: [number, number, number][] = [
  [1, 1, 1],
  [1, 37, 29],
  [37, 1, 29],
  [5, 7, 3],
  [17, 9, 33],
  [33, 45, 61],
  [64, 64, 64],
  [130, 70, 300],
  [1, 300, 200],
  [200, 1, 300],
];

describe('wasm backend: matMul agrees with the reference', () => {
  for (const fma of [true, false]) {
    it(`random shapes, all transposes (${fma ? 'relaxed FMA' : 'mul + add'})`, async () => {
      const wasm = await makeBackend(fma);
      let seed = 1;
      for (const [m, n, k] of shapes) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            const aShape = transA ? [k, m] : [m, k];
            const bShape = transB ? [n, k] : [k, n];
            checkMatMul(wasm, aShape, bShape, transA, transB, seed++);
          }
        }
      }
    });
  }

  it('broadcasts batch dims', async () => {
    const wasm = await makeBackend(true);
    checkMatMul(wasm, [2, 1, 19, 23], [3, 23, 21], false, false, 7);
    checkMatMul(wasm, [4, 23, 19], [23, 21], true, false, 8);
    checkMatMul(wasm, [19, 23], [2, 21, 23], false, true, 9);
  });

  it('works on plain (non-shared) memory across heap growth', async () => {
    const wasm = await makeBackend(true, false);
    checkMatMul(wasm, [300, 200], [200, 150], false, false, 11);
    checkMatMul(wasm, [2, 150, 90], [90, 170], true, true, 12);
    expect(wasm.heap.generation).toBeGreaterThan(0);
  });
});

describe('wasm backend: SIMD elementwise agrees with the reference', () => {
  it('add, sub, mul, div, maximum, minimum on every length, scalars either side, NaN and signed zeros', async () => {
    const wasm = await makeBackend(true);
    const ops = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'] as const;
    for (const n of [1, 3, 4, 5, 17, 1000]) {
      const av = randomValues(n, n);
      const bv = randomValues(n, n + 100);
      if (n > 4) {
        av.set([NaN, 0, -0, 1]);
        bv.set([1, -0, 0, NaN]);
      }
      const scalar = new Float32Array([0.375]);
      const cases: [Float32Array, number[], Float32Array, number[]][] = [
        [av, [n], bv, [n]],
        [av, [n], scalar, []],
        [scalar, [1], bv, [n]],
      ];
      for (const op of ops) {
        for (const [x, xs, y, ys] of cases) {
          const got = wasm
            .readSync(calls(wasm).binary(op, info(wasm, xs, x), info(wasm, ys, y), [n], 'float32'))
            .slice();
          const want = reference.readSync(
            calls(reference).binary(
              op,
              info(reference, xs, x),
              info(reference, ys, y),
              [n],
              'float32',
            ),
          );
          expect(Array.from(got), `${op} n=${n} ${xs}/${ys}`).toEqual(Array.from(want));
        }
      }
    }
  });
});

describe('wasm backend: SIMD row broadcast (bias add) agrees with the reference', () => {
  it('full op row and row op full, with leading 1s; odd widths take the reference path', async () => {
    const wasm = await makeBackend(true);
    const cases: [number[], number[], number[]][] = [
      [[3, 20], [20], [3, 20]],
      [[17], [5, 17], [5, 17]],
      [
        [2, 3, 33],
        [1, 33],
        [2, 3, 33],
      ],
      [
        [4, 16],
        [1, 1, 16],
        [1, 4, 16],
      ],
      [
        [2, 5, 18],
        [5, 18],
        [2, 5, 18],
      ],
      [
        [2, 5, 18],
        [2, 1, 18],
        [2, 5, 18],
      ], // not a trailing row: the reference path
    ];
    let seed = 40;
    for (const [xs, ys, out] of cases) {
      const x = randomValues(
        xs.reduce((p, d) => p * d, 1),
        seed++,
      );
      const y = randomValues(
        ys.reduce((p, d) => p * d, 1),
        seed++,
      );
      for (const op of ['add', 'sub', 'div', 'maximum'] as const) {
        const got = wasm
          .readSync(calls(wasm).binary(op, info(wasm, xs, x), info(wasm, ys, y), out, 'float32'))
          .slice();
        const want = reference.readSync(
          calls(reference).binary(
            op,
            info(reference, xs, x),
            info(reference, ys, y),
            out,
            'float32',
          ),
        );
        expect(Array.from(got), `${op} ${xs} ${ys}`).toEqual(Array.from(want));
      }
    }
  });
});

describe('wasm backend: SIMD unary kernels agree with the reference', () => {
  it('neg, abs, sqrt, square, relu on every length, with NaN, infinities and signed zeros', async () => {
    const wasm = await makeBackend(true);
    for (const n of [1, 3, 4, 5, 17, 1000]) {
      const xv = randomValues(n, 7 * n).map((v) => v * 3);
      if (n > 5) xv.set([NaN, 0, -0, Infinity, -Infinity, 4]);
      for (const op of ['neg', 'abs', 'sqrt', 'square', 'relu'] as const) {
        const got = wasm.readSync(calls(wasm).unary(op, info(wasm, [n], xv), 'float32', 0)).slice();
        const want = reference.readSync(
          calls(reference).unary(op, info(reference, [n], xv), 'float32', 0),
        );
        expect(Array.from(got), `${op} n=${n}`).toEqual(Array.from(want));
      }
    }
  });
});

describe('wasm backend: without SIMD and through the engine', () => {
  it('falls back to the reference GEMM and kernels when SIMD is missing', () => {
    const store = new WasmStore(new Heap(16));
    const plain = new WasmBackend(store, { simd: false, relaxedSimd: false }, null, null);
    checkMatMul(plain, [33, 45], [45, 29], false, true, 21);
    const a = info(plain, [5], new Float32Array([1, 2, 3, 4, 5]));
    const b = info(plain, [5], new Float32Array([5, 4, 3, 2, 1]));
    expect(
      Array.from(plain.readSync(calls(plain).binary('mul', a, b, [5], 'float32')).slice()),
    ).toEqual([5, 8, 9, 8, 5]);
  });

  it('is selected with nr.setBackend("wasm")', async () => {
    const before = nr.getBackend();
    try {
      expect(await nr.setBackend('wasm')).toBe(true);
      expect(nr.getBackend()).toBe('wasm');
      const y = nr.tidy(() =>
        nr
          .tensor([[1, 2, 3]])
          .matMul(nr.ones([3, 2]))
          .relu(),
      );
      expect(await y.array()).toEqual([[6, 6]]);
      y.dispose();
    } finally {
      await nr.setBackend(before);
    }
  });
});

describe('wasm heap', () => {
  it('rounds sizes to classes of at most 25 % waste', () => {
    expect(sizeClass(1)).toBe(64);
    expect(sizeClass(64)).toBe(64);
    expect(sizeClass(65)).toBe(80);
    expect(sizeClass(100)).toBe(112);
    for (const n of [129, 1000, 12345, 1 << 20, 3e6]) {
      expect(sizeClass(n)).toBeGreaterThanOrEqual(n);
      expect(sizeClass(n)).toBeLessThanOrEqual(n * 1.25 + 16);
      expect(sizeClass(n) % 16).toBe(0);
    }
  });

  it('reuses freed blocks of the same class', () => {
    const heap = new Heap(1);
    const a = heap.alloc(1000);
    const b = heap.alloc(1000);
    expect(b.offset).not.toBe(a.offset);
    heap.free(a);
    const c = heap.alloc(990);
    expect(c.offset).toBe(a.offset);
    const reserved = heap.reserved;
    heap.free(b);
    heap.free(c);
    heap.alloc(1000);
    heap.alloc(1000);
    expect(heap.reserved).toBe(reserved);
  });

  it('keeps values when the memory grows, and hands out zeroed blocks', () => {
    for (const shared of [true, false]) {
      const store = new WasmStore(new Heap(1, shared));
      const first = store.alloc('float32', 1000);
      first.values.set(randomValues(1000, 3));
      const before = store.get(first.id).slice();
      const big = store.alloc('float32', 1 << 20); // 4 MiB: grows well past one page
      expect(store.heap.byteLength).toBeGreaterThanOrEqual(4 << 20);
      expectClose(store.get(first.id), before, 0, 0);
      store.get(big.id).fill(5);
      store.free(big.id);
      const again = store.alloc('float32', 1 << 20);
      expect(store.get(again.id).every((v) => v === 0)).toBe(true);
    }
  });

  it('refuses a tensor beyond the 4 GiB address space, naming the bytes', () => {
    const store = new WasmStore(new Heap(1));
    expect(() => store.alloc('float32', 2 ** 30)).toThrow(BackendError);
    expect(() => store.alloc('float32', 2 ** 30)).toThrow(/4294967296 bytes/);
    expect(MAX_BYTES).toBeLessThan(2 ** 32);
  });

  it('frees what it allocated (memory() accounting)', async () => {
    const wasm = await makeBackend(true);
    const x = wasm.write(new Float32Array([1, 2, 3]), 'float32');
    expect(wasm.memory().numBytes).toBe(12);
    wasm.free(x);
    expect(wasm.memory().numBytes).toBe(0);
  });
});
