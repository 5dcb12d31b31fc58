// GroupNormalization (Wu & He 2018) and UnitNormalization (each sample scaled to unit L2 norm).
import type { Constraint } from '../constraints/index.js';
import { ArgumentError, show } from '../core/errors.js';
import { type Config, configAs } from '../core/serialization.js';
import type { Tensor, Variable } from '../core/tensor.js';
import type { Initializer } from '../initializers/index.js';
import { moments } from '../ops/reduce.js';
import type { Regularizer } from '../regularizers/index.js';
import { single } from './core.js';
import { addOffsetScale, offsetScaleConfig } from './normalization.js';
import { Layer, type LayerArgs, type LayerClassEntry, layerShapeError } from './layer.js';
import { formatShape, type SymbolicShape } from './symbolic.js';

function axisIn(layer: Layer, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 1 || a >= rank)
    throw layerShapeError(
      layer,
      `axis ${axis} is out of range for an input of rank ${rank} (axis 0 is the batch)`,
    );
  return a;
}

/** Options of `groupNormalization`. */
export interface GroupNormalizationArgs extends LayerArgs {
  /** Number of channel groups; must divide the channel count. Default 32. */
  groups?: number;
  /** The channel axis. Default -1. */
  axis?: number;
  /** Added to the variance. Default 1e-3. */
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
 * Splits the channels into `groups` and normalises each group of each sample over its channels and all
 * other non-batch axes; then per-channel gamma and beta. groups = channels is InstanceNorm, groups = 1 LayerNorm
 * over everything.
 * @example nr.layers.groupNormalization({ groups: 8 })
 */
export class GroupNormalization extends Layer {
  static readonly className = 'GroupNormalization';
  readonly groups: number;
  readonly axis: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  gamma: Variable | null = null;
  beta: Variable | null = null;
  private readonly args: GroupNormalizationArgs;

  constructor(args: GroupNormalizationArgs = {}) {
    super(args);
    const owner = GroupNormalization.className;
    const groups = args.groups ?? 32;
    if (!Number.isInteger(groups) || groups < 1)
      throw new ArgumentError(
        `${owner}: groups must be a positive integer, received ${show(args.groups)}`,
      );
    const axis = args.axis ?? -1;
    if (!Number.isInteger(axis))
      throw new ArgumentError(`${owner}: axis must be an integer, received ${show(args.axis)}`);
    const epsilon = args.epsilon ?? 1e-3;
    if (typeof epsilon !== 'number' || !(epsilon >= 0) || !Number.isFinite(epsilon))
      throw new ArgumentError(
        `${owner}: epsilon must be a number >= 0, received ${show(args.epsilon)}`,
      );
    for (const k of ['center', 'scale'] as const)
      if (args[k] !== undefined && typeof args[k] !== 'boolean')
        throw new ArgumentError(`${owner}: ${k} must be a boolean, received ${show(args[k])}`);
    this.groups = groups;
    this.axis = axis;
    this.epsilon = epsilon;
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.args = args;
    this.supportsMasking = true;
  }

  override getClassName(): string {
    return GroupNormalization.className;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = inputShape as SymbolicShape;
    const ax = axisIn(this, this.axis, shape.length);
    const channels = shape[ax];
    if (channels === null)
      throw layerShapeError(
        this,
        `the channel axis must have a known size, received shape ${formatShape(shape)}`,
      );
    if (channels % this.groups !== 0)
      throw layerShapeError(
        this,
        `groups (${this.groups}) must divide the channel count, received ${channels} channels (shape ${formatShape(shape)})`,
      );
    ({ gamma: this.gamma, beta: this.beta } = addOffsetScale(
      this,
      this.args,
      [channels],
      this.scale,
      this.center,
    ));
    this.inputSpec = { rank: shape.length };
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(this, inputs).cast('float32');
    const rank = x.rank;
    const ax = axisIn(this, this.axis, rank);
    const c = x.shape[ax];
    // [..., C, ...] -> [..., G, C/G, ...]: statistics over every axis but the batch and the group axis
    const grouped = [
      ...x.shape.slice(0, ax),
      this.groups,
      c / this.groups,
      ...x.shape.slice(ax + 1),
    ];
    const xg = x.reshape(grouped);
    const axes = grouped.map((_, i) => i).filter((i) => i !== 0 && i !== ax);
    const { mean, variance } = moments(xg, axes, true);
    let y = xg.sub(mean).mul(variance.add(this.epsilon).rsqrt()).reshape(x.shape);
    const bshape = x.shape.map((d, i) => (i === ax ? d : 1));
    if (this.gamma) y = y.mul(this.gamma.reshape(bshape));
    if (this.beta) y = y.add(this.beta.reshape(bshape));
    return y;
  }

  override getConfig(): Config {
    const a = this.args;
    return {
      ...super.getConfig(),
      groups: this.groups,
      axis: this.axis,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      ...offsetScaleConfig(a),
    };
  }
}

/** Options of `unitNormalization`. */
export interface UnitNormalizationArgs extends LayerArgs {
  /** Axis or axes whose L2 norm becomes 1. Default -1. */
  axis?: number | number[];
}

/**
 * Scales each sample to unit L2 norm over `axis`: x / max(||x||, 1e-12) (Keras' epsilon, so zeros stay zeros).
 * @example nr.layers.unitNormalization()
 */
export class UnitNormalization extends Layer {
  static readonly className = 'UnitNormalization';
  readonly axis: number | number[];
  constructor(args: UnitNormalizationArgs = {}) {
    super(args);
    const axis = args.axis ?? -1;
    const list = Array.isArray(axis) ? axis : [axis];
    if (!list.length || !list.every((a) => Number.isInteger(a)))
      throw new ArgumentError(
        `UnitNormalization: axis must be an integer or a list of integers, received ${show(args.axis)}`,
      );
    this.axis = Array.isArray(axis) ? axis.slice() : axis;
    this.supportsMasking = true;
  }
  override getClassName(): string {
    return UnitNormalization.className;
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(this, inputs).cast('float32');
    const axes = (Array.isArray(this.axis) ? this.axis : [this.axis]).map((a) =>
      axisIn(this, a, x.rank),
    );
    // x · rsqrt(max(sum x², eps²)): finite (and a zero gradient through the clamp) for an all-zero sample
    return x.mul(x.square().sum(axes, true).maximum(1e-24).rsqrt());
  }
  override getConfig(): Config {
    return { ...super.getConfig(), axis: this.axis };
  }
}

/** A group normalization layer. @example nr.layers.groupNormalization({ groups: 4 }) */
export const groupNormalization = (args: GroupNormalizationArgs = {}) =>
  new GroupNormalization(args);
/** A unit normalization layer. @example nr.layers.unitNormalization({ axis: -1 }) */
export const unitNormalization = (args: UnitNormalizationArgs = {}) => new UnitNormalization(args);

/** Registry entries of this family. */
export const groupNormalizationLayers: LayerClassEntry[] = [
  ['GroupNormalization', (c) => new GroupNormalization(configAs<GroupNormalizationArgs>(c))],
  ['UnitNormalization', (c) => new UnitNormalization(configAs<UnitNormalizationArgs>(c))],
];
