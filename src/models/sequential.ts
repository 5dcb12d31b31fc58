// Sequential: a plain stack of layers, built as soon as its input shape is known.
import { ArgumentError, show } from '../core/errors.js';
import type { Config } from '../core/serialization.js';
import type { Tensor } from '../core/tensor.js';
import { InputLayer } from '../layers/input.js';
import { type CallArgs, getMask, Layer, type LayerInput } from '../layers/layer.js';
import type { SymbolicShape, SymbolicTensor } from '../layers/symbolic.js';
import { Model } from './model.js';

/** Options of `sequential`. */
export interface SequentialArgs {
  layers?: Layer[];
  name?: string;
}

/**
 * A linear stack of layers.
 * @example
 * const model = nr.sequential({ layers: [
 *   nr.layers.dense({ units: 64, activation: 'relu', inputShape: [784] }),
 *   nr.layers.dense({ units: 10, activation: 'softmax' }),
 * ] });
 */
export class Sequential extends Model {
  static override readonly className = 'Sequential';
  private readonly stack: Layer[] = [];
  /** The symbolic output of each layer of the stack, once the input shape is known. */
  private readonly stackOutputs: SymbolicTensor[] = [];
  private declaredShape: SymbolicShape | null = null;

  constructor(args: SequentialArgs = {}) {
    super({ name: args.name });
    this.built = false;
    for (const l of args.layers ?? []) this.add(l);
  }

  /** Appends a layer; builds the model if the input shape is known. @example model.add(nr.layers.dense({ units: 1 })) */
  add(layer: Layer): void {
    if (!(layer instanceof Layer))
      throw new ArgumentError(`${this.name}: add expects a Layer, received ${show(layer)}`);
    if (layer instanceof InputLayer) {
      if (this.stack.length)
        throw new ArgumentError(`${this.name}: an InputLayer must be the first layer`);
      this.declaredShape = layer.batchInputShape;
      this.inputs.length = 0;
      this.inputs.push(layer.output);
      return;
    }
    if (this.stack.length === 0 && layer.batchInputShape && !this.declaredShape)
      this.declaredShape = layer.batchInputShape;
    this.stack.push(layer);
    const last = this.outputs[0];
    if (last) this.connect(layer, last);
    else if (this.declaredShape) this.build(this.declaredShape);
  }

  /** Calls `layer` on the symbolic tensor `x` (building it) and makes its output the model's output. */
  private connect(layer: Layer, x: SymbolicTensor): void {
    const y = layer.apply(x);
    if (Array.isArray(y))
      throw new ArgumentError(
        `${this.name}: every layer of a Sequential model must have one output; '${layer.name}' has ${y.length}. Use the functional API`,
      );
    this.stackOutputs.push(y);
    this.outputs.length = 0;
    this.outputs.push(y);
  }

  /** Removes the last layer. @example model.pop() */
  pop(): void {
    if (!this.stack.length) throw new ArgumentError(`${this.name}: pop on an empty model`);
    this.stack.pop();
    if (this.stackOutputs.length > this.stack.length) {
      this.stackOutputs.pop();
      this.outputs.length = 0;
      const last = this.stackOutputs.at(-1) ?? null;
      if (last) this.outputs.push(last);
    }
  }

  override get layers(): Layer[] {
    return this.stack.slice();
  }

  /**
   * Builds every layer along the input shape, as a graph from an InputLayer (so `inputs`, `outputs` and each
   * layer's `output` exist, as in tfjs and Keras). A shape seen only from data keeps its batch size open.
   */
  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    if (inputShape.length > 0 && Array.isArray(inputShape[0]))
      throw new ArgumentError(
        `${this.name}: a Sequential model takes one input, received shapes ${show(inputShape)}`,
      );
    const given = inputShape as SymbolicShape;
    const shape = this.declaredShape ?? [null, ...given.slice(1)];
    const input =
      this.inputs[0] ??
      // tfjs names the input after the first layer
      new InputLayer({ batchInputShape: shape, name: `${this.stack[0]?.name ?? this.name}_input` })
        .output;
    this.inputs.length = 0;
    this.inputs.push(input);
    this.outputs.length = 0;
    this.stackOutputs.length = 0;
    let x = input;
    for (const l of this.stack) {
      this.connect(l, x);
      x = this.outputs[0];
    }
    this.declaredShape = shape;
    this.built = true;
    this.builtInputShape = shape;
  }

  override call(inputs: LayerInput, kwargs: CallArgs): LayerInput {
    if (!this.stack.length) throw new ArgumentError(`${this.name}: the model has no layers`);
    let x = inputs;
    let mask = kwargs.mask;
    for (const l of this.stack) {
      x = l.apply(x, { training: kwargs.training, mask });
      mask = Array.isArray(x) ? x.map(getMask) : getMask(x);
    }
    return x;
  }

  override computeOutputShape(
    inputShape: SymbolicShape | SymbolicShape[],
  ): SymbolicShape | SymbolicShape[] {
    let shape = inputShape;
    for (const l of this.stack) shape = l.computeOutputShape(shape);
    return shape;
  }

  /** The declared input shape, when known. */
  get batchShape(): SymbolicShape | null {
    return this.declaredShape;
  }

  override getConfig(): Config {
    return {
      name: this.name,
      layers: this.stack.map((l) => ({ className: l.getClassName(), config: l.getConfig() })),
    };
  }
}

/**
 * A Sequential model.
 * @example const m = nr.sequential({ layers: [nr.layers.dense({ units: 1, inputShape: [3] })] });
 */
export function sequential(args: SequentialArgs = {}): Sequential {
  return new Sequential(args);
}

export type { Tensor };
