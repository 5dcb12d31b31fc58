// Activation layers (Keras' ReLU, LeakyReLU, PReLU, ELU, Softmax, ThresholdedReLU) and Identity.
import { type ConstraintIdentifier, getConstraint } from '../constraints/index.js';
import { ArgumentError, show } from '../core/errors.js';
import { type Config, configAs } from '../core/serialization.js';
import type { Tensor, Variable } from '../core/tensor.js';
import { getInitializer, type InitializerIdentifier } from '../initializers/index.js';
import { leakyRelu, prelu as preluOp, where } from '../ops/elementwise.js';
import { softmax as softmaxOp } from '../ops/nn.js';
import { logSumExp } from '../ops/reduce.js';
import { getRegularizer, type RegularizerIdentifier } from '../regularizers/index.js';
import { single, specOf } from './core.js';
import {
  type CallArgs,
  Layer,
  type LayerArgs,
  type LayerClassEntry,
  layerShapeError,
} from './layer.js';
import type { SymbolicShape } from './symbolic.js';

function finiteNumber(owner: string, arg: string, v: unknown, min = -Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min)
    throw new ArgumentError(
      `${owner}: ${arg} must be a finite number${min > -Infinity ? ` >= ${min}` : ''}, received ${show(v)}`,
    );
  return v;
}

/** A weightless elementwise layer that passes masks through. */
abstract class ElementwiseActivation extends Layer {
  constructor(args: LayerArgs) {
    super(args);
    this.supportsMasking = true;
  }
  /** The activation on the (float) input. */
  protected abstract activate(x: Tensor): Tensor;
  override call(inputs: Tensor | Tensor[]): Tensor {
    return this.activate(single(this, inputs));
  }
}

/** Options of `reLU`. */
export interface ReLUArgs extends LayerArgs {
  /** Upper bound of the output (null: none). Default null. */
  maxValue?: number | null;
  /** Slope below the threshold. Default 0. */
  negativeSlope?: number;
  /** Values below it are damped by `negativeSlope`. Default 0. */
  threshold?: number;
}

/**
 * Rectified linear unit: `x` for threshold <= x < maxValue, `maxValue` above it,
 * `negativeSlope * (x - threshold)` below the threshold.
 * @example nr.layers.reLU({ maxValue: 6 }) // ReLU6
 */
export class ReLU extends ElementwiseActivation {
  static readonly className = 'ReLU';
  readonly maxValue: number | null;
  readonly negativeSlope: number;
  readonly threshold: number;
  constructor(args: ReLUArgs = {}) {
    super(args);
    this.maxValue =
      args.maxValue === undefined || args.maxValue === null
        ? null
        : finiteNumber('ReLU', 'maxValue', args.maxValue, 0);
    this.negativeSlope = finiteNumber('ReLU', 'negativeSlope', args.negativeSlope ?? 0, 0);
    this.threshold = finiteNumber('ReLU', 'threshold', args.threshold ?? 0);
  }
  override getClassName(): string {
    return ReLU.className;
  }
  protected activate(x: Tensor): Tensor {
    let y: Tensor;
    if (this.threshold === 0 && this.negativeSlope === 0) y = x.relu();
    else if (this.threshold === 0) y = leakyRelu(x, this.negativeSlope);
    else
      y = where(
        x.greaterEqual(this.threshold),
        x,
        x.sub(this.threshold).mul(this.negativeSlope),
      );
    return this.maxValue === null ? y : y.minimum(this.maxValue);
  }
  override getConfig(): Config {
    return {
      ...super.getConfig(),
      maxValue: this.maxValue,
      negativeSlope: this.negativeSlope,
      threshold: this.threshold,
    };
  }
}

/** Options of `leakyReLU`. */
export interface LeakyReLUArgs extends LayerArgs {
  /** Slope for x < 0 (Keras 3's name). Default 0.3. */
  negativeSlope?: number;
  /** tfjs' name for `negativeSlope`. */
  alpha?: number;
}

/**
 * Leaky ReLU: x for x >= 0, `negativeSlope * x` otherwise (tfjs calls the slope `alpha`).
 * @example nr.layers.leakyReLU({ alpha: 0.2 })
 */
export class LeakyReLU extends ElementwiseActivation {
  static readonly className = 'LeakyReLU';
  readonly negativeSlope: number;
  constructor(args: LeakyReLUArgs = {}) {
    super(args);
    if (args.alpha !== undefined && args.negativeSlope !== undefined && args.alpha !== args.negativeSlope)
      throw new ArgumentError(
        `LeakyReLU: give negativeSlope or alpha, not both, received negativeSlope=${show(args.negativeSlope)}, alpha=${show(args.alpha)}`,
      );
    this.negativeSlope = finiteNumber(
      'LeakyReLU',
      args.alpha !== undefined ? 'alpha' : 'negativeSlope',
      args.negativeSlope ?? args.alpha ?? 0.3,
      0,
    );
  }
  override getClassName(): string {
    return LeakyReLU.className;
  }
  /** tfjs' name for the slope. */
  get alpha(): number {
    return this.negativeSlope;
  }
  protected activate(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }
  override getConfig(): Config {
    return { ...super.getConfig(), negativeSlope: this.negativeSlope };
  }
}

/** Options of `prelu`. */
export interface PReLUArgs extends LayerArgs {
  /** Initializer of the learned slopes. Default 'zeros'. */
  alphaInitializer?: InitializerIdentifier;
  alphaRegularizer?: RegularizerIdentifier;
  alphaConstraint?: ConstraintIdentifier;
  /** Axes (1 = first after the batch) along which one slope is shared, e.g. the spatial axes of images. */
  sharedAxes?: number | number[] | null;
}

/**
 * Parametric ReLU: x for x >= 0, `alpha * x` otherwise, with a learned `alpha` per feature
 * (shape = input shape without the batch, with size 1 on `sharedAxes`).
 * @example nr.layers.prelu({ sharedAxes: [1, 2] })
 */
export class PReLU extends Layer {
  static readonly className = 'PReLU';
  readonly sharedAxes: number[] | null;
  alpha: Variable | null = null;
  private readonly args: PReLUArgs;
  constructor(args: PReLUArgs = {}) {
    super(args);
    const s = args.sharedAxes;
    if (s !== undefined && s !== null) {
      const list = Array.isArray(s) ? s : [s];
      if (!list.every((a) => Number.isInteger(a) && a >= 1))
        throw new ArgumentError(
          `PReLU: sharedAxes must be integers >= 1 (axis 0 is the batch), received ${show(s)}`,
        );
      this.sharedAxes = list.slice();
    } else this.sharedAxes = null;
    this.args = args;
    this.supportsMasking = true;
  }
  override getClassName(): string {
    return PReLU.className;
  }
  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = inputShape as SymbolicShape;
    const alphaShape = shape.slice(1).map((d, i) => {
      if (this.sharedAxes?.includes(i + 1)) return 1;
      if (d === null)
        throw layerShapeError(
          this,
          `axis ${i + 1} has unknown size: list it in sharedAxes, received input shape ${show(shape)}`,
        );
      return d;
    });
    this.alpha = this.addWeight('alpha', {
      shape: alphaShape,
      initializer: getInitializer(this.args.alphaInitializer ?? 'zeros'),
      regularizer: getRegularizer(this.args.alphaRegularizer),
      constraint: getConstraint(this.args.alphaConstraint),
    });
    this.inputSpec = { rank: shape.length };
    super.build(inputShape);
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(this, inputs);
    if (!this.alpha) throw layerShapeError(this, 'called before build');
    return preluOp(x, this.alpha);
  }
  override getConfig(): Config {
    const a = this.args;
    return {
      ...super.getConfig(),
      alphaInitializer: specOf(getInitializer(a.alphaInitializer ?? 'zeros'), 'zeros'),
      alphaRegularizer: specOf(getRegularizer(a.alphaRegularizer), null),
      alphaConstraint: specOf(getConstraint(a.alphaConstraint), null),
      sharedAxes: this.sharedAxes,
    };
  }
}

/** Options of `elu`. */
export interface ELUArgs extends LayerArgs {
  /** Scale of the negative part. Default 1. */
  alpha?: number;
}

/**
 * Exponential linear unit: x for x > 0, `alpha * (exp(x) - 1)` otherwise.
 * @example nr.layers.elu({ alpha: 0.5 })
 */
export class ELU extends ElementwiseActivation {
  static readonly className = 'ELU';
  readonly alpha: number;
  constructor(args: ELUArgs = {}) {
    super(args);
    this.alpha = finiteNumber('ELU', 'alpha', args.alpha ?? 1);
  }
  override getClassName(): string {
    return ELU.className;
  }
  protected activate(x: Tensor): Tensor {
    if (this.alpha === 1) return x.elu();
    return where(x.greater(0), x, x.elu().mul(this.alpha));
  }
  override getConfig(): Config {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

/** Options of `softmax`. */
export interface SoftmaxArgs extends LayerArgs {
  /** Axis (or axes) normalised over. Default -1. */
  axis?: number | number[];
}

/**
 * Softmax over `axis`. With a mask (Keras' `call(inputs, mask)`), masked-out positions get probability 0.
 * @example nr.layers.softmax({ axis: -1 })
 */
export class Softmax extends Layer {
  static readonly className = 'Softmax';
  readonly axis: number | number[];
  constructor(args: SoftmaxArgs = {}) {
    super(args);
    const axis = args.axis ?? -1;
    const list = Array.isArray(axis) ? axis : [axis];
    if (!list.length || !list.every((a) => Number.isInteger(a)))
      throw new ArgumentError(
        `Softmax: axis must be an integer or a list of integers, received ${show(args.axis)}`,
      );
    this.axis = Array.isArray(axis) ? axis.slice() : axis;
    this.supportsMasking = true;
  }
  override getClassName(): string {
    return Softmax.className;
  }
  override call(inputs: Tensor | Tensor[], kwargs: CallArgs = {}): Tensor {
    let x = single(this, inputs);
    const mask = Array.isArray(kwargs.mask) ? kwargs.mask[0] : kwargs.mask;
    // Keras: a large negative number where the mask is false, so those positions get (almost) zero weight
    if (mask) x = x.add(mask.cast(x.dtype).sub(1).mul(x.dtype === 'float16' ? 65500 : 1e9));
    if (!Array.isArray(this.axis)) return softmaxOp(x, this.axis);
    return x.sub(logSumExp(x, this.axis, true)).exp();
  }
  /** The mask selected positions; the output carries none. */
  override computeMask(): null {
    return null;
  }
  override getConfig(): Config {
    return { ...super.getConfig(), axis: this.axis };
  }
}

/** Options of `thresholdedReLU`. */
export interface ThresholdedReLUArgs extends LayerArgs {
  /** Values at or below it become 0. Default 1. */
  theta?: number;
}

/**
 * Thresholded ReLU (tfjs, Keras 2): x for x > theta, 0 otherwise.
 * @example nr.layers.thresholdedReLU({ theta: 0.5 })
 */
export class ThresholdedReLU extends ElementwiseActivation {
  static readonly className = 'ThresholdedReLU';
  readonly theta: number;
  constructor(args: ThresholdedReLUArgs = {}) {
    super(args);
    this.theta = finiteNumber('ThresholdedReLU', 'theta', args.theta ?? 1, 0);
  }
  override getClassName(): string {
    return ThresholdedReLU.className;
  }
  protected activate(x: Tensor): Tensor {
    return x.mul(x.greater(this.theta).cast(x.dtype));
  }
  override getConfig(): Config {
    return { ...super.getConfig(), theta: this.theta };
  }
}

/**
 * Passes its input through unchanged (a placeholder, e.g. an optional block switched off).
 * @example nr.layers.identity()
 */
export class Identity extends ElementwiseActivation {
  static readonly className = 'Identity';
  override getClassName(): string {
    return Identity.className;
  }
  protected activate(x: Tensor): Tensor {
    return x.clone();
  }
}

/** A ReLU layer (tfjs' `reLU`). @example nr.layers.reLU({ maxValue: 6 }) */
export const reLU = (args: ReLUArgs = {}) => new ReLU(args);
/** A leaky ReLU layer. @example nr.layers.leakyReLU({ alpha: 0.1 }) */
export const leakyReLU = (args: LeakyReLUArgs = {}) => new LeakyReLU(args);
/** A parametric ReLU layer. @example nr.layers.prelu() */
export const prelu = (args: PReLUArgs = {}) => new PReLU(args);
/** An ELU layer. @example nr.layers.elu() */
export const elu = (args: ELUArgs = {}) => new ELU(args);
/** A softmax layer. @example nr.layers.softmax() */
export const softmax = (args: SoftmaxArgs = {}) => new Softmax(args);
/** A thresholded ReLU layer. @example nr.layers.thresholdedReLU({ theta: 1 }) */
export const thresholdedReLU = (args: ThresholdedReLUArgs = {}) => new ThresholdedReLU(args);
/** An identity layer. @example nr.layers.identity() */
export const identity = (args: LayerArgs = {}) => new Identity(args);

/** Registry entries of this family. */
export const activationLayers: LayerClassEntry[] = [
  ['ReLU', (c) => new ReLU(configAs<ReLUArgs>(c))],
  ['LeakyReLU', (c) => new LeakyReLU(configAs<LeakyReLUArgs>(c))],
  ['PReLU', (c) => new PReLU(configAs<PReLUArgs>(c))],
  ['ELU', (c) => new ELU(configAs<ELUArgs>(c))],
  ['Softmax', (c) => new Softmax(configAs<SoftmaxArgs>(c))],
  ['ThresholdedReLU', (c) => new ThresholdedReLU(configAs<ThresholdedReLUArgs>(c))],
  ['Identity', (c) => new Identity(configAs<LayerArgs>(c))],
];
