// Neural-network composites: softmax, logSoftmax, batchNorm, dropout, local response normalization.
// All are written with ops, so every backend runs them and their gradients come from the parts.
import { isFloatDType, type TensorLike } from '../core/dtype.js';
import { ENGINE } from '../core/engine.js';
import { ArgumentError, DTypeError, ShapeError, show } from '../core/errors.js';
import { tidy } from '../core/memory.js';
import { normalizeAxis, type Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { stopGradient } from '../autograd/grad.js';
import { toTensor } from './convert.js';
import { where } from './elementwise.js';
import { randomUniform } from './random.js';

type Operand = Tensor | TensorLike;

/**
 * A numeric tensor as a float one (float16 stays float16, int32 becomes float32); bool is refused, and
 * complex64 too (a cast would silently keep its real part).
 */
function floatInput(op: string, arg: string, x: Operand): Tensor {
  const t = toTensor(x, op, arg);
  if (t.dtype === 'bool') throw new DTypeError(`${op}: ${arg} must be numeric, received 'bool'`);
  if (t.dtype === 'complex64')
    throw new DTypeError(`${op}: ${arg} must be real, received 'complex64'`);
  return isFloatDType(t.dtype) ? t : t.cast('float32');
}

/** Logits of rank >= 1 and their normalised axis. */
function logitsAndAxis(op: string, logits: Operand, axis: number): { x: Tensor; ax: number } {
  const x = floatInput(op, 'logits', logits);
  if (x.rank === 0) throw new ShapeError(`${op}: logits must have rank >= 1, received a scalar`);
  return { x, ax: normalizeAxis(op, axis, x.rank) };
}

/**
 * Softmax along an axis: exp(x - max) / sum(exp(x - max)), finite for logits like ±1000.
 * @example nr.softmax(nr.tensor([1000, 1000])) // [0.5, 0.5]
 */
export function softmax(logits: Operand, axis = -1): Tensor {
  return tidy(() => {
    const { x, ax } = logitsAndAxis('softmax', logits, axis);
    // the last axis (the usual case) is one primitive: one fused kernel on backends that have it
    if (ax === x.rank - 1) return ENGINE.run1('softmax', [x], {});
    // Softmax does not change when a constant is subtracted, so the shift carries no gradient.
    const m = stopGradient(x.max(ax, true));
    // NOTE: an infinite max would make x - m NaN everywhere; shifting by 0 there keeps the finite entries.
    const e = x.sub(m.isFinite().where(m, 0)).exp();
    return e.div(e.sum(ax, true));
  });
}

/**
 * log(softmax(x)) computed as (x - max) - log(sum(exp(x - max))), stable for large logits.
 * @example nr.logSoftmax(nr.tensor([0, 1000])) // [-1000, 0]
 */
export function logSoftmax(logits: Operand, axis = -1): Tensor {
  return tidy(() => {
    const { x, ax } = logitsAndAxis('logSoftmax', logits, axis);
    // NOTE: x - logSumExp(x) cancels: at x = 1000 the float32 logSumExp has lost 1e-4 already.
    // Subtracting the max first keeps both terms small (the log term is at most log(n)).
    const m = stopGradient(x.max(ax, true));
    const shifted = x.sub(m.isFinite().where(m, 0));
    return shifted.sub(shifted.exp().sum(ax, true).log());
  });
}

/** Throws unless `t` broadcasts to `shape` without growing it. */
function assertBroadcastsTo(op: string, arg: string, t: Tensor, shape: Shape): void {
  const lead = shape.length - t.rank;
  const ok = lead >= 0 && t.shape.every((d, i) => d === 1 || d === shape[lead + i]);
  if (!ok)
    throw new ShapeError(
      `${op}: ${arg} of shape ${show(t.shape)} does not broadcast to x's shape ${show(shape)}`,
    );
}

/**
 * Batch normalisation with given statistics: (x - mean) / sqrt(variance + eps) · scale + offset.
 * mean, variance, offset and scale broadcast against x (usually 1-D over the channels).
 * @example nr.batchNorm(x, movingMean, movingVar, beta, gamma, 1e-3)
 */
export function batchNorm(
  x: Operand,
  mean: Operand,
  variance: Operand,
  offset?: Operand | null,
  scale?: Operand | null,
  varianceEpsilon = 0.001,
): Tensor {
  const op = 'batchNorm';
  if (
    typeof varianceEpsilon !== 'number' ||
    !(varianceEpsilon >= 0) ||
    !Number.isFinite(varianceEpsilon)
  ) {
    throw new ArgumentError(
      `${op}: varianceEpsilon must be a finite number >= 0, received ${show(varianceEpsilon)}`,
    );
  }
  // inside tidy, so arguments converted from arrays are freed with the intermediates
  return tidy(() => {
    const xt = floatInput(op, 'x', x);
    const args: [string, Operand | null | undefined][] = [
      ['mean', mean],
      ['variance', variance],
      ['offset', offset],
      ['scale', scale],
    ];
    const [m, v, o, s] = args.map(([name, t]) => {
      if (t === undefined || t === null) return null;
      const tt = floatInput(op, name, t);
      assertBroadcastsTo(op, name, tt, xt.shape);
      return tt;
    });
    if (!m || !v) throw new ArgumentError(`${op}: mean and variance are required`);
    let inv = v.add(varianceEpsilon).rsqrt();
    if (s) inv = inv.mul(s);
    const y = xt.sub(m).mul(inv);
    return o ? y.add(o) : y;
  });
}

/**
 * Inverted dropout: zeroes each element with probability `rate` and scales the rest by 1 / (1 - rate).
 * `noiseShape` (broadcast to x's shape) shares one decision along its size-1 axes; `seed` makes it repeatable.
 * @example nr.dropout(x, 0.5, undefined, 42)
 */
export function dropout(
  x: Operand,
  rate: number,
  noiseShape?: readonly number[],
  seed?: number,
): Tensor {
  const op = 'dropout';
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1))
    throw new ArgumentError(`${op}: rate must be a number in [0, 1), received ${show(rate)}`);
  return tidy(() => {
    const xt = toTensor(x, op, 'x');
    if (!isFloatDType(xt.dtype))
      throw new DTypeError(
        `${op}: x must be float32 or float16 (it is scaled), received '${xt.dtype}'`,
      );
    const ns = noiseShape ?? xt.shape;
    if (!Array.isArray(ns) || !ns.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new ArgumentError(
        `${op}: noiseShape must be an array of non-negative integers, received ${show(noiseShape)}`,
      );
    }
    const lead = xt.rank - ns.length;
    if (lead < 0 || !ns.every((d, i) => d === 1 || d === xt.shape[lead + i])) {
      throw new ShapeError(
        `${op}: noiseShape ${show(ns)} does not broadcast to x's shape ${show(xt.shape)}`,
      );
    }
    if (rate === 0) return xt.clone();
    const keepProb = 1 - rate;
    // u >= rate has probability 1 - rate (up to the generator's 2^-24 resolution)
    const keep = randomUniform(ns, 0, 1, 'float32', seed).greaterEqual(rate);
    return where(keep, xt.div(keepProb), 0);
  });
}

/**
 * Local response normalisation over the last (channel) axis of a rank-3 or rank-4 tensor:
 * x / (bias + alpha · sum of x² over channels d - r .. d + r)^beta.
 * @example nr.localResponseNormalization(x, 2, 1, 1e-4, 0.75)
 */
export function localResponseNormalization(
  x: Operand,
  depthRadius = 5,
  bias = 1,
  alpha = 1,
  beta = 0.5,
): Tensor {
  const op = 'localResponseNormalization';
  if (!Number.isInteger(depthRadius) || depthRadius < 0)
    throw new ArgumentError(
      `${op}: depthRadius must be a non-negative integer, received ${show(depthRadius)}`,
    );
  for (const [name, v] of [
    ['bias', bias],
    ['alpha', alpha],
    ['beta', beta],
  ] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new ArgumentError(`${op}: ${name} must be a finite number, received ${show(v)}`);
  }
  return tidy(() => {
    const xt = floatInput(op, 'x', x);
    if (xt.rank !== 3 && xt.rank !== 4)
      throw new ShapeError(
        `${op}: x must be rank 3 or 4, received rank ${xt.rank} (shape ${show(xt.shape)})`,
      );
    const last = xt.rank - 1;
    const channels = xt.shape[last];
    // The window sum as 2r + 1 shifted slices of the zero-padded squares.
    const paddings = xt.shape.map((_, i): [number, number] =>
      i === last ? [depthRadius, depthRadius] : [0, 0],
    );
    const padded = xt.square().pad(paddings);
    let sqrSum = padded.slice(
      xt.shape.map(() => 0),
      xt.shape,
    );
    for (let k = 1; k <= 2 * depthRadius; k++) {
      sqrSum = sqrSum.add(
        padded.slice(
          xt.shape.map((_, i) => (i === last ? k : 0)),
          xt.shape.map((d, i) => (i === last ? channels : d)),
        ),
      );
    }
    return xt.div(sqrSum.mul(alpha).add(bias).pow(beta));
  });
}
