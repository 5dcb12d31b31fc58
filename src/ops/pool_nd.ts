// tfjs's generic `pool` (max or avg, with dilations): dilated pooling as spaceToBatchND, a plain pool,
// then batchToSpaceND, as TensorFlow composes it. Gradients come from the composition.
import type { TensorLike } from '../core/dtype.js';
import { ArgumentError, ShapeError, show } from '../core/errors.js';
import { tidy } from '../core/memory.js';
import type { Tensor } from '../core/tensor.js';
import * as ops from './all.js';
import type { DimRoundingMode, PadType } from './conv_util.js';
import { toTensor } from './convert.js';

type Operand = Tensor | TensorLike;
type Pair = number | readonly [number, number];

function pair(op: string, arg: string, v: Pair): [number, number] {
  const p = typeof v === 'number' ? [v, v] : [...v];
  if (p.length !== 2 || !p.every((n) => Number.isInteger(n) && n >= 1))
    throw new ArgumentError(
      `${op}: ${arg} must be a positive integer or two of them, received ${show(v)}`,
    );
  return [p[0], p[1]];
}

/**
 * Max or average pooling over [batch, height, width, channels] (or one image) with optional dilations
 * (then strides must be 1). Pad: 'same', 'valid', a number or tfjs's explicit form.
 * @example nr.pool(x, [2, 2], 'max', 'valid', 2) // dilated max pooling
 */
export function pool(
  input: Operand,
  windowShape: Pair,
  poolingType: 'max' | 'avg',
  pad: PadType,
  dilations: Pair = 1,
  strides: Pair = 1,
  dimRoundingMode?: DimRoundingMode,
): Tensor {
  const op = 'pool';
  return tidy(() => {
    const xt = toTensor(input, op, 'input');
    const x4 = xt.rank === 3 ? ops.expandDims(xt, 0) : xt;
    if (x4.rank !== 4)
      throw new ShapeError(`${op}: input must have rank 4 or 3, received shape ${show(xt.shape)}`);
    if (poolingType !== 'max' && poolingType !== 'avg')
      throw new ArgumentError(
        `${op}: poolingType must be 'max' or 'avg', received ${show(poolingType)}`,
      );
    const win = pair(op, 'windowShape', windowShape);
    const dil = pair(op, 'dilations', dilations);
    const str = pair(op, 'strides', strides);
    const dilated = dil[0] > 1 || dil[1] > 1;
    if (dilated && (str[0] > 1 || str[1] > 1))
      throw new ArgumentError(
        `${op}: strides must be 1 when dilations exceed 1, received strides ${show(strides)}, dilations ${show(dilations)}`,
      );
    const run = (t: Tensor, p: PadType, s: [number, number]) =>
      poolingType === 'max'
        ? ops.maxPool(t, win, s, p, dimRoundingMode)
        : ops.avgPool(t, win, s, p, dimRoundingMode);
    let out: Tensor;
    if (!dilated) out = run(x4, pad, str);
    else {
      if (
        pad !== 'same' &&
        pad !== 'valid' &&
        !(typeof pad === 'number' && Number.isInteger(pad) && pad >= 0)
      )
        throw new ArgumentError(
          `${op}: with dilations, pad must be 'same', 'valid' or a non-negative integer, received ${show(pad)}`,
        );
      // Per spatial dim: base padding of the dilated window ('same'), then extra end padding up to a multiple of the dilation.
      const spatial = [x4.shape[1], x4.shape[2]];
      const paddings: [number, number][] = [];
      const crops: [number, number][] = [];
      spatial.forEach((size, i) => {
        const total =
          pad === 'same' ? (win[i] - 1) * dil[i] : typeof pad === 'number' ? 2 * pad : 0;
        const start = Math.floor(total / 2);
        const end = total - start;
        const extra = (dil[i] - ((size + start + end) % dil[i])) % dil[i];
        paddings.push([start, end + extra]);
        crops.push([0, extra]);
      });
      const inner = run(ops.spaceToBatchND(x4, dil, paddings), 'valid', [1, 1]);
      out = ops.batchToSpaceND(inner, dil, crops);
    }
    return xt.rank === 3 ? ops.squeeze(out, [0]) : out;
  });
}

function samePad(size: number, window: number, stride: number): { out: number; before: number } {
  const out = Math.ceil(size / stride);
  return { out, before: Math.floor(Math.max((out - 1) * stride + window - size, 0) / 2) };
}

/**
 * maxPool and, for each output, the flat index of the maximum in x: ((y * width + x) * channels + c),
 * plus batch * height * width * channels when includeBatchInIndex. The first maximum in row-major window
 * order wins; the indexes are int32 and not differentiable.
 * @example const { result, indexes } = nr.maxPoolWithArgmax(x, 2, 2, 'valid')
 */
export function maxPoolWithArgmax(
  x: Operand,
  filterSize: Pair,
  strides: Pair,
  pad: 'same' | 'valid' | number,
  includeBatchInIndex = false,
): { result: Tensor; indexes: Tensor } {
  const op = 'maxPoolWithArgmax';
  const xt = toTensor(x, op, 'x');
  try {
    if (xt.rank !== 4)
      throw new ShapeError(`${op}: x must have rank 4, received shape ${show(xt.shape)}`);
    if (
      pad !== 'same' &&
      pad !== 'valid' &&
      !(typeof pad === 'number' && Number.isInteger(pad) && pad >= 0)
    )
      throw new ArgumentError(
        `${op}: pad must be 'same', 'valid' or a non-negative integer, received ${show(pad)}`,
      );
    const [fh, fw] = pair(op, 'filterSize', filterSize);
    const [sh, sw] = pair(op, 'strides', strides);
    const result = ops.maxPool(xt, [fh, fw], [sh, sw], pad);
    const [b, h, w, c] = xt.shape;
    const [, oh, ow] = result.shape;
    const fixed = typeof pad === 'number' ? pad : 0;
    const top = pad === 'same' ? samePad(h, fh, sh).before : fixed;
    const left = pad === 'same' ? samePad(w, fw, sw).before : fixed;
    const v = xt.dataSync();
    const idx = new Int32Array(b * oh * ow * c);
    let o = 0;
    for (let n = 0; n < b; n++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++)
          for (let ch = 0; ch < c; ch++, o++) {
            let best = Number.NEGATIVE_INFINITY;
            let at = -1;
            for (let di = 0; di < fh; di++) {
              const y = i * sh - top + di;
              if (y < 0 || y >= h) continue;
              for (let dj = 0; dj < fw; dj++) {
                const xx = j * sw - left + dj;
                if (xx < 0 || xx >= w) continue;
                const flat = ((n * h + y) * w + xx) * c + ch;
                if (at < 0 || v[flat] > best) {
                  best = v[flat];
                  at = flat;
                }
              }
            }
            idx[o] = includeBatchInIndex ? at : at - n * h * w * c;
          }
    return { result, indexes: ops.tensor(idx, [b, oh, ow, c], 'int32') };
  } finally {
    if (xt !== x) xt.dispose();
  }
}
