// Movement ops: reshape, transpose, slices, reverse, broadcast, tile, pad, concat, stack, split.
// All strided views go through one backend kernel (copyStrided) and its adjoint (scatterStrided).
import { type TensorLike, upcast } from '../core/dtype.js';
import { ENGINE } from '../core/engine.js';
import { ArgumentError, ShapeError, show } from '../core/errors.js';
import { one, type RuleTable } from '../core/primitives.js';
import {
  assertPerm,
  assertShape,
  broadcastShapes,
  inferReshape,
  normalizeAxes,
  normalizeAxis,
  shapesEqual,
  sizeOf,
  type Shape,
} from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { toTensor, toTensorAny } from './convert.js';
import { conj } from './complex_view.js';
import { tidy } from '../core/memory.js';
import { sumToShape } from './reduce_util.js';
import { broadcastView, sliceView, transposeView } from '../core/strided.js';
import { withGradient } from '../autograd/grad.js';

type Operand = Tensor | TensorLike;

/** Reshapes (one dimension may be -1); shares the buffer. @example nr.reshape(x, [2, -1]) */
export function reshape(x: Operand, shape: readonly number[]): Tensor {
  const xt = toTensorAny(x, 'reshape', 'x');
  if (!Array.isArray(shape))
    throw new ArgumentError(`reshape: shape must be an array, received ${show(shape)}`);
  const s = inferReshape('reshape', shape, xt.size);
  return ENGINE.run1('reshape', [xt], { shape: s });
}

/** A new handle on the same values. @example const y = nr.clone(x) */
export function clone(x: Operand): Tensor {
  const xt = toTensorAny(x, 'clone', 'x');
  return ENGINE.run1('reshape', [xt], { shape: xt.shape });
}

/**
 * Permutes dimensions (reverses them by default); `conjugate` also conjugates a complex64 tensor (the
 * conjugate transpose, as tfjs). @example nr.transpose(x, [1, 0])
 */
export function transpose(x: Operand, perm?: readonly number[], conjugate = false): Tensor {
  const xt = toTensorAny(x, 'transpose', 'x');
  const p = perm ?? Array.from({ length: xt.rank }, (_, i) => xt.rank - 1 - i);
  assertPerm('transpose', p, xt.rank);
  if (conjugate && xt.dtype === 'complex64') return tidy(() => conj(transpose(xt, p)));
  if (p.every((v, i) => v === i)) return xt.clone();
  return ENGINE.run1('transpose', [xt], { perm: p });
}

/**
 * A contiguous block: `begin` per dimension, `size` per dimension (-1 = to the end).
 * @example nr.slice(x, [0, 1], [2, -1])
 */
export function slice(
  x: Operand,
  begin: number | readonly number[],
  size?: number | readonly number[],
): Tensor {
  const xt = toTensorAny(x, 'slice', 'x');
  const b =
    typeof begin === 'number'
      ? [begin, ...Array<number>(Math.max(0, xt.rank - 1)).fill(0)]
      : [...begin];
  const s = size === undefined ? [] : typeof size === 'number' ? [size] : [...size];
  if (b.length > xt.rank)
    throw new ArgumentError(
      `slice: begin has ${b.length} entries for a rank-${xt.rank} tensor (shape ${show(xt.shape)})`,
    );
  while (b.length < xt.rank) b.push(0);
  const sz = xt.shape.map((d, i) => {
    const v = s[i] ?? -1;
    return v === -1 ? d - b[i] : v;
  });
  for (let i = 0; i < xt.rank; i++) {
    if (b[i] < 0)
      throw new ArgumentError(
        `slice: begin ${show(b)} is negative at dimension ${i}: slice() does not support negative begin indexing (count from the end with shape[i] - n)`,
      );
    if (
      !Number.isInteger(b[i]) ||
      !Number.isInteger(sz[i]) ||
      sz[i] < 0 ||
      b[i] + sz[i] > xt.shape[i]
    ) {
      throw new ArgumentError(
        `slice: begin ${show(b)} and size ${show(sz)} do not fit in shape ${show(xt.shape)} (dimension ${i})`,
      );
    }
  }
  return ENGINE.run1('slice', [xt], { begin: b, size: sz, strides: b.map(() => 1) });
}

const bit = (mask: number, i: number) => (mask & (1 << i)) !== 0;

/**
 * TensorFlow's strided slice: begin/end/strides with begin, end, ellipsis, new-axis and shrink-axis masks.
 * @example nr.stridedSlice(x, [0], [4], [2]) // every other element
 * @example nr.stridedSlice(x, [-1], [0], [-1], 0, 1) // reversed
 */
export function stridedSlice(
  x: Operand,
  begin: readonly number[],
  end: readonly number[],
  strides?: readonly number[],
  beginMask = 0,
  endMask = 0,
  ellipsisMask = 0,
  newAxisMask = 0,
  shrinkAxisMask = 0,
): Tensor {
  const xt = toTensorAny(x, 'stridedSlice', 'x');
  const st = strides ?? begin.map(() => 1);
  if (begin.length !== end.length || begin.length !== st.length) {
    throw new ArgumentError(
      `stridedSlice: begin, end and strides must have the same length, received ${begin.length}, ${end.length}, ${st.length}`,
    );
  }
  if ((ellipsisMask & (ellipsisMask - 1)) !== 0)
    throw new ArgumentError(
      `stridedSlice: at most one ellipsis is allowed, received ellipsisMask=${ellipsisMask}`,
    );
  const n = begin.length;
  const consumed = Array.from(
    { length: n },
    (_, i) => !bit(newAxisMask, i) && !bit(ellipsisMask, i),
  ).filter(Boolean).length;
  const sb: number[] = [];
  const ss: number[] = [];
  const sst: number[] = [];
  const outShape: number[] = [];
  let dim = 0;
  const full = () => {
    sb.push(0);
    ss.push(xt.shape[dim]);
    sst.push(1);
    outShape.push(xt.shape[dim]);
    dim++;
  };
  for (let i = 0; i < n; i++) {
    if (bit(ellipsisMask, i)) {
      const count = xt.rank - consumed;
      for (let k = 0; k < count; k++) full();
      continue;
    }
    if (bit(newAxisMask, i)) {
      outShape.push(1);
      continue;
    }
    if (dim >= xt.rank)
      throw new ArgumentError(
        `stridedSlice: the slice spec indexes more dimensions than the tensor has (shape ${show(xt.shape)})`,
      );
    const d = xt.shape[dim];
    const s = st[i];
    if (!Number.isInteger(s) || s === 0)
      throw new ArgumentError(
        `stridedSlice: strides must be non-zero integers, received ${show(st)}`,
      );
    if (bit(shrinkAxisMask, i)) {
      let b = begin[i] < 0 ? begin[i] + d : begin[i];
      if (b < 0 || b >= d)
        throw new ArgumentError(
          `stridedSlice: index ${begin[i]} is out of range for dimension ${dim} of size ${d}`,
        );
      b = Math.trunc(b);
      sb.push(b);
      ss.push(1);
      sst.push(1);
      dim++;
      continue;
    }
    const lo = s > 0 ? 0 : -1;
    const hi = s > 0 ? d : d - 1;
    const clamp = (v: number) => Math.min(Math.max(v, lo), hi);
    const b = bit(beginMask, i)
      ? s > 0
        ? 0
        : d - 1
      : clamp(begin[i] < 0 ? begin[i] + d : begin[i]);
    const e = bit(endMask, i) ? (s > 0 ? d : -1) : clamp(end[i] < 0 ? end[i] + d : end[i]);
    const size = s > 0 ? Math.max(0, Math.ceil((e - b) / s)) : Math.max(0, Math.ceil((b - e) / -s));
    sb.push(size === 0 ? 0 : b);
    ss.push(size);
    sst.push(s);
    outShape.push(size);
    dim++;
  }
  while (dim < xt.rank) full();
  const sliced = ENGINE.run1('slice', [xt], { begin: sb, size: ss, strides: sst });
  return shapesEqual(sliced.shape, outShape) ? sliced : sliced.reshape(outShape);
}

/** Reverses along axes (all by default). @example nr.reverse(nr.tensor([1, 2, 3])) // [3, 2, 1] */
export function reverse(x: Operand, axis?: number | readonly number[]): Tensor {
  const xt = toTensorAny(x, 'reverse', 'x');
  const axes = normalizeAxes('reverse', axis, xt.rank);
  const begin = xt.shape.map((d, i) => (axes.includes(i) && d > 0 ? d - 1 : 0));
  const strides = xt.shape.map((_, i) => (axes.includes(i) ? -1 : 1));
  return ENGINE.run1('slice', [xt], { begin, size: xt.shape, strides });
}

/** Inserts a size-1 dimension. @example nr.expandDims(nr.tensor([1, 2]), 1).shape // [2, 1] */
export function expandDims(x: Operand, axis = 0): Tensor {
  const xt = toTensorAny(x, 'expandDims', 'x');
  const ax = normalizeAxis('expandDims', axis, xt.rank + 1);
  const shape = xt.shape.slice();
  shape.splice(ax, 0, 1);
  return xt.reshape(shape);
}

/**
 * Removes size-1 dimensions (those in `axis`, or all when `axis` is absent or empty, as in tfjs).
 * @example nr.squeeze(nr.zeros([1, 3, 1])).shape // [3]
 */
export function squeeze(x: Operand, axis?: readonly number[]): Tensor {
  const xt = toTensorAny(x, 'squeeze', 'x');
  const axes =
    axis === undefined || axis.length === 0
      ? xt.shape.flatMap((d, i) => (d === 1 ? [i] : []))
      : normalizeAxes('squeeze', axis, xt.rank);
  for (const a of axes) {
    if (xt.shape[a] !== 1)
      throw new ShapeError(
        `squeeze: dimension ${a} has size ${xt.shape[a]}, not 1 (shape ${show(xt.shape)})`,
      );
  }
  return xt.reshape(xt.shape.filter((_, i) => !axes.includes(i)));
}

/** Broadcasts to a shape (numpy rules). @example nr.broadcastTo(nr.tensor([1, 2]), [3, 2]) */
export function broadcastTo(x: Operand, shape: readonly number[]): Tensor {
  const xt = toTensorAny(x, 'broadcastTo', 'x');
  assertShape('broadcastTo', 'shape', shape);
  const target = shape.slice();
  if (!shapesEqual(broadcastShapes('broadcastTo', xt.shape, target), target)) {
    throw new ShapeError(
      `broadcastTo: shape ${show(xt.shape)} cannot be broadcast to ${show(shape)}`,
    );
  }
  if (shapesEqual(xt.shape, target)) return xt.clone();
  return ENGINE.run1('broadcastTo', [xt], { shape: target });
}

/** Repeats the tensor `reps[i]` times along each axis. @example nr.tile(nr.tensor([1, 2]), [2]) // [1, 2, 1, 2] */
export function tile(x: Operand, reps: readonly number[]): Tensor {
  const xt = toTensorAny(x, 'tile', 'x');
  if (reps.length !== xt.rank || !reps.every((r) => Number.isInteger(r) && r >= 0)) {
    throw new ArgumentError(
      `tile: reps must have one non-negative integer per dimension (rank ${xt.rank}), received ${show(reps)}`,
    );
  }
  // [d0, d1] -> [1, d0, 1, d1] -> broadcast [r0, d0, r1, d1] -> [r0*d0, r1*d1]
  const inter = xt.shape.flatMap((d) => [1, d]);
  const big = xt.shape.flatMap((d, i) => [reps[i], d]);
  return tidy(() =>
    xt
      .reshape(inter)
      .broadcastTo(big)
      .reshape(xt.shape.map((d, i) => d * reps[i])),
  );
}

function checkPaddings(
  op: string,
  x: Tensor,
  paddings: readonly (readonly [number, number])[],
): void {
  if (
    paddings.length !== x.rank ||
    !paddings.every(
      (p) => Array.isArray(p) && p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 0),
    )
  ) {
    throw new ArgumentError(
      `${op}: paddings must be ${x.rank} pairs of non-negative integers, received ${show(paddings)}`,
    );
  }
}

/** Pads with a constant. @example nr.pad(x, [[1, 1], [0, 2]]) */
export function pad(
  x: Operand,
  paddings: readonly (readonly [number, number])[],
  constantValue = 0,
): Tensor {
  const xt = toTensor(x, 'pad', 'x');
  checkPaddings('pad', xt, paddings);
  return ENGINE.run1('padConstant', [xt], {
    paddings: paddings.map((p) => [p[0], p[1]] as const),
    value: constantValue,
  });
}

/**
 * Joins tensors along an existing axis.
 * @example nr.concat([a, b], 0)
 */
export function concat(tensors: readonly Operand[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0)
    throw new ArgumentError('concat: tensors must be a non-empty array');
  const ts = tensors.map((t, i) => toTensorAny(t, 'concat', `tensors[${i}]`));
  const rank = ts[0].rank;
  if (rank === 0) throw new ShapeError('concat: cannot concatenate scalars; use stack');
  const ax = normalizeAxis('concat', axis, rank);
  ts.forEach((t, i) => {
    if (t.rank !== rank || t.shape.some((d, k) => k !== ax && d !== ts[0].shape[k])) {
      throw new ShapeError(
        `concat: tensors[${i}] has shape ${show(t.shape)}, which does not match tensors[0] ${show(ts[0].shape)} outside axis ${ax}`,
      );
    }
  });
  if (ts.length === 1) return ts[0].clone();
  const dt = ts.map((t) => t.dtype).reduce((a, b) => upcast(a, b, 'concat'));
  return tidy(() =>
    ENGINE.run1(
      'concat',
      ts.map((t) => (t.dtype === dt ? t : t.cast(dt))),
      { axis: ax },
    ),
  );
}

/** Stacks same-shaped tensors along a new axis. @example nr.stack([a, b], 1) */
export function stack(tensors: readonly Operand[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0)
    throw new ArgumentError('stack: tensors must be a non-empty array');
  const ts = tensors.map((t, i) => toTensorAny(t, 'stack', `tensors[${i}]`));
  ts.forEach((t, i) => {
    if (!shapesEqual(t.shape, ts[0].shape))
      throw new ShapeError(
        `stack: tensors[${i}] has shape ${show(t.shape)}, expected ${show(ts[0].shape)}`,
      );
  });
  const ax = normalizeAxis('stack', axis, ts[0].rank + 1);
  return tidy(() =>
    concat(
      ts.map((t) => expandDims(t, ax)),
      ax,
    ),
  );
}

/** Splits along an axis into size-1 pieces, removing the axis. @example const [a, b] = nr.unstack(x) */
export function unstack(x: Operand, axis = 0): Tensor[] {
  const xt = toTensorAny(x, 'unstack', 'x');
  const ax = normalizeAxis('unstack', axis, xt.rank);
  const shape = xt.shape.filter((_, i) => i !== ax);
  const sizes = Array<number>(xt.shape[ax]).fill(1);
  // one recorded op, so the gradient is one stack of the pieces' gradients (see split)
  return withGradient(
    [xt],
    () => tidy(() => slices(xt, sizes, ax).map((p) => p.reshape(shape))),
    (dys) => [stack(dys, ax)],
  );
}

/**
 * Splits into `n` equal parts or parts of the given sizes (one may be -1).
 * @example const [a, b] = nr.split(x, 2, 1)
 * @example nr.split(x, [1, -1])
 */
export function split(x: Operand, numOrSizeSplits: number | readonly number[], axis = 0): Tensor[] {
  const xt = toTensorAny(x, 'split', 'x');
  const ax = normalizeAxis('split', axis, xt.rank);
  const d = xt.shape[ax];
  let sizes: number[];
  if (typeof numOrSizeSplits === 'number') {
    if (!Number.isInteger(numOrSizeSplits) || numOrSizeSplits < 1 || d % numOrSizeSplits !== 0) {
      throw new ArgumentError(
        `split: ${show(numOrSizeSplits)} does not evenly divide dimension ${ax} of size ${d}`,
      );
    }
    sizes = Array<number>(numOrSizeSplits).fill(d / numOrSizeSplits);
  } else {
    sizes = splitSizes(numOrSizeSplits, d);
  }
  // NOTE: recorded as one op. Each slice's own gradient is a scatter of its piece into zeros of x's
  // shape, and the tape adds those up: N full-size scatters and N - 1 full-size adds, quadratic in N
  // (an RNN unstacks its inputs over time). The whole split's gradient is one concat of the pieces'.
  return withGradient(
    [xt],
    () => slices(xt, sizes, ax),
    (dys) => [concat(dys, ax)],
  );
}

/** The consecutive slices of `x` along `axis` with these sizes (adding up to the axis). */
function slices(x: Tensor, sizes: readonly number[], axis: number): Tensor[] {
  let start = 0;
  return sizes.map((s) => {
    const begin = x.shape.map((_, i) => (i === axis ? start : 0));
    const size = x.shape.map((dim, i) => (i === axis ? s : dim));
    start += s;
    return slice(x, begin, size);
  });
}

/** Resolves split sizes that must add up to `d`, one of them possibly -1. */
function splitSizes(sizes: readonly number[], d: number): number[] {
  const unknown = sizes.filter((v) => v === -1).length;
  const known = sizes.reduce((acc, v) => (v === -1 ? acc : acc + v), 0);
  const bad =
    unknown > 1 ||
    sizes.some((v) => !Number.isInteger(v) || v < -1) ||
    (unknown ? known > d : known !== d);
  if (bad)
    throw new ArgumentError(
      `split: sizes ${show(sizes)} must be non-negative integers (at most one -1) adding up to ${d}`,
    );
  return sizes.map((v) => (v === -1 ? d - known : v));
}

export const movementRules = {
  reshape: {
    forward: (_b, [x], { shape }) => [{ dataId: x.dataId, shape, dtype: x.dtype }],
    vjp: ([dy], [x]) => [dy.reshape(x.shape)],
  },
  transpose: {
    forward: (b, [x], { perm }) => {
      const shape = perm.map((p) => x.shape[p]);
      const { strides } = transposeView(x.shape, perm);
      return one(
        b.run('copyStrided', [x], { outShape: shape, offset: 0, strides }),
        shape,
        x.dtype,
      );
    },
    // the inverse permutation
    vjp: ([dy], _x, _y, { perm }) => {
      const inv = new Array<number>(perm.length);
      perm.forEach((p, i) => (inv[p] = i));
      return [dy.transpose(inv)];
    },
  },
  slice: {
    forward: (b, [x], { begin, size, strides }) => {
      const g = sliceView(x.shape, begin, strides);
      return one(
        b.run('copyStrided', [x], { outShape: size, offset: g.offset, strides: g.strides }),
        size,
        x.dtype,
      );
    },
    vjp: ([dy], [x], _y, { begin, strides }) => [
      ENGINE.run1('sliceGrad', [dy], { shape: x.shape, begin, strides }),
    ],
  },
  sliceGrad: {
    forward: (b, [dy], { shape, begin, strides }) => {
      const g = sliceView(shape, begin, strides);
      return one(
        b.run('scatterStrided', [dy], {
          size: sizeOf(shape),
          offset: g.offset,
          strides: g.strides,
        }),
        shape,
        dy.dtype,
      );
    },
    vjp: ([ddx], [dy], _y, { begin, strides }) => [
      ENGINE.run1('slice', [ddx], { begin, size: dy.shape, strides }),
    ],
  },
  broadcastTo: {
    forward: (b, [x], { shape }) => {
      const { strides } = broadcastView(x.shape, shape);
      return one(
        b.run('copyStrided', [x], { outShape: shape, offset: 0, strides }),
        shape,
        x.dtype,
      );
    },
    vjp: ([dy], [x]) => [sumToShape(dy, x.shape)],
  },
  concat: {
    forward: (b, xs, { axis }) => {
      const shape = xs[0].shape.slice();
      shape[axis] = xs.reduce((acc, t) => acc + t.shape[axis], 0);
      return one(b.run('concat', xs, { axis, outShape: shape }), shape, xs[0].dtype);
    },
    // each input gets its slice of dy
    vjp: ([dy], xs, _y, { axis }) =>
      split(
        dy,
        xs.map((t) => t.shape[axis]),
        axis,
      ),
  },
  padConstant: {
    forward: (b, [x], { paddings, value }) => {
      const shape = x.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
      return one(b.run('padConstant', [x], { paddings, value, outShape: shape }), shape, x.dtype);
    },
    // the unpadded window of dy
    vjp: ([dy], [x], _y, { paddings }) => [
      slice(
        dy,
        paddings.map((p) => p[0]),
        x.shape,
      ),
    ],
  },
} satisfies Pick<
  RuleTable,
  'reshape' | 'transpose' | 'slice' | 'sliceGrad' | 'broadcastTo' | 'concat' | 'padConstant'
>;
