// Losses as metrics (Keras' MeanAbsolutePercentageError, CategoricalCrossentropy, ... metrics) and tfjs' tf.metrics functions.
import type { Config } from '../core/serialization.js';
import type { Tensor } from '../core/tensor.js';
import { tidy } from '../core/memory.js';
import { scalar } from '../ops/creation.js';
import { where } from '../ops/elementwise.js';
import { binaryCrossentropy, categoricalCrossentropy } from '../losses/crossentropy.js';
import { sparseCategoricalCrossentropy } from '../losses/sparse.js';
import { kullbackLeiblerDivergence, poisson } from '../losses/probabilistic.js';
import { categoricalHinge, hinge, squaredHinge } from '../losses/hinge.js';
import {
  cosineSimilarity,
  logCosh,
  meanAbsolutePercentageError,
  meanSquaredLogarithmicError,
} from '../losses/regression.js';
import type { Metric, MetricArgs, MetricDirection } from './metric.js';
import { MeanMetricWrapper, type MetricFn } from './reduction.js';
import { configString, floatInput, type MetricInput } from './utils.js';

/** A metric class that averages a loss function's per-sample values; registered under its Keras name. */
export interface LossMetricClass {
  new (args?: MetricArgs): MeanMetricWrapper;
  fromConfig(config: Config): Metric;
}

function lossMetric(
  className: string,
  fn: MetricFn,
  defaultName: string,
  direction: MetricDirection,
): LossMetricClass {
  return class extends MeanMetricWrapper {
    constructor(args: MetricArgs = {}) {
      super(fn, args, defaultName, direction);
    }
    override getClassName(): string {
      return className;
    }
    static override fromConfig(config: Config): MeanMetricWrapper {
      return new this({ name: configString(config, 'name', className) });
    }
  };
}

/** Mean of 100·|y − p| / |y| (Keras' metric). @example new nr.metrics.MeanAbsolutePercentageError() */
export const MeanAbsolutePercentageError = lossMetric(
  'MeanAbsolutePercentageError',
  meanAbsolutePercentageError,
  'mean_absolute_percentage_error',
  'down',
);
/** Mean squared logarithmic error (Keras' metric). @example new nr.metrics.MeanSquaredLogarithmicError() */
export const MeanSquaredLogarithmicError = lossMetric(
  'MeanSquaredLogarithmicError',
  meanSquaredLogarithmicError,
  'mean_squared_logarithmic_error',
  'down',
);
/** Binary crossentropy on probabilities (Keras' metric). @example new nr.metrics.BinaryCrossentropy() */
export const BinaryCrossentropy = lossMetric(
  'BinaryCrossentropy',
  (t, p) => binaryCrossentropy(t, p),
  'binary_crossentropy',
  'down',
);
/** Categorical crossentropy on probabilities (Keras' metric). @example new nr.metrics.CategoricalCrossentropy() */
export const CategoricalCrossentropy = lossMetric(
  'CategoricalCrossentropy',
  (t, p) => categoricalCrossentropy(t, p),
  'categorical_crossentropy',
  'down',
);
/** Sparse categorical crossentropy on probabilities (Keras' metric). @example new nr.metrics.SparseCategoricalCrossentropy() */
export const SparseCategoricalCrossentropy = lossMetric(
  'SparseCategoricalCrossentropy',
  (t, p) => sparseCategoricalCrossentropy(t, p),
  'sparse_categorical_crossentropy',
  'down',
);
/** Cosine similarity (Keras' metric: +1 for the same direction). @example new nr.metrics.CosineSimilarity() */
export const CosineSimilarity = lossMetric(
  'CosineSimilarity',
  (t, p) => cosineSimilarity(t, p).neg(),
  'cosine_similarity',
  'up',
);
/** KL divergence (Keras' metric). @example new nr.metrics.KLDivergence() */
export const KLDivergence = lossMetric(
  'KLDivergence',
  kullbackLeiblerDivergence,
  'kl_divergence',
  'down',
);
/** Poisson (Keras' metric). @example new nr.metrics.Poisson() */
export const Poisson = lossMetric('Poisson', poisson, 'poisson', 'down');
/** Hinge (Keras' metric). @example new nr.metrics.Hinge() */
export const Hinge = lossMetric('Hinge', hinge, 'hinge', 'down');
/** Squared hinge (Keras' metric). @example new nr.metrics.SquaredHinge() */
export const SquaredHinge = lossMetric('SquaredHinge', squaredHinge, 'squared_hinge', 'down');
/** Categorical hinge (Keras' metric). @example new nr.metrics.CategoricalHinge() */
export const CategoricalHinge = lossMetric(
  'CategoricalHinge',
  categoricalHinge,
  'categorical_hinge',
  'down',
);
/** Log-cosh error (Keras' metric). @example new nr.metrics.LogCoshError() */
export const LogCoshError = lossMetric('LogCoshError', logCosh, 'logcosh', 'down');

/** The metric classes above with their registry aliases (Keras snake_case and tfjs short names). @example lossMetricEntries.find(([n]) => n === "MeanSquaredError") */
export const lossMetricEntries: [string, LossMetricClass, string[]][] = [
  [
    'MeanAbsolutePercentageError',
    MeanAbsolutePercentageError,
    ['mape', 'mean_absolute_percentage_error'],
  ],
  [
    'MeanSquaredLogarithmicError',
    MeanSquaredLogarithmicError,
    ['msle', 'mean_squared_logarithmic_error'],
  ],
  ['BinaryCrossentropy', BinaryCrossentropy, ['binary_crossentropy']],
  ['CategoricalCrossentropy', CategoricalCrossentropy, ['categorical_crossentropy']],
  [
    'SparseCategoricalCrossentropy',
    SparseCategoricalCrossentropy,
    ['sparse_categorical_crossentropy'],
  ],
  ['CosineSimilarity', CosineSimilarity, ['cosine_similarity', 'cosine', 'cosine_proximity']],
  ['KLDivergence', KLDivergence, ['kld', 'kl_divergence', 'kullback_leibler_divergence']],
  ['Poisson', Poisson, ['poisson']],
  ['Hinge', Hinge, ['hinge']],
  ['SquaredHinge', SquaredHinge, ['squared_hinge']],
  ['CategoricalHinge', CategoricalHinge, ['categorical_hinge']],
  ['LogCoshError', LogCoshError, ['logcosh', 'log_cosh_error']],
];

// ---- tfjs' tf.metrics functions (per-sample values, except precision, recall and r2Score) ----

/**
 * −cos(yTrue, yPred) per sample over the last axis (tfjs' `tf.metrics.cosineProximity`).
 * @example nr.metrics.cosineProximity([[0, 1]], [[0, 3]]) // [-1]
 */
export function cosineProximity(yTrue: MetricInput, yPred: MetricInput): Tensor {
  return cosineSimilarity(
    floatInput(yTrue, 'cosineProximity', 'yTrue'),
    floatInput(yPred, 'cosineProximity', 'yPred'),
  );
}

/** Counts of (label, prediction) pairs equal to (a, b), exact values as tfjs counts them. */
function countPairs(t: Tensor, p: Tensor, a: number, b: number): Tensor {
  return t.equal(a).logicalAnd(p.equal(b)).cast('float32').sum();
}

function ratioOrZero(num: Tensor, den: Tensor): Tensor {
  return where(den.greater(0), num.div(den.maximum(1e-12)), scalar(0));
}

/**
 * Precision over the whole batch, one scalar: TP / (TP + FP), counting predictions exactly 1 as positive
 * and exactly 0 as negative (tfjs' `tf.metrics.precision`; threshold probabilities first). 0 when nothing
 * is predicted positive. The stateful, thresholded Keras metric is `new nr.metrics.Precision()`.
 * @example nr.metrics.precision([1, 0, 1], [1, 1, 0]) // 0.5
 */
export function precision(yTrue: MetricInput, yPred: MetricInput): Tensor {
  return tidy(() => {
    const t = floatInput(yTrue, 'precision', 'yTrue');
    const p = floatInput(yPred, 'precision', 'yPred');
    const tp = countPairs(t, p, 1, 1);
    return ratioOrZero(tp, tp.add(countPairs(t, p, 0, 1)));
  });
}

/**
 * Recall over the whole batch, one scalar: TP / (TP + FN) (tfjs' `tf.metrics.recall`; see `precision`).
 * @example nr.metrics.recall([1, 0, 1], [1, 1, 0]) // 0.5
 */
export function recall(yTrue: MetricInput, yPred: MetricInput): Tensor {
  return tidy(() => {
    const t = floatInput(yTrue, 'recall', 'yTrue');
    const p = floatInput(yPred, 'recall', 'yPred');
    const tp = countPairs(t, p, 1, 1);
    return ratioOrZero(tp, tp.add(countPairs(t, p, 1, 0)));
  });
}

/**
 * Coefficient of determination over the whole batch, one scalar: 1 − SS_res / SS_tot (tfjs' `tf.metrics.r2Score`).
 * @example nr.metrics.r2Score([1, 2, 3], [1, 2, 4]) // 0.5
 */
export function r2Score(yTrue: MetricInput, yPred: MetricInput): Tensor {
  return tidy(() => {
    const t = floatInput(yTrue, 'r2Score', 'yTrue');
    const p = floatInput(yPred, 'r2Score', 'yPred');
    const residual = t.sub(p).square().sum();
    const total = t.sub(t.mean()).square().sum();
    return residual.div(total).neg().add(1);
  });
}
