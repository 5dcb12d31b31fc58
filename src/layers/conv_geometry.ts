// The options every conv-like layer shares (data format, padding, strides, dilation, bias): parsed and applied once.
import { getActivation, serializeActivation, type ActivationFn } from '../activations/index.js';
import { type ConstraintIdentifier, getConstraint } from '../constraints/index.js';
import { ArgumentError, show } from '../core/errors.js';
import type { Config } from '../core/serialization.js';
import type { Tensor, Variable } from '../core/tensor.js';
import { getInitializer, type InitializerIdentifier } from '../initializers/index.js';
import { getRegularizer, type RegularizerIdentifier } from '../regularizers/index.js';
import { specOf } from './core.js';
import { type Layer, layerShapeError } from './layer.js';
import { formatShape, type SymbolicShape } from './symbolic.js';

/** Where the channels of an image batch are: last (`[b, h, w, c]`, default) or first (`[b, c, h, w]`). */
export type DataFormat = 'channelsLast' | 'channelsFirst';
/** Padding of a conv or pooling window: none ('valid'), output as long as the input ('same'), or left-only ('causal', Conv1D). */
export type PaddingMode = 'valid' | 'same' | 'causal';

/**
 * A layer's data format from tfjs ('channelsLast') or Keras ('channels_last') spelling; default channels last.
 * @example dataFormatOf('Conv2D', 'channels_first') // 'channelsFirst'
 */
export function dataFormatOf(owner: string, v: unknown): DataFormat {
  if (v === undefined || v === null || v === 'channelsLast' || v === 'channels_last')
    return 'channelsLast';
  if (v === 'channelsFirst' || v === 'channels_first') return 'channelsFirst';
  throw new ArgumentError(
    `${owner}: dataFormat must be 'channelsLast' or 'channelsFirst', received ${show(v)}`,
  );
}

/**
 * `n` integers >= `min` from one number or an array of `n`, as Keras' standardize_tuple.
 * @example tupleOf('Conv2D', 'kernelSize', 3, 2) // [3, 3]
 */
export function tupleOf(owner: string, arg: string, v: unknown, n: number, min = 1): number[] {
  const ok = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= min;
  if (ok(v)) return Array<number>(n).fill(v);
  if (Array.isArray(v) && v.length === n && v.every(ok)) return v.slice();
  const what = min === 0 ? 'a non-negative integer' : 'a positive integer';
  throw new ArgumentError(
    `${owner}: ${arg} must be ${what} or an array of ${n} of them, received ${show(v)}`,
  );
}

/** 'valid' or 'same' (and 'causal' where allowed), case-insensitive as in Keras. @example paddingOf('Conv2D', 'SAME', false) // 'same' */
export function paddingOf(owner: string, v: unknown, allowCausal: boolean): PaddingMode {
  const lower = typeof v === 'string' ? v.toLowerCase() : v;
  const p = v === undefined ? 'valid' : lower;
  if (p === 'valid' || p === 'same' || (allowCausal && p === 'causal')) return p;
  throw new ArgumentError(
    `${owner}: padding must be ${allowCausal ? "'valid', 'same' or 'causal'" : "'valid' or 'same'"}, received ${show(v)}`,
  );
}

/**
 * Output length of a conv or pooling window along one axis (Keras' conv_output_length); null stays null.
 * @example convOutputLength(28, 3, 'same', 2, 1) // 14
 */
export function convOutputLength(
  length: number | null,
  kernel: number,
  padding: PaddingMode,
  stride: number,
  dilation: number,
): number | null {
  if (length === null) return null;
  const span = (kernel - 1) * dilation + 1;
  const out = padding === 'valid' ? length - span + 1 : length;
  return Math.max(0, Math.ceil(out / stride));
}

/** The options shared by convolution layers (the kernel options live on each layer). */
export interface ConvGeometryArgs {
  /** Size of the window: one number for every spatial axis, or one per axis. */
  kernelSize: number | number[];
  /** Step of the window; default 1. */
  strides?: number | number[];
  /** 'valid' (default) or 'same'; Conv1D also takes 'causal'. */
  padding?: PaddingMode;
  /** 'channelsLast' (default) or 'channelsFirst'; Keras' 'channels_last' is accepted. */
  dataFormat?: DataFormat | 'channels_last' | 'channels_first';
  /** Spacing of the kernel taps (atrous convolution); default 1. Cannot exceed 1 together with strides. */
  dilationRate?: number | number[];
  /** Activation name or function; default linear. */
  activation?: string | ActivationFn;
  /** Whether to add a bias. Default true. */
  useBias?: boolean;
  biasInitializer?: InitializerIdentifier;
  biasRegularizer?: RegularizerIdentifier;
  biasConstraint?: ConstraintIdentifier;
}

/**
 * The validated geometry of a convolution (window, strides, padding, layout, activation, bias), with the
 * shape rules and the bias-and-activation epilogue every conv layer shares.
 * @example const g = new ConvGeometry('Conv2D', 2, { kernelSize: 3, padding: 'same' }); g.outputShape([null, 28, 28, 1], 8)
 */
export class ConvGeometry {
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: PaddingMode;
  readonly dataFormat: DataFormat;
  readonly dilationRate: number[];
  readonly activation: ActivationFn;
  readonly useBias: boolean;

  constructor(
    readonly owner: string,
    readonly rank: number,
    readonly args: ConvGeometryArgs,
  ) {
    if (args === null || typeof args !== 'object')
      throw new ArgumentError(`${owner}: expected an options object, received ${show(args)}`);
    this.kernelSize = tupleOf(owner, 'kernelSize', args.kernelSize, rank);
    this.strides = tupleOf(owner, 'strides', args.strides ?? 1, rank);
    this.padding = paddingOf(owner, args.padding, rank === 1);
    this.dataFormat = dataFormatOf(owner, args.dataFormat);
    this.dilationRate = tupleOf(owner, 'dilationRate', args.dilationRate ?? 1, rank);
    if (Math.max(...this.strides) > 1 && Math.max(...this.dilationRate) > 1) {
      throw new ArgumentError(
        `${owner}: strides > 1 cannot be combined with dilationRate > 1, received strides=${show(this.strides)} and dilationRate=${show(this.dilationRate)}`,
      );
    }
    this.activation = getActivation(args.activation ?? 'linear');
    this.useBias = args.useBias ?? true;
    if (typeof this.useBias !== 'boolean')
      throw new ArgumentError(
        `${owner}: useBias must be a boolean, received ${show(args.useBias)}`,
      );
  }

  /** Axis of the channels in a batch of rank `rank + 2`. */
  get channelAxis(): number {
    return this.dataFormat === 'channelsLast' ? this.rank + 1 : 1;
  }

  /** The spatial dimensions of an input shape. */
  spatial(shape: SymbolicShape): (number | null)[] {
    return this.dataFormat === 'channelsLast' ? shape.slice(1, -1) : shape.slice(2);
  }

  /** The (known) channel count of an input, checking its rank first. */
  inputChannels(layer: Layer, shape: SymbolicShape): number {
    if (shape.length !== this.rank + 2)
      throw layerShapeError(
        layer,
        `expected input of rank ${this.rank + 2}, received shape ${formatShape(shape)}`,
      );
    const c = shape[this.channelAxis];
    if (c === null || c === undefined)
      throw layerShapeError(
        layer,
        `the channel dimension (axis ${this.channelAxis}) of the input must be known, received shape ${formatShape(shape)}`,
      );
    return c;
  }

  /** Checks the channel dimension of an input on every call. */
  assertChannels(layer: Layer, shape: readonly (number | null)[], channels: number | null): void {
    const c = shape[this.channelAxis];
    if (this.dataFormat === 'channelsFirst' && channels !== null && c !== null && c !== channels) {
      throw layerShapeError(
        layer,
        `expected input with channel dimension (axis 1) ${channels}, received shape ${formatShape(shape.slice())}`,
      );
    }
  }

  /** The input spec set in build: rank, and the last dimension when channels are last. */
  inputSpec(channels: number): { rank: number; lastDim?: number } {
    return this.dataFormat === 'channelsLast'
      ? { rank: this.rank + 2, lastDim: channels }
      : { rank: this.rank + 2 };
  }

  /** Output shape for `outChannels` channels and the given spatial sizes. */
  withSpatial(
    shape: SymbolicShape,
    spatial: (number | null)[],
    outChannels: number | null,
  ): SymbolicShape {
    return this.dataFormat === 'channelsLast'
      ? [shape[0], ...spatial, outChannels]
      : [shape[0], outChannels, ...spatial];
  }

  /** Output shape of a (forward) convolution. */
  outputShape(shape: SymbolicShape, outChannels: number | null): SymbolicShape {
    const spatial = this.spatial(shape).map((d, i) =>
      convOutputLength(d, this.kernelSize[i], this.padding, this.strides[i], this.dilationRate[i]),
    );
    return this.withSpatial(shape, spatial, outChannels);
  }

  /** Creates the bias weight, if any, for `units` output channels. */
  addBias(layer: Layer, units: number): Variable | null {
    if (!this.useBias) return null;
    const a = this.args;
    return layer.addWeight('bias', {
      shape: [units],
      initializer: getInitializer(a.biasInitializer ?? 'zeros'),
      regularizer: getRegularizer(a.biasRegularizer),
      constraint: getConstraint(a.biasConstraint),
    });
  }

  /** bias add (on the channel axis) and activation. */
  finish(y: Tensor, bias: Variable | null): Tensor {
    let out = y;
    if (bias)
      out =
        this.dataFormat === 'channelsLast'
          ? out.add(bias)
          : out.add(bias.reshape([bias.size, ...Array<number>(this.rank).fill(1)]));
    return this.activation(out);
  }

  /** The shared part of the config. */
  config(): Config {
    const a = this.args;
    return {
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      dataFormat: this.dataFormat,
      dilationRate: this.dilationRate,
      activation: serializeActivation(this.activation),
      useBias: this.useBias,
      biasInitializer: specOf(getInitializer(a.biasInitializer ?? 'zeros'), 'zeros'),
      biasRegularizer: specOf(getRegularizer(a.biasRegularizer), null),
      biasConstraint: specOf(getConstraint(a.biasConstraint), null),
    };
  }
}
