// nr.callbacks: the Callback base, History, and the built-in callbacks.
export {
  Callback,
  CallbackList,
  CustomCallback,
  type CallbackHooks,
  type CallbackSpec,
  type Logs,
  toCallbacks,
} from './callback.js';
export { History } from './history.js';
export { Progbar, formatLogs, type ProgressStream } from './progbar.js';
export { EarlyStopping, type EarlyStoppingArgs, earlyStopping } from './early_stopping.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauArgs, LearningRateScheduler } from './lr.js';
export { CSVLogger, TerminateOnNaN } from './misc.js';
export { ModelCheckpoint, type ModelCheckpointArgs } from './checkpoint.js';
