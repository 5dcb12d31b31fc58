// 3-D convolution and pooling over NDHWC volumes, composed from their 2-D versions: one 2-D op per
// depth tap over all output depths at once (fd calls, not one per output voxel); conv3dTranspose
// likewise from conv2dTranspose. Gradients come from the composition.
import type { TensorLike } from '../core/dtype.js';
import { ArgumentError, ShapeError, show } from '../core/errors.js';
import { tidy } from '../core/memory.js';
import type { Tensor } from '../core/tensor.js';
import * as ops from './all.js';
import { toTensor } from './convert.js';

type Operand = Tensor | TensorLike;
type Triple = number | readonly [number, number, number];
/** 'same', 'valid', or zero padding of this many elements on every side. */
type Pad3d = 'same' | 'valid' | number;
type Rounding = 'floor' | 'round' | 'ceil';

function triple(op: string, arg: string, v: Triple): [number, number, number] {
  const t: number[] = typeof v === 'number' ? [v, v, v] : [...v];
  if (t.length !== 3 || !t.every((n) => Number.isInteger(n) && n >= 1))
    throw new ArgumentError(
      `${op}: ${arg} must be a positive integer or three of them, received ${show(v)}`,
    );
  return [t[0], t[1], t[2]];
}

/** Output size and leading padding of one dimension, as TF computes them for 'same' and 'valid'. */
function outAndPad(
  op: string,
  size: number,
  window: number,
  stride: number,
  pad: Pad3d,
  rounding?: Rounding,
): { out: number; before: number; total: number } {
  if (typeof pad === 'number') {
    const exact = (size - window + 2 * pad) / stride + 1;
    const out = rounding === undefined ? Math.trunc(exact) : Math[rounding](exact);
    if (out < 1)
      throw new ShapeError(
        `${op}: the output would be empty: input dimension ${size}, window ${window}, pad ${pad}`,
      );
    return { out, before: pad, total: 2 * pad };
  }
  if (pad === 'same') {
    const out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + window - size, 0);
    return { out, before: Math.floor(total / 2), total };
  }
  const out = Math.ceil((size - window + 1) / stride);
  if (out < 1)
    throw new ShapeError(
      `${op}: the window (${window}) is larger than the input dimension (${size}) with 'valid' padding`,
    );
  return { out, before: 0, total: 0 };
}

function volume(op: string, x: Operand): { t: Tensor; squeeze: boolean } {
  const t = toTensor(x, op, 'x');
  if (t.rank === 4) return { t: ops.expandDims(t, 0), squeeze: true };
  if (t.rank !== 5)
    throw new ShapeError(
      `${op}: x must have rank 5 [batch, depth, height, width, channels] or 4, received shape ${show(t.shape)}`,
    );
  return { t, squeeze: false };
}

function padArg(op: string, pad: unknown, rounding: unknown): Pad3d {
  if (rounding !== undefined && rounding !== 'floor' && rounding !== 'round' && rounding !== 'ceil')
    throw new ArgumentError(
      `${op}: dimRoundingMode must be 'floor', 'round' or 'ceil', received ${show(rounding)}`,
    );
  if (typeof pad === 'number' && Number.isInteger(pad) && pad >= 0) return pad;
  if (rounding !== undefined)
    throw new ArgumentError(
      `${op}: dimRoundingMode needs a numeric pad, received pad ${show(pad)}`,
    );
  if (pad !== 'same' && pad !== 'valid')
    throw new ArgumentError(
      `${op}: pad must be 'same', 'valid' or a non-negative integer, received ${show(pad)}`,
    );
  return pad;
}

function formatArg(op: string, dataFormat: unknown): void {
  if (dataFormat !== 'NDHWC')
    throw new ArgumentError(`${op}: dataFormat must be 'NDHWC', received ${show(dataFormat)}`);
}

/**
 * For depth tap k: the input depth slices every output depth reads, as [batch * outD, h, w, c], from
 * x zero-padded along depth (so out-of-range taps read zeros).
 */
function tapSlices(padded: Tensor, outD: number, strideD: number, offset: number): Tensor {
  const idx = Array.from({ length: outD }, (_, o) => o * strideD + offset);
  const g = ops.gather(padded, ops.tensor(idx, [outD], 'int32'), 1);
  const [b, , h, w, c] = g.shape;
  return ops.reshape(g, [b * outD, h, w, c]);
}

/**
 * 3-D convolution of x [batch, depth, height, width, inC] with filter [fd, fh, fw, inC, outC].
 * @example nr.conv3d(nr.ones([1, 4, 4, 4, 1]), nr.ones([2, 2, 2, 1, 3]), 1, 'valid').shape // [1, 3, 3, 3, 3]
 */
export function conv3d(
  x: Operand,
  filter: Operand,
  strides: Triple,
  pad: Pad3d,
  dataFormat: 'NDHWC' = 'NDHWC',
  dilations: Triple = [1, 1, 1],
): Tensor {
  const op = 'conv3d';
  return tidy(() => {
    formatArg(op, dataFormat);
    const p = padArg(op, pad, undefined);
    const { t: xt, squeeze } = volume(op, x);
    const ft = toTensor(filter, op, 'filter');
    if (ft.rank !== 5)
      throw new ShapeError(
        `${op}: filter must have rank 5 [fd, fh, fw, inC, outC], received shape ${show(ft.shape)}`,
      );
    if (ft.shape[3] !== xt.shape[4])
      throw new ShapeError(
        `${op}: x has ${xt.shape[4]} channels but filter expects ${ft.shape[3]} (filter shape ${show(ft.shape)})`,
      );
    const [sd, sh, sw] = triple(op, 'strides', strides);
    const [dd, dh, dw] = triple(op, 'dilations', dilations);
    if ((sd > 1 || sh > 1 || sw > 1) && (dd > 1 || dh > 1 || dw > 1))
      throw new ArgumentError(
        `${op}: strides and dilations cannot both exceed 1, received strides ${show(strides)}, dilations ${show(dilations)}`,
      );
    const [b, depth] = xt.shape;
    const fd = ft.shape[0];
    const { out: outD, before, total } = outAndPad(op, depth, (fd - 1) * dd + 1, sd, p);
    const padded = ops.pad(xt, [
      [0, 0],
      [before, total - before],
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
    let acc: Tensor | null = null;
    for (let k = 0; k < fd; k++) {
      const slices = tapSlices(padded, outD, sd, k * dd);
      const tap = ops.reshape(
        ops.slice(ft, [k, 0, 0, 0, 0], [1, -1, -1, -1, -1]),
        ft.shape.slice(1),
      );
      const y = ops.conv2d(slices, tap, [sh, sw], p, 'NHWC', [dh, dw]);
      acc = acc ? ops.add(acc, y) : y;
    }
    if (!acc)
      throw new ShapeError(`${op}: filter depth must be >= 1, received shape ${show(ft.shape)}`);
    const [, oh, ow, oc] = acc.shape;
    const out = ops.reshape(acc, [b, outD, oh, ow, oc]);
    return squeeze ? ops.squeeze(out, [0]) : out;
  });
}

function pool3d(
  op: string,
  kind: 'max' | 'avg',
  x: Operand,
  filterSize: Triple,
  strides: Triple,
  pad: Pad3d,
  rounding: Rounding | undefined,
  dataFormat: 'NDHWC',
): Tensor {
  return tidy(() => {
    formatArg(op, dataFormat);
    const p = padArg(op, pad, rounding);
    const { t: xt, squeeze } = volume(op, x);
    const [fd, fh, fw] = triple(op, 'filterSize', filterSize);
    const [sd, sh, sw] = triple(op, 'strides', strides);
    const [b, depth, h, w, c] = xt.shape;
    // Pool height and width for every depth slice, then pool the depth windows of the result.
    const flat = ops.reshape(xt, [b * depth, h, w, c]);
    const hw =
      kind === 'max'
        ? ops.maxPool(flat, [fh, fw], [sh, sw], p, rounding)
        : ops.avgPool(flat, [fh, fw], [sh, sw], p, rounding);
    const [, oh, ow] = hw.shape;
    const planes = ops.reshape(hw, [b, depth, oh, ow, c]);
    const { out: outD, before } = outAndPad(op, depth, fd, sd, p, rounding);
    const outs: Tensor[] = [];
    for (let o = 0; o < outD; o++) {
      const from = Math.max(o * sd - before, 0);
      const to = Math.min(o * sd - before + fd, depth);
      const win = ops.slice(planes, [0, from, 0, 0, 0], [-1, to - from, -1, -1, -1]);
      outs.push(kind === 'max' ? ops.max(win, 1) : ops.mean(win, 1));
    }
    const out = ops.stack(outs, 1);
    return squeeze ? ops.squeeze(out, [0]) : out;
  });
}

/**
 * 3-D max pooling over x [batch, depth, height, width, channels].
 * @example nr.maxPool3d(nr.ones([1, 2, 2, 2, 1]), 2, 1, 'valid').shape // [1, 1, 1, 1, 1]
 */
export function maxPool3d(
  x: Operand,
  filterSize: Triple,
  strides: Triple,
  pad: Pad3d,
  dimRoundingMode?: Rounding,
  dataFormat: 'NDHWC' = 'NDHWC',
): Tensor {
  return pool3d('maxPool3d', 'max', x, filterSize, strides, pad, dimRoundingMode, dataFormat);
}

/**
 * 3-D average pooling; with 'same' padding each window is divided by its real (non-padded) count.
 * @example nr.avgPool3d(nr.ones([1, 2, 2, 2, 1]), 2, 1, 'valid').shape // [1, 1, 1, 1, 1]
 */
export function avgPool3d(
  x: Operand,
  filterSize: Triple,
  strides: Triple,
  pad: Pad3d,
  dimRoundingMode?: Rounding,
  dataFormat: 'NDHWC' = 'NDHWC',
): Tensor {
  return pool3d('avgPool3d', 'avg', x, filterSize, strides, pad, dimRoundingMode, dataFormat);
}

/**
 * Transposed 3-D convolution (the gradient of conv3d with respect to its input): x [b, d, h, w, inC]
 * with a filter [fd, fh, fw, outC, inC] gives `outputShape` [b, od, oh, ow, outC] (batch optional, as
 * x's), the shape conv3d with these strides and pad maps back to x's. Composed per depth tap from
 * conv2dTranspose, the taps summed into their output depths, so gradients come from the composition.
 * @example nr.conv3dTranspose(nr.ones([1, 1, 1, 1, 1]), nr.ones([2, 2, 2, 1, 1]), [1, 2, 2, 2, 1], 1, 'valid').shape // [1, 2, 2, 2, 1]
 */
export function conv3dTranspose(
  x: Operand,
  filter: Operand,
  outputShape: readonly number[],
  strides: Triple,
  pad: 'same' | 'valid',
): Tensor {
  const op = 'conv3dTranspose';
  return tidy(() => {
    const { t: xt, squeeze } = volume(op, x);
    const ft = toTensor(filter, op, 'filter');
    if (ft.rank !== 5)
      throw new ShapeError(
        `${op}: filter must have rank 5 [fd, fh, fw, outC, inC], received shape ${show(ft.shape)}`,
      );
    if (ft.shape[4] !== xt.shape[4])
      throw new ShapeError(
        `${op}: x has ${xt.shape[4]} channels but filter expects ${ft.shape[4]} (filter shape ${show(ft.shape)})`,
      );
    if (pad !== 'same' && pad !== 'valid')
      throw new ArgumentError(`${op}: pad must be 'same' or 'valid', received ${show(pad)}`);
    const okShape =
      Array.isArray(outputShape) &&
      outputShape.length === (squeeze ? 4 : 5) &&
      outputShape.every((d) => Number.isInteger(d) && d > 0);
    if (!okShape)
      throw new ArgumentError(
        `${op}: outputShape must be ${squeeze ? 4 : 5} positive integers (like x), received ${show(outputShape)}`,
      );
    const out5 = squeeze ? [1, ...outputShape] : [...outputShape];
    const [b, inD, inH, inW, inC] = xt.shape;
    const [ob, od, oh, ow, oc] = out5;
    if (ob !== b || oc !== ft.shape[3])
      throw new ShapeError(
        `${op}: outputShape ${show(outputShape)} needs batch ${b} and ${ft.shape[3]} channels (filter dimension 3)`,
      );
    const [sd, sh, sw] = triple(op, 'strides', strides);
    const fd = ft.shape[0];
    const { out: xD, before, total } = outAndPad(op, od, fd, sd, pad);
    if (xD !== inD)
      throw new ShapeError(
        `${op}: outputShape ${show(outputShape)} with strides ${show(strides)} and pad '${pad}' corresponds to an input depth of ${xD}, but x has depth ${inD} (shape ${show(xt.shape)})`,
      );
    // conv3d read padded depth o*sd + k for tap k: send each tap's 2-D transpose back to those depths
    const planes = ops.reshape(xt, [b * inD, inH, inW, inC]);
    const parts: Tensor[] = [];
    const ids: number[] = [];
    for (let k = 0; k < fd; k++) {
      const tap = ops.reshape(
        ops.slice(ft, [k, 0, 0, 0, 0], [1, -1, -1, -1, -1]),
        ft.shape.slice(1),
      );
      const y = ops.conv2dTranspose(planes, tap, [b * inD, oh, ow, oc], [sh, sw], pad);
      parts.push(ops.transpose(ops.reshape(y, [b, inD, oh, ow, oc]), [1, 0, 2, 3, 4]));
      for (let o = 0; o < inD; o++) ids.push(o * sd + k);
    }
    const summed = ops.unsortedSegmentSum(
      ops.concat(parts, 0),
      ops.tensor(ids, [ids.length], 'int32'),
      od + total,
    );
    const depthFirst = ops.slice(summed, [before, 0, 0, 0, 0], [od, -1, -1, -1, -1]);
    const out = ops.transpose(depthFirst, [1, 0, 2, 3, 4]);
    return squeeze ? ops.squeeze(out, [0]) : out;
  });
}
