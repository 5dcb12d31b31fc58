// tf.image ops composed from existing ones: flipLeftRight, grayscaleToRGB, rgbToGrayscale, cropAndResize.
import type { TensorLike } from '../core/dtype.js';
import { ArgumentError, DTypeError, ShapeError, show } from '../core/errors.js';
import { tidy } from '../core/memory.js';
import type { Tensor } from '../core/tensor.js';
import * as ops from './all.js';
import { toTensor } from './convert.js';
import * as nms from './nms.js';
import { threshold } from './image_threshold.js';

type Operand = Tensor | TensorLike;

function image4d(op: string, x: Operand): Tensor {
  const t = toTensor(x, op, 'image');
  if (t.rank !== 4)
    throw new ShapeError(
      `${op}: image must have rank 4 [batch, height, width, channels], received shape ${show(t.shape)}`,
    );
  return t;
}

/**
 * Mirrors images horizontally (the width axis of [batch, height, width, channels]).
 * @example nr.image.flipLeftRight(images)
 */
export function flipLeftRight(image: Operand): Tensor {
  return tidy(() => ops.reverse(image4d('flipLeftRight', image), 2));
}

/**
 * Repeats a single channel three times: [..., 1] -> [..., 3].
 * @example nr.image.grayscaleToRGB(gray) // [h, w, 1] -> [h, w, 3]
 */
export function grayscaleToRGB(image: Operand): Tensor {
  return tidy(() => {
    const t = toTensor(image, 'grayscaleToRGB', 'image');
    if (t.rank < 2)
      throw new ShapeError(
        `grayscaleToRGB: image must have rank >= 2, received shape ${show(t.shape)}`,
      );
    if (t.shape[t.rank - 1] !== 1)
      throw new ShapeError(
        `grayscaleToRGB: the last dimension must be 1, received shape ${show(t.shape)}`,
      );
    return ops.tile(t, [...t.shape.slice(0, -1).map(() => 1), 3]);
  });
}

/**
 * Luma of RGB images (0.2989 R + 0.5870 G + 0.1140 B): [..., 3] -> [..., 1], in the input's dtype.
 * @example nr.image.rgbToGrayscale(rgb) // [h, w, 3] -> [h, w, 1]
 */
export function rgbToGrayscale(image: Operand): Tensor {
  return tidy(() => {
    const t = toTensor(image, 'rgbToGrayscale', 'image');
    if (t.rank < 2)
      throw new ShapeError(
        `rgbToGrayscale: image must have rank >= 2, received shape ${show(t.shape)}`,
      );
    if (t.shape[t.rank - 1] !== 3)
      throw new ShapeError(
        `rgbToGrayscale: the last dimension must be 3, received shape ${show(t.shape)}`,
      );
    if (t.dtype === 'bool')
      throw new DTypeError('rgbToGrayscale: image must be numeric, received bool');
    const weights = ops.tensor([0.2989, 0.587, 0.114]);
    const gray = ops.sum(ops.mul(ops.cast(t, 'float32'), weights), -1, true);
    return t.dtype === 'int32' ? ops.cast(gray, 'int32') : gray;
  });
}

/**
 * Crops boxes (normalised [y1, x1, y2, x2]) out of images[boxInd[i]] and resizes each to cropSize,
 * bilinear or nearest; samples outside the image take extrapolationValue. Differentiable in image.
 * @example nr.image.cropAndResize(images, [[0, 0, 1, 1]], [0], [2, 2]) // shape [1, 2, 2, channels]
 */
export function cropAndResize(
  image: Operand,
  boxes: Operand,
  boxInd: Operand,
  cropSize: readonly [number, number],
  method: 'bilinear' | 'nearest' = 'bilinear',
  extrapolationValue = 0,
): Tensor {
  const op = 'cropAndResize';
  return tidy(() => {
    const img = image4d(op, image);
    const bx = toTensor(boxes, op, 'boxes');
    const bi = toTensor(boxInd, op, 'boxInd', 'int32');
    if (bx.rank !== 2 || bx.shape[1] !== 4)
      throw new ShapeError(
        `${op}: boxes must have shape [numBoxes, 4], received ${show(bx.shape)}`,
      );
    if (bi.rank !== 1 || bi.shape[0] !== bx.shape[0])
      throw new ShapeError(
        `${op}: boxInd must have shape [${bx.shape[0]}], received ${show(bi.shape)}`,
      );
    if (
      !Array.isArray(cropSize) ||
      cropSize.length !== 2 ||
      !cropSize.every((c) => Number.isInteger(c) && c >= 1)
    )
      throw new ArgumentError(
        `${op}: cropSize must be two positive integers, received ${show(cropSize)}`,
      );
    if (method !== 'bilinear' && method !== 'nearest')
      throw new ArgumentError(
        `${op}: method must be 'bilinear' or 'nearest', received ${show(method)}`,
      );
    const [batch, h, w, d] = img.shape;
    const [ch, cw] = cropSize;
    const nb = bx.shape[0];
    const bv = bx.dataSync();
    const iv = bi.dataSync();
    const count = nb * ch * cw;
    // Four corner indices and weights per output pixel (nearest: one corner with weight 1).
    const idx = [0, 1, 2, 3].map(() => new Int32Array(count));
    const wts = [0, 1, 2, 3].map(() => new Float32Array(count));
    const valid = new Uint8Array(count);
    for (let b = 0; b < nb; b++) {
      const n = iv[b];
      if (!(n >= 0 && n < batch))
        throw new ArgumentError(`${op}: boxInd[${b}] must be in [0, ${batch}), received ${n}`);
      const [y1, x1, y2, x2] = [bv[4 * b], bv[4 * b + 1], bv[4 * b + 2], bv[4 * b + 3]];
      for (let i = 0; i < ch; i++) {
        const y =
          ch > 1 ? y1 * (h - 1) + (i * (y2 - y1) * (h - 1)) / (ch - 1) : 0.5 * (y1 + y2) * (h - 1);
        for (let j = 0; j < cw; j++) {
          const x =
            cw > 1
              ? x1 * (w - 1) + (j * (x2 - x1) * (w - 1)) / (cw - 1)
              : 0.5 * (x1 + x2) * (w - 1);
          const o = (b * ch + i) * cw + j;
          if (y < 0 || y > h - 1 || x < 0 || x > w - 1) continue;
          valid[o] = 1;
          const base = n * h * w;
          if (method === 'nearest') {
            idx[0][o] = base + Math.round(y) * w + Math.round(x);
            wts[0][o] = 1;
            continue;
          }
          const y0 = Math.floor(y);
          const x0 = Math.floor(x);
          const yc = Math.min(y0 + 1, h - 1);
          const xc = Math.min(x0 + 1, w - 1);
          const dy = y - y0;
          const dx = x - x0;
          [idx[0][o], idx[1][o], idx[2][o], idx[3][o]] = [
            base + y0 * w + x0,
            base + y0 * w + xc,
            base + yc * w + x0,
            base + yc * w + xc,
          ];
          [wts[0][o], wts[1][o], wts[2][o], wts[3][o]] = [
            (1 - dy) * (1 - dx),
            (1 - dy) * dx,
            dy * (1 - dx),
            dy * dx,
          ];
        }
      }
    }
    const flat = ops.reshape(ops.cast(img, 'float32'), [batch * h * w, d]);
    const corners = method === 'nearest' ? 1 : 4;
    let acc: Tensor | null = null;
    for (let k = 0; k < corners; k++) {
      const term = ops.mul(
        ops.gather(flat, ops.tensor(idx[k], [count], 'int32')),
        ops.tensor(wts[k], [count, 1]),
      );
      acc = acc ? ops.add(acc, term) : term;
    }
    const mask = ops.tensor(valid, [count, 1], 'bool');
    const out = ops.where(
      mask,
      acc ?? ops.zeros([count, d]),
      ops.fill([count, d], extrapolationValue),
    );
    return ops.reshape(out, [nb, ch, cw, d]);
  });
}

/** The tf.image functions of this file, nms.ts and image_threshold.ts, merged into nr.image. @example nr.image.flipLeftRight(images) */
export const imageOps = {
  flipLeftRight,
  grayscaleToRGB,
  rgbToGrayscale,
  cropAndResize,
  threshold,
  ...nms,
};
