// Losses, Keras 3 semantics with tfjs names: functional forms, Loss classes, the registry and getLoss.
export { EPSILON, type LossInput } from './inputs.js';
export {
  Loss,
  REDUCTIONS,
  reduceWeightedLoss,
  type LossArgs,
  type LossesAndMask,
  type Reduction,
} from './loss.js';
export {
  meanSquaredError,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanSquaredLogarithmicError,
  huber,
  logCosh,
  cosineSimilarity,
  MeanSquaredError,
  MeanAbsoluteError,
  MeanAbsolutePercentageError,
  MeanSquaredLogarithmicError,
  Huber,
  LogCosh,
  CosineSimilarity,
  type HuberArgs,
  type CosineSimilarityArgs,
} from './regression.js';
export {
  binaryCrossentropy,
  binaryFocalCrossentropy,
  categoricalCrossentropy,
  BinaryCrossentropy,
  BinaryFocalCrossentropy,
  CategoricalCrossentropy,
  type BinaryOptions,
  type FocalOptions,
  type CrossentropyArgs,
  type BinaryFocalCrossentropyArgs,
} from './crossentropy.js';
export {
  sparseCategoricalCrossentropy,
  validateSparseLabels,
  SparseCategoricalCrossentropy,
  type SparseOptions,
  type SparseCategoricalCrossentropyArgs,
} from './sparse.js';
export { kullbackLeiblerDivergence, poisson, KLDivergence, Poisson } from './probabilistic.js';
export {
  hinge,
  squaredHinge,
  categoricalHinge,
  Hinge,
  SquaredHinge,
  CategoricalHinge,
} from './hinge.js';
export {
  LossFunctionWrapper,
  lossRegistry,
  getLoss,
  type LossFn,
  type LossSpec,
} from './registry.js';

// Keras' short names for the functional forms.
export {
  meanSquaredError as mse,
  meanAbsoluteError as mae,
  meanAbsolutePercentageError as mape,
  meanSquaredLogarithmicError as msle,
} from './regression.js';
export {
  kullbackLeiblerDivergence as kld,
  kullbackLeiblerDivergence as klDivergence,
} from './probabilistic.js';

// tfjs-core's losses: (labels, predictions, weights, reduction), scalar by default.
export {
  computeWeightedLoss,
  absoluteDifference,
  cosineDistance,
  hingeLoss,
  huberLoss,
  logLoss,
  sigmoidCrossEntropy,
  softmaxCrossEntropy,
  type ReductionMode,
} from './tfjs_losses.js';
