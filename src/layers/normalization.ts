// Normalization layers: BatchNormalization (moving statistics as non-trainable weights) and LayerNormalization.
import { ArgumentError, show } from '../core/errors.js';
import { type Config, configAs } from '../core/serialization.js';
import type { Tensor, Variable } from '../core/tensor.js';
import type { Constraint } from '../constraints/index.js';
import type { Initializer } from '../initializers/index.js';
import type { Regularizer } from '../regularizers/index.js';
import { moments } from '../ops/reduce.js';
import { batchNorm } from '../ops/nn.js';
import { single, specOf } from './core.js';
import {
  type CallArgs,
  Layer,
  type LayerArgs,
  type LayerClassEntry,
  layerShapeError,
} from './layer.js';
import type { SymbolicShape } from './symbolic.js';

/** The options of a normalization layer's learned offset (beta) and scale (gamma). */
export interface OffsetScaleArgs {
  betaInitializer?: string | Initializer;
  gammaInitializer?: string | Initializer;
  betaRegularizer?: string | Regularizer;
  gammaRegularizer?: string | Regularizer;
  betaConstraint?: string | Constraint;
  gammaConstraint?: string | Constraint;
}

/**
 * The config keys of beta and gamma, with Keras' defaults, as every normalization layer writes them.
 * @example offsetScaleConfig({}) // { betaInitializer: 'zeros', gammaInitializer: 'ones', betaRegularizer: null, ... }
 */
export function offsetScaleConfig(a: OffsetScaleArgs): Config {
  return {
    betaInitializer: specOf(a.betaInitializer, 'zeros'),
    gammaInitializer: specOf(a.gammaInitializer, 'ones'),
    betaRegularizer: specOf(a.betaRegularizer, null),
    gammaRegularizer: specOf(a.gammaRegularizer, null),
    betaConstraint: specOf(a.betaConstraint, null),
    gammaConstraint: specOf(a.gammaConstraint, null),
  };
}

/**
 * Creates a normalization layer's scale (gamma, ones) and offset (beta, zeros) of `shape`, as its options say;
 * null for the one it does not use. Gamma first, as Keras orders the weights.
 * @example ({ gamma: this.gamma, beta: this.beta } = addOffsetScale(this, this.args, [c], true, true));
 */
export function addOffsetScale(
  layer: Layer,
  a: OffsetScaleArgs,
  shape: number[],
  scale: boolean,
  center: boolean,
): { gamma: Variable | null; beta: Variable | null } {
  const gamma = scale
    ? layer.addWeight('gamma', {
        shape,
        initializer: a.gammaInitializer ?? 'ones',
        regularizer: a.gammaRegularizer,
        constraint: a.gammaConstraint,
      })
    : null;
  const beta = center
    ? layer.addWeight('beta', {
        shape,
        initializer: a.betaInitializer ?? 'zeros',
        regularizer: a.betaRegularizer,
        constraint: a.betaConstraint,
      })
    : null;
  return { gamma, beta };
}

/** Keras' backend epsilon, added to masked weight sums. */
const EPSILON = 1e-7;

/** Options of `batchNormalization`. */
export interface BatchNormalizationArgs extends LayerArgs {
  /** The feature axis that keeps its own statistics (channels). Default -1. */
  axis?: number;
  /** Weight of the old value in the moving averages: moving = moving·momentum + batch·(1 - momentum). Default 0.99. */
  momentum?: number;
  /** Added to the variance before the square root. Default 1e-3. */
  epsilon?: number;
  /** Add the learned offset beta. Default true. */
  center?: boolean;
  /** Multiply by the learned scale gamma. Default true. */
  scale?: boolean;
  betaInitializer?: string | Initializer;
  gammaInitializer?: string | Initializer;
  movingMeanInitializer?: string | Initializer;
  movingVarianceInitializer?: string | Initializer;
  betaRegularizer?: string | Regularizer;
  gammaRegularizer?: string | Regularizer;
  betaConstraint?: string | Constraint;
  gammaConstraint?: string | Constraint;
}

function checkNumber(
  owner: string,
  arg: string,
  v: unknown,
  fallback: number,
  ok: (n: number) => boolean,
  what: string,
): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v))
    throw new ArgumentError(`${owner}: ${arg} must be ${what}, received ${show(v)}`);
  return v;
}

function checkBool(owner: string, arg: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean')
    throw new ArgumentError(`${owner}: ${arg} must be a boolean, received ${show(v)}`);
  return v;
}

/** Axes normalised to [0, rank), checked and sorted. */
function normalizeAxes(layer: Layer, axes: readonly number[], rank: number): number[] {
  const out = axes.map((a) => {
    if (!Number.isInteger(a) || a < -rank || a >= rank)
      throw layerShapeError(layer, `axis ${a} is out of range for an input of rank ${rank}`);
    return a < 0 ? a + rank : a;
  });
  if (new Set(out).size !== out.length)
    throw new ArgumentError(`${layer.name}: duplicate axes ${show(axes)}`);
  return out.sort((a, b) => a - b);
}

/** Shape that broadcasts a parameter over the kept axes: [1, C, 1, 1] for axis 1 of a rank-4 input. */
function broadcastShape(shape: readonly number[], kept: readonly number[]): number[] {
  return shape.map((d, i) => (kept.includes(i) ? d : 1));
}

/**
 * Normalises each feature with batch statistics while training and with moving averages at inference
 * (Keras semantics: biased batch variance for both, and a layer with trainable=false always runs in
 * inference mode). Weights: gamma, beta (trainable), moving_mean, moving_variance (not trainable).
 * @example nr.layers.batchNormalization({ momentum: 0.9 })
 */
export class BatchNormalization extends Layer {
  static readonly className = 'BatchNormalization';
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private readonly args: BatchNormalizationArgs;
  gamma: Variable | null = null;
  beta: Variable | null = null;
  movingMean: Variable | null = null;
  movingVariance: Variable | null = null;

  constructor(args: BatchNormalizationArgs = {}) {
    super(args);
    const owner = 'BatchNormalization';
    if (args.axis !== undefined && !Number.isInteger(args.axis))
      throw new ArgumentError(`${owner}: axis must be an integer, received ${show(args.axis)}`);
    this.axis = args.axis ?? -1;
    this.momentum = checkNumber(
      owner,
      'momentum',
      args.momentum,
      0.99,
      (n) => n >= 0 && n <= 1,
      'a number in [0, 1]',
    );
    this.epsilon = checkNumber(
      owner,
      'epsilon',
      args.epsilon,
      1e-3,
      (n) => n >= 0,
      'a number >= 0',
    );
    this.center = checkBool(owner, 'center', args.center, true);
    this.scale = checkBool(owner, 'scale', args.scale, true);
    this.args = args;
    this.supportsMasking = true;
  }

  override getClassName(): string {
    return BatchNormalization.className;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = inputShape as SymbolicShape;
    const [ax] = normalizeAxes(this, [this.axis], shape.length);
    const dim = shape[ax];
    if (dim === null)
      throw layerShapeError(
        this,
        `the size of axis ${this.axis} must be known, received shape ${show(shape)}`,
      );
    ({ gamma: this.gamma, beta: this.beta } = addOffsetScale(
      this,
      this.args,
      [dim],
      this.scale,
      this.center,
    ));
    this.movingMean = this.addWeight('moving_mean', {
      shape: [dim],
      initializer: this.args.movingMeanInitializer ?? 'zeros',
      trainable: false,
      autocast: false,
    });
    this.movingVariance = this.addWeight('moving_variance', {
      shape: [dim],
      initializer: this.args.movingVarianceInitializer ?? 'ones',
      trainable: false,
      autocast: false,
    });
    this.inputSpec =
      ax === shape.length - 1 ? { rank: shape.length, lastDim: dim } : { rank: shape.length };
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor {
    const x = single(this, inputs).cast('float32');
    if (!this.movingMean || !this.movingVariance)
      throw layerShapeError(this, 'called before build');
    const [ax] = normalizeAxes(this, [this.axis], x.rank);
    const bshape = broadcastShape(x.shape, [ax]);
    const param = (v: Tensor | null) => (v && ax !== x.rank - 1 ? v.reshape(bshape) : v);
    let mean: Tensor;
    let variance: Tensor;
    if (kwargs.training && this.trainable) {
      const mask = Array.isArray(kwargs.mask) ? (kwargs.mask[0] ?? null) : (kwargs.mask ?? null);
      ({ mean, variance } = this.batchMoments(x, ax, mask));
      const m = this.momentum;
      // NOTE: Keras updates the moving variance with the biased batch variance (torch uses the unbiased one).
      this.movingMean.assign(this.movingMean.mul(m).add(mean.reshape([-1]).mul(1 - m)));
      this.movingVariance.assign(this.movingVariance.mul(m).add(variance.reshape([-1]).mul(1 - m)));
    } else {
      mean = param(this.movingMean) as Tensor;
      variance = param(this.movingVariance) as Tensor;
    }
    const y = batchNorm(x, mean, variance, param(this.beta), param(this.gamma), this.epsilon);
    // computed in float32 (as Keras does for float16 inputs), returned in the compute dtype
    return this.computeDtype === 'float16' ? y.cast('float16') : y;
  }

  /** Mean and biased variance over every axis but `ax` (kept dims); a mask [batch, ...] weights the samples. */
  private batchMoments(
    x: Tensor,
    ax: number,
    mask: Tensor | null,
  ): { mean: Tensor; variance: Tensor } {
    const axes = x.shape.map((_, i) => i).filter((i) => i !== ax);
    if (!mask) return moments(x, axes, true);
    if (mask.rank !== x.rank - 1)
      throw layerShapeError(
        this,
        `the mask must have one dimension less than the input, received mask shape ${show(mask.shape)} for input shape ${show(x.shape)}`,
      );
    const keep = (mask.dtype === 'bool' ? mask : mask.notEqual(0))
      .expandDims(-1)
      .broadcastTo(x.shape);
    const weight = keep.cast('float32').sum(axes, true).add(EPSILON);
    const mean = keep.where(x, 0).sum(axes, true).div(weight);
    const variance = keep.where(x.sub(mean), 0).square().sum(axes, true).div(weight);
    return { mean, variance };
  }

  override getConfig(): Config {
    const a = this.args;
    return {
      ...super.getConfig(),
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      ...offsetScaleConfig(a),
      movingMeanInitializer: specOf(a.movingMeanInitializer, 'zeros'),
      movingVarianceInitializer: specOf(a.movingVarianceInitializer, 'ones'),
    };
  }
}

/** Options of `layerNormalization`. */
export interface LayerNormalizationArgs extends LayerArgs {
  /** Axis or axes normalised together (per sample). Default -1. */
  axis?: number | number[];
  /** Added to the variance before the square root. Default 1e-3. */
  epsilon?: number;
  /** Add the learned offset beta. Default true. */
  center?: boolean;
  /** Multiply by the learned scale gamma. Default true. */
  scale?: boolean;
  betaInitializer?: string | Initializer;
  gammaInitializer?: string | Initializer;
  betaRegularizer?: string | Regularizer;
  gammaRegularizer?: string | Regularizer;
  betaConstraint?: string | Constraint;
  gammaConstraint?: string | Constraint;
}

/**
 * Normalises each sample over `axis` (Ba et al. 2016): (x - mean) / sqrt(variance + epsilon) · gamma + beta,
 * with gamma and beta shaped like the normalised axes. (Keras' deprecated rms_scaling is not offered.)
 * @example nr.layers.layerNormalization({ epsilon: 1e-6 })
 */
export class LayerNormalization extends Layer {
  static readonly className = 'LayerNormalization';
  readonly axis: number | number[];
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private readonly args: LayerNormalizationArgs;
  gamma: Variable | null = null;
  beta: Variable | null = null;

  constructor(args: LayerNormalizationArgs = {}) {
    super(args);
    const owner = 'LayerNormalization';
    const axis = args.axis ?? -1;
    if (!(
      Number.isInteger(axis) ||
      (Array.isArray(axis) && axis.length > 0 && axis.every((a) => Number.isInteger(a)))
    )) {
      throw new ArgumentError(
        `${owner}: axis must be an integer or a non-empty array of integers, received ${show(args.axis)}`,
      );
    }
    this.axis = Array.isArray(axis) ? axis.slice() : axis;
    this.epsilon = checkNumber(
      owner,
      'epsilon',
      args.epsilon,
      1e-3,
      (n) => n >= 0,
      'a number >= 0',
    );
    this.center = checkBool(owner, 'center', args.center, true);
    this.scale = checkBool(owner, 'scale', args.scale, true);
    this.args = args;
    this.supportsMasking = true;
  }

  override getClassName(): string {
    return LayerNormalization.className;
  }

  private axes(rank: number): number[] {
    return normalizeAxes(this, Array.isArray(this.axis) ? this.axis : [this.axis], rank);
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = inputShape as SymbolicShape;
    const axes = this.axes(shape.length);
    const pshape = axes.map((i) => shape[i]);
    if (pshape.some((d) => d === null))
      throw layerShapeError(
        this,
        `the normalised axes must have known sizes, received shape ${show(shape)}`,
      );
    const dims = pshape as number[];
    ({ gamma: this.gamma, beta: this.beta } = addOffsetScale(
      this,
      this.args,
      dims,
      this.scale,
      this.center,
    ));
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(this, inputs).cast('float32');
    const axes = this.axes(x.rank);
    const trailing = axes.every((a, i) => a === x.rank - axes.length + i);
    const bshape = broadcastShape(x.shape, axes);
    const param = (v: Tensor | null) => (v && !trailing ? v.reshape(bshape) : v);
    const { mean, variance } = moments(x, axes, true);
    return batchNorm(x, mean, variance, param(this.beta), param(this.gamma), this.epsilon);
  }

  override getConfig(): Config {
    const a = this.args;
    return {
      ...super.getConfig(),
      axis: this.axis,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      ...offsetScaleConfig(a),
    };
  }
}

/** A batch normalization layer. @example nr.layers.batchNormalization() */
export const batchNormalization = (args: BatchNormalizationArgs = {}) =>
  new BatchNormalization(args);
/** A layer normalization layer. @example nr.layers.layerNormalization({ axis: -1 }) */
export const layerNormalization = (args: LayerNormalizationArgs = {}) =>
  new LayerNormalization(args);

/** Registry entries of this family. */
export const normalizationLayers: LayerClassEntry[] = [
  ['BatchNormalization', (c) => new BatchNormalization(configAs<BatchNormalizationArgs>(c))],
  ['LayerNormalization', (c) => new LayerNormalization(configAs<LayerNormalizationArgs>(c))],
];
