// Depthwise convolution layers: DepthwiseConv2D and SeparableConv2D (registered through conv.ts).
import { isFloatDType } from '../core/dtype.js';
import { type ConstraintIdentifier, getConstraint } from '../constraints/index.js';
import type { Config } from '../core/serialization.js';
import type { Tensor, Variable } from '../core/tensor.js';
import { getInitializer, type InitializerIdentifier } from '../initializers/index.js';
import {
  depthwiseConv2d as depthwiseConv2dOp,
  separableConv2d as separableConv2dOp,
} from '../ops/conv.js';
import { getRegularizer, type RegularizerIdentifier } from '../regularizers/index.js';
// NOTE: conv.ts imports this file too; only functions and classes used inside constructors and methods
// come from it, so either file may be loaded first.
import { positiveInt } from '../core/dtype.js';
import { ConvGeometry, type ConvGeometryArgs } from './conv_geometry.js';
import { single, specOf } from './core.js';
import { Layer, type LayerArgs, layerShapeError } from './layer.js';
import type { SymbolicShape } from './symbolic.js';

/** Options of `depthwiseConv2d`. */
export interface DepthwiseConv2DArgs extends LayerArgs, ConvGeometryArgs {
  /** Output channels per input channel; default 1. */
  depthMultiplier?: number;
  /** Default 'glorotUniform'. */
  depthwiseInitializer?: InitializerIdentifier;
  depthwiseRegularizer?: RegularizerIdentifier;
  depthwiseConstraint?: ConstraintIdentifier;
}

/** The options of a depthwise kernel as config entries. */
function depthwiseConfig(a: DepthwiseConv2DArgs): Config {
  return {
    depthwiseInitializer: specOf(
      getInitializer(a.depthwiseInitializer ?? 'glorotUniform'),
      'glorotUniform',
    ),
    depthwiseRegularizer: specOf(getRegularizer(a.depthwiseRegularizer), null),
    depthwiseConstraint: specOf(getConstraint(a.depthwiseConstraint), null),
  };
}

/** Creates a depthwise kernel [kh, kw, in, multiplier] under `name`. */
function addDepthwiseKernel(
  layer: Layer,
  name: string,
  g: ConvGeometry,
  a: DepthwiseConv2DArgs,
  channels: number,
  multiplier: number,
): Variable {
  return layer.addWeight(name, {
    shape: [...g.kernelSize, channels, multiplier],
    initializer: getInitializer(a.depthwiseInitializer ?? 'glorotUniform'),
    regularizer: getRegularizer(a.depthwiseRegularizer),
    constraint: getConstraint(a.depthwiseConstraint),
  });
}

const opFormat = (g: ConvGeometry) => (g.dataFormat === 'channelsLast' ? 'NHWC' : 'NCHW');
const opPadding = (g: ConvGeometry) => (g.padding === 'same' ? 'same' : 'valid');
const pair = (v: number[]): [number, number] => [v[0], v[1]];

/**
 * Depthwise 2-D convolution: each input channel is convolved with its own `depthMultiplier` filters, so
 * `in * depthMultiplier` output channels (channel c·multiplier + q). Kernel [kh, kw, in, multiplier].
 * @example nr.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same' })
 */
export class DepthwiseConv2D extends Layer {
  static readonly className = 'DepthwiseConv2D';
  readonly depthMultiplier: number;
  readonly geometry: ConvGeometry;
  private readonly dwArgs: DepthwiseConv2DArgs;
  kernel: Variable | null = null;
  bias: Variable | null = null;
  private inChannels: number | null = null;

  constructor(args: DepthwiseConv2DArgs) {
    super(args);
    this.geometry = new ConvGeometry(DepthwiseConv2D.className, 2, args);
    this.depthMultiplier = positiveInt(
      DepthwiseConv2D.className,
      'depthMultiplier',
      args.depthMultiplier ?? 1,
    );
    this.dwArgs = args;
    this.inputSpec = { rank: 4 };
  }

  override getClassName(): string {
    return DepthwiseConv2D.className;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = inputShape as SymbolicShape;
    const channels = this.geometry.inputChannels(this, shape);
    this.kernel = addDepthwiseKernel(
      this,
      'depthwise_kernel',
      this.geometry,
      this.dwArgs,
      channels,
      this.depthMultiplier,
    );
    this.bias = this.geometry.addBias(this, channels * this.depthMultiplier);
    this.inChannels = channels;
    this.inputSpec = this.geometry.inputSpec(channels);
    super.build(inputShape);
  }

  protected override assertInputCompatible(shape: readonly (number | null)[]): void {
    super.assertInputCompatible(shape);
    this.geometry.assertChannels(this, shape, this.inChannels);
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(this, inputs);
    if (!this.kernel || this.inChannels === null)
      throw layerShapeError(this, 'called before build');
    const g = this.geometry;
    const y = depthwiseConv2dOp(
      isFloatDType(x.dtype) ? x : x.cast('float32'),
      this.kernel,
      pair(g.strides),
      opPadding(g),
      opFormat(g),
      pair(g.dilationRate),
    );
    return g.finish(y, this.bias);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = inputShape as SymbolicShape;
    const c = shape[this.geometry.channelAxis];
    return this.geometry.outputShape(
      shape,
      c === null || c === undefined ? null : c * this.depthMultiplier,
    );
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      ...this.geometry.config(),
      depthMultiplier: this.depthMultiplier,
      ...depthwiseConfig(this.dwArgs),
    };
  }
}

/** Options of `separableConv2d`. */
export interface SeparableConv2DArgs extends DepthwiseConv2DArgs {
  /** Number of output channels (positive integer). */
  filters: number;
  /** Default 'glorotUniform'. */
  pointwiseInitializer?: InitializerIdentifier;
  pointwiseRegularizer?: RegularizerIdentifier;
  pointwiseConstraint?: ConstraintIdentifier;
}

/**
 * Depthwise-separable 2-D convolution: a depthwise convolution (kernel [kh, kw, in, multiplier]) followed
 * by a 1x1 convolution (kernel [1, 1, in·multiplier, filters]); far fewer weights than Conv2D.
 * @example nr.layers.separableConv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' })
 */
export class SeparableConv2D extends Layer {
  static readonly className = 'SeparableConv2D';
  readonly filters: number;
  readonly depthMultiplier: number;
  readonly geometry: ConvGeometry;
  private readonly sepArgs: SeparableConv2DArgs;
  depthwiseKernel: Variable | null = null;
  pointwiseKernel: Variable | null = null;
  bias: Variable | null = null;
  private inChannels: number | null = null;

  constructor(args: SeparableConv2DArgs) {
    super(args);
    const owner = SeparableConv2D.className;
    this.geometry = new ConvGeometry(owner, 2, args);
    this.filters = positiveInt(owner, 'filters', args.filters);
    this.depthMultiplier = positiveInt(owner, 'depthMultiplier', args.depthMultiplier ?? 1);
    this.sepArgs = args;
    this.inputSpec = { rank: 4 };
  }

  override getClassName(): string {
    return SeparableConv2D.className;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = inputShape as SymbolicShape;
    const channels = this.geometry.inputChannels(this, shape);
    const a = this.sepArgs;
    this.depthwiseKernel = addDepthwiseKernel(
      this,
      'depthwise_kernel',
      this.geometry,
      a,
      channels,
      this.depthMultiplier,
    );
    this.pointwiseKernel = this.addWeight('pointwise_kernel', {
      shape: [1, 1, channels * this.depthMultiplier, this.filters],
      initializer: getInitializer(a.pointwiseInitializer ?? 'glorotUniform'),
      regularizer: getRegularizer(a.pointwiseRegularizer),
      constraint: getConstraint(a.pointwiseConstraint),
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

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(this, inputs);
    if (!this.depthwiseKernel || !this.pointwiseKernel)
      throw layerShapeError(this, 'called before build');
    const g = this.geometry;
    const y = separableConv2dOp(
      isFloatDType(x.dtype) ? x : x.cast('float32'),
      this.depthwiseKernel,
      this.pointwiseKernel,
      pair(g.strides),
      opPadding(g),
      pair(g.dilationRate),
      opFormat(g),
    );
    return g.finish(y, this.bias);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return this.geometry.outputShape(inputShape as SymbolicShape, this.filters);
  }

  override getConfig(): Config {
    const a = this.sepArgs;
    return {
      ...super.getConfig(),
      filters: this.filters,
      ...this.geometry.config(),
      depthMultiplier: this.depthMultiplier,
      ...depthwiseConfig(a),
      pointwiseInitializer: specOf(
        getInitializer(a.pointwiseInitializer ?? 'glorotUniform'),
        'glorotUniform',
      ),
      pointwiseRegularizer: specOf(getRegularizer(a.pointwiseRegularizer), null),
      pointwiseConstraint: specOf(getConstraint(a.pointwiseConstraint), null),
    };
  }
}

/** A depthwise 2-D convolution layer. @example nr.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2 }) */
export const depthwiseConv2d = (args: DepthwiseConv2DArgs) => new DepthwiseConv2D(args);
/** A depthwise-separable 2-D convolution layer. @example nr.layers.separableConv2d({ filters: 32, kernelSize: 3 }) */
export const separableConv2d = (args: SeparableConv2DArgs) => new SeparableConv2D(args);
