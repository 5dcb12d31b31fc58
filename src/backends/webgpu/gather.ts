// WebGPU indexing kernels: gather/scatterAdd along an axis, gatherND/scatterND over index tuples, top-k.
//
// Scatters are deterministic: one thread per OUTPUT element loops over the indices and adds the updates
// that land on it, in index order. Float atomics do not exist in WGSL, and a compare-exchange loop would
// add in whatever order threads arrive, so sums would change from run to run; this way every run (and the
// CPU backend, which adds in the same order) gives the same bits. The cost is O(outputs × indices), fine
// for gradients of embeddings and gathers of moderate size.
//
// Indices out of range cannot throw from the GPU: gathers read 0 there, scatters drop the update.
import type { DType } from '../../core/dtype.js';
import { sizeOf, stridesOf, type Shape } from '../../core/shape.js';
import type { DataId, TensorInfo } from '../backend.js';
import { dispatch1D, type GpuProgramHost, main1D, uniformDecl, wgslType } from './program.js';
import type { SomeHostKernels } from '../kernel_table.js';

const WG = 64;

/** [batch, outer, dim, slice, perBatch] of x viewed around `axis` (see cpu/gather.ts). */
function axisGeometry(xShape: Shape, indicesShape: Shape, axis: number, batchDims: number) {
  return [
    sizeOf(xShape.slice(0, batchDims)),
    sizeOf(xShape.slice(batchDims, axis)),
    xShape[axis],
    sizeOf(xShape.slice(axis + 1)),
    sizeOf(indicesShape.slice(batchDims)),
  ];
}

/**
 * Slices of x along `axis` picked by int32 indices; output [batch, outer, perBatch, slice].
 * @example gather(host, x, indices, 0, 0, [3, 4])
 */
export function gather(
  host: GpuProgramHost,
  x: TensorInfo,
  indices: TensorInfo,
  axis: number,
  batchDims: number,
  outShape: Shape,
): DataId {
  const n = sizeOf(outShape);
  const [, outer, dim, slice, perBatch] = axisGeometry(x.shape, indices.shape, axis, batchDims);
  const wgsl = `@group(0) @binding(0) var<storage, read> xs: array<u32>;
@group(0) @binding(1) var<storage, read> idx: array<i32>;
@group(0) @binding(2) var<storage, read_write> ys: array<u32>;
${uniformDecl(3, 5)}
${main1D(WG)}
  if (i >= uu(0u)) { return; }
  let outer = uu(1u); let dim = uu(2u); let slice = uu(3u); let per = uu(4u);
  let s = i % slice;
  var r = i / slice;
  let p = r % per; r = r / per;
  let o = r % outer;
  let b = r / outer;
  let k = idx[b * per + p];
  if (k < 0 || u32(k) >= dim) { ys[i] = 0u; return; }
  ys[i] = xs[((b * outer + o) * dim + u32(k)) * slice + s];
}`;
  return host.dispatch({
    key: 'gather',
    wgsl,
    inputs: [x, indices],
    output: { dtype: x.dtype, size: n },
    uniforms: new Int32Array([n, outer, dim, slice, perBatch]),
    dispatch: dispatch1D(n, WG),
  });
}

/**
 * The adjoint of gather: zeros of outShape plus every update at its gathered position.
 * @example scatterAdd(host, dy, indices, 0, 0, [10, 4])
 */
export function scatterAdd(
  host: GpuProgramHost,
  updates: TensorInfo,
  indices: TensorInfo,
  axis: number,
  batchDims: number,
  outShape: Shape,
): DataId {
  const n = sizeOf(outShape);
  const t = wgslType(updates.dtype);
  const [, outer, dim, slice, perBatch] = axisGeometry(outShape, indices.shape, axis, batchDims);
  const wgsl = `@group(0) @binding(0) var<storage, read> us: array<${t}>;
@group(0) @binding(1) var<storage, read> idx: array<i32>;
@group(0) @binding(2) var<storage, read_write> ys: array<${t}>;
${uniformDecl(3, 5)}
${main1D(WG)}
  if (i >= uu(0u)) { return; }
  let outer = uu(1u); let dim = uu(2u); let slice = uu(3u); let per = uu(4u);
  let s = i % slice;
  var r = i / slice;
  let d = r % dim; r = r / dim;
  let o = r % outer;
  let b = r / outer;
  var acc = ${t}(0);
  for (var p = 0u; p < per; p++) {
    if (idx[b * per + p] == i32(d)) { acc += us[((b * outer + o) * per + p) * slice + s]; }
  }
  ys[i] = acc;
}`;
  return host.dispatch({
    key: `scatterAdd:${t}`,
    wgsl,
    inputs: [updates, indices],
    output: { dtype: updates.dtype, size: n },
    uniforms: new Int32Array([n, outer, dim, slice, perBatch]),
    dispatch: dispatch1D(n, WG),
  });
}

/** Flat element offsets of the index tuples of `indices` into `shape` (-1 when out of range). */
function tupleOffsets(host: GpuProgramHost, indices: TensorInfo, shape: Shape): DataId {
  const depth = indices.shape[indices.shape.length - 1];
  const count = sizeOf(indices.shape.slice(0, -1));
  const strides = stridesOf(shape).slice(0, depth);
  const wgsl = `@group(0) @binding(0) var<storage, read> idx: array<i32>;
@group(0) @binding(1) var<storage, read_write> offs: array<i32>;
${uniformDecl(2, 1 + 2 * depth)}
${main1D(WG)}
  if (i >= uu(0u)) { return; }
  var off = 0;
  for (var k = 0u; k < ${depth}u; k++) {
    let v = idx[i * ${depth}u + k];
    if (v < 0 || v >= ui(1u + k)) { offs[i] = -1; return; }
    off += v * ui(${1 + depth}u + k);
  }
  offs[i] = off;
}`;
  return host.dispatch({
    key: `tupleOffsets:${depth}`,
    wgsl,
    inputs: [indices],
    output: { dtype: 'int32', size: count },
    uniforms: new Int32Array([count, ...shape.slice(0, depth), ...strides]),
    dispatch: dispatch1D(count, WG),
  });
}

/**
 * Slices of x at the index tuples in the last axis of `indices`.
 * @example gatherND(host, x, indices, [2, 3])
 */
export function gatherND(
  host: GpuProgramHost,
  x: TensorInfo,
  indices: TensorInfo,
  outShape: Shape,
): DataId {
  const depth = indices.shape[indices.shape.length - 1];
  const slice = sizeOf(x.shape.slice(depth));
  const n = sizeOf(outShape);
  const offs = tupleOffsets(host, indices, x.shape);
  const wgsl = `@group(0) @binding(0) var<storage, read> xs: array<u32>;
@group(0) @binding(1) var<storage, read> offs: array<i32>;
@group(0) @binding(2) var<storage, read_write> ys: array<u32>;
${uniformDecl(3, 2)}
${main1D(WG)}
  if (i >= uu(0u)) { return; }
  let slice = uu(1u);
  let off = offs[i / slice];
  ys[i] = select(xs[u32(off) + i % slice], 0u, off < 0);
}`;
  const id = host.dispatch({
    key: 'gatherND',
    wgsl,
    inputs: [x, { dataId: offs, shape: [n / Math.max(slice, 1)], dtype: 'int32' }],
    output: { dtype: x.dtype, size: n },
    uniforms: new Int32Array([n, Math.max(slice, 1)]),
    dispatch: dispatch1D(n, WG),
  });
  host.free(offs);
  return id;
}

/**
 * zeros(outShape) plus `updates` at the index tuples of `indices` (duplicates add up, in order).
 * @example scatterND(host, indices, updates, [4, 3])
 */
export function scatterND(
  host: GpuProgramHost,
  indices: TensorInfo,
  updates: TensorInfo,
  outShape: Shape,
): DataId {
  const depth = indices.shape[indices.shape.length - 1];
  const slice = sizeOf(outShape.slice(depth));
  const count = sizeOf(indices.shape.slice(0, -1));
  const n = sizeOf(outShape);
  const t = wgslType(updates.dtype);
  const offs = tupleOffsets(host, indices, outShape);
  const wgsl = `@group(0) @binding(0) var<storage, read> us: array<${t}>;
@group(0) @binding(1) var<storage, read> offs: array<i32>;
@group(0) @binding(2) var<storage, read_write> ys: array<${t}>;
${uniformDecl(3, 3)}
${main1D(WG)}
  if (i >= uu(0u)) { return; }
  let slice = uu(1u);
  let count = uu(2u);
  let start = i32(i - i % slice);
  var acc = ${t}(0);
  for (var k = 0u; k < count; k++) {
    if (offs[k] == start) { acc += us[k * slice + i % slice]; }
  }
  ys[i] = acc;
}`;
  const id = host.dispatch({
    key: `scatterND:${t}`,
    wgsl,
    inputs: [updates, { dataId: offs, shape: [count], dtype: 'int32' }],
    output: { dtype: updates.dtype, size: n },
    uniforms: new Int32Array([n, Math.max(slice, 1), count]),
    dispatch: dispatch1D(n, WG),
  });
  host.free(offs);
  return id;
}

/**
 * Indices of the k largest entries of each last-axis row, descending (NaN largest; ties: lower index
 * first). One thread per row selects k times the best entry ranked after the previous pick: O(k·n), no
 * scratch memory; meant for small k.
 * @example topkIndices(host, x, 3)
 */
export function topkIndices(host: GpuProgramHost, x: TensorInfo, k: number): DataId {
  const n = x.shape[x.shape.length - 1];
  const rows = n === 0 ? 0 : sizeOf(x.shape) / n;
  const t = wgslType(x.dtype);
  const nan = t === 'f32' ? '(bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u' : 'false';
  const wgsl = `@group(0) @binding(0) var<storage, read> xs: array<${t}>;
@group(0) @binding(1) var<storage, read_write> ys: array<i32>;
${uniformDecl(2, 3)}
fn isnan_(v: ${t}) -> bool { return ${nan}; }
// Whether entry (v, i) ranks before (w, j) in the descending order.
fn before(v: ${t}, i: u32, w: ${t}, j: u32) -> bool {
  let nv = isnan_(v);
  let nw = isnan_(w);
  if (nv || nw) { return nv && (!nw || i < j); }
  return v > w || (v == w && i < j);
}
${main1D(WG)}
  if (i >= uu(0u)) { return; }
  let n = uu(1u);
  let k = uu(2u);
  let base = i * n;
  var pv: ${t};
  var pi = 0xffffffffu;
  for (var r = 0u; r < k; r++) {
    var bi = 0xffffffffu;
    var bv: ${t};
    for (var j = 0u; j < n; j++) {
      let v = xs[base + j];
      if (pi != 0xffffffffu && !before(pv, pi, v, j)) { continue; }
      if (bi == 0xffffffffu || before(v, j, bv, bi)) { bv = v; bi = j; }
    }
    ys[i * k + r] = i32(bi);
    pv = bv;
    pi = bi;
  }
}`;
  return host.dispatch({
    key: `topkIndices:${t}`,
    wgsl,
    inputs: [x],
    output: { dtype: 'int32', size: rows * k },
    uniforms: new Int32Array([rows, n, k]),
    dispatch: dispatch1D(rows, WG),
  });
}

/**
 * Per row of x ([rows, n], int32): counts, weight sums or presence (binaryOutput) of each value in
 * [0, size). One thread per output bin scans its row, adding in index order (deterministic, as the
 * scatters above): O(rows · size · n), for the moderate sizes bincount is used with.
 * @example bincount(host, x, null, 4, false, 'float32')
 */
export function bincount(
  host: GpuProgramHost,
  x: TensorInfo,
  weights: TensorInfo | null,
  size: number,
  binaryOutput: boolean,
  dtype: DType,
): DataId {
  const rows = x.shape.length === 2 ? x.shape[0] : 1;
  const n = x.shape[x.shape.length - 1];
  const t = wgslType(dtype);
  const add = binaryOutput ? `${t}(1)` : weights ? 'ws[k]' : `${t}(1)`;
  const wgsl = `@group(0) @binding(0) var<storage, read> xs: array<i32>;
${weights ? `@group(0) @binding(1) var<storage, read> ws: array<${t}>;\n` : ''}@group(0) @binding(${weights ? 2 : 1}) var<storage, read_write> ys: array<${t}>;
${uniformDecl(weights ? 3 : 2, 3)}
${main1D(WG)}
  if (i >= uu(0u)) { return; }
  let size = uu(1u);
  let n = uu(2u);
  let v = i32(i % size);
  let start = (i / size) * n;
  var acc = ${t}(0);
  for (var k = start; k < start + n; k++) {
    if (xs[k] == v) { acc ${binaryOutput ? '=' : '+='} ${add}; }
  }
  ys[i] = acc;
}`;
  const total = rows * size;
  return host.dispatch({
    key: `bincount:${t}:${weights ? 'w' : '1'}:${binaryOutput ? 'b' : 'c'}`,
    wgsl,
    inputs: weights ? [x, weights] : [x],
    output: { dtype, size: total },
    uniforms: new Int32Array([total, size, n]),
    dispatch: dispatch1D(total, WG),
  });
}

/** The gather and scatter kernels of the WebGPU table. @example GPU_GATHER.topkIndices(host, [x], { k: 2 }) */
export const GPU_GATHER = {
  gather: (h, [x, i], a) => gather(h, x, i, a.axis, a.batchDims, a.outShape),
  scatterAdd: (h, [u, i], a) => scatterAdd(h, u, i, a.axis, a.batchDims, a.outShape),
  gatherND: (h, [x, i], a) => gatherND(h, x, i, a.outShape),
  scatterND: (h, [i, u], a) => scatterND(h, i, u, a.outShape),
  topkIndices: (h, [x], a) => topkIndices(h, x, a.k),
  bincount: (h, [x, w], a) => bincount(h, x, w ?? null, a.size, a.binaryOutput, a.dtype),
} satisfies SomeHostKernels<GpuProgramHost>;
