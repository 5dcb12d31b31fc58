// The Keras layer protocol: config in the constructor, weights in build(), math in call(), lazily built.
import { variable } from '../core/backends_api.js';
import { type DType, isFloatDType } from '../core/dtype.js';
import { ArgumentError, ShapeError, show } from '../core/errors.js';
import { ENGINE } from '../core/engine.js';
import { noGrad } from '../autograd/grad.js';
import { tidy } from '../core/memory.js';
import type { Config, Serializable } from '../core/serialization.js';
import { Tensor, type Variable } from '../core/tensor.js';
import { type Constraint, getConstraint } from '../constraints/index.js';
import { getInitializer, type Initializer } from '../initializers/index.js';
import { getRegularizer, type Regularizer } from '../regularizers/index.js';
import {
  type DTypePolicy,
  type DTypePolicyLike,
  getGlobalPolicy,
  policyFrom,
} from '../mixed_precision/policy.js';
import { formatShape, type GraphNode, type SymbolicShape, SymbolicTensor } from './symbolic.js';

/** Options every layer accepts. */
export interface LayerArgs {
  /** Unique name; by default the snake_case class name with a counter ('dense', 'dense_1', ...). */
  name?: string;
  /** Whether the layer's weights are updated by training. Default true. */
  trainable?: boolean;
  /** Shape of one sample, without the batch dimension (declares the input of a Sequential model). */
  inputShape?: SymbolicShape;
  /** Shape including the batch dimension (null = any). */
  batchInputShape?: SymbolicShape;
  /** Batch size to combine with `inputShape`. */
  batchSize?: number;
  /**
   * Dtype policy: a dtype ('float32'), 'mixed_float16' (float32 weights, float16 computations), a
   * DTypePolicy or its config. Default: the global policy (`nr.mixedPrecision.setGlobalPolicy`).
   */
  dtype?: DTypePolicyLike;
}

/** Per-call options, as in Keras' `call(inputs, training=None, mask=None)`. */
export interface CallArgs {
  training?: boolean;
  mask?: Tensor | null | (Tensor | null)[];
}

/** Options of `addWeight`. */
export interface AddWeightArgs {
  shape: number[];
  dtype?: DType;
  initializer?: string | Initializer;
  regularizer?: string | Regularizer | null;
  constraint?: string | Constraint | null;
  trainable?: boolean;
  /** Read as the compute dtype under a mixed policy (Keras' autocast). Default true. */
  autocast?: boolean;
}

/** A weight with what training applies to it. */
export interface LayerWeight {
  /** The weight's name inside its layer ('kernel'); saved files use `<layer name>/<name>`. */
  name: string;
  /** The layer that owns it. */
  layer: Layer;
  variable: Variable;
  regularizer: Regularizer | null;
  constraint: Constraint | null;
}

/**
 * Where new weights take their first value while a model is being loaded: `supply` returns the value
 * from the file (checked against the manifest before anything is allocated) or null for the
 * initializer; `created` collects the variables, so a failed load can free them all.
 */
export interface WeightSupply {
  supply(layer: Layer, name: string, shape: readonly number[], dtype: DType): Tensor | null;
  readonly created: Variable[];
}

let weightSupply: WeightSupply | null = null;

/**
 * Runs a synchronous `fn` (building a model from a config) with `supply` giving the weights it creates.
 * @example withWeightSupply({ supply: () => null, created: [] }, () => modelFromTopology(json, 'm'))
 */
export function withWeightSupply<T>(supply: WeightSupply, fn: () => T): T {
  const previous = weightSupply;
  weightSupply = supply;
  try {
    return fn();
  } finally {
    weightSupply = previous;
  }
}

const nameCounters = new Map<string, number>();

/** 'dense', then 'dense_1', 'dense_2', ... per prefix, like Keras. @example uniqueLayerName('dense') // 'dense', then 'dense_1' */
export function uniqueLayerName(prefix: string): string {
  const n = nameCounters.get(prefix) ?? 0;
  nameCounters.set(prefix, n + 1);
  return n === 0 ? prefix : `${prefix}_${n}`;
}

/** Keras' layer-name rule: 'BatchNormalization' -> 'batch_normalization', 'Conv2D' -> 'conv2d', 'LSTM' -> 'lstm'. @example snakeCase('MaxPooling2D') // 'max_pooling2d' */
export function snakeCase(name: string): string {
  return name
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

const masks = new WeakMap<Tensor, Tensor | null>();

/**
 * Losses a layer added with a tensor during the latest forward pass (Keras' `add_loss` inside `call`).
 * Private to the layer protocol: read them through `layer.losses`.
 */
const callLosses = new WeakMap<Layer, Tensor[]>();

/** Depth of nested `apply` calls: the outermost call starts a new forward pass and clears the records. */
let applyDepth = 0;

/** Every layer under `root` (itself included), each once. */
function subtree(root: Layer): Layer[] {
  const seen = new Set<Layer>();
  const visit = (l: Layer) => {
    if (seen.has(l)) return;
    seen.add(l);
    for (const c of l.childLayers()) visit(c);
  };
  visit(root);
  return [...seen];
}

/** Recorded penalties of a layer and the layers inside it: they must outlive each call's scope. */
function pendingCallLosses(root: Layer): Tensor[] {
  return subtree(root).flatMap((l) => callLosses.get(l) ?? []);
}

/**
 * Takes the call-time losses recorded by `root` and every layer inside it (those still alive) and clears
 * the records: `layer.losses` without the weight penalties, drained.
 * @example const penalties = drainCallLosses(model); // after model.apply(x)
 */
export function drainCallLosses(root: Layer): Tensor[] {
  const out: Tensor[] = [];
  for (const l of subtree(root)) {
    out.push(...(callLosses.get(l) ?? []).filter((t) => !t.isDisposed));
    callLosses.delete(l);
  }
  return out;
}

/** The mask a layer attached to its output (Keras' `_keras_mask`). @example getMask(embeddingOutput) */
export function getMask(t: Tensor): Tensor | null {
  return masks.get(t) ?? null;
}

/** Attaches a mask to a tensor. @example setMask(output, ids.notEqual(0)) */
export function setMask(t: Tensor, mask: Tensor | null): void {
  if (mask) masks.set(t, mask);
}

/** A registry entry: class name and how to build the class from its config. */
export type LayerClassEntry = readonly [className: string, fromConfig: (config: Config) => Layer];

/** Inputs of a layer call: one tensor or several. */
export type LayerInput = Tensor | Tensor[];
/** Symbolic inputs of a layer call in a functional model. */
export type SymbolicInput = SymbolicTensor | SymbolicTensor[];

/** Throws a ShapeError naming the layer: `dense_1: ...`. @example throw layerShapeError(this, `expected rank 4, received ${rank}`) */
export function layerShapeError(layer: Layer, message: string): ShapeError {
  return new ShapeError(`${layer.name}: ${message}`);
}

/**
 * Base class of every layer. Subclasses validate and store config in the constructor, create weights in
 * `build(inputShape)` with `addWeight`, compute in `call(inputs, kwargs)`, and describe themselves in
 * `getConfig()`. The layer is built on its first call.
 * @example
 * class Scale extends nr.layers.Layer {
 *   w!: nr.Variable;
 *   override build(shape: (number | null)[]) { this.w = this.addWeight('w', { shape: [shape[shape.length - 1]!], initializer: 'ones' }); super.build(shape); }
 *   override call(x: nr.Tensor) { return x.mul(this.w); }
 * }
 */
export abstract class Layer implements Serializable {
  readonly name: string;
  trainable: boolean;
  built = false;
  /** Whether the layer passes masks through (or computes them). */
  supportsMasking = false;
  /** The layer's dtype policy (Keras' `dtype_policy`). */
  readonly dtypePolicy: DTypePolicy;
  /** Declared batch input shape (from inputShape/batchInputShape), if any. */
  readonly batchInputShape: SymbolicShape | null;
  /** Last dimension (and rank) the layer expects, checked on every call once built. */
  protected inputSpec: { minRank?: number; rank?: number; lastDim?: number } | null = null;
  protected readonly weightList: LayerWeight[] = [];
  /** Graph nodes where this layer was called symbolically (functional models). */
  readonly inboundNodes: GraphNode[] = [];
  /** The last input shape the layer was built for. */
  builtInputShape: SymbolicShape | SymbolicShape[] | null = null;
  /** Losses added as functions (tfjs' `addLoss(() => scalar)`): evaluated each time `losses` is read. */
  private readonly lossFns: (() => Tensor)[] = [];

  constructor(args: LayerArgs = {}) {
    if (args.name !== undefined && (typeof args.name !== 'string' || !args.name))
      throw new ArgumentError(
        `${this.getClassName()}: name must be a non-empty string, received ${show(args.name)}`,
      );
    this.name = args.name ?? uniqueLayerName(snakeCase(this.getClassName()));
    this.trainable = args.trainable ?? true;
    this.dtypePolicy =
      args.dtype === undefined
        ? getGlobalPolicy()
        : policyFrom(args.dtype, this.getClassName(), 'dtype');
    if (args.batchInputShape) this.batchInputShape = args.batchInputShape.slice();
    else if (args.inputShape) this.batchInputShape = [args.batchSize ?? null, ...args.inputShape];
    else this.batchInputShape = null;
  }

  /** The dtype of the layer's variables (Keras' `layer.dtype`). @example nr.layers.dense({ units: 1 }).dtype // 'float32' */
  get dtype(): DType {
    return this.dtypePolicy.variableDtype;
  }

  /** The dtype the layer computes in and outputs. @example nr.layers.dense({ units: 1, dtype: 'mixed_float16' }).computeDtype // 'float16' */
  get computeDtype(): DType {
    return this.dtypePolicy.computeDtype;
  }

  /**
   * The registered class name ('Dense'). Built-in layers override it; a user's subclass (tfjs style) is named
   * by its `static className`, else by its JavaScript class name.
   */
  getClassName(): string {
    const ctor: { name: string; className?: unknown } = this.constructor;
    return Object.prototype.hasOwnProperty.call(ctor, 'className') &&
      typeof ctor.className === 'string'
      ? ctor.className
      : ctor.name;
  }

  /**
   * Float outputs in the compute dtype under a float16 policy: layers that compute some steps in float32
   * for accuracy (recurrent state, normalisation statistics) still return what their policy promises.
   */
  private toComputeDtype(out: LayerInput): LayerInput {
    const dt = this.dtypePolicy.computeDtype;
    if (dt !== 'float16' || !this.castsInputs()) return out;
    const fix = (t: Tensor) => (isFloatDType(t.dtype) && t.dtype !== dt ? t.cast(dt) : t);
    return Array.isArray(out) ? out.map(fix) : fix(out);
  }

  /** Whether `apply` casts float inputs to the compute dtype (Keras: layers do, functional models do not). */
  protected castsInputs(): boolean {
    return true;
  }

  /** Creates weights for an input shape. Subclasses call `super.build(shape)` at the end. */
  build(inputShape: SymbolicShape | SymbolicShape[]): void {
    this.builtInputShape = inputShape;
    this.built = true;
  }

  /** The layer's math on concrete tensors. */
  abstract call(inputs: LayerInput, kwargs: CallArgs): LayerInput;

  /** Output shape for an input shape (no computation). Default: unchanged. */
  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape | SymbolicShape[] {
    return inputShape;
  }

  /** Output mask for an input mask (one per output, or one for all): passes it through when the layer supports masking. */
  computeMask(
    _inputs: LayerInput,
    mask: Tensor | null | (Tensor | null)[] | undefined,
  ): Tensor | null | (Tensor | null)[] {
    if (!this.supportsMasking || !mask) return null;
    return Array.isArray(mask) ? (mask[0] ?? null) : mask;
  }

  /** Keras config: everything needed to rebuild the layer. */
  getConfig(): Config {
    const config: Config = {
      name: this.name,
      trainable: this.trainable,
      dtype: this.dtypePolicy.name,
    };
    if (this.batchInputShape) config.batchInputShape = this.batchInputShape;
    return config;
  }

  /**
   * Creates a weight of this layer (a variable named `<layer>/<name>`).
   * @example this.kernel = this.addWeight('kernel', { shape: [inDim, units], initializer: 'glorotUniform' });
   */
  addWeight(name: string, args: AddWeightArgs): Variable {
    const initializer = getInitializer(args.initializer ?? 'glorotUniform');
    const regularizer = args.regularizer ? getRegularizer(args.regularizer) : null;
    const constraint = args.constraint ? getConstraint(args.constraint) : null;
    let full = `${this.name}/${name}`;
    if (ENGINE.hasVariable(full)) full = ENGINE.uniqueVariableName(full);
    const supply = weightSupply;
    const v = noGrad(() => {
      const dtype = args.dtype ?? this.dtype;
      // initializers draw float32; a float16 weight (the 'float16' policy) is that draw rounded
      const drawn =
        supply?.supply(this, name, args.shape, dtype) ??
        initializer.call(args.shape, dtype === 'float16' ? 'float32' : dtype);
      const init = drawn.dtype === dtype ? drawn : drawn.cast(dtype);
      const created = variable(init, (args.trainable ?? true) && this.trainable, full);
      created.autocast = args.autocast ?? true;
      init.dispose();
      drawn.dispose();
      return created;
    });
    supply?.created.push(v);
    this.weightList.push({ name, layer: this, variable: v, regularizer, constraint });
    return v;
  }

  /** All weights, trainable first (Keras order). */
  get weights(): Variable[] {
    return [...this.trainableWeights, ...this.nonTrainableWeights];
  }

  get trainableWeights(): Variable[] {
    return this.trainable
      ? this.ownWeights()
          .filter((w) => w.variable.trainable)
          .map((w) => w.variable)
          .concat(this.childLayers().flatMap((l) => l.trainableWeights))
      : [];
  }

  get nonTrainableWeights(): Variable[] {
    const own = this.ownWeights();
    if (!this.trainable)
      return [...own.map((w) => w.variable), ...this.childLayers().flatMap((l) => l.weights)];
    return [
      ...own.filter((w) => !w.variable.trainable).map((w) => w.variable),
      ...this.childLayers().flatMap((l) => l.nonTrainableWeights),
    ];
  }

  /** Weights in `weights` order with their owning layer and local name (what save files record). */
  weightRecords(): LayerWeight[] {
    const all = this.allWeightRecords();
    const byVar = new Map(all.map((w) => [w.variable, w]));
    return this.weights.map((v) => byVar.get(v)).filter((w): w is LayerWeight => w !== undefined);
  }

  /** Weights with their regularizers and constraints, including those of child layers. */
  allWeightRecords(): LayerWeight[] {
    return [...this.ownWeights(), ...this.childLayers().flatMap((l) => l.allWeightRecords())];
  }

  protected ownWeights(): LayerWeight[] {
    return this.weightList;
  }

  /** Sub-layers whose weights belong to this layer (wrappers, models). */
  childLayers(): Layer[] {
    return [];
  }

  /** Copies of the weight values, in `weights` order. @example const ws = layer.getWeights(); */
  getWeights(): Tensor[] {
    return this.weights.map((w) => w.clone());
  }

  /** Sets weight values, in `weights` order; shapes must match. @example layer.setWeights([kernel, bias]) */
  setWeights(values: readonly Tensor[]): void {
    const ws = this.weights;
    if (values.length !== ws.length)
      throw new ArgumentError(
        `${this.name}: setWeights expects ${ws.length} tensors, received ${values.length}`,
      );
    ws.forEach((w, i) => {
      if (
        values[i].shape.length !== w.shape.length ||
        values[i].shape.some((d, k) => d !== w.shape[k])
      ) {
        throw new ShapeError(
          `${this.name}: weight ${i} ('${w.name}') has shape ${show(w.shape)}, received ${show(values[i].shape)}`,
        );
      }
      w.assign(values[i].dtype === w.dtype ? values[i] : values[i].cast(w.dtype));
    });
  }

  /** Number of scalars in the weights. @example dense.countParams() // 7850 */
  countParams(): number {
    return this.weights.reduce((n, w) => n + w.size, 0);
  }

  /**
   * Adds a loss to the model's training loss (Keras' `add_loss`, tfjs' `addLoss`). A tensor added inside
   * `call` is a penalty of this forward pass (an activity loss): it is replaced on the next pass. A
   * function (tfjs' form) is kept and evaluated every time the losses are read.
   * @example
   * class Sparse extends nr.layers.Layer {
   *   override call(x: nr.Tensor) { this.addLoss(x.abs().mean().mul(0.01)); return x; }
   * }
   */
  addLoss(loss: Tensor | (() => Tensor) | (Tensor | (() => Tensor))[]): void {
    for (const l of Array.isArray(loss) ? loss : [loss]) {
      if (typeof l === 'function') this.lossFns.push(l);
      else if (l instanceof Tensor) {
        const list = callLosses.get(this) ?? [];
        list.push(l);
        callLosses.set(this, list);
      } else
        throw new ArgumentError(
          `${this.name}: addLoss expects a tensor or a function returning one, received ${show(l)}`,
        );
    }
  }

  /**
   * The losses of this layer and the layers inside it (Keras' `layer.losses`): the tensors added during
   * the latest forward pass, the added loss functions' values, and the weights' regularization penalties.
   * The trainer adds them to the compiled loss.
   * @example nr.layers.activityRegularization({ l1: 0.1 }).losses // [] before a call
   */
  get losses(): Tensor[] {
    const layers = subtree(this);
    return [
      ...layers.flatMap((l) => (callLosses.get(l) ?? []).filter((t) => !t.isDisposed)),
      ...layers.flatMap((l) => l.lossFns.map((f) => f())),
      ...this.regularizationLosses(),
    ];
  }

  /** Regularization penalties of this layer's weights (part of `losses`). */
  regularizationLosses(): Tensor[] {
    return this.allWeightRecords().flatMap((w) =>
      w.regularizer && w.variable.trainable ? [w.regularizer.call(w.variable)] : [],
    );
  }

  /** Applies constraints after an optimizer step. */
  applyConstraints(): void {
    for (const w of this.allWeightRecords())
      if (w.constraint) w.variable.assign(w.constraint.call(w.variable));
  }

  /** Checks an input against the layer's input spec, naming the layer and what it received. */
  protected assertInputCompatible(shape: readonly (number | null)[]): void {
    const spec = this.inputSpec;
    if (!spec) return;
    if (spec.rank !== undefined && shape.length !== spec.rank)
      throw layerShapeError(
        this,
        `expected input of rank ${spec.rank}, received shape ${formatShape(shape.slice())}`,
      );
    if (spec.minRank !== undefined && shape.length < spec.minRank)
      throw layerShapeError(
        this,
        `expected input of rank >= ${spec.minRank}, received shape ${formatShape(shape.slice())}`,
      );
    const last = shape[shape.length - 1];
    if (spec.lastDim !== undefined && last !== null && last !== spec.lastDim) {
      throw layerShapeError(
        this,
        `expected input with last dimension ${spec.lastDim}, received shape ${formatShape(shape.slice())}`,
      );
    }
  }

  /**
   * Calls the layer: on tensors it computes (building first if needed); on symbolic tensors it records a
   * node of a functional model.
   * @example const y = nr.layers.dense({ units: 3 }).apply(x);
   */
  apply(inputs: LayerInput, kwargs?: CallArgs): Tensor;
  apply(inputs: SymbolicInput, kwargs?: CallArgs): SymbolicTensor;
  apply(
    inputs: LayerInput | SymbolicInput,
    kwargs?: CallArgs,
  ): Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[];
  apply(
    inputs: LayerInput | SymbolicInput,
    kwargs: CallArgs = {},
  ): Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length && list.every((t) => t instanceof SymbolicTensor))
      return this.applySymbolic(list as SymbolicTensor[], Array.isArray(inputs), kwargs);
    if (!list.every((t) => t instanceof Tensor))
      throw new ArgumentError(
        `${this.name}: inputs must be Tensors or SymbolicTensors (not mixed), received ${show(list.map((t) => (t === null || typeof t !== 'object' ? t : t.constructor.name)))}`,
      );
    const tensors = list as Tensor[];
    const shapes: SymbolicShape[] = tensors.map((t) => t.shape.slice());
    if (!this.built) this.build(Array.isArray(inputs) ? shapes : shapes[0]);
    for (const s of shapes) this.assertInputCompatible(s);
    const mask =
      kwargs.mask !== undefined
        ? kwargs.mask
        : Array.isArray(inputs)
          ? tensors.map(getMask)
          : getMask(tensors[0]);
    const callArgs: CallArgs = { ...kwargs, mask: mask ?? null };
    // A scope per call: a layer used outside tidy leaves only its outputs (and recorded penalties) behind.
    // Under a mixed policy its float inputs are cast to the compute dtype and its float32 variables are
    // read in it (the engine's autocast, restored after the call, so nested layers keep their own).
    const compute = this.dtypePolicy.computeDtype;
    const saved = ENGINE.autocastDtype;
    ENGINE.autocastDtype = this.dtypePolicy.isMixed ? compute : null;
    let out: LayerInput;
    // The outermost call starts a forward pass: the losses added by the previous one are dropped.
    if (applyDepth === 0) for (const l of subtree(this)) callLosses.delete(l);
    applyDepth++;
    try {
      [out] = tidy(() => {
        const cast =
          isFloatDType(compute) && this.castsInputs()
            ? tensors.map((t) =>
                isFloatDType(t.dtype) && t.dtype !== compute ? t.cast(compute) : t,
              )
            : tensors;
        const result = this.call(Array.isArray(inputs) ? cast : cast[0], callArgs);
        return [this.toComputeDtype(result), pendingCallLosses(this)] as const;
      });
    } finally {
      applyDepth--;
      ENGINE.autocastDtype = saved;
    }
    const outMask = this.computeMask(Array.isArray(inputs) ? tensors : tensors[0], mask);
    (Array.isArray(out) ? out : [out]).forEach((o, i) =>
      setMask(o, Array.isArray(outMask) ? (outMask[i] ?? null) : outMask),
    );
    return out;
  }

  /**
   * Like `apply` on tensors, always returning a list: for layers with several outputs
   * (`returnState`, `returnAttentionScores`, Bidirectional with `mergeMode: null`).
   * @example const [seq, h, c] = nr.layers.lstm({ units: 4, returnSequences: true, returnState: true }).applyMulti(x);
   */
  applyMulti(inputs: LayerInput, kwargs: CallArgs = {}): Tensor[] {
    const out = this.apply(inputs, kwargs) as Tensor | Tensor[];
    return Array.isArray(out) ? out : [out];
  }

  // ---- tfjs/Keras topology: what the layer was called on in symbolic graphs ----

  /** The one graph node, or an error naming why `what` is ill-defined (never called, or called several times). */
  private soleNode(what: string): GraphNode {
    if (!this.inboundNodes.length)
      throw new ArgumentError(
        `${this.name}: the layer has never been called on a symbolic input, so it has no ${what}`,
      );
    if (this.inboundNodes.length > 1)
      throw new ArgumentError(
        `${this.name}: the layer has ${this.inboundNodes.length} inbound nodes, so its ${what} is ill-defined; use getOutputAt(nodeIndex) / getInputAt(nodeIndex)`,
      );
    return this.inboundNodes[0];
  }

  private nodeAt(index: number): GraphNode {
    const node = this.inboundNodes[index];
    if (!Number.isInteger(index) || !node)
      throw new ArgumentError(
        `${this.name}: no inbound node ${show(index)}; the layer has ${this.inboundNodes.length}`,
      );
    return node;
  }

  /**
   * The symbolic input of the layer's one call in a graph (tfjs' `layer.input`); a list for several inputs.
   * @example model.getLayer('dense_1').input
   */
  get input(): SymbolicTensor | SymbolicTensor[] {
    const node = this.soleNode('input');
    const ins = node.inputs.length ? node.inputs : node.outputs;
    return ins.length === 1 ? ins[0] : ins.slice();
  }

  /**
   * The symbolic output of the layer's one call in a graph (tfjs' `layer.output`): the feature-extractor idiom
   * `nr.model({ inputs: m.inputs, outputs: m.getLayer('h').output })`.
   * @example const features = model.getLayer('hidden').output;
   */
  get output(): SymbolicTensor | SymbolicTensor[] {
    const outs = this.soleNode('output').outputs;
    return outs.length === 1 ? outs[0] : outs.slice();
  }

  /** Output of the call at `nodeIndex`. @example layer.getOutputAt(1) */
  getOutputAt(nodeIndex: number): SymbolicTensor | SymbolicTensor[] {
    const outs = this.nodeAt(nodeIndex).outputs;
    return outs.length === 1 ? outs[0] : outs.slice();
  }

  /** Input of the call at `nodeIndex`. @example layer.getInputAt(0) */
  getInputAt(nodeIndex: number): SymbolicTensor | SymbolicTensor[] {
    const node = this.nodeAt(nodeIndex);
    const ins = node.inputs.length ? node.inputs : node.outputs;
    return ins.length === 1 ? ins[0] : ins.slice();
  }

  /** Output shape of the layer's graph calls (tfjs' `layer.outputShape`; a list for several outputs). @example layer.outputShape // [null, 10] */
  get outputShape(): SymbolicShape | SymbolicShape[] {
    if (!this.inboundNodes.length)
      throw new ArgumentError(
        `${this.name}: the layer has never been called on a symbolic input, so it has no outputShape`,
      );
    const shapes = this.inboundNodes.map((n) =>
      n.outputs.length === 1 ? formatShape(n.outputs[0].shape) : formatShape(n.outputs.map((o) => o.shape)),
    );
    if (new Set(shapes).size > 1)
      throw new ArgumentError(
        `${this.name}: the layer has several inbound nodes with different output shapes (${shapes.join(', ')}), so outputShape is ill-defined`,
      );
    const outs = this.inboundNodes[0].outputs;
    return outs.length === 1 ? outs[0].shape.slice() : outs.map((o) => o.shape.slice());
  }

  /** Input shape of the layer's graph calls (tfjs' `layer.inputShape`). @example layer.inputShape // [null, 784] */
  get inputShape(): SymbolicShape | SymbolicShape[] {
    const input = this.input;
    return Array.isArray(input) ? input.map((t) => t.shape.slice()) : input.shape.slice();
  }

  private applySymbolic(
    inputs: SymbolicTensor[],
    asList: boolean,
    kwargs: CallArgs,
  ): SymbolicTensor | SymbolicTensor[] {
    const shapes = inputs.map((t) => t.shape);
    const shapeArg = asList ? shapes : shapes[0];
    if (!this.built) this.build(shapeArg);
    for (const s of shapes) this.assertInputCompatible(s);
    const outShape = this.computeOutputShape(shapeArg);
    const multi = outShape.length > 0 && Array.isArray(outShape[0]);
    const outShapes = multi ? (outShape as SymbolicShape[]) : [outShape as SymbolicShape];
    const outputs = outShapes.map(
      (s, i) => new SymbolicTensor(s, this.computeDtype, `${this.name}/output_${i}`),
    );
    const node: GraphNode = { layer: this, inputs, outputs, kwargs: { training: kwargs.training } };
    for (const o of outputs) o.node = node;
    this.inboundNodes.push(node);
    return multi ? outputs : outputs[0];
  }

  /** Frees the layer's weights. @example layer.dispose() */
  dispose(): void {
    for (const w of this.weightList) w.variable.dispose();
    this.weightList.length = 0;
    for (const l of this.childLayers()) l.dispose();
    this.built = false;
  }
}
