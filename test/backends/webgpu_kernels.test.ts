// WebGPU matmul, conv, pool and resize kernels against the cpu kernels (float64 reference) on shapes
// that are not tile multiples; skipped, visibly, where no WebGPU adapter starts (no VK_ICD_FILENAMES).
import { describe, expect, it } from 'vitest';
import type {
  Conv2DInfo,
  DataId,
  Epilogue,
  FusedActivation,
  Pool2DInfo,
  TensorInfo,
} from '../../src/backends/backend.js';
import * as cpuConv from '../../src/backends/cpu/conv.js';
import { applyEpilogue } from '../../src/backends/cpu/epilogue.js';
import * as cpuImage from '../../src/backends/cpu/image.js';
import * as cpuMatmul from '../../src/backends/cpu/matmul.js';
import * as cpuPool from '../../src/backends/cpu/pool.js';
import { CpuStore } from '../../src/backends/cpu/storage.js';
import * as conv from '../../src/backends/webgpu/conv.js';
import { acquireDevice, type GpuContext } from '../../src/backends/webgpu/device.js';
import * as image from '../../src/backends/webgpu/image.js';
import { splitCount } from '../../src/backends/webgpu/gemm.js';
import * as mm from '../../src/backends/webgpu/matmul.js';
import * as pool from '../../src/backends/webgpu/pool.js';
import { type GpuProgramHost, Programs } from '../../src/backends/webgpu/program.js';
import type { DType } from '../../src/core/dtype.js';
import { computeConv2DInfo, computePool2DInfo } from '../../src/ops/conv_util.js';
import { expectClose, rng, testBackends } from '../helpers/check_op.js';

// The context (and the `create()` object inside it) stays referenced for the whole file: see device.ts.
let ctx: GpuContext | null = null;
let why = 'not in NEURITE_TEST_BACKENDS';
if (testBackends().includes('webgpu')) {
  try {
    ctx = await acquireDevice();
  } catch (e) {
    why = e instanceof Error ? e.message : String(e);
  }
}
const programs = ctx ? new Programs(ctx) : null;
const host: GpuProgramHost | null =
  ctx && programs
    ? {
        dispatch: (s) => programs.run(s),
        dispatchMany: (s) => programs.runMany(s),
        free: (id) => programs.free(id),
        gpu: ctx.info,
      }
    : null;
const ref = new CpuStore('float64');

/** A tensor on both sides: the GPU input and the reference's. */
interface Pair {
  gpu: TensorInfo;
  cpu: TensorInfo;
}

function values(n: number, seed: number, dtype: DType, lo = -1, hi = 1): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const v = lo + (hi - lo) * r();
    return dtype === 'int32' ? Math.floor(v) : Math.fround(v);
  });
}

function pair(shape: number[], seed: number, dtype: DType = 'float32', lo = -1, hi = 1): Pair {
  return fromValues(shape, values(size(shape), seed, dtype, lo, hi), dtype);
}

function fromValues(shape: number[], v: number[], dtype: DType = 'float32'): Pair {
  const gpuValues = dtype === 'int32' ? Int32Array.from(v) : Float32Array.from(v);
  const cpuValues = dtype === 'int32' ? Int32Array.from(v) : Float64Array.from(v);
  return {
    gpu: { dataId: programs!.write(gpuValues, dtype), shape, dtype },
    cpu: { dataId: ref.put(cpuValues), shape, dtype },
  };
}

function size(shape: number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

async function read(id: DataId, dtype: DType): Promise<number[]> {
  const bytes = await programs!.read(id as Parameters<Programs['read']>[0]);
  programs!.throwDeviceError();
  return Array.from(dtype === 'int32' ? new Int32Array(bytes) : new Float32Array(bytes));
}

/** Compares a GPU result with the reference's, both `size` long. */
async function agree(
  gpu: DataId,
  cpu: DataId,
  dtype: DType,
  what: string,
  tol = 1e-5,
): Promise<void> {
  const got = await read(gpu, dtype);
  const want = Array.from(ref.get(cpu));
  if (dtype === 'int32') expect(got, what).toEqual(want);
  else expectClose(got, want, tol, tol, what);
}

/** The matMul output shape, batch dims broadcast. */
function mmOut(a: number[], b: number[], tA: boolean, tB: boolean): number[] {
  const m = tA ? a[a.length - 1] : a[a.length - 2];
  const n = tB ? b[b.length - 2] : b[b.length - 1];
  const ba = a.slice(0, -2);
  const bb = b.slice(0, -2);
  const rank = Math.max(ba.length, bb.length);
  const batch: number[] = [];
  for (let d = 0; d < rank; d++)
    batch.push(Math.max(ba[d - rank + ba.length] ?? 1, bb[d - rank + bb.length] ?? 1));
  return [...batch, m, n];
}

async function checkMatMul(
  aShape: number[],
  bShape: number[],
  tA: boolean,
  tB: boolean,
  opts: {
    dtype?: DType;
    lo?: number;
    hi?: number;
    activation?: FusedActivation;
    bias?: boolean;
  } = {},
): Promise<void> {
  const dtype = opts.dtype ?? 'float32';
  const a = pair(aShape, 1, dtype, opts.lo, opts.hi);
  const b = pair(bShape, 2, dtype, opts.lo, opts.hi);
  const out = mmOut(aShape, bShape, tA, tB);
  const n = out[out.length - 1];
  const bias = opts.bias ? pair([n], 3, dtype, -2, 2) : null;
  const ge =
    opts.activation || bias
      ? { bias: bias?.gpu ?? null, activation: opts.activation ?? 'linear' }
      : undefined;
  const g = mm.matMul(host!, a.gpu, b.gpu, tA, tB, out, ge);
  const c = cpuMatmul.matMul(ref, a.cpu, b.cpu, tA, tB, out);
  if (ge) applyEpilogue(ref, c, n, { bias: bias?.cpu ?? null, activation: ge.activation });
  const what = `matMul ${JSON.stringify(aShape)}·${JSON.stringify(bShape)} tA=${tA} tB=${tB} ${ge?.activation ?? ''}`;
  await agree(g, c, dtype, what, 1e-4);
}

describe.skipIf(!host)(`webgpu kernels${host ? '' : ` (skipped: ${why})`}`, () => {
  describe('matMul', () => {
    it('every transpose combination across tile edges (67x70, k=33) and aligned (8x12, k=16)', async () => {
      for (const [m, n, k] of [
        [67, 70, 33],
        [8, 12, 16],
        [5, 7, 3],
      ])
        for (const tA of [false, true])
          for (const tB of [false, true])
            await checkMatMul(tA ? [k, m] : [m, k], tB ? [n, k] : [k, n], tA, tB);
    });

    it('batch dims broadcast, with and without transposes', async () => {
      await checkMatMul([2, 1, 5, 8], [3, 8, 4], false, false);
      await checkMatMul([3, 5, 8], [8, 4], false, false);
      await checkMatMul([8, 5], [2, 3, 4, 8], true, true);
      await checkMatMul([2, 1, 3, 6, 5], [1, 4, 1, 7, 5], false, true);
    });

    it('one-row products take the row path (plain, transposed A, transposed B, batched)', async () => {
      await checkMatMul([1, 9], [9, 70], false, false);
      await checkMatMul([9, 1], [9, 5], true, false);
      await checkMatMul([3, 1, 9], [3, 5, 9], false, true);
      await checkMatMul([1, 9], [9, 6], false, false, { activation: 'relu', bias: true });
    });

    it('the fused epilogue: bias and each activation', async () => {
      for (const activation of ['linear', 'relu', 'relu6', 'sigmoid', 'tanh'] as const)
        await checkMatMul([13, 9], [9, 6], false, false, { activation, bias: true, lo: -4, hi: 4 });
      await checkMatMul([13, 9], [6, 9], false, true, { activation: 'relu6', lo: -4, hi: 4 });
    });

    it('an empty inner dimension gives zeros (plus the bias)', async () => {
      await checkMatMul([2, 0], [0, 3], false, false);
      await checkMatMul([2, 0], [0, 3], false, false, { bias: true, activation: 'relu' });
    });

    it('int32 accumulates exactly in i32, wrapping as the cpu backend stores', async () => {
      await checkMatMul([7, 37], [37, 66], false, false, { dtype: 'int32', lo: -50, hi: 50 });
      await checkMatMul([37, 7], [66, 37], true, true, { dtype: 'int32', lo: -50, hi: 50 });
      // products of 2^20-sized values overflow int32: both sides wrap modulo 2^32
      await checkMatMul([4, 8], [8, 4], false, false, { dtype: 'int32', lo: 1e6, hi: 2e6 });
      await checkMatMul([4, 8], [8, 4], false, false, {
        dtype: 'int32',
        bias: true,
        activation: 'relu',
      });
    });

    it('split-K: few output tiles and a long K (partial products summed in order, then the epilogue)', async () => {
      expect(splitCount(1, 1, 1, 2000)).toBe(3);
      expect(splitCount(2, 1, 1, 2000)).toBe(1);
      expect(splitCount(1, 16, 16, 100_000)).toBe(1);
      await checkMatMul([6, 2000], [2000, 5], false, false, { activation: 'relu', bias: true });
      await checkMatMul([2000, 6], [5, 2000], true, true);
      await checkMatMul([6, 1100], [1100, 5], false, false, { dtype: 'int32', lo: -9, hi: 9 });
    });

    it('int32 rejects float-only activations, naming them', () => {
      const a = pair([2, 2], 1, 'int32');
      expect(() =>
        mm.matMul(host!, a.gpu, a.gpu, false, false, [2, 2], { bias: null, activation: 'sigmoid' }),
      ).toThrow(/'sigmoid' epilogue needs float32/);
    });

    it('collapseBatch merges contiguous runs and keeps broadcast strides at 0', () => {
      expect(
        mm.collapseBatch(
          [2, 3],
          [
            [2, 3],
            [1, 3],
          ],
          [12, 20],
        ),
      ).toEqual({
        shape: [2, 3],
        strides: [
          [36, 12],
          [0, 20],
        ],
      });
      expect(
        mm.collapseBatch(
          [2, 3, 4],
          [
            [2, 3, 4],
            [2, 3, 4],
          ],
          [1, 1],
        ),
      ).toEqual({
        shape: [24],
        strides: [[1], [1]],
      });
      expect(
        mm.collapseBatch(
          [1, 5],
          [
            [1, 5],
            [1, 1],
          ],
          [6, 6],
        ),
      ).toEqual({
        shape: [5],
        strides: [[6], [0]],
      });
    });
  });

  /** Conv geometries: stride 2 'same', dilation 2 'valid', asymmetric explicit and 'same' padding. */
  const geometries: [
    string,
    number[],
    number[],
    [number, number],
    Parameters<typeof computeConv2DInfo>[4],
    [number, number],
  ][] = [
    ['stride 2 same, 3 channels', [2, 7, 6, 3], [3, 3, 3, 5], [2, 2], 'same', [1, 1]],
    ['dilation 2 valid, 4 -> 8 channels', [1, 9, 8, 4], [3, 2, 4, 8], [1, 1], 'valid', [2, 2]],
    [
      'asymmetric explicit pad, 5 -> 6',
      [1, 6, 7, 5],
      [3, 3, 5, 6],
      [1, 2],
      [
        [0, 0],
        [0, 2],
        [1, 0],
        [0, 0],
      ],
      [1, 1],
    ],
    [
      'even filter same (pad bottom > top), 8 -> 4',
      [2, 5, 6, 8],
      [4, 2, 8, 4],
      [2, 1],
      'same',
      [1, 1],
    ],
    ['pointwise 1x1', [2, 4, 5, 6], [1, 1, 6, 7], [1, 1], 'valid', [1, 1]],
    // K of the filter gradient = 4·16·16 = 1024: split-K
    ['long K (split-K filter gradient)', [4, 16, 16, 3], [3, 3, 3, 4], [1, 1], 'same', [1, 1]],
  ];

  describe('conv2d', () => {
    for (const [name, xs, fs, strides, pad, dil] of geometries) {
      it(`forward and both gradients: ${name}`, async () => {
        const info: Conv2DInfo = computeConv2DInfo('conv2d', xs, fs, strides, pad, dil);
        const x = pair(xs, 1);
        const f = pair(fs, 2);
        const dy = pair([info.batch, info.outH, info.outW, info.outC], 3);
        await agree(
          conv.conv2d(host!, x.gpu, f.gpu, info),
          cpuConv.conv2d(ref, x.cpu, f.cpu, info),
          'float32',
          `conv2d ${name}`,
        );
        await agree(
          conv.conv2dBackpropInput(host!, dy.gpu, f.gpu, info),
          cpuConv.conv2dBackpropInput(ref, dy.cpu, f.cpu, info),
          'float32',
          `conv2dBackpropInput ${name}`,
        );
        await agree(
          conv.conv2dBackpropFilter(host!, x.gpu, dy.gpu, info),
          cpuConv.conv2dBackpropFilter(ref, x.cpu, dy.cpu, info),
          'float32',
          `conv2dBackpropFilter ${name}`,
        );
      });
    }

    it('fuses bias + relu into the store', async () => {
      const info = computeConv2DInfo('conv2d', [1, 5, 5, 3], [3, 3, 3, 6], [1, 1], 'same', [1, 1]);
      const x = pair([1, 5, 5, 3], 1);
      const f = pair([3, 3, 3, 6], 2);
      const bias = pair([6], 3);
      const g = conv.conv2d(host!, x.gpu, f.gpu, info, { bias: bias.gpu, activation: 'relu' });
      const c = cpuConv.conv2d(ref, x.cpu, f.cpu, info);
      applyEpilogue(ref, c, 6, { bias: bias.cpu, activation: 'relu' });
      await agree(g, c, 'float32', 'conv2d + bias + relu');
    });
  });

  describe('depthwiseConv2d', () => {
    const cases: [
      string,
      number[],
      number[],
      [number, number],
      Parameters<typeof computeConv2DInfo>[4],
      [number, number],
    ][] = [
      ['multiplier 2, stride 2 same', [2, 7, 6, 3], [3, 3, 3, 2], [2, 2], 'same', [1, 1]],
      ['multiplier 1, dilation 2 valid', [1, 9, 8, 4], [3, 2, 4, 1], [1, 1], 'valid', [2, 2]],
      [
        'multiplier 3, asymmetric pad',
        [1, 6, 7, 5],
        [4, 3, 5, 3],
        [2, 2],
        [
          [0, 0],
          [2, 1],
          [0, 1],
          [0, 0],
        ],
        [1, 1],
      ],
    ];
    for (const [name, xs, fs, strides, pad, dil] of cases) {
      it(`forward and both gradients: ${name}`, async () => {
        const info = computeConv2DInfo(
          'depthwiseConv2d',
          xs,
          fs,
          strides,
          pad,
          dil,
          undefined,
          true,
        );
        const x = pair(xs, 1);
        const f = pair(fs, 2);
        const dy = pair([info.batch, info.outH, info.outW, info.outC], 3);
        await agree(
          conv.depthwiseConv2d(host!, x.gpu, f.gpu, info),
          cpuConv.depthwiseConv2d(ref, x.cpu, f.cpu, info),
          'float32',
          `depthwiseConv2d ${name}`,
        );
        await agree(
          conv.depthwiseConv2dBackpropInput(host!, dy.gpu, f.gpu, info),
          cpuConv.depthwiseConv2dBackpropInput(ref, dy.cpu, f.cpu, info),
          'float32',
          `depthwiseConv2dBackpropInput ${name}`,
        );
        await agree(
          conv.depthwiseConv2dBackpropFilter(host!, x.gpu, dy.gpu, info),
          cpuConv.depthwiseConv2dBackpropFilter(ref, x.cpu, dy.cpu, info),
          'float32',
          `depthwiseConv2dBackpropFilter ${name}`,
        );
      });
    }
  });

  describe('pooling', () => {
    const cases: [string, number[], [number, number], [number, number], 'same' | 'valid'][] = [
      ['3x3 stride 2 same', [2, 7, 6, 3], [3, 3], [2, 2], 'same'],
      ['2x2 stride 2 valid', [1, 8, 9, 5], [2, 2], [2, 2], 'valid'],
      ['3x2 stride 1 same', [1, 6, 5, 2], [3, 2], [1, 1], 'same'],
    ];
    for (const [name, xs, fsz, strides, pad] of cases) {
      it(`max and average, forward and gradient: ${name}`, async () => {
        const info: Pool2DInfo = computePool2DInfo('maxPool', xs, fsz, strides, pad);
        // small integers as floats: many ties, so the first-maximum rule is exercised
        const x = pair(xs, 1, 'int32', -3, 3);
        const xf = fromValues(xs, Array.from(ref.get(x.cpu.dataId)));
        const dy = pair([info.batch, info.outH, info.outW, info.channels], 3);
        await agree(
          pool.maxPool(host!, xf.gpu, info),
          cpuPool.maxPool(ref, xf.cpu, info),
          'float32',
          `maxPool ${name}`,
        );
        await agree(
          pool.maxPool(host!, x.gpu, info),
          cpuPool.maxPool(ref, x.cpu, info),
          'int32',
          `maxPool int32 ${name}`,
        );
        await agree(
          pool.maxPoolGrad(host!, dy.gpu, xf.gpu, info),
          cpuPool.maxPoolGrad(ref, dy.cpu, xf.cpu, info),
          'float32',
          `maxPoolGrad ${name}`,
        );
        await agree(
          pool.avgPool(host!, xf.gpu, info),
          cpuPool.avgPool(ref, xf.cpu, info),
          'float32',
          `avgPool ${name}`,
        );
        await agree(
          pool.avgPoolGrad(host!, dy.gpu, info),
          cpuPool.avgPoolGrad(ref, dy.cpu, info),
          'float32',
          `avgPoolGrad ${name}`,
        );
      });
    }

    it('maxPool: NaN wins its window, and the gradient goes to it', async () => {
      const info = computePool2DInfo('maxPool', [1, 2, 2, 1], [2, 2], [1, 1], 'valid');
      const x = fromValues([1, 2, 2, 1], [1, NaN, 3, 2]);
      const dy = fromValues([1, 1, 1, 1], [5]);
      expect(await read(pool.maxPool(host!, x.gpu, info), 'float32')).toEqual([NaN]);
      expect(await read(pool.maxPoolGrad(host!, dy.gpu, x.gpu, info), 'float32')).toEqual([
        0, 5, 0, 0,
      ]);
    });
  });

  describe('resize', () => {
    const modes: [boolean, boolean][] = [
      [false, false],
      [true, false],
      [false, true],
    ];
    const sizes: [number, number, number, number][] = [
      [4, 5, 7, 3],
      [5, 5, 10, 10],
      [6, 3, 3, 7],
      [1, 4, 3, 2],
      [3, 3, 1, 1],
    ];
    for (const [align, half] of modes) {
      it(`bilinear and nearest, forward and gradient (alignCorners=${align}, halfPixelCenters=${half})`, async () => {
        for (const [h, w, oh, ow] of sizes) {
          const what = `${h}x${w} -> ${oh}x${ow}`;
          const x = pair([2, h, w, 3], 1);
          const xi = pair([2, h, w, 3], 1, 'int32', -9, 9);
          const dy = pair([2, oh, ow, 3], 3);
          await agree(
            image.resizeBilinear(host!, x.gpu, oh, ow, align, half),
            cpuImage.resizeBilinear(ref, x.cpu, oh, ow, align, half),
            'float32',
            `resizeBilinear ${what}`,
          );
          await agree(
            image.resizeBilinearGrad(host!, dy.gpu, x.gpu, align, half),
            cpuImage.resizeBilinearGrad(ref, dy.cpu, x.cpu, align, half),
            'float32',
            `resizeBilinearGrad ${what}`,
          );
          await agree(
            image.resizeNearest(host!, x.gpu, oh, ow, align, half),
            cpuImage.resizeNearest(ref, x.cpu, oh, ow, align, half),
            'float32',
            `resizeNearest ${what}`,
          );
          await agree(
            image.resizeNearest(host!, xi.gpu, oh, ow, align, half),
            cpuImage.resizeNearest(ref, xi.cpu, oh, ow, align, half),
            'int32',
            `resizeNearest int32 ${what}`,
          );
          await agree(
            image.resizeNearestGrad(host!, dy.gpu, x.gpu, align, half),
            cpuImage.resizeNearestGrad(ref, dy.cpu, x.cpu, align, half),
            'float32',
            `resizeNearestGrad ${what}`,
          );
        }
      });
    }
  });
});
