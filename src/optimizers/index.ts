// Optimizers and learning-rate schedules: the public API of src/optimizers.
export {
  Optimizer,
  flushSubnormals,
  FLT_MIN,
  type OptimizerArgs,
  type GradAndVar,
  type NamedGradient,
  type GradientsInput,
} from './optimizer.js';
export { SGD, type SGDArgs } from './sgd.js';
export { Adam, type AdamArgs } from './adam.js';
export { AdamW } from './adamw.js';
export { RMSprop, type RMSpropArgs } from './rmsprop.js';
export { Adagrad, type AdagradArgs } from './adagrad.js';
export { Adadelta, type AdadeltaArgs } from './adadelta.js';
export { Adamax, type AdamaxArgs } from './adamax.js';
export { Nadam, type NadamArgs } from './nadam.js';
export { Lion, type LionArgs } from './lion.js';
// Keras' layout: keras.optimizers.schedules.ExponentialDecay; the classes are also exported flat.
export * as schedules from './schedules.js';
export {
  LearningRateSchedule,
  ExponentialDecay,
  InverseTimeDecay,
  PiecewiseConstantDecay,
  PolynomialDecay,
  CosineDecay,
  CosineDecayRestarts,
  getSchedule,
} from './schedules.js';
export {
  registry,
  getOptimizer,
  getOptimizer as get,
  deserialize,
  type KerasSerializedObject,
} from './registry.js';
export { serialize } from '../core/serialization.js';
export { TfjsOptimizer, type NamedTensor } from './tfjs_optimizer.js';
export {
  train,
  SGDOptimizer,
  MomentumOptimizer,
  AdamOptimizer,
  AdamaxOptimizer,
  AdagradOptimizer,
  AdadeltaOptimizer,
  RMSPropOptimizer,
} from './tfjs_optimizers.js';
