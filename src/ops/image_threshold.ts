// tf.image.threshold: binary or Otsu thresholding of an RGB image to a 0/255 int32 mask, composed from
// ops; Otsu's threshold is found on the host from the 256-bin histogram of the gray image.
import type { TensorLike } from '../core/dtype.js';
import { ArgumentError, ShapeError, show } from '../core/errors.js';
import { tidy } from '../core/memory.js';
import type { Tensor } from '../core/tensor.js';
import * as ops from './all.js';
import { toTensor } from './convert.js';

type Operand = Tensor | TensorLike;

// The bin t maximizing the between-class variance w0 w1 (m0 - m1)^2 of classes [0, t] and (t, 255]; the
// first maximum wins, and a split with an empty class (NaN variance) never does.
function otsuThreshold(gray: ArrayLike<number>): number {
  const hist = new Float64Array(256);
  for (let i = 0; i < gray.length; i++) hist[Math.min(255, Math.max(0, Math.round(gray[i])))]++;
  const total = gray.length;
  let best = -1;
  let bestVar = 0;
  for (let t = 0; t < 255; t++) {
    let n0 = 0;
    let s0 = 0;
    let n1 = 0;
    let s1 = 0;
    for (let i = 0; i <= t; i++) {
      n0 += hist[i];
      s0 += i * hist[i];
    }
    for (let i = t + 1; i < 256; i++) {
      n1 += hist[i];
      s1 += i * hist[i];
    }
    const v = (n0 / total) * (n1 / total) * (s0 / n0 - s1 / n1) ** 2;
    if (v > bestVar) {
      bestVar = v;
      best = t;
    }
  }
  return best;
}

/**
 * Thresholds an RGB image [h, w, 3] (values 0..255) to a [h, w, 1] int32 mask of 0 and 255: its gray
 * value (0.2989 R + 0.587 G + 0.114 B) above threshValue·255 ('binary') or above Otsu's threshold ('otsu');
 * `inverted` swaps the two sides.
 * @example nr.image.threshold(img, 'binary', false, 0.5)
 */
export function threshold(
  image: Operand,
  method: 'binary' | 'otsu' = 'binary',
  inverted = false,
  threshValue = 0.5,
): Tensor {
  const op = 'threshold';
  const img = toTensor(image, op, 'image');
  if (img.rank !== 3 || img.shape[2] !== 3)
    throw new ShapeError(
      `${op}: image must have shape [height, width, 3], received ${show(img.shape)}`,
    );
  if (method !== 'binary' && method !== 'otsu')
    throw new ArgumentError(`${op}: method must be 'binary' or 'otsu', received ${show(method)}`);
  if (!(threshValue >= 0 && threshValue <= 1))
    throw new ArgumentError(`${op}: threshValue must be in [0, 1], received ${show(threshValue)}`);
  return tidy(() => {
    const [r, g, b] = ops.split(ops.cast(img, 'float32'), 3, -1);
    const gray = ops.add(ops.add(ops.mul(r, 0.2989), ops.mul(g, 0.587)), ops.mul(b, 0.114));
    const t = method === 'otsu' ? otsuThreshold(gray.dataSync()) : threshValue * 255;
    const mask = inverted ? ops.lessEqual(gray, t) : ops.greater(gray, t);
    return ops.mul(ops.cast(mask, 'int32'), 255);
  });
}
