// Image preprocessing layers: Resizing (bilinear / nearest, optional crop to aspect ratio) and CenterCrop.
import { ArgumentError, show } from '../core/errors.js';
import { configAs, type Config } from '../core/serialization.js';
import type { Tensor } from '../core/tensor.js';
import { image } from '../ops/image.js';
import { type DataFormat, dataFormatOf, positiveInt } from './conv.js';
import { single } from './core.js';
import { Layer, type LayerArgs, type LayerClassEntry, layerShapeError } from './layer.js';
import type { SymbolicShape } from './symbolic.js';

/** Interpolations the resize layers offer. */
export type Interpolation = 'bilinear' | 'nearest';

function interpolationOf(owner: string, v: unknown): Interpolation {
  if (v === undefined || v === 'bilinear' || v === 'nearest') return v ?? 'bilinear';
  throw new ArgumentError(
    `${owner}: interpolation must be 'bilinear' or 'nearest' (others are not implemented), received ${show(v)}`,
  );
}

/** Images as channels-last float32 rank 4 (adds a batch for one image); `restore` undoes it. @example const { images, restore } = asImageBatch(this, x, 'channelsLast'); */
export function asImageBatch(
  layer: Layer,
  x: Tensor,
  format: DataFormat,
): { images: Tensor; restore: (y: Tensor) => Tensor } {
  if (x.rank !== 3 && x.rank !== 4)
    throw layerShapeError(layer, `expected images of rank 3 or 4, received shape ${show(x.shape)}`);
  const batched = x.rank === 4 ? x : x.reshape([1, ...x.shape]);
  const last = format === 'channelsLast' ? batched : batched.transpose([0, 2, 3, 1]);
  const images = last.dtype === 'float32' ? last : last.cast('float32');
  const restore = (y: Tensor) => {
    const back = format === 'channelsLast' ? y : y.transpose([0, 3, 1, 2]);
    return x.rank === 4 ? back : back.reshape(back.shape.slice(1));
  };
  return { images, restore };
}

/** Keras' crop to the target aspect ratio: the largest centred window with the ratio width/height. @example cropToAspect(images, 224, 224) */
export function cropToAspect(images: Tensor, height: number, width: number): Tensor {
  const [b, h, w, c] = images.shape;
  const ch = Math.max(Math.min(h, Math.trunc((w * height) / width)), 1);
  const cw = Math.max(Math.min(w, Math.trunc((h * width) / height)), 1);
  const top = Math.trunc((h - ch) / 2);
  const left = Math.trunc((w - cw) / 2);
  return images.slice([0, top, left, 0], [b, ch, cw, c]);
}

/** Resizes channels-last images as TensorFlow does (half-pixel centres). @example resizeImages(images, 64, 64, 'bilinear') */
export function resizeImages(images: Tensor, height: number, width: number, how: Interpolation): Tensor {
  return how === 'bilinear'
    ? image.resizeBilinear(images, [height, width], false, true)
    : image.resizeNearestNeighbor(images, [height, width], false, true);
}

/** Output shape of an image layer producing height × width. */
function imageShape(shape: SymbolicShape, format: DataFormat, height: number, width: number): SymbolicShape {
  const s = shape.slice();
  const h = format === 'channelsLast' ? s.length - 3 : s.length - 2;
  s[h] = height;
  s[h + 1] = width;
  return s;
}

/** Options of `resizing`. */
export interface ResizingArgs extends LayerArgs {
  height: number;
  width: number;
  /** 'bilinear' (default) or 'nearest'. */
  interpolation?: Interpolation;
  /** Crop the largest centred window of the target aspect ratio first, so nothing is stretched. Default false. */
  cropToAspectRatio?: boolean;
  dataFormat?: DataFormat | 'channels_last' | 'channels_first';
}

/**
 * Resizes images (rank 3 or 4) to height × width; float32 output.
 * @example nr.layers.resizing({ height: 224, width: 224, cropToAspectRatio: true })
 */
export class Resizing extends Layer {
  static readonly className = 'Resizing';
  readonly height: number;
  readonly width: number;
  readonly interpolation: Interpolation;
  readonly cropToAspectRatio: boolean;
  readonly dataFormat: DataFormat;
  constructor(args: ResizingArgs) {
    super(args);
    const owner = Resizing.className;
    this.height = positiveInt(owner, 'height', args?.height);
    this.width = positiveInt(owner, 'width', args.width);
    this.interpolation = interpolationOf(owner, args.interpolation);
    if (args.cropToAspectRatio !== undefined && typeof args.cropToAspectRatio !== 'boolean')
      throw new ArgumentError(`${owner}: cropToAspectRatio must be a boolean, received ${show(args.cropToAspectRatio)}`);
    this.cropToAspectRatio = args.cropToAspectRatio ?? false;
    this.dataFormat = dataFormatOf(owner, args.dataFormat);
  }
  override getClassName(): string {
    return Resizing.className;
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
    const { images, restore } = asImageBatch(this, single(this, inputs), this.dataFormat);
    const src = this.cropToAspectRatio ? cropToAspect(images, this.height, this.width) : images;
    return restore(resizeImages(src, this.height, this.width, this.interpolation));
  }
  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return imageShape(inputShape as SymbolicShape, this.dataFormat, this.height, this.width);
  }
  override getConfig(): Config {
    return {
      ...super.getConfig(),
      height: this.height,
      width: this.width,
      interpolation: this.interpolation,
      cropToAspectRatio: this.cropToAspectRatio,
      dataFormat: this.dataFormat,
    };
  }
}

/** Options of `centerCrop`. */
export interface CenterCropArgs extends LayerArgs {
  height: number;
  width: number;
  dataFormat?: DataFormat | 'channels_last' | 'channels_first';
}

/**
 * Crops the centre height × width window of images; an image smaller than that is cropped to the aspect
 * ratio and resized up (bilinear), as Keras does.
 * @example nr.layers.centerCrop({ height: 200, width: 200 })
 */
export class CenterCrop extends Layer {
  static readonly className = 'CenterCrop';
  readonly height: number;
  readonly width: number;
  readonly dataFormat: DataFormat;
  constructor(args: CenterCropArgs) {
    super(args);
    this.height = positiveInt(CenterCrop.className, 'height', args?.height);
    this.width = positiveInt(CenterCrop.className, 'width', args.width);
    this.dataFormat = dataFormatOf(CenterCrop.className, args.dataFormat);
  }
  override getClassName(): string {
    return CenterCrop.className;
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
    const { images, restore } = asImageBatch(this, single(this, inputs), this.dataFormat);
    const [b, h, w, c] = images.shape;
    if (h < this.height || w < this.width)
      return restore(resizeImages(cropToAspect(images, this.height, this.width), this.height, this.width, 'bilinear'));
    const top = Math.floor((h - this.height) / 2);
    const left = Math.floor((w - this.width) / 2);
    return restore(images.slice([0, top, left, 0], [b, this.height, this.width, c]));
  }
  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return imageShape(inputShape as SymbolicShape, this.dataFormat, this.height, this.width);
  }
  override getConfig(): Config {
    return { ...super.getConfig(), height: this.height, width: this.width, dataFormat: this.dataFormat };
  }
}

/** A resizing layer. @example nr.layers.resizing({ height: 64, width: 64 }) */
export const resizing = (args: ResizingArgs) => new Resizing(args);
/** A center-crop layer. @example nr.layers.centerCrop({ height: 28, width: 28 }) */
export const centerCrop = (args: CenterCropArgs) => new CenterCrop(args);

/** Registry entries of this family. */
export const imagePreprocessingLayers: LayerClassEntry[] = [
  ['Resizing', (c) => new Resizing(configAs<ResizingArgs>(c))],
  ['CenterCrop', (c) => new CenterCrop(configAs<CenterCropArgs>(c))],
];
