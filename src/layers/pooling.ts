// Pooling layers: max and average pooling (1-D, 2-D) and global pooling, with masks for the 1-D globals.
import { ArgumentError, show } from '../core/errors.js';
import { configAs, type Config } from '../core/serialization.js';
import type { Tensor } from '../core/tensor.js';
import { avgPool, maxPool } from '../ops/pool.js';
import { convOutputLength, type DataFormat, dataFormatOf, paddingOf, tupleOf } from './conv.js';
import { single } from './core.js';
import {
  type CallArgs,
  Layer,
  type LayerArgs,
  type LayerClassEntry,
  layerShapeError,
} from './layer.js';
import { formatShape, type SymbolicShape } from './symbolic.js';

/** Options of the 1-D and 2-D pooling layers. */
export interface PoolingArgs extends LayerArgs {
  /** Window size: one number for every spatial axis, or one per axis. Default 2. */
  poolSize?: number | number[];
  /** Step of the window; default `poolSize`. */
  strides?: number | number[] | null;
  /** 'valid' (default) or 'same'. */
  padding?: 'valid' | 'same';
  /** 'channelsLast' (default) or 'channelsFirst'; Keras' 'channels_last' is accepted. */
  dataFormat?: DataFormat | 'channels_last' | 'channels_first';
}

/** Max or average pooling over `rank` spatial axes, run by the NHWC pooling ops. */
abstract class Pooling extends Layer {
  readonly poolSize: number[];
  readonly strides: number[];
  readonly padding: 'valid' | 'same';
  readonly dataFormat: DataFormat;

  constructor(
    private readonly rank: 1 | 2,
    private readonly kind: 'max' | 'avg',
    args: PoolingArgs = {},
  ) {
    super(args);
    const owner = this.getClassName();
    this.poolSize = tupleOf(owner, 'poolSize', args.poolSize ?? 2, rank);
    this.strides = tupleOf(owner, 'strides', args.strides ?? this.poolSize, rank);
    this.padding = paddingOf(owner, args.padding, false) === 'same' ? 'same' : 'valid';
    this.dataFormat = dataFormatOf(owner, args.dataFormat);
    this.inputSpec = { rank: rank + 2 };
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(this, inputs);
    const last = this.dataFormat === 'channelsLast';
    // every case becomes NHWC: [b, steps, c] -> [b, 1, steps, c]; channels first moved last
    const toLast = this.rank === 1 ? [0, 2, 1] : [0, 2, 3, 1];
    let x4 = last ? x : x.transpose(toLast);
    if (this.rank === 1) x4 = x4.expandDims(1);
    const size: [number, number] =
      this.rank === 1 ? [1, this.poolSize[0]] : [this.poolSize[0], this.poolSize[1]];
    const strides: [number, number] =
      this.rank === 1 ? [1, this.strides[0]] : [this.strides[0], this.strides[1]];
    let y =
      this.kind === 'max'
        ? maxPool(x4, size, strides, this.padding)
        : avgPool(x4, size, strides, this.padding);
    if (this.rank === 1) y = y.squeeze([1]);
    if (last) return y;
    return y.transpose(this.rank === 1 ? [0, 2, 1] : [0, 3, 1, 2]);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = inputShape as SymbolicShape;
    const last = this.dataFormat === 'channelsLast';
    const spatial = (last ? s.slice(1, -1) : s.slice(2)).map((d, i) =>
      convOutputLength(d, this.poolSize[i], this.padding, this.strides[i], 1),
    );
    return last ? [s[0], ...spatial, s[s.length - 1]] : [s[0], s[1], ...spatial];
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      poolSize: this.poolSize,
      strides: this.strides,
      padding: this.padding,
      dataFormat: this.dataFormat,
    };
  }
}

/**
 * Max pooling over steps of [batch, steps, channels].
 * @example nr.layers.maxPooling1d({ poolSize: 2 })
 */
export class MaxPooling1D extends Pooling {
  static readonly className = 'MaxPooling1D';
  constructor(args: PoolingArgs = {}) {
    super(1, 'max', args);
  }
  override getClassName(): string {
    return MaxPooling1D.className;
  }
}

/**
 * Max pooling over the height and width of images.
 * @example nr.layers.maxPooling2d({ poolSize: [2, 2] })
 */
export class MaxPooling2D extends Pooling {
  static readonly className = 'MaxPooling2D';
  constructor(args: PoolingArgs = {}) {
    super(2, 'max', args);
  }
  override getClassName(): string {
    return MaxPooling2D.className;
  }
}

/**
 * Average pooling over steps; with 'same' padding each window is divided by its real (unpadded) size.
 * @example nr.layers.averagePooling1d({ poolSize: 3, strides: 1, padding: 'same' })
 */
export class AveragePooling1D extends Pooling {
  static readonly className = 'AveragePooling1D';
  constructor(args: PoolingArgs = {}) {
    super(1, 'avg', args);
  }
  override getClassName(): string {
    return AveragePooling1D.className;
  }
}

/**
 * Average pooling over the height and width of images.
 * @example nr.layers.averagePooling2d({ poolSize: 2 })
 */
export class AveragePooling2D extends Pooling {
  static readonly className = 'AveragePooling2D';
  constructor(args: PoolingArgs = {}) {
    super(2, 'avg', args);
  }
  override getClassName(): string {
    return AveragePooling2D.className;
  }
}

/** Options of the global pooling layers. */
export interface GlobalPoolingArgs extends LayerArgs {
  /** 'channelsLast' (default) or 'channelsFirst'. */
  dataFormat?: DataFormat | 'channels_last' | 'channels_first';
  /** Keep the pooled axes with size 1. Default false. */
  keepdims?: boolean;
}

/** Max or mean over every spatial axis. */
abstract class GlobalPooling extends Layer {
  readonly dataFormat: DataFormat;
  readonly keepdims: boolean;

  constructor(
    protected readonly rank: 1 | 2,
    protected readonly kind: 'max' | 'avg',
    args: GlobalPoolingArgs = {},
  ) {
    super(args);
    const owner = this.getClassName();
    this.dataFormat = dataFormatOf(owner, args.dataFormat);
    this.keepdims = args.keepdims ?? false;
    if (typeof this.keepdims !== 'boolean')
      throw new ArgumentError(
        `${owner}: keepdims must be a boolean, received ${show(args.keepdims)}`,
      );
    this.inputSpec = { rank: rank + 2 };
  }

  /** The spatial axes of the input. */
  protected get axes(): number[] {
    const first = this.dataFormat === 'channelsLast' ? 1 : 2;
    return this.rank === 1 ? [first] : [first, first + 1];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(this, inputs);
    return this.kind === 'max'
      ? x.max(this.axes, this.keepdims)
      : x.cast('float32').mean(this.axes, this.keepdims);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = inputShape as SymbolicShape;
    const axes = this.axes;
    if (this.keepdims) return s.map((d, i) => (axes.includes(i) ? 1 : d));
    return s.filter((_, i) => !axes.includes(i));
  }

  override getConfig(): Config {
    return { ...super.getConfig(), dataFormat: this.dataFormat, keepdims: this.keepdims };
  }
}

/**
 * Masked 1-D global pooling: a mask [batch, steps] (from Embedding({maskZero}) or Masking) leaves the
 * masked steps out of the mean or max; the output carries no mask.
 */
abstract class GlobalPooling1D extends GlobalPooling {
  constructor(kind: 'max' | 'avg', args: GlobalPoolingArgs = {}) {
    super(1, kind, args);
    this.supportsMasking = true;
  }

  override call(inputs: Tensor | Tensor[], kwargs: CallArgs = {}): Tensor {
    const x = single(this, inputs);
    const mask = Array.isArray(kwargs.mask) ? (kwargs.mask[0] ?? null) : (kwargs.mask ?? null);
    if (!mask) return super.call(x);
    const steps = this.axes[0];
    if (mask.rank !== 2 || mask.shape[0] !== x.shape[0] || mask.shape[1] !== x.shape[steps]) {
      throw layerShapeError(
        this,
        `mask must be [batch, steps] = [${x.shape[0]}, ${x.shape[steps]}], received shape ${formatShape(mask.shape.slice())}`,
      );
    }
    const m = mask.cast('bool').expandDims(this.dataFormat === 'channelsLast' ? 2 : 1);
    if (this.kind === 'avg') {
      const xf = x.cast('float32');
      // NOTE: a sample whose steps are all masked has no mean; divNoNan gives it 0 instead of NaN.
      return m
        .where(xf, 0)
        .sum(steps, this.keepdims)
        .divNoNan(m.cast('float32').sum(steps, this.keepdims));
    }
    // NOTE: masked steps become -Infinity so they never win; a fully masked sample gives 0.
    const pooled = m.where(x.cast('float32'), Number.NEGATIVE_INFINITY).max(steps, this.keepdims);
    return m.any(steps, this.keepdims).where(pooled, 0);
  }

  override computeMask(): Tensor | null {
    return null;
  }
}

/**
 * Mean over steps of [batch, steps, channels] -> [batch, channels]; masked steps are left out.
 * @example nr.layers.globalAveragePooling1d()
 */
export class GlobalAveragePooling1D extends GlobalPooling1D {
  static readonly className = 'GlobalAveragePooling1D';
  constructor(args: GlobalPoolingArgs = {}) {
    super('avg', args);
  }
  override getClassName(): string {
    return GlobalAveragePooling1D.className;
  }
}

/**
 * Max over steps of [batch, steps, channels] -> [batch, channels]; masked steps are left out.
 * @example nr.layers.globalMaxPooling1d({ keepdims: true })
 */
export class GlobalMaxPooling1D extends GlobalPooling1D {
  static readonly className = 'GlobalMaxPooling1D';
  constructor(args: GlobalPoolingArgs = {}) {
    super('max', args);
  }
  override getClassName(): string {
    return GlobalMaxPooling1D.className;
  }
}

/**
 * Mean over height and width of images -> [batch, channels].
 * @example nr.layers.globalAveragePooling2d()
 */
export class GlobalAveragePooling2D extends GlobalPooling {
  static readonly className = 'GlobalAveragePooling2D';
  constructor(args: GlobalPoolingArgs = {}) {
    super(2, 'avg', args);
  }
  override getClassName(): string {
    return GlobalAveragePooling2D.className;
  }
}

/**
 * Max over height and width of images -> [batch, channels].
 * @example nr.layers.globalMaxPooling2d()
 */
export class GlobalMaxPooling2D extends GlobalPooling {
  static readonly className = 'GlobalMaxPooling2D';
  constructor(args: GlobalPoolingArgs = {}) {
    super(2, 'max', args);
  }
  override getClassName(): string {
    return GlobalMaxPooling2D.className;
  }
}

/** A 1-D max pooling layer. @example nr.layers.maxPooling1d({ poolSize: 2 }) */
export const maxPooling1d = (args: PoolingArgs = {}) => new MaxPooling1D(args);
/** A 2-D max pooling layer. @example nr.layers.maxPooling2d({ poolSize: 2, strides: 2 }) */
export const maxPooling2d = (args: PoolingArgs = {}) => new MaxPooling2D(args);
/** A 1-D average pooling layer. @example nr.layers.averagePooling1d({ poolSize: 2 }) */
export const averagePooling1d = (args: PoolingArgs = {}) => new AveragePooling1D(args);
/** A 2-D average pooling layer. @example nr.layers.averagePooling2d({ poolSize: 2 }) */
export const averagePooling2d = (args: PoolingArgs = {}) => new AveragePooling2D(args);
/** A global average pooling layer over steps. @example nr.layers.globalAveragePooling1d() */
export const globalAveragePooling1d = (args: GlobalPoolingArgs = {}) =>
  new GlobalAveragePooling1D(args);
/** A global max pooling layer over steps. @example nr.layers.globalMaxPooling1d() */
export const globalMaxPooling1d = (args: GlobalPoolingArgs = {}) => new GlobalMaxPooling1D(args);
/** A global average pooling layer over height and width. @example nr.layers.globalAveragePooling2d() */
export const globalAveragePooling2d = (args: GlobalPoolingArgs = {}) =>
  new GlobalAveragePooling2D(args);
/** A global max pooling layer over height and width. @example nr.layers.globalMaxPooling2d() */
export const globalMaxPooling2d = (args: GlobalPoolingArgs = {}) => new GlobalMaxPooling2D(args);

// tfjs' other names for the pooling factories
/** tfjs' name for `maxPooling1d`. @example nr.layers.maxPool1d({ poolSize: 2 }) */
export const maxPool1d = maxPooling1d;
/** tfjs' name for `maxPooling2d`. @example nr.layers.maxPool2d({ poolSize: 2 }) */
export const maxPool2d = maxPooling2d;
/** tfjs' name for `averagePooling1d`. @example nr.layers.avgPool1d({ poolSize: 2 }) */
export const avgPool1d = averagePooling1d;
/** tfjs' name for `averagePooling1d`. @example nr.layers.avgPooling1d({ poolSize: 2 }) */
export const avgPooling1d = averagePooling1d;
/** tfjs' name for `averagePooling2d`. @example nr.layers.avgPool2d({ poolSize: 2 }) */
export const avgPool2d = averagePooling2d;
/** tfjs' name for `averagePooling2d`. @example nr.layers.avgPooling2d({ poolSize: 2 }) */
export const avgPooling2d = averagePooling2d;
/** tfjs' name for `globalAveragePooling1d`. @example nr.layers.globalAvgPool1d() */
export const globalAvgPool1d = globalAveragePooling1d;
/** tfjs' name for `globalAveragePooling2d`. @example nr.layers.globalAvgPool2d() */
export const globalAvgPool2d = globalAveragePooling2d;
/** tfjs' name for `globalMaxPooling1d`. @example nr.layers.globalMaxPool1d() */
export const globalMaxPool1d = globalMaxPooling1d;
/** tfjs' name for `globalMaxPooling2d`. @example nr.layers.globalMaxPool2d() */
export const globalMaxPool2d = globalMaxPooling2d;

/** Registry entries of this family. */
export const poolingLayers: LayerClassEntry[] = [
  ['MaxPooling1D', (c) => new MaxPooling1D(configAs<PoolingArgs>(c))],
  ['MaxPooling2D', (c) => new MaxPooling2D(configAs<PoolingArgs>(c))],
  ['AveragePooling1D', (c) => new AveragePooling1D(configAs<PoolingArgs>(c))],
  ['AveragePooling2D', (c) => new AveragePooling2D(configAs<PoolingArgs>(c))],
  ['GlobalAveragePooling1D', (c) => new GlobalAveragePooling1D(configAs<GlobalPoolingArgs>(c))],
  ['GlobalMaxPooling1D', (c) => new GlobalMaxPooling1D(configAs<GlobalPoolingArgs>(c))],
  ['GlobalAveragePooling2D', (c) => new GlobalAveragePooling2D(configAs<GlobalPoolingArgs>(c))],
  ['GlobalMaxPooling2D', (c) => new GlobalMaxPooling2D(configAs<GlobalPoolingArgs>(c))],
];
