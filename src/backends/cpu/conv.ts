// CPU convolution kernels, NHWC: conv2d and its gradients as im2col + GEMM, depthwise as direct loops.
import type { Conv2DInfo, DataId, TensorInfo } from '../backend.js';
import { gemm } from './gemm.js';
import type { KernelStore, Storage } from './storage.js';
import { epilogueOf, type SomeHostKernels } from '../kernel_table.js';
import { applyEpilogue } from './epilogue.js';
import type { CpuHost } from './storage.js';

// The im2col buffer holds a chunk of output rows at a time (about this many values), so memory stays
// bounded for big batches while each GEMM is still large enough to amortise packing the filter.
const CHUNK_VALUES = 1 << 19;
const MIN_CHUNK_ROWS = 64;

/** A 1x1 filter with stride 1 and no padding: the image itself is the im2col matrix. */
function isPointwise(i: Conv2DInfo): boolean {
  return (
    i.filterH === 1 &&
    i.filterW === 1 &&
    i.strideH === 1 &&
    i.strideW === 1 &&
    i.padTop === 0 &&
    i.padLeft === 0 &&
    i.outH === i.inH &&
    i.outW === i.inW
  );
}

function chunkRows(k: number, total: number): number {
  return Math.min(total, Math.max(MIN_CHUNK_ROWS, Math.floor(CHUNK_VALUES / Math.max(1, k))));
}

/**
 * Calls fn(srcOffset, colOffset) for every in-image filter tap of output rows [r0, r0 + rows): the
 * image pixel at srcOffset (inC values) pairs with the im2col row segment at colOffset. Taps that fall
 * into the padding are skipped, so callers zero the buffer or skip them.
 */
function forEachTap(
  i: Conv2DInfo,
  r0: number,
  rows: number,
  fn: (src: number, col: number) => void,
): void {
  const k = i.filterH * i.filterW * i.inC;
  const perImage = i.outH * i.outW;
  for (let r = 0; r < rows; r++) {
    const g = r0 + r;
    const b = Math.floor(g / perImage);
    const rem = g - b * perImage;
    const oy = Math.floor(rem / i.outW);
    const ox = rem - oy * i.outW;
    const yBase = oy * i.strideH - i.padTop;
    const xBase = ox * i.strideW - i.padLeft;
    for (let fy = 0; fy < i.filterH; fy++) {
      const y = yBase + fy * i.dilationH;
      if (y < 0 || y >= i.inH) continue;
      for (let fx = 0; fx < i.filterW; fx++) {
        const x = xBase + fx * i.dilationW;
        if (x < 0 || x >= i.inW) continue;
        fn(((b * i.inH + y) * i.inW + x) * i.inC, r * k + (fy * i.filterW + fx) * i.inC);
      }
    }
  }
}

/** cols[rows, fh·fw·inC] = the input patches of output rows [r0, r0 + rows), zeros for padding. */
function im2col(xv: Storage, cols: Storage, i: Conv2DInfo, r0: number, rows: number): void {
  const c = i.inC;
  cols.fill(0, 0, rows * i.filterH * i.filterW * c);
  forEachTap(i, r0, rows, (src, col) => {
    for (let j = 0; j < c; j++) cols[col + j] = xv[src + j];
  });
}

/** The adjoint of im2col: adds each patch value of cols back into its image pixel. */
function col2im(cols: Storage, dx: Storage, i: Conv2DInfo, r0: number, rows: number): void {
  const c = i.inC;
  forEachTap(i, r0, rows, (src, col) => {
    for (let j = 0; j < c; j++) dx[src + j] += cols[col + j];
  });
}

/** out[rows, outC] = im2col(x)[rows, K] · filter[K, outC]. @example conv2d(store, x, filter, info) */
export function conv2d(s: KernelStore, x: TensorInfo, filter: TensorInfo, i: Conv2DInfo): DataId {
  const xv = s.values(x);
  const fv = s.values(filter);
  const total = i.batch * i.outH * i.outW;
  const k = i.filterH * i.filterW * i.inC;
  const { id, values: out } = s.alloc('float32', total * i.outC);
  if (isPointwise(i)) {
    (s.gemm ?? gemm)(total, i.outC, k, xv, 0, false, fv, 0, false, out, 0, false);
    return id;
  }
  const chunk = chunkRows(k, total);
  const cols = s.array('float32', chunk * k);
  for (let r0 = 0; r0 < total; r0 += chunk) {
    const rows = Math.min(chunk, total - r0);
    im2col(xv, cols, i, r0, rows);
    (s.gemm ?? gemm)(rows, i.outC, k, cols, 0, false, fv, 0, false, out, r0 * i.outC, false);
  }
  return id;
}

/** dx = col2im(dy[rows, outC] · filterᵀ[outC, K]). @example conv2dBackpropInput(store, dy, filter, info) */
export function conv2dBackpropInput(
  s: KernelStore,
  dy: TensorInfo,
  filter: TensorInfo,
  i: Conv2DInfo,
): DataId {
  const dv = s.values(dy);
  const fv = s.values(filter);
  const total = i.batch * i.outH * i.outW;
  const k = i.filterH * i.filterW * i.inC;
  const { id, values: dx } = s.alloc('float32', i.batch * i.inH * i.inW * i.inC);
  if (isPointwise(i)) {
    (s.gemm ?? gemm)(total, k, i.outC, dv, 0, false, fv, 0, true, dx, 0, false);
    return id;
  }
  const chunk = chunkRows(k, total);
  const cols = s.array('float32', chunk * k);
  for (let r0 = 0; r0 < total; r0 += chunk) {
    const rows = Math.min(chunk, total - r0);
    (s.gemm ?? gemm)(rows, k, i.outC, dv, r0 * i.outC, false, fv, 0, true, cols, 0, false);
    col2im(cols, dx, i, r0, rows);
  }
  return id;
}

/**
 * dfilter[K, outC] = Σ over row chunks of im2col(x)ᵀ[K, rows] · dy[rows, outC].
 * NOTE: each chunk's partial sum is added into the float32 output, so very large batches round a
 * little more than a single GEMM would (the same trade any float32 BLAS makes across K blocks).
 * @example conv2dBackpropFilter(store, x, dy, info)
 */
export function conv2dBackpropFilter(
  s: KernelStore,
  x: TensorInfo,
  dy: TensorInfo,
  i: Conv2DInfo,
): DataId {
  const xv = s.values(x);
  const dv = s.values(dy);
  const total = i.batch * i.outH * i.outW;
  const k = i.filterH * i.filterW * i.inC;
  const { id, values: dw } = s.alloc('float32', k * i.outC);
  if (isPointwise(i)) {
    (s.gemm ?? gemm)(k, i.outC, total, xv, 0, true, dv, 0, false, dw, 0, false);
    return id;
  }
  const chunk = chunkRows(k, total);
  const cols = s.array('float32', chunk * k);
  for (let r0 = 0; r0 < total; r0 += chunk) {
    const rows = Math.min(chunk, total - r0);
    im2col(xv, cols, i, r0, rows);
    (s.gemm ?? gemm)(k, i.outC, rows, cols, 0, true, dv, r0 * i.outC, false, dw, 0, r0 > 0);
  }
  return id;
}

/**
 * Visits every (output pixel, in-image filter tap) pair of a depthwise conv: fn(xOffset, yOffset,
 * fOffset) with the input pixel, output pixel and filter tap offsets (channel 0).
 */
function forEachDepthwiseTap(
  i: Conv2DInfo,
  fn: (xo: number, yo: number, fo: number) => void,
): void {
  const cOut = i.inC * i.channelMultiplier;
  let yo = 0;
  for (let b = 0; b < i.batch; b++) {
    for (let oy = 0; oy < i.outH; oy++) {
      for (let ox = 0; ox < i.outW; ox++, yo += cOut) {
        for (let fy = 0; fy < i.filterH; fy++) {
          const y = oy * i.strideH - i.padTop + fy * i.dilationH;
          if (y < 0 || y >= i.inH) continue;
          for (let fx = 0; fx < i.filterW; fx++) {
            const x = ox * i.strideW - i.padLeft + fx * i.dilationW;
            if (x < 0 || x >= i.inW) continue;
            fn(((b * i.inH + y) * i.inW + x) * i.inC, yo, (fy * i.filterW + fx) * cOut);
          }
        }
      }
    }
  }
}

/** out[b, oy, ox, c·m + q] = Σ taps x[b, y, x, c] · filter[fy, fx, c, q]. @example depthwiseConv2d(store, x, filter, info) */
export function depthwiseConv2d(
  s: KernelStore,
  x: TensorInfo,
  filter: TensorInfo,
  i: Conv2DInfo,
): DataId {
  const xv = s.values(x);
  const fv = s.values(filter);
  const m = i.channelMultiplier;
  const { id, values: out } = s.alloc('float32', i.batch * i.outH * i.outW * i.inC * m);
  forEachDepthwiseTap(i, (xo, yo, fo) => {
    for (let c = 0; c < i.inC; c++) {
      const v = xv[xo + c];
      for (let q = 0; q < m; q++) out[yo + c * m + q] += v * fv[fo + c * m + q];
    }
  });
  return id;
}

/** dx[b, y, x, c] = Σ taps Σ q dy[b, oy, ox, c·m + q] · filter[fy, fx, c, q]. @example depthwiseConv2dBackpropInput(store, dy, filter, info) */
export function depthwiseConv2dBackpropInput(
  s: KernelStore,
  dy: TensorInfo,
  filter: TensorInfo,
  i: Conv2DInfo,
): DataId {
  const dv = s.values(dy);
  const fv = s.values(filter);
  const m = i.channelMultiplier;
  const { id, values: dx } = s.alloc('float32', i.batch * i.inH * i.inW * i.inC);
  forEachDepthwiseTap(i, (xo, yo, fo) => {
    for (let c = 0; c < i.inC; c++) {
      let acc = 0;
      for (let q = 0; q < m; q++) acc += dv[yo + c * m + q] * fv[fo + c * m + q];
      dx[xo + c] += acc;
    }
  });
  return id;
}

/** dfilter[fy, fx, c, q] = Σ pixels x[b, y, x, c] · dy[b, oy, ox, c·m + q]. @example depthwiseConv2dBackpropFilter(store, x, dy, info) */
export function depthwiseConv2dBackpropFilter(
  s: KernelStore,
  x: TensorInfo,
  dy: TensorInfo,
  i: Conv2DInfo,
): DataId {
  const xv = s.values(x);
  const dv = s.values(dy);
  const m = i.channelMultiplier;
  const { id, values: dw } = s.alloc('float32', i.filterH * i.filterW * i.inC * m);
  forEachDepthwiseTap(i, (xo, yo, fo) => {
    for (let c = 0; c < i.inC; c++) {
      const v = xv[xo + c];
      for (let q = 0; q < m; q++) dw[fo + c * m + q] += v * dv[yo + c * m + q];
    }
  });
  return id;
}

/** The convolution kernels of the CPU table. @example CPU_CONV.conv2d(host, [x, w], { info, activation: 'relu' }) */
export const CPU_CONV = {
  conv2d: (h, [x, w, ...rest], a) =>
    applyEpilogue(
      h.store,
      conv2d(h.store, x, w, a.info),
      a.info.outC,
      epilogueOf([x, w, ...rest], a.activation),
    ),
  conv2dBackpropInput: (h, [dy, w], a) => conv2dBackpropInput(h.store, dy, w, a.info),
  conv2dBackpropFilter: (h, [x, dy], a) => conv2dBackpropFilter(h.store, x, dy, a.info),
  depthwiseConv2d: (h, [x, w], a) => depthwiseConv2d(h.store, x, w, a.info),
  depthwiseConv2dBackpropInput: (h, [dy, w], a) =>
    depthwiseConv2dBackpropInput(h.store, dy, w, a.info),
  depthwiseConv2dBackpropFilter: (h, [x, dy], a) =>
    depthwiseConv2dBackpropFilter(h.store, x, dy, a.info),
} satisfies SomeHostKernels<CpuHost>;
