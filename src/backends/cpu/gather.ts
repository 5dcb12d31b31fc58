// CPU indexing kernels: gather/scatterAdd along an axis, gatherND/scatterND over index tuples, top-k indices, bincount.
import { ArgumentError, show } from '../../core/errors.js';
import { sizeOf, stridesOf, type Shape } from '../../core/shape.js';
import type { DType } from '../../core/dtype.js';
import type { DataId, TensorInfo } from '../backend.js';
import type { KernelStore, Storage } from './storage.js';
import type { SomeHostKernels } from '../kernel_table.js';
import type { CpuHost } from './storage.js';

/**
 * Sizes of x viewed as [batch, outer, dim, slice] around `axis`, and of indices as [batch, perBatch].
 * Gather output (and scatterAdd updates) is [batch, outer, perBatch, slice].
 */
interface AxisGeometry {
  batch: number;
  outer: number;
  dim: number;
  slice: number;
  perBatch: number;
}

function axisGeometry(
  xShape: Shape,
  indicesShape: Shape,
  axis: number,
  batchDims: number,
): AxisGeometry {
  return {
    batch: sizeOf(xShape.slice(0, batchDims)),
    outer: sizeOf(xShape.slice(batchDims, axis)),
    dim: xShape[axis],
    slice: sizeOf(xShape.slice(axis + 1)),
    perBatch: sizeOf(indicesShape.slice(batchDims)),
  };
}

/** Data is at hand on the CPU, so bad indices fail loudly here (GPU backends may not check). */
function checkAxisIndices(op: string, idx: Storage, dim: number, axis: number): void {
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i];
    if (v < 0 || v >= dim) {
      throw new ArgumentError(
        `${op}: indices contains ${v} (at flat position ${i}), outside the valid range [0, ${dim - 1}] of axis ${axis} (size ${dim})`,
      );
    }
  }
}

export function gather(
  s: KernelStore,
  x: TensorInfo,
  indices: TensorInfo,
  axis: number,
  batchDims: number,
  outShape: Shape,
): DataId {
  const xv = s.values(x);
  const idx = s.values(indices);
  const { id, values } = s.alloc(x.dtype, sizeOf(outShape));
  const g = axisGeometry(x.shape, indices.shape, axis, batchDims);
  checkAxisIndices('gather', idx, g.dim, axis);
  const { slice } = g;
  let dst = 0;
  for (let b = 0; b < g.batch; b++) {
    for (let o = 0; o < g.outer; o++) {
      const rowBase = (b * g.outer + o) * g.dim;
      for (let i = 0; i < g.perBatch; i++) {
        const src = (rowBase + idx[b * g.perBatch + i]) * slice;
        if (slice === 1) values[dst] = xv[src];
        else values.set(xv.subarray(src, src + slice), dst);
        dst += slice;
      }
    }
  }
  return id;
}

export function scatterAdd(
  s: KernelStore,
  updates: TensorInfo,
  indices: TensorInfo,
  axis: number,
  batchDims: number,
  outShape: Shape,
): DataId {
  const uv = s.values(updates);
  const idx = s.values(indices);
  const { id, values } = s.alloc(updates.dtype, sizeOf(outShape));
  const g = axisGeometry(outShape, indices.shape, axis, batchDims);
  checkAxisIndices('scatterAdd', idx, g.dim, axis);
  const { slice } = g;
  let src = 0;
  for (let b = 0; b < g.batch; b++) {
    for (let o = 0; o < g.outer; o++) {
      const rowBase = (b * g.outer + o) * g.dim;
      for (let i = 0; i < g.perBatch; i++) {
        const dst = (rowBase + idx[b * g.perBatch + i]) * slice;
        for (let j = 0; j < slice; j++) values[dst + j] += uv[src + j];
        src += slice;
      }
    }
  }
  return id;
}

/**
 * Flat element offsets of the index tuples (the last axis of `indices`) into `shape`,
 * checked against each dimension.
 */
function tupleOffsets(
  s: KernelStore,
  op: string,
  idx: Storage,
  indicesShape: Shape,
  shape: Shape,
): Storage {
  const depth = indicesShape[indicesShape.length - 1];
  const count = depth === 0 ? sizeOf(indicesShape.slice(0, -1)) : idx.length / depth;
  const strides = stridesOf(shape);
  const offsets = s.array('int32', count);
  for (let t = 0; t < count; t++) {
    let off = 0;
    for (let k = 0; k < depth; k++) {
      const v = idx[t * depth + k];
      if (v < 0 || v >= shape[k]) {
        const tuple = Array.from(idx.subarray(t * depth, (t + 1) * depth));
        throw new ArgumentError(
          `${op}: index tuple ${show(tuple)} (number ${t} in indices) is out of range for shape ${show(shape)}: entry ${k} is ${v}, valid range [0, ${shape[k] - 1}]`,
        );
      }
      off += v * strides[k];
    }
    offsets[t] = off;
  }
  return offsets;
}

export function gatherND(
  s: KernelStore,
  x: TensorInfo,
  indices: TensorInfo,
  outShape: Shape,
): DataId {
  const xv = s.values(x);
  const { id, values } = s.alloc(x.dtype, sizeOf(outShape));
  const depth = indices.shape[indices.shape.length - 1];
  const slice = sizeOf(x.shape.slice(depth));
  const offsets = tupleOffsets(s, 'gatherND', s.values(indices), indices.shape, x.shape);
  for (let t = 0; t < offsets.length; t++) {
    const src = offsets[t];
    if (slice === 1) values[t] = xv[src];
    else values.set(xv.subarray(src, src + slice), t * slice);
  }
  return id;
}

export function scatterND(
  s: KernelStore,
  indices: TensorInfo,
  updates: TensorInfo,
  outShape: Shape,
): DataId {
  const uv = s.values(updates);
  const { id, values } = s.alloc(updates.dtype, sizeOf(outShape));
  const depth = indices.shape[indices.shape.length - 1];
  const slice = sizeOf(outShape.slice(depth));
  const offsets = tupleOffsets(s, 'scatterND', s.values(indices), indices.shape, outShape);
  for (let t = 0; t < offsets.length; t++) {
    const dst = offsets[t];
    const src = t * slice;
    for (let j = 0; j < slice; j++) values[dst + j] += uv[src + j];
  }
  return id;
}

export function topkIndices(s: KernelStore, x: TensorInfo, k: number): DataId {
  const xv = s.values(x);
  const n = x.shape[x.shape.length - 1];
  const rows = n === 0 ? 0 : xv.length / n;
  const { id, values } = s.alloc('int32', rows * k);
  if (k === 0) return id;
  const order = s.array('int32', n);
  let base = 0;
  // Descending; NaN counts as the largest value; ties keep the lower index first.
  const before = (a: number, b: number): number => {
    const va = xv[base + a];
    const vb = xv[base + b];
    const na = Number.isNaN(va);
    const nb = Number.isNaN(vb);
    if (na || nb) {
      if (na && nb) return a - b;
      return na ? -1 : 1;
    }
    if (va !== vb) return va > vb ? -1 : 1;
    return a - b;
  };
  for (let r = 0; r < rows; r++) {
    base = r * n;
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort(before);
    values.set(order.subarray(0, k), r * k);
  }
  return id;
}

/**
 * Per row of x ([rows, n], int32): counts of each value in [0, size), or sums of the weights at them,
 * or 1 where a value occurs (binaryOutput); other values are ignored.
 * @example bincount(store, x, null, 4, false, 'float32')
 */
export function bincount(
  s: KernelStore,
  x: TensorInfo,
  weights: TensorInfo | null,
  size: number,
  binaryOutput: boolean,
  dtype: DType,
): DataId {
  const xv = s.values(x);
  const wv = weights ? s.values(weights) : null;
  const rows = x.shape.length === 2 ? x.shape[0] : 1;
  const n = x.shape[x.shape.length - 1];
  const { id, values } = s.alloc(dtype, rows * size);
  for (let r = 0; r < rows; r++) {
    for (let i = r * n; i < (r + 1) * n; i++) {
      const v = xv[i];
      if (v < 0 || v >= size) continue;
      if (binaryOutput) values[r * size + v] = 1;
      else values[r * size + v] += wv ? wv[i] : 1;
    }
  }
  return id;
}

/** The gather and scatter kernels of the CPU table. @example CPU_GATHER.topkIndices(host, [x], { k: 2 }) */
export const CPU_GATHER = {
  gather: (h, [x, i], a) => gather(h.store, x, i, a.axis, a.batchDims, a.outShape),
  scatterAdd: (h, [u, i], a) => scatterAdd(h.store, u, i, a.axis, a.batchDims, a.outShape),
  gatherND: (h, [x, i], a) => gatherND(h.store, x, i, a.outShape),
  scatterND: (h, [i, u], a) => scatterND(h.store, i, u, a.outShape),
  topkIndices: (h, [x], a) => topkIndices(h.store, x, a.k),
  bincount: (h, [x, w], a) => bincount(h.store, x, w ?? null, a.size, a.binaryOutput, a.dtype),
} satisfies SomeHostKernels<CpuHost>;
