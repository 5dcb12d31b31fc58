// CPU elementwise kernels, built from the elementwise table: unary, broadcasting binary, where, cast.
import type { DType } from '../../core/dtype.js';
import { stridesOf, sizeOf, type Shape } from '../../core/shape.js';
import { BINARY, type BinaryOp, UNARY, type UnaryOp } from '../../core/elementwise_table.js';
import type { DataId, TensorInfo } from '../backend.js';
import type { KernelStore, Storage } from './storage.js';
import type { SomeHostKernels } from '../kernel_table.js';
import type { CpuHost } from './storage.js';

export function unary(
  s: KernelStore,
  op: UnaryOp,
  x: TensorInfo,
  outDtype: DType,
  alpha: number,
): DataId {
  const xv = s.values(x);
  const { id, values } = s.alloc(outDtype, xv.length);
  const fn = UNARY[op].fn;
  for (let i = 0; i < xv.length; i++) values[i] = fn(xv[i], alpha);
  return id;
}

/**
 * Element strides of `shape` inside the broadcast `outShape` (0 on broadcast dimensions), so one
 * loop over the output serves every input.
 */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const base = stridesOf(shape);
  const lead = outShape.length - shape.length;
  return outShape.map((d, i) => (i < lead || shape[i - lead] !== d ? 0 : base[i - lead]));
}

/** Calls visit(outIndex, offsetA, offsetB) for every output element of a broadcast of two inputs. */
export function forEachBroadcast(
  outShape: Shape,
  sa: readonly number[],
  sb: readonly number[],
  visit: (o: number, ia: number, ib: number) => void,
): void {
  const rank = outShape.length;
  const n = sizeOf(outShape);
  if (rank === 0) {
    if (n) visit(0, 0, 0);
    return;
  }
  // Innermost dimension in a tight loop; outer dimensions by an odometer.
  const inner = outShape[rank - 1];
  const ia = sa[rank - 1];
  const ib = sb[rank - 1];
  const idx = new Array<number>(rank).fill(0);
  let offA = 0;
  let offB = 0;
  for (let o = 0; o < n; o += inner) {
    for (let j = 0; j < inner; j++) visit(o + j, offA + j * ia, offB + j * ib);
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      offA += sa[d];
      offB += sb[d];
      if (idx[d] < outShape[d]) break;
      offA -= sa[d] * outShape[d];
      offB -= sb[d] * outShape[d];
      idx[d] = 0;
    }
  }
}

export function binary(
  s: KernelStore,
  op: BinaryOp,
  a: TensorInfo,
  b: TensorInfo,
  outShape: Shape,
  outDtype: DType,
): DataId {
  const av = s.values(a);
  const bv = s.values(b);
  const { id, values } = s.alloc(outDtype, sizeOf(outShape));
  const row = BINARY[op];
  const fn = a.dtype === 'int32' && 'intFn' in row && row.intFn ? row.intFn : row.fn;
  if (av.length === values.length && bv.length === values.length) {
    for (let i = 0; i < values.length; i++) values[i] = fn(av[i], bv[i]);
  } else if (bv.length === 1 && av.length === values.length) {
    const bs = bv[0];
    for (let i = 0; i < values.length; i++) values[i] = fn(av[i], bs);
  } else if (av.length === 1 && bv.length === values.length) {
    const as = av[0];
    for (let i = 0; i < values.length; i++) values[i] = fn(as, bv[i]);
  } else {
    forEachBroadcast(
      outShape,
      broadcastStrides(a.shape, outShape),
      broadcastStrides(b.shape, outShape),
      (o, ia, ib) => {
        values[o] = fn(av[ia], bv[ib]);
      },
    );
  }
  return id;
}

export function where(
  s: KernelStore,
  cond: TensorInfo,
  a: TensorInfo,
  b: TensorInfo,
  outShape: Shape,
  dtype: DType,
): DataId {
  const cv = s.values(cond);
  const av = s.values(a);
  const bv = s.values(b);
  const { id, values } = s.alloc(dtype, sizeOf(outShape));
  const sc = broadcastStrides(cond.shape, outShape);
  const sa = broadcastStrides(a.shape, outShape);
  const sb = broadcastStrides(b.shape, outShape);
  // Two passes of the two-input walker: first pick a where cond holds, then b elsewhere.
  const picked = new Uint8Array(values.length);
  forEachBroadcast(outShape, sc, sa, (o, ic, ia) => {
    if (cv[ic]) {
      values[o] = av[ia];
      picked[o] = 1;
    }
  });
  forEachBroadcast(outShape, sc, sb, (o, _ic, ib) => {
    if (!picked[o]) values[o] = bv[ib];
  });
  return id;
}

export function cast(s: KernelStore, x: TensorInfo, dtype: DType): DataId {
  const xv = s.values(x);
  const { id, values } = s.alloc(dtype, xv.length);
  copyConverted(xv, values, dtype);
  return id;
}

function copyConverted(src: Storage, dst: Storage, dtype: DType): void {
  if (dtype === 'bool')
    // NaN casts to true, as in tfjs, NumPy and TensorFlow.
    for (let i = 0; i < src.length; i++) dst[i] = src[i] !== 0 ? 1 : 0;
  else if (dtype === 'int32') for (let i = 0; i < src.length; i++) dst[i] = Math.trunc(src[i]);
  else dst.set(src);
}

/** The elementwise kernels of the CPU table. @example CPU_ELEMENTWISE.cast(host, [x], { dtype: 'int32' }) */
export const CPU_ELEMENTWISE = {
  unary: (h, [x], a) => unary(h.store, a.op, x, a.dtype, a.alpha),
  binary: (h, [x, y], a) => binary(h.store, a.op, x, y, a.outShape, a.dtype),
  where: (h, [c, x, y], a) => where(h.store, c, x, y, a.outShape, a.dtype),
  cast: (h, [x], a) => cast(h.store, x, a.dtype),
} satisfies SomeHostKernels<CpuHost>;
