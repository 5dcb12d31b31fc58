// Model: a layer made of layers (functional graphs and subclasses), with Keras' training API.
import { ArgumentError, show } from '../core/errors.js';
import type { Config } from '../core/serialization.js';
import type { Tensor } from '../core/tensor.js';
import { InputLayer } from '../layers/input.js';
import { type CallArgs, Layer, type LayerArgs, type LayerInput } from '../layers/layer.js';
import type { GraphNode, SymbolicShape, SymbolicTensor } from '../layers/symbolic.js';
import { summaryOf, type SummaryOptions } from './summary.js';
import type { Metric } from '../metrics/index.js';
import type { StepData } from './training/batches.js';
import {
  type BatchSource,
  type CompileArgs,
  type ComputeLossArgs,
  type StepLogs,
  type EvaluateArgs,
  type FitArgs,
  type FitDatasetArgs,
  type PredictArgs,
  Trainer,
} from './trainer.js';
import type { SaveOptions } from './saving.js';
import type { IOHandler, JsonObject, SaveResult } from '../io/artifacts.js';
import type { History } from '../callbacks/history.js';

/** Options of `model`. */
export interface ModelArgs {
  inputs: SymbolicTensor | SymbolicTensor[];
  outputs: SymbolicTensor | SymbolicTensor[];
  name?: string;
}

/** Nodes that produce `outputs`, in an order where every node comes after its inputs' nodes. */
function topologicalNodes(outputs: SymbolicTensor[]): GraphNode[] {
  const order: GraphNode[] = [];
  const state = new Map<GraphNode, 'visiting' | 'done'>();
  const visit = (node: GraphNode) => {
    const s = state.get(node);
    if (s === 'done') return;
    if (s === 'visiting') throw new ArgumentError('model: the layer graph has a cycle');
    state.set(node, 'visiting');
    for (const t of node.inputs) if (t.node) visit(t.node);
    state.set(node, 'done');
    order.push(node);
  };
  for (const o of outputs) {
    if (!o.node) throw new ArgumentError(`model: output '${o.name}' was not produced by a layer`);
    visit(o.node);
  }
  return order;
}

/** A layer with carried states (stateful recurrent layers). */
function hasResettableStates(l: Layer): l is Layer & { stateful: true; resetStates(): void } {
  return 'stateful' in l && l.stateful === true && 'resetStates' in l && typeof l.resetStates === 'function';
}

/** Writes a model's topology (saving.ts's modelTopology, installed by models/index.ts: saving imports this file). */
let topologyWriter: ((model: Model) => JsonObject) | null = null;

/** Installs the topology writer `toJSON` uses. @example setTopologyWriter(modelTopology) */
export function setTopologyWriter(writer: (model: Model) => JsonObject): void {
  topologyWriter = writer;
}

/**
 * A model: layers wired into a graph (`nr.model({inputs, outputs})`), a stack (`nr.sequential`), or a
 * subclass overriding `call`. Models are layers: they nest inside other models.
 * @example
 * const x = nr.input({ shape: [4] });
 * const y = nr.layers.dense({ units: 2, activation: 'softmax' }).apply(nr.layers.dense({ units: 8, activation: 'relu' }).apply(x));
 * const m = nr.model({ inputs: x, outputs: y });
 * m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
 */
export class Model extends Layer {
  static readonly className: string = 'Functional';
  readonly inputs: SymbolicTensor[] = [];
  readonly outputs: SymbolicTensor[] = [];
  protected nodes: GraphNode[] = [];
  /** Set by a callback to end `fit` after the current batch. */
  stopTraining = false;
  private trainerState: Trainer | null = null;

  constructor(args?: ModelArgs | LayerArgs) {
    super(args && 'outputs' in args ? { name: args.name } : (args ?? {}));
    if (args && 'outputs' in args) {
      this.inputs.push(...(Array.isArray(args.inputs) ? args.inputs : [args.inputs]));
      this.outputs.push(...(Array.isArray(args.outputs) ? args.outputs : [args.outputs]));
      this.nodes = topologicalNodes(this.outputs);
      const known = new Set(this.inputs.map((t) => t.id));
      for (const node of this.nodes) {
        if (node.layer instanceof InputLayer && !node.outputs.some((o) => known.has(o.id))) {
          throw new ArgumentError(
            `model: the outputs depend on input '${node.layer.name}', which is not in inputs (${this.inputs.map((t) => t.name).join(', ')})`,
          );
        }
      }
      this.built = true;
    }
  }

  override getClassName(): string {
    const ctor = this.constructor as typeof Model;
    // A user's subclass is named after its own class unless it declares a className.
    return Object.prototype.hasOwnProperty.call(ctor, 'className') ? ctor.className : ctor.name;
  }

  /** The layer calls of a functional model, in call order. */
  get graphNodes(): readonly GraphNode[] {
    return this.nodes;
  }

  /** The layers of the model, in call order (input layers included for functional models). */
  get layers(): Layer[] {
    const seen = new Set<Layer>();
    for (const n of this.nodes) seen.add(n.layer);
    // A subclassed model has no graph: its layers are the ones it holds as properties (Keras tracks them the same way).
    if (!this.nodes.length) {
      for (const v of Object.values(this)) {
        for (const item of Array.isArray(v) ? v : [v])
          if (item instanceof Layer && item !== this) seen.add(item);
      }
    }
    return [...seen];
  }

  override childLayers(): Layer[] {
    return this.layers.filter((l) => !(l instanceof InputLayer));
  }

  /** Names of the input layers (tfjs' `inputNames`). @example model.inputNames // ['input_1'] */
  get inputNames(): string[] {
    return this.inputs.map((t) => t.node?.layer.name ?? t.name);
  }

  /** Names of the layers that produce the outputs (tfjs' `outputNames`). @example model.outputNames // ['dense_2'] */
  get outputNames(): string[] {
    return this.outputs.map((t) => t.node?.layer.name ?? t.name);
  }

  /** The layers behind `inputs` (tfjs' `inputLayers`). @example model.inputLayers[0].name */
  get inputLayers(): Layer[] {
    return this.inputs.flatMap((t) => (t.node ? [t.node.layer] : []));
  }

  /** The layers that produce `outputs` (tfjs' `outputLayers`). @example model.outputLayers[0].name */
  get outputLayers(): Layer[] {
    return this.outputs.flatMap((t) => (t.node ? [t.node.layer] : []));
  }

  /**
   * The model's topology as model.json writes it (`{class_name, config, keras_version, backend}`), as a JSON
   * string by default (tfjs' `toJSON(unused, returnString)`); `nr.models.modelFromJSON` reads it back.
   * @example const json = model.toJSON(); const copy = await nr.models.modelFromJSON(JSON.parse(json));
   */
  toJSON(_unused?: unknown, returnString = true): string | JsonObject {
    if (!topologyWriter)
      throw new ArgumentError(`${this.name}: toJSON needs the models module (import from 'neurite')`);
    const topology = topologyWriter(this);
    return returnString ? JSON.stringify(topology) : topology;
  }

  /**
   * Resets the states of every stateful layer inside the model (tfjs' `model.resetStates()`).
   * @example model.resetStates(); // before a new sequence
   */
  resetStates(): void {
    const seen = new Set<Layer>();
    const visit = (l: Layer) => {
      if (seen.has(l)) return;
      seen.add(l);
      if (hasResettableStates(l)) l.resetStates();
      for (const c of l.childLayers()) visit(c);
    };
    for (const l of this.childLayers()) visit(l);
  }

  /** Finds a layer by name or index. @example model.getLayer('dense_1') */
  getLayer(nameOrIndex: string | number): Layer {
    const layers = this.layers;
    const found =
      typeof nameOrIndex === 'number'
        ? layers[nameOrIndex]
        : layers.find((l) => l.name === nameOrIndex);
    if (!found)
      throw new ArgumentError(
        `${this.name}: no layer ${show(nameOrIndex)}; layers: ${layers.map((l) => l.name).join(', ')}`,
      );
    return found;
  }

  /** A model passes inputs through as given: each of its layers casts them to its own compute dtype. */
  protected override castsInputs(): boolean {
    return false;
  }

  override call(inputs: LayerInput, kwargs: CallArgs): LayerInput {
    if (!this.outputs.length)
      throw new ArgumentError(`${this.getClassName()}: a subclassed model must override call()`);
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length !== this.inputs.length)
      throw new ArgumentError(
        `${this.name}: expects ${this.inputs.length} input(s), received ${list.length}`,
      );
    const values = new Map<number, Tensor>();
    this.inputs.forEach((s, i) => {
      const t = list[i];
      const want = s.shape;
      if (t.rank !== want.length || want.some((d, k) => d !== null && d !== t.shape[k])) {
        throw new ArgumentError(
          `${this.name}: input ${i} ('${s.name}') expects shape ${show(want)}, received ${show(t.shape)}`,
        );
      }
      values.set(s.id, t);
    });
    for (const node of this.nodes) {
      if (node.layer instanceof InputLayer) continue;
      const ins = node.inputs.map((s) => {
        const v = values.get(s.id);
        if (!v)
          throw new ArgumentError(
            `${this.name}: input '${s.name}' of layer '${node.layer.name}' was not computed`,
          );
        return v;
      });
      const out = node.layer.apply(ins.length === 1 ? ins[0] : ins, {
        training: kwargs.training ?? node.kwargs.training,
      });
      const outs = Array.isArray(out) ? out : [out];
      node.outputs.forEach((s, i) => values.set(s.id, outs[i]));
    }
    const outs = this.outputs.map((s) => values.get(s.id) as Tensor);
    return outs.length === 1 ? outs[0] : outs;
  }

  override computeOutputShape(
    inputShape: SymbolicShape | SymbolicShape[],
  ): SymbolicShape | SymbolicShape[] {
    if (!this.outputs.length) return inputShape;
    const shapes = this.outputs.map((o) => o.shape);
    return shapes.length === 1 ? shapes[0] : shapes;
  }

  override getConfig(): Config {
    return { name: this.name, trainable: this.trainable };
  }

  /**
   * Keras' summary table; printed, and returned as a string. Takes tfjs' arguments
   * `(lineLength, positions, printFn)` or an options object (`{ lineLength, positions, printFn }`).
   * @example model.summary(80, [0.4, 0.7, 1], (line) => lines.push(line));
   */
  summary(
    lineLengthOrOptions?: number | SummaryOptions,
    positions?: number[],
    printFn?: (line: string) => void,
  ): string {
    const options: SummaryOptions =
      typeof lineLengthOrOptions === 'object' && lineLengthOrOptions !== null
        ? lineLengthOrOptions
        : { lineLength: lineLengthOrOptions, positions, printFn };
    return summaryOf(this, options);
  }

  // ---- training (see trainer.ts) ----

  private trainer(): Trainer {
    this.trainerState ??= new Trainer(this);
    return this.trainerState;
  }

  /** Whether `compile` was called. */
  get isCompiled(): boolean {
    return this.trainerState?.compiled ?? false;
  }

  /** Configures training. @example model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] }) */
  compile(args: CompileArgs): void {
    this.trainer().compile(args);
  }

  /** The optimizer set by compile. */
  get optimizer() {
    return this.trainer().optimizer;
  }

  /**
   * One training step on one batch (Keras 3's `train_step`): the default runs the model, `computeLoss`,
   * the gradients of the compiled trainable weights, the optimizer and `computeMetrics`, and returns the
   * logs. Override it for a GAN, a VAE or any custom loop: `fit` and `fitDataset` still run the epochs,
   * callbacks, progress bar, metric resets and history around it. It runs inside a memory scope: return
   * the logs, everything else is freed.
   * @example
   * class MyModel extends nr.Model {
   *   override trainStep(data: nr.StepData) {
   *     const { value, grads } = nr.variableGrads(() => myLoss(this, data), this.trainableWeights);
   *     this.optimizer!.applyGradients(grads);
   *     return { loss: value };
   *   }
   * }
   */
  trainStep(data: StepData): StepLogs {
    return this.trainer().trainStep(data);
  }

  /** One evaluation step (Keras 3's `test_step`): forward, loss, metrics; used by evaluate and validation. @example model.testStep({ x, y, sampleWeight: null }) */
  testStep(data: StepData): StepLogs {
    return this.trainer().testStep(data);
  }

  /** One prediction step (Keras 3's `predict_step`): the model's outputs for a batch; used by predict. @example model.predictStep({ x, y: null, sampleWeight: null }) */
  predictStep(data: StepData): Tensor | Tensor[] {
    return this.trainer().predictStep(data);
  }

  /**
   * The loss of a batch (Keras 3's `compute_loss`): the compiled losses, weighted per output, plus
   * `this.losses` (what layers added with `addLoss`, and the weights' penalties).
   * @example const loss = model.computeLoss({ x, y, yPred: model.apply(x) as nr.Tensor });
   */
  computeLoss(args: ComputeLossArgs): Tensor {
    return this.trainer().computeLoss(args);
  }

  /**
   * Updates the compiled metrics with a batch and returns every metric's result, 'loss' included (Keras 3's
   * `compute_metrics`).
   * @example return model.computeMetrics(x, y, yPred, null);
   */
  computeMetrics(
    _x: Tensor | Tensor[],
    y: Tensor | Tensor[] | null,
    yPred: Tensor | Tensor[],
    sampleWeight: Tensor | null,
  ): StepLogs {
    return this.trainer().computeMetrics(y, yPred, sampleWeight);
  }

  /**
   * The metrics the loop resets at each epoch (Keras 3's `model.metrics`): the loss tracker and the compiled
   * metrics. A subclass with its own trackers overrides this getter to list them.
   * @example for (const m of model.metrics) console.log(m.name);
   */
  get metrics(): Metric[] {
    return this.trainer().metrics;
  }

  /** Trains on in-memory data. @example const history = await model.fit(x, y, { epochs: 5, batchSize: 32, validationSplit: 0.1 }); */
  fit(x: Tensor | Tensor[], y: Tensor | Tensor[] | null, args: FitArgs = {}): Promise<History> {
    return this.trainer().fit(x, y, args);
  }

  /** Loss and metrics on data (tfjs: scalar tensors). @example const [loss, acc] = model.evaluate(x, y) as nr.Tensor[]; */
  evaluate(x: Tensor | Tensor[], y: Tensor | Tensor[], args: EvaluateArgs = {}): Tensor | Tensor[] {
    return this.trainer().evaluate(x, y, args);
  }

  /** Outputs for inputs, computed in batches. @example const probs = model.predict(x) as nr.Tensor; */
  predict(x: Tensor | Tensor[], args: PredictArgs = {}): Tensor | Tensor[] {
    return this.trainer().predict(x, args);
  }

  /** Outputs for one batch. @example model.predictOnBatch(x) */
  predictOnBatch(x: Tensor | Tensor[]): Tensor | Tensor[] {
    return this.trainer().predictOnBatch(x);
  }

  /**
   * One gradient step on one batch; resolves to the loss alone when the model has one loss and no metrics
   * (as tfjs and Keras), else to [loss, ...metrics]. @example const loss = await model.trainOnBatch(x, y)
   */
  trainOnBatch(x: Tensor | Tensor[], y: Tensor | Tensor[]): Promise<number | number[]> {
    return this.trainer().trainOnBatch(x, y);
  }

  /** Loss of one batch (alone, or [loss, ...metrics] as trainOnBatch). @example await model.testOnBatch(x, y) */
  testOnBatch(x: Tensor | Tensor[], y: Tensor | Tensor[]): Promise<number | number[]> {
    return this.trainer().testOnBatch(x, y);
  }

  /** Trains on a dataset of `{xs, ys}` (or `[xs, ys]`) batches. @example await model.fitDataset(ds, { epochs: 3 }) */
  fitDataset(dataset: BatchSource, args: FitDatasetArgs = {}): Promise<History> {
    return this.trainer().fitDataset(dataset, args);
  }

  /** Loss and metrics over a dataset of batches. @example const [loss, acc] = await model.evaluateDataset(ds) as nr.Tensor[]; */
  evaluateDataset(
    dataset: BatchSource,
    args: { batches?: number } = {},
  ): Promise<Tensor | Tensor[]> {
    return this.trainer().evaluateDataset(dataset, args);
  }

  /** The compile settings as model.json's trainingConfig (null before compile). */
  trainingConfig(): JsonObject | null {
    return this.trainerState?.trainingConfig() ?? null;
  }

  /** Compiles from a saved trainingConfig (loss, metrics, optimizer). */
  compileFromTrainingConfig(config: JsonObject): void {
    this.trainer().compileFromTrainingConfig(config);
  }

  /**
   * Saves the model: `file://` (Node), `indexeddb://`, `localstorage://`, `downloads://`, or an IOHandler.
   * The format is TensorFlow.js' (model.json + weight shards), so tfjs can load it too.
   * @example await model.save('file://./my-model', { includeOptimizer: true });
   */
  async save(urlOrHandler: string | IOHandler, options: SaveOptions = {}): Promise<SaveResult> {
    // saving.ts builds Sequential and functional models, so it is loaded on use (no import cycle).
    const { saveModel } = await import('./saving.js');
    return saveModel(this, urlOrHandler, options);
  }

  override dispose(): void {
    this.trainerState?.dispose();
    super.dispose();
  }
}

/**
 * A functional model from symbolic inputs and outputs.
 * @example const m = nr.model({ inputs: x, outputs: y });
 */
export function model(args: ModelArgs): Model {
  return new Model(args);
}
