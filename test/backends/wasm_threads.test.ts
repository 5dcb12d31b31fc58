// The wasm thread pool: 1 vs 2 threads bitwise equal, agreement with the reference, parallelFor, a clean exit.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, Epilogue, FusedActivation, TensorInfo } from '../../src/backends/backend.js';
import { createCpuBackendSync } from '../../src/backends/cpu/index.js';
import { gemm as referenceGemm } from '../../src/backends/cpu/gemm.js';
import { assemble, Code, I32 } from '../../src/backends/wasm/asm.js';
import { adamShares } from '../../src/backends/wasm/adam_kernel.js';
import { MAX_PAGES } from '../../src/backends/wasm/heap.js';
import {
  getThreadsCount,
  Heap,
  setThreadsCount,
  WasmBackend,
} from '../../src/backends/wasm/index.js';
import { ThreadPool } from '../../src/backends/wasm/pool.js';
import { BackendError } from '../../src/core/errors.js';
import { type FusedStep, makeProgram } from '../../src/core/fusion/program.js';
import { sigmoid } from '../../src/core/scalar_math.js';
import type { BinaryOp, UnaryOp } from '../../src/ops/elementwise_table.js';
import { adamComposed } from '../../src/ops/optimizer_rules.js';
import { expectClose, rng } from '../helpers/check_op.js';
import { splittingWasmBackend } from '../helpers/wasm_backend.js';
import { calls } from '../helpers/kernel_calls.js';

const reference = createCpuBackendSync({ precision: 'float64' });

function randomValues(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
}

/** A wasm backend whose pool has `threads` threads and splits every product and elementwise op it can. */
async function makeBackend(threads: number): Promise<WasmBackend> {
  return (await splittingWasmBackend(threads, true)).backend;
}

interface Case {
  aShape: number[];
  bShape: number[];
  transA: boolean;
  transB: boolean;
  bias?: boolean;
  activation?: FusedActivation;
}

/** Runs one matMul on a backend; returns the output values. */
function runCase(backend: Backend, c: Case, seed: number): Float32Array {
  const m = c.transA ? c.aShape.at(-1)! : c.aShape.at(-2)!;
  const n = c.transB ? c.bShape.at(-2)! : c.bShape.at(-1)!;
  const batchA = c.aShape.slice(0, -2);
  const batchB = c.bShape.slice(0, -2);
  const rank = Math.max(batchA.length, batchB.length);
  const batch = Array.from({ length: rank }, (_, d) =>
    Math.max(batchA[d - rank + batchA.length] ?? 1, batchB[d - rank + batchB.length] ?? 1),
  );
  const size = (s: number[]): number => s.reduce((x, y) => x * y, 1);
  const info = (shape: number[], s: number): TensorInfo => ({
    dataId: backend.write(randomValues(size(shape), s), 'float32'),
    shape,
    dtype: 'float32',
  });
  const a = info(c.aShape, seed);
  const b = info(c.bShape, seed + 1);
  const epilogue: Epilogue | undefined =
    c.bias || c.activation
      ? { bias: c.bias ? info([n], seed + 2) : null, activation: c.activation ?? 'linear' }
      : undefined;
  const id = calls(backend).matMul(a, b, c.transA, c.transB, [...batch, m, n], epilogue);
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

const transposes: [boolean, boolean][] = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];

/** Shapes of op(A) [m, k] and op(B) [k, n] stored as the transposes ask. */
function shapes(m: number, n: number, k: number, tA: boolean, tB: boolean) {
  return { aShape: tA ? [k, m] : [m, k], bShape: tB ? [n, k] : [k, n], transA: tA, transB: tB };
}

describe('wasm threads', () => {
  let one: WasmBackend;
  let two: WasmBackend;
  beforeAll(async () => {
    one = await makeBackend(1);
    two = await makeBackend(2);
  });
  afterAll(() => {
    one.dispose();
    two.dispose();
  });

  it('starts a second thread where memory is shared', () => {
    expect(two.threadPool?.size).toBe(2);
    expect(one.threadPool?.size).toBe(1);
  });

  const sizes: [number, number, number][] = [
    [1, 300, 70],
    [300, 1, 70],
    [17, 33, 65],
    [64, 96, 40],
    [130, 1030, 300],
  ];
  for (const [m, n, k] of sizes)
    for (const [tA, tB] of transposes)
      it(`${m}x${n}x${k} transA=${tA} transB=${tB}: 1 and 2 threads bitwise equal, close to the reference`, () => {
        const c = shapes(m, n, k, tA, tB);
        const x = runCase(one, c, 7);
        const y = runCase(two, c, 7);
        expectBitwise(x, y, 'two threads');
        expectClose(x, runCase(reference, c, 7), 1e-4, 1e-4);
      });

  it('splits a broadcast batch over threads', () => {
    const c: Case = { aShape: [6, 20, 33], bShape: [33, 18], transA: false, transB: false };
    expectBitwise(runCase(one, c, 3), runCase(two, c, 3), 'two threads');
    expectClose(runCase(two, c, 3), runCase(reference, c, 3), 1e-4, 1e-4);
    const d: Case = { aShape: [3, 1, 40, 24], bShape: [2, 50, 24], transA: false, transB: true };
    expectBitwise(runCase(one, d, 4), runCase(two, d, 4), 'two threads');
    expectClose(runCase(two, d, 4), runCase(reference, d, 4), 1e-4, 1e-4);
  });

  /** Runs one elementwise op on a backend over inputs of the given shapes; returns the output. */
  function runElementwise(
    backend: Backend,
    op: { unary: UnaryOp; alpha?: number } | { binary: BinaryOp },
    shapes: number[][],
    outShape: number[],
    seed: number,
  ): Float32Array {
    const infos = shapes.map((shape, i): TensorInfo => ({
      dataId: backend.write(
        randomValues(
          shape.reduce((x, y) => x * y, 1),
          seed + i,
        ).map((v) => v * 3),
        'float32',
      ),
      shape,
      dtype: 'float32',
    }));
    const id =
      'unary' in op
        ? calls(backend).unary(op.unary, infos[0], 'float32', op.alpha ?? 0)
        : calls(backend).binary(op.binary, infos[0], infos[1], outShape, 'float32');
    const out = backend.readSync(id).slice() as Float32Array;
    for (const t of infos) backend.free(t.dataId);
    backend.free(id);
    return out;
  }

  // odd sizes: the last share ends mid-vector; 3 and 1 give a single short share
  for (const n of [1, 3, 37, 1003, 4099]) {
    it(`elementwise over ${n} floats: 1 and 2 threads bitwise equal, close to the reference`, () => {
      const cases: [{ unary: UnaryOp; alpha?: number } | { binary: BinaryOp }, number[][]][] = [
        [{ unary: 'sqrt' }, [[n]]],
        [{ unary: 'exp' }, [[n]]],
        [{ unary: 'leakyRelu', alpha: 0.3 }, [[n]]],
        [{ binary: 'add' }, [[n], [n]]],
        [{ binary: 'div' }, [[n], []]],
        [{ binary: 'sub' }, [[], [n]]],
      ];
      for (const [op, inShapes] of cases) {
        const what = `${JSON.stringify(op)} two threads`;
        const x = runElementwise(one, op, inShapes, [n], 5);
        expectBitwise(x, runElementwise(two, op, inShapes, [n], 5), what);
        expectClose(x, runElementwise(reference, op, inShapes, [n], 5), 1e-5, 1e-5);
      }
    });
  }

  it('softmax rows split over threads: 1 and 2 threads bitwise equal, close to the reference', () => {
    for (const shape of [
      [1, 7],
      [3, 33],
      [37, 32],
      [5, 2048],
    ]) {
      const run = (b: Backend): Float32Array => {
        const n = shape.reduce((x, y) => x * y, 1);
        const x: TensorInfo = {
          dataId: b.write(
            randomValues(n, 3).map((v) => v * 30),
            'float32',
          ),
          shape,
          dtype: 'float32',
        };
        const id = b.run('softmax', [x], {});
        const out = b.readSync(id).slice() as Float32Array;
        b.free(id);
        b.free(x.dataId);
        return out;
      };
      const x = run(one);
      expectBitwise(x, run(two), `softmax ${shape}`);
      expectClose(x, run(reference), 1e-6, 1e-7);
    }
  });

  it('gelu and squaredDifference: 1 and 2 threads bitwise equal', () => {
    const n = 4099;
    const g = runElementwise(one, { unary: 'gelu' }, [[n]], [n], 4);
    expectBitwise(g, runElementwise(two, { unary: 'gelu' }, [[n]], [n], 4), 'gelu');
    expectClose(g, runElementwise(reference, { unary: 'gelu' }, [[n]], [n], 4), 1e-6, 1e-7);
    const op = { binary: 'squaredDifference' } as const;
    const d = runElementwise(one, op, [[n], [n]], [n], 6);
    expectBitwise(d, runElementwise(two, op, [[n], [n]], [n], 6), 'squaredDifference');
  });

  it('splits a row broadcast (bias add) over threads by rows, the row on either side', () => {
    for (const [rows, width] of [
      [1, 16],
      [5, 20],
      [33, 64],
    ]) {
      for (const [a, b] of [
        [[rows, width], [width]],
        [
          [1, width],
          [rows, width],
        ],
      ]) {
        const x = runElementwise(one, { binary: 'sub' }, [a, b], [rows, width], 9);
        expectBitwise(x, runElementwise(two, { binary: 'sub' }, [a, b], [rows, width], 9), 'rows');
        expectClose(x, runElementwise(reference, { binary: 'sub' }, [a, b], [rows, width], 9));
      }
    }
  });

  const activations: FusedActivation[] = ['linear', 'relu', 'relu6', 'sigmoid', 'tanh'];
  for (const activation of activations)
    it(`fuses bias + ${activation} (1 and 2 threads, against the reference)`, () => {
      const c: Case = { ...shapes(37, 70, 50, false, true), bias: true, activation };
      // k = 50 spreads A·B (std ~2.4) past 0 and 6, so relu6 clips on both sides
      const x = runCase(one, c, 11);
      expectBitwise(x, runCase(two, c, 11), 'two threads');
      expectClose(x, runCase(reference, c, 11), 1e-4, 1e-4);
    });

  it('sigmoid and tanh in the wasm write-out: within 2 ulp of the scalar functions, NaN and infinities kept', () => {
    const special = [
      0,
      1e-30,
      -1e-30,
      0.625,
      -0.625,
      9.5,
      -9.5,
      30,
      -30,
      1e30,
      -1e30,
      Infinity,
      -Infinity,
      NaN,
    ];
    const r = rng(5);
    const xs = Float32Array.from([
      ...special,
      ...Array.from({ length: 3000 }, () => (r() * 2 - 1) * 10 ** (r() * 4 - 3)),
    ]);
    const m = xs.length;
    const a: TensorInfo = { dataId: one.write(xs, 'float32'), shape: [m, 1], dtype: 'float32' };
    const ones = new Float32Array(4).fill(1);
    const b: TensorInfo = { dataId: one.write(ones, 'float32'), shape: [1, 4], dtype: 'float32' };
    const bits = new Int32Array(1);
    const asFloat = new Float32Array(bits.buffer);
    const ulps = (x: number, y: number): number => {
      asFloat[0] = x;
      const bx = bits[0];
      asFloat[0] = y;
      return Math.abs(bx - bits[0]);
    };
    for (const activation of ['sigmoid', 'tanh'] as const) {
      const id = calls(one).matMul(a, b, false, false, [m, 4], { bias: null, activation });
      const y = one.readSync(id).slice();
      one.free(id);
      const f = activation === 'sigmoid' ? sigmoid : Math.tanh;
      for (let i = 0; i < m; i++) {
        const want = Math.fround(f(xs[i]));
        const got = y[4 * i];
        if (Number.isNaN(want)) expect(got, `${activation}(NaN)`).toBeNaN();
        // below 1e-37 (sigmoid of x < -87) the polynomial stops at ~1e-38 instead of 0
        else if (Math.abs(want) > 1e-37 && ulps(got, want) > 2)
          expect.fail(`${activation}(${xs[i]}): received ${got}, expected ${want}`);
        else expect(Math.abs(got - want)).toBeLessThan(1e-7);
      }
    }
    one.free(a.dataId);
    one.free(b.dataId);
  });

  it('runs the GemmFn on JS arrays (staged into the heap), with accumulate', () => {
    const [m, n, k] = [45, 67, 39];
    for (const [tA, tB] of transposes) {
      const a = randomValues(m * k + 3, 1);
      const b = randomValues(k * n + 5, 2);
      const c0 = randomValues(m * n + 2, 3);
      const got = c0.slice();
      two.gemm(m, n, k, a, 3, tA, b, 5, tB, got, 2, true);
      const want = Float64Array.from(c0);
      referenceGemm(
        m,
        n,
        k,
        Float64Array.from(a),
        3,
        tA,
        Float64Array.from(b),
        5,
        tB,
        want,
        2,
        true,
      );
      expectClose(got, want, 1e-4, 1e-4);
    }
  });

  /** A 2-thread pool on a fresh heap with one task, put(ptr, value): mem[ptr] = value. */
  async function putPool() {
    const heap = new Heap(1);
    const pool = await ThreadPool.create(heap.memory, heap.shared, 2);
    const code = new Code().localGet(0).localGet(1).i32Store();
    const module = new WebAssembly.Module(
      assemble([{ name: 'put', params: [I32, I32], results: [], locals: [], code }], {
        initialPages: 1,
        maximumPages: MAX_PAGES,
        shared: heap.shared,
      }),
    );
    const { put } = await pool.load(module);
    return { heap, pool, put };
  }

  it('parallelFor runs every share once, on workers too, and rethrows a worker trap', async () => {
    const { heap, pool, put } = await putPool();
    const block = heap.alloc(64);
    const shares = [0, 1, 2, 3, 4].map((i) => [block.offset + 4 * i, 10 + i]);
    pool.parallelFor(put, shares);
    expect([...new Int32Array(heap.memory.buffer, block.offset, 5)]).toEqual([10, 11, 12, 13, 14]);
    // share 1 runs on the worker: an address past the memory traps there
    expect(() =>
      pool.parallelFor(put, [
        [block.offset, 1],
        [2 ** 31, 1],
      ]),
    ).toThrow(BackendError);
    pool.dispose();
  });

  it('parallelFor finishes when a worker never takes its share (the caller runs it)', async () => {
    const { heap, pool, put } = await putPool();
    const block = heap.alloc(64);
    const values = () => [...new Int32Array(heap.memory.buffer, block.offset, 2)];
    // tiny shares, many times: the worker or the caller takes share 1, never both, never neither
    for (let round = 1; round <= 500; round++) {
      pool.parallelFor(put, [
        [block.offset, round],
        [block.offset + 4, -round],
      ]);
      expect(values()).toEqual([round, -round]);
    }
    // a worker that will never run again (as one the OS does not schedule): the caller runs its share
    pool['workers'][0].terminate();
    pool.parallelFor(put, [
      [block.offset, 7],
      [block.offset + 4, 8],
    ]);
    expect(values()).toEqual([7, 8]);
    pool.dispose();
  });

  it('setThreadsCount validates its argument', () => {
    expect(() => setThreadsCount(0)).toThrow(
      /setThreadsCount: n must be an integer.*Received: n=0/,
    );
    expect(() => setThreadsCount(1.5)).toThrow(BackendError);
    expect(getThreadsCount()).toBeGreaterThanOrEqual(1);
  });

  it('a Node process that used 2 threads exits on its own, with code 0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'neurite-threads-'));
    const file = join(dir, 'main.mts');
    const src = resolve('src/node.js');
    const wasm = resolve('src/backends/wasm/index.js');
    writeFileSync(
      file,
      `import * as nr from ${JSON.stringify(src)};
import { getThreadsCount } from ${JSON.stringify(wasm)};
await nr.setBackend('wasm');
const c = nr.matMul(nr.ones([256, 256]), nr.ones([256, 256]));
const v = c.dataSync();
console.log(getThreadsCount(), v[0], v[v.length - 1]);
`,
    );
    const started = Date.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], {
      env: { ...process.env, NEURITE_WASM_THREADS: '2' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.signal, `killed after ${Date.now() - started} ms: ${r.stderr}`).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/failed to start/);
    expect(r.stdout.trim()).toBe('2 256 256');
  });

  it('workers start when Node evaluates them as ES modules (node --input-type=module -e)', () => {
    // there the eval'd worker source has no `require`: it must reach its port another way
    const code = `import * as nr from ${JSON.stringify(resolve('src/node.js'))};
await nr.setBackend('wasm');
const v = nr.matMul(nr.ones([256, 256]), nr.ones([256, 256])).dataSync();
console.log(nr.getThreadsCount(), v[0]);`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      env: { ...process.env, NEURITE_WASM_THREADS: '2' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/failed to start/);
    expect(r.stdout.trim()).toBe('2 256');
  });
});

describe('fused Adam step', () => {
  const attrs = { c1: 1 - 0.9, c2: 1 - 0.999, epsilon: 1e-7 };

  /** grad, m, v, w of n floats with some moments at or below FLT_MIN, and an alpha. */
  function inputs(backend: Backend, n: number, seed: number): TensorInfo[] {
    const r = rng(seed);
    const vals = (f: () => number): Float32Array => Float32Array.from({ length: n }, f);
    const tiny = (): number => (r() < 0.2 ? (r() - 0.5) * 4e-38 : r() - 0.5);
    const arrays = [
      vals(() => (r() < 0.5 ? 0 : (r() - 0.5) * 1e-3)),
      vals(tiny),
      vals(() => Math.abs(tiny()) * 1e-3),
      vals(() => r() - 0.5),
    ];
    const infos = arrays.map((a): TensorInfo => ({
      dataId: backend.write(a, 'float32'),
      shape: [n],
      dtype: 'float32',
    }));
    const alpha = backend.write(new Float32Array([0.0031]), 'float32');
    return [...infos, { dataId: alpha, shape: [], dtype: 'float32' }];
  }

  function step(backend: Backend, n: number, composed: boolean): Float32Array[] {
    const [g, m, v, w, alpha] = inputs(backend, n, 21);
    const ids = composed
      ? adamComposed(backend, g, m, v, w, alpha, attrs)
      : calls(backend).adamUpdate(g, m, v, w, alpha, attrs);
    const out = ids.map((id) => backend.readSync(id).slice() as Float32Array);
    for (const id of [...ids, ...[g, m, v, w, alpha].map((t) => t.dataId)]) backend.free(id);
    return out;
  }

  for (const threads of [1, 2])
    it(`wasm, ${threads} thread(s): bitwise equal to the composed kernels and to the reference`, async () => {
      const backend = await makeBackend(threads);
      try {
        for (const n of [1, 7, 1003, 4099]) {
          const fused = step(backend, n, false);
          const composed = step(backend, n, true);
          const cpu = step(createCpuBackendSync(), n, true);
          ['m', 'v', 'w'].forEach((name, i) => {
            expectBitwise(fused[i], composed[i], `${name} n=${n} composed`);
            expectBitwise(fused[i], cpu[i], `${name} n=${n} cpu`);
          });
          // the flush happened: some moments decayed below FLT_MIN with a zero gradient
          if (n > 100) expect(fused[0].some((x) => x === 0)).toBe(true);
        }
      } finally {
        backend.dispose();
      }
    });
});

describe('fused Adam step over many variables', () => {
  const attrs = { c1: 1 - 0.9, c2: 1 - 0.999, epsilon: 1e-7 };
  const SIZES = [4099, 7, 0, 1, 1003, 33, 16];

  /** g, m, v, w of each size (zero gradients, moments near FLT_MIN, ordinary values), and alpha. */
  function inputs(backend: Backend): TensorInfo[] {
    const r = rng(5);
    const info = (a: Float32Array): TensorInfo => ({
      dataId: backend.write(a, 'float32'),
      shape: [a.length],
      dtype: 'float32',
    });
    const vars = SIZES.flatMap((n) => {
      const vals = (f: () => number): Float32Array => Float32Array.from({ length: n }, f);
      const tiny = (): number => (r() < 0.2 ? (r() - 0.5) * 4e-38 : r() - 0.5);
      return [
        vals(() => (r() < 0.5 ? 0 : (r() - 0.5) * 1e-3)),
        vals(tiny),
        vals(() => Math.abs(tiny()) * 1e-3),
        vals(() => r() - 0.5),
      ].map(info);
    });
    return [...vars, { ...info(new Float32Array([0.0031])), shape: [] }];
  }

  /** m', v', w' of every variable: from one call, or one call per variable. */
  function step(backend: Backend, perVariable: boolean): Float32Array[] {
    const all = inputs(backend);
    const alpha = all[all.length - 1];
    const ids = perVariable
      ? SIZES.flatMap((_, j) =>
          backend.run('adamUpdate', [...all.slice(4 * j, 4 * j + 4), alpha], attrs),
        )
      : backend.run('adamUpdate', all, attrs);
    const out = ids.map((id) => backend.readSync(id).slice() as Float32Array);
    for (const id of [...ids, ...all.map((t) => t.dataId)]) backend.free(id);
    return out;
  }

  it('shares cover every element once, cut at aligned points, at most one share a thread', () => {
    for (const threads of [1, 2, 3, 8])
      for (const sizes of [SIZES, [100, 3], [0, 0], [5], [1 << 20, 17, 1 << 16]]) {
        const shares = adamShares(sizes, threads, 16);
        expect(shares.length).toBeLessThanOrEqual(threads);
        const covered = sizes.map(() => 0);
        let next = sizes.map(() => 0);
        for (const share of shares)
          for (const [j, start, end] of share) {
            expect(start % 16, `${sizes}: piece of ${j} at ${start}`).toBe(0);
            expect(start).toBe(next[j]);
            expect(end).toBeGreaterThan(start);
            covered[j] += end - start;
            next = next.map((x, i) => (i === j ? end : x));
          }
        expect(covered).toEqual(sizes);
      }
  });

  for (const threads of [1, 2, 3])
    it(`wasm, ${threads} thread(s): one call is bitwise a call per variable and the reference`, async () => {
      const backend = await makeBackend(threads);
      try {
        const one = step(backend, false);
        const each = step(backend, true);
        const cpu = step(createCpuBackendSync(), false);
        expect(one.length).toBe(3 * SIZES.length);
        one.forEach((x, i) => {
          expectBitwise(x, each[i], `output ${i} per variable`);
          expectBitwise(x, cpu[i], `output ${i} cpu`);
        });
      } finally {
        backend.dispose();
      }
    });
});

describe('fused kernel with several outputs', () => {
  it('writes the same outputs op by op over threads as block by block on one thread', async () => {
    const n = 5000;
    const exp: FusedStep = { kind: 'unary', op: 'exp', alpha: 0, dtype: 'float32', args: [0] };
    const mul: FusedStep = { kind: 'binary', op: 'mul', dtype: 'float32', args: [3, 1] };
    const add: FusedStep = { kind: 'binary', op: 'add', dtype: 'float32', args: [4, 2] };
    const shapes = [
      { shape: [n], dtype: 'float32' as const },
      { shape: [1], dtype: 'float32' as const },
    ];
    // outputs: exp (read outside in nr.jit's terms), then the last step
    const program = makeProgram(shapes, ['float32'], [exp, mul, add], [n], [0, 2]);
    const run = async (threads: number): Promise<Float32Array[]> => {
      const backend = await makeBackend(threads);
      try {
        const x = backend.write(randomValues(n, 3), 'float32');
        const s = backend.write(Float32Array.of(1.5), 'float32');
        const ids = backend.run(
          'fused',
          [
            { dataId: x, shape: [n], dtype: 'float32' },
            { dataId: s, shape: [1], dtype: 'float32' },
          ],
          { program, constants: [0.25], outShape: [n], dtype: 'float32' },
        );
        expect(ids).toHaveLength(2);
        return ids.map((id) => Float32Array.from(backend.readSync(id)));
      } finally {
        backend.dispose();
      }
    };
    const [one, many] = [await run(1), await run(2)];
    expectBitwise(many[0], one[0], 'exp output');
    expectBitwise(many[1], one[1], 'last output');
    const x = randomValues(n, 3);
    for (const i of [0, 1, n - 1]) {
      expect(one[1][i]).toBe(Math.fround(Math.fround(one[0][i] * 1.5) + 0.25));
      expect(one[0][i]).toBeCloseTo(Math.exp(x[i]), 5);
    }
  });
});
