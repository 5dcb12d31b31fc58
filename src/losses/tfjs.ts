// tfjs-core's tf.losses: (labels, predictions, weights?, reduction?) reduced to a scalar by default.
import { ArgumentError, ShapeError, show } from '../core/errors.js';
import { tidy } from '../core/memory.js';
import { shapesEqual } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { scalar } from '../ops/creation.js';
import { logSoftmax } from '../ops/nn.js';
import { bceElements, smoothBinary } from './crossentropy.js';
import { asFloat, EPSILON, type LossInput } from './inputs.js';

/**
 * How tfjs' loss functions reduce the weighted per-element losses (tfjs' `tf.Reduction`): NONE keeps
 * them, MEAN divides their sum by the sum of the weights, SUM adds them, SUM_BY_NONZERO_WEIGHTS (the
 * default) divides their sum by the number of non-zero weights (by the number of elements without weights).
 * The Keras-style Loss objects take Keras' reduction strings instead ('sum_over_batch_size', ...).
 * @example nr.losses.meanSquaredError(y, p, null, nr.Reduction.SUM)
 */
export const TfjsReduction = { NONE: 0, MEAN: 1, SUM: 2, SUM_BY_NONZERO_WEIGHTS: 3 } as const;
/** One of tfjs' reductions (`nr.Reduction.MEAN`, ...). */
export type TfjsReduction = (typeof TfjsReduction)[keyof typeof TfjsReduction];

function reductionOf(op: string, r: unknown): TfjsReduction {
  if (r === undefined || r === null) return TfjsReduction.SUM_BY_NONZERO_WEIGHTS;
  for (const v of Object.values(TfjsReduction)) if (v === r) return v;
  throw new ArgumentError(
    `${op}: reduction must be one of nr.Reduction's values (0 NONE, 1 MEAN, 2 SUM, 3 SUM_BY_NONZERO_WEIGHTS), received ${show(r)}`,
  );
}

/**
 * Labels and predictions as float tensors of the same shape (tfjs requires equal shapes). `names` are the
 * loss's parameter names (tfjs's: 'multiClassLabels' and 'logits' for sigmoidCrossEntropy), so errors
 * name the argument the caller passed.
 */
function pair(
  op: string,
  labels: LossInput,
  predictions: LossInput,
  names: readonly [string, string] = ['labels', 'predictions'],
): [Tensor, Tensor] {
  const l = asFloat(op, names[0], labels);
  const p = asFloat(op, names[1], predictions);
  if (!shapesEqual(l.shape, p.shape))
    throw new ShapeError(
      `${op}: ${names[0]} and ${names[1]} must have the same shape, received ${show(l.shape)} and ${show(p.shape)}`,
    );
  return [l, p];
}

/**
 * Weighted reduction of per-element losses (tfjs' `tf.losses.computeWeightedLoss`): `weights` broadcast
 * against the losses; see `nr.Reduction` for the reductions.
 * @example nr.losses.computeWeightedLoss(nr.tensor([1, 2, 3]), nr.tensor([1, 0, 1])) // 2
 */
export function computeWeightedLoss(
  losses: LossInput,
  weights?: LossInput | null,
  reduction?: TfjsReduction,
): Tensor {
  return weightedLoss('computeWeightedLoss', losses, weights, reduction);
}

/** computeWeightedLoss for the loss `op`: its errors name that loss, the function the caller called. */
function weightedLoss(
  op: string,
  losses: LossInput,
  weights: LossInput | null | undefined,
  reduction: TfjsReduction | undefined,
): Tensor {
  const how = reductionOf(op, reduction);
  return tidy(() => {
    const l = asFloat(op, 'losses', losses);
    const w = weights === undefined || weights === null ? null : asFloat(op, 'weights', weights);
    const weighted = w ? l.mul(w) : l;
    if (how === TfjsReduction.NONE) return weighted;
    if (how === TfjsReduction.SUM) return weighted.sum();
    if (how === TfjsReduction.MEAN) {
      if (!w) return weighted.mean();
      // weights smaller than the losses count once per element they cover
      const perWeight = l.size / w.size;
      const result = weighted.sum().div(w.sum());
      return perWeight > 1 ? result.div(perWeight) : result;
    }
    if (!w) return weighted.sum().div(scalar(l.size));
    const nonZero = w.mul(l.onesLike()).notEqual(0).cast('float32').sum();
    return weighted.sum().div(nonZero);
  });
}

/**
 * |labels − predictions|, weighted and reduced (tfjs' `tf.losses.absoluteDifference`).
 * @example nr.losses.absoluteDifference([1, 2], [2, 4]) // 1.5
 */
export function absoluteDifference(
  labels: LossInput,
  predictions: LossInput,
  weights?: LossInput | null,
  reduction?: TfjsReduction,
): Tensor {
  return tidy(() => {
    const [l, p] = pair('absoluteDifference', labels, predictions);
    return weightedLoss('absoluteDifference', l.sub(p).abs(), weights, reduction);
  });
}

/**
 * (labels − predictions)², weighted and reduced: a scalar by default (tfjs' `tf.losses.meanSquaredError`).
 * Keras' per-sample form is `nr.losses.mse` (and `nr.metrics.meanSquaredError`); the Keras object is
 * `new nr.losses.MeanSquaredError()`.
 * @example nr.losses.meanSquaredError([[0, 1]], [[1, 1]]) // 0.5
 */
export function meanSquaredError(
  labels: LossInput,
  predictions: LossInput,
  weights?: LossInput | null,
  reduction?: TfjsReduction,
): Tensor {
  return tidy(() => {
    const [l, p] = pair('meanSquaredError', labels, predictions);
    return weightedLoss('meanSquaredError', l.squaredDifference(p), weights, reduction);
  });
}

/**
 * 1 − sum(labels · predictions) along `axis` (tfjs' `tf.losses.cosineDistance`; inputs are expected to be
 * unit vectors, as in tfjs).
 * @example nr.losses.cosineDistance([[0, 1]], [[0, 1]], 1) // 0
 */
export function cosineDistance(
  labels: LossInput,
  predictions: LossInput,
  axis: number,
  weights?: LossInput | null,
  reduction?: TfjsReduction,
): Tensor {
  if (!Number.isInteger(axis))
    throw new ArgumentError(`cosineDistance: axis must be an integer, received ${show(axis)}`);
  return tidy(() => {
    const [l, p] = pair('cosineDistance', labels, predictions);
    return weightedLoss(
      'cosineDistance',
      l.mul(p).sum(axis, true).neg().add(1),
      weights,
      reduction,
    );
  });
}

/**
 * max(0, 1 − y·p) with 0/1 labels mapped to −1/1 (tfjs' `tf.losses.hingeLoss`).
 * @example nr.losses.hingeLoss([1, 0], [0.5, -2]) // 0.25
 */
export function hingeLoss(
  labels: LossInput,
  predictions: LossInput,
  weights?: LossInput | null,
  reduction?: TfjsReduction,
): Tensor {
  return tidy(() => {
    const [l, p] = pair('hingeLoss', labels, predictions);
    const signed = l.mul(2).sub(1);
    return weightedLoss('hingeLoss', signed.mul(p).neg().add(1).relu(), weights, reduction);
  });
}

/**
 * Huber loss: ½e² where |e| ≤ delta, delta·(|e| − ½delta) beyond (tfjs' `tf.losses.huberLoss`).
 * @example nr.losses.huberLoss([0, 0], [0.5, 3]) // (0.125 + 2.5) / 2
 */
export function huberLoss(
  labels: LossInput,
  predictions: LossInput,
  weights?: LossInput | null,
  delta = 1,
  reduction?: TfjsReduction,
): Tensor {
  if (typeof delta !== 'number' || !(delta > 0))
    throw new ArgumentError(`huberLoss: delta must be a positive number, received ${show(delta)}`);
  return tidy(() => {
    const [l, p] = pair('huberLoss', labels, predictions);
    const error = p.sub(l).abs();
    const quadratic = error.minimum(delta);
    const linear = error.sub(quadratic);
    return weightedLoss(
      'huberLoss',
      quadratic.square().mul(0.5).add(linear.mul(delta)),
      weights,
      reduction,
    );
  });
}

/**
 * −y·log(p + ε) − (1 − y)·log(1 − p + ε) on probabilities (tfjs' `tf.losses.logLoss`).
 * @example nr.losses.logLoss([1, 0], [0.9, 0.2]) // ≈ 0.164
 */
export function logLoss(
  labels: LossInput,
  predictions: LossInput,
  weights?: LossInput | null,
  epsilon = EPSILON,
  reduction?: TfjsReduction,
): Tensor {
  return tidy(() => {
    const [l, p] = pair('logLoss', labels, predictions);
    const pos = l.mul(p.add(epsilon).log());
    const neg = l
      .neg()
      .add(1)
      .mul(
        p
          .neg()
          .add(1 + epsilon)
          .log(),
      );
    return weightedLoss('logLoss', pos.add(neg).neg(), weights, reduction);
  });
}

function smoothingOf(op: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1))
    throw new ArgumentError(
      `${op}: labelSmoothing must be a number in [0, 1], received ${show(v)}`,
    );
  return v;
}

/**
 * Sigmoid crossentropy on logits, element-wise: −(z·log σ(x) + (1 − z)·log σ(−x)) (stable for large
 * |x|); label smoothing moves labels toward ½ (tfjs' `tf.losses.sigmoidCrossEntropy`).
 * @example nr.losses.sigmoidCrossEntropy([[1, 0]], [[2, -1]])
 */
export function sigmoidCrossEntropy(
  multiClassLabels: LossInput,
  logits: LossInput,
  weights?: LossInput | null,
  labelSmoothing = 0,
  reduction?: TfjsReduction,
): Tensor {
  const ls = smoothingOf('sigmoidCrossEntropy', labelSmoothing);
  return tidy(() => {
    const [z0, x] = pair('sigmoidCrossEntropy', multiClassLabels, logits, [
      'multiClassLabels',
      'logits',
    ]);
    // the stable element form the Keras losses use: -(z·logSigmoid(x) + (1 - z)·logSigmoid(-x))
    return weightedLoss(
      'sigmoidCrossEntropy',
      bceElements(smoothBinary(z0, ls), x, true),
      weights,
      reduction,
    );
  });
}

/**
 * Softmax crossentropy of one-hot labels and logits over the last axis, one loss per sample; label
 * smoothing spreads `labelSmoothing` over the classes (tfjs' `tf.losses.softmaxCrossEntropy`).
 * @example nr.losses.softmaxCrossEntropy([[0, 1]], [[1, 3]]) // ≈ 0.127
 */
export function softmaxCrossEntropy(
  onehotLabels: LossInput,
  logits: LossInput,
  weights?: LossInput | null,
  labelSmoothing = 0,
  reduction?: TfjsReduction,
): Tensor {
  const ls = smoothingOf('softmaxCrossEntropy', labelSmoothing);
  return tidy(() => {
    const [y0, x] = pair('softmaxCrossEntropy', onehotLabels, logits, ['onehotLabels', 'logits']);
    if (x.rank < 1)
      throw new ShapeError(
        `softmaxCrossEntropy: logits must have rank >= 1, received shape ${show(x.shape)}`,
      );
    const classes = x.shape[x.rank - 1];
    const y = ls > 0 ? y0.mul(1 - ls).add(ls / classes) : y0;
    const losses = y.mul(logSoftmax(x, -1)).sum(-1).neg();
    return weightedLoss('softmaxCrossEntropy', losses, weights, reduction);
  });
}
