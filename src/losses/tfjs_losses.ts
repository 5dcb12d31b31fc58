// tfjs-core's loss functions (tf.losses.absoluteDifference ... softmaxCrossEntropy) and the tf.Reduction modes.
// They differ from the Keras losses beside them: they take (labels, predictions, weights, reduction) and reduce
// to a scalar by default (the sum divided by the count of non-zero weights), as tfjs does.
import type { TensorLike } from '../core/dtype.js';
import { ArgumentError, ShapeError, show } from '../core/errors.js';
import { tidy } from '../core/memory.js';
import { shapesEqual } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import * as ops from '../ops/all.js';
import { toTensor } from '../ops/convert.js';

/**
 * How tfjs's losses reduce the weighted per-element losses: NONE keeps them, MEAN divides the weighted sum
 * by the sum of the weights, SUM adds them, SUM_BY_NONZERO_WEIGHTS (the default) divides the sum by the
 * number of non-zero weights.
 * @example nr.losses.absoluteDifference(labels, predictions, undefined, nr.Reduction.SUM)
 */
export const Reduction = { NONE: 0, MEAN: 1, SUM: 2, SUM_BY_NONZERO_WEIGHTS: 3 } as const;

/** One of the values of {@link Reduction}. */
export type ReductionMode = (typeof Reduction)[keyof typeof Reduction];

type Operand = Tensor | TensorLike;

// tfjs's wording for an argument that is not a tensor (its specs match on it), in our typed error.
function arg(x: Operand, op: string, name: string): Tensor {
  if (
    !(x instanceof Tensor) &&
    typeof x !== 'number' &&
    typeof x !== 'boolean' &&
    !ArrayBuffer.isView(x) &&
    !Array.isArray(x)
  )
    throw new ArgumentError(
      `${op}: Argument '${name}' passed to '${op}' must be a Tensor or TensorLike, received ${show(x)}`,
    );
  return toTensor(x, op, name);
}

function sameShape(op: string, a: Tensor, b: Tensor): void {
  if (!shapesEqual(a.shape, b.shape))
    throw new ShapeError(
      `${op}: Error in ${op}:  Shapes ${a.shape.join(',')} and ${b.shape.join(',')} must match`,
    );
}

/**
 * Weights and reduces a tensor of losses (tfjs semantics; default reduction SUM_BY_NONZERO_WEIGHTS).
 * @example nr.losses.computeWeightedLoss(nr.tensor([1, 2, 3]), nr.tensor([1, 0, 1])) // 2
 */
export function computeWeightedLoss(
  losses: Operand,
  weights?: Operand | null,
  reduction: ReductionMode = Reduction.SUM_BY_NONZERO_WEIGHTS,
): Tensor {
  const op = 'computeWeightedLoss';
  const l = arg(losses, op, 'losses');
  const w = weights == null ? null : arg(weights, op, 'weights');
  return tidy(() => {
    const weighted = w === null ? l : ops.mul(l, w);
    if (reduction === Reduction.NONE) return weighted;
    if (reduction === Reduction.SUM) return ops.sum(weighted);
    if (reduction === Reduction.MEAN) {
      if (w === null) return ops.mean(weighted);
      // the weights' sum counts each weight once; a weight broadcast over k losses counts k times
      const factor = l.size / w.size;
      const result = ops.div(ops.sum(weighted), ops.sum(w));
      return factor > 1 ? ops.div(result, factor) : result;
    }
    if (reduction === Reduction.SUM_BY_NONZERO_WEIGHTS) {
      if (w === null) return ops.div(ops.sum(weighted), l.size);
      const nonZero = ops.sum(ops.cast(ops.notEqual(ops.mul(w, ops.onesLike(l)), 0), 'float32'));
      return ops.div(ops.sum(weighted), nonZero);
    }
    throw new ArgumentError(`${op}: Unknown reduction: ${show(reduction)}`);
  });
}

// The shared frame: convert, check shapes, compute per-element losses, weight and reduce.
function lossOf(
  op: string,
  names: [string, string],
  labels: Operand,
  predictions: Operand,
  weights: Operand | null | undefined,
  reduction: ReductionMode,
  math: (t: Tensor, p: Tensor) => Tensor,
): Tensor {
  const t = arg(labels, op, names[0]);
  const p = arg(predictions, op, names[1]);
  const w = weights == null ? null : arg(weights, op, 'weights');
  sameShape(op, t, p);
  return tidy(() => computeWeightedLoss(math(t, p), w, reduction));
}

/**
 * |labels - predictions|, weighted and reduced.
 * @example nr.losses.absoluteDifference([0, 1], [1, 1]) // 0.5
 */
export function absoluteDifference(
  labels: Operand,
  predictions: Operand,
  weights?: Operand | null,
  reduction: ReductionMode = Reduction.SUM_BY_NONZERO_WEIGHTS,
): Tensor {
  return lossOf(
    'absoluteDifference',
    ['labels', 'predictions'],
    labels,
    predictions,
    weights,
    reduction,
    (t, p) => ops.abs(ops.sub(t, p)),
  );
}

/**
 * 1 - sum(labels * predictions) along `axis` (inputs assumed unit-normalized), weighted and reduced.
 * @example nr.losses.cosineDistance([[1, 0]], [[1, 0]], 1) // 0
 */
export function cosineDistance(
  labels: Operand,
  predictions: Operand,
  axis: number,
  weights?: Operand | null,
  reduction: ReductionMode = Reduction.SUM_BY_NONZERO_WEIGHTS,
): Tensor {
  return lossOf(
    'cosineDistance',
    ['labels', 'predictions'],
    labels,
    predictions,
    weights,
    reduction,
    (t, p) => ops.sub(1, ops.sum(ops.mul(t, p), axis, true)),
  );
}

/**
 * max(0, 1 - (2 labels - 1) predictions) for 0/1 labels, weighted and reduced.
 * @example nr.losses.hingeLoss([1, 0], [0.5, -0.5]) // 0.5
 */
export function hingeLoss(
  labels: Operand,
  predictions: Operand,
  weights?: Operand | null,
  reduction: ReductionMode = Reduction.SUM_BY_NONZERO_WEIGHTS,
): Tensor {
  return lossOf(
    'hingeLoss',
    ['labels', 'predictions'],
    labels,
    predictions,
    weights,
    reduction,
    (t, p) => ops.relu(ops.sub(1, ops.mul(ops.sub(ops.mul(t, 2), 1), p))),
  );
}

/**
 * Huber loss: 0.5 e^2 where |e| <= delta, delta (|e| - 0.5 delta) beyond, weighted and reduced.
 * @example nr.losses.huberLoss([0], [2]) // 1.5
 */
export function huberLoss(
  labels: Operand,
  predictions: Operand,
  weights?: Operand | null,
  delta = 1.0,
  reduction: ReductionMode = Reduction.SUM_BY_NONZERO_WEIGHTS,
): Tensor {
  return lossOf(
    'huberLoss',
    ['labels', 'predictions'],
    labels,
    predictions,
    weights,
    reduction,
    (t, p) => {
      const e = ops.abs(ops.sub(t, p));
      const quadratic = ops.minimum(e, delta);
      return ops.add(ops.mul(0.5, ops.square(quadratic)), ops.mul(delta, ops.sub(e, quadratic)));
    },
  );
}

/**
 * Log loss of probabilities: -labels log(p + eps) - (1 - labels) log(1 - p + eps), weighted and reduced.
 * @example nr.losses.logLoss([1], [0.5]) // 0.693
 */
export function logLoss(
  labels: Operand,
  predictions: Operand,
  weights?: Operand | null,
  epsilon = 1e-7,
  reduction: ReductionMode = Reduction.SUM_BY_NONZERO_WEIGHTS,
): Tensor {
  return lossOf(
    'logLoss',
    ['labels', 'predictions'],
    labels,
    predictions,
    weights,
    reduction,
    (t, p) => {
      const pos = ops.mul(t, ops.log(ops.add(p, epsilon)));
      const neg = ops.mul(ops.sub(1, t), ops.log(ops.add(ops.sub(1, p), epsilon)));
      return ops.neg(ops.add(pos, neg));
    },
  );
}

/**
 * Sigmoid cross-entropy of logits against multi-class 0/1 labels (optionally smoothed toward 0.5),
 * computed stably as max(x, 0) - x z + log(1 + exp(-|x|)), weighted and reduced.
 * @example nr.losses.sigmoidCrossEntropy([[1, 0]], [[10, -10]]) // ~0
 */
export function sigmoidCrossEntropy(
  multiClassLabels: Operand,
  logits: Operand,
  weights?: Operand | null,
  labelSmoothing = 0,
  reduction: ReductionMode = Reduction.SUM_BY_NONZERO_WEIGHTS,
): Tensor {
  return lossOf(
    'sigmoidCrossEntropy',
    ['multiClassLabels', 'logits'],
    multiClassLabels,
    logits,
    weights,
    reduction,
    (t, x) => {
      const z =
        labelSmoothing > 0 ? ops.add(ops.mul(t, 1 - labelSmoothing), 0.5 * labelSmoothing) : t;
      return ops.add(ops.sub(ops.relu(x), ops.mul(x, z)), ops.log1p(ops.exp(ops.neg(ops.abs(x)))));
    },
  );
}

/**
 * Softmax cross-entropy of logits [batch, classes] against one-hot labels (optionally smoothed toward
 * 1 / classes): -sum(labels * logSoftmax(logits)) per row, weighted and reduced.
 * @example nr.losses.softmaxCrossEntropy([[0, 1]], [[-10, 10]]) // ~0
 */
export function softmaxCrossEntropy(
  onehotLabels: Operand,
  logits: Operand,
  weights?: Operand | null,
  labelSmoothing = 0,
  reduction: ReductionMode = Reduction.SUM_BY_NONZERO_WEIGHTS,
): Tensor {
  const op = 'softmaxCrossEntropy';
  return lossOf(
    op,
    ['onehotLabels', 'logits'],
    onehotLabels,
    logits,
    weights,
    reduction,
    (t, x) => {
      const classes = t.shape[t.rank - 1] ?? 1;
      const z =
        labelSmoothing > 0 ? ops.add(ops.mul(t, 1 - labelSmoothing), labelSmoothing / classes) : t;
      return ops.neg(ops.sum(ops.mul(z, ops.logSoftmax(x, -1)), -1));
    },
  );
}
