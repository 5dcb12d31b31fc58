// dilation2d (grayscale morphological dilation), composed: one strided slice of the -inf-padded input per
// filter tap, plus that tap's filter value, then the max over taps (the gradient comes from the composition).
import type { TensorLike } from '../core/dtype.js';
import { ArgumentError, ShapeError, show } from '../core/errors.js';
import { tidy } from '../core/memory.js';
import type { Tensor } from '../core/tensor.js';
import * as ops from './all.js';
import { checkPad, computeConv2DInfo, type PadType, toPair } from './conv_util.js';
import { toTensor } from './convert.js';

type Operand = Tensor | TensorLike;

/**
 * out[b, y, x, c] = max over (i, j) of x[b, y·sh + i·dh - padTop, x·sw + j·dw - padLeft, c] + filter[i, j, c]
 * for x [batch?, h, w, c] and filter [fh, fw, c] (NHWC; 'same' / 'valid' padding as conv2d).
 * @example nr.dilation2d(nr.ones([1, 3, 3, 1]), nr.zeros([2, 2, 1]), 1, 'valid').shape // [1, 2, 2, 1]
 */
export function dilation2d(
  x: Operand,
  filter: Operand,
  strides: number | [number, number],
  pad: 'valid' | 'same',
  dilations: number | [number, number] = [1, 1],
  dataFormat: 'NHWC' = 'NHWC',
): Tensor {
  const op = 'dilation2d';
  const xt = toTensor(x, op, 'x');
  const ft = toTensor(filter, op, 'filter');
  if (xt.rank !== 3 && xt.rank !== 4)
    throw new ShapeError(`${op}: x must be rank 3 or 4, received shape ${show(xt.shape)}`);
  if (ft.rank !== 3)
    throw new ShapeError(`${op}: filter must be rank 3, received shape ${show(ft.shape)}`);
  if (dataFormat !== 'NHWC')
    throw new ArgumentError(
      `${op}: only dataFormat 'NHWC' is supported, received ${show(dataFormat)}`,
    );
  const padding: PadType = checkPad(op, pad);
  const [sh, sw] = toPair(op, 'strides', strides);
  const [dh, dw] = toPair(op, 'dilations', dilations);
  return tidy(() => {
    const x4 = xt.rank === 3 ? xt.expandDims(0) : xt;
    const [batch, inH, inW, c] = x4.shape;
    const [fh, fw, fc] = ft.shape;
    if (fc !== c)
      throw new ShapeError(
        `${op}: filter has ${fc} channels (shape ${show(ft.shape)}) but x has ${c} (shape ${show(xt.shape)})`,
      );
    const info = computeConv2DInfo(
      op,
      x4.shape,
      [fh, fw, c, 1],
      [sh, sw],
      padding,
      [dh, dw],
      undefined,
      true,
    );
    const { outH, outW, padTop, padLeft } = info;
    const padBottom = Math.max(0, (outH - 1) * sh + (fh - 1) * dh + 1 - inH - padTop);
    const padRight = Math.max(0, (outW - 1) * sw + (fw - 1) * dw + 1 - inW - padLeft);
    const xp = ops.pad(
      x4,
      [
        [0, 0],
        [padTop, padBottom],
        [padLeft, padRight],
        [0, 0],
      ],
      -Infinity,
    );
    const taps: Tensor[] = [];
    for (let i = 0; i < fh; i++)
      for (let j = 0; j < fw; j++) {
        const window = ops.stridedSlice(
          xp,
          [0, i * dh, j * dw, 0],
          [batch, i * dh + (outH - 1) * sh + 1, j * dw + (outW - 1) * sw + 1, c],
          [1, sh, sw, 1],
        );
        taps.push(ops.add(window, ops.slice(ft, [i, j, 0], [1, 1, c]).reshape([c])));
      }
    const y = taps.length === 1 ? taps[0] : ops.max(ops.stack(taps), 0);
    return xt.rank === 3 ? y.squeeze([0]) : y;
  });
}
