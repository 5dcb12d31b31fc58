// The metric registry (names and Keras/tfjs aliases to classes) and getMetric, which resolves 'accuracy' from the loss.
import { type Config, Registry, type SerializedObject } from '../core/serialization.js';
import {
  Accuracy,
  AutoAccuracy,
  BinaryAccuracy,
  CategoricalAccuracy,
  SparseCategoricalAccuracy,
  SparseTopKCategoricalAccuracy,
  TopKCategoricalAccuracy,
} from './accuracy.js';
import { AUC, Precision, Recall } from './confusion.js';
import { F1Score, FBetaScore } from './f_score.js';
import { MeanIoU } from './iou.js';
import { Metric } from './metric.js';
import {
  BinaryCrossentropy,
  CategoricalCrossentropy,
  lossMetricEntries,
  SparseCategoricalCrossentropy,
} from './loss_metrics.js';
import { Mean, MeanMetricWrapper, type MetricFn, Sum } from './reduction.js';
import { MeanAbsoluteError, MeanSquaredError, RootMeanSquaredError } from './regression.js';

/**
 * Every built-in metric by class name, Keras snake_case alias and tfjs camelCase name (lookups ignore case
 * and underscores, so 'binary_accuracy', 'binaryAccuracy' and 'BinaryAccuracy' are one name).
 * Register a custom metric here to make it loadable from a config.
 * @example nr.metrics.metricRegistry.register('MyMetric', (c) => MyMetric.fromConfig(c), ['my_metric']);
 */
export const metricRegistry = new Registry<Metric>('metric');

const builtins: [string, (config: Config) => Metric, string[]][] = [
  ['Accuracy', Accuracy.fromConfig, ['acc']],
  ['BinaryAccuracy', BinaryAccuracy.fromConfig, ['binary_accuracy']],
  ['CategoricalAccuracy', CategoricalAccuracy.fromConfig, ['categorical_accuracy']],
  [
    'SparseCategoricalAccuracy',
    SparseCategoricalAccuracy.fromConfig,
    ['sparse_categorical_accuracy'],
  ],
  ['TopKCategoricalAccuracy', TopKCategoricalAccuracy.fromConfig, ['top_k_categorical_accuracy']],
  [
    'SparseTopKCategoricalAccuracy',
    SparseTopKCategoricalAccuracy.fromConfig,
    ['sparse_top_k_categorical_accuracy'],
  ],
  ['AutoAccuracy', AutoAccuracy.fromConfig, []],
  ['Precision', Precision.fromConfig, ['precision']],
  ['Recall', Recall.fromConfig, ['recall']],
  ['AUC', AUC.fromConfig, ['auc']],
  ['FBetaScore', FBetaScore.fromConfig, ['fbeta_score']],
  ['F1Score', F1Score.fromConfig, ['f1_score']],
  ['MeanIoU', MeanIoU.fromConfig, ['mean_iou']],
  ['MeanSquaredError', MeanSquaredError.fromConfig, ['mse', 'mean_squared_error']],
  ['RootMeanSquaredError', RootMeanSquaredError.fromConfig, ['rmse', 'root_mean_squared_error']],
  ['MeanAbsoluteError', MeanAbsoluteError.fromConfig, ['mae', 'mean_absolute_error']],
  ['Mean', Mean.fromConfig, ['mean']],
  ['Sum', Sum.fromConfig, ['sum']],
];
for (const [className, fromConfig, aliases] of builtins)
  metricRegistry.register(className, fromConfig, aliases);
for (const [className, cls, aliases] of lossMetricEntries)
  metricRegistry.register(className, (c) => cls.fromConfig(c), aliases);

/** What `compile({metrics})` accepts for one metric. */
export type MetricSpec = string | SerializedObject | Metric | MetricFn;

/** What the caller knows when it resolves 'accuracy': the loss and the model output's shape. */
export interface MetricContext {
  /** The loss's name or class name ('sparse_categorical_crossentropy', 'BinaryCrossentropy', ...). */
  lossName?: string;
  /** The output's shape; null (or -1) for unknown dimensions such as the batch. */
  outputShape?: readonly (number | null)[];
}

type AccuracyKind = 'binary' | 'sparse' | 'categorical';

const LOSS_ACCURACY: Record<string, AccuracyKind> = {
  binarycrossentropy: 'binary',
  binaryfocalcrossentropy: 'binary',
  sparsecategoricalcrossentropy: 'sparse',
  categoricalcrossentropy: 'categorical',
  categoricalfocalcrossentropy: 'categorical',
};

/** 'accuracy' (or 'acc') as the loss or the output shape implies, keeping the name the user wrote. */
function accuracyFor(name: string, context: MetricContext): Metric {
  const key = context.lossName?.replace(/_/g, '').toLowerCase();
  const kind = key === undefined ? undefined : LOSS_ACCURACY[key];
  const shape = context.outputShape;
  if (
    kind === 'binary' ||
    (kind === undefined && shape !== undefined && shape[shape.length - 1] === 1)
  )
    return new BinaryAccuracy({ name });
  if (kind === 'sparse') return new SparseCategoricalAccuracy({ name });
  if (kind === 'categorical') return new CategoricalAccuracy({ name });
  return new AutoAccuracy({ name });
}

/** 'crossentropy' (or tfjs' 'ce'): the crossentropy that fits the loss or the output shape, as for accuracy. */
function crossentropyFor(name: string, context: MetricContext): Metric {
  const key = context.lossName?.replace(/_/g, '').toLowerCase();
  const kind = key === undefined ? undefined : LOSS_ACCURACY[key];
  const shape = context.outputShape;
  if (kind === 'binary' || (kind === undefined && shape?.[shape.length - 1] === 1))
    return new BinaryCrossentropy({ name });
  if (kind === 'sparse') return new SparseCategoricalCrossentropy({ name });
  return new CategoricalCrossentropy({ name });
}

/**
 * A metric from a name, a `{className, config}` object, a metric (returned as is) or a function of
 * (yTrue, yPred) giving per-sample values (wrapped in a MeanMetricWrapper). The strings 'accuracy' and 'acc'
 * pick the accuracy that fits, as Keras does: binary crossentropy (or one output unit) → BinaryAccuracy,
 * sparse categorical crossentropy → SparseCategoricalAccuracy, categorical crossentropy → CategoricalAccuracy,
 * otherwise chosen from the shapes of the first batch (AutoAccuracy). The metric keeps the name written.
 * @example
 * nr.metrics.getMetric('accuracy', { lossName: 'sparse_categorical_crossentropy' }); // SparseCategoricalAccuracy 'accuracy'
 * nr.metrics.getMetric('mse'); // MeanSquaredError
 * nr.metrics.getMetric({ className: 'AUC', config: { curve: 'PR' } });
 */
export function getMetric(spec: MetricSpec, context: MetricContext = {}): Metric {
  if (spec instanceof Metric) return spec;
  if (typeof spec === 'function') return new MeanMetricWrapper(spec, {}, spec.name || undefined);
  if (typeof spec === 'string' && ['accuracy', 'acc'].includes(spec.toLowerCase()))
    return accuracyFor(spec, context);
  if (typeof spec === 'string' && ['crossentropy', 'ce'].includes(spec.toLowerCase()))
    return crossentropyFor(spec, context);
  return metricRegistry.get(spec, 'getMetric');
}
