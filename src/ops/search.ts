// Data-dependent tfjs ops that read values on the host: searchSorted/lowerBound/upperBound, bincount,
// denseBincount, whereAsync, setdiff1dAsync, inTopKAsync. Integer outputs: no gradients.
import type { DType, TensorLike } from '../core/dtype.js';
import { ArgumentError, DTypeError, ShapeError, show } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { ENGINE } from '../core/engine.js';
import * as ops from './all.js';
import { toTensor, toTensorAs } from './convert.js';

type Operand = Tensor | TensorLike;

/** Reads an operand's values and shape, freeing what the conversion made. */
function values(
  x: Operand,
  op: string,
  arg: string,
  like?: DType,
): { v: ArrayLike<number>; shape: readonly number[]; dtype: DType } {
  const t = toTensor(x, op, arg, like);
  const out = { v: t.dataSync(), shape: t.shape, dtype: t.dtype };
  if (t !== x) t.dispose();
  return out;
}

/**
 * For each value, the index where it would be inserted in the sorted innermost rows of
 * sortedSequence to keep them sorted: before equal entries ('left') or after them ('right').
 * @example nr.searchSorted([1, 3, 5], [3, 6]) // int32 [1, 3]
 */
export function searchSorted(
  sortedSequence: Operand,
  values_: Operand,
  side: 'left' | 'right' = 'left',
): Tensor {
  if (side !== 'left' && side !== 'right')
    throw new ArgumentError(`searchSorted: side must be 'left' or 'right', received ${show(side)}`);
  const s = values(sortedSequence, 'searchSorted', 'sortedSequence');
  const q = values(values_, 'searchSorted', 'values');
  if (s.shape.length < 1)
    throw new ShapeError('searchSorted: sortedSequence must have rank >= 1, received a scalar');
  if (q.shape.length < 1)
    throw new ShapeError('searchSorted: values must have rank >= 1, received a scalar');
  if (s.shape.length !== q.shape.length || s.shape.slice(0, -1).some((d, i) => d !== q.shape[i]))
    throw new ShapeError(
      `searchSorted: the leading dimensions of sortedSequence ${show(s.shape)} and values ${show(q.shape)} must agree`,
    );
  const n = s.shape[s.shape.length - 1];
  const m = q.shape[q.shape.length - 1];
  const rows = n === 0 ? q.v.length / Math.max(m, 1) : s.v.length / n;
  const out = new Int32Array(q.v.length);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < m; j++) {
      const x = q.v[r * m + j];
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const e = s.v[r * n + mid];
        if (side === 'left' ? e < x : e <= x) lo = mid + 1;
        else hi = mid;
      }
      out[r * m + j] = lo;
    }
  }
  return ops.tensor(out, q.shape, 'int32');
}

/** searchSorted with side 'left'. @example nr.lowerBound([1, 3, 3, 5], [3]) // [1] */
export function lowerBound(sortedSequence: Operand, values_: Operand): Tensor {
  return searchSorted(sortedSequence, values_, 'left');
}

/** searchSorted with side 'right'. @example nr.upperBound([1, 3, 3, 5], [3]) // [3] */
export function upperBound(sortedSequence: Operand, values_: Operand): Tensor {
  return searchSorted(sortedSequence, values_, 'right');
}

function checkSize(op: string, size: number): void {
  if (!Number.isInteger(size) || size < 0)
    throw new ArgumentError(`${op}: size must be a non-negative integer, received ${show(size)}`);
}

/**
 * bincount of a vector or of each row of a matrix (tfjs denseBincount); binaryOutput marks presence with 1
 * instead of counting. Runs the `bincount` primitive, so it works on every backend (no host read).
 * @example nr.denseBincount(nr.tensor2d([[1, 1], [0, 2]], [2, 2], 'int32'), [], 3) // [[0, 2, 0], [1, 0, 1]]
 */
export function denseBincount(
  x: Operand,
  weights: Operand,
  size: number,
  binaryOutput = false,
): Tensor {
  checkSize('denseBincount', size);
  const xt = toTensor(x, 'denseBincount', 'x');
  if (xt.dtype !== 'int32')
    throw new DTypeError(`denseBincount: x must be int32, received ${xt.dtype}`);
  if (xt.rank !== 1 && xt.rank !== 2)
    throw new ShapeError(
      `denseBincount: x must have rank 1 or 2, received shape ${show(xt.shape)}`,
    );
  const wt = toTensor(weights, 'denseBincount', 'weights');
  if (wt.size > 0 && wt.size !== xt.size)
    throw new ShapeError(
      `denseBincount: weights must be empty or have x's shape ${show(xt.shape)}, received ${show(wt.shape)}`,
    );
  if (wt.size > 0 && wt.dtype === 'bool')
    throw new DTypeError("denseBincount: weights must be numbers, received dtype 'bool'");
  const w = wt.size > 0 ? wt.reshape(xt.shape) : null;
  const out = ENGINE.run1('bincount', w ? [xt, w] : [xt], { size, binaryOutput });
  w?.dispose(); // a view sharing wt's buffer
  return out;
}

/**
 * Coordinates of the true (non-zero) elements of condition, as an int32 [count, rank] tensor.
 * @example await nr.whereAsync([[true, false], [false, true]]) // [[0, 0], [1, 1]]
 */
export async function whereAsync(condition: Operand): Promise<Tensor> {
  // plain values are read as bool (tfjs' parse-as-dtype); a tensor must be bool, as where's condition
  const t = toTensorAs(condition, 'whereAsync', 'condition', 'bool');
  if (t.dtype !== 'bool')
    throw new DTypeError(
      `whereAsync: Argument 'condition' passed to 'whereAsync' must be bool tensor, but got ${t.dtype} tensor`,
    );
  const v = await t.data();
  const shape = t.shape;
  if (t !== condition) t.dispose();
  const rank = shape.length;
  const coords: number[] = [];
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  for (let i = 0; i < v.length; i++) {
    if (!v[i]) continue;
    for (let d = 0; d < rank; d++) coords.push(Math.floor(i / strides[d]) % shape[d]);
  }
  return ops.tensor(Int32Array.from(coords), [coords.length / Math.max(rank, 1), rank], 'int32');
}

/**
 * The values of x that are not in y, in order, and their positions in x (int32).
 * @example const [out, idx] = await nr.setdiff1dAsync([1, 2, 3, 4], [2, 4]) // [1, 3], [0, 2]
 */
export async function setdiff1dAsync(x: Operand, y: Operand): Promise<[Tensor, Tensor]> {
  const xt = toTensor(x, 'setdiff1dAsync', 'x');
  const yt = toTensor(y, 'setdiff1dAsync', 'y', xt.dtype);
  try {
    if (xt.dtype !== yt.dtype)
      throw new DTypeError(
        `setdiff1dAsync: x and y must have the same dtype, received ${xt.dtype} and ${yt.dtype}`,
      );
    if (xt.rank !== 1)
      throw new ShapeError(`setdiff1dAsync: x must have rank 1, received shape ${show(xt.shape)}`);
    if (yt.rank !== 1)
      throw new ShapeError(`setdiff1dAsync: y must have rank 1, received shape ${show(yt.shape)}`);
    const [xv, yv] = await Promise.all([xt.data(), yt.data()]);
    const drop = new Set(Array.from(yv));
    const kept: number[] = [];
    const idx: number[] = [];
    xv.forEach((v, i) => {
      if (!drop.has(v)) {
        kept.push(v);
        idx.push(i);
      }
    });
    return [ops.tensor(kept, [kept.length], xt.dtype), ops.tensor(idx, [idx.length], 'int32')];
  } finally {
    if (xt !== x) xt.dispose();
    if (yt !== y) yt.dispose();
  }
}

/**
 * Whether each target is among the k largest predictions of its row (ties: the lower index ranks first).
 * @example await nr.inTopKAsync([[0.1, 0.8, 0.1]], [1], 1) // [true]
 */
export async function inTopKAsync(predictions: Operand, targets: Operand, k = 1): Promise<Tensor> {
  const p = toTensor(predictions, 'inTopKAsync', 'predictions');
  const t = toTensor(targets, 'inTopKAsync', 'targets', 'int32');
  try {
    if (p.rank < 1)
      throw new ShapeError('inTopKAsync: predictions must have rank >= 1, received a scalar');
    if (t.rank !== p.rank - 1 || t.shape.some((d, i) => d !== p.shape[i]))
      throw new ShapeError(
        `inTopKAsync: targets ${show(t.shape)} must have predictions' shape ${show(p.shape)} without its last dimension`,
      );
    if (!Number.isInteger(k) || k < 0)
      throw new ArgumentError(`inTopKAsync: k must be a non-negative integer, received ${show(k)}`);
    const n = p.shape[p.rank - 1];
    if (k > n)
      throw new ArgumentError(
        `inTopKAsync: k (${k}) must be at most the last dimension of predictions (${n})`,
      );
    const [pv, tv] = await Promise.all([p.data(), t.data()]);
    const out = new Uint8Array(tv.length);
    for (let r = 0; r < tv.length; r++) {
      const target = tv[r];
      const value = pv[r * n + target];
      let rank = 0;
      for (let j = 0; j < n; j++) {
        const v = pv[r * n + j];
        if (v > value || (v === value && j < target)) rank++;
      }
      out[r] = rank < k ? 1 : 0;
    }
    return ops.tensor(out, t.shape, 'bool');
  } finally {
    if (p !== predictions) p.dispose();
    if (t !== targets) t.dispose();
  }
}
