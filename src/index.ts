// neurite's public API: import * as nr from 'neurite'.
export { Tensor, Variable, type ArrayData } from './core/tensor.js';
export type { DType, TypedArray, TensorLike, NestedArray } from './core/dtype.js';
export type { NumericDType, DataTypeMap } from './core/dtype.js';
export type { Shape } from './core/shape.js';
export {
  NeuriteError,
  ShapeError,
  DTypeError,
  ArgumentError,
  BackendError,
  DisposedError,
  IOError,
  UrlPolicyError,
  NetworkError,
  TimeoutError,
  AbortedError,
  SizeLimitError,
} from './core/errors.js';
export { NumericError } from './core/errors.js';
export {
  tidy,
  keep,
  dispose,
  memory,
  currentScope,
  setLeakReporter,
  type TensorContainer,
} from './core/memory.js';
export { disposeVariables } from './core/memory.js';
export { time, type TimingInfo } from './core/timing.js';
export type { MemoryInfo } from './core/engine.js';
export { engine, type EngineView } from './core/engine_view.js';
export { profile, type ProfileInfo, type KernelProfile } from './core/profile.js';
export {
  enableProdMode,
  enableDebugMode,
  disableDeprecationWarnings,
  deprecationWarn,
  type FlagValue,
} from './core/environment.js';
export { Scope } from './core/scope.js';
export {
  ready,
  setBackend,
  moveToBackend,
  getBackend,
  backend,
  registerBackend,
  removeBackend,
  registeredBackends,
  env,
  variable,
  setSeed,
  type Environment,
} from './core/backends_api.js';
export { setFusion, getFusion, type FusionMode } from './core/fusion/lazy.js';
export {
  grad,
  grads,
  valueAndGrad,
  valueAndGrads,
  variableGrads,
  customGrad,
  stopGradient,
  noGrad,
  type CustomGradResult,
  type CustomGradFunc,
} from './autograd/grad.js';
export { jit, type JitOptions, type JitStats, type JitFunction } from './core/jit/jit.js';
export { JitError } from './core/errors.js';
export type {
  Backend,
  BackendFactory,
  TensorInfo,
  DataId,
  Conv2DInfo,
  Pool2DInfo,
  RandomSpec,
  ReduceOp,
} from './backends/backend.js';
export { CpuBackend, createCpuBackend, type CpuBackendOptions } from './backends/cpu/index.js';
export { getThreadsCount, setThreadsCount } from './backends/wasm/pool.js';
export { UNARY, BINARY, type UnaryOp, type BinaryOp } from './core/elementwise_table.js';
export * from './ops/all.js';
export * as layers from './layers/index.js';
export { input, type InputArgs } from './layers/input.js';
export { SymbolicTensor, type SymbolicShape } from './layers/symbolic.js';
export * as serialization from './layers/tfjs_serialization.js';
export * as models from './models/from_json.js';
export {
  Model,
  Model as LayersModel,
  model,
  Sequential,
  sequential,
  type ModelArgs,
  type SequentialArgs,
  type CompileArgs,
  type FitArgs,
  type EvaluateArgs,
  type PredictArgs,
  type SummaryOptions,
} from './models/index.js';
export type { FitDatasetArgs, Batch, BatchSource } from './models/trainer.js';
export type { StepData, StepLogs, ComputeLossArgs } from './models/trainer.js';
export {
  loadLayersModel,
  saveModel,
  modelFromTopology,
  modelTopology,
  type SaveOptions,
  type LoadOptions,
} from './models/saving.js';
export { loadModel, type ModelSource } from './io/keras/index.js';
export * as io from './io/index.js';
export * as callbacks from './callbacks/index.js';
export {
  Callback,
  CustomCallback,
  type CallbackHooks as CustomCallbackArgs,
  EarlyStopping,
  History,
} from './callbacks/index.js';
export * as losses from './losses/index.js';
export { TfjsReduction as Reduction } from './losses/tfjs.js';
export * as metrics from './metrics/index.js';
export * as optimizers from './optimizers/index.js';
export * as mixedPrecision from './mixed_precision/index.js';
export { train } from './optimizers/index.js';
// tfjs' optimizer classes (what tf.train.* returns), over neurite's optimizers
export {
  TfjsOptimizer as Optimizer,
  SGDOptimizer,
  MomentumOptimizer,
  AdamOptimizer,
  AdamaxOptimizer,
  AdagradOptimizer,
  AdadeltaOptimizer,
  RMSPropOptimizer,
  type NamedTensor,
} from './optimizers/index.js';
export * as initializers from './initializers/index.js';
export * as regularizers from './regularizers/index.js';
export * as constraints from './constraints/index.js';
export * as activations from './activations/index.js';
export * as viz from './viz/index.js';
export * as data from './data/index.js';
export * as util from './util/index.js';
export * as tensor_util from './util/tensor_util.js';
export { TensorBuffer, buffer } from './core/tensor_buffer.js';
export { nextFrame } from './util/next_frame.js';
export { version_core } from './version.js';
