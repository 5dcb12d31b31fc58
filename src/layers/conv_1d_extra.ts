// 1-D forms of the transposed, depthwise and separable convolutions, computed by the 2-D ops on [b, 1, steps, c].
import { isFloatDType } from '../core/dtype.js';
import { type ConstraintIdentifier, getConstraint } from '../constraints/index.js';
import { ArgumentError, show } from '../core/errors.js';
import { configAs, type Config } from '../core/serialization.js';
import type { Tensor, Variable } from '../core/tensor.js';
import { getInitializer, type InitializerIdentifier } from '../initializers/index.js';
import * as convOps from '../ops/conv.js';
import { getRegularizer, type RegularizerIdentifier } from '../regularizers/index.js';
import {
  type ConvArgs,
  ConvGeometry,
  type ConvGeometryArgs,
  deconvOutputLength,
  positiveInt,
  tupleOf,
} from './conv.js';
import { single, specOf } from './core.js';
import { Layer, type LayerArgs, type LayerClassEntry, layerShapeError } from './layer.js';
import type { SymbolicShape } from './symbolic.js';

/** [b, steps, c] (or [b, c, steps]) as a one-row image for the 2-D ops, always channels last. */
function toImage(g: ConvGeometry, x: Tensor): Tensor {
  const xf = isFloatDType(x.dtype) ? x : x.cast('float32');
  const last = g.dataFormat === 'channelsLast' ? xf : xf.transpose([0, 2, 1]);
  return last.reshape([last.shape[0], 1, last.shape[1], last.shape[2]]);
}

/** The one-row image result back to the layer's layout. */
function fromImage(g: ConvGeometry, y: Tensor): Tensor {
  const seq = y.reshape([y.shape[0], y.shape[2], y.shape[3]]);
  return g.dataFormat === 'channelsLast' ? seq : seq.transpose([0, 2, 1]);
}

/** Causal padding (Conv1D's 'causal'): pads the start so step t sees only inputs <= t; then 'valid'. */
function causalPad(g: ConvGeometry, img: Tensor): Tensor {
  if (g.padding !== 'causal') return img;
  const left = (g.kernelSize[0] - 1) * g.dilationRate[0];
  return img.pad([[0, 0], [0, 0], [left, 0], [0, 0]]);
}

const padOf = (g: ConvGeometry) => (g.padding === 'same' ? 'same' : 'valid');

/** Options of `conv1dTranspose`. */
export interface Conv1DTransposeArgs extends ConvArgs {
  /** Extra steps at the end of the output (< strides); default: Keras' output length. */
  outputPadding?: number | null;
}

/**
 * Transposed 1-D convolution (upsampling along steps). Kernel [kernelSize, filters, in] as in Keras;
 * output length `steps * strides` with 'same' padding.
 * @example nr.layers.conv1dTranspose({ filters: 8, kernelSize: 3, strides: 2, padding: 'same' })
 */
export class Conv1DTranspose extends Layer {
  static readonly className = 'Conv1DTranspose';
  readonly filters: number;
  readonly geometry: ConvGeometry;
  readonly outputPadding: number | null;
  kernel: Variable | null = null;
  bias: Variable | null = null;
  private readonly args: Conv1DTransposeArgs;

  constructor(args: Conv1DTransposeArgs) {
    super(args);
    const owner = Conv1DTranspose.className;
    this.geometry = new ConvGeometry(owner, 1, args);
    this.filters = positiveInt(owner, 'filters', args.filters);
    const g = this.geometry;
    if (g.padding === 'causal' || g.dilationRate[0] !== 1)
      throw new ArgumentError(
        `${owner}: padding must be 'valid' or 'same' and dilationRate 1, received padding=${show(g.padding)}, dilationRate=${show(g.dilationRate)}`,
      );
    const op = args.outputPadding;
    this.outputPadding =
      op === undefined || op === null ? null : tupleOf(owner, 'outputPadding', op, 1, 0)[0];
    if (this.outputPadding !== null && this.outputPadding >= g.strides[0])
      throw new ArgumentError(
        `${owner}: outputPadding must be smaller than strides, received outputPadding=${this.outputPadding}, strides=${g.strides[0]}`,
      );
    this.args = args;
    this.inputSpec = { rank: 3 };
  }
  override getClassName(): string {
    return Conv1DTranspose.className;
  }
  private length(steps: number | null): number | null {
    const g = this.geometry;
    return deconvOutputLength(steps, g.kernelSize[0], g.padding, g.strides[0], this.outputPadding);
  }
  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = inputShape as SymbolicShape;
    const channels = this.geometry.inputChannels(this, shape);
    const a = this.args;
    this.kernel = this.addWeight('kernel', {
      shape: [this.geometry.kernelSize[0], this.filters, channels],
      initializer: getInitializer(a.kernelInitializer ?? 'glorotUniform'),
      regularizer: getRegularizer(a.kernelRegularizer),
      constraint: getConstraint(a.kernelConstraint),
    });
    this.bias = this.geometry.addBias(this, this.filters);
    this.inputSpec = this.geometry.inputSpec(channels);
    super.build(inputShape);
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
    const g = this.geometry;
    if (!this.kernel) throw layerShapeError(this, 'called before build');
    const img = toImage(g, single(this, inputs));
    const out = this.length(img.shape[2]) as number;
    const k = this.kernel;
    const y = convOps.conv2dTranspose(
      img,
      k.reshape([1, ...k.shape]),
      [img.shape[0], 1, out, this.filters],
      [1, g.strides[0]],
      padOf(g),
    );
    return g.finish(fromImage(g, y), this.bias);
  }
  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = inputShape as SymbolicShape;
    const g = this.geometry;
    return g.withSpatial(shape, [this.length(g.spatial(shape)[0])], this.filters);
  }
  override getConfig(): Config {
    const a = this.args;
    return {
      ...super.getConfig(),
      filters: this.filters,
      ...this.geometry.config(),
      outputPadding: this.outputPadding,
      kernelInitializer: specOf(getInitializer(a.kernelInitializer ?? 'glorotUniform'), 'glorotUniform'),
      kernelRegularizer: specOf(getRegularizer(a.kernelRegularizer), null),
      kernelConstraint: specOf(getConstraint(a.kernelConstraint), null),
    };
  }
}

/** Options of `depthwiseConv1d`. */
export interface DepthwiseConv1DArgs extends LayerArgs, ConvGeometryArgs {
  /** Output channels per input channel; default 1. */
  depthMultiplier?: number;
  depthwiseInitializer?: InitializerIdentifier;
  depthwiseRegularizer?: RegularizerIdentifier;
  depthwiseConstraint?: ConstraintIdentifier;
}

/** Options of `separableConv1d`. */
export interface SeparableConv1DArgs extends DepthwiseConv1DArgs {
  /** Number of output channels. */
  filters: number;
  pointwiseInitializer?: InitializerIdentifier;
  pointwiseRegularizer?: RegularizerIdentifier;
  pointwiseConstraint?: ConstraintIdentifier;
}

/** DepthwiseConv1D and SeparableConv1D: a depthwise kernel [k, in, multiplier], and for the separable one a pointwise kernel. */
abstract class DepthwiseBase1D extends Layer {
  readonly geometry: ConvGeometry;
  readonly depthMultiplier: number;
  depthwiseKernel: Variable | null = null;
  bias: Variable | null = null;
  protected readonly dwArgs: DepthwiseConv1DArgs;
  constructor(args: DepthwiseConv1DArgs) {
    super(args);
    const owner = this.getClassName();
    this.geometry = new ConvGeometry(owner, 1, args);
    this.depthMultiplier = positiveInt(owner, 'depthMultiplier', args.depthMultiplier ?? 1);
    this.dwArgs = args;
    this.inputSpec = { rank: 3 };
  }
  /** Output channels for `channels` input channels. */
  protected abstract outChannels(channels: number | null): number | null;
  protected addDepthwise(channels: number): void {
    const a = this.dwArgs;
    this.depthwiseKernel = this.addWeight('depthwise_kernel', {
      shape: [this.geometry.kernelSize[0], channels, this.depthMultiplier],
      initializer: getInitializer(a.depthwiseInitializer ?? 'glorotUniform'),
      regularizer: getRegularizer(a.depthwiseRegularizer),
      constraint: getConstraint(a.depthwiseConstraint),
    });
  }
  protected depthwise(img: Tensor): Tensor {
    const g = this.geometry;
    const k = this.depthwiseKernel as Variable;
    return convOps.depthwiseConv2d(
      causalPad(g, img),
      k.reshape([1, ...k.shape]),
      [1, g.strides[0]],
      padOf(g),
      'NHWC',
      [1, g.dilationRate[0]],
    );
  }
  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = inputShape as SymbolicShape;
    return this.geometry.outputShape(shape, this.outChannels(shape[this.geometry.channelAxis] ?? null));
  }
  override getConfig(): Config {
    const a = this.dwArgs;
    return {
      ...super.getConfig(),
      ...this.geometry.config(),
      depthMultiplier: this.depthMultiplier,
      depthwiseInitializer: specOf(getInitializer(a.depthwiseInitializer ?? 'glorotUniform'), 'glorotUniform'),
      depthwiseRegularizer: specOf(getRegularizer(a.depthwiseRegularizer), null),
      depthwiseConstraint: specOf(getConstraint(a.depthwiseConstraint), null),
    };
  }
}

/**
 * Depthwise 1-D convolution: each input channel convolved with its own `depthMultiplier` filters
 * (output channel c·multiplier + q). Kernel [kernelSize, in, multiplier].
 * @example nr.layers.depthwiseConv1d({ kernelSize: 3, depthMultiplier: 2, padding: 'same' })
 */
export class DepthwiseConv1D extends DepthwiseBase1D {
  static readonly className = 'DepthwiseConv1D';
  override getClassName(): string {
    return DepthwiseConv1D.className;
  }
  protected outChannels(channels: number | null): number | null {
    return channels === null ? null : channels * this.depthMultiplier;
  }
  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = inputShape as SymbolicShape;
    const channels = this.geometry.inputChannels(this, shape);
    this.addDepthwise(channels);
    this.bias = this.geometry.addBias(this, channels * this.depthMultiplier);
    this.inputSpec = this.geometry.inputSpec(channels);
    super.build(inputShape);
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
    if (!this.depthwiseKernel) throw layerShapeError(this, 'called before build');
    const g = this.geometry;
    const y = this.depthwise(toImage(g, single(this, inputs)));
    return g.finish(fromImage(g, y), this.bias);
  }
}

/**
 * Depthwise-separable 1-D convolution: a depthwise convolution (kernel [k, in, multiplier]) then a pointwise
 * one (kernel [1, in·multiplier, filters]).
 * @example nr.layers.separableConv1d({ filters: 16, kernelSize: 5, padding: 'same', activation: 'relu' })
 */
export class SeparableConv1D extends DepthwiseBase1D {
  static readonly className = 'SeparableConv1D';
  readonly filters: number;
  pointwiseKernel: Variable | null = null;
  private readonly sepArgs: SeparableConv1DArgs;
  constructor(args: SeparableConv1DArgs) {
    super(args);
    this.filters = positiveInt(SeparableConv1D.className, 'filters', args.filters);
    this.sepArgs = args;
  }
  override getClassName(): string {
    return SeparableConv1D.className;
  }
  protected outChannels(): number {
    return this.filters;
  }
  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = inputShape as SymbolicShape;
    const channels = this.geometry.inputChannels(this, shape);
    const a = this.sepArgs;
    this.addDepthwise(channels);
    this.pointwiseKernel = this.addWeight('pointwise_kernel', {
      shape: [1, channels * this.depthMultiplier, this.filters],
      initializer: getInitializer(a.pointwiseInitializer ?? 'glorotUniform'),
      regularizer: getRegularizer(a.pointwiseRegularizer),
      constraint: getConstraint(a.pointwiseConstraint),
    });
    this.bias = this.geometry.addBias(this, this.filters);
    this.inputSpec = this.geometry.inputSpec(channels);
    super.build(inputShape);
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
    if (!this.depthwiseKernel || !this.pointwiseKernel)
      throw layerShapeError(this, 'called before build');
    const g = this.geometry;
    const d = this.depthwise(toImage(g, single(this, inputs)));
    const p = this.pointwiseKernel;
    const y = d.reshape([-1, p.shape[1]]).matMul(p.reshape([p.shape[1], p.shape[2]]));
    return g.finish(fromImage(g, y.reshape([d.shape[0], 1, d.shape[2], this.filters])), this.bias);
  }
  override getConfig(): Config {
    const a = this.sepArgs;
    return {
      ...super.getConfig(),
      filters: this.filters,
      pointwiseInitializer: specOf(getInitializer(a.pointwiseInitializer ?? 'glorotUniform'), 'glorotUniform'),
      pointwiseRegularizer: specOf(getRegularizer(a.pointwiseRegularizer), null),
      pointwiseConstraint: specOf(getConstraint(a.pointwiseConstraint), null),
    };
  }
}

/** A transposed 1-D convolution layer. @example nr.layers.conv1dTranspose({ filters: 4, kernelSize: 3, strides: 2 }) */
export const conv1dTranspose = (args: Conv1DTransposeArgs) => new Conv1DTranspose(args);
/** A depthwise 1-D convolution layer. @example nr.layers.depthwiseConv1d({ kernelSize: 3 }) */
export const depthwiseConv1d = (args: DepthwiseConv1DArgs) => new DepthwiseConv1D(args);
/** A depthwise-separable 1-D convolution layer. @example nr.layers.separableConv1d({ filters: 8, kernelSize: 3 }) */
export const separableConv1d = (args: SeparableConv1DArgs) => new SeparableConv1D(args);

/** Registry entries of this family. */
export const conv1dExtraLayers: LayerClassEntry[] = [
  ['Conv1DTranspose', (c) => new Conv1DTranspose(configAs<Conv1DTransposeArgs>(c))],
  ['DepthwiseConv1D', (c) => new DepthwiseConv1D(configAs<DepthwiseConv1DArgs>(c))],
  ['SeparableConv1D', (c) => new SeparableConv1D(configAs<SeparableConv1DArgs>(c))],
];
