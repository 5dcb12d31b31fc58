// Sequential: a plain stack of layers, built as soon as its input shape is known.
import { ArgumentError, show } from '../core/errors.js';
import type { Config } from '../core/serialization.js';
import type { Tensor } from '../core/tensor.js';
import { InputLayer } from '../layers/input.js';
import { type CallArgs, getMask, Layer, type LayerInput } from '../layers/layer.js';
import type { SymbolicShape } from '../layers/symbolic.js';
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
  private inputShape: SymbolicShape | null = null;
  /** Output shape after each layer of the stack, as far as built: `add` builds only the new layer. */
  private readonly shapes: (SymbolicShape | SymbolicShape[])[] = [];

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
      this.inputShape = layer.batchInputShape;
      return;
    }
    if (this.stack.length === 0 && layer.batchInputShape) this.inputShape = layer.batchInputShape;
    this.stack.push(layer);
    if (!this.inputShape) return;
    if (this.built && this.shapes.length === this.stack.length - 1) {
      // Only the new layer: rebuilding the whole stack on each add made n adds cost n^2.
      const shape = this.shapes.length ? this.shapes[this.shapes.length - 1] : this.inputShape;
      if (!layer.built) layer.build(shape);
      this.shapes.push(layer.computeOutputShape(shape));
    } else this.build(this.inputShape);
  }

  /** Removes the last layer. @example model.pop() */
  pop(): void {
    if (!this.stack.length) throw new ArgumentError(`${this.name}: pop on an empty model`);
    this.stack.pop();
    if (this.shapes.length > this.stack.length) this.shapes.length = this.stack.length;
  }

  override get layers(): Layer[] {
    return this.stack.slice();
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    let shape = inputShape;
    this.shapes.length = 0;
    for (const l of this.stack) {
      if (!l.built) l.build(shape);
      shape = l.computeOutputShape(shape);
      this.shapes.push(shape);
    }
    this.inputShape = inputShape as SymbolicShape;
    this.built = true;
    this.builtInputShape = inputShape;
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
    return this.inputShape;
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
