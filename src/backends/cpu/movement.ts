// CPU movement kernels: strided copy (transpose, slice, reverse, broadcast) and its adjoint, concat, constant pad.
import { sizeOf, stridesOf, type Shape } from '../../core/shape.js';
import type { DataId, TensorInfo } from '../backend.js';
import type { KernelStore, Storage } from './storage.js';
import type { SomeHostKernels } from '../kernel_table.js';
import type { CpuHost } from './storage.js';

/** out[idx] = src[offset + idx·strides], innermost dimension in a tight loop. */
export function gatherStrided(
  src: Storage,
  dst: Storage,
  outShape: Shape,
  offset: number,
  strides: readonly number[],
): void {
  const rank = outShape.length;
  const n = dst.length;
  if (n === 0) return;
  if (rank === 0) {
    dst[0] = src[offset];
    return;
  }
  const inner = outShape[rank - 1];
  const step = strides[rank - 1];
  const idx = new Array<number>(rank).fill(0);
  let base = offset;
  for (let o = 0; o < n; o += inner) {
    if (step === 1) dst.set(src.subarray(base, base + inner), o);
    else for (let j = 0; j < inner; j++) dst[o + j] = src[base + j * step];
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      base += strides[d];
      if (idx[d] < outShape[d]) break;
      base -= strides[d] * outShape[d];
      idx[d] = 0;
    }
  }
}

export function copyStrided(
  s: KernelStore,
  x: TensorInfo,
  outShape: Shape,
  offset: number,
  strides: readonly number[],
): DataId {
  const { id, values } = s.alloc(x.dtype, sizeOf(outShape));
  gatherStrided(s.values(x), values, outShape, offset, strides);
  return id;
}

export function scatterStrided(
  s: KernelStore,
  dy: TensorInfo,
  size: number,
  offset: number,
  strides: readonly number[],
): DataId {
  const src = s.values(dy);
  const { id, values } = s.alloc(dy.dtype, size);
  const shape = dy.shape;
  const rank = shape.length;
  if (src.length === 0) return id;
  if (rank === 0) {
    values[offset] = src[0];
    return id;
  }
  const inner = shape[rank - 1];
  const step = strides[rank - 1];
  const idx = new Array<number>(rank).fill(0);
  let base = offset;
  for (let o = 0; o < src.length; o += inner) {
    for (let j = 0; j < inner; j++) values[base + j * step] = src[o + j];
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      base += strides[d];
      if (idx[d] < shape[d]) break;
      base -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
  return id;
}

export function concat(
  s: KernelStore,
  xs: readonly TensorInfo[],
  axis: number,
  outShape: Shape,
): DataId {
  const { id, values } = s.alloc(xs[0].dtype, sizeOf(outShape));
  // Each input is a block of rows: outer = dims before axis, its row = axis * inner elements.
  const outer = sizeOf(outShape.slice(0, axis));
  const outRow = sizeOf(outShape.slice(axis));
  let col = 0;
  for (const x of xs) {
    const xv = s.values(x);
    const row = sizeOf(x.shape.slice(axis));
    for (let o = 0; o < outer; o++)
      values.set(xv.subarray(o * row, (o + 1) * row), o * outRow + col);
    col += row;
  }
  return id;
}

export function padConstant(
  s: KernelStore,
  x: TensorInfo,
  paddings: readonly (readonly [number, number])[],
  value: number,
  outShape: Shape,
): DataId {
  const { id, values } = s.alloc(x.dtype, sizeOf(outShape));
  if (value !== 0) values.fill(value);
  const ostr = stridesOf(outShape);
  let offset = 0;
  for (let i = 0; i < outShape.length; i++) offset += paddings[i][0] * ostr[i];
  // Write x into the interior window: the adjoint of a strided read.
  const xv = s.values(x);
  const shape = x.shape;
  const rank = shape.length;
  if (xv.length === 0) return id;
  if (rank === 0) {
    values[0] = xv[0];
    return id;
  }
  const inner = shape[rank - 1];
  const idx = new Array<number>(rank).fill(0);
  let base = offset;
  for (let o = 0; o < xv.length; o += inner) {
    values.set(xv.subarray(o, o + inner), base);
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      base += ostr[d];
      if (idx[d] < shape[d]) break;
      base -= ostr[d] * shape[d];
      idx[d] = 0;
    }
  }
  return id;
}

/** The movement kernels of the CPU table. @example CPU_MOVEMENT.concat(host, [a, b], { axis: 0, outShape: [4] }) */
export const CPU_MOVEMENT = {
  copyStrided: (h, [x], a) => copyStrided(h.store, x, a.outShape, a.offset, a.strides),
  scatterStrided: (h, [dy], a) => scatterStrided(h.store, dy, a.size, a.offset, a.strides),
  concat: (h, xs, a) => concat(h.store, xs, a.axis, a.outShape),
  padConstant: (h, [x], a) => padConstant(h.store, x, a.paddings, a.value, a.outShape),
} satisfies SomeHostKernels<CpuHost>;
