// Preprocessing layers: Rescaling (x·scale + offset) and Normalization (feature-wise, from given or adapted statistics).
import { ArgumentError, ShapeError, show } from '../core/errors.js';
import { type Config, configAs } from '../core/serialization.js';
import { tidy } from '../core/memory.js';
import type { Tensor, Variable } from '../core/tensor.js';
import { scalar, tensor } from '../ops/creation.js';
import { moments } from '../ops/reduce.js';
import { single } from './core.js';
import { Layer, type LayerArgs, type LayerClassEntry, layerShapeError } from './layer.js';
import type { SymbolicShape } from './symbolic.js';

/** Keras' backend epsilon: the smallest standard deviation Normalization divides by. */
const EPSILON = 1e-7;

type NumberOrArray = number | number[];

function isNumberOrArray(v: unknown): v is NumberOrArray {
  return (
    (typeof v === 'number' && Number.isFinite(v)) ||
    (Array.isArray(v) &&
      v.length > 0 &&
      v.every((e) => typeof e === 'number' && Number.isFinite(e)))
  );
}

/** Options of `rescaling`. */
export interface RescalingArgs extends LayerArgs {
  /** Multiplier: a number, or one number per feature (broadcast against the last axes). */
  scale: NumberOrArray;
  /** Added after scaling, a number or per feature. Default 0. */
  offset?: NumberOrArray;
}

/**
 * Rescales inputs: x·scale + offset, in float32 (e.g. scale 1/255 for pixels, or 1/127.5 with offset -1).
 * @example nr.layers.rescaling({ scale: 1 / 255 })
 */
export class Rescaling extends Layer {
  static readonly className = 'Rescaling';
  readonly scale: NumberOrArray;
  readonly offset: NumberOrArray;

  constructor(args: RescalingArgs) {
    super(args);
    if (!isNumberOrArray(args?.scale))
      throw new ArgumentError(
        `Rescaling: scale must be a finite number or an array of numbers, received ${show(args?.scale)}`,
      );
    if (args.offset !== undefined && !isNumberOrArray(args.offset))
      throw new ArgumentError(
        `Rescaling: offset must be a finite number or an array of numbers, received ${show(args.offset)}`,
      );
    this.scale = Array.isArray(args.scale) ? args.scale.slice() : args.scale;
    this.offset = Array.isArray(args.offset) ? args.offset.slice() : (args.offset ?? 0);
    this.supportsMasking = true;
  }

  override getClassName(): string {
    return Rescaling.className;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(this, inputs);
    const asOperand = (v: NumberOrArray) => (typeof v === 'number' ? v : tensor(v));
    return tidy(() => x.cast('float32').mul(asOperand(this.scale)).add(asOperand(this.offset)));
  }

  override getConfig(): Config {
    return { ...super.getConfig(), scale: this.scale, offset: this.offset };
  }
}

/** Options of `normalization`. */
export interface NormalizationArgs extends LayerArgs {
  /** Axis or axes that keep their own mean and variance (null: one mean and variance for everything). Default -1. */
  axis?: number | number[] | null;
  /** Fixed mean (a number, or values for the kept axes); give it with `variance`, or call `adapt` instead. */
  mean?: NumberOrArray | null;
  /** Fixed variance, with `mean`. */
  variance?: NumberOrArray | null;
  /** Undo the normalisation instead: mean + x·sqrt(variance). Default false. */
  invert?: boolean;
}

/**
 * Shifts and scales features to mean 0 and variance 1: (x - mean) / max(sqrt(variance), 1e-7). The statistics
 * are given (`mean`, `variance`) or computed by `await layer.adapt(data)`, which stores them in the
 * non-trainable weights mean, variance and count (as Keras does).
 * @example
 * const norm = nr.layers.normalization();
 * await norm.adapt(trainX);
 * const y = norm.apply(x);
 */
export class Normalization extends Layer {
  static readonly className = 'Normalization';
  readonly axis: number[];
  readonly invert: boolean;
  readonly inputMean: NumberOrArray | null;
  readonly inputVariance: NumberOrArray | null;
  private readonly axisArg: number | number[] | null;
  adaptMean: Variable | null = null;
  adaptVariance: Variable | null = null;
  count: Variable | null = null;
  private keepAxes: number[] = [];

  constructor(args: NormalizationArgs = {}) {
    super(args);
    const owner = 'Normalization';
    const axis = args.axis === undefined ? -1 : args.axis;
    if (!(
      axis === null ||
      Number.isInteger(axis) ||
      (Array.isArray(axis) && axis.every((a) => Number.isInteger(a)))
    )) {
      throw new ArgumentError(
        `${owner}: axis must be an integer, an array of integers or null, received ${show(args.axis)}`,
      );
    }
    this.axisArg = Array.isArray(axis) ? axis.slice() : axis;
    this.axis = axis === null ? [] : [axis].flat();
    // null (as configs write it) means absent
    const mean = args.mean ?? null;
    const variance = args.variance ?? null;
    if ((mean === null) !== (variance === null))
      throw new ArgumentError(
        `${owner}: give both mean and variance or neither, received mean=${show(mean)}, variance=${show(variance)}`,
      );
    if (mean !== null && !isNumberOrArray(mean))
      throw new ArgumentError(
        `${owner}: mean must be a number or an array of numbers, received ${show(mean)}`,
      );
    if (variance !== null && !isNumberOrArray(variance))
      throw new ArgumentError(
        `${owner}: variance must be a number or an array of numbers, received ${show(variance)}`,
      );
    if (
      Array.isArray(mean) !== Array.isArray(variance) ||
      (Array.isArray(mean) && Array.isArray(variance) && mean.length !== variance.length)
    ) {
      throw new ArgumentError(
        `${owner}: mean and variance must have the same shape, received mean=${show(mean)}, variance=${show(variance)}`,
      );
    }
    this.inputMean = mean;
    this.inputVariance = variance;
    if (args.invert !== undefined && typeof args.invert !== 'boolean')
      throw new ArgumentError(`${owner}: invert must be a boolean, received ${show(args.invert)}`);
    this.invert = args.invert ?? false;
    this.supportsMasking = true;
  }

  override getClassName(): string {
    return Normalization.className;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = inputShape as SymbolicShape;
    const rank = shape.length;
    this.keepAxes = this.axis
      .map((a) => {
        if (a < -rank || a >= rank)
          throw layerShapeError(this, `axis ${a} is out of range for an input of rank ${rank}`);
        return a < 0 ? a + rank : a;
      })
      .sort((a, b) => a - b);
    const statShape = this.keepAxes.map((a) => shape[a]);
    if (statShape.some((d) => d === null))
      throw layerShapeError(
        this,
        `the kept axes must have known sizes, received shape ${show(shape)}`,
      );
    if (this.inputMean === null) {
      const dims = statShape as number[];
      this.adaptMean = this.addWeight('mean', {
        shape: dims,
        initializer: 'zeros',
        trainable: false,
      });
      this.adaptVariance = this.addWeight('variance', {
        shape: dims,
        initializer: 'ones',
        trainable: false,
      });
      this.count = this.addWeight('count', {
        shape: [],
        dtype: 'int32',
        initializer: 'zeros',
        trainable: false,
      });
    }
    super.build(inputShape);
  }

  /** Mean and variance shaped to broadcast against an input of `shape`. */
  private statistics(shape: readonly number[]): [Tensor, Tensor] {
    const bshape = shape.map((d, i) => (this.keepAxes.includes(i) ? d : 1));
    if (this.adaptMean && this.adaptVariance)
      return [this.adaptMean.reshape(bshape), this.adaptVariance.reshape(bshape)];
    const given = (v: NumberOrArray): Tensor => {
      if (typeof v === 'number') return scalar(v);
      // Values for the last kept axes, as Keras aligns them.
      const kept = this.keepAxes.map((a) => shape[a]);
      const size = kept.reduce((p, d) => p * d, 1);
      if (v.length === size) return tensor(v, kept.length ? kept : [1]).reshape(bshape);
      const last = this.keepAxes[this.keepAxes.length - 1];
      if (last !== undefined && v.length === shape[last])
        return tensor(v).reshape(shape.map((d, i) => (i === last ? d : 1)));
      throw new ShapeError(
        `${this.name}: mean/variance of length ${v.length} do not match the kept axes of shape ${show(kept)}`,
      );
    };
    return [given(this.inputMean as NumberOrArray), given(this.inputVariance as NumberOrArray)];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const input = single(this, inputs);
    return tidy(() => {
      const x = input.cast('float32');
      const [mean, variance] = this.statistics(x.shape);
      const std = variance.sqrt().maximum(EPSILON);
      return this.invert ? mean.add(x.mul(std)) : x.sub(mean).div(std);
    });
  }

  /**
   * Computes the mean and (biased) variance of `data` over every axis but the kept ones and stores them in
   * the layer's weights. Builds the layer from the data's shape when needed.
   * @example await norm.adapt(nr.tensor([[1, 2], [3, 4]]))
   */
  async adapt(data: Tensor): Promise<void> {
    if (this.inputMean !== null)
      throw new ArgumentError(
        `${this.name}: adapt cannot be used when mean and variance were given`,
      );
    if (!this.built) this.build(data.shape.map((d, i) => (i === 0 ? null : d)));
    if (!this.adaptMean || !this.adaptVariance || !this.count)
      throw layerShapeError(this, 'adapt found no statistics weights');
    const mean = this.adaptMean;
    const variance = this.adaptVariance;
    const count = this.count;
    const expected = this.keepAxes.map((a) => data.shape[a]);
    if (
      data.rank !== (this.builtInputShape as SymbolicShape).length ||
      expected.some((d, i) => d !== mean.shape[i])
    ) {
      throw layerShapeError(
        this,
        `adapt data of shape ${show(data.shape)} does not match the layer's input shape ${show(this.builtInputShape)}`,
      );
    }
    tidy(() => {
      const reduce = data.shape.map((_, i) => i).filter((i) => !this.keepAxes.includes(i));
      const m = moments(data.cast('float32'), reduce, false);
      mean.assign(m.mean.reshape(mean.shape));
      variance.assign(m.variance.reshape(variance.shape));
      const n = reduce.reduce((p, a) => p * data.shape[a], 1);
      count.assign(scalar(n, 'int32'));
    });
  }

  override computeOutputShape(
    inputShape: SymbolicShape | SymbolicShape[],
  ): SymbolicShape | SymbolicShape[] {
    return inputShape;
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      axis: this.axisArg,
      mean: this.inputMean,
      variance: this.inputVariance,
      invert: this.invert,
    };
  }
}

/** A rescaling layer. @example nr.layers.rescaling({ scale: 1 / 127.5, offset: -1 }) */
export const rescaling = (args: RescalingArgs) => new Rescaling(args);
/** A normalization layer. @example nr.layers.normalization({ mean: 3, variance: 4 }) */
export const normalization = (args: NormalizationArgs = {}) => new Normalization(args);

/** Registry entries of this family. */
export const preprocessingLayers: LayerClassEntry[] = [
  ['Rescaling', (c) => new Rescaling(configAs<RescalingArgs>(c))],
  ['Normalization', (c) => new Normalization(configAs<NormalizationArgs>(c))],
];
