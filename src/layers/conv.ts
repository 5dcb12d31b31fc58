// Convolution layers Conv1D, Conv2D, Conv2DTranspose, and the conv options every conv-like layer shares.
import { isFloatDType, positiveInt } from '../core/dtype.js';
import {
  fusedActivationOf,
  getActivation,
  serializeActivation,
  type ActivationFn,
} from '../activations/index.js';
import type { FusedActivation } from '../backends/backend.js';
import { type ConstraintIdentifier, getConstraint } from '../constraints/index.js';
import { ArgumentError, show } from '../core/errors.js';
import { configAs, type Config } from '../core/serialization.js';
import type { Tensor, Variable } from '../core/tensor.js';
import { getInitializer, type InitializerIdentifier } from '../initializers/index.js';
import * as convOps from '../ops/conv.js';
import { getRegularizer, type RegularizerIdentifier } from '../regularizers/index.js';
import { single, specOf } from './core.js';
import {
  DepthwiseConv2D,
  type DepthwiseConv2DArgs,
  SeparableConv2D,
  type SeparableConv2DArgs,
} from './conv_depthwise.js';
import { Layer, type LayerArgs, type LayerClassEntry, layerShapeError } from './layer.js';
import { formatShape, type SymbolicShape } from './symbolic.js';
import {
  ConvGeometry,
  convOutputLength,
  type ConvGeometryArgs,
  type DataFormat,
  dataFormatOf,
  type PaddingMode,
  paddingOf,
  tupleOf,
} from './conv_geometry.js';

export {
  DepthwiseConv2D,
  SeparableConv2D,
  depthwiseConv2d,
  separableConv2d,
} from './conv_depthwise.js';
export type { DepthwiseConv2DArgs, SeparableConv2DArgs } from './conv_depthwise.js';
export {
  ConvGeometry,
  convOutputLength,
  dataFormatOf,
  paddingOf,
  tupleOf,
  type ConvGeometryArgs,
  type DataFormat,
  type PaddingMode,
} from './conv_geometry.js';
export { positiveInt } from '../core/dtype.js';

/** Options of `conv1d`, `conv2d` and `conv2dTranspose`. */
export interface ConvArgs extends LayerArgs, ConvGeometryArgs {
  /** Number of output channels (positive integer). */
  filters: number;
  /** Default 'glorotUniform'. */
  kernelInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier;
  kernelConstraint?: ConstraintIdentifier;
}

/**
 * Base of Conv1D, Conv2D and Conv2DTranspose (Keras' BaseConv): a kernel [...window, in, filters] and an
 * optional bias, built for the input's channel count.
 * @example class MyConv extends BaseConv { ... }
 */
export abstract class BaseConv extends Layer {
  readonly filters: number;
  readonly geometry: ConvGeometry;
  protected readonly convArgs: ConvArgs;
  kernel: Variable | null = null;
  bias: Variable | null = null;
  /** Channel count fixed by build. */
  protected inChannels: number | null = null;

  constructor(rank: number, args: ConvArgs) {
    super(args);
    const owner = this.getClassName();
    this.geometry = new ConvGeometry(owner, rank, args);
    this.filters = positiveInt(owner, 'filters', args.filters);
    this.convArgs = args;
    this.inputSpec = { rank: rank + 2 };
  }

  /** The kernel's shape for `inChannels` input channels. */
  protected kernelShape(inChannels: number): number[] {
    return [...this.geometry.kernelSize, inChannels, this.filters];
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = inputShape as SymbolicShape;
    const channels = this.geometry.inputChannels(this, shape);
    const a = this.convArgs;
    this.kernel = this.addWeight('kernel', {
      shape: this.kernelShape(channels),
      initializer: getInitializer(a.kernelInitializer ?? 'glorotUniform'),
      regularizer: getRegularizer(a.kernelRegularizer),
      constraint: getConstraint(a.kernelConstraint),
    });
    this.bias = this.geometry.addBias(this, this.filters);
    this.inChannels = channels;
    this.inputSpec = this.geometry.inputSpec(channels);
    super.build(inputShape);
  }

  protected override assertInputCompatible(shape: readonly (number | null)[]): void {
    super.assertInputCompatible(shape);
    this.geometry.assertChannels(this, shape, this.inChannels);
  }

  /** The convolution itself, before bias and activation. */
  protected abstract convolve(x: Tensor, kernel: Variable): Tensor;

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(this, inputs);
    if (!this.kernel) throw layerShapeError(this, 'called before build');
    const xf = isFloatDType(x.dtype) ? x : x.cast('float32');
    const act = fusedActivationOf(this.geometry.activation);
    const fusedY = act ? this.convolveFused(xf, this.kernel, this.bias, act) : null;
    return fusedY ?? this.geometry.finish(this.convolve(xf, this.kernel), this.bias);
  }

  /** The convolution with bias and activation fused into its kernel, where the op has such a form. */
  protected convolveFused(
    _x: Tensor,
    _kernel: Variable,
    _bias: Variable | null,
    _activation: FusedActivation,
  ): Tensor | null {
    return null;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return this.geometry.outputShape(inputShape as SymbolicShape, this.filters);
  }

  override getConfig(): Config {
    const a = this.convArgs;
    return {
      ...super.getConfig(),
      filters: this.filters,
      ...this.geometry.config(),
      kernelInitializer: specOf(
        getInitializer(a.kernelInitializer ?? 'glorotUniform'),
        'glorotUniform',
      ),
      kernelRegularizer: specOf(getRegularizer(a.kernelRegularizer), null),
      kernelConstraint: specOf(getConstraint(a.kernelConstraint), null),
    };
  }
}

/**
 * 1-D convolution over [batch, steps, channels] (or [batch, channels, steps] with channelsFirst); kernel
 * [kernelSize, in, filters]. 'causal' padding pads only the start, so output t sees inputs <= t.
 * @example nr.layers.conv1d({ filters: 16, kernelSize: 3, padding: 'causal', dilationRate: 2 })
 */
export class Conv1D extends BaseConv {
  static readonly className = 'Conv1D';
  constructor(args: ConvArgs) {
    super(1, args);
  }
  override getClassName(): string {
    return Conv1D.className;
  }
  protected convolve(x: Tensor, kernel: Variable): Tensor {
    const g = this.geometry;
    const fmt = g.dataFormat === 'channelsLast' ? 'NWC' : 'NCW';
    if (g.padding !== 'causal')
      return convOps.conv1d(x, kernel, g.strides[0], g.padding, fmt, g.dilationRate[0]);
    const left = (g.kernelSize[0] - 1) * g.dilationRate[0];
    const pads: [number, number][] = [
      [0, 0],
      [0, 0],
      [0, 0],
    ];
    pads[g.dataFormat === 'channelsLast' ? 1 : 2] = [left, 0];
    return convOps.conv1d(x.pad(pads), kernel, g.strides[0], 'valid', fmt, g.dilationRate[0]);
  }
}

/**
 * 2-D convolution over images [batch, h, w, channels] (or channels first); kernel [kh, kw, in, filters].
 * @example nr.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] })
 */
export class Conv2D extends BaseConv {
  static readonly className = 'Conv2D';
  constructor(args: ConvArgs) {
    super(2, args);
  }
  override getClassName(): string {
    return Conv2D.className;
  }
  protected convolve(x: Tensor, kernel: Variable): Tensor {
    return this.conv2d(x, kernel);
  }
  protected override convolveFused(
    x: Tensor,
    kernel: Variable,
    bias: Variable | null,
    activation: FusedActivation,
  ): Tensor {
    return this.conv2d(x, kernel, { bias, activation });
  }
  private conv2d(
    x: Tensor,
    kernel: Variable,
    epilogue?: { bias: Variable | null; activation: FusedActivation },
  ): Tensor {
    const g = this.geometry;
    const [sh, sw] = g.strides;
    const [dh, dw] = g.dilationRate;
    return convOps.conv2dWith(
      x,
      kernel,
      [sh, sw],
      g.padding === 'same' ? 'same' : 'valid',
      g.dataFormat === 'channelsLast' ? 'NHWC' : 'NCHW',
      [dh, dw],
      undefined,
      epilogue,
    );
  }
}

/** Options of `conv2dTranspose`. */
export interface Conv2DTransposeArgs extends ConvArgs {
  /** Extra rows/columns at the end of the output (each < its stride); default: Keras' output size. */
  outputPadding?: number | number[] | null;
}

/**
 * Output length of a transposed convolution (Keras' deconv_output_length, dilation 1).
 * @example deconvOutputLength(7, 3, 'same', 2, null) // 14
 */
export function deconvOutputLength(
  length: number | null,
  kernel: number,
  padding: PaddingMode,
  stride: number,
  outputPadding: number | null,
): number | null {
  if (length === null) return null;
  if (outputPadding === null)
    return padding === 'same' ? length * stride : length * stride + Math.max(kernel - stride, 0);
  const pad = padding === 'same' ? Math.floor(kernel / 2) : 0;
  return (length - 1) * stride + kernel - 2 * pad + outputPadding;
}

/**
 * Transposed 2-D convolution ("deconvolution"): the gradient of a Conv2D with respect to its input, used
 * to upsample. Kernel [kh, kw, filters, in] as in Keras; output size `in * stride` with 'same' padding.
 * @example nr.layers.conv2dTranspose({ filters: 16, kernelSize: 3, strides: 2, padding: 'same' })
 */
export class Conv2DTranspose extends BaseConv {
  static readonly className = 'Conv2DTranspose';
  readonly outputPadding: number[] | null;
  constructor(args: Conv2DTransposeArgs) {
    super(2, args);
    const g = this.geometry;
    if (g.dilationRate.some((d) => d !== 1))
      throw new ArgumentError(
        `Conv2DTranspose: dilationRate other than 1 is not supported, received ${show(g.dilationRate)}`,
      );
    this.outputPadding =
      args.outputPadding === undefined || args.outputPadding === null
        ? null
        : tupleOf('Conv2DTranspose', 'outputPadding', args.outputPadding, 2, 0);
    this.outputPadding?.forEach((p, i) => {
      if (p >= g.strides[i])
        throw new ArgumentError(
          `Conv2DTranspose: outputPadding must be smaller than strides, received outputPadding=${show(this.outputPadding)} and strides=${show(g.strides)}`,
        );
    });
  }
  override getClassName(): string {
    return Conv2DTranspose.className;
  }
  protected override kernelShape(inChannels: number): number[] {
    return [...this.geometry.kernelSize, this.filters, inChannels];
  }
  private spatialOut(spatial: (number | null)[]): (number | null)[] {
    const g = this.geometry;
    return spatial.map((d, i) =>
      deconvOutputLength(
        d,
        g.kernelSize[i],
        g.padding,
        g.strides[i],
        this.outputPadding?.[i] ?? null,
      ),
    );
  }
  protected convolve(x: Tensor, kernel: Variable): Tensor {
    const g = this.geometry;
    // the op is channels-last only: move channels around it
    const nhwc = g.dataFormat === 'channelsLast' ? x : x.transpose([0, 2, 3, 1]);
    const [oh, ow] = this.spatialOut([nhwc.shape[1], nhwc.shape[2]]) as number[];
    const [sh, sw] = g.strides;
    const y = convOps.conv2dTranspose(
      nhwc,
      kernel,
      [nhwc.shape[0], oh, ow, this.filters],
      [sh, sw],
      g.padding === 'same' ? 'same' : 'valid',
    );
    return g.dataFormat === 'channelsLast' ? y : y.transpose([0, 3, 1, 2]);
  }
  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = inputShape as SymbolicShape;
    return this.geometry.withSpatial(
      shape,
      this.spatialOut(this.geometry.spatial(shape)),
      this.filters,
    );
  }
  override getConfig(): Config {
    return { ...super.getConfig(), outputPadding: this.outputPadding };
  }
}

/** A 1-D convolution layer. @example nr.layers.conv1d({ filters: 8, kernelSize: 5 }) */
export const conv1d = (args: ConvArgs) => new Conv1D(args);
/** A 2-D convolution layer. @example nr.layers.conv2d({ filters: 32, kernelSize: [3, 3], strides: 2, padding: 'same' }) */
export const conv2d = (args: ConvArgs) => new Conv2D(args);
/** A transposed 2-D convolution layer. @example nr.layers.conv2dTranspose({ filters: 8, kernelSize: 4, strides: 2, padding: 'same' }) */
export const conv2dTranspose = (args: Conv2DTransposeArgs) => new Conv2DTranspose(args);

/** Registry entries of this family (the depthwise ones come from conv_depthwise.ts). */
export const convLayers: LayerClassEntry[] = [
  ['Conv1D', (c) => new Conv1D(configAs<ConvArgs>(c))],
  ['Conv2D', (c) => new Conv2D(configAs<ConvArgs>(c))],
  ['Conv2DTranspose', (c) => new Conv2DTranspose(configAs<Conv2DTransposeArgs>(c))],
  ['DepthwiseConv2D', (c) => new DepthwiseConv2D(configAs<DepthwiseConv2DArgs>(c))],
  ['SeparableConv2D', (c) => new SeparableConv2D(configAs<SeparableConv2DArgs>(c))],
];
