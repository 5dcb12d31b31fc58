// Core layers: Dense, Activation, Dropout, Flatten, Reshape.
import { positiveInt } from '../core/dtype.js';
import { ArgumentError, show } from '../core/errors.js';
import type { Config } from '../core/serialization.js';
import type { Tensor, Variable } from '../core/tensor.js';
import {
  fusedActivationOf,
  getActivation,
  serializeActivation,
  type ActivationFn,
} from '../activations/index.js';
import { matMulWith } from '../ops/matmul.js';
import { type Constraint, getConstraint } from '../constraints/index.js';
import { getInitializer, type Initializer } from '../initializers/index.js';
import { getRegularizer, type Regularizer } from '../regularizers/index.js';
import { dropout } from '../ops/nn.js';
import { type CallArgs, Layer, type LayerArgs, layerShapeError } from './layer.js';
import type { SymbolicShape } from './symbolic.js';

/** Options of `dense`. */
export interface DenseArgs extends LayerArgs {
  /** Output size (positive integer). */
  units: number;
  /** Activation name or function; default linear. */
  activation?: string | ActivationFn;
  /** Whether to add a bias. Default true. */
  useBias?: boolean;
  kernelInitializer?: string | Initializer;
  biasInitializer?: string | Initializer;
  kernelRegularizer?: string | Regularizer;
  biasRegularizer?: string | Regularizer;
  kernelConstraint?: string | Constraint;
  biasConstraint?: string | Constraint;
  /** Input size, for the first layer (tfjs): same as inputShape [inputDim]. */
  inputDim?: number;
}

/**
 * Densely connected layer: `activation(inputs · kernel + bias)` on the last axis.
 * @example nr.layers.dense({ units: 10, activation: 'softmax' })
 */
export class Dense extends Layer {
  static readonly className = 'Dense';
  readonly units: number;
  readonly activation: ActivationFn;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  readonly kernelConstraint: Constraint | null;
  readonly biasConstraint: Constraint | null;
  /** The weight options as the config reports them (a name stays a name), with the defaults filled in. */
  private readonly optionSpecs: Config;
  kernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(args: DenseArgs) {
    super(
      args.inputDim !== undefined && !args.inputShape && !args.batchInputShape
        ? { ...args, inputShape: [args.inputDim] }
        : args,
    );
    this.units = positiveInt('Dense', 'units', args?.units);
    this.activation = getActivation(args.activation ?? 'linear');
    this.useBias = args.useBias ?? true;
    // The defaults, in one place: resolved now (an unknown name fails here, not at the first call).
    const kernelInit = args.kernelInitializer ?? 'glorotUniform';
    const biasInit = args.biasInitializer ?? 'zeros';
    this.kernelInitializer = getInitializer(kernelInit);
    this.biasInitializer = getInitializer(biasInit);
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer ?? null);
    this.biasRegularizer = getRegularizer(args.biasRegularizer ?? null);
    this.kernelConstraint = getConstraint(args.kernelConstraint ?? null);
    this.biasConstraint = getConstraint(args.biasConstraint ?? null);
    // A name stays a name in the config; an object (or a {className, config} from a file) is written resolved.
    const spec = (given: unknown, resolved: Parameters<typeof specOf>[0]) =>
      specOf(typeof given === 'string' ? given : resolved, null);
    this.optionSpecs = {
      kernelInitializer: spec(kernelInit, this.kernelInitializer),
      biasInitializer: spec(biasInit, this.biasInitializer),
      kernelRegularizer: spec(args.kernelRegularizer, this.kernelRegularizer),
      biasRegularizer: spec(args.biasRegularizer, this.biasRegularizer),
      kernelConstraint: spec(args.kernelConstraint, this.kernelConstraint),
      biasConstraint: spec(args.biasConstraint, this.biasConstraint),
    };
    this.inputSpec = { minRank: 2 };
    this.supportsMasking = true;
  }

  override getClassName(): string {
    return Dense.className;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = inputShape as SymbolicShape;
    const inDim = shape[shape.length - 1];
    if (inDim === null || inDim === undefined)
      throw layerShapeError(
        this,
        `the last dimension of the input must be known, received shape ${show(shape)}`,
      );
    this.kernel = this.addWeight('kernel', {
      shape: [inDim, this.units],
      initializer: this.kernelInitializer,
      regularizer: this.kernelRegularizer,
      constraint: this.kernelConstraint,
    });
    if (this.useBias)
      this.bias = this.addWeight('bias', {
        shape: [this.units],
        initializer: this.biasInitializer,
        regularizer: this.biasRegularizer,
        constraint: this.biasConstraint,
      });
    this.inputSpec = { minRank: 2, lastDim: inDim };
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(this, inputs);
    if (!this.kernel) throw layerShapeError(this, 'called before build');
    const flat = x.rank === 2 ? x : x.reshape([-1, x.shape[x.rank - 1]]);
    // bias and a fusable activation run inside the product's kernel (one pass over the output); with
    // another activation (softmax) the bias still rides in the kernel, with a linear epilogue
    const act = fusedActivationOf(this.activation);
    let y =
      act || this.bias
        ? matMulWith(flat, this.kernel, false, false, {
            bias: this.bias,
            activation: act ?? 'linear',
          })
        : flat.matMul(this.kernel);
    if (x.rank !== 2) y = y.reshape([...x.shape.slice(0, -1), this.units]);
    return act ? y : this.activation(y);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = inputShape as SymbolicShape;
    return [...shape.slice(0, -1), this.units];
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: serializeActivation(this.activation),
      useBias: this.useBias,
      ...this.optionSpecs,
    };
  }
}

/** Config form of an initializer/regularizer/constraint option: its name or {className, config}. @example specOf('glorotUniform', null) // 'glorotUniform' */
export function specOf(
  v:
    | string
    | { getClassName(): string; getConfig(): Config }
    | { className: string; config: Config }
    | undefined
    | null,
  fallback: string | null,
): Config[string] {
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'string') return v;
  // a layer built from a config holds the {className, config} it was given
  if ('className' in v) return { className: v.className, config: v.config };
  return { className: v.getClassName(), config: v.getConfig() };
}

/** The one input of a single-input layer. @example const x = single(this, inputs); */
export function single(layer: Layer, inputs: Tensor | Tensor[]): Tensor {
  if (Array.isArray(inputs)) {
    if (inputs.length !== 1)
      throw new ArgumentError(`${layer.name}: expects one input, received ${inputs.length}`);
    return inputs[0];
  }
  return inputs;
}

/** Options of `activation`. */
export interface ActivationArgs extends LayerArgs {
  activation: string | ActivationFn;
}

/**
 * Applies an activation function.
 * @example nr.layers.activation({ activation: 'relu' })
 */
export class Activation extends Layer {
  static readonly className = 'Activation';
  readonly activation: ActivationFn;
  constructor(args: ActivationArgs) {
    super(args);
    this.activation = getActivation(args?.activation);
    this.supportsMasking = true;
  }
  override getClassName(): string {
    return Activation.className;
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
    return this.activation(single(this, inputs));
  }
  override getConfig(): Config {
    return { ...super.getConfig(), activation: serializeActivation(this.activation) };
  }
}

/** Options of `dropout`. */
export interface DropoutArgs extends LayerArgs {
  /** Fraction of inputs to drop, in [0, 1). */
  rate: number;
  /** Shape of the binary mask, broadcast over the input (null entries take the input's dims). */
  noiseShape?: (number | null)[];
  seed?: number;
}

/**
 * Inverted dropout while training; identity at inference.
 * @example nr.layers.dropout({ rate: 0.5 })
 */
export class Dropout extends Layer {
  static readonly className = 'Dropout';
  readonly rate: number;
  readonly noiseShape: (number | null)[] | null;
  readonly seed: number | null;
  private calls = 0;
  constructor(args: DropoutArgs) {
    super(args);
    if (typeof args?.rate !== 'number' || !(args.rate >= 0 && args.rate < 1))
      throw new ArgumentError(`Dropout: rate must be in [0, 1), received ${show(args?.rate)}`);
    this.rate = args.rate;
    this.noiseShape = args.noiseShape ?? null;
    this.seed = args.seed ?? null;
    this.supportsMasking = true;
  }
  override getClassName(): string {
    return Dropout.className;
  }
  override call(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor {
    const x = single(this, inputs);
    if (!kwargs.training || this.rate === 0) return x.clone();
    const noise = this.noiseShape ? this.noiseShape.map((d, i) => d ?? x.shape[i]) : undefined;
    // A seeded layer still draws a new mask per call: the seed fixes the sequence, not one mask.
    const seed = this.seed === null ? undefined : this.seed + this.calls++;
    return dropout(x, this.rate, noise, seed);
  }
  override getConfig(): Config {
    return { ...super.getConfig(), rate: this.rate, noiseShape: this.noiseShape, seed: this.seed };
  }
}

/**
 * Flattens each sample to one dimension.
 * @example nr.layers.flatten()
 */
export class Flatten extends Layer {
  static readonly className = 'Flatten';
  constructor(args: LayerArgs = {}) {
    super(args);
    this.inputSpec = { minRank: 1 };
  }
  override getClassName(): string {
    return Flatten.className;
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(this, inputs);
    return x.reshape([x.shape[0], x.size / Math.max(x.shape[0], 1) || 0]);
  }
  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = inputShape as SymbolicShape;
    const rest = s.slice(1);
    return [
      s[0],
      rest.some((d) => d === null) ? null : rest.reduce<number>((a, d) => a * (d ?? 1), 1),
    ];
  }
}

/** Options of `reshape`. */
export interface ReshapeArgs extends LayerArgs {
  /** Target shape of each sample (one entry may be -1). */
  targetShape: number[];
}

/**
 * Reshapes each sample.
 * @example nr.layers.reshape({ targetShape: [28, 28, 1] })
 */
export class Reshape extends Layer {
  static readonly className = 'Reshape';
  readonly targetShape: number[];
  constructor(args: ReshapeArgs) {
    super(args);
    if (!Array.isArray(args?.targetShape))
      throw new ArgumentError(
        `Reshape: targetShape must be an array, received ${show(args?.targetShape)}`,
      );
    this.targetShape = args.targetShape.slice();
  }
  override getClassName(): string {
    return Reshape.className;
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(this, inputs);
    return x.reshape([x.shape[0], ...this.targetShape]);
  }
  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = inputShape as SymbolicShape;
    const rest = s.slice(1);
    const known = this.targetShape.filter((d) => d !== -1).reduce((a, d) => a * d, 1);
    const total = rest.some((d) => d === null)
      ? null
      : rest.reduce<number>((a, d) => a * (d ?? 1), 1);
    if (total !== null && (this.targetShape.includes(-1) ? total % known !== 0 : total !== known)) {
      throw layerShapeError(
        this,
        `cannot reshape samples of shape ${show(rest)} into ${show(this.targetShape)}`,
      );
    }
    return [
      s[0],
      ...this.targetShape.map((d) => (d === -1 ? (total === null ? null : total / known) : d)),
    ];
  }
  override getConfig(): Config {
    return { ...super.getConfig(), targetShape: this.targetShape };
  }
}
