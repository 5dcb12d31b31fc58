// Pooling ops (max and average, 2-D and 1-D) and the gradients of the four pooling primitives.
import type { Pool2DInfo } from '../backends/backend.js';
import { isFloatDType, type TensorLike } from '../core/dtype.js';
import { ENGINE } from '../core/engine.js';
import { ArgumentError, DTypeError, ShapeError, show } from '../core/errors.js';
import { tidy } from '../core/memory.js';
import { one, type RuleTable } from '../core/primitives.js';
import type { Tensor } from '../core/tensor.js';
import {
  checkPad,
  checkRounding,
  computePool2DInfo,
  type DimRoundingMode,
  type PadType,
  toPair,
} from './conv_util.js';
import { toTensor } from './convert.js';

type Operand = Tensor | TensorLike;
type Pair = number | readonly [number, number];

function runPool(
  op: string,
  prim: 'maxPool' | 'avgPool',
  x: Operand,
  filterSize: Pair,
  strides: Pair,
  pad: unknown,
  rounding: unknown,
): Tensor {
  let xt = toTensor(x, op, 'x');
  if (xt.dtype === 'bool')
    throw new DTypeError(`${op}: x must be float32 or int32, received 'bool'`);
  // the average of ints is not an int: avgPool computes in float32 (maxPool keeps the dtype)
  if (prim === 'avgPool' && !isFloatDType(xt.dtype)) xt = xt.cast('float32');
  if (xt.rank !== 3 && xt.rank !== 4) {
    throw new ShapeError(
      `${op}: x must be rank 4 [batch, height, width, channels] or rank 3, received rank ${xt.rank} (shape ${show(xt.shape)})`,
    );
  }
  const fs = toPair(op, 'filterSize', filterSize);
  const st = toPair(op, 'strides', strides);
  const p = checkPad(op, pad);
  const rd = checkRounding(op, rounding);
  const batched = xt.rank === 4;
  const x4 = batched ? xt : xt.expandDims(0);
  const info = computePool2DInfo(op, x4.shape, fs, st, p, rd);
  const y = ENGINE.run1(prim, [x4], { info });
  return batched ? y : y.squeeze([0]);
}

/**
 * 2-D max pooling over NHWC input [b, h, w, c] (or [h, w, c]). `pad`: 'same', 'valid', a number, or
 * explicit [[0,0],[top,bottom],[left,right],[0,0]]; padded positions never win.
 * @example nr.maxPool(nr.ones([1, 4, 4, 1]), 2, 2, 'valid').shape // [1, 2, 2, 1]
 */
export function maxPool(
  x: Operand,
  filterSize: Pair,
  strides: Pair,
  pad: PadType,
  dimRoundingMode?: DimRoundingMode,
): Tensor {
  return tidy(() => runPool('maxPool', 'maxPool', x, filterSize, strides, pad, dimRoundingMode));
}

/**
 * 2-D average pooling over NHWC input. With padding, each window is divided by the number of real
 * (non-padded) elements in it, as TF does.
 * @example nr.avgPool(nr.ones([1, 4, 4, 1]), 2, 2, 'same').shape // [1, 2, 2, 1]
 */
export function avgPool(
  x: Operand,
  filterSize: Pair,
  strides: Pair,
  pad: PadType,
  dimRoundingMode?: DimRoundingMode,
): Tensor {
  return tidy(() => runPool('avgPool', 'avgPool', x, filterSize, strides, pad, dimRoundingMode));
}

/** 1-D pooling as 2-D pooling over height 1. */
function runPool1d(
  op: string,
  prim: 'maxPool' | 'avgPool',
  x: Operand,
  poolSize: number,
  stride: number,
  pad: 'same' | 'valid' | number,
): Tensor {
  const xt = toTensor(x, op, 'x');
  if (xt.rank !== 2 && xt.rank !== 3) {
    throw new ShapeError(
      `${op}: x must be rank 3 [batch, width, channels] or rank 2, received rank ${xt.rank} (shape ${show(xt.shape)})`,
    );
  }
  for (const [arg, v] of [
    ['poolSize', poolSize],
    ['stride', stride],
  ] as const) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
      throw new ArgumentError(`${op}: ${arg} must be a positive integer, received ${show(v)}`);
  }
  let p: unknown = pad;
  if (typeof pad === 'number')
    p = [
      [0, 0],
      [0, 0],
      [pad, pad],
      [0, 0],
    ];
  else if (pad !== 'same' && pad !== 'valid')
    throw new ArgumentError(
      `${op}: pad must be 'same', 'valid' or a non-negative integer, received ${show(pad)}`,
    );
  const x4 = xt.expandDims(xt.rank - 2);
  return runPool(op, prim, x4, [1, poolSize], [1, stride], p, undefined).squeeze([xt.rank - 2]);
}

/**
 * 1-D max pooling over [b, w, c] (or [w, c]).
 * @example nr.maxPool1d(nr.tensor([[[1], [3], [2], [5]]]), 2, 2, 'valid') // [[[3], [5]]]
 */
export function maxPool1d(
  x: Operand,
  poolSize: number,
  stride: number,
  pad: 'same' | 'valid' | number,
): Tensor {
  return tidy(() => runPool1d('maxPool1d', 'maxPool', x, poolSize, stride, pad));
}

/**
 * 1-D average pooling over [b, w, c] (or [w, c]).
 * @example nr.avgPool1d(nr.tensor([[[1], [3], [2], [6]]]), 2, 2, 'valid') // [[[2], [4]]]
 */
export function avgPool1d(
  x: Operand,
  poolSize: number,
  stride: number,
  pad: 'same' | 'valid' | number,
): Tensor {
  return tidy(() => runPool1d('avgPool1d', 'avgPool', x, poolSize, stride, pad));
}

const inShape = (i: Pool2DInfo) => [i.batch, i.inH, i.inW, i.channels];
const outShape = (i: Pool2DInfo) => [i.batch, i.outH, i.outW, i.channels];

/** The four pooling primitives' forwards and VJPs. @example ruleFor('avgPoolGrad').vjp */
export const poolRules = {
  maxPool: {
    forward: (b, [x], { info }) => one(b.run('maxPool', [x], { info }), outShape(info), x.dtype),
    // dy flows to the first maximum of each window
    vjp: ([dy], [x], _y, { info }) => [ENGINE.run1('maxPoolGrad', [dy, x], { info })],
  },
  maxPoolGrad: {
    forward: (b, [dy, x], { info }) =>
      one(b.run('maxPoolGrad', [dy, x], { info }), inShape(info), dy.dtype),
    // NOTE: not differentiable here (second derivatives through maxPool stop): its derivative in dy
    // gathers ddx at each window's argmax, which no primitive computes; the derivative in x is zero.
    vjp: null,
  },
  avgPool: {
    forward: (b, [x], { info }) => one(b.run('avgPool', [x], { info }), outShape(info), x.dtype),
    // each output spreads dy / count evenly over its window
    vjp: ([dy], _x, _y, { info }) => [ENGINE.run1('avgPoolGrad', [dy], { info })],
  },
  avgPoolGrad: {
    forward: (b, [dy], { info }) =>
      one(b.run('avgPoolGrad', [dy], { info }), inShape(info), dy.dtype),
    // avgPoolGrad is linear and the adjoint of avgPool, so its VJP is avgPool
    vjp: ([ddx], _x, _y, { info }) => [ENGINE.run1('avgPool', [ddx], { info })],
  },
} satisfies Pick<RuleTable, 'maxPool' | 'maxPoolGrad' | 'avgPool' | 'avgPoolGrad'>;
