// The training loop behind compile/fit/evaluate/predict: one memory scope per step, reads only when shown.
import { noGrad, variableGrads } from '../autograd/grad.js';
import { variable } from '../core/backends_api.js';
import { ENGINE } from '../core/engine.js';
import { ArgumentError, show } from '../core/errors.js';
import { dispose, keep, tidy } from '../core/memory.js';
import type { Tensor, Variable } from '../core/tensor.js';
import { getLoss, type Loss, validateSparseLabels } from '../losses/index.js';
import { getMetric, type Metric, type MetricSpec } from '../metrics/index.js';
import { getOptimizer, type Optimizer } from '../optimizers/index.js';
import { LossScaleOptimizer } from '../mixed_precision/loss_scale_optimizer.js';
import { concat } from '../ops/movement.js';
import { gather } from '../ops/gather.js';
import { scalar } from '../ops/creation.js';
import { stopGradient } from '../autograd/grad.js';
import { CallbackList, type Logs, toCallbacks } from '../callbacks/callback.js';
import { History } from '../callbacks/history.js';
import { Progbar } from '../callbacks/progbar.js';
import type { Model } from './model.js';
import { collectActivityLosses } from '../layers/noise.js';
import type { JsonObject } from '../io/artifacts.js';
import type {
  Batch,
  BatchSource,
  CompileArgs,
  EvaluateArgs,
  FitArgs,
  FitDatasetArgs,
  PredictArgs,
} from './training_args.js';
import { compileArgsFrom, trainingConfigOf } from './training_config.js';
import { defaultStream, shuffled, yieldToLoop } from './loop.js';

const asList = (x: Tensor | Tensor[]): Tensor[] => (Array.isArray(x) ? x : [x]);

/** The compiled state of a model and the loops that use it. @example new Trainer(model).compile({ optimizer: 'adam', loss: 'mse' }) // what model.compile does */
export class Trainer {
  compiled = false;
  optimizer: Optimizer | null = null;
  private losses: Loss[] = [];
  private lossWeights: number[] = [];
  private metrics: { output: number; metric: Metric; name: string }[] = [];
  private compileSpecs: CompileArgs | null = null;
  private lossSum: Variable | null = null;
  private lossCount: Variable | null = null;

  constructor(private readonly model: Model) {}

  /** Symbolic output shapes when the model knows them (functional, or a built Sequential). */
  private outputShapes(): (number | null)[][] {
    if (this.model.outputs.length) return this.model.outputs.map((o) => o.shape);
    const input = this.model.builtInputShape;
    if (!input) return [];
    const out = this.model.computeOutputShape(input);
    return out.length > 0 && Array.isArray(out[0])
      ? (out as (number | null)[][])
      : [out as (number | null)[]];
  }

  private outputNames(): string[] {
    const outs = this.model.outputs;
    if (!outs.length) return ['output'];
    return outs.map((o) => o.node?.layer.name ?? o.name);
  }

  compile(args: CompileArgs): void {
    if (!args || args.optimizer === undefined)
      throw new ArgumentError(
        `${this.model.name}: compile needs an optimizer, received ${show(args?.optimizer)}`,
      );
    if (args.loss === undefined)
      throw new ArgumentError(`${this.model.name}: compile needs a loss`);
    const names = this.outputNames();
    const perOutput = <T>(spec: T | T[] | Record<string, T>, what: string): T[] => {
      if (Array.isArray(spec)) {
        if (spec.length !== names.length)
          throw new ArgumentError(
            `${this.model.name}: ${what} has ${spec.length} entries for ${names.length} outputs`,
          );
        return spec;
      }
      if (
        spec !== null &&
        typeof spec === 'object' &&
        !('call' in spec) &&
        !('getClassName' in spec) &&
        !('className' in spec)
      ) {
        const rec = spec as Record<string, T>;
        for (const k of Object.keys(rec))
          if (!names.includes(k))
            throw new ArgumentError(
              `${this.model.name}: ${what} names unknown output '${k}'; outputs: ${names.join(', ')}`,
            );
        return names.map((n) => rec[n]);
      }
      return names.map(() => spec as T);
    };
    const optimizer = this.withLossScaling(getOptimizer(args.optimizer));
    // Recompiling with the same optimizer object keeps its state; a replaced one is freed.
    if (this.optimizer && this.optimizer !== optimizer) this.optimizer.dispose();
    this.optimizer = optimizer;
    this.losses = perOutput(args.loss, 'loss').map((l) => getLoss(l));
    const lw =
      args.lossWeights === undefined
        ? names.map(() => 1)
        : perOutput(args.lossWeights, 'lossWeights');
    this.lossWeights = lw;
    for (const m of this.metrics) m.metric.dispose();
    this.metrics = [];
    const metricSpecs: MetricSpec[][] = Array.isArray(args.metrics)
      ? names.map(() => args.metrics as MetricSpec[])
      : names.map((n) => {
          const rec = (args.metrics ?? {}) as Record<string, MetricSpec | MetricSpec[]>;
          const v = rec[n];
          return v === undefined ? [] : Array.isArray(v) ? v : [v];
        });
    metricSpecs.forEach((specs, output) => {
      for (const spec of specs) {
        const lossName = this.losses[output].getClassName();
        const shape = this.outputShapes()[output];
        const metric = getMetric(spec, {
          lossName,
          outputShape: shape ? shape.map((d) => d ?? -1) : undefined,
        });
        // A metric named by a string is logged under that string, as Keras 3 does ('mae' stays 'mae').
        const base = typeof spec === 'string' ? spec : metric.name;
        const name = names.length > 1 ? `${names[output]}_${base}` : base;
        this.metrics.push({ output, metric, name });
      }
    });
    this.compileSpecs = args;
    this.lossSum ??= tidy(() =>
      variable(scalar(0), false, ENGINE.uniqueVariableName(`${this.model.name}/loss_sum`)),
    );
    this.lossCount ??= tidy(() =>
      variable(scalar(0), false, ENGINE.uniqueVariableName(`${this.model.name}/loss_count`)),
    );
    this.compiled = true;
  }

  private assertCompiled(op: string): void {
    if (!this.compiled || !this.optimizer)
      throw new ArgumentError(`${this.model.name}: call compile() before ${op}()`);
  }

  /** Checks x and y: tensors, one per input/output, the same number of samples. */
  private checkData(
    op: string,
    x: Tensor | Tensor[],
    y: Tensor | Tensor[] | null,
  ): { xs: Tensor[]; ys: Tensor[]; n: number } {
    const xs = asList(x);
    const ys = y === null ? [] : asList(y);
    const nIn = Math.max(this.model.inputs.length, 1);
    if (xs.length !== nIn)
      throw new ArgumentError(
        `${op}: the model has ${nIn} input(s), received ${xs.length} x tensor(s)`,
      );
    if (y !== null && ys.length !== this.losses.length)
      throw new ArgumentError(
        `${op}: the model has ${this.losses.length} output(s), received ${ys.length} y tensor(s)`,
      );
    const n = xs[0].shape[0];
    [...xs, ...ys].forEach((t, i) => {
      ENGINE.assertAlive(op, i < xs.length ? `x[${i}]` : `y[${i - xs.length}]`, t);
      if (t.rank === 0 || t.shape[0] !== n) {
        throw new ArgumentError(
          `${op}: x and y must have the same number of samples: x[0] has ${n}, ${i < xs.length ? `x[${i}]` : `y[${i - xs.length}]`} has shape ${show(t.shape)}`,
        );
      }
    });
    return { xs, ys, n };
  }

  /**
   * Integer labels outside [0, classes) make sparse crossentropy NaN; check them once, before training,
   * with one read of the in-memory labels (never per step).
   */
  private async checkSparseLabels(ys: Tensor[]): Promise<void> {
    for (let i = 0; i < ys.length; i++) {
      if (this.losses[i].getClassName() !== 'SparseCategoricalCrossentropy') continue;
      const classes = this.outputShapes()[i]?.at(-1);
      if (typeof classes !== 'number') continue;
      try {
        await validateSparseLabels(ys[i], classes);
      } catch (e) {
        if (e instanceof Error)
          throw new ArgumentError(
            `fit: y${ys.length > 1 ? `[${i}]` : ''} (labels for output '${this.outputNames()[i]}'): ${e.message}`,
          );
        throw e;
      }
    }
  }

  /** Total loss of a batch (per-output losses, weights, regularization); also returns the predictions. */
  private batchLoss(
    xs: Tensor[],
    ys: Tensor[],
    sw: Tensor | null,
    training: boolean,
  ): { loss: Tensor; preds: Tensor[] } {
    const out = this.model.apply(xs.length === 1 ? xs[0] : xs, { training });
    const preds = asList(out);
    let total: Tensor | null = null;
    preds.forEach((p, i) => {
      const l = this.losses[i].call(ys[i], p, sw ?? undefined).mul(this.lossWeights[i]);
      total = total ? total.add(l) : l;
    });
    for (const r of this.model.regularizationLosses()) total = total ? (total as Tensor).add(r) : r;
    // Penalties recorded by layers during this call (ActivityRegularization), as Keras adds them.
    for (const r of collectActivityLosses(this.model)) total = total ? (total as Tensor).add(r) : r;
    return { loss: total ?? scalar(0), preds };
  }

  /**
   * Keras 3: under the 'mixed_float16' policy (the model's, which defaults to the global one) the
   * optimizer is wrapped in a LossScaleOptimizer; recompiling with the same inner optimizer keeps it.
   */
  private withLossScaling(optimizer: Optimizer): Optimizer {
    if (this.model.dtypePolicy.name !== 'mixed_float16' || optimizer instanceof LossScaleOptimizer)
      return optimizer;
    const current = this.optimizer;
    if (current instanceof LossScaleOptimizer && current.innerOptimizer === optimizer)
      return current;
    return new LossScaleOptimizer(optimizer);
  }

  /** One optimisation step; everything but the state updates is freed. */
  private trainStep(xs: Tensor[], ys: Tensor[], sw: Tensor | null): void {
    const optimizer = this.optimizer as Optimizer;
    // Subclassed models create their weights on the first call: build them outside the tape.
    if (!this.model.trainableWeights.length)
      tidy(() => noGrad(() => this.model.apply(xs.length === 1 ? xs[0] : xs, { training: false })));
    tidy(() => {
      let preds: Tensor[] = [];
      const vars = this.model.trainableWeights;
      if (!vars.length)
        throw new ArgumentError(`${this.model.name}: the model has no trainable weights`);
      let loss: Tensor | null = null;
      const { grads } = variableGrads(() => {
        const r = this.batchLoss(xs, ys, sw, true);
        preds = r.preds.map((p) => keep(stopGradient(p)));
        loss = keep(stopGradient(r.loss));
        // a LossScaleOptimizer differentiates loss · scale (Keras' scale_loss); others the loss
        return optimizer.scaleLoss(r.loss);
      }, vars);
      optimizer.applyGradients(vars.map((v) => [grads[v.name], v] as [Tensor, Variable]));
      this.model.applyConstraints();
      const value = loss as Tensor | null;
      if (value) this.track(value, ys, preds, sw);
      dispose(preds);
      value?.dispose();
    });
  }

  /** Adds a batch's loss and predictions to the running loss and metrics. */
  private track(loss: Tensor, ys: Tensor[], preds: Tensor[], sw: Tensor | null): void {
    const sum = this.lossSum as Variable;
    const count = this.lossCount as Variable;
    const n = ys[0]?.shape[0] ?? 1;
    sum.assign(sum.add(loss.mul(n)));
    count.assign(count.add(n));
    for (const m of this.metrics)
      m.metric.updateState(ys[m.output], preds[m.output], sw ?? undefined);
  }

  private resetTracking(): void {
    tidy(() => {
      (this.lossSum as Variable).assign(scalar(0));
      (this.lossCount as Variable).assign(scalar(0));
    });
    for (const m of this.metrics) m.metric.resetState();
  }

  /** Reads the running loss and metrics (the only place values leave the backend). */
  private async readLogs(prefix = ''): Promise<Logs> {
    const logs: Logs = {};
    const mean = tidy(() =>
      (this.lossSum as Variable).div((this.lossCount as Variable).maximum(1)),
    );
    logs[`${prefix}loss`] = (await mean.data())[0];
    mean.dispose();
    for (const m of this.metrics) {
      const r = m.metric.result();
      logs[`${prefix}${m.name}`] = (await r.data())[0];
      r.dispose();
    }
    return logs;
  }

  /** Rows `idx` of each tensor. */
  private take(ts: Tensor[], idx: Tensor): Tensor[] {
    return ts.map((t) => gather(t, idx, 0));
  }

  /** Per-sample weights from classWeight (reads y once, before training) and/or sampleWeight. */
  private async sampleWeights(ys: Tensor[], args: FitArgs, n: number): Promise<Tensor | null> {
    if (!args.classWeight) return args.sampleWeight ? args.sampleWeight.clone() : null;
    if (ys.length !== 1)
      throw new ArgumentError('fit: classWeight is supported for single-output models only');
    const y = ys[0];
    const values = await y.data();
    const classes = y.rank > 1 && y.shape[y.rank - 1] > 1 ? y.shape[y.rank - 1] : 0;
    const w = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let cls: number;
      if (classes) {
        let best = 0;
        for (let c = 1; c < classes; c++)
          if (values[i * classes + c] > values[i * classes + best]) best = c;
        cls = best;
      } else cls = Math.round(values[i]);
      w[i] = args.classWeight[cls] ?? 1;
    }
    const cw = ENGINE.fromValues(w, [n], 'float32');
    if (!args.sampleWeight) return cw;
    const both = cw.mul(args.sampleWeight);
    cw.dispose();
    return both;
  }

  async fit(x: Tensor | Tensor[], y: Tensor | Tensor[], args: FitArgs): Promise<History> {
    this.assertCompiled('fit');
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
    if (
      args.sampleWeight &&
      (args.sampleWeight.rank !== 1 || args.sampleWeight.shape[0] !== data.n)
    ) {
      throw new ArgumentError(
        `fit: sampleWeight must have shape [${data.n}], received ${show(args.sampleWeight.shape)}`,
      );
    }
    await this.checkSparseLabels(data.ys);
    const owned: Tensor[] = [];
    let { xs, ys } = data;
    let n = data.n;
    let sw = await this.sampleWeights(ys, args, n);
    if (sw) owned.push(sw);
    let val: { xs: Tensor[]; ys: Tensor[]; sw: Tensor | null } | null = null;
    if (args.validationData) {
      const [vx, vy, vsw] = args.validationData;
      const v = this.checkData('fit (validationData)', vx, vy);
      val = { xs: v.xs, ys: v.ys, sw: vsw ?? null };
    } else if (split > 0) {
      const nTrain = Math.floor(n * (1 - split));
      if (nTrain === 0 || nTrain === n)
        throw new ArgumentError(
          `fit: validationSplit ${split} leaves no training or no validation samples out of ${n}`,
        );
      const cut = (ts: Tensor[], from: number, to: number) =>
        ts.map((t) =>
          t.slice(
            [from, ...t.shape.slice(1).map(() => 0)],
            [to - from, ...t.shape.slice(1).map(() => -1)],
          ),
        );
      val = {
        xs: cut(xs, nTrain, n),
        ys: cut(ys, nTrain, n),
        sw: sw ? cut([sw], nTrain, n)[0] : null,
      };
      xs = cut(xs, 0, nTrain);
      ys = cut(ys, 0, nTrain);
      if (sw) sw = cut([sw], 0, nTrain)[0];
      owned.push(
        ...val.xs,
        ...val.ys,
        ...xs,
        ...ys,
        ...(val.sw ? [val.sw] : []),
        ...(sw ? [sw] : []),
      );
      n = nTrain;
    }
    const stepsPerEpoch = args.stepsPerEpoch ?? Math.ceil(n / batchSize);
    const history = new History();
    // History runs last, so it records what other callbacks add to the logs (learning_rate).
    const callbacks = new CallbackList([...toCallbacks(args.callbacks), history]);
    const verbose = args.verbose ?? 1;
    const stream = args.stream ?? defaultStream();
    const bar = verbose
      ? new Progbar(
          verbose === 2 ? { write: (s: string) => stream.write(s), isTTY: false } : stream,
          epochs,
        )
      : null;
    callbacks.setModel(this.model);
    callbacks.setParams({ epochs, steps: stepsPerEpoch, verbose });
    this.model.stopTraining = false;
    await callbacks.trainBegin();
    let cursor = 0;
    let order: Int32Array = Int32Array.from({ length: n }, (_, i) => i);
    try {
      for (
        let epoch = args.initialEpoch ?? 0;
        epoch < epochs && !this.model.stopTraining;
        epoch++
      ) {
        await callbacks.epochBegin(epoch);
        this.resetTracking();
        bar?.epochBegin(epoch, stepsPerEpoch);
        let lastYield = performance.now();
        for (let step = 0; step < stepsPerEpoch && !this.model.stopTraining; step++) {
          if (cursor === 0 && args.shuffle !== false) order = shuffled(n);
          const end = Math.min(cursor + batchSize, n);
          const idx = ENGINE.fromValues(order.slice(cursor, end), [end - cursor], 'int32');
          cursor = end >= n ? 0 : end;
          await callbacks.batchBegin(step);
          const xb = this.take(xs, idx);
          const yb = this.take(ys, idx);
          const swb = sw ? gather(sw, idx, 0) : null;
          this.trainStep(xb, yb, swb);
          dispose([idx, xb, yb, swb]);
          if (callbacks.wantsBatchLogs) await callbacks.batchEnd(step, await this.readLogs());
          if (bar?.wantsUpdate()) bar.update(step + 1, await this.readLogs());
          // Let timers, I/O and callbacks run between steps without a read from the backend.
          if (performance.now() - lastYield > 50) {
            await yieldToLoop();
            lastYield = performance.now();
          }
        }
        const logs = await this.readLogs();
        if (val)
          Object.assign(
            logs,
            await this.evaluateLogs(
              val.xs,
              val.ys,
              val.sw,
              args.validationBatchSize ?? batchSize,
              'val_',
            ),
          );
        bar?.epochEnd(logs);
        await callbacks.epochEnd(epoch, logs);
      }
    } finally {
      dispose(owned);
    }
    await callbacks.trainEnd();
    return history;
  }

  /** Runs the loss and metrics over data in batches and reads them once at the end. */
  private async evaluateLogs(
    xs: Tensor[],
    ys: Tensor[],
    sw: Tensor | null,
    batchSize: number,
    prefix: string,
  ): Promise<Logs> {
    this.evaluateInto(xs, ys, sw, batchSize);
    return this.readLogs(prefix);
  }

  private evaluateInto(xs: Tensor[], ys: Tensor[], sw: Tensor | null, batchSize: number): void {
    this.resetTracking();
    const n = xs[0].shape[0];
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      tidy(() => {
        const rows = (t: Tensor) =>
          t.slice(
            [start, ...t.shape.slice(1).map(() => 0)],
            [size, ...t.shape.slice(1).map(() => -1)],
          );
        const xb = xs.map(rows);
        const yb = ys.map(rows);
        const swb = sw ? rows(sw) : null;
        const { loss, preds } = this.batchLoss(xb, yb, swb, false);
        this.track(loss, yb, preds, swb);
      });
    }
  }

  evaluate(x: Tensor | Tensor[], y: Tensor | Tensor[], args: EvaluateArgs): Tensor | Tensor[] {
    this.assertCompiled('evaluate');
    const { xs, ys } = this.checkData('evaluate', x, y);
    this.evaluateInto(xs, ys, args.sampleWeight ?? null, args.batchSize ?? 32);
    const out = tidy(() => [
      (this.lossSum as Variable).div((this.lossCount as Variable).maximum(1)),
      ...this.metrics.map((m) => m.metric.result()),
    ]);
    return out.length === 1 ? out[0] : out;
  }

  predict(x: Tensor | Tensor[], args: PredictArgs): Tensor | Tensor[] {
    const xs = asList(x);
    const batchSize = args.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new ArgumentError(
        `predict: batchSize must be a positive integer, received ${show(args.batchSize)}`,
      );
    const n = xs[0].shape[0];
    // One batch holds everything: run the model on the inputs themselves (no slice, no concat). An
    // output that is an input (an identity model) is cloned, so disposing it leaves the input alive.
    if (n <= batchSize) {
      const outs = tidy(() =>
        asList(this.model.apply(xs.length === 1 ? xs[0] : xs, { training: false })).map((o) =>
          xs.includes(o) ? o.clone() : o,
        ),
      );
      return outs.length === 1 ? outs[0] : outs;
    }
    const chunks: Tensor[][] = [];
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      chunks.push(
        tidy(() => {
          const xb = xs.map((t) =>
            t.slice(
              [start, ...t.shape.slice(1).map(() => 0)],
              [size, ...t.shape.slice(1).map(() => -1)],
            ),
          );
          return asList(this.model.apply(xb.length === 1 ? xb[0] : xb, { training: false }));
        }),
      );
    }
    const outs = tidy(() =>
      (chunks[0] ?? []).map((_, i) =>
        chunks.length === 1
          ? chunks[0][i].clone()
          : concat(
              chunks.map((c) => c[i]),
              0,
            ),
      ),
    );
    dispose(chunks);
    return outs.length === 1 ? outs[0] : outs;
  }

  predictOnBatch(x: Tensor | Tensor[]): Tensor | Tensor[] {
    const xs = asList(x);
    return tidy(() => this.model.apply(xs.length === 1 ? xs[0] : xs, { training: false }));
  }

  async trainOnBatch(x: Tensor | Tensor[], y: Tensor | Tensor[]): Promise<number[]> {
    this.assertCompiled('trainOnBatch');
    const { xs, ys } = this.checkData('trainOnBatch', x, y);
    this.resetTracking();
    this.trainStep(xs, ys, null);
    return Object.values(await this.readLogs());
  }

  async testOnBatch(x: Tensor | Tensor[], y: Tensor | Tensor[]): Promise<number[]> {
    this.assertCompiled('testOnBatch');
    const { xs, ys } = this.checkData('testOnBatch', x, y);
    this.evaluateInto(xs, ys, null, xs[0].shape[0] || 1);
    return Object.values(await this.readLogs());
  }

  /** model.json's trainingConfig: loss and metric names, optimizer class and config (pythonic keys). */
  trainingConfig(): JsonObject | null {
    if (!this.compiled || !this.optimizer) return null;
    return trainingConfigOf(
      this.losses,
      this.metrics.map((m) => m.metric.name),
      this.optimizer,
    );
  }

  /** Compiles from a trainingConfig written by `trainingConfig()` or by tfjs. */
  compileFromTrainingConfig(config: JsonObject): void {
    this.compile(compileArgsFrom(config, this.model.name));
  }

  /** Normalises a dataset batch into lists of tensors. */
  private unpack(batch: Batch | Tensor[]): { xs: Tensor[]; ys: Tensor[] } {
    if (Array.isArray(batch)) {
      if (batch.length !== 2)
        throw new ArgumentError(
          `fitDataset: array elements must be [xs, ys], received ${batch.length} entries`,
        );
      return { xs: asList(batch[0]), ys: asList(batch[1]) };
    }
    if (batch && typeof batch === 'object' && 'xs' in batch && 'ys' in batch)
      return { xs: asList(batch.xs), ys: asList(batch.ys) };
    throw new ArgumentError(
      `fitDataset: dataset elements must be {xs, ys} or [xs, ys], received ${show(batch)}`,
    );
  }

  async fitDataset(dataset: BatchSource, args: FitDatasetArgs): Promise<History> {
    this.assertCompiled('fitDataset');
    if (!dataset || typeof dataset[Symbol.asyncIterator] !== 'function')
      throw new ArgumentError(
        `fitDataset: expected a Dataset (async iterable of {xs, ys}), received ${show(dataset)}`,
      );
    const epochs = args.epochs ?? 1;
    const history = new History();
    const callbacks = new CallbackList([...toCallbacks(args.callbacks), history]);
    const verbose = args.verbose ?? 1;
    const stream = args.stream ?? defaultStream();
    const bar = verbose
      ? new Progbar(
          verbose === 2 ? { write: (s: string) => stream.write(s), isTTY: false } : stream,
          epochs,
        )
      : null;
    callbacks.setModel(this.model);
    callbacks.setParams({ epochs, steps: args.batchesPerEpoch ?? 0, verbose });
    this.model.stopTraining = false;
    await callbacks.trainBegin();
    for (let epoch = args.initialEpoch ?? 0; epoch < epochs && !this.model.stopTraining; epoch++) {
      await callbacks.epochBegin(epoch);
      this.resetTracking();
      bar?.epochBegin(epoch, args.batchesPerEpoch ?? 0);
      let step = 0;
      const it = dataset[Symbol.asyncIterator]();
      while (
        !this.model.stopTraining &&
        (args.batchesPerEpoch === undefined || step < args.batchesPerEpoch)
      ) {
        const next = await it.next();
        if (next.done) break;
        const { xs, ys } = this.unpack(next.value);
        try {
          await callbacks.batchBegin(step);
          this.trainStep(xs, ys, null);
        } finally {
          // The consumer owns what the dataset yields.
          dispose([xs, ys]);
        }
        if (callbacks.wantsBatchLogs) await callbacks.batchEnd(step, await this.readLogs());
        step++;
        if (bar?.wantsUpdate()) bar.update(step, await this.readLogs());
      }
      if (args.batchesPerEpoch !== undefined && step < args.batchesPerEpoch) await it.return?.();
      const logs = await this.readLogs();
      const val = args.validationData;
      if (val) {
        if (Array.isArray(val)) {
          const v = this.checkData('fitDataset (validationData)', val[0], val[1]);
          Object.assign(logs, await this.evaluateLogs(v.xs, v.ys, null, 32, 'val_'));
        } else {
          await this.evaluateSource(val, args.validationBatches);
          Object.assign(logs, await this.readLogs('val_'));
        }
      }
      bar?.epochEnd(logs);
      await callbacks.epochEnd(epoch, logs);
    }
    await callbacks.trainEnd();
    return history;
  }

  /** Accumulates loss and metrics over a dataset's batches. */
  private async evaluateSource(dataset: BatchSource, batches?: number): Promise<void> {
    this.resetTracking();
    let n = 0;
    for await (const batch of dataset) {
      const { xs, ys } = this.unpack(batch);
      tidy(() => {
        const { loss, preds } = this.batchLoss(xs, ys, null, false);
        this.track(loss, ys, preds, null);
      });
      dispose([xs, ys]);
      if (batches !== undefined && ++n >= batches) break;
    }
  }

  async evaluateDataset(
    dataset: BatchSource,
    args: { batches?: number },
  ): Promise<Tensor | Tensor[]> {
    this.assertCompiled('evaluateDataset');
    await this.evaluateSource(dataset, args.batches);
    const out = tidy(() => [
      (this.lossSum as Variable).div((this.lossCount as Variable).maximum(1)),
      ...this.metrics.map((m) => m.metric.result()),
    ]);
    return out.length === 1 ? out[0] : out;
  }

  dispose(): void {
    this.optimizer?.dispose();
    for (const m of this.metrics) m.metric.dispose();
    dispose([this.lossSum, this.lossCount]);
  }
}

export type { Batch, BatchSource, CompileArgs, EvaluateArgs, FitArgs, FitDatasetArgs, PredictArgs };
