// Reshaping layers over steps: UpSampling1D, ZeroPadding1D, Cropping1D (inputs [batch, steps, features]).
import { ArgumentError, show } from '../core/errors.js';
import { configAs, type Config } from '../core/serialization.js';
import type { Tensor } from '../core/tensor.js';
import { positiveInt, tupleOf } from './conv.js';
import { single } from './core.js';
import { Layer, type LayerArgs, type LayerClassEntry, layerShapeError } from './layer.js';
import { formatShape, type SymbolicShape } from './symbolic.js';

/** Reads n (both ends) or [start, end]. */
function ends(owner: string, arg: string, v: unknown): [number, number] {
  if (typeof v !== 'number' && !Array.isArray(v))
    throw new ArgumentError(`${owner}: ${arg} must be n or [start, end], received ${show(v)}`);
  const [a, b] = tupleOf(owner, arg, v, 2, 0);
  return [a, b];
}

/** Options of `upSampling1d`. */
export interface UpSampling1DArgs extends LayerArgs {
  /** How many times each step is repeated. Default 2. */
  size?: number;
}

/**
 * Repeats each step `size` times: [b, steps, f] -> [b, steps·size, f].
 * @example nr.layers.upSampling1d({ size: 2 })
 */
export class UpSampling1D extends Layer {
  static readonly className = 'UpSampling1D';
  readonly size: number;
  constructor(args: UpSampling1DArgs = {}) {
    super(args);
    this.size = positiveInt(UpSampling1D.className, 'size', args.size ?? 2);
    this.inputSpec = { rank: 3 };
  }
  override getClassName(): string {
    return UpSampling1D.className;
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(this, inputs);
    const [b, steps, f] = x.shape;
    // [b, steps, 1, f] tiled along the new axis, then steps and copies merged
    return x
      .reshape([b, steps, 1, f])
      .tile([1, 1, this.size, 1])
      .reshape([b, steps * this.size, f]);
  }
  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const [b, steps, f] = inputShape as SymbolicShape;
    return [b, steps === null ? null : steps * this.size, f];
  }
  override getConfig(): Config {
    return { ...super.getConfig(), size: this.size };
  }
}

/** Options of `zeroPadding1d`. */
export interface ZeroPadding1DArgs extends LayerArgs {
  /** Zero steps to add: n at both ends, or [start, end]. Default 1. */
  padding?: number | [number, number];
}

/**
 * Adds zero steps at the start and end of sequences.
 * @example nr.layers.zeroPadding1d({ padding: [2, 0] })
 */
export class ZeroPadding1D extends Layer {
  static readonly className = 'ZeroPadding1D';
  readonly padding: [number, number];
  constructor(args: ZeroPadding1DArgs = {}) {
    super(args);
    this.padding = ends(ZeroPadding1D.className, 'padding', args.padding ?? 1);
    this.inputSpec = { rank: 3 };
  }
  override getClassName(): string {
    return ZeroPadding1D.className;
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
    return single(this, inputs).pad([[0, 0], this.padding, [0, 0]]);
  }
  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const [b, steps, f] = inputShape as SymbolicShape;
    return [b, steps === null ? null : steps + this.padding[0] + this.padding[1], f];
  }
  override getConfig(): Config {
    return { ...super.getConfig(), padding: this.padding };
  }
}

/** Options of `cropping1d`. */
export interface Cropping1DArgs extends LayerArgs {
  /** Steps to remove: n at both ends, or [start, end]. Default [1, 1]. */
  cropping?: number | [number, number];
}

/**
 * Removes steps at the start and end of sequences.
 * @example nr.layers.cropping1d({ cropping: [1, 2] })
 */
export class Cropping1D extends Layer {
  static readonly className = 'Cropping1D';
  readonly cropping: [number, number];
  constructor(args: Cropping1DArgs = {}) {
    super(args);
    this.cropping = ends(Cropping1D.className, 'cropping', args.cropping ?? 1);
    this.inputSpec = { rank: 3 };
  }
  override getClassName(): string {
    return Cropping1D.className;
  }
  private kept(steps: number | null, shape: SymbolicShape): number | null {
    if (steps === null) return null;
    const n = steps - this.cropping[0] - this.cropping[1];
    if (n < 1)
      throw layerShapeError(
        this,
        `cropping ${show(this.cropping)} leaves no steps of input shape ${formatShape(shape)}`,
      );
    return n;
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(this, inputs);
    const n = this.kept(x.shape[1], x.shape.slice()) as number;
    return x.slice([0, this.cropping[0], 0], [x.shape[0], n, x.shape[2]]);
  }
  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = inputShape as SymbolicShape;
    return [s[0], this.kept(s[1], s), s[2]];
  }
  override getConfig(): Config {
    return { ...super.getConfig(), cropping: this.cropping };
  }
}

/** An UpSampling1D layer. @example nr.layers.upSampling1d({ size: 3 }) */
export const upSampling1d = (args: UpSampling1DArgs = {}) => new UpSampling1D(args);
/** A ZeroPadding1D layer. @example nr.layers.zeroPadding1d({ padding: 1 }) */
export const zeroPadding1d = (args: ZeroPadding1DArgs = {}) => new ZeroPadding1D(args);
/** A Cropping1D layer. @example nr.layers.cropping1d({ cropping: [1, 1] }) */
export const cropping1d = (args: Cropping1DArgs = {}) => new Cropping1D(args);

/** Registry entries of this family. */
export const reshaping1dLayers: LayerClassEntry[] = [
  ['UpSampling1D', (c) => new UpSampling1D(configAs<UpSampling1DArgs>(c))],
  ['ZeroPadding1D', (c) => new ZeroPadding1D(configAs<ZeroPadding1DArgs>(c))],
  ['Cropping1D', (c) => new Cropping1D(configAs<Cropping1DArgs>(c))],
];
