// Regularization by noise (GaussianNoise, GaussianDropout, SpatialDropout1D/2D) and ActivityRegularization with its losses.
import { ArgumentError, show } from '../core/errors.js';
import { configAs, type Config } from '../core/serialization.js';
import type { Tensor } from '../core/tensor.js';
import { dropout } from '../ops/nn.js';
import { randomNormal } from '../ops/random.js';
import { type DataFormat, dataFormatOf } from './conv.js';
import { single } from './core.js';
import {
  type CallArgs,
  drainCallLosses,
  Layer,
  type LayerArgs,
  type LayerClassEntry,
} from './layer.js';

/**
 * Records the penalties a layer put on its activations in this forward pass: `layer.addLoss` with tensors
 * (kept for programs written against the earlier name).
 * @example setActivityLosses(this, [y.abs().sum().mul(0.01)]);
 */
export function setActivityLosses(layer: Layer, losses: Tensor[]): void {
  layer.addLoss(losses);
}

/**
 * Takes the activity penalties recorded by `root` and every layer inside it during the latest forward
 * pass, and clears the records (the trainer reads `model.losses` instead, which also has the weight
 * penalties). Call it right after the forward pass, inside the function being differentiated.
 * @example for (const p of nr.layers.collectActivityLosses(model)) loss = loss.add(p);
 */
export function collectActivityLosses(root: Layer): Tensor[] {
  return drainCallLosses(root);
}

function rateOf(owner: string, rate: unknown): number {
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1))
    throw new ArgumentError(`${owner}: rate must be a number in [0, 1), received ${show(rate)}`);
  return rate;
}

function seedOf(owner: string, seed: unknown): number | null {
  if (seed === undefined || seed === null) return null;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed))
    throw new ArgumentError(`${owner}: seed must be an integer, received ${show(seed)}`);
  return seed;
}

/** A layer that adds noise while training and passes its input through at inference. */
abstract class NoiseLayer extends Layer {
  readonly seed: number | null;
  private calls = 0;
  constructor(args: LayerArgs & { seed?: number | null }) {
    super(args);
    this.seed = seedOf(this.getClassName(), args.seed);
    this.supportsMasking = true;
  }
  /** The seed of this call: a seeded layer still draws new noise per call (the seed fixes the sequence). */
  protected nextSeed(): number | undefined {
    return this.seed === null ? undefined : this.seed + this.calls++;
  }
  /** The noisy output while training. */
  protected abstract noisy(x: Tensor): Tensor;
  /** Whether the layer changes anything (e.g. rate 0 does not). */
  protected abstract active(): boolean;
  override call(inputs: Tensor | Tensor[], kwargs: CallArgs = {}): Tensor {
    const x = single(this, inputs);
    if (!kwargs.training || !this.active()) return x.clone();
    return this.noisy(x.dtype === 'float32' ? x : x.cast('float32'));
  }
  override getConfig(): Config {
    return { ...super.getConfig(), seed: this.seed };
  }
}

/** Options of `gaussianNoise`. */
export interface GaussianNoiseArgs extends LayerArgs {
  /** Standard deviation of the zero-mean noise (>= 0). */
  stddev: number;
  seed?: number | null;
}

/**
 * Adds zero-mean Gaussian noise while training (a regularizer, and data augmentation for real inputs).
 * @example nr.layers.gaussianNoise({ stddev: 0.1 })
 */
export class GaussianNoise extends NoiseLayer {
  static readonly className = 'GaussianNoise';
  readonly stddev: number;
  constructor(args: GaussianNoiseArgs) {
    super(args);
    if (typeof args.stddev !== 'number' || !(args.stddev >= 0) || !Number.isFinite(args.stddev)) {
      throw new ArgumentError(
        `GaussianNoise: stddev must be a non-negative number, received ${show(args.stddev)}`,
      );
    }
    this.stddev = args.stddev;
  }
  override getClassName(): string {
    return GaussianNoise.className;
  }
  protected active(): boolean {
    return this.stddev > 0;
  }
  protected noisy(x: Tensor): Tensor {
    return x.add(randomNormal(x.shape, 0, this.stddev, 'float32', this.nextSeed()));
  }
  override getConfig(): Config {
    return { ...super.getConfig(), stddev: this.stddev };
  }
}

/** Options of `gaussianDropout`. */
export interface GaussianDropoutArgs extends LayerArgs {
  /** Drop probability in [0, 1): the noise has standard deviation sqrt(rate / (1 - rate)). */
  rate: number;
  seed?: number | null;
}

/**
 * Multiplies by Gaussian noise of mean 1 while training (dropout's continuous cousin).
 * @example nr.layers.gaussianDropout({ rate: 0.2 })
 */
export class GaussianDropout extends NoiseLayer {
  static readonly className = 'GaussianDropout';
  readonly rate: number;
  constructor(args: GaussianDropoutArgs) {
    super(args);
    this.rate = rateOf(GaussianDropout.className, args.rate);
  }
  override getClassName(): string {
    return GaussianDropout.className;
  }
  protected active(): boolean {
    return this.rate > 0;
  }
  protected noisy(x: Tensor): Tensor {
    const stddev = Math.sqrt(this.rate / (1 - this.rate));
    return x.mul(randomNormal(x.shape, 1, stddev, 'float32', this.nextSeed()));
  }
  override getConfig(): Config {
    return { ...super.getConfig(), rate: this.rate };
  }
}

/** Options of `spatialDropout1d` and `spatialDropout2d`. */
export interface SpatialDropoutArgs extends LayerArgs {
  /** Fraction of channels to drop, in [0, 1). */
  rate: number;
  seed?: number | null;
  /** 'channelsLast' (default) or 'channelsFirst' (SpatialDropout2D). */
  dataFormat?: DataFormat | 'channels_last' | 'channels_first';
}

/** Dropout of whole channels: one keep/drop decision per (sample, channel). */
abstract class SpatialDropout extends NoiseLayer {
  readonly rate: number;
  readonly dataFormat: DataFormat;
  constructor(
    private readonly rank: 1 | 2,
    args: SpatialDropoutArgs,
  ) {
    super(args);
    this.rate = rateOf(this.getClassName(), args.rate);
    this.dataFormat = dataFormatOf(this.getClassName(), args.dataFormat);
    this.inputSpec = { rank: rank + 2 };
  }
  protected active(): boolean {
    return this.rate > 0;
  }
  protected noisy(x: Tensor): Tensor {
    const [b, ...rest] = x.shape;
    const c = this.dataFormat === 'channelsLast' ? rest[rest.length - 1] : rest[0];
    const ones = Array<number>(this.rank).fill(1);
    const noiseShape = this.dataFormat === 'channelsLast' ? [b, ...ones, c] : [b, c, ...ones];
    return dropout(x, this.rate, noiseShape, this.nextSeed());
  }
  override getConfig(): Config {
    return { ...super.getConfig(), rate: this.rate, dataFormat: this.dataFormat };
  }
}

/**
 * Drops whole feature channels of [batch, steps, channels] while training (correlated neighbours make
 * ordinary dropout weak there).
 * @example nr.layers.spatialDropout1d({ rate: 0.2 })
 */
export class SpatialDropout1D extends SpatialDropout {
  static readonly className = 'SpatialDropout1D';
  constructor(args: SpatialDropoutArgs) {
    super(1, args);
  }
  override getClassName(): string {
    return SpatialDropout1D.className;
  }
}

/**
 * Drops whole feature maps of images while training.
 * @example nr.layers.spatialDropout2d({ rate: 0.1 })
 */
export class SpatialDropout2D extends SpatialDropout {
  static readonly className = 'SpatialDropout2D';
  constructor(args: SpatialDropoutArgs) {
    super(2, args);
  }
  override getClassName(): string {
    return SpatialDropout2D.className;
  }
}

/** Options of `activityRegularization`. */
export interface ActivityRegularizationArgs extends LayerArgs {
  /** Factor on sum(|x|). Default 0. */
  l1?: number;
  /** Factor on sum(x²). Default 0. */
  l2?: number;
}

/**
 * Passes its input through and records the penalty l1·sum(|x|) + l2·sum(x²) of it (summed over the batch,
 * as Keras 3) with `addLoss`: the trainer adds it to the loss through `model.losses`.
 * @example nr.layers.activityRegularization({ l1: 1e-5 })
 */
export class ActivityRegularization extends Layer {
  static readonly className = 'ActivityRegularization';
  readonly l1: number;
  readonly l2: number;
  constructor(args: ActivityRegularizationArgs = {}) {
    super(args);
    const factor = (name: 'l1' | 'l2') => {
      const v = args[name] ?? 0;
      if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v))
        throw new ArgumentError(
          `ActivityRegularization: ${name} must be a non-negative number, received ${show(args[name])}`,
        );
      return v;
    };
    this.l1 = factor('l1');
    this.l2 = factor('l2');
    this.supportsMasking = true;
  }
  override getClassName(): string {
    return ActivityRegularization.className;
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(this, inputs);
    const xf = x.dtype === 'float32' ? x : x.cast('float32');
    const terms: Tensor[] = [];
    if (this.l1 !== 0) terms.push(xf.abs().sum().mul(this.l1));
    if (this.l2 !== 0) terms.push(xf.square().sum().mul(this.l2));
    if (terms.length) this.addLoss(terms.reduce((a, b) => a.add(b)));
    return x.clone();
  }
  override getConfig(): Config {
    return { ...super.getConfig(), l1: this.l1, l2: this.l2 };
  }
}

/** A Gaussian noise layer. @example nr.layers.gaussianNoise({ stddev: 0.05 }) */
export const gaussianNoise = (args: GaussianNoiseArgs) => new GaussianNoise(args);
/** A Gaussian dropout layer. @example nr.layers.gaussianDropout({ rate: 0.1 }) */
export const gaussianDropout = (args: GaussianDropoutArgs) => new GaussianDropout(args);
/** A 1-D spatial dropout layer. @example nr.layers.spatialDropout1d({ rate: 0.2 }) */
export const spatialDropout1d = (args: SpatialDropoutArgs) => new SpatialDropout1D(args);
/** A 2-D spatial dropout layer. @example nr.layers.spatialDropout2d({ rate: 0.2 }) */
export const spatialDropout2d = (args: SpatialDropoutArgs) => new SpatialDropout2D(args);
/** An activity regularization layer. @example nr.layers.activityRegularization({ l2: 1e-4 }) */
export const activityRegularization = (args: ActivityRegularizationArgs = {}) =>
  new ActivityRegularization(args);

/** Registry entries of this family. */
export const noiseLayers: LayerClassEntry[] = [
  ['GaussianNoise', (c) => new GaussianNoise(configAs<GaussianNoiseArgs>(c))],
  ['GaussianDropout', (c) => new GaussianDropout(configAs<GaussianDropoutArgs>(c))],
  ['SpatialDropout1D', (c) => new SpatialDropout1D(configAs<SpatialDropoutArgs>(c))],
  ['SpatialDropout2D', (c) => new SpatialDropout2D(configAs<SpatialDropoutArgs>(c))],
  [
    'ActivityRegularization',
    (c) => new ActivityRegularization(configAs<ActivityRegularizationArgs>(c)),
  ],
];
