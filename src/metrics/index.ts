// The metrics API (nr.metrics): stateful Keras metrics, their function forms, and the registry.
export { Metric, type MetricArgs, type MetricDirection } from './metric.js';
export type { MetricInput } from './utils.js';
export { Mean, MeanMetricWrapper, Sum, type MetricFn } from './reduction.js';
export {
  accuracy,
  Accuracy,
  accuracyForShapes,
  AutoAccuracy,
  binaryAccuracy,
  BinaryAccuracy,
  type BinaryAccuracyArgs,
  categoricalAccuracy,
  CategoricalAccuracy,
  sparseCategoricalAccuracy,
  SparseCategoricalAccuracy,
  sparseTopKCategoricalAccuracy,
  SparseTopKCategoricalAccuracy,
  type SparseTopKArgs,
  topKCategoricalAccuracy,
  TopKCategoricalAccuracy,
  type TopKArgs,
} from './accuracy.js';
export { AUC, type AUCArgs, Precision, type PrecisionRecallArgs, Recall } from './confusion.js';
export {
  F1Score,
  type F1ScoreArgs,
  FBetaScore,
  type FBetaScoreArgs,
  type FScoreAverage,
} from './f_score.js';
export { MeanIoU, type MeanIoUArgs } from './iou.js';
export {
  meanAbsoluteError,
  MeanAbsoluteError,
  meanAbsoluteError as mae,
  meanAbsoluteError as MAE,
  meanSquaredError,
  MeanSquaredError,
  meanSquaredError as mse,
  meanSquaredError as MSE,
  RootMeanSquaredError,
} from './regression.js';
export { getMetric, type MetricContext, metricRegistry, type MetricSpec } from './registry.js';
export {
  MeanAbsolutePercentageError,
  MeanSquaredLogarithmicError,
  BinaryCrossentropy,
  CategoricalCrossentropy,
  SparseCategoricalCrossentropy,
  CosineSimilarity,
  KLDivergence,
  Poisson,
  Hinge,
  SquaredHinge,
  CategoricalHinge,
  LogCoshError,
  type LossMetricClass,
  cosineProximity,
  cosineProximity as cosine,
  precision,
  recall,
  r2Score,
} from './loss_metrics.js';
// tfjs' tf.metrics names for the per-sample loss functions.
export {
  meanAbsolutePercentageError,
  meanAbsolutePercentageError as mape,
  meanAbsolutePercentageError as MAPE,
} from '../losses/regression.js';
export { binaryCrossentropy, categoricalCrossentropy } from '../losses/crossentropy.js';
export { sparseCategoricalCrossentropy } from '../losses/sparse.js';
