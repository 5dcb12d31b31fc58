// Regression losses: squared, absolute, percentage and log errors, Huber, log-cosh and cosine similarity.
import type { Config } from '../core/serialization.js';
import type { Tensor } from '../core/tensor.js';
import { where } from '../ops/elementwise.js';
import { checkAxis, checkNumber, EPSILON, type LossInput, lossAxis, pairwise } from './inputs.js';
import { Loss, type LossArgs } from './loss.js';

// mean((t - p)^2) over the last axis
const mseMath = (t: Tensor, p: Tensor) => t.squaredDifference(p).mean(-1);
// mean(|t - p|)
const maeMath = (t: Tensor, p: Tensor) => t.sub(p).abs().mean(-1);
// 100 · mean(|(t - p) / max(|t|, eps)|): the floor keeps zero targets from dividing by zero
const mapeMath = (t: Tensor, p: Tensor) =>
  t.sub(p).div(t.abs().maximum(EPSILON)).abs().mean(-1).mul(100);
// mean((log(1 + max(p, eps)) - log(1 + max(t, eps)))^2); log1p is Keras' log(x + 1), more exact near 0
const msleMath = (t: Tensor, p: Tensor) =>
  p.maximum(EPSILON).log1p().squaredDifference(t.maximum(EPSILON).log1p()).mean(-1);
// NOTE: log(cosh(x)) overflows cosh for |x| > 89 in float32; x + softplus(-2x) - log 2 is the same and finite.
const logCoshMath = (t: Tensor, p: Tensor) => {
  const x = p.sub(t);
  return x.add(x.mul(-2).softplus()).sub(Math.LN2).mean(-1);
};

function huberMath(delta: number): (t: Tensor, p: Tensor) => Tensor {
  // 0.5 e^2 where |e| <= delta, else delta |e| - 0.5 delta^2: quadratic near 0, linear beyond
  return (t, p) => {
    const e = p.sub(t);
    const a = e.abs();
    return where(
      a.lessEqual(delta),
      e.square().mul(0.5),
      a.mul(delta).sub(0.5 * delta * delta),
    ).mean(-1);
  };
}

function cosineMath(op: string, axis: number): (t: Tensor, p: Tensor) => Tensor {
  return (t, p) => {
    const ax = lossAxis(op, axis, p.rank);
    // NOTE: x · rsqrt(max(|x|², eps²)) rather than x / |x|: a zero vector gives 0 and a finite gradient.
    const unit = (x: Tensor) =>
      x.mul(
        x
          .square()
          .sum(ax, true)
          .maximum(EPSILON * EPSILON)
          .rsqrt(),
      );
    return unit(t).mul(unit(p)).sum(ax).neg();
  };
}

/**
 * Mean squared error over the last axis: mean((yTrue - yPred)²).
 * @example nr.losses.mse([[0, 1]], [[1, 1]]) // [0.5] (nr.losses.meanSquaredError is tfjs' scalar form)
 */
export function meanSquaredError(yTrue: LossInput, yPred: LossInput): Tensor {
  return pairwise('meanSquaredError', yTrue, yPred, mseMath);
}

/**
 * Mean absolute error over the last axis: mean(|yTrue - yPred|).
 * @example nr.losses.meanAbsoluteError([[0, 1]], [[1, 1]]) // [0.5]
 */
export function meanAbsoluteError(yTrue: LossInput, yPred: LossInput): Tensor {
  return pairwise('meanAbsoluteError', yTrue, yPred, maeMath);
}

/**
 * Mean absolute percentage error: 100 · mean(|(yTrue - yPred) / max(|yTrue|, 1e-7)|).
 * @example nr.losses.meanAbsolutePercentageError([[2, 4]], [[1, 4]]) // [25]
 */
export function meanAbsolutePercentageError(yTrue: LossInput, yPred: LossInput): Tensor {
  return pairwise('meanAbsolutePercentageError', yTrue, yPred, mapeMath);
}

/**
 * Mean squared logarithmic error: mean((log(1 + yPred) - log(1 + yTrue))²), values below 1e-7 floored.
 * @example nr.losses.meanSquaredLogarithmicError([[0, 1]], [[1, 1]])
 */
export function meanSquaredLogarithmicError(yTrue: LossInput, yPred: LossInput): Tensor {
  return pairwise('meanSquaredLogarithmicError', yTrue, yPred, msleMath);
}

/**
 * Huber loss: 0.5·e² for |e| <= delta, delta·|e| - 0.5·delta² beyond, averaged over the last axis.
 * @example nr.losses.huber([[0, 1]], [[0.6, 0.4]]) // [0.18]
 */
export function huber(yTrue: LossInput, yPred: LossInput, delta = 1): Tensor {
  return pairwise(
    'huber',
    yTrue,
    yPred,
    huberMath(checkNumber('huber', 'delta', delta, 0, Infinity, true)),
  );
}

/**
 * log(cosh(yPred - yTrue)) averaged over the last axis; like MSE for small errors, like MAE for large ones.
 * @example nr.losses.logCosh([[0, 1]], [[1, 1]]) // [0.2169]
 */
export function logCosh(yTrue: LossInput, yPred: LossInput): Tensor {
  return pairwise('logCosh', yTrue, yPred, logCoshMath);
}

/**
 * Negative cosine similarity along `axis` (Keras' sign: -1 is best, 0 orthogonal or a zero vector).
 * @example nr.losses.cosineSimilarity([[0, 1]], [[0, 3]]) // [-1]
 */
export function cosineSimilarity(yTrue: LossInput, yPred: LossInput, axis = -1): Tensor {
  return pairwise(
    'cosineSimilarity',
    yTrue,
    yPred,
    cosineMath('cosineSimilarity', checkAxis('cosineSimilarity', axis)),
  );
}

/**
 * Mean of squared errors (Keras 'mse').
 * @example new nr.losses.MeanSquaredError().call([[0, 1]], [[1, 1]]) // 0.5
 */
export class MeanSquaredError extends Loss {
  constructor(args: LossArgs = {}) {
    super(args, 'mean_squared_error');
  }
  computeLosses(yTrue: Tensor, yPred: Tensor): Tensor {
    return pairwise(this.getClassName(), yTrue, yPred, mseMath);
  }
  getClassName(): string {
    return 'MeanSquaredError';
  }
}

/**
 * Mean of absolute errors (Keras 'mae').
 * @example new nr.losses.MeanAbsoluteError({ reduction: 'sum' }).call(yTrue, yPred)
 */
export class MeanAbsoluteError extends Loss {
  constructor(args: LossArgs = {}) {
    super(args, 'mean_absolute_error');
  }
  computeLosses(yTrue: Tensor, yPred: Tensor): Tensor {
    return pairwise(this.getClassName(), yTrue, yPred, maeMath);
  }
  getClassName(): string {
    return 'MeanAbsoluteError';
  }
}

/**
 * Mean absolute percentage error (Keras 'mape').
 * @example new nr.losses.MeanAbsolutePercentageError().call(yTrue, yPred)
 */
export class MeanAbsolutePercentageError extends Loss {
  constructor(args: LossArgs = {}) {
    super(args, 'mean_absolute_percentage_error');
  }
  computeLosses(yTrue: Tensor, yPred: Tensor): Tensor {
    return pairwise(this.getClassName(), yTrue, yPred, mapeMath);
  }
  getClassName(): string {
    return 'MeanAbsolutePercentageError';
  }
}

/**
 * Mean squared logarithmic error (Keras 'msle').
 * @example new nr.losses.MeanSquaredLogarithmicError().call(yTrue, yPred)
 */
export class MeanSquaredLogarithmicError extends Loss {
  constructor(args: LossArgs = {}) {
    super(args, 'mean_squared_logarithmic_error');
  }
  computeLosses(yTrue: Tensor, yPred: Tensor): Tensor {
    return pairwise(this.getClassName(), yTrue, yPred, msleMath);
  }
  getClassName(): string {
    return 'MeanSquaredLogarithmicError';
  }
}

/** Options of Huber. */
export interface HuberArgs extends LossArgs {
  /** Where the loss turns from quadratic to linear (> 0, default 1). */
  delta?: number;
}

/**
 * Huber loss with a configurable delta.
 * @example new nr.losses.Huber({ delta: 2 }).call(yTrue, yPred)
 */
export class Huber extends Loss {
  readonly delta: number;
  constructor(args: HuberArgs = {}) {
    super(args, 'huber_loss');
    this.delta = checkNumber(this.getClassName(), 'delta', args.delta ?? 1, 0, Infinity, true);
  }
  computeLosses(yTrue: Tensor, yPred: Tensor): Tensor {
    return pairwise(this.getClassName(), yTrue, yPred, huberMath(this.delta));
  }
  getClassName(): string {
    return 'Huber';
  }
  override getConfig(): Config {
    return { ...super.getConfig(), delta: this.delta };
  }
}

/**
 * Log-cosh loss (Keras 'log_cosh' / 'logcosh').
 * @example new nr.losses.LogCosh().call(yTrue, yPred)
 */
export class LogCosh extends Loss {
  constructor(args: LossArgs = {}) {
    super(args, 'log_cosh');
  }
  computeLosses(yTrue: Tensor, yPred: Tensor): Tensor {
    return pairwise(this.getClassName(), yTrue, yPred, logCoshMath);
  }
  getClassName(): string {
    return 'LogCosh';
  }
}

/** Options of CosineSimilarity. */
export interface CosineSimilarityArgs extends LossArgs {
  /** The feature axis (default -1). */
  axis?: number;
}

/**
 * Negative cosine similarity between targets and predictions.
 * @example new nr.losses.CosineSimilarity({ axis: -1 }).call(yTrue, yPred)
 */
export class CosineSimilarity extends Loss {
  readonly axis: number;
  constructor(args: CosineSimilarityArgs = {}) {
    super(args, 'cosine_similarity');
    this.axis = checkAxis(this.getClassName(), args.axis ?? -1);
  }
  computeLosses(yTrue: Tensor, yPred: Tensor): Tensor {
    return pairwise(this.getClassName(), yTrue, yPred, cosineMath(this.getClassName(), this.axis));
  }
  getClassName(): string {
    return 'CosineSimilarity';
  }
  override getConfig(): Config {
    return { ...super.getConfig(), axis: this.axis };
  }
}
