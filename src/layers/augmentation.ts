// Random image augmentation (RandomFlip, RandomRotation, RandomZoom, RandomTranslation, RandomContrast): identity at inference.
import { ArgumentError, show } from '../core/errors.js';
import { configAs, type Config } from '../core/serialization.js';
import { tidy } from '../core/memory.js';
import type { Tensor } from '../core/tensor.js';
import { range } from '../ops/creation.js';
import { where } from '../ops/elementwise.js';
import { gather } from '../ops/gather.js';
import { randomUniform } from '../ops/random.js';
import { type DataFormat, dataFormatOf } from './conv.js';
import { single } from './core.js';
import { asImageBatch, type Interpolation } from './image_preprocessing.js';
import { type CallArgs, Layer, type LayerArgs, type LayerClassEntry } from './layer.js';

/** How pixels sampled outside the image are filled (Keras' fill_mode). */
export type FillMode = 'reflect' | 'wrap' | 'constant' | 'nearest';

/** The options every augmentation layer takes. */
export interface AugmentationArgs extends LayerArgs {
  /** Seed of the random draws: a seeded layer gives the same sequence of augmentations each run. */
  seed?: number | null;
  dataFormat?: DataFormat | 'channels_last' | 'channels_first';
}

/** Base: draws per-sample parameters while training, passes images through otherwise. */
abstract class RandomImageLayer extends Layer {
  readonly seed: number | null;
  readonly dataFormat: DataFormat;
  private calls = 0;
  constructor(args: AugmentationArgs) {
    super(args);
    const owner = this.getClassName();
    if (args.seed !== undefined && args.seed !== null && !Number.isSafeInteger(args.seed))
      throw new ArgumentError(`${owner}: seed must be an integer, received ${show(args.seed)}`);
    this.seed = args.seed ?? null;
    this.dataFormat = dataFormatOf(owner, args.dataFormat);
  }
  /** Uniform draws in [lo, hi) of the given shape; a seeded layer moves its seed on every draw. */
  protected uniform(shape: number[], lo: number, hi: number): Tensor {
    if (lo === hi) return randomUniform(shape, lo, lo + 1).mul(0).add(lo);
    return randomUniform(shape, lo, hi, 'float32', this.seed === null ? undefined : this.seed + 7919 * this.calls++);
  }
  /** The augmentation of a channels-last float32 batch. */
  protected abstract augment(images: Tensor): Tensor;
  override call(inputs: Tensor | Tensor[], kwargs: CallArgs = {}): Tensor {
    const x = single(this, inputs);
    if (!kwargs.training) return x.clone();
    const { images, restore } = asImageBatch(this, x, this.dataFormat);
    return restore(this.augment(images));
  }
  override getConfig(): Config {
    return { ...super.getConfig(), seed: this.seed, dataFormat: this.dataFormat };
  }
}

/** A factor as [lower, upper]: a number f is [-f, f]. */
function factorRange(owner: string, arg: string, v: unknown, bound = Infinity): [number, number] {
  const pair = typeof v === 'number' ? [-Math.abs(v), Math.abs(v)] : v;
  if (
    !Array.isArray(pair) ||
    pair.length !== 2 ||
    !pair.every((e) => typeof e === 'number' && Number.isFinite(e) && Math.abs(e) <= bound) ||
    pair[0] > pair[1]
  )
    throw new ArgumentError(
      `${owner}: ${arg} must be a number or [lower, upper] (lower <= upper${bound < Infinity ? `, |values| <= ${bound}` : ''}), received ${show(v)}`,
    );
  return [pair[0], pair[1]];
}

function fillModeOf(owner: string, v: unknown): FillMode {
  if (v === undefined) return 'reflect';
  if (v === 'reflect' || v === 'wrap' || v === 'constant' || v === 'nearest') return v;
  throw new ArgumentError(`${owner}: fillMode must be 'reflect', 'wrap', 'constant' or 'nearest', received ${show(v)}`);
}

/** Maps a continuous source coordinate into [0, n - 1] by the fill mode (TensorFlow's rules). */
function mapCoordinate(c: Tensor, n: number, mode: FillMode): Tensor {
  if (mode === 'constant') return c;
  if (mode === 'nearest' || n === 1) return c.clipByValue(0, n - 1);
  if (mode === 'wrap') return c.mod(n).clipByValue(0, n - 1);
  // reflect, 'dcba|abcd|dcba': period 2n, the second half mirrored
  const m = c.mod(2 * n);
  return where(m.greaterEqual(n), m.neg().add(2 * n - 1), m).clipByValue(0, n - 1);
}

/**
 * Samples channels-last images at source coordinates (srcY, srcX: [b, h, w], pixel indices) with bilinear or
 * nearest interpolation; 'constant' fills points outside with `fillValue`.
 */
function sample(
  images: Tensor,
  srcY: Tensor,
  srcX: Tensor,
  how: Interpolation,
  mode: FillMode,
  fillValue: number,
): Tensor {
  const [b, h, w, c] = images.shape;
  const flat = images.reshape([b * h * w, c]);
  const base = range(0, b).mul(h * w).reshape([b, 1, 1]);
  const y = mapCoordinate(srcY, h, mode);
  const x = mapCoordinate(srcX, w, mode);
  const read = (yi: Tensor, xi: Tensor): Tensor => {
    const inside = yi.greaterEqual(0).logicalAnd(yi.lessEqual(h - 1)).logicalAnd(xi.greaterEqual(0)).logicalAnd(xi.lessEqual(w - 1));
    const idx = base.add(yi.clipByValue(0, h - 1).mul(w)).add(xi.clipByValue(0, w - 1)).cast('int32');
    const v = gather(flat, idx);
    return mode === 'constant' ? where(inside.expandDims(-1), v, fillValue) : v;
  };
  // TensorFlow rounds half away from zero (std::round); tensor round() is half to even
  const round = (t: Tensor) => t.sign().mul(t.abs().add(0.5).floor());
  if (how === 'nearest') return read(round(y), round(x));
  const y0 = y.floor();
  const x0 = x.floor();
  const wy = y.sub(y0).expandDims(-1);
  const wx = x.sub(x0).expandDims(-1);
  const top = read(y0, x0).mul(wx.neg().add(1)).add(read(y0, x0.add(1)).mul(wx));
  const bottom = read(y0.add(1), x0).mul(wx.neg().add(1)).add(read(y0.add(1), x0.add(1)).mul(wx));
  return top.mul(wy.neg().add(1)).add(bottom.mul(wy));
}

/**
 * Applies per-sample affine maps from output pixel (x, y) to source pixel (a0·x + a1·y + a2, b0·x + b1·y + b2),
 * each coefficient a [b] tensor (Keras' affine_transform without the projective row).
 */
function affine(
  images: Tensor,
  m: { a0: Tensor; a1: Tensor; a2: Tensor; b0: Tensor; b1: Tensor; b2: Tensor },
  how: Interpolation,
  mode: FillMode,
  fillValue: number,
): Tensor {
  const [b, h, w] = images.shape;
  const xs = range(0, w).reshape([1, 1, w]);
  const ys = range(0, h).reshape([1, h, 1]);
  const col = (t: Tensor) => t.reshape([b, 1, 1]);
  const srcX = col(m.a0).mul(xs).add(col(m.a1).mul(ys)).add(col(m.a2));
  const srcY = col(m.b0).mul(xs).add(col(m.b1).mul(ys)).add(col(m.b2));
  return sample(images, srcY, srcX, how, mode, fillValue);
}

/** Options of the geometric augmentations. */
interface GeometricArgs extends AugmentationArgs {
  /** 'reflect' (default), 'wrap', 'constant' or 'nearest'. */
  fillMode?: FillMode;
  /** 'bilinear' (default) or 'nearest'. */
  interpolation?: Interpolation;
  /** Value of points outside the image with fillMode 'constant'. Default 0. */
  fillValue?: number;
}

/** Base of RandomRotation, RandomZoom, RandomTranslation: an affine resampling. */
abstract class GeometricLayer extends RandomImageLayer {
  readonly fillMode: FillMode;
  readonly interpolation: Interpolation;
  readonly fillValue: number;
  constructor(args: GeometricArgs) {
    super(args);
    const owner = this.getClassName();
    this.fillMode = fillModeOf(owner, args.fillMode);
    if (args.interpolation !== undefined && args.interpolation !== 'bilinear' && args.interpolation !== 'nearest')
      throw new ArgumentError(`${owner}: interpolation must be 'bilinear' or 'nearest', received ${show(args.interpolation)}`);
    this.interpolation = args.interpolation ?? 'bilinear';
    if (args.fillValue !== undefined && (typeof args.fillValue !== 'number' || !Number.isFinite(args.fillValue)))
      throw new ArgumentError(`${owner}: fillValue must be a finite number, received ${show(args.fillValue)}`);
    this.fillValue = args.fillValue ?? 0;
  }
  protected resample(images: Tensor, m: Parameters<typeof affine>[1]): Tensor {
    return tidy(() => affine(images, m, this.interpolation, this.fillMode, this.fillValue));
  }
  override getConfig(): Config {
    return { ...super.getConfig(), fillMode: this.fillMode, interpolation: this.interpolation, fillValue: this.fillValue };
  }
}

/** Options of `randomFlip`. */
export interface RandomFlipArgs extends AugmentationArgs {
  /** 'horizontal', 'vertical' or 'horizontal_and_vertical' (default). */
  mode?: 'horizontal' | 'vertical' | 'horizontal_and_vertical';
}

/**
 * Flips each image left-right and/or up-down with probability 1/2 while training.
 * @example nr.layers.randomFlip({ mode: 'horizontal', seed: 1 })
 */
export class RandomFlip extends RandomImageLayer {
  static readonly className = 'RandomFlip';
  readonly mode: 'horizontal' | 'vertical' | 'horizontal_and_vertical';
  constructor(args: RandomFlipArgs = {}) {
    super(args);
    const mode = args.mode ?? 'horizontal_and_vertical';
    if (mode !== 'horizontal' && mode !== 'vertical' && mode !== 'horizontal_and_vertical')
      throw new ArgumentError(
        `RandomFlip: mode must be 'horizontal', 'vertical' or 'horizontal_and_vertical', received ${show(args.mode)}`,
      );
    this.mode = mode;
  }
  override getClassName(): string {
    return RandomFlip.className;
  }
  protected augment(images: Tensor): Tensor {
    const b = images.shape[0];
    let out = images;
    const flip = (axis: number) => {
      const coin = this.uniform([b, 1, 1, 1], 0, 1).less(0.5);
      out = where(coin, out.reverse(axis), out);
    };
    if (this.mode !== 'vertical') flip(2);
    if (this.mode !== 'horizontal') flip(1);
    return out;
  }
  override getConfig(): Config {
    return { ...super.getConfig(), mode: this.mode };
  }
}

/** Options of `randomRotation`. */
export interface RandomRotationArgs extends GeometricArgs {
  /** Fraction of a full turn: f rotates by an angle in [-f·2π, f·2π]; or [lower, upper]. */
  factor: number | [number, number];
}

/**
 * Rotates each image by a random angle about its centre while training.
 * @example nr.layers.randomRotation({ factor: 0.1, fillMode: 'constant' })
 */
export class RandomRotation extends GeometricLayer {
  static readonly className = 'RandomRotation';
  readonly factor: [number, number];
  constructor(args: RandomRotationArgs) {
    super(args);
    this.factor = factorRange(RandomRotation.className, 'factor', args?.factor, 1);
  }
  override getClassName(): string {
    return RandomRotation.className;
  }
  protected augment(images: Tensor): Tensor {
    const [b, h, w] = images.shape;
    const angle = this.uniform([b], this.factor[0] * 2 * Math.PI, this.factor[1] * 2 * Math.PI);
    const cos = angle.cos();
    const sin = angle.sin();
    // rotation about the image centre ((w - 1) / 2, (h - 1) / 2), output pixel -> source pixel
    const xOff = cos.mul(w - 1).sub(sin.mul(h - 1)).neg().add(w - 1).div(2);
    const yOff = sin.mul(w - 1).add(cos.mul(h - 1)).neg().add(h - 1).div(2);
    return this.resample(images, { a0: cos, a1: sin.neg(), a2: xOff, b0: sin, b1: cos, b2: yOff });
  }
  override getConfig(): Config {
    return { ...super.getConfig(), factor: this.factor };
  }
}

/** Options of `randomZoom`. */
export interface RandomZoomArgs extends GeometricArgs {
  /** Zoom of the height: f gives [-f, f]; positive values zoom out, negative zoom in (1 + value scales the sampled area). */
  heightFactor: number | [number, number];
  /** Zoom of the width; default: the height's zoom (aspect ratio kept). */
  widthFactor?: number | [number, number] | null;
}

/**
 * Zooms each image in or out by a random amount while training.
 * @example nr.layers.randomZoom({ heightFactor: [-0.2, 0.2] })
 */
export class RandomZoom extends GeometricLayer {
  static readonly className = 'RandomZoom';
  readonly heightFactor: [number, number];
  readonly widthFactor: [number, number] | null;
  constructor(args: RandomZoomArgs) {
    super(args);
    this.heightFactor = factorRange(RandomZoom.className, 'heightFactor', args?.heightFactor);
    this.widthFactor =
      args.widthFactor === undefined || args.widthFactor === null
        ? null
        : factorRange(RandomZoom.className, 'widthFactor', args.widthFactor);
    for (const f of [this.heightFactor, this.widthFactor])
      if (f && f[0] <= -1)
        throw new ArgumentError(`RandomZoom: factors must be > -1, received ${show(f)}`);
  }
  override getClassName(): string {
    return RandomZoom.className;
  }
  protected augment(images: Tensor): Tensor {
    const [b, h, w] = images.shape;
    const zh = this.uniform([b], 1 + this.heightFactor[0], 1 + this.heightFactor[1]);
    const zw = this.widthFactor ? this.uniform([b], 1 + this.widthFactor[0], 1 + this.widthFactor[1]) : zh;
    const zero = zh.mul(0);
    return this.resample(images, {
      a0: zw,
      a1: zero,
      a2: zw.neg().add(1).mul((w - 1) / 2),
      b0: zero,
      b1: zh,
      b2: zh.neg().add(1).mul((h - 1) / 2),
    });
  }
  override getConfig(): Config {
    return { ...super.getConfig(), heightFactor: this.heightFactor, widthFactor: this.widthFactor };
  }
}

/** Options of `randomTranslation`. */
export interface RandomTranslationArgs extends GeometricArgs {
  /** Shift as a fraction of the height: f gives [-f, f]. */
  heightFactor: number | [number, number];
  /** Shift as a fraction of the width. */
  widthFactor: number | [number, number];
}

/**
 * Shifts each image by a random fraction of its size while training.
 * @example nr.layers.randomTranslation({ heightFactor: 0.1, widthFactor: 0.1 })
 */
export class RandomTranslation extends GeometricLayer {
  static readonly className = 'RandomTranslation';
  readonly heightFactor: [number, number];
  readonly widthFactor: [number, number];
  constructor(args: RandomTranslationArgs) {
    super(args);
    this.heightFactor = factorRange(RandomTranslation.className, 'heightFactor', args?.heightFactor, 1);
    this.widthFactor = factorRange(RandomTranslation.className, 'widthFactor', args.widthFactor, 1);
  }
  override getClassName(): string {
    return RandomTranslation.className;
  }
  protected augment(images: Tensor): Tensor {
    const [b, h, w] = images.shape;
    const dy = this.uniform([b], this.heightFactor[0] * h, this.heightFactor[1] * h);
    const dx = this.uniform([b], this.widthFactor[0] * w, this.widthFactor[1] * w);
    const one = dy.mul(0).add(1);
    const zero = dy.mul(0);
    // output pixel p shows source pixel p - shift
    return this.resample(images, { a0: one, a1: zero, a2: dx.neg(), b0: zero, b1: one, b2: dy.neg() });
  }
  override getConfig(): Config {
    return { ...super.getConfig(), heightFactor: this.heightFactor, widthFactor: this.widthFactor };
  }
}

/** Options of `randomContrast`. */
export interface RandomContrastArgs extends AugmentationArgs {
  /** f gives a contrast factor in [1 - f, 1 + f]; [lower, upper] gives [1 - lower, 1 + upper]. */
  factor: number | [number, number];
  /** The range outputs are clipped to. Default [0, 255]. */
  valueRange?: [number, number];
}

/**
 * Scales each image's contrast (its distance from the per-channel mean) by a random factor while training.
 * @example nr.layers.randomContrast({ factor: 0.2, valueRange: [0, 1] })
 */
export class RandomContrast extends RandomImageLayer {
  static readonly className = 'RandomContrast';
  readonly factor: [number, number];
  readonly valueRange: [number, number];
  constructor(args: RandomContrastArgs) {
    super(args);
    const owner = RandomContrast.className;
    const f = args?.factor;
    const pair = typeof f === 'number' ? [f, f] : f;
    if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((v) => typeof v === 'number' && v >= 0 && v <= 1))
      throw new ArgumentError(`${owner}: factor must be a number or [lower, upper] in [0, 1], received ${show(f)}`);
    this.factor = [pair[0], pair[1]];
    const vr = args.valueRange ?? [0, 255];
    if (!Array.isArray(vr) || vr.length !== 2 || !(vr[0] < vr[1]))
      throw new ArgumentError(`${owner}: valueRange must be [low, high] with low < high, received ${show(args.valueRange)}`);
    this.valueRange = [vr[0], vr[1]];
  }
  override getClassName(): string {
    return RandomContrast.className;
  }
  protected augment(images: Tensor): Tensor {
    const b = images.shape[0];
    const k = this.uniform([b, 1, 1, 1], 1 - this.factor[0], 1 + this.factor[1]);
    const mean = images.mean([1, 2], true);
    return images.sub(mean).mul(k).add(mean).clipByValue(this.valueRange[0], this.valueRange[1]);
  }
  override getConfig(): Config {
    return { ...super.getConfig(), factor: this.factor, valueRange: this.valueRange };
  }
}

/** A random flip layer. @example nr.layers.randomFlip({ mode: 'horizontal' }) */
export const randomFlip = (args: RandomFlipArgs = {}) => new RandomFlip(args);
/** A random rotation layer. @example nr.layers.randomRotation({ factor: 0.05 }) */
export const randomRotation = (args: RandomRotationArgs) => new RandomRotation(args);
/** A random zoom layer. @example nr.layers.randomZoom({ heightFactor: 0.1 }) */
export const randomZoom = (args: RandomZoomArgs) => new RandomZoom(args);
/** A random translation layer. @example nr.layers.randomTranslation({ heightFactor: 0.1, widthFactor: 0.1 }) */
export const randomTranslation = (args: RandomTranslationArgs) => new RandomTranslation(args);
/** A random contrast layer. @example nr.layers.randomContrast({ factor: 0.3 }) */
export const randomContrast = (args: RandomContrastArgs) => new RandomContrast(args);

/** Registry entries of this family. */
export const augmentationLayers: LayerClassEntry[] = [
  ['RandomFlip', (c) => new RandomFlip(configAs<RandomFlipArgs>(c))],
  ['RandomRotation', (c) => new RandomRotation(configAs<RandomRotationArgs>(c))],
  ['RandomZoom', (c) => new RandomZoom(configAs<RandomZoomArgs>(c))],
  ['RandomTranslation', (c) => new RandomTranslation(configAs<RandomTranslationArgs>(c))],
  ['RandomContrast', (c) => new RandomContrast(configAs<RandomContrastArgs>(c))],
];
