// CPU image resize kernels (NHWC), with TensorFlow's coordinate rules for alignCorners and halfPixelCenters.
//
// Source coordinates are computed in float32 (Math.fround after each step), as TensorFlow's kernels do, so a
// nearest-neighbour index never flips between backends at an exact boundary:
//   scale       = alignCorners && out > 1 ? (in - 1) / (out - 1) : in / out
//   bilinear    src = halfPixelCenters ? (i + 0.5) · scale - 0.5 : i · scale
//               lo = max(floor(src), 0), hi = min(ceil(src), in - 1), weight of hi = src - floor(src)
//   nearest     src = halfPixelCenters ? (i + 0.5) · scale : i · scale          (no -0.5 for nearest)
//               idx = min(alignCorners ? round-half-away(src) : floor(src), in - 1), then max(idx, 0)
// The two gradient kernels are the exact adjoints: each output pixel sends dy back along its own weights.
import type { DataId, TensorInfo } from '../backend.js';
import type { KernelStore, Storage } from './storage.js';
import type { SomeHostKernels } from '../kernel_table.js';
import type { CpuHost } from './storage.js';

const f = Math.fround;

/** TensorFlow's CalculateResizeScale, in float32. */
function resizeScale(inSize: number, outSize: number, alignCorners: boolean): number {
  return alignCorners && outSize > 1 ? f((inSize - 1) / (outSize - 1)) : f(inSize / outSize);
}

/** Per output index along one axis: the two source indices and the weight of the upper one. */
interface LinearTaps {
  lo: Int32Array;
  hi: Int32Array;
  t: Float64Array;
}

function bilinearTaps(
  inSize: number,
  outSize: number,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): LinearTaps {
  const scale = resizeScale(inSize, outSize, alignCorners);
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const t = new Float64Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const src = halfPixelCenters ? f(f(f(i + 0.5) * scale) - 0.5) : f(i * scale);
    const fl = Math.floor(src);
    lo[i] = Math.min(Math.max(fl, 0), inSize - 1);
    hi[i] = Math.min(Math.ceil(src), inSize - 1);
    t[i] = f(src - fl);
  }
  return { lo, hi, t };
}

function nearestTaps(
  inSize: number,
  outSize: number,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): Int32Array {
  const scale = resizeScale(inSize, outSize, alignCorners);
  const idx = new Int32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const src = halfPixelCenters ? f(f(i + 0.5) * scale) : f(i * scale);
    // NOTE: src >= 0 here, so Math.round (half up) is C's roundf (half away from zero).
    const k = Math.min(alignCorners ? Math.round(src) : Math.floor(src), inSize - 1);
    idx[i] = Math.max(k, 0);
  }
  return idx;
}

/** Batch, height, width, channels of an NHWC tensor. */
function dims(t: TensorInfo): [number, number, number, number] {
  return [t.shape[0], t.shape[1], t.shape[2], t.shape[3]];
}

/**
 * Bilinear resize of x [n, h, w, c] to [n, outH, outW, c], float32.
 * @example resizeBilinear(store, x, 8, 8, false, true)
 */
export function resizeBilinear(
  s: KernelStore,
  x: TensorInfo,
  outH: number,
  outW: number,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): DataId {
  const [n, h, w, c] = dims(x);
  const xv = s.values(x);
  const { id, values } = s.alloc('float32', n * outH * outW * c);
  const ys = bilinearTaps(h, outH, alignCorners, halfPixelCenters);
  const xs = bilinearTaps(w, outW, alignCorners, halfPixelCenters);
  let o = 0;
  for (let b = 0; b < n; b++) {
    const base = b * h * w * c;
    for (let y = 0; y < outH; y++) {
      const top = base + ys.lo[y] * w * c;
      const bottom = base + ys.hi[y] * w * c;
      const yl = ys.t[y];
      for (let xx = 0; xx < outW; xx++) {
        const left = xs.lo[xx] * c;
        const right = xs.hi[xx] * c;
        const xl = xs.t[xx];
        for (let ch = 0; ch < c; ch++) {
          const tl = xv[top + left + ch];
          const tr = xv[top + right + ch];
          const bl = xv[bottom + left + ch];
          const br = xv[bottom + right + ch];
          const upper = tl + (tr - tl) * xl;
          const lower = bl + (br - bl) * xl;
          values[o++] = upper + (lower - upper) * yl;
        }
      }
    }
  }
  return id;
}

/**
 * Gradient of bilinear resize: dy [n, outH, outW, c] spread back onto x's shape [n, h, w, c].
 * @example resizeBilinearGrad(store, dy, x, false, true)
 */
export function resizeBilinearGrad(
  s: KernelStore,
  dy: TensorInfo,
  x: TensorInfo,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): DataId {
  const [n, h, w, c] = dims(x);
  const [, outH, outW] = dims(dy);
  const dv = s.values(dy);
  const { id, values } = s.alloc('float32', n * h * w * c);
  const ys = bilinearTaps(h, outH, alignCorners, halfPixelCenters);
  const xs = bilinearTaps(w, outW, alignCorners, halfPixelCenters);
  let o = 0;
  for (let b = 0; b < n; b++) {
    const base = b * h * w * c;
    for (let y = 0; y < outH; y++) {
      const top = base + ys.lo[y] * w * c;
      const bottom = base + ys.hi[y] * w * c;
      const yl = ys.t[y];
      for (let xx = 0; xx < outW; xx++) {
        const left = xs.lo[xx] * c;
        const right = xs.hi[xx] * c;
        const xl = xs.t[xx];
        for (let ch = 0; ch < c; ch++) {
          const g = dv[o++];
          values[top + left + ch] += g * (1 - yl) * (1 - xl);
          values[top + right + ch] += g * (1 - yl) * xl;
          values[bottom + left + ch] += g * yl * (1 - xl);
          values[bottom + right + ch] += g * yl * xl;
        }
      }
    }
  }
  return id;
}

/** Copies (forward) or accumulates (adjoint) channel rows between an image and its nearest-neighbour resize. */
function nearestMap(
  n: number,
  h: number,
  w: number,
  c: number,
  rows: Int32Array,
  cols: Int32Array,
  visit: (src: number, dst: number) => void,
): void {
  const outH = rows.length;
  const outW = cols.length;
  let o = 0;
  for (let b = 0; b < n; b++) {
    const base = b * h * w * c;
    for (let y = 0; y < outH; y++) {
      const row = base + rows[y] * w * c;
      for (let xx = 0; xx < outW; xx++) {
        visit(row + cols[xx] * c, o);
        o += c;
      }
    }
  }
}

/**
 * Nearest-neighbour resize of x [n, h, w, c] to [n, outH, outW, c], keeping x's dtype.
 * @example resizeNearest(store, x, 4, 4, true, false)
 */
export function resizeNearest(
  s: KernelStore,
  x: TensorInfo,
  outH: number,
  outW: number,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): DataId {
  const [n, h, w, c] = dims(x);
  const xv: Storage = s.values(x);
  const { id, values } = s.alloc(x.dtype, n * outH * outW * c);
  const rows = nearestTaps(h, outH, alignCorners, halfPixelCenters);
  const cols = nearestTaps(w, outW, alignCorners, halfPixelCenters);
  nearestMap(n, h, w, c, rows, cols, (src, dst) => {
    for (let ch = 0; ch < c; ch++) values[dst + ch] = xv[src + ch];
  });
  return id;
}

/**
 * Gradient of nearest resize: each dy pixel is added to the source pixel it was copied from.
 * @example resizeNearestGrad(store, dy, x, false, false)
 */
export function resizeNearestGrad(
  s: KernelStore,
  dy: TensorInfo,
  x: TensorInfo,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): DataId {
  const [n, h, w, c] = dims(x);
  const [, outH, outW] = dims(dy);
  const dv = s.values(dy);
  const { id, values } = s.alloc('float32', n * h * w * c);
  const rows = nearestTaps(h, outH, alignCorners, halfPixelCenters);
  const cols = nearestTaps(w, outW, alignCorners, halfPixelCenters);
  nearestMap(n, h, w, c, rows, cols, (src, dst) => {
    for (let ch = 0; ch < c; ch++) values[src + ch] += dv[dst + ch];
  });
  return id;
}

/** The resize kernels of the CPU table. @example CPU_IMAGE.resizeNearestGrad(host, [dy, x], attrs) */
export const CPU_IMAGE = {
  resizeBilinear: (h, [x], a) =>
    resizeBilinear(h.store, x, a.outH, a.outW, a.alignCorners, a.halfPixelCenters),
  resizeBilinearGrad: (h, [dy, x], a) =>
    resizeBilinearGrad(h.store, dy, x, a.alignCorners, a.halfPixelCenters),
  resizeNearest: (h, [x], a) =>
    resizeNearest(h.store, x, a.outH, a.outW, a.alignCorners, a.halfPixelCenters),
  resizeNearestGrad: (h, [dy, x], a) =>
    resizeNearestGrad(h.store, dy, x, a.alignCorners, a.halfPixelCenters),
} satisfies SomeHostKernels<CpuHost>;
