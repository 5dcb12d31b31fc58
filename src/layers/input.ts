// The input of a functional model: `input({shape})` returns a symbolic tensor produced by an InputLayer.
import { ArgumentError, show } from '../core/errors.js';
import type { DType } from '../core/dtype.js';
import type { Config } from '../core/serialization.js';
import type { Tensor } from '../core/tensor.js';
import { Layer, type LayerArgs } from './layer.js';
import { type SymbolicShape, SymbolicTensor } from './symbolic.js';

/** Options of `input`. */
export interface InputArgs {
  /** Shape of one sample, without the batch dimension (null = any size). */
  shape?: SymbolicShape;
  /** Full shape including the batch dimension. */
  batchShape?: SymbolicShape;
  batchSize?: number;
  dtype?: DType;
  name?: string;
}

/**
 * The layer behind `input()`: it has no weights and passes its input through.
 * @example new nr.layers.InputLayer({ batchInputShape: [null, 784] })
 */
export class InputLayer extends Layer {
  static readonly className = 'InputLayer';
  /** The symbolic tensor this input stands for (also `output`, through its one graph node). */
  readonly symbolic: SymbolicTensor;
  constructor(args: LayerArgs) {
    // Keras: an input is float32 (or the dtype given), whatever the global policy
    super({ ...args, dtype: args.dtype ?? 'float32' });
    if (!this.batchInputShape)
      throw new ArgumentError('InputLayer: inputShape or batchInputShape is required');
    this.symbolic = new SymbolicTensor(this.batchInputShape, this.dtype, this.name);
    this.symbolic.node = { layer: this, inputs: [], outputs: [this.symbolic], kwargs: {} };
    this.inboundNodes.push(this.symbolic.node);
    this.built = true;
  }
  /** The input's symbolic tensor. @example nr.layers.inputLayer({ inputShape: [4] }).output.shape // [null, 4] */
  override get output(): SymbolicTensor {
    return this.symbolic;
  }
  override getClassName(): string {
    return InputLayer.className;
  }
  override call(inputs: Tensor | Tensor[]): Tensor | Tensor[] {
    return inputs;
  }
  override getConfig(): Config {
    return { ...super.getConfig() };
  }
}

/**
 * A symbolic input for a functional model.
 * @example
 * const x = nr.input({ shape: [28, 28, 1] });
 * const y = nr.layers.flatten().apply(x);
 */
export function input(args: InputArgs): SymbolicTensor {
  const shape = args?.batchShape ?? (args?.shape ? [args.batchSize ?? null, ...args.shape] : null);
  if (!shape || !shape.every((d) => d === null || (Number.isInteger(d) && d >= 0))) {
    throw new ArgumentError(
      `input: shape must be an array of non-negative integers or null, received ${show(args?.shape ?? args?.batchShape)}`,
    );
  }
  return new InputLayer({ batchInputShape: shape, dtype: args.dtype, name: args.name }).output;
}
