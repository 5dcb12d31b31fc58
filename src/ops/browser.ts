// tf.browser: fromPixels (ImageData-like objects and canvas-like elements) and toPixels (RGBA bytes, drawn
// on a canvas when one is given). They need no DOM: any object with the same fields works, in Node too.
import type { TensorLike } from '../core/dtype.js';
import { ArgumentError, DTypeError, ShapeError, show } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { tensor } from './creation.js';
import { toTensor, toTensorAs } from './convert.js';

/** What fromPixels reads: ImageData's fields (RGBA bytes, row-major). */
export interface PixelData {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/** A canvas-like element: its 2-D context's getImageData gives the pixels. */
export interface CanvasLike {
  width: number;
  height: number;
  getContext(type: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
    putImageData?(image: unknown, x: number, y: number): void;
  } | null;
}

function isPixelData(p: unknown): p is PixelData {
  return (
    typeof p === 'object' &&
    p !== null &&
    'data' in p &&
    'width' in p &&
    'height' in p &&
    (p.data instanceof Uint8Array || p.data instanceof Uint8ClampedArray)
  );
}

function isCanvasLike(p: unknown): p is CanvasLike {
  return (
    typeof p === 'object' &&
    p !== null &&
    'getContext' in p &&
    typeof p.getContext === 'function' &&
    'width' in p &&
    'height' in p
  );
}

function checkSize(op: string, width: unknown, height: unknown): [number, number] {
  if (
    !Number.isInteger(width) ||
    !Number.isInteger(height) ||
    Number(width) < 0 ||
    Number(height) < 0
  )
    throw new ArgumentError(
      `${op}: width and height must be non-negative integers, received ${show(width)} x ${show(height)}`,
    );
  return [Number(width), Number(height)];
}

/**
 * An int32 tensor [height, width, numChannels] of an image's pixels, from an ImageData-like object
 * ({ width, height, data: RGBA bytes }) or a canvas-like element (its 2-D context's getImageData).
 * @example nr.browser.fromPixels({ width: 1, height: 1, data: new Uint8ClampedArray([0, 80, 160, 255]) }) // [[[0, 80, 160]]]
 */
export function fromPixels(pixels: PixelData | CanvasLike, numChannels = 3): Tensor {
  const op = 'fromPixels';
  if (!Number.isInteger(numChannels) || numChannels < 1 || numChannels > 4)
    throw new ArgumentError(
      `${op}: numChannels must be 1, 2, 3 or 4, received ${show(numChannels)}`,
    );
  let rgba: ArrayLike<number>;
  let width: number;
  let height: number;
  if (isPixelData(pixels)) {
    [width, height] = checkSize(op, pixels.width, pixels.height);
    rgba = pixels.data;
  } else if (isCanvasLike(pixels)) {
    [width, height] = checkSize(op, pixels.width, pixels.height);
    const ctx = pixels.getContext('2d');
    if (ctx === null) throw new ArgumentError(`${op}: the canvas has no 2-D context`);
    rgba = ctx.getImageData(0, 0, width, height).data;
  } else {
    throw new ArgumentError(
      `${op}: pixels passed to fromPixels() must be ImageData-like ({ width, height, data }) or a canvas-like element, received ${show(pixels)}`,
    );
  }
  if (rgba.length !== width * height * 4)
    throw new ShapeError(
      `${op}: the pixel data holds ${rgba.length} bytes; ${width} x ${height} RGBA needs ${width * height * 4}`,
    );
  const out = new Int32Array(width * height * numChannels);
  for (let p = 0; p < width * height; p++)
    for (let c = 0; c < numChannels; c++) out[p * numChannels + c] = rgba[p * 4 + c];
  return tensor(out, [height, width, numChannels], 'int32');
}

/**
 * The RGBA bytes of an image tensor [h, w] or [h, w, 1|3|4] (float32 in [0, 1] or int32 in [0, 255]); one
 * channel is gray, a missing alpha is 255. Draws them on `canvas` too when given.
 * @example await nr.browser.toPixels(nr.tensor([[10], [20]], [2, 1], 'int32')) // [10, 10, 10, 255, 20, 20, 20, 255]
 */
export async function toPixels(
  img: Tensor | TensorLike,
  canvas?: CanvasLike & { width: number; height: number },
): Promise<Uint8ClampedArray> {
  const op = 'toPixels';
  if (!(img instanceof Tensor) && !Array.isArray(img) && !ArrayBuffer.isView(img))
    throw new ArgumentError(
      `${op}: Argument 'img' passed to 'toPixels' must be a Tensor or TensorLike, received ${show(img)}`,
    );
  // plain values are pixel bytes (int32), as in tfjs
  const t = img instanceof Tensor ? toTensor(img, op, 'img') : toTensorAs(img, op, 'img', 'int32');
  if (t.rank !== 2 && t.rank !== 3)
    throw new ShapeError(`${op}: img must be rank 2 or 3, received shape ${show(t.shape)}`);
  const [height, width] = t.shape;
  const depth = t.rank === 2 ? 1 : t.shape[2];
  if (depth > 4 || depth === 2)
    throw new ShapeError(`${op}: img's depth must be 1, 3 or 4, received shape ${show(t.shape)}`);
  if (t.dtype !== 'float32' && t.dtype !== 'int32')
    throw new DTypeError(`${op}: img must be float32 or int32, received '${t.dtype}'`);
  const values = await t.data();
  if (t !== img) t.dispose();
  const scale = t.dtype === 'float32' ? 255 : 1;
  const max = t.dtype === 'float32' ? 1 : 255;
  const bytes = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < height * width; p++) {
    const rgba = [0, 0, 0, 255];
    for (let c = 0; c < depth; c++) {
      const v = values[p * depth + c];
      if (!(v >= 0 && v <= max))
        throw new ArgumentError(
          `${op}: a ${t.dtype} img's values must be in [0, ${max}], received ${show(v)} at pixel ${p}`,
        );
      rgba[c] = Math.round(v * scale);
    }
    if (depth === 1) rgba[1] = rgba[2] = rgba[0];
    bytes.set(rgba, p * 4);
  }
  if (canvas !== undefined) {
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext('2d');
    if (ctx?.putImageData && typeof ImageData !== 'undefined')
      ctx.putImageData(new ImageData(bytes, width, height), 0, 0);
  }
  return bytes;
}

/**
 * tfjs's `tf.browser` namespace (works on ImageData-like and canvas-like objects in Node as well).
 * @example const pixels = await nr.browser.toPixels(image)
 */
export const browser = { fromPixels, toPixels };
