// Models: functional Model, Sequential, and the training API types.
export { Model, model, type ModelArgs } from './model.js';
export { Sequential, sequential, type SequentialArgs } from './sequential.js';
export type { CompileArgs, FitArgs, EvaluateArgs, PredictArgs } from './trainer.js';
export type { SummaryOptions } from './summary.js';

// toJSON writes what saving.ts writes; saving.ts imports model.ts, so the writer is installed from here.
import { setTopologyWriter } from './model.js';
import { modelTopology } from './saving.js';
setTopologyWriter(modelTopology);
