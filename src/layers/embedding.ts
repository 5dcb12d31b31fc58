// Embedding (integer ids to vectors, optionally masking id 0) and Masking (skip timesteps equal to a value).
import { type ConstraintIdentifier, getConstraint } from '../constraints/index.js';
import { ArgumentError, show } from '../core/errors.js';
import { configAs, type Config } from '../core/serialization.js';
import type { Tensor, Variable } from '../core/tensor.js';
import { getInitializer, type InitializerIdentifier } from '../initializers/index.js';
import { getRegularizer, type RegularizerIdentifier } from '../regularizers/index.js';
import { positiveInt } from './conv.js';
import { single, specOf } from './core.js';
import { Layer, type LayerArgs, type LayerClassEntry, layerShapeError } from './layer.js';
import type { SymbolicShape } from './symbolic.js';

/** Options of `embedding`. */
export interface EmbeddingArgs extends LayerArgs {
  /** Vocabulary size: ids are in [0, inputDim). With `maskZero`, id 0 is padding, so use vocabulary + 1. */
  inputDim: number;
  /** Size of each vector. */
  outputDim: number;
  /** Default 'uniform' (uniform in [-0.05, 0.05]). */
  embeddingsInitializer?: InitializerIdentifier;
  embeddingsRegularizer?: RegularizerIdentifier;
  embeddingsConstraint?: ConstraintIdentifier;
  /** Treat id 0 as padding: the output carries the mask `ids != 0` for the layers after it. Default false. */
  maskZero?: boolean;
  /** Length of the id sequences, for the first layer of a Sequential model (tfjs): same as inputShape [inputLength]. */
  inputLength?: number | number[];
}

/**
 * Turns integer ids into dense vectors: ids of shape [b, ...] give [b, ..., outputDim]. Float ids are
 * cast to int32. The weight is `embeddings` [inputDim, outputDim].
 * @example nr.layers.embedding({ inputDim: 10000, outputDim: 64, maskZero: true })
 */
export class Embedding extends Layer {
  static readonly className = 'Embedding';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly maskZero: boolean;
  readonly inputLength: number | number[] | null;
  private readonly embArgs: EmbeddingArgs;
  embeddings: Variable | null = null;

  constructor(args: EmbeddingArgs) {
    const length = args?.inputLength;
    const lengthShape = Array.isArray(length) ? length : [length];
    const withShape =
      length !== undefined && length !== null && !args.inputShape && !args.batchInputShape;
    super(withShape ? { ...args, inputShape: lengthShape as number[] } : args);
    this.inputDim = positiveInt(Embedding.className, 'inputDim', args.inputDim);
    this.outputDim = positiveInt(Embedding.className, 'outputDim', args.outputDim);
    this.maskZero = args.maskZero ?? false;
    if (typeof this.maskZero !== 'boolean')
      throw new ArgumentError(
        `Embedding: maskZero must be a boolean, received ${show(args.maskZero)}`,
      );
    this.inputLength = length ?? null;
    this.embArgs = args;
    this.supportsMasking = this.maskZero;
  }

  override getClassName(): string {
    return Embedding.className;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const a = this.embArgs;
    this.embeddings = this.addWeight('embeddings', {
      shape: [this.inputDim, this.outputDim],
      initializer: getInitializer(a.embeddingsInitializer ?? 'uniform'),
      regularizer: getRegularizer(a.embeddingsRegularizer),
      constraint: getConstraint(a.embeddingsConstraint),
    });
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const ids = single(this, inputs);
    if (!this.embeddings) throw layerShapeError(this, 'called before build');
    return this.embeddings.gather(ids.dtype === 'int32' ? ids : ids.cast('int32'));
  }

  override computeMask(inputs: Tensor | Tensor[]): Tensor | null {
    return this.maskZero ? single(this, inputs).notEqual(0) : null;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return [...(inputShape as SymbolicShape), this.outputDim];
  }

  override getConfig(): Config {
    const a = this.embArgs;
    return {
      ...super.getConfig(),
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      embeddingsInitializer: specOf(
        getInitializer(a.embeddingsInitializer ?? 'uniform'),
        'uniform',
      ),
      embeddingsRegularizer: specOf(getRegularizer(a.embeddingsRegularizer), null),
      embeddingsConstraint: specOf(getConstraint(a.embeddingsConstraint), null),
      maskZero: this.maskZero,
      inputLength: this.inputLength,
    };
  }
}

/** Options of `masking`. */
export interface MaskingArgs extends LayerArgs {
  /** Timesteps whose features all equal this value are masked. Default 0. */
  maskValue?: number;
}

/**
 * Masks timesteps whose features all equal `maskValue`: they become zeros and the output carries the
 * mask [b, steps] for mask-aware layers after it (RNNs, GlobalAveragePooling1D, ...).
 * @example nr.layers.masking({ maskValue: -1, inputShape: [20, 8] })
 */
export class Masking extends Layer {
  static readonly className = 'Masking';
  readonly maskValue: number;
  constructor(args: MaskingArgs = {}) {
    super(args);
    const v = args.maskValue ?? 0;
    if (typeof v !== 'number' || Number.isNaN(v))
      throw new ArgumentError(
        `Masking: maskValue must be a number, received ${show(args.maskValue)}`,
      );
    this.maskValue = v;
    this.supportsMasking = true;
    this.inputSpec = { minRank: 2 };
  }
  override getClassName(): string {
    return Masking.className;
  }
  /** True for timesteps with at least one feature different from maskValue. */
  private keep(x: Tensor, keepDims: boolean): Tensor {
    return x.notEqual(this.maskValue).any(-1, keepDims);
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(this, inputs);
    return this.keep(x, true).where(x, 0);
  }
  override computeMask(inputs: Tensor | Tensor[]): Tensor | null {
    return this.keep(single(this, inputs), false);
  }
  override getConfig(): Config {
    return { ...super.getConfig(), maskValue: this.maskValue };
  }
}

/** An embedding layer. @example nr.layers.embedding({ inputDim: 1000, outputDim: 32 }) */
export const embedding = (args: EmbeddingArgs) => new Embedding(args);
/** A masking layer. @example nr.layers.masking({ maskValue: 0 }) */
export const masking = (args: MaskingArgs = {}) => new Masking(args);

/** Registry entries of this family. */
export const embeddingLayers: LayerClassEntry[] = [
  ['Embedding', (c) => new Embedding(configAs<EmbeddingArgs>(c))],
  ['Masking', (c) => new Masking(configAs<MaskingArgs>(c))],
];
