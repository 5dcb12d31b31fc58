// tf.image.transform: projective transforms of NHWC images with nearest or bilinear sampling and
// constant / reflect / wrap / nearest fill. Sample positions and weights are host arithmetic on the
// small transform matrix; pixels move through gather, so the gradient reaches the images.
import type { TensorLike } from '../core/dtype.js';
import { ArgumentError, DTypeError, ShapeError, show } from '../core/errors.js';
import { tidy } from '../core/memory.js';
import type { Tensor } from '../core/tensor.js';
import * as ops from './all.js';
import { toTensor } from './convert.js';

type Operand = Tensor | TensorLike;
type Interpolation = 'nearest' | 'bilinear';
type FillMode = 'constant' | 'reflect' | 'wrap' | 'nearest';

/** Largest output (pixels × taps) transform samples, so a bad outputShape cannot exhaust memory. */
const MAX_SAMPLES = 1 << 28;

/**
 * Maps a source coordinate outside [0, len - 1] back inside as the fill mode says: 'reflect' mirrors
 * about the edge (d c b a | a b c d | d c b a), 'wrap' repeats (a b c d | a b c d), 'nearest' clamps,
 * 'constant' leaves it (the read then gives the fill value).
 */
function mapCoord(v: number, len: number, mode: FillMode): number {
  if (mode === 'constant') return v;
  if (len <= 1) return 0;
  let c = v;
  if (mode === 'reflect') {
    const period = 2 * len;
    c = ((c % period) + period) % period;
    if (c >= len) c = period - 1 - c;
  } else if (mode === 'wrap') {
    c = ((c % len) + len) % len;
  }
  return Math.min(Math.max(c, 0), len - 1);
}

/** Half away from zero, as C's round (what TensorFlow's nearest sampling uses). */
function roundHalfAway(v: number): number {
  return Math.sign(v) * Math.round(Math.abs(v));
}

function choice<T extends string>(op: string, arg: string, v: unknown, allowed: readonly T[]): T {
  const found = allowed.find((a) => a === v);
  if (found === undefined)
    throw new ArgumentError(
      `${op}: ${arg} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, received ${show(v)}`,
    );
  return found;
}

/**
 * Applies projective transforms to images [batch, height, width, channels] (float32). Each row of
 * `transforms` ([batch, 8] or [1, 8]) is [a0, a1, a2, b0, b1, b2, c0, c1]: output pixel (x, y) samples
 * the input at ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1. Samples outside
 * the image follow `fillMode` ('constant' gives `fillValue`). `outputShape` is [height, width].
 * Gradients reach the images, not the transforms (as in tfjs). The transforms are read on the host,
 * so it runs where reads are synchronous (cpu, wasm), not on WebGPU.
 * @example nr.image.transform(images, nr.tensor2d([[1, 0, -1, 0, 1, 0, 0, 0]]), 'bilinear') // shift right by 1
 */
export function transform(
  image: Operand,
  transforms: Operand,
  interpolation: Interpolation = 'nearest',
  fillMode: FillMode = 'constant',
  fillValue = 0,
  outputShape?: readonly [number, number],
): Tensor {
  const op = 'transform';
  return tidy(() => {
    const img = toTensor(image, op, 'image');
    const tr = toTensor(transforms, op, 'transforms');
    if (img.dtype !== 'float32')
      throw new DTypeError(
        `${op}: Argument 'image' passed to 'transform' must be float32 tensor, but got ${img.dtype} tensor`,
      );
    if (tr.dtype !== 'float32')
      throw new DTypeError(
        `${op}: Argument 'transforms' passed to 'transform' must be float32 tensor, but got ${tr.dtype} tensor`,
      );
    if (img.rank !== 4)
      throw new ShapeError(
        `${op}: image must be rank 4 [batch, height, width, channels], received shape ${show(img.shape)}`,
      );
    const [batch, h, w, c] = img.shape;
    if (tr.rank !== 2 || tr.shape[1] !== 8 || (tr.shape[0] !== batch && tr.shape[0] !== 1))
      throw new ShapeError(
        `${op}: transforms must be [batch, 8] or [1, 8] (batch ${batch}), received shape ${show(tr.shape)}`,
      );
    const interp = choice(op, 'interpolation', interpolation, ['nearest', 'bilinear'] as const);
    const mode = choice(op, 'fillMode', fillMode, [
      'constant',
      'reflect',
      'wrap',
      'nearest',
    ] as const);
    if (typeof fillValue !== 'number')
      throw new ArgumentError(`${op}: fillValue must be a number, received ${show(fillValue)}`);
    const size = outputShape ?? [h, w];
    if (
      !Array.isArray(size) ||
      size.length !== 2 ||
      !size.every((d) => Number.isInteger(d) && d >= 1)
    )
      throw new ArgumentError(
        `${op}: outputShape must be [height, width] with positive integers, received ${show(outputShape)}`,
      );
    const [oh, ow] = size;
    const taps = interp === 'nearest' ? 1 : 4;
    const samples = batch * oh * ow;
    if (samples * taps > MAX_SAMPLES)
      throw new ArgumentError(
        `${op}: outputShape ${show(size)} with batch ${batch} needs ${samples * taps} samples, more than ${MAX_SAMPLES}`,
      );
    const m = tr.dataSync();
    const fillRow = batch * h * w;
    // per tap: the input row each output pixel reads (fillRow for the fill value) and its weight
    const idx = Array.from({ length: taps }, () => new Int32Array(samples).fill(fillRow));
    const wts = Array.from({ length: taps }, () => new Float32Array(samples));
    const read = (b: number, y: number, x: number): number =>
      y >= 0 && y < h && x >= 0 && x < w ? (b * h + y) * w + x : fillRow;
    for (let b = 0; b < batch; b++) {
      const t = tr.shape[0] === 1 ? 0 : b * 8;
      const [a0, a1, a2, b0, b1, b2, c0, c1] = Array.from(m.subarray(t, t + 8));
      for (let y = 0; y < oh; y++)
        for (let x = 0; x < ow; x++) {
          const s = (b * oh + y) * ow + x;
          const k = c0 * x + c1 * y + 1;
          if (k === 0) {
            wts[0][s] = 1; // a point at infinity: the fill value
            continue;
          }
          const inX = mapCoord((a0 * x + a1 * y + a2) / k, w, mode);
          const inY = mapCoord((b0 * x + b1 * y + b2) / k, h, mode);
          if (interp === 'nearest') {
            idx[0][s] = read(b, roundHalfAway(inY), roundHalfAway(inX));
            wts[0][s] = 1;
            continue;
          }
          const x0 = Math.floor(inX);
          const y0 = Math.floor(inY);
          const fx = inX - x0;
          const fy = inY - y0;
          const corners: Array<[number, number, number]> = [
            [y0, x0, (1 - fx) * (1 - fy)],
            [y0, x0 + 1, fx * (1 - fy)],
            [y0 + 1, x0, (1 - fx) * fy],
            [y0 + 1, x0 + 1, fx * fy],
          ];
          corners.forEach(([cy, cx, wt], i) => {
            idx[i][s] = read(b, cy, cx);
            wts[i][s] = wt;
          });
        }
    }
    const table = ops.concat(
      [ops.reshape(img, [batch * h * w, c]), ops.fill([1, c], fillValue)],
      0,
    );
    let out: Tensor | null = null;
    for (let i = 0; i < taps; i++) {
      const picked = ops.gather(table, ops.tensor(idx[i], [samples], 'int32'), 0);
      const term = ops.mul(picked, ops.tensor(wts[i], [samples, 1], 'float32'));
      out = out ? ops.add(out, term) : term;
    }
    if (!out) throw new ArgumentError(`${op}: no sampling taps for interpolation ${show(interp)}`);
    return ops.reshape(out, [batch, oh, ow, c]);
  });
}
