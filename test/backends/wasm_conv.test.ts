// The wasm conv, depthwise and pooling kernels and their gradients against the CPU reference.
import { describe, expect, it } from 'vitest';
import type {
  Backend,
  Conv2DInfo,
  Epilogue,
  FusedActivation,
  Pool2DInfo,
  TensorInfo,
} from '../../src/backends/backend.js';
import { createCpuBackendSync } from '../../src/backends/cpu/index.js';
import { WasmConv } from '../../src/backends/wasm/conv.js';
import { WasmDepthwise } from '../../src/backends/wasm/depthwise.js';
import { SimdElementwise } from '../../src/backends/wasm/elementwise.js';
import { Heap, WasmBackend, WasmStore } from '../../src/backends/wasm/index.js';
import { detectFeatures } from '../../src/backends/wasm/kernels.js';
import { WasmGemm } from '../../src/backends/wasm/matmul.js';
import { ThreadPool } from '../../src/backends/wasm/pool.js';
import { WasmPool } from '../../src/backends/wasm/pooling.js';
import { computeConv2DInfo, computePool2DInfo, type PadType } from '../../src/ops/conv_util.js';
import { expectClose, rng } from '../helpers/check_op.js';
import { calls } from '../helpers/kernel_calls.js';

const reference64 = createCpuBackendSync({ precision: 'float64' });
const reference32 = createCpuBackendSync({ precision: 'float32' });

/** @param tileBytes the conv column buffer size; 1 gives the minimum tile (32 rows), splitting images */
async function makeBackend(shared = true, tileBytes?: number): Promise<WasmBackend> {
  return (await makeThreaded(1, shared, tileBytes)).wasm;
}

/** A backend on a pool of `threads` threads, with its conv kernels and pool for tests to steer. */
async function makeThreaded(
  threads: number,
  shared = true,
  tileBytes?: number,
): Promise<{ wasm: WasmBackend; conv: WasmConv; pools: WasmPool; pool: ThreadPool }> {
  const features = await detectFeatures();
  const store = new WasmStore(new Heap(16, shared));
  const pool = await ThreadPool.create(store.heap.memory, store.heap.shared, threads);
  const gemm = await WasmGemm.create(store, pool, features.relaxedSimd);
  const conv = await WasmConv.compile(store, tileBytes, pool, features.relaxedSimd);
  const pools = await WasmPool.compile(store, pool);
  const wasm = new WasmBackend(store, features, gemm, await SimdElementwise.compile(store), {
    convs: conv,
    pools,
    depthwise: await WasmDepthwise.compile(store),
    threadPool: pool,
  });
  return { wasm, conv, pools, pool };
}

const size = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

/** Values in [-1, 1); `quantum` rounds them so pooling windows hold ties. */
function randomValues(n: number, seed: number, quantum = 0): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => {
    const v = r() * 2 - 1;
    return quantum ? Math.round(v / quantum) * quantum : v;
  });
}

function put(b: Backend, shape: readonly number[], values: Float32Array): TensorInfo {
  return { dataId: b.write(values, 'float32'), shape: [...shape], dtype: 'float32' };
}

/** Runs `op` on wasm and on a reference with the same input values; returns both results. */
function both(
  wasm: Backend,
  reference: Backend,
  inputs: { shape: readonly number[]; values: Float32Array }[],
  op: (b: Backend, t: TensorInfo[]) => object,
): [Float32Array, Float32Array] {
  const run = (b: Backend): Float32Array => {
    const t = inputs.map((x) => put(b, x.shape, x.values));
    const out = b.readSync(op(b, t)).slice();
    return Float32Array.from(out);
  };
  return [run(wasm), run(reference)];
}

interface ConvCase {
  x: number[];
  filter: number[];
  strides: [number, number];
  pad: PadType;
  dilations: [number, number];
}

const convCases: ConvCase[] = [
  { x: [1, 7, 9, 5], filter: [3, 3, 5, 6], strides: [1, 1], pad: 'same', dilations: [1, 1] },
  { x: [3, 9, 8, 3], filter: [3, 2, 3, 7], strides: [2, 2], pad: 'valid', dilations: [2, 1] },
  // 'same' with stride 2 on an even size pads only at the bottom/right
  { x: [1, 10, 10, 4], filter: [3, 3, 4, 8], strides: [2, 2], pad: 'same', dilations: [1, 1] },
  {
    x: [2, 5, 6, 3],
    filter: [2, 3, 3, 5],
    strides: [1, 1],
    pad: [
      [0, 0],
      [2, 0],
      [0, 1],
      [0, 0],
    ],
    dilations: [1, 2],
  },
  { x: [3, 5, 5, 6], filter: [1, 1, 6, 3], strides: [1, 1], pad: 'valid', dilations: [1, 1] },
  { x: [1, 7, 7, 5], filter: [1, 1, 5, 4], strides: [2, 2], pad: 'valid', dilations: [1, 1] },
  { x: [1, 9, 9, 3], filter: [3, 3, 3, 2], strides: [1, 1], pad: 'same', dilations: [2, 2] },
  { x: [2, 8, 8, 1], filter: [3, 3, 1, 4], strides: [1, 1], pad: 'same', dilations: [1, 1] },
  // several im2col tiles (K = 297: about 880 rows per tile, 1800 rows)
  { x: [2, 30, 30, 33], filter: [3, 3, 33, 9], strides: [1, 1], pad: 'same', dilations: [1, 1] },
];

function convInfo(c: ConvCase, depthwise = false): Conv2DInfo {
  return computeConv2DInfo(
    'test',
    c.x,
    c.filter,
    c.strides,
    c.pad,
    c.dilations,
    undefined,
    depthwise,
  );
}

const describeCase = (c: ConvCase): string =>
  `x ${c.x} filter ${c.filter} strides ${c.strides} pad ${JSON.stringify(c.pad)} dil ${c.dilations}`;

describe('wasm conv2d and its gradients agree with the reference', () => {
  it.each([
    ['1 MiB tiles', undefined],
    ['32-row tiles', 1],
  ])(
    'forward, input and filter gradients on odd shapes, strides, dilations, paddings (%s)',
    async (_, tileBytes) => {
      const wasm = await makeBackend(true, tileBytes);
      let seed = 1;
      for (const c of convCases) {
        const info = convInfo(c);
        const k = c.filter[0] * c.filter[1] * c.filter[2];
        const tol = 2e-6 * Math.sqrt(k) * 4;
        const dyShape = [info.batch, info.outH, info.outW, info.outC];
        const x = { shape: c.x, values: randomValues(size(c.x), seed++) };
        const w = { shape: c.filter, values: randomValues(size(c.filter), seed++) };
        const dy = { shape: dyShape, values: randomValues(size(dyShape), seed++) };
        const what = describeCase(c);
        const [f1, f2] = both(wasm, reference64, [x, w], (b, [xt, wt]) =>
          calls(b).conv2d(xt, wt, info),
        );
        expectClose(f1, f2, tol, 1e-5, `conv2d ${what}`);
        const [d1, d2] = both(wasm, reference64, [dy, w], (b, [dt, wt]) =>
          calls(b).conv2dBackpropInput(dt, wt, info),
        );
        expectClose(d1, d2, tol, 1e-5, `conv2dBackpropInput ${what}`);
        // the filter gradient sums over every output pixel
        const rows = info.batch * info.outH * info.outW;
        const [g1, g2] = both(wasm, reference64, [x, dy], (b, [xt, dt]) =>
          calls(b).conv2dBackpropFilter(xt, dt, info),
        );
        expectClose(g1, g2, 2e-6 * Math.sqrt(rows) * 4, 1e-5, `conv2dBackpropFilter ${what}`);
      }
    },
  );

  it('applies the fused epilogue (bias and every activation, NaN included)', async () => {
    const wasm = await makeBackend();
    const activations: FusedActivation[] = ['linear', 'relu', 'relu6', 'sigmoid', 'tanh'];
    let seed = 100;
    for (const c of [convCases[0], convCases[4], convCases[8]]) {
      const info = convInfo(c);
      const x = { shape: c.x, values: randomValues(size(c.x), seed++).map((v) => v * 4) };
      x.values[0] = NaN;
      const w = { shape: c.filter, values: randomValues(size(c.filter), seed++) };
      const bias = { shape: [info.outC], values: randomValues(info.outC, seed++) };
      for (const activation of activations) {
        for (const withBias of [false, true]) {
          const [a, b] = both(wasm, reference32, [x, w, bias], (be, [xt, wt, bt]) => {
            const epilogue: Epilogue = { bias: withBias ? bt : null, activation };
            return calls(be).conv2d(xt, wt, info, epilogue);
          });
          const what = `${activation} bias=${withBias} ${describeCase(c)}`;
          expectClose(a, b, 1e-4, 1e-5, what);
        }
      }
    }
  });

  it('works on plain (non-shared) memory across heap growth', async () => {
    const wasm = await makeBackend(false);
    const c = convCases[8];
    const info = convInfo(c);
    const x = { shape: c.x, values: randomValues(size(c.x), 7) };
    const w = { shape: c.filter, values: randomValues(size(c.filter), 8) };
    const [a, b] = both(wasm, reference64, [x, w], (be, [xt, wt]) =>
      calls(be).conv2d(xt, wt, info),
    );
    expectClose(a, b, 1e-4, 1e-5, 'conv2d on plain memory');
    expect(wasm.heap.generation).toBeGreaterThan(0);
  });
});

describe('wasm conv2d on the thread pool', () => {
  it.each([
    ['1 MiB tiles', undefined],
    ['32-row tiles', 1],
  ])(
    'gives bitwise the same forward, input and filter gradients on 1 and 2 threads (%s)',
    async (_, tileBytes) => {
      const { wasm, conv, pool } = await makeThreaded(2, true, tileBytes);
      conv.parallelMin = 0;
      let seed = 300;
      for (const c of convCases) {
        const info = convInfo(c);
        const dyShape = [info.batch, info.outH, info.outW, info.outC];
        const x = { shape: c.x, values: randomValues(size(c.x), seed++) };
        const w = { shape: c.filter, values: randomValues(size(c.filter), seed++) };
        const dy = { shape: dyShape, values: randomValues(size(dyShape), seed++) };
        const bias = { shape: [info.outC], values: randomValues(info.outC, seed++) };
        const what = describeCase(c);
        const ops: [string, (typeof x)[], (b: Backend, t: TensorInfo[]) => object][] = [
          [
            'conv2d',
            [x, w, bias],
            (b, [xt, wt, bt]) => calls(b).conv2d(xt, wt, info, { bias: bt, activation: 'relu' }),
          ],
          [
            'conv2dBackpropInput',
            [dy, w],
            (b, [dt, wt]) => calls(b).conv2dBackpropInput(dt, wt, info),
          ],
          [
            'conv2dBackpropFilter',
            [x, dy],
            (b, [xt, dt]) => calls(b).conv2dBackpropFilter(xt, dt, info),
          ],
        ];
        for (const [name, inputs, op] of ops) {
          pool.resize(1);
          const [one, reference] = both(wasm, reference64, inputs, op);
          pool.resize(2);
          expect(pool.size).toBe(2);
          const [two] = both(wasm, reference64, inputs, op);
          expect(two, `${name} ${what}`).toEqual(one);
          const k =
            name === 'conv2dBackpropFilter'
              ? size(dyShape) / info.outC
              : size(c.filter) / info.outC;
          expectClose(two, reference, 2e-6 * Math.sqrt(k) * 4, 1e-5, `${name} ${what}`);
        }
      }
      pool.dispose();
    },
  );
});

describe('wasm depthwise conv2d and its gradients agree with the reference', () => {
  it('multiplier 1 (wasm) and 2 (reference path), odd shapes, strides, dilations, paddings', async () => {
    const wasm = await makeBackend();
    let seed = 200;
    for (const c of convCases.slice(0, 8)) {
      for (const multiplier of [1, 2]) {
        const filter = [c.filter[0], c.filter[1], c.x[3], multiplier];
        const dc = { ...c, filter };
        const info = convInfo(dc, true);
        const dyShape = [info.batch, info.outH, info.outW, info.outC];
        const x = { shape: c.x, values: randomValues(size(c.x), seed++) };
        const w = { shape: filter, values: randomValues(size(filter), seed++) };
        const dy = { shape: dyShape, values: randomValues(size(dyShape), seed++) };
        const what = `multiplier ${multiplier} ${describeCase(dc)}`;
        const [f1, f2] = both(wasm, reference64, [x, w], (b, [xt, wt]) =>
          calls(b).depthwiseConv2d(xt, wt, info),
        );
        expectClose(f1, f2, 1e-5, 1e-5, `depthwiseConv2d ${what}`);
        const [d1, d2] = both(wasm, reference64, [dy, w], (b, [dt, wt]) =>
          calls(b).depthwiseConv2dBackpropInput(dt, wt, info),
        );
        expectClose(d1, d2, 1e-5, 1e-5, `depthwiseConv2dBackpropInput ${what}`);
        const [g1, g2] = both(wasm, reference64, [x, dy], (b, [xt, dt]) =>
          calls(b).depthwiseConv2dBackpropFilter(xt, dt, info),
        );
        expectClose(g1, g2, 1e-4, 1e-5, `depthwiseConv2dBackpropFilter ${what}`);
      }
    }
  });
});

interface PoolCase {
  x: number[];
  window: [number, number];
  strides: [number, number];
  pad: PadType;
}

const poolCases: PoolCase[] = [
  { x: [2, 6, 6, 5], window: [2, 2], strides: [2, 2], pad: 'valid' },
  { x: [3, 7, 5, 9], window: [3, 3], strides: [2, 1], pad: 'same' },
  { x: [1, 4, 4, 3], window: [3, 3], strides: [1, 1], pad: 'same' },
  { x: [1, 5, 7, 8], window: [2, 3], strides: [2, 2], pad: 'same' },
  { x: [2, 9, 9, 4], window: [3, 2], strides: [3, 2], pad: 'valid' },
  { x: [1, 8, 8, 13], window: [2, 2], strides: [1, 1], pad: 'valid' },
  { x: [5, 6, 6, 8], window: [3, 3], strides: [2, 2], pad: 'same' },
];

describe('wasm pooling and its gradients agree with the reference', () => {
  // on 2 threads every kernel splits (forward by pixels, gradients by whole images): the same bits
  it.each([1, 2])(
    'max, average and both gradients on %i thread(s); ties go to the first maximum; NaN wins',
    async (threads) => {
      const { wasm, pools, pool } = await makeThreaded(threads);
      pools.parallelMin = 0;
      let seed = 300;
      for (const c of poolCases) {
        const info: Pool2DInfo = computePool2DInfo('test', c.x, c.window, c.strides, c.pad);
        const dyShape = [info.batch, info.outH, info.outW, info.channels];
        // quarter steps make ties inside windows; a NaN and a -0 join them
        const x = { shape: c.x, values: randomValues(size(c.x), seed++, 0.25) };
        x.values[1] = NaN;
        x.values[2] = -0;
        const dy = { shape: dyShape, values: randomValues(size(dyShape), seed++) };
        const what = `x ${c.x} window ${c.window} strides ${c.strides} pad ${c.pad}`;
        const exact = (a: Float32Array, b: Float32Array, name: string): void =>
          expect(Array.from(a), `${name} ${what}`).toEqual(Array.from(b));
        exact(...both(wasm, reference32, [x], (b, [xt]) => calls(b).maxPool(xt, info)), 'maxPool');
        exact(...both(wasm, reference32, [x], (b, [xt]) => calls(b).avgPool(xt, info)), 'avgPool');
        // the gradients get an unzeroed block and zero it themselves: free two blocks full of NaN of
        // their size, one for the copy of x and one for the output
        const dirty = (): void => {
          const ids = [0, 1].map(() =>
            wasm.write(new Float32Array(size(c.x)).fill(NaN), 'float32'),
          );
          for (const id of ids) wasm.free(id);
        };
        dirty();
        exact(
          ...both(wasm, reference32, [dy, x], (b, [dt, xt]) => calls(b).maxPoolGrad(dt, xt, info)),
          'maxPoolGrad',
        );
        dirty();
        // NOTE: the reference adds dy / count in double; wasm rounds the quotient to float32 first
        const [a, b] = both(wasm, reference32, [dy], (be, [dt]) => calls(be).avgPoolGrad(dt, info));
        expectClose(a, b, 1e-6, 1e-6, `avgPoolGrad ${what}`);
      }
      pool.dispose();
    },
  );
});
