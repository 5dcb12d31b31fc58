// Reductions (sum, mean, prod, max, min, any, all, argMax/argMin), logSumExp, moments, norm, cumsum/cumprod.
import { ENGINE } from '../core/engine.js';
import { ArgumentError, show } from '../core/errors.js';
import { one, reduceDType, type RuleTable } from '../core/primitives.js';
import { normalizeAxes, normalizeAxis, reducedShape, sizeOf } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import type { ReduceOp } from '../backends/backend.js';
import { isFloatDType, type TensorLike } from '../core/dtype.js';
import { argDTypeError, toTensor, toTensorAs } from './convert.js';
import { tidy } from '../core/memory.js';
import { stopGradient } from '../autograd/grad.js';

type Operand = Tensor | TensorLike;
type Axis = number | readonly number[];

function reduceOutDType(op: ReduceOp, x: Tensor): Tensor['dtype'] {
  if (op === 'any' || op === 'all') return 'bool';
  if (op === 'sum' || op === 'prod') return x.dtype === 'bool' ? 'int32' : x.dtype;
  return x.dtype;
}

function runReduce(op: ReduceOp, xIn: Operand, axis: Axis | undefined, keepDims: boolean): Tensor {
  // tidy: the casts, transposes and reshapes made on the way are freed.
  return tidy(() => reduceIn(op, xIn, axis, keepDims));
}

function reduceIn(op: ReduceOp, xIn: Operand, axis: Axis | undefined, keepDims: boolean): Tensor {
  // tfjs parses plain values given to any/all as bool (numbers by != 0)
  const x =
    op === 'any' || op === 'all' ? toTensorAs(xIn, op, 'x', 'bool') : toTensor(xIn, op, 'x');
  if ((op === 'any' || op === 'all') && x.dtype !== 'bool')
    throw argDTypeError(op, 'x', 'bool', x.dtype);
  const axes = normalizeAxes(op, axis, x.rank);
  let input = x;
  if ((op === 'sum' || op === 'prod') && x.dtype === 'bool') input = x.cast('int32');
  let y: Tensor;
  if (op === 'prod' && axes.length > 1) {
    // Move the reduced axes last and merge them, so prod's exact gradient (one axis) applies.
    const rest = Array.from({ length: x.rank }, (_, i) => i).filter((i) => !axes.includes(i));
    const moved = input.transpose([...rest, ...axes]);
    const merged = moved.reshape([
      ...rest.map((i) => x.shape[i]),
      sizeOf(axes.map((i) => x.shape[i])),
    ]);
    y = ENGINE.run1('reduce', [merged], { op, axes: [rest.length] });
  } else {
    // keepDims rides on the primitive: the kept 1s change the shape, not the buffer
    if (axes.length) return ENGINE.run1('reduce', [input], { op, axes, keepDims });
    y = input.clone();
  }
  return keepDims ? y.reshape(reducedShape(x.shape, axes, true)) : y;
}

/** Sum over axes (all by default). @example nr.sum(nr.tensor([[1, 2], [3, 4]]), 1) // [3, 7] */
export function sum(x: Operand, axis?: Axis, keepDims = false): Tensor {
  return runReduce('sum', x, axis, keepDims);
}

/** Product over axes. @example nr.prod(nr.tensor([2, 3])) // 6 */
export function prod(x: Operand, axis?: Axis, keepDims = false): Tensor {
  return runReduce('prod', x, axis, keepDims);
}

/** Maximum over axes. @example nr.max(x, -1) */
export function max(x: Operand, axis?: Axis, keepDims = false): Tensor {
  return runReduce('max', x, axis, keepDims);
}

/** Minimum over axes. @example nr.min(x, -1) */
export function min(x: Operand, axis?: Axis, keepDims = false): Tensor {
  return runReduce('min', x, axis, keepDims);
}

/** Logical OR over axes of a bool tensor. @example nr.any(mask) */
export function any(x: Operand, axis?: Axis, keepDims = false): Tensor {
  return runReduce('any', x, axis, keepDims);
}

/** Logical AND over axes of a bool tensor. @example nr.all(mask) */
export function all(x: Operand, axis?: Axis, keepDims = false): Tensor {
  return runReduce('all', x, axis, keepDims);
}

/** Mean over axes (float result: float16 stays float16, ints give float32). @example nr.mean(nr.tensor([1, 2, 3])) // 2 */
export function mean(x: Operand, axis?: Axis, keepDims = false): Tensor {
  return tidy(() => meanIn(x, axis, keepDims));
}

function meanIn(x: Operand, axis: Axis | undefined, keepDims: boolean): Tensor {
  const xt = toTensor(x, 'mean', 'x');
  const axes = normalizeAxes('mean', axis, xt.rank);
  const n = sizeOf(axes.map((a) => xt.shape[a]));
  // complex64 stays complex (its sum and the division by n act on both parts)
  const f = isFloatDType(xt.dtype) || xt.dtype === 'complex64' ? xt : xt.cast('float32');
  return sum(f, axes, keepDims).div(n);
}

function runArg(op: 'argMax' | 'argMin', xIn: Operand, axis: number): Tensor {
  const x = toTensor(xIn, op, 'x');
  if (x.rank === 0) throw new ArgumentError(`${op}: x must have rank >= 1, received a scalar`);
  const ax = normalizeAxis(op, axis, x.rank);
  if (x.shape[ax] === 0) throw new ArgumentError(`${op}: axis ${ax} has size 0`);
  return ENGINE.run1('argReduce', [x], { op, axis: ax });
}

/** Index of the maximum along an axis (int32; first one on ties). @example nr.argMax(logits, -1) */
export function argMax(x: Operand, axis = 0): Tensor {
  return runArg('argMax', x, axis);
}

/** Index of the minimum along an axis. @example nr.argMin(x, 0) */
export function argMin(x: Operand, axis = 0): Tensor {
  return runArg('argMin', x, axis);
}

/**
 * log(sum(exp(x))) computed stably (the max is subtracted first).
 * @example nr.logSumExp(nr.tensor([1000, 1000])) // 1000.6931
 */
export function logSumExp(x: Operand, axis?: Axis, keepDims = false): Tensor {
  return tidy(() => logSumExpIn(x, axis, keepDims));
}

function logSumExpIn(x: Operand, axis: Axis | undefined, keepDims: boolean): Tensor {
  const given = toTensor(x, 'logSumExp', 'x');
  // float16 input: computed in float32 (exp overflows float16 early), returned as float16, as Keras does
  const xt = given.cast('float32');
  const axes = normalizeAxes('logSumExp', axis, xt.rank);
  const m = stopGradient(max(xt, axes, true));
  // NOTE: an infinite max would make x - m NaN; shifting by 0 there keeps ±Inf results exact.
  const shift = m.isFinite().where(m, 0);
  const lse = xt.sub(shift).exp().sum(axes, true).log().add(shift);
  const out = keepDims ? lse : lse.reshape(reducedShape(xt.shape, axes, false));
  return given.dtype === 'float16' ? out.cast('float16') : out;
}

/**
 * Mean and variance over axes.
 * @example const { mean, variance } = nr.moments(x, [0]);
 */
export function moments(
  x: Operand,
  axis?: Axis,
  keepDims = false,
): { mean: Tensor; variance: Tensor } {
  return tidy(() => momentsIn(x, axis, keepDims));
}

function momentsIn(
  x: Operand,
  axis: Axis | undefined,
  keepDims: boolean,
): { mean: Tensor; variance: Tensor } {
  const given = toTensor(x, 'moments', 'x');
  // float16 input: the statistics are computed in float32 and returned as float16, as Keras does
  const xt = given.cast('float32');
  const axes = normalizeAxes('moments', axis, xt.rank);
  const m = mean(xt, axes, true);
  const variance = mean(xt.squaredDifference(m), axes, keepDims);
  const meanOut = keepDims ? m : m.reshape(reducedShape(xt.shape, axes, false));
  if (given.dtype !== 'float16') return { mean: meanOut, variance };
  return { mean: meanOut.cast('float16'), variance: variance.cast('float16') };
}

/** Order of a norm: 1, 2, Infinity, -Infinity, another p > 0, 'euclidean' or 'fro'. */
export type NormOrd = number | 'euclidean' | 'fro';

/**
 * Vector or matrix norm. With one axis (or a vector): the p-norm. With two axes: 'fro', 1 (max column
 * sum), Infinity (max row sum), -1 and -Infinity (the smallest). With no axis: the flattened tensor's.
 * @example nr.norm(nr.tensor([3, 4])) // 5
 */
export function norm(
  x: Operand,
  ord: NormOrd = 'euclidean',
  axis?: Axis,
  keepDims = false,
): Tensor {
  return tidy(() => normIn(x, ord, axis, keepDims));
}

function normIn(x: Operand, ord: NormOrd, axis: Axis | undefined, keepDims: boolean): Tensor {
  const xt = toTensor(x, 'norm', 'x').cast('float32');
  const axes = axis === undefined ? null : normalizeAxes('norm', axis, xt.rank);
  if (axes === null) {
    const flat = xt.reshape([-1]);
    const n = norm(flat, ord === 'fro' ? 'euclidean' : ord, 0, false);
    return keepDims ? n.reshape(xt.shape.map(() => 1)) : n;
  }
  if (axes.length === 1) {
    const a = xt.abs();
    if (ord === 'euclidean' || ord === 2) return xt.square().sum(axes, keepDims).sqrt();
    if (ord === 1) return a.sum(axes, keepDims);
    if (ord === Infinity) return a.max(axes, keepDims);
    if (ord === -Infinity) return a.min(axes, keepDims);
    if (typeof ord === 'number' && ord > 0)
      return a
        .pow(ord)
        .sum(axes, keepDims)
        .pow(1 / ord);
    throw new ArgumentError(
      `norm: unsupported order ${show(ord)} for a vector norm; use 1, 2, Infinity, -Infinity, p > 0 or 'euclidean'`,
    );
  }
  if (axes.length === 2) {
    const [r, c] = axes;
    if (ord === 'fro' || ord === 'euclidean') return xt.square().sum(axes, keepDims).sqrt();
    if (ord === 1) return keepAxes(xt.abs().sum(r, true).max(c, true), axes, keepDims);
    if (ord === Infinity) return keepAxes(xt.abs().sum(c, true).max(r, true), axes, keepDims);
    // NumPy's negative orders: the smallest column (-1) or row (-Infinity) sum
    if (ord === -1) return keepAxes(xt.abs().sum(r, true).min(c, true), axes, keepDims);
    if (ord === -Infinity) return keepAxes(xt.abs().sum(c, true).min(r, true), axes, keepDims);
    throw new ArgumentError(
      `norm: unsupported order ${show(ord)} for a matrix norm; use 'fro', 1, -1, Infinity or -Infinity`,
    );
  }
  throw new ArgumentError(`norm: axis must name 1 or 2 axes, received ${show(axis)}`);
}

function keepAxes(t: Tensor, axes: number[], keepDims: boolean): Tensor {
  return keepDims ? t : t.squeeze(axes);
}

function runCumulative(
  op: 'sum' | 'prod',
  xIn: Operand,
  axis: number,
  exclusive: boolean,
  reverse: boolean,
): Tensor {
  const name = op === 'sum' ? 'cumsum' : 'cumprod';
  const x = toTensor(xIn, name, 'x');
  if (x.rank === 0) throw new ArgumentError(`${name}: x must have rank >= 1, received a scalar`);
  const ax = normalizeAxis(name, axis, x.rank);
  const input = x.dtype === 'bool' ? x.cast('int32') : x;
  return ENGINE.run1('cumulative', [input], { op, axis: ax, exclusive, reverse });
}

/** Running sum along an axis. @example nr.cumsum(nr.tensor([1, 2, 3])) // [1, 3, 6] */
export function cumsum(x: Operand, axis = 0, exclusive = false, reverse = false): Tensor {
  return runCumulative('sum', x, axis, exclusive, reverse);
}

/** Running product along an axis. @example nr.cumprod(nr.tensor([1, 2, 3])) // [1, 2, 6] */
export function cumprod(x: Operand, axis = 0, exclusive = false, reverse = false): Tensor {
  return runCumulative('prod', x, axis, exclusive, reverse);
}

export const reduceRules = {
  reduce: {
    forward: (b, [x], { op, axes, keepDims }) => {
      const shape = reducedShape(x.shape, axes, keepDims ?? false);
      const dt = reduceDType(op, x.dtype);
      return one(b.run('reduce', [x], { op, axes, dtype: dt }), shape, dt);
    },
    vjp: ([dy], [x], [y], { op, axes }) => {
      const kept = reducedShape(x.shape, axes, true);
      const g = dy.reshape(kept);
      switch (op) {
        // d sum = broadcast dy
        case 'sum':
          return [g.broadcastTo(x.shape)];
        // d prod_j x_j / d x_i = product of the others: exclusive cumprods from both sides (exact with zeros)
        case 'prod': {
          if (axes.length === 1) {
            const others = x.cumprod(axes[0], true, false).mul(x.cumprod(axes[0], true, true));
            return [g.mul(others)];
          }
          return [g.mul(y.reshape(kept)).div(x)];
        }
        // the gradient goes to every position equal to the extreme value
        case 'max':
        case 'min':
          return [g.mul(x.equal(y.reshape(kept)).cast('float32'))];
        case 'any':
        case 'all':
          return [null];
        default:
          return op satisfies never;
      }
    },
  },
  argReduce: {
    forward: (b, [x], { op, axis }) =>
      one(b.run('argReduce', [x], { op, axis }), reducedShape(x.shape, [axis], false), 'int32'),
    vjp: null,
  },
  cumulative: {
    forward: (b, [x], { op, axis, exclusive, reverse }) =>
      one(b.run('cumulative', [x], { op, axis, exclusive, reverse }), x.shape, x.dtype),
    vjp: ([dy], [x], [y], { op, axis, exclusive, reverse }) => {
      // d cumsum = reversed cumsum of dy
      if (op === 'sum') return [dy.cumsum(axis, exclusive, !reverse)];
      // NOTE: d cumprod = cumsum(dy * y, reversed) / x: NaN where x is 0 (as in tfjs).
      return [dy.mul(y).cumsum(axis, exclusive, !reverse).div(x)];
    },
  },
} satisfies Pick<RuleTable, 'reduce' | 'argReduce' | 'cumulative'>;
