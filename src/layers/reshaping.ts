// Reshaping layers: ZeroPadding2D, Cropping2D, UpSampling2D (nearest, bilinear), Permute, RepeatVector.
import { ArgumentError, show } from '../core/errors.js';
import { configAs, type Config } from '../core/serialization.js';
import type { Tensor } from '../core/tensor.js';
import { image } from '../ops/image.js';
import { type DataFormat, dataFormatOf, positiveInt, tupleOf } from './conv.js';
import { single } from './core.js';
import { Layer, type LayerArgs, type LayerClassEntry, layerShapeError } from './layer.js';
import { formatShape, type SymbolicShape } from './symbolic.js';

/** Amounts on both sides of height and width: [[top, bottom], [left, right]]. */
export type SidePairs = [[number, number], [number, number]];

/** Reads Keras' three forms: n (every side), [h, w] (symmetric per axis), [[top, bottom], [left, right]]. */
function sidePairs(owner: string, arg: string, v: unknown): SidePairs {
  if (Array.isArray(v) && v.length === 2 && v.every(Array.isArray)) {
    const [h, w] = v as unknown[][];
    const [top, bottom] = tupleOf(owner, `${arg}[0]`, h, 2, 0);
    const [left, right] = tupleOf(owner, `${arg}[1]`, w, 2, 0);
    return [
      [top, bottom],
      [left, right],
    ];
  }
  if (typeof v === 'number' || Array.isArray(v)) {
    const [h, w] = tupleOf(owner, arg, v, 2, 0);
    return [
      [h, h],
      [w, w],
    ];
  }
  throw new ArgumentError(
    `${owner}: ${arg} must be a number, [height, width] or [[top, bottom], [left, right]], received ${show(v)}`,
  );
}

/** The height and width axes of a rank-4 batch. */
const spatialAxes = (format: DataFormat): [number, number] =>
  format === 'channelsLast' ? [1, 2] : [2, 3];

/** Options of `zeroPadding2d`. */
export interface ZeroPadding2DArgs extends LayerArgs {
  /** Zeros to add: n, [h, w] or [[top, bottom], [left, right]]. Default 1. */
  padding?: number | [number, number] | [[number, number], [number, number]];
  /** 'channelsLast' (default) or 'channelsFirst'. */
  dataFormat?: DataFormat | 'channels_last' | 'channels_first';
}

/**
 * Adds rows and columns of zeros around images.
 * @example nr.layers.zeroPadding2d({ padding: [[1, 0], [1, 0]] })
 */
export class ZeroPadding2D extends Layer {
  static readonly className = 'ZeroPadding2D';
  readonly padding: SidePairs;
  readonly dataFormat: DataFormat;
  constructor(args: ZeroPadding2DArgs = {}) {
    super(args);
    this.padding = sidePairs(ZeroPadding2D.className, 'padding', args.padding ?? 1);
    this.dataFormat = dataFormatOf(ZeroPadding2D.className, args.dataFormat);
    this.inputSpec = { rank: 4 };
  }
  override getClassName(): string {
    return ZeroPadding2D.className;
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(this, inputs);
    const pads: [number, number][] = [
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
    ];
    const [ah, aw] = spatialAxes(this.dataFormat);
    pads[ah] = this.padding[0];
    pads[aw] = this.padding[1];
    return x.pad(pads);
  }
  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = (inputShape as SymbolicShape).slice();
    spatialAxes(this.dataFormat).forEach((a, i) => {
      const d = s[a];
      s[a] = d === null ? null : d + this.padding[i][0] + this.padding[i][1];
    });
    return s;
  }
  override getConfig(): Config {
    return { ...super.getConfig(), padding: this.padding, dataFormat: this.dataFormat };
  }
}

/** Options of `cropping2d`. */
export interface Cropping2DArgs extends LayerArgs {
  /** Rows and columns to remove: n, [h, w] or [[top, bottom], [left, right]]. Default 0. */
  cropping?: number | [number, number] | [[number, number], [number, number]];
  /** 'channelsLast' (default) or 'channelsFirst'. */
  dataFormat?: DataFormat | 'channels_last' | 'channels_first';
}

/**
 * Removes rows and columns at the borders of images.
 * @example nr.layers.cropping2d({ cropping: [[2, 2], [4, 4]] })
 */
export class Cropping2D extends Layer {
  static readonly className = 'Cropping2D';
  readonly cropping: SidePairs;
  readonly dataFormat: DataFormat;
  constructor(args: Cropping2DArgs = {}) {
    super(args);
    this.cropping = sidePairs(Cropping2D.className, 'cropping', args.cropping ?? 0);
    this.dataFormat = dataFormatOf(Cropping2D.className, args.dataFormat);
    this.inputSpec = { rank: 4 };
  }
  override getClassName(): string {
    return Cropping2D.className;
  }
  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    this.computeOutputShape(inputShape);
    super.build(inputShape);
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(this, inputs);
    const out = this.computeOutputShape(x.shape.slice()) as number[];
    const begin = [0, 0, 0, 0];
    spatialAxes(this.dataFormat).forEach((a, i) => (begin[a] = this.cropping[i][0]));
    return x.slice(begin, out);
  }
  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = (inputShape as SymbolicShape).slice();
    if (s.length !== 4)
      throw layerShapeError(this, `expected input of rank 4, received shape ${formatShape(s)}`);
    spatialAxes(this.dataFormat).forEach((a, i) => {
      const d = s[a];
      if (d === null) return;
      const left = d - this.cropping[i][0] - this.cropping[i][1];
      if (left <= 0)
        throw layerShapeError(
          this,
          `cropping ${show(this.cropping)} removes all of dimension ${a} of input shape ${formatShape(inputShape as SymbolicShape)}`,
        );
      s[a] = left;
    });
    return s;
  }
  override getConfig(): Config {
    return { ...super.getConfig(), cropping: this.cropping, dataFormat: this.dataFormat };
  }
}

/** Options of `upSampling2d`. */
export interface UpSampling2DArgs extends LayerArgs {
  /** Factors for height and width: n or [h, w]. Default [2, 2]. */
  size?: number | [number, number];
  /** 'channelsLast' (default) or 'channelsFirst'. */
  dataFormat?: DataFormat | 'channels_last' | 'channels_first';
  /** 'nearest' (repeat rows and columns, default) or 'bilinear' (half-pixel centres, as tf.image.resize). */
  interpolation?: 'nearest' | 'bilinear';
}

/**
 * Enlarges images by integer factors.
 * @example nr.layers.upSampling2d({ size: 2, interpolation: 'bilinear' })
 */
export class UpSampling2D extends Layer {
  static readonly className = 'UpSampling2D';
  readonly size: [number, number];
  readonly dataFormat: DataFormat;
  readonly interpolation: 'nearest' | 'bilinear';
  constructor(args: UpSampling2DArgs = {}) {
    super(args);
    const [h, w] = tupleOf(UpSampling2D.className, 'size', args.size ?? 2, 2);
    this.size = [h, w];
    this.dataFormat = dataFormatOf(UpSampling2D.className, args.dataFormat);
    const interp = args.interpolation ?? 'nearest';
    if (interp !== 'nearest' && interp !== 'bilinear')
      throw new ArgumentError(
        `UpSampling2D: interpolation must be 'nearest' or 'bilinear', received ${show(interp)}`,
      );
    this.interpolation = interp;
    this.inputSpec = { rank: 4 };
  }
  override getClassName(): string {
    return UpSampling2D.className;
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(this, inputs);
    const [sh, sw] = this.size;
    const last = this.dataFormat === 'channelsLast';
    const nhwc = last ? x : x.transpose([0, 2, 3, 1]);
    const [b, h, w, c] = nhwc.shape;
    let y: Tensor;
    if (this.interpolation === 'bilinear') {
      y = image.resizeBilinear(nhwc, [h * sh, w * sw], false, true);
    } else {
      // repeat each pixel sh x sw times: exact, and its gradient sums each block
      y = nhwc
        .reshape([b, h, 1, w, 1, c])
        .broadcastTo([b, h, sh, w, sw, c])
        .reshape([b, h * sh, w * sw, c]);
    }
    return last ? y : y.transpose([0, 3, 1, 2]);
  }
  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = (inputShape as SymbolicShape).slice();
    spatialAxes(this.dataFormat).forEach((a, i) => {
      const d = s[a];
      s[a] = d === null ? null : d * this.size[i];
    });
    return s;
  }
  override getConfig(): Config {
    return {
      ...super.getConfig(),
      size: this.size,
      dataFormat: this.dataFormat,
      interpolation: this.interpolation,
    };
  }
}

/** Options of `permute`. */
export interface PermuteArgs extends LayerArgs {
  /** Order of the sample axes, 1-based (the batch axis stays first): [2, 1] swaps the two axes of [b, x, y]. */
  dims: number[];
}

/**
 * Permutes the axes of each sample.
 * @example nr.layers.permute({ dims: [2, 1] }) // [b, steps, features] -> [b, features, steps]
 */
export class Permute extends Layer {
  static readonly className = 'Permute';
  readonly dims: number[];
  constructor(args: PermuteArgs) {
    super(args);
    const dims = args?.dims;
    const n = Array.isArray(dims) ? dims.length : 0;
    if (!Array.isArray(dims) || !n || [...dims].sort((a, b) => a - b).some((d, i) => d !== i + 1)) {
      throw new ArgumentError(
        `Permute: dims must be a permutation of 1..n (the batch axis is not included), received ${show(dims)}`,
      );
    }
    this.dims = dims.slice();
    this.inputSpec = { rank: n + 1 };
  }
  override getClassName(): string {
    return Permute.className;
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
    return single(this, inputs).transpose([0, ...this.dims]);
  }
  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = inputShape as SymbolicShape;
    return [s[0], ...this.dims.map((d) => s[d])];
  }
  override getConfig(): Config {
    return { ...super.getConfig(), dims: this.dims };
  }
}

/** Options of `repeatVector`. */
export interface RepeatVectorArgs extends LayerArgs {
  /** Number of repetitions (positive integer). */
  n: number;
}

/**
 * Repeats each sample vector n times: [b, features] -> [b, n, features].
 * @example nr.layers.repeatVector({ n: 10 })
 */
export class RepeatVector extends Layer {
  static readonly className = 'RepeatVector';
  readonly n: number;
  constructor(args: RepeatVectorArgs) {
    super(args);
    this.n = positiveInt(RepeatVector.className, 'n', args?.n);
    this.inputSpec = { rank: 2 };
  }
  override getClassName(): string {
    return RepeatVector.className;
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(this, inputs);
    return x.expandDims(1).broadcastTo([x.shape[0], this.n, x.shape[1]]);
  }
  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = inputShape as SymbolicShape;
    return [s[0], this.n, s[1]];
  }
  override getConfig(): Config {
    return { ...super.getConfig(), n: this.n };
  }
}

/** A zero-padding layer for images. @example nr.layers.zeroPadding2d({ padding: 1 }) */
export const zeroPadding2d = (args: ZeroPadding2DArgs = {}) => new ZeroPadding2D(args);
/** A cropping layer for images. @example nr.layers.cropping2d({ cropping: 1 }) */
export const cropping2D = (args: Cropping2DArgs = {}) => new Cropping2D(args);
/** Same as `cropping2D` (tfjs spells it with a capital D). @example nr.layers.cropping2d({ cropping: [1, 2] }) */
export const cropping2d = cropping2D;
/** An upsampling layer for images. @example nr.layers.upSampling2d({ size: [2, 2] }) */
export const upSampling2d = (args: UpSampling2DArgs = {}) => new UpSampling2D(args);
/** A layer permuting sample axes. @example nr.layers.permute({ dims: [2, 1] }) */
export const permute = (args: PermuteArgs) => new Permute(args);
/** A layer repeating its input vector. @example nr.layers.repeatVector({ n: 3 }) */
export const repeatVector = (args: RepeatVectorArgs) => new RepeatVector(args);

/** Registry entries of this family. */
export const reshapingLayers: LayerClassEntry[] = [
  ['ZeroPadding2D', (c) => new ZeroPadding2D(configAs<ZeroPadding2DArgs>(c))],
  ['Cropping2D', (c) => new Cropping2D(configAs<Cropping2DArgs>(c))],
  ['UpSampling2D', (c) => new UpSampling2D(configAs<UpSampling2DArgs>(c))],
  ['Permute', (c) => new Permute(configAs<PermuteArgs>(c))],
  ['RepeatVector', (c) => new RepeatVector(configAs<RepeatVectorArgs>(c))],
];
