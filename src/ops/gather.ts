// Indexing ops: gather/scatter along an axis, gatherND/scatterND, topk, boolean masks, unique and mirror padding.
// Out-of-range indices throw on the CPU backend (it has the data at hand); GPU backends may not check them.
import {
  assertNonNegInt,
  type DType,
  isFloatDType,
  isTensorLike,
  type TensorLike,
} from '../core/dtype.js';
import { ENGINE } from '../core/engine.js';
import { ArgumentError, DTypeError, ShapeError, show } from '../core/errors.js';
import { tidy } from '../core/memory.js';
import { one, type RuleTable } from '../core/primitives.js';
import { assertShape, normalizeAxis, shapesEqual, sizeOf, type Shape } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { tensor as createTensor } from './creation.js';
import { notTensorError, toTensor, toTensorAny } from './convert.js';
import * as ops from './all.js';

type Operand = Tensor | TensorLike;

/** Throws unless every value of a JS (nested or typed) array is an integer; these are arguments, not tensor data. */
function assertIntegerValues(op: string, arg: string, values: TensorLike): void {
  if (Array.isArray(values) || values instanceof Float32Array) {
    for (const v of values) assertIntegerValues(op, arg, v);
    return;
  }
  // Int32Array and Uint8Array hold integers by construction; booleans and strings are refused.
  const ok =
    typeof values === 'number'
      ? Number.isInteger(values)
      : values instanceof Int32Array || values instanceof Uint8Array;
  if (!ok) throw new ArgumentError(`${op}: ${arg} must be integers, received ${show(values)}`);
}

/** Converts tensor-like values to a tensor of `dtype`, with the op's name in conversion errors. */
function likeTensor(values: TensorLike, op: string, arg: string, dtype: DType): Tensor {
  try {
    return createTensor(values, undefined, dtype);
  } catch (e) {
    if (e instanceof ShapeError || e instanceof ArgumentError)
      throw notTensorError(op, arg, e.message);
    throw e;
  }
}

/** An int32 index argument: tensor-like integers are converted (as in tfjs); a tensor must already be int32. */
function indexArg(indices: Operand, op: string, arg: string): Tensor {
  if (!(indices instanceof Tensor)) {
    if (!isTensorLike(indices)) throw notTensorError(op, arg, `received ${show(indices)}`);
    assertIntegerValues(op, arg, indices);
    return likeTensor(indices, op, arg, 'int32');
  }
  const t = toTensor(indices, op, arg);
  if (t.dtype !== 'int32')
    throw new DTypeError(`${op}: ${arg} must be int32, received '${t.dtype}'`);
  return t;
}

/** A bool mask argument: tensor-likes are converted to bool; a tensor must already be bool. */
function maskArg(mask: Operand, op: string): Tensor {
  if (!(mask instanceof Tensor)) return likeTensor(mask, op, 'mask', 'bool');
  const t = toTensor(mask, op, 'mask');
  if (t.dtype !== 'bool') throw new DTypeError(`${op}: mask must be bool, received '${t.dtype}'`);
  return t;
}

/** Scatter ops add, which has no meaning for bool. */
function assertAddable(op: string, arg: string, t: Tensor): void {
  if (t.dtype === 'bool')
    throw new DTypeError(`${op}: ${arg} must be float32 or int32, received 'bool'`);
}

/** tfjs' gather output shape: x.shape[:axis] + indices.shape[batchDims:] + x.shape[axis + 1:]. */
function gatherShape(
  xShape: Shape,
  indicesShape: Shape,
  axis: number,
  batchDims: number,
): number[] {
  return [...xShape.slice(0, axis), ...indicesShape.slice(batchDims), ...xShape.slice(axis + 1)];
}

/** gatherND output shape: indices.shape[:-1] + x.shape[depth:]. */
function gatherNDShape(xShape: Shape, indicesShape: Shape): number[] {
  const depth = indicesShape[indicesShape.length - 1];
  return [...indicesShape.slice(0, -1), ...xShape.slice(depth)];
}

/** An int32 index tensor from JS numbers: shape logic only, no tensor data is read. */
function indexTensor(values: readonly number[]): Tensor {
  return createTensor(Int32Array.from(values), [values.length], 'int32');
}

/**
 * Gathers slices of x along `axis` at int32 `indices`; the first `batchDims` dimensions of x and indices
 * are batch dimensions (each batch uses its own indices). Output shape:
 * x.shape[:axis] + indices.shape[batchDims:] + x.shape[axis + 1:].
 * @example nr.gather(nr.tensor([10, 20, 30]), [2, 0]) // [30, 10]
 * @example nr.gather(x, nr.tensor([[1], [0]], undefined, 'int32'), 1, 1) // one column per row
 */
export function gather(x: Operand, indices: Operand, axis = 0, batchDims = 0): Tensor {
  const xt = toTensorAny(x, 'gather', 'x');
  const it = indexArg(indices, 'gather', 'indices');
  if (xt.rank === 0) throw new ShapeError('gather: x must have rank >= 1, received a scalar');
  const ax = normalizeAxis('gather', axis, xt.rank);
  if (!Number.isInteger(batchDims) || batchDims < -it.rank || batchDims > it.rank) {
    throw new ArgumentError(
      `gather: Expect batchDims in the range of [${-it.rank}, ${it.rank}] (indices rank ${it.rank}), received ${show(batchDims)}`,
    );
  }
  const bd = batchDims < 0 ? batchDims + it.rank : batchDims;
  if (bd > ax)
    throw new ArgumentError(`gather: batchDims (${bd}) must be less than or equal to axis (${ax})`);
  for (let i = 0; i < bd; i++) {
    if (xt.shape[i] !== it.shape[i]) {
      throw new ShapeError(
        `gather: with batchDims=${bd}, x.shape[${i}] (${xt.shape[i]}) should be equal to indices.shape[${i}] (${it.shape[i]}); received shapes ${show(xt.shape)} and ${show(it.shape)}`,
      );
    }
  }
  return ENGINE.run1('gather', [xt, it], { axis: ax, batchDims: bd });
}

/**
 * Sums the slices of x (along its leading `segmentIds.rank` dimensions) by segment id into `numSegments`
 * rows: out[s] = sum of x[i] where segmentIds[i] == s. Negative ids are dropped (as in TensorFlow); ids
 * >= numSegments throw on CPU and wasm.
 * @example nr.unsortedSegmentSum(nr.tensor([1, 2, 3, 4]), [0, 1, 0, 1], 2) // [4, 6]
 */
export function unsortedSegmentSum(x: Operand, segmentIds: Operand, numSegments: number): Tensor {
  const xt = toTensor(x, 'unsortedSegmentSum', 'x');
  const ids = indexArg(segmentIds, 'unsortedSegmentSum', 'segmentIds');
  const n = assertNonNegInt('unsortedSegmentSum', 'numSegments', numSegments);
  assertAddable('unsortedSegmentSum', 'x', xt);
  if (ids.rank === 0 || !shapesEqual(xt.shape.slice(0, ids.rank), ids.shape)) {
    throw new ShapeError(
      `unsortedSegmentSum: segmentIds' shape must be a non-empty prefix of x's shape ${show(xt.shape)}, received ${show(ids.shape)}`,
    );
  }
  const rest = xt.shape.slice(ids.rank);
  // Negative ids drop their slices (TensorFlow's rule). Where reads are synchronous, the ids are checked
  // first, so the common case stays one scatterAdd whose kernel still refuses ids >= numSegments.
  const dropNegatives = !ids.backend.canReadSync || ids.dataSync().some((v) => v < 0);
  // scatterAdd along axis 0 of [numSegments, ...rest] takes exactly x's shape as its updates.
  if (!dropNegatives)
    return ENGINE.run1('scatterAdd', [xt, ids], { axis: 0, batchDims: 0, shape: [n, ...rest] });
  return tidy(() => {
    // negative ids go to an extra last segment, sliced off (so their gradient is 0 too)
    const mapped = ops.where(ops.less(ids, 0), ops.scalar(n, 'int32'), ids);
    const all = ENGINE.run1('scatterAdd', [xt, mapped], {
      axis: 0,
      batchDims: 0,
      shape: [n + 1, ...rest],
    });
    return ops.slice(all, 0, n);
  });
}

/**
 * Gathers slices of x at the int32 index tuples in the last axis of `indices`. Output shape:
 * indices.shape[:-1] + x.shape[indices.shape[-1]:].
 * @example nr.gatherND(nr.tensor([[1, 2], [3, 4]]), [[0, 1], [1, 0]]) // [2, 3]
 */
export function gatherND(x: Operand, indices: Operand): Tensor {
  const xt = toTensorAny(x, 'gatherND', 'x');
  const it = indexArg(indices, 'gatherND', 'indices');
  if (xt.rank === 0) throw new ShapeError('gatherND: x must have rank >= 1, received a scalar');
  if (it.rank === 0)
    throw new ShapeError('gatherND: indices must have rank >= 1, received a scalar');
  const depth = it.shape[it.rank - 1];
  if (depth > xt.rank) {
    throw new ShapeError(
      `gatherND: the last dimension of indices (${depth}) must be <= x's rank (${xt.rank}); received indices shape ${show(it.shape)}, x shape ${show(xt.shape)}`,
    );
  }
  return ENGINE.run1('gatherND', [xt, it], {});
}

/**
 * Zeros of `shape` with `updates` added at the int32 index tuples of `indices` (duplicates add up).
 * As in tfjs, rank-1 indices are single indices into the first dimension (like shape [n, 1]).
 * updates.shape must be indices.shape[:-1] + shape[indices.shape[-1]:].
 * @example nr.scatterND([[0], [2], [0]], nr.tensor([1, 2, 3]), [4]) // [4, 0, 2, 0]
 */
export function scatterND(indices: Operand, updates: Operand, shape: readonly number[]): Tensor {
  const it = indexArg(indices, 'scatterND', 'indices');
  const ut = toTensor(updates, 'scatterND', 'updates');
  const outShape = assertShape('scatterND', 'shape', shape);
  assertAddable('scatterND', 'updates', ut);
  if (outShape.length === 0)
    throw new ShapeError('scatterND: shape must have rank >= 1, received []');
  if (it.rank === 0)
    throw new ShapeError('scatterND: indices must have rank >= 1, received a scalar');
  const tuples = it.rank === 1 ? it.reshape([it.shape[0], 1]) : it;
  const depth = tuples.shape[tuples.rank - 1];
  if (depth > outShape.length) {
    throw new ShapeError(
      `scatterND: the last dimension of indices (${depth}) must be <= the output rank (${outShape.length}); received indices shape ${show(it.shape)}, shape ${show(outShape)}`,
    );
  }
  const expected = gatherNDShape(outShape, tuples.shape);
  if (!shapesEqual(ut.shape, expected)) {
    throw new ShapeError(
      `scatterND: updates must have shape ${show(expected)} for indices of shape ${show(it.shape)} and output shape ${show(outShape)}, received ${show(ut.shape)}`,
    );
  }
  return ENGINE.run1('scatterND', [tuples, ut], { shape: outShape });
}

/**
 * The k largest entries along the last axis and their int32 indices, largest first (ties: lower index
 * first; NaN counts as largest). Results are always sorted, which `sorted = false` also allows.
 * @example const { values, indices } = nr.topk(nr.tensor([1, 5, 3]), 2) // [5, 3], [1, 2]
 */
export function topk(x: Operand, k = 1, sorted = true): { values: Tensor; indices: Tensor } {
  const xt = toTensor(x, 'topk', 'x');
  // tfjs's phrases after the op's name, so code that matches on them keeps working
  if (xt.rank === 0)
    throw new ShapeError(
      'topk: topk() expects the input to be of rank 1 or higher, received a scalar',
    );
  const last = xt.shape[xt.rank - 1];
  if (!Number.isInteger(k))
    throw new ArgumentError(`topk: k must be an integer, received ${show(k)}`);
  if (k < 0) throw new ArgumentError(`topk: 'k' passed to topk() must be >= 0, received ${k}`);
  if (k > last)
    throw new ArgumentError(
      `topk: 'k' passed to topk() must be <= the last dimension (${last}), received ${k}`,
    );
  if (typeof sorted !== 'boolean')
    throw new ArgumentError(`topk: sorted must be a boolean, received ${show(sorted)}`);
  const indices = ENGINE.run1('topkIndices', [xt], { k });
  // Values as a batched gather of the indices, so they carry gradients back to x.
  const values = gather(xt, indices, xt.rank - 1, xt.rank - 1);
  return { values, indices };
}

/**
 * Keeps the slices of `tensor` where the bool `mask` is true; mask's shape must match
 * tensor.shape[axis : axis + mask.rank], and those dimensions become one. Async: the output shape
 * depends on the mask's values.
 * @example await nr.booleanMaskAsync(nr.tensor([[1, 2], [3, 4], [5, 6]]), [true, false, true]) // [[1, 2], [5, 6]]
 */
export async function booleanMaskAsync(tensor: Operand, mask: Operand, axis = 0): Promise<Tensor> {
  const tt = toTensor(tensor, 'booleanMaskAsync', 'tensor');
  const mt = maskArg(mask, 'booleanMaskAsync');
  if (mt.rank === 0)
    throw new ShapeError('booleanMaskAsync: mask must have rank >= 1, received a scalar');
  const ax = normalizeAxis('booleanMaskAsync', axis, tt.rank);
  const span = tt.shape.slice(ax, ax + mt.rank);
  if (!shapesEqual(span, mt.shape)) {
    throw new ShapeError(
      `booleanMaskAsync: mask's shape ${show(mt.shape)} must match tensor's dimensions ${ax}..${ax + mt.rank - 1}, received tensor shape ${show(tt.shape)} with axis ${ax}`,
    );
  }
  const bits = await mt.data();
  const positions: number[] = [];
  for (let i = 0; i < bits.length; i++) if (bits[i]) positions.push(i);
  const merged = [...tt.shape.slice(0, ax), sizeOf(span), ...tt.shape.slice(ax + mt.rank)];
  const out = tidy(() => gather(tt.reshape(merged), indexTensor(positions), ax));
  if (!(tensor instanceof Tensor)) tt.dispose();
  if (!(mask instanceof Tensor)) mt.dispose();
  return out;
}

/**
 * The distinct slices of x along `axis` in order of first appearance, and for each position along the
 * axis the int32 index of its slice in `values` (tfjs `unique`). Async: the output shape depends on
 * x's values. NaNs count as equal to each other, and -0 as equal to 0.
 * @example const { values, indices } = await nr.uniqueAsync([1, 1, 2, 4, 4]) // [1, 2, 4], [0, 0, 1, 2, 2]
 */
export async function uniqueAsync(
  x: Operand,
  axis = 0,
): Promise<{ values: Tensor; indices: Tensor }> {
  const xt = toTensorAny(x, 'uniqueAsync', 'x');
  const data = await xt.data<DType>();
  const out = uniqueFromValues('uniqueAsync', xt, axis, () => data);
  if (!(x instanceof Tensor)) xt.dispose();
  return out;
}

/**
 * unique's work once x's values are read (`read` gives them: dataSync for the sync op, awaited data
 * for the async one). NaNs count as equal to each other, and -0 as equal to 0.
 * @example uniqueFromValues('unique', x, 0, (t) => t.dataSync())
 */
export function uniqueFromValues(
  op: string,
  x: Operand,
  axis: number,
  read: (t: Tensor) => ArrayLike<number | string>,
): { values: Tensor; indices: Tensor } {
  const xt = toTensorAny(x, op, 'x');
  if (xt.rank === 0) throw new ShapeError(`${op}: x must have rank >= 1, received a scalar`);
  const ax = normalizeAxis(op, axis, xt.rank);
  const data = read(xt);
  const outer = sizeOf(xt.shape.slice(0, ax));
  const dim = xt.shape[ax];
  const inner = sizeOf(xt.shape.slice(ax + 1));
  const firstOf = new Map<string, number>();
  const firsts: number[] = [];
  const inverse = new Int32Array(dim);
  for (let j = 0; j < dim; j++) {
    const slice: (number | string)[] = [];
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) slice.push(data[(o * dim + j) * inner + i]);
    // strings may hold commas: quote them; numbers keep String's NaN and -0 → '0'
    const key = xt.dtype === 'string' ? JSON.stringify(slice) : slice.join(',');
    let u = firstOf.get(key);
    if (u === undefined) {
      u = firsts.length;
      firstOf.set(key, u);
      firsts.push(j);
    }
    inverse[j] = u;
  }
  const values = tidy(() => gather(xt, indexTensor(firsts), ax));
  const indices = createTensor(inverse, [dim], 'int32');
  if (xt !== x) xt.dispose();
  return { values, indices };
}

/** Source positions along one axis of size d padded by (before, after), mirrored at the edges. */
function mirrorIndices(
  d: number,
  before: number,
  after: number,
  mode: 'reflect' | 'symmetric',
): number[] {
  // reflect excludes the edge value from the mirror image; symmetric repeats it.
  const shift = mode === 'reflect' ? 0 : 1;
  const out: number[] = [];
  for (let p = -before; p < d + after; p++) {
    if (p < 0) out.push(-p - shift);
    else if (p >= d) out.push(2 * d - 2 + shift - p);
    else out.push(p);
  }
  return out;
}

/**
 * Pads x by mirroring it at its edges: 'reflect' leaves the edge value out of the mirror image
 * (each pad <= dim - 1), 'symmetric' repeats it (each pad <= dim). Built from gathers, so it is differentiable.
 * @example nr.mirrorPad(nr.tensor([1, 2, 3]), [[0, 2]], 'reflect') // [1, 2, 3, 2, 1]
 * @example nr.mirrorPad(nr.tensor([1, 2, 3]), [[0, 2]], 'symmetric') // [1, 2, 3, 3, 2]
 */
export function mirrorPad(
  x: Operand,
  paddings: readonly (readonly [number, number])[],
  mode: 'reflect' | 'symmetric',
): Tensor {
  if (mode !== 'reflect' && mode !== 'symmetric')
    throw new ArgumentError(
      `mirrorPad: mode must be 'reflect' or 'symmetric', received ${show(mode)}`,
    );
  const xt = toTensor(x, 'mirrorPad', 'x');
  if (xt.rank === 0) throw new ShapeError('mirrorPad: x must have rank >= 1, received a scalar');
  const pairs =
    Array.isArray(paddings) &&
    paddings.length === xt.rank &&
    paddings.every(
      (p) => Array.isArray(p) && p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 0),
    );
  if (!pairs)
    throw new ArgumentError(
      `mirrorPad: paddings must be ${xt.rank} pairs of non-negative integers, received ${show(paddings)}`,
    );
  const limit = mode === 'reflect' ? 1 : 0;
  paddings.forEach(([before, after], i) => {
    const max = xt.shape[i] - limit;
    if (before > max || after > max) {
      throw new ArgumentError(
        `mirrorPad: in '${mode}' mode each padding of dimension ${i} (size ${xt.shape[i]}) must be <= ${max}, received ${show([before, after])}`,
      );
    }
  });
  return tidy(() => {
    let y = xt;
    paddings.forEach(([before, after], i) => {
      if (before > 0 || after > 0)
        y = gather(y, indexTensor(mirrorIndices(xt.shape[i], before, after, mode)), i);
    });
    return y === xt ? xt.clone() : y;
  });
}

/**
 * How often each value in [0, size) occurs in an int32 vector, or, with weights of x's shape, the sum of
 * the weights where it occurs (tfjs bincount). Values outside [0, size) are ignored. The output has x's
 * weights' dtype (float32 without weights); gradients flow to the weights.
 * @example nr.bincount(nr.tensor([1, 1, 3], [3], 'int32'), [], 4) // [0, 2, 0, 1]
 */
export function bincount(x: Operand, weights: Operand, size: number): Tensor {
  const xt = toTensor(x, 'bincount', 'x');
  if (xt.dtype !== 'int32')
    throw new DTypeError(`bincount: x must be int32, received dtype '${xt.dtype}'`);
  if (xt.rank !== 1)
    throw new ShapeError(`bincount: x must have rank 1, received shape ${show(xt.shape)}`);
  assertNonNegInt('bincount', 'size', size);
  const wt = toTensor(weights, 'bincount', 'weights');
  if (wt.size > 0 && !shapesEqual(wt.shape, xt.shape))
    throw new ShapeError(
      `bincount: weights must be empty or have x's shape ${show(xt.shape)}, received shape ${show(wt.shape)}`,
    );
  if (wt.size > 0 && wt.dtype === 'bool')
    throw new DTypeError("bincount: weights must be numbers, received dtype 'bool'");
  const inputs = wt.size > 0 ? [xt, wt] : [xt];
  return ENGINE.run1('bincount', inputs, { size, binaryOutput: false });
}

export const gatherRules = {
  gather: {
    forward: (b, [x, indices], { axis, batchDims }) => {
      const shape = gatherShape(x.shape, indices.shape, axis, batchDims);
      return one(
        b.run('gather', [x, indices], { axis, batchDims, outShape: shape }),
        shape,
        x.dtype,
      );
    },
    // dx = scatterAdd(dy, indices) into x's shape: each slice of x gets the sum of the dy slices that read it
    vjp: ([dy], [x, indices], _y, { axis, batchDims }) => [
      isFloatDType(x.dtype)
        ? ENGINE.run1('scatterAdd', [dy, indices], { axis, batchDims, shape: x.shape })
        : null,
      null,
    ],
  },
  scatterAdd: {
    forward: (b, [updates, indices], { axis, batchDims, shape }) =>
      one(
        b.run('scatterAdd', [updates, indices], { axis, batchDims, outShape: shape }),
        shape,
        updates.dtype,
      ),
    // linear in updates with gather as its adjoint: dupdates = gather(dy, indices)
    vjp: ([dy], [_updates, indices], _y, { axis, batchDims }) => [
      ENGINE.run1('gather', [dy, indices], { axis, batchDims }),
      null,
    ],
  },
  gatherND: {
    forward: (b, [x, indices]) => {
      const shape = gatherNDShape(x.shape, indices.shape);
      return one(b.run('gatherND', [x, indices], { outShape: shape }), shape, x.dtype);
    },
    // dx = scatterND(indices, dy) into x's shape (repeated tuples add up)
    vjp: ([dy], [x, indices]) => [
      isFloatDType(x.dtype) ? ENGINE.run1('scatterND', [indices, dy], { shape: x.shape }) : null,
      null,
    ],
  },
  scatterND: {
    forward: (b, [indices, updates], { shape }) =>
      one(b.run('scatterND', [indices, updates], { outShape: shape }), shape, updates.dtype),
    // linear in updates with gatherND as its adjoint: dupdates = gatherND(dy, indices)
    vjp: ([dy], [indices]) => [null, ENGINE.run1('gatherND', [dy, indices], {})],
  },
  topkIndices: {
    forward: (b, [x], { k }) => {
      const shape = [...x.shape.slice(0, -1), k];
      return one(b.run('topkIndices', [x], { k }), shape, 'int32');
    },
    // indices are piecewise constant; values get their gradient through gather
    vjp: null,
  },
  bincount: {
    forward: (b, inputs, { size, binaryOutput }) => {
      const [x, weights] = inputs;
      const shape = [...x.shape.slice(0, -1), size];
      const dtype = weights ? weights.dtype : 'float32';
      return one(b.run('bincount', inputs, { size, binaryOutput, dtype }), shape, dtype);
    },
    // out[r, v] = sum of w[r, i] over x[r, i] == v: dw[r, i] = dy[r, x[r, i]], 0 where x is out of range
    vjp: ([dy], [x, weights], _y, { size, binaryOutput }) => {
      if (!weights || binaryOutput || !isFloatDType(weights.dtype)) return [null, null];
      const inRange = x.greaterEqual(0).logicalAnd(x.less(size));
      const at = x.clipByValue(0, Math.max(size - 1, 0));
      const picked = gather(dy, at, x.rank - 1, x.rank - 1);
      return [null, inRange.where(picked, 0)];
    },
  },
} satisfies Pick<
  RuleTable,
  'gather' | 'scatterAdd' | 'gatherND' | 'scatterND' | 'topkIndices' | 'bincount'
>;
