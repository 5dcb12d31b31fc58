// tfjs' `fused` ops: matMul and conv2d with a bias + activation epilogue that backends run inside the kernel.
import type { FusedActivation } from '../backends/backend.js';
import type { TensorLike } from '../core/dtype.js';
import { ArgumentError, show } from '../core/errors.js';
import { tidy } from '../core/memory.js';
import type { Tensor } from '../core/tensor.js';
import {
  conv2dWith,
  type DataFormat,
  depthwiseConv2d,
  type DimRoundingMode,
  type PadType,
} from './conv.js';
import { toTensor } from './convert.js';
import { FUSED_ACTIVATIONS } from './fused_activation.js';
import { matMulWith } from './matmul.js';

type Operand = Tensor | TensorLike;

/** Activations `fused.matMul` / `fused.conv2d` accept: the fused ones, plus tfjs' elu/prelu/leakyrelu run unfused. */
export type FusableActivation = FusedActivation | 'elu' | 'prelu' | 'leakyrelu';

/** Options of `fused.matMul` (tfjs' names). */
export interface FusedMatMulArgs {
  a: Operand;
  b: Operand;
  transposeA?: boolean;
  transposeB?: boolean;
  /** Added to the product; a vector of the output's last dim is fused, any other broadcastable shape is added after. */
  bias?: Operand | null;
  /** Default 'linear'. */
  activation?: FusableActivation;
  /** prelu's slopes (broadcast to the output). */
  preluActivationWeights?: Operand;
  /** leakyrelu's negative slope. Default 0.2. */
  leakyreluAlpha?: number;
}

/** Options of `fused.conv2d` (tfjs' names); see `conv2d` for the geometry. */
export interface FusedConv2DArgs {
  x: Operand;
  filter: Operand;
  strides: number | readonly [number, number];
  pad: PadType;
  dataFormat?: DataFormat;
  dilations?: number | readonly [number, number];
  dimRoundingMode?: DimRoundingMode;
  /** One value per output channel (fused), or any shape broadcastable to the output (added after). */
  bias?: Operand | null;
  activation?: FusableActivation;
  preluActivationWeights?: Operand;
  leakyreluAlpha?: number;
}

/** Options of `fused.depthwiseConv2d` (tfjs' names); see `depthwiseConv2d` for the geometry. */
export type FusedDepthwiseConv2DArgs = FusedConv2DArgs;

const ACCEPTED: readonly string[] = [...FUSED_ACTIVATIONS, 'elu', 'prelu', 'leakyrelu'];

/** Splits the request into what the kernel fuses and what runs after it. */
function plan(
  op: string,
  bias: Operand | null | undefined,
  activation: string,
  channels: () => number,
): { fused: { bias: Tensor | null; activation: FusedActivation }; after: Tensor | null } {
  if (!ACCEPTED.includes(activation))
    throw new ArgumentError(
      `${op}: unknown activation ${show(activation)}; expected one of ${ACCEPTED.map((a) => `'${a}'`).join(', ')}`,
    );
  const act = (FUSED_ACTIVATIONS as readonly string[]).includes(activation)
    ? (activation as FusedActivation)
    : null;
  // tfjs passes null for "no bias"
  if (bias === undefined || bias === null)
    return { fused: { bias: null, activation: act ?? 'linear' }, after: null };
  const b = toTensor(bias, op, 'bias');
  // a bias along the last axis fuses; anything else (a full-shape bias, a scalar) is added after, and then
  // the activation must come after it too
  const vector = b.rank === 1 && b.size === channels();
  if (vector) return { fused: { bias: b, activation: act ?? 'linear' }, after: null };
  return { fused: { bias: null, activation: 'linear' }, after: b };
}

/** Applies what the kernel did not: a late bias, then an unfused activation. */
function finish(
  y: Tensor,
  after: Tensor | null,
  fusedActivation: FusedActivation,
  activation: string,
  prelu: Operand | undefined,
  alpha: number,
  unfused = false,
  nchw = false,
): Tensor {
  let out = after ? y.add(after) : y;
  // a late bias kept the fusable activation out of the kernel (or no kernel fused it): apply it now
  if ((after || unfused) && fusedActivation === 'linear' && activation !== 'linear') {
    if (activation === 'relu') out = out.relu();
    else if (activation === 'relu6') out = out.relu6();
    else if (activation === 'sigmoid') out = out.sigmoid();
    else if (activation === 'tanh') out = out.tanh();
  }
  if (activation === 'elu') out = out.elu();
  else if (activation === 'leakyrelu') out = out.leakyRelu(alpha);
  else if (activation === 'prelu') {
    if (prelu === undefined)
      throw new ArgumentError('fused: activation prelu needs preluActivationWeights');
    const w = toTensor(prelu, 'fused', 'preluActivationWeights');
    // per-channel weights line up with the channel axis: last in NHWC, axis 1 in NCHW
    out = out.prelu(nchw && w.rank === 1 ? w.reshape([-1, 1, 1]) : w);
  }
  return out;
}

/**
 * Ops with a fused bias + activation epilogue (tfjs' `tf.fused`): one kernel computes act(a·b + bias),
 * saving two passes over the output, and the gradient flows to a, b and the bias.
 * @example nr.fused.matMul({ a: x, b: w, bias, activation: 'relu' })
 */
export const fused = {
  /**
   * act(op(a) · op(b) + bias). Linear, relu, relu6, sigmoid and tanh are fused; elu, prelu, leakyrelu run
   * after the kernel.
   * @example nr.fused.matMul({ a: nr.ones([2, 3]), b: nr.ones([3, 4]), bias: nr.ones([4]), activation: 'relu' })
   */
  matMul(args: FusedMatMulArgs): Tensor {
    const { a, b, transposeA = false, transposeB = false, activation = 'linear' } = args;
    return tidy(() => {
      const bt = toTensor(b, 'fused.matMul', 'b');
      const n = () => (transposeB ? bt.shape[bt.rank - 2] : bt.shape[bt.rank - 1]);
      const p = plan('fused.matMul', args.bias, activation, n);
      const y = matMulWith(a, bt, transposeA, transposeB, p.fused);
      const alpha = args.leakyreluAlpha ?? 0.2;
      return finish(y, p.after, p.fused.activation, activation, args.preluActivationWeights, alpha);
    });
  },
  /**
   * act(conv2d(x, filter) + bias), the bias one value per output channel.
   * @example nr.fused.conv2d({ x, filter, strides: 1, pad: 'same', bias, activation: 'relu' })
   */
  conv2d(args: FusedConv2DArgs): Tensor {
    const { x, filter, strides, pad, activation = 'linear' } = args;
    return tidy(() => {
      const ft = toTensor(filter, 'fused.conv2d', 'filter');
      const p = plan('fused.conv2d', args.bias, activation, () => ft.shape[3]);
      const format = args.dataFormat ?? 'NHWC';
      const y = conv2dWith(
        x,
        ft,
        strides,
        pad,
        format,
        args.dilations ?? [1, 1],
        args.dimRoundingMode,
        p.fused,
      );
      const alpha = args.leakyreluAlpha ?? 0.2;
      const prelu = args.preluActivationWeights;
      const nchw = format === 'NCHW';
      return finish(y, p.after, p.fused.activation, activation, prelu, alpha, false, nchw);
    });
  },
  /**
   * act(depthwiseConv2d(x, filter) + bias), the bias one value per output channel (inC·multiplier).
   * Composed: the depthwise kernel, then the bias and the activation as ops.
   * @example nr.fused.depthwiseConv2d({ x, filter, strides: 1, pad: 'same', bias, activation: 'relu' })
   */
  depthwiseConv2d(args: FusedDepthwiseConv2DArgs): Tensor {
    const { x, filter, strides, pad, activation = 'linear' } = args;
    const op = 'fused.depthwiseConv2d';
    return tidy(() => {
      const ft = toTensor(filter, op, 'filter');
      const format = args.dataFormat ?? 'NHWC';
      // plan() validates the activation; with no fused kernel, its bias and activation all run after
      const p = plan(op, args.bias, activation, () => ft.shape[2] * ft.shape[3]);
      const y = depthwiseConv2d(
        x,
        ft,
        strides,
        pad,
        format,
        args.dilations ?? [1, 1],
        args.dimRoundingMode,
      );
      let bias = p.fused.bias ?? p.after;
      // a per-channel bias lines up with the channel axis: last in NHWC, axis 1 in NCHW
      if (bias && format === 'NCHW' && bias.rank === 1) bias = bias.reshape([-1, 1, 1]);
      const withBias = bias ? y.add(bias) : y;
      const alpha = args.leakyreluAlpha ?? 0.2;
      // no kernel applied the activation: finish() applies it, whichever it is
      const prelu = args.preluActivationWeights;
      return finish(withBias, null, 'linear', activation, prelu, alpha, true, format === 'NCHW');
    });
  },
};
