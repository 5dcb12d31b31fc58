// Convolution ops (conv1d/2d, transposed, depthwise, separable) and the six conv primitives' gradients.
import type { Conv2DInfo, FusedActivation } from '../backends/backend.js';
import { isFloatDType, type TensorLike, upcast } from '../core/dtype.js';
import { ENGINE } from '../core/engine.js';
import { ArgumentError, ShapeError, show } from '../core/errors.js';
import { tidy } from '../core/memory.js';
import { one, type RuleTable } from '../core/primitives.js';
import type { Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import {
  checkPad,
  checkRounding,
  computeConv2DInfo,
  type DimRoundingMode,
  type ExplicitPadding,
  type PadType,
  toPair,
} from './conv_util.js';
import { argDTypeError, toTensor } from './convert.js';
import { activationGrad } from './fused_activation.js';

export type { DimRoundingMode, ExplicitPadding, PadType } from './conv_util.js';

type Operand = Tensor | TensorLike;
type Pair = number | readonly [number, number];

/** Layout of 2-D image batches: channels last (default) or channels first. @example nr.conv2d(x, w, 1, 'same', 'NCHW') */
export type DataFormat = 'NHWC' | 'NCHW';

function checkFormat<F extends string>(op: string, v: unknown, allowed: readonly F[]): F {
  const found = allowed.find((f) => f === v);
  if (found === undefined)
    throw new ArgumentError(
      `${op}: dataFormat must be ${allowed.map((f) => `'${f}'`).join(' or ')}, received ${show(v)}`,
    );
  return found;
}

/** Two float tensors in their common dtype (float16 with float32 gives float32). */
function commonFloat(a: Tensor, b: Tensor): [Tensor, Tensor] {
  const dt = upcast(a.dtype, b.dtype);
  return [a.dtype === dt ? a : a.cast(dt), b.dtype === dt ? b : b.cast(dt)];
}

function floatInput(op: string, arg: string, x: Operand): Tensor {
  const t = toTensor(x, op, arg);
  if (!isFloatDType(t.dtype))
    throw argDTypeError(op, arg, 'float32', t.dtype, ' (cast it first; float16 works too)');
  return t;
}

function checkRank(op: string, arg: string, t: Tensor, ranks: readonly number[], hint = ''): void {
  if (!ranks.includes(t.rank)) {
    throw new ShapeError(
      `${op}: ${arg} must be rank ${[...ranks].sort((a, b) => b - a).join(' or ')}${hint}, received rank ${t.rank} (shape ${show(t.shape)})`,
    );
  }
}

/** x as a rank-4 NHWC batch (rank 3 = one image), with the function that maps an NHWC result back. */
function toNHWC(x: Tensor, format: DataFormat): { x4: Tensor; back: (y: Tensor) => Tensor } {
  const batched = x.rank === 4;
  let x4 = batched ? x : x.expandDims(0);
  if (format === 'NCHW') x4 = x4.transpose([0, 2, 3, 1]);
  const back = (y: Tensor) => {
    const yf = format === 'NCHW' ? y.transpose([0, 3, 1, 2]) : y;
    return batched ? yf : yf.reshape(yf.shape.slice(1));
  };
  return { x4, back };
}

function checkChannels(
  op: string,
  x: Tensor,
  channelAxis: number,
  filter: Tensor,
  filterAxis: number,
  arg = 'filter',
): void {
  const c = x.shape[channelAxis];
  if (c !== filter.shape[filterAxis]) {
    throw new ShapeError(
      `${op}: x has ${c} input channels (dimension ${channelAxis} of shape ${show(x.shape)}) but ${arg} expects ${filter.shape[filterAxis]} (dimension ${filterAxis} of ${arg} shape ${show(filter.shape)})`,
    );
  }
}

/** Validated NHWC conv2d or depthwiseConv2d, shared by every public conv op. */
function runConv(
  op: string,
  prim: 'conv2d' | 'depthwiseConv2d',
  x: Operand,
  filter: Operand,
  strides: Pair,
  pad: unknown,
  format: DataFormat,
  dilations: Pair | null,
  rounding: unknown,
  epilogue?: { bias: Tensor | null; activation: FusedActivation },
): Tensor {
  // float16 with float32 computes in float32 (the common dtype); the primitives output x's dtype
  const [xt, ft] = commonFloat(floatInput(op, 'x', x), floatInput(op, 'filter', filter));
  checkRank(op, 'x', xt, [3, 4]);
  checkRank(
    op,
    'filter',
    ft,
    [4],
    prim === 'conv2d'
      ? ' [filterHeight, filterWidth, inChannels, outChannels]'
      : ' [filterHeight, filterWidth, inChannels, multiplier]',
  );
  checkChannels(op, xt, format === 'NHWC' ? xt.rank - 1 : xt.rank - 3, ft, 2);
  const st = toPair(op, 'strides', strides);
  // tfjs reads a null dilations as the default 1
  const dl = toPair(op, 'dilations', dilations ?? 1);
  const p = checkPad(op, pad, format);
  const rd = checkRounding(op, rounding);
  const { x4, back } = toNHWC(xt, format);
  const info = computeConv2DInfo(op, x4.shape, ft.shape, st, p, dl, rd, prim === 'depthwiseConv2d');
  if (!epilogue) return back(ENGINE.run1(prim, [x4, ft], { info }));
  const { activation } = epilogue;
  const bias =
    epilogue.bias && epilogue.bias.dtype !== xt.dtype
      ? epilogue.bias.cast(xt.dtype)
      : epilogue.bias;
  return back(ENGINE.run1('conv2d', bias ? [x4, ft, bias] : [x4, ft], { info, activation }));
}

/**
 * 2-D convolution (cross-correlation, as in TF) of an image batch [b, h, w, inC] (or one image
 * [h, w, inC]) with a filter [fh, fw, inC, outC]. `pad`: 'same', 'valid', a number for every side, or
 * explicit [[0,0],[top,bottom],[left,right],[0,0]]. Dilations and strides may both exceed 1.
 * @example nr.conv2d(nr.ones([1, 5, 5, 1]), nr.ones([3, 3, 1, 2]), 1, 'same').shape // [1, 5, 5, 2]
 */
export function conv2d(
  x: Operand,
  filter: Operand,
  strides: Pair,
  pad: PadType,
  dataFormat: DataFormat = 'NHWC',
  dilations: Pair | null = [1, 1],
  dimRoundingMode?: DimRoundingMode,
): Tensor {
  return conv2dWith(x, filter, strides, pad, dataFormat, dilations, dimRoundingMode);
}

/**
 * conv2d with an optional fused epilogue (bias per output channel, then an activation): the primitive
 * behind `conv2d` and `fused.conv2d`.
 * @example conv2dWith(x, w, 1, 'same', 'NHWC', 1, undefined, { bias, activation: 'relu' })
 */
export function conv2dWith(
  x: Operand,
  filter: Operand,
  strides: Pair,
  pad: PadType,
  dataFormat: DataFormat = 'NHWC',
  dilations: Pair | null = [1, 1],
  dimRoundingMode?: DimRoundingMode,
  epilogue?: { bias: Tensor | null; activation: FusedActivation },
): Tensor {
  const fmt = checkFormat('conv2d', dataFormat, ['NHWC', 'NCHW'] as const);
  return tidy(() =>
    runConv('conv2d', 'conv2d', x, filter, strides, pad, fmt, dilations, dimRoundingMode, epilogue),
  );
}

/** conv1d's padding as conv2d padding over a height-1 image. */
function pad1d(op: string, pad: unknown): unknown {
  if (typeof pad === 'number' && Number.isInteger(pad) && pad >= 0)
    return [
      [0, 0],
      [0, 0],
      [pad, pad],
      [0, 0],
    ];
  if (Array.isArray(pad)) {
    const p = pad as ExplicitPadding;
    // tfjs also takes conv2d's 4-pair form over the height-1 image: no padding of that height
    const flat = (e: unknown) => Array.isArray(e) && e.length === 2 && e[0] === 0 && e[1] === 0;
    if (p.length === 4 && flat(p[1])) return [p[0], [0, 0], p[2], p[3]];
    const ok =
      p.length === 3 &&
      p.every((e) => Array.isArray(e) && e.length === 2) &&
      p[0][0] === 0 &&
      p[0][1] === 0 &&
      p[2][0] === 0 &&
      p[2][1] === 0;
    if (!ok)
      throw new ArgumentError(
        `${op}: explicit pad must be [[0,0],[left,right],[0,0]], received ${show(pad)}`,
      );
    return [[0, 0], [0, 0], p[1], [0, 0]];
  }
  return pad;
}

/**
 * 1-D convolution of [b, w, inC] (or [w, inC]) with a filter [fw, inC, outC], run as a conv2d over
 * height 1. `pad` as conv2d, explicit form [[0,0],[left,right],[0,0]] (or conv2d's 4-pair form).
 * @example nr.conv1d(nr.ones([1, 8, 2]), nr.ones([3, 2, 4]), 1, 'valid').shape // [1, 6, 4]
 */
export function conv1d(
  x: Operand,
  filter: Operand,
  stride: number,
  pad: 'same' | 'valid' | number | ExplicitPadding,
  dataFormat: 'NWC' | 'NCW' = 'NWC',
  dilation = 1,
  dimRoundingMode?: DimRoundingMode,
): Tensor {
  return tidy(() => {
    const op = 'conv1d';
    const fmt = checkFormat(op, dataFormat, ['NWC', 'NCW'] as const);
    const xt = floatInput(op, 'x', x);
    const ft = floatInput(op, 'filter', filter);
    checkRank(op, 'x', xt, [2, 3]);
    checkRank(op, 'filter', ft, [3], ' [filterWidth, inChannels, outChannels]');
    checkChannels(op, xt, fmt === 'NWC' ? xt.rank - 1 : xt.rank - 2, ft, 1);
    for (const [arg, v] of [
      ['stride', stride],
      ['dilation', dilation],
    ] as const) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
        throw new ArgumentError(`${op}: ${arg} must be a positive integer, received ${show(v)}`);
    }
    const batched = xt.rank === 3;
    let x3 = batched ? xt : xt.expandDims(0);
    if (fmt === 'NCW') x3 = x3.transpose([0, 2, 1]);
    const x4 = x3.expandDims(1);
    const f4 = ft.expandDims(0);
    let y = runConv(
      op,
      'conv2d',
      x4,
      f4,
      [1, stride],
      pad1d(op, pad),
      'NHWC',
      [1, dilation],
      dimRoundingMode,
    ).squeeze([1]);
    if (fmt === 'NCW') y = y.transpose([0, 2, 1]);
    return batched ? y : y.squeeze([0]);
  });
}

/**
 * Transposed convolution (the gradient of conv2d with respect to its input): x [b, h, w, inC] with a
 * filter [fh, fw, outC, inC] gives `outputShape` [b, oh, ow, outC], where conv2d of that shape with the
 * same strides and pad would give x's spatial size.
 * @example nr.conv2dTranspose(nr.ones([1, 2, 2, 1]), nr.ones([2, 2, 1, 1]), [1, 4, 4, 1], 2, 'valid')
 */
export function conv2dTranspose(
  x: Operand,
  filter: Operand,
  outputShape: readonly number[],
  strides: Pair,
  pad: PadType,
  dimRoundingMode?: DimRoundingMode,
): Tensor {
  return tidy(() => {
    const op = 'conv2dTranspose';
    const xt = floatInput(op, 'x', x);
    const ft = floatInput(op, 'filter', filter);
    checkRank(op, 'x', xt, [3, 4]);
    checkRank(op, 'filter', ft, [4], ' [filterHeight, filterWidth, outChannels, inChannels]');
    checkChannels(op, xt, xt.rank - 1, ft, 3);
    const okShape =
      Array.isArray(outputShape) &&
      outputShape.length === xt.rank &&
      outputShape.every((d) => Number.isInteger(d) && d > 0);
    if (!okShape)
      throw new ArgumentError(
        `${op}: outputShape must be ${xt.rank} positive integers (like x), received ${show(outputShape)}`,
      );
    const batched = xt.rank === 4;
    const x4 = batched ? xt : xt.expandDims(0);
    const out4: Shape = batched ? outputShape : [1, ...outputShape];
    if (out4[0] !== x4.shape[0])
      throw new ShapeError(
        `${op}: outputShape ${show(outputShape)} has batch ${out4[0]} but x has ${x4.shape[0]} (shape ${show(xt.shape)})`,
      );
    if (out4[3] !== ft.shape[2]) {
      throw new ShapeError(
        `${op}: outputShape ${show(outputShape)} has ${out4[3]} channels but the filter makes ${ft.shape[2]} (dimension 2 of filter shape ${show(ft.shape)})`,
      );
    }
    const st = toPair(op, 'strides', strides);
    const info = computeConv2DInfo(
      op,
      out4,
      ft.shape,
      st,
      checkPad(op, pad),
      [1, 1],
      checkRounding(op, dimRoundingMode),
    );
    if (info.outH !== x4.shape[1] || info.outW !== x4.shape[2]) {
      throw new ShapeError(
        `${op}: outputShape ${show(outputShape)} with strides ${show(st)} and pad ${show(pad)} corresponds to an input of ${info.outH}x${info.outW}, but x is ${x4.shape[1]}x${x4.shape[2]} (shape ${show(xt.shape)})`,
      );
    }
    const y = ENGINE.run1('conv2dBackpropInput', [x4, ft], { info });
    return batched ? y : y.squeeze([0]);
  });
}

/**
 * Depthwise 2-D convolution: each input channel is convolved with its own `multiplier` filters
 * (filter [fh, fw, inC, multiplier]); output channel c·multiplier + q.
 * @example nr.depthwiseConv2d(nr.ones([1, 4, 4, 3]), nr.ones([3, 3, 3, 2]), 1, 'same').shape // [1, 4, 4, 6]
 */
export function depthwiseConv2d(
  x: Operand,
  filter: Operand,
  strides: Pair,
  pad: PadType,
  dataFormat: DataFormat = 'NHWC',
  dilations: Pair | null = [1, 1],
  dimRoundingMode?: DimRoundingMode,
): Tensor {
  const fmt = checkFormat('depthwiseConv2d', dataFormat, ['NHWC', 'NCHW'] as const);
  return tidy(() =>
    runConv(
      'depthwiseConv2d',
      'depthwiseConv2d',
      x,
      filter,
      strides,
      pad,
      fmt,
      dilations,
      dimRoundingMode,
    ),
  );
}

/**
 * Depthwise convolution followed by a 1x1 pointwise convolution (filter [1, 1, inC·multiplier, outC]).
 * @example nr.separableConv2d(x, nr.ones([3, 3, 3, 2]), nr.ones([1, 1, 6, 8]), 1, 'same')
 */
export function separableConv2d(
  x: Operand,
  depthwiseFilter: Operand,
  pointwiseFilter: Operand,
  strides: Pair,
  pad: 'same' | 'valid' | number | ExplicitPadding,
  dilation: Pair = [1, 1],
  dataFormat: DataFormat = 'NHWC',
): Tensor {
  return tidy(() => {
    const op = 'separableConv2d';
    const fmt = checkFormat(op, dataFormat, ['NHWC', 'NCHW'] as const);
    const xt = floatInput(op, 'x', x);
    const dw = floatInput(op, 'depthwiseFilter', depthwiseFilter);
    const pw = floatInput(op, 'pointwiseFilter', pointwiseFilter);
    checkRank(op, 'x', xt, [3, 4]);
    checkRank(
      op,
      'depthwiseFilter',
      dw,
      [4],
      ' [filterHeight, filterWidth, inChannels, multiplier]',
    );
    checkRank(op, 'pointwiseFilter', pw, [4], ' [1, 1, inChannels * multiplier, outChannels]');
    // a 1x1 filter: "must be 1, but got 2" is tfjs's wording too
    for (const i of [0, 1])
      if (pw.shape[i] !== 1)
        throw new ShapeError(
          `${op}: pointwiseFilter.shape[${i}] must be 1, but got ${pw.shape[i]} (shape ${show(pw.shape)})`,
        );
    const mid = dw.shape[2] * dw.shape[3];
    if (pw.shape[2] !== mid) {
      throw new ShapeError(
        `${op}: pointwiseFilter.shape[2] (its input channels) must be ${mid}, but got ${pw.shape[2]}: the depthwise stage makes ${mid} channels (depthwiseFilter shape ${show(dw.shape)})`,
      );
    }
    const p = checkPad(op, pad, fmt);
    checkChannels(op, xt, fmt === 'NHWC' ? xt.rank - 1 : xt.rank - 3, dw, 2, 'depthwiseFilter');
    const { x4, back } = toNHWC(xt, fmt);
    const depth = runConv(op, 'depthwiseConv2d', x4, dw, strides, p, 'NHWC', dilation, undefined);
    return back(runConv(op, 'conv2d', depth, pw, 1, 'valid', 'NHWC', 1, undefined));
  });
}

const imageShape = (i: Conv2DInfo) => [i.batch, i.inH, i.inW, i.inC];
const outShape = (i: Conv2DInfo) => [i.batch, i.outH, i.outW, i.outC];

// Every conv primitive is bilinear in its two inputs, so each VJP is two of the other primitives:
// y = conv(x, w)               dx = backpropInput(dy, w),   dw = backpropFilter(x, dy)
// dx = backpropInput(dy, w)    d(dy) = conv(ddx, w),        dw = backpropFilter(ddx, dy)
// dw = backpropFilter(x, dy)   d(x) = backpropInput(dy, ddw), d(dy) = conv(x, ddw)
// (depthwise likewise with the depthwise primitives). So conv2dTranspose trains and grad(grad) works.
/** The six conv primitives' forwards and VJPs. @example ruleFor('conv2d').vjp */
export const convRules = {
  conv2d: {
    forward: (b, [x, w, bias], { info, activation = 'linear' }) => {
      return one(
        b.run('conv2d', bias ? [x, w, bias] : [x, w], { info, activation }),
        outShape(info),
        x.dtype,
      );
    },
    // with an epilogue y = act(conv + bias): dconv = act'(y)·dy from the output; dbias = dconv, which the
    // engine sums over batch and space to the bias' shape
    vjp: ([dy], [x, w, bias], [y], { info, activation = 'linear' }, needs) => {
      const dc = activationGrad(dy, y, activation);
      const grads = [
        needs[0] ? ENGINE.run1('conv2dBackpropInput', [dc, w], { info }) : null,
        needs[1] ? ENGINE.run1('conv2dBackpropFilter', [x, dc], { info }) : null,
      ];
      return bias ? [...grads, needs[2] ? dc : null] : grads;
    },
  },
  conv2dBackpropInput: {
    forward: (b, [dy, w], { info }) =>
      one(b.run('conv2dBackpropInput', [dy, w], { info }), imageShape(info), dy.dtype),
    vjp: ([ddx], [dy, w], _y, { info }) => [
      ENGINE.run1('conv2d', [ddx, w], { info }),
      ENGINE.run1('conv2dBackpropFilter', [ddx, dy], { info }),
    ],
  },
  conv2dBackpropFilter: {
    forward: (b, [x, dy], { info }) =>
      one(
        b.run('conv2dBackpropFilter', [x, dy], { info }),
        [info.filterH, info.filterW, info.inC, info.outC],
        x.dtype,
      ),
    vjp: ([ddw], [x, dy], _y, { info }) => [
      ENGINE.run1('conv2dBackpropInput', [dy, ddw], { info }),
      ENGINE.run1('conv2d', [x, ddw], { info }),
    ],
  },
  depthwiseConv2d: {
    forward: (b, [x, w], { info }) =>
      one(b.run('depthwiseConv2d', [x, w], { info }), outShape(info), x.dtype),
    vjp: ([dy], [x, w], _y, { info }, needs) => [
      needs[0] ? ENGINE.run1('depthwiseConv2dBackpropInput', [dy, w], { info }) : null,
      needs[1] ? ENGINE.run1('depthwiseConv2dBackpropFilter', [x, dy], { info }) : null,
    ],
  },
  depthwiseConv2dBackpropInput: {
    forward: (b, [dy, w], { info }) =>
      one(b.run('depthwiseConv2dBackpropInput', [dy, w], { info }), imageShape(info), dy.dtype),
    vjp: ([ddx], [dy, w], _y, { info }) => [
      ENGINE.run1('depthwiseConv2d', [ddx, w], { info }),
      ENGINE.run1('depthwiseConv2dBackpropFilter', [ddx, dy], { info }),
    ],
  },
  depthwiseConv2dBackpropFilter: {
    forward: (b, [x, dy], { info }) =>
      one(
        b.run('depthwiseConv2dBackpropFilter', [x, dy], { info }),
        [info.filterH, info.filterW, info.inC, info.channelMultiplier],
        x.dtype,
      ),
    vjp: ([ddw], [x, dy], _y, { info }) => [
      ENGINE.run1('depthwiseConv2dBackpropInput', [dy, ddw], { info }),
      ENGINE.run1('depthwiseConv2d', [x, ddw], { info }),
    ],
  },
} satisfies Pick<
  RuleTable,
  | 'conv2d'
  | 'conv2dBackpropInput'
  | 'conv2dBackpropFilter'
  | 'depthwiseConv2d'
  | 'depthwiseConv2dBackpropInput'
  | 'depthwiseConv2dBackpropFilter'
>;
