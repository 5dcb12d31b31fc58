// The options of compile, fit, fitDataset, evaluate and predict.
import type { CallbackSpec } from '../callbacks/callback.js';
import type { ProgressStream } from '../callbacks/progbar.js';
import type { Tensor } from '../core/tensor.js';
import type { LossSpec } from '../losses/index.js';
import type { MetricSpec } from '../metrics/index.js';
import type { Optimizer, TfjsOptimizer } from '../optimizers/index.js';

/** Options of `compile`. */
export interface CompileArgs {
  /** A name ('adam'), a neurite optimizer, or a tfjs one (`tf.train.adam()`). */
  optimizer: string | Optimizer | TfjsOptimizer;
  /**
   * One loss, or one per output (array, or object keyed by output name). May be left out when the
   * model's layers add their losses (`addLoss`) or a subclass overrides `trainStep`.
   */
  loss?: LossSpec | LossSpec[] | Record<string, LossSpec>;
  /** Metrics for every output, or per output. */
  metrics?: MetricSpec[] | Record<string, MetricSpec | MetricSpec[]>;
  /** Weights of the per-output losses in the total. */
  lossWeights?: number[] | Record<string, number>;
  /**
   * Keras 3's `jit_compile`: capture the train, test and predict steps (an overridden `trainStep`
   * included) with nr.jit, so that after the first calls each step replays its kernels without the ops'
   * JavaScript. A step that cannot be captured runs eagerly and says why once. Default false.
   */
  jitCompile?: boolean;
}

/** Options of `fit`. */
export interface FitArgs {
  epochs?: number;
  batchSize?: number;
  /** 0 silent, 1 progress bar (default), 2 one line per epoch. */
  verbose?: 0 | 1 | 2;
  /** Fraction of the data (taken from the end, before shuffling) held out for validation. */
  validationSplit?: number;
  validationData?:
    [Tensor | Tensor[], Tensor | Tensor[]] | [Tensor | Tensor[], Tensor | Tensor[], Tensor];
  validationBatchSize?: number;
  shuffle?: boolean;
  /** Weight of each class index in the loss (single-output models). */
  classWeight?: Record<number, number>;
  /** Weight of each sample in the loss, shape [n]. */
  sampleWeight?: Tensor;
  callbacks?: CallbackSpec;
  initialEpoch?: number;
  /** Batches per epoch (default: all of the data). */
  stepsPerEpoch?: number;
  /** Where the progress bar writes (default process.stdout). */
  stream?: ProgressStream;
}

/** Inputs or targets of a dataset batch: a tensor, a list, or a record keyed by input/output name (tfjs). */
export type BatchTensors = Tensor | Tensor[] | Record<string, Tensor>;

/** One batch from a dataset: `{xs, ys}` (ys left out for a model trained without targets) or `[xs, ys]`. */
export type Batch = { xs: BatchTensors; ys?: BatchTensors | null } | [BatchTensors, BatchTensors];

/** What `fitDataset` consumes: a neurite Dataset, or any async iterable of batches (or of bare inputs). */
export type BatchSource = AsyncIterable<Batch | Tensor | Tensor[]>;

/** Options of `fitDataset`. */
export interface FitDatasetArgs extends Omit<
  FitArgs,
  | 'batchSize'
  | 'validationSplit'
  | 'validationData'
  | 'shuffle'
  | 'classWeight'
  | 'sampleWeight'
  | 'stepsPerEpoch'
> {
  /** Batches per epoch; default: until the dataset ends (it is iterated anew each epoch). */
  batchesPerEpoch?: number;
  /** Validation batches (a dataset) or in-memory [x, y]. */
  validationData?: BatchSource | [Tensor | Tensor[], Tensor | Tensor[]];
  validationBatches?: number;
}

/** Options of `evaluate`. */
export interface EvaluateArgs {
  batchSize?: number;
  sampleWeight?: Tensor;
}

/** Options of `predict`. */
export interface PredictArgs {
  batchSize?: number;
}
