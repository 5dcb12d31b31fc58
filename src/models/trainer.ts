// The training loop behind compile/fit/evaluate/predict: one epoch loop over batch sources, Keras 3's steps.
import { noGrad, stopGradient, variableGrads } from '../autograd/grad.js';
import { ArgumentError, show } from '../core/errors.js';
import { ENGINE } from '../core/engine.js';
import { dispose, keep, tidy } from '../core/memory.js';
import { Tensor, type Variable } from '../core/tensor.js';
import type { Metric } from '../metrics/index.js';
import type { Optimizer } from '../optimizers/index.js';
import { concat } from '../ops/movement.js';
import { CallbackList, toCallbacks } from '../callbacks/callback.js';
import { History } from '../callbacks/history.js';
import { Progbar } from '../callbacks/progbar.js';
import type { Model } from './model.js';
import type { JsonObject } from '../io/artifacts.js';
import type {
  BatchSource,
  CompileArgs,
  EvaluateArgs,
  FitArgs,
  FitDatasetArgs,
  PredictArgs,
} from './training_args.js';
import { compileArgsFrom, trainingConfigOf } from './training_config.js';
import { logsAsTensors, readLogs, type StepLogs, withTfjsNames } from './training/logs.js';
import { defaultStream, yieldToLoop } from './loop.js';
import {
  ArrayBatches,
  asList,
  DatasetBatches,
  type NamedInputs,
  single,
  type StepData,
  type StepSource,
  takeRows,
} from './training/batches.js';
import { checkData, checkSparseLabels, namedTensors, sampleWeights } from './training/checks.js';
import { compileState, type CompiledState, disposeMetrics } from './training/compiled.js';
import { JitSteps } from './training/jit_steps.js';

/** What `computeLoss` receives (Keras 3's `compute_loss` arguments). */
export interface ComputeLossArgs {
  x: Tensor | Tensor[];
  y: Tensor | Tensor[] | null;
  yPred: Tensor | Tensor[];
  sampleWeight?: Tensor | null;
}

/** Options of the shared epoch loop. */
interface LoopArgs {
  epochs: number;
  initialEpoch: number;
  verbose: 0 | 1 | 2;
  stream: FitArgs['stream'];
  callbacks: FitArgs['callbacks'];
}

/** The compiled state of a model and the loops that use it. @example new Trainer(model).compile({ optimizer: 'adam', loss: 'mse' }) // what model.compile does */
export class Trainer {
  private state: CompiledState | null = null;
  /** The captured steps when compiled with jitCompile: true. */
  private jitSteps: JitSteps | null = null;

  constructor(private readonly model: Model) {}

  get compiled(): boolean {
    return this.state !== null;
  }

  get optimizer(): Optimizer | null {
    return this.state?.optimizer ?? null;
  }

  compile(args: CompileArgs): void {
    if (args?.jitCompile !== undefined && typeof args.jitCompile !== 'boolean')
      throw new ArgumentError(
        `${this.model.name}: compile's jitCompile must be a boolean, received ${show(args.jitCompile)}`,
      );
    this.state = compileState(this.model, args, this.state);
    this.jitSteps?.dispose();
    this.jitSteps = args.jitCompile ? new JitSteps(this.model) : null;
  }

  // The loops call the model's steps through these: captured with jitCompile, directly otherwise.
  private runTrainStep(data: StepData): StepLogs {
    if (!this.jitSteps) return this.model.trainStep(data);
    const lr = this.state?.optimizer.learningRate ?? null;
    return this.jitSteps.trainStep(data, lr);
  }

  private runTestStep(data: StepData): StepLogs {
    return this.jitSteps ? this.jitSteps.testStep(data) : this.model.testStep(data);
  }

  private runPredictStep(data: StepData): Tensor | Tensor[] {
    return this.jitSteps ? this.jitSteps.predictStep(data) : this.model.predictStep(data);
  }

  private requireCompiled(op: string): CompiledState {
    if (!this.state) throw new ArgumentError(`${this.model.name}: call compile() before ${op}()`);
    return this.state;
  }

  // ---- the default steps (Model's trainStep/testStep/predictStep call these) ----

  /** The weights the default trainStep updates: those collected at compile, or at the first step. */
  private weightsToTrain(state: CompiledState, x: Tensor | Tensor[]): Variable[] {
    if (state.trainableWeights) return state.trainableWeights;
    // Subclassed models create their weights on the first call: build them outside the tape.
    if (!this.model.trainableWeights.length)
      tidy(() => noGrad(() => this.model.apply(x, { training: false })));
    const weights = this.model.trainableWeights;
    if (!weights.length)
      throw new ArgumentError(`${this.model.name}: the model has no trainable weights`);
    state.trainableWeights = weights;
    return weights;
  }

  /** Keras 3's default train_step: forward, loss, gradients, optimizer, metrics. */
  trainStep(data: StepData): StepLogs {
    const state = this.requireCompiled('trainStep');
    const vars = this.weightsToTrain(state, data.x);
    // What leaves the differentiated function, detached: the predictions and the unscaled loss.
    const kept: { preds: Tensor[]; loss: Tensor | null } = { preds: [], loss: null };
    const { value, grads } = variableGrads(() => {
      const yPred = this.model.apply(data.x, { training: true });
      const total = this.model.computeLoss({
        x: data.x,
        y: data.y,
        yPred,
        sampleWeight: data.sampleWeight,
      });
      kept.preds = asList(yPred).map((p) => keep(stopGradient(p)));
      kept.loss = keep(stopGradient(total));
      // a LossScaleOptimizer differentiates loss · scale (Keras' scale_loss); others the loss
      return state.optimizer.scaleLoss(total);
    }, vars);
    state.optimizer.applyGradients(vars.map((v): [Tensor, Variable] => [grads[v.name], v]));
    this.model.applyConstraints();
    state.lossTracker.updateState(kept.loss ?? value, batchSize(data));
    const logs = this.model.computeMetrics(data.x, data.y, single(kept.preds), data.sampleWeight);
    dispose([kept.preds, kept.loss]);
    return logs;
  }

  /** Keras 3's default test_step: forward, loss, metrics. */
  testStep(data: StepData): StepLogs {
    const state = this.requireCompiled('testStep');
    const yPred = this.model.apply(data.x, { training: false });
    const loss = this.model.computeLoss({
      x: data.x,
      y: data.y,
      yPred,
      sampleWeight: data.sampleWeight,
    });
    state.lossTracker.updateState(loss, batchSize(data));
    return this.model.computeMetrics(data.x, data.y, yPred, data.sampleWeight);
  }

  /** Keras 3's default predict_step: the model's outputs. */
  predictStep(data: StepData): Tensor | Tensor[] {
    return this.model.apply(data.x, { training: false });
  }

  /** The compiled losses (weighted per output) plus the model's own losses (`model.losses`). */
  computeLoss(args: ComputeLossArgs): Tensor {
    const state = this.requireCompiled('computeLoss');
    const preds = asList(args.yPred);
    const ys = args.y === null ? [] : asList(args.y);
    const parts: Tensor[] = [];
    if (state.losses.length) {
      if (ys.length !== state.losses.length)
        throw new ArgumentError(
          `${this.model.name}: the model has ${state.losses.length} output(s) with a loss, received ${ys.length} target tensor(s)`,
        );
      state.losses.forEach((l, i) =>
        parts.push(
          l.call(ys[i], preds[i], args.sampleWeight ?? undefined).mul(state.lossWeights[i]),
        ),
      );
    }
    // Keras adds what layers added with addLoss in this pass, and the weights' penalties.
    parts.push(...this.model.losses);
    if (!parts.length)
      throw new ArgumentError(
        `${this.model.name}: there is no loss: compile() was given none and no layer added one (addLoss)`,
      );
    return parts.reduce((a, b) => a.add(b));
  }

  /** Updates the compiled metrics with a batch and returns every metric's result. */
  computeMetrics(
    y: Tensor | Tensor[] | null,
    yPred: Tensor | Tensor[],
    sampleWeight: Tensor | null,
  ): StepLogs {
    const state = this.requireCompiled('computeMetrics');
    if (state.metrics.length && y !== null) {
      const ys = asList(y);
      const preds = asList(yPred);
      for (const m of state.metrics)
        m.metric.updateState(ys[m.output], preds[m.output], sampleWeight ?? undefined);
    }
    return this.metricsResult();
  }

  /** The loss tracker and the compiled metrics (Keras 3's `model.metrics`), reset at each epoch. */
  get metrics(): Metric[] {
    return this.state ? [this.state.lossTracker, ...this.state.metrics.map((m) => m.metric)] : [];
  }

  /** Each of `model.metrics`' results, by the name it is logged under. */
  metricsResult(): StepLogs {
    const logs: StepLogs = {};
    for (const m of this.model.metrics) logs[this.logName(m)] = m.result();
    return logs;
  }

  private logName(m: Metric): string {
    if (this.state?.lossTracker === m) return 'loss';
    return this.state?.metrics.find((c) => c.metric === m)?.name ?? m.name;
  }

  private checkData(op: string, x: Tensor | Tensor[], y: Tensor | Tensor[] | null) {
    return checkData(this.model, this.state, op, x, y);
  }

  /** Maps `{inputName: tensor}` dataset elements to the model's inputs (or outputs) in order. */
  private readonly named: NamedInputs = (record, what) => namedTensors(this.model, record, what);

  // ---- the loop ----

  /** Resets `model.metrics` (each epoch, each evaluation). */
  private resetMetrics(): void {
    for (const m of this.model.metrics) m.resetState();
  }

  /**
   * The one epoch loop of fit and fitDataset: per batch a memory scope around `model.trainStep`, the
   * latest logs kept as tensors and read only when shown (progress bar, batch callbacks, epoch end).
   */
  private async runEpochs(
    source: StepSource,
    validation: StepSource | null,
    args: LoopArgs,
  ): Promise<History> {
    const history = new History();
    // History runs last, so it records what other callbacks add to the logs (learning_rate).
    const callbacks = new CallbackList([...toCallbacks(args.callbacks), history]);
    const stream = args.stream ?? defaultStream();
    const bar = args.verbose
      ? new Progbar(
          args.verbose === 2 ? { write: (s: string) => stream.write(s), isTTY: false } : stream,
          args.epochs,
        )
      : null;
    // A CommonJS program never awaits ready(): the wasm start its entry began is waited for here, or the
    // loop's steps would keep the event loop too busy for it to end and train on the reference cpu backend.
    await ENGINE.backendSettled();
    callbacks.setModel(this.model);
    callbacks.setParams({ epochs: args.epochs, steps: source.steps ?? 0, verbose: args.verbose });
    this.model.stopTraining = false;
    await callbacks.trainBegin();
    for (let epoch = args.initialEpoch; epoch < args.epochs && !this.model.stopTraining; epoch++) {
      await callbacks.epochBegin(epoch);
      this.resetMetrics();
      bar?.epochBegin(epoch, source.steps);
      let latest: StepLogs | null = null;
      let step = 0;
      let lastYield = performance.now();
      try {
        for await (const batch of source.epoch()) {
          await callbacks.batchBegin(step);
          const logs = tidy(() => this.runTrainStep(batch));
          dispose(latest);
          latest = logs;
          if (callbacks.wantsBatchLogs) await callbacks.batchEnd(step, await readLogs(logs));
          step++;
          if (bar?.wantsUpdate()) bar.update(step, await readLogs(logs));
          // Let timers, I/O and callbacks run between steps without a read from the backend.
          if (performance.now() - lastYield > 50) {
            await yieldToLoop();
            lastYield = performance.now();
          }
          if (this.model.stopTraining) break;
        }
        latest ??= tidy(() => this.metricsResult());
        const logs = await readLogs(latest);
        if (validation) {
          const val = await this.testBatches(validation);
          Object.assign(logs, await readLogs(val, 'val_'));
          dispose(val);
        }
        bar?.epochEnd(logs, step);
        await callbacks.epochEnd(epoch, withTfjsNames(logs, this.state?.metrics ?? []));
      } finally {
        dispose(latest);
      }
    }
    await callbacks.trainEnd();
    return history;
  }

  /** One `model.testStep` in a memory scope; frees the previous step's logs. */
  private testOne(batch: StepData, previous: StepLogs | null): StepLogs {
    const logs = tidy(() => this.runTestStep(batch));
    dispose(previous);
    return logs;
  }

  /** Runs `model.testStep` over a source's batches from fresh metrics; the last logs (caller frees them). */
  private async testBatches(source: StepSource): Promise<StepLogs> {
    if (source instanceof ArrayBatches) return this.testArrays(source);
    this.resetMetrics();
    let latest: StepLogs | null = null;
    for await (const batch of source.epoch()) latest = this.testOne(batch, latest);
    return latest ?? tidy(() => this.metricsResult());
  }

  /** The same over in-memory batches, synchronously (evaluate and testOnBatch are synchronous in tfjs). */
  private testArrays(source: ArrayBatches): StepLogs {
    this.resetMetrics();
    let latest: StepLogs | null = null;
    for (const batch of source.epoch()) latest = this.testOne(batch, latest);
    return latest ?? tidy(() => this.metricsResult());
  }

  // ---- the public loops ----

  async fit(x: Tensor | Tensor[], y: Tensor | Tensor[] | null, args: FitArgs): Promise<History> {
    const state = this.requireCompiled('fit');
    const epochs = args.epochs ?? 1;
    const batchSize = args.batchSize ?? 32;
    if (!Number.isInteger(epochs) || epochs < 0)
      throw new ArgumentError(
        `fit: epochs must be a non-negative integer, received ${show(args.epochs)}`,
      );
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new ArgumentError(
        `fit: batchSize must be a positive integer, received ${show(args.batchSize)}`,
      );
    const split = args.validationSplit ?? 0;
    if (!(split >= 0 && split < 1))
      throw new ArgumentError(
        `fit: validationSplit must be in [0, 1), received ${show(args.validationSplit)}`,
      );
    const data = this.checkData('fit', x, y);
    if (data.ys) await checkSparseLabels(this.model, state, data.ys);
    const sw = await sampleWeights(data.ys, args, data.n);
    const owned: Tensor[] = sw ? [sw] : [];
    try {
      let train = { xs: data.xs, ys: data.ys, sampleWeight: sw };
      let val: typeof train | null = null;
      if (args.validationData) {
        const [vx, vy, vsw] = args.validationData;
        const v = this.checkData('fit (validationData)', vx, vy);
        val = { xs: v.xs, ys: v.ys, sampleWeight: vsw ?? null };
      } else if (split > 0) {
        const n = data.n;
        const nTrain = Math.floor(n * (1 - split));
        if (nTrain === 0 || nTrain === n)
          throw new ArgumentError(
            `fit: validationSplit ${split} leaves no training or no validation samples out of ${n}`,
          );
        const all = [...data.xs, ...(data.ys ?? []), ...(sw ? [sw] : [])];
        const cut = (from: number, to: number) => {
          const rows = takeRows(all, from, to, null);
          owned.push(...rows);
          const nx = data.xs.length;
          const ny = data.ys?.length ?? 0;
          return {
            xs: rows.slice(0, nx),
            ys: data.ys ? rows.slice(nx, nx + ny) : null,
            sampleWeight: sw ? (rows.at(-1) ?? null) : null,
          };
        };
        val = cut(nTrain, n);
        train = cut(0, nTrain);
      }
      const source = new ArrayBatches(train, {
        batchSize,
        shuffle: args.shuffle !== false,
        steps: args.stepsPerEpoch,
      });
      const validation = val
        ? new ArrayBatches(val, { batchSize: args.validationBatchSize ?? batchSize })
        : null;
      return await this.runEpochs(source, validation, this.loopArgs(args, epochs));
    } finally {
      dispose(owned);
    }
  }

  async fitDataset(dataset: BatchSource, args: FitDatasetArgs): Promise<History> {
    this.requireCompiled('fitDataset');
    const source = new DatasetBatches(
      dataset,
      args.batchesPerEpoch ?? null,
      this.named,
      'fitDataset',
    );
    const val = args.validationData;
    let validation: StepSource | null = null;
    if (Array.isArray(val)) {
      const v = this.checkData('fitDataset (validationData)', val[0], val[1]);
      validation = new ArrayBatches({ xs: v.xs, ys: v.ys, sampleWeight: null }, { batchSize: 32 });
    } else if (val)
      validation = new DatasetBatches(
        val,
        args.validationBatches ?? null,
        this.named,
        'fitDataset',
      );
    return this.runEpochs(source, validation, this.loopArgs(args, args.epochs ?? 1));
  }

  private loopArgs(args: FitArgs | FitDatasetArgs, epochs: number): LoopArgs {
    return {
      epochs,
      initialEpoch: args.initialEpoch ?? 0,
      verbose: args.verbose ?? 1,
      stream: args.stream,
      callbacks: args.callbacks,
    };
  }

  evaluate(x: Tensor | Tensor[], y: Tensor | Tensor[], args: EvaluateArgs): Tensor | Tensor[] {
    this.requireCompiled('evaluate');
    const { xs, ys } = this.checkData('evaluate', x, y);
    const batchSize = args.batchSize ?? 32;
    const source = new ArrayBatches(
      { xs, ys, sampleWeight: args.sampleWeight ?? null },
      { batchSize },
    );
    return logsAsTensors(this.testArrays(source));
  }

  async evaluateDataset(
    dataset: BatchSource,
    args: { batches?: number },
  ): Promise<Tensor | Tensor[]> {
    this.requireCompiled('evaluateDataset');
    const source = new DatasetBatches(dataset, args.batches ?? null, this.named, 'evaluateDataset');
    return logsAsTensors(await this.testBatches(source));
  }

  predict(x: Tensor | Tensor[], args: PredictArgs): Tensor | Tensor[] {
    const xs = asList(x);
    const batchSize = args.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new ArgumentError(
        `predict: batchSize must be a positive integer, received ${show(args.batchSize)}`,
      );
    const n = xs[0]?.shape[0] ?? 0;
    // Inputs that fit in one batch go to the step as they are: no batch source, slices or concat
    // (batch-1 inference of a small model takes about 100 µs of kernels, so each µs around them shows).
    if (n > 0 && n <= batchSize)
      return single(this.predictBatch({ x: single(xs), y: null, sampleWeight: null }, xs));
    const source = new ArrayBatches({ xs, ys: null, sampleWeight: null }, { batchSize });
    const chunks: Tensor[][] = [];
    for (const batch of source.epoch()) chunks.push(this.predictBatch(batch, xs));
    if (chunks.length === 1) return single(chunks[0]);
    const outs = tidy(() =>
      (chunks[0] ?? []).map((_, i) =>
        concat(
          chunks.map((c) => c[i]),
          0,
        ),
      ),
    );
    dispose(chunks);
    return single(outs);
  }

  /** One predict step in a memory scope: the outputs as a list, those that are inputs cloned. */
  private predictBatch(batch: StepData, xs: readonly Tensor[]): Tensor[] {
    // An output that is an input (an identity model) is cloned, so disposing it leaves the input alive.
    return tidy(() =>
      asList(this.runPredictStep(batch)).map((o) => (xs.includes(o) ? o.clone() : o)),
    );
  }

  predictOnBatch(x: Tensor | Tensor[]): Tensor | Tensor[] {
    return tidy(() => this.runPredictStep({ x, y: null, sampleWeight: null }));
  }

  async trainOnBatch(x: Tensor | Tensor[], y: Tensor | Tensor[]): Promise<number | number[]> {
    this.requireCompiled('trainOnBatch');
    await ENGINE.backendSettled();
    const { xs, ys } = this.checkData('trainOnBatch', x, y);
    this.resetMetrics();
    const logs = tidy(() =>
      this.runTrainStep({ x: single(xs), y: ys && single(ys), sampleWeight: null }),
    );
    try {
      return lossOrList(Object.values(await readLogs(logs)));
    } finally {
      dispose(logs);
    }
  }

  async testOnBatch(x: Tensor | Tensor[], y: Tensor | Tensor[]): Promise<number | number[]> {
    this.requireCompiled('testOnBatch');
    const { xs, ys } = this.checkData('testOnBatch', x, y);
    const n = xs[0].shape[0] || 1;
    const logs = this.testArrays(
      new ArrayBatches({ xs, ys, sampleWeight: null }, { batchSize: n }),
    );
    try {
      return lossOrList(Object.values(await readLogs(logs)));
    } finally {
      dispose(logs);
    }
  }

  /** model.json's trainingConfig: loss and metric names, optimizer class and config (pythonic keys). */
  trainingConfig(): JsonObject | null {
    if (!this.state) return null;
    return trainingConfigOf(
      this.state.losses,
      this.state.metrics.map((m) => m.metric.name),
      this.state.optimizer,
    );
  }

  /** Compiles from a trainingConfig written by `trainingConfig()` or by tfjs. */
  compileFromTrainingConfig(config: JsonObject): void {
    this.compile(compileArgsFrom(config, this.model.name));
  }

  dispose(): void {
    this.jitSteps?.dispose();
    this.jitSteps = null;
    if (!this.state) return;
    this.state.optimizer.dispose();
    disposeMetrics(this.state);
    this.state = null;
  }
}

/** The number of samples in a batch (the loss tracker's weight). */
function batchSize(data: StepData): number {
  return asList(data.x)[0]?.shape[0] ?? 1;
}

// The loop's argument types, importable from here as before the split.
export type * from './training_args.js';
export type { StepData } from './training/batches.js';
export type { StepLogs } from './training/logs.js';

/**
 * The loss alone when there is nothing else, else [loss, ...metrics]: what tfjs's and Keras' train/testOnBatch
 * return (`const loss = await model.trainOnBatch(x, y)` in tfjs programs is a number).
 * @example lossOrList([0.5]) // 0.5
 */
function lossOrList(values: number[]): number | number[] {
  return values.length === 1 ? values[0] : values;
}
