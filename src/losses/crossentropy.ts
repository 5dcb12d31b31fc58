// Crossentropy losses on dense targets: binary, binary focal and categorical, from probabilities or logits.
import type { Config } from '../core/serialization.js';
import type { Tensor } from '../core/tensor.js';
import {
  checkAxis,
  checkBool,
  checkNumber,
  EPSILON,
  type LossInput,
  lossAxis,
  pairwise,
} from './inputs.js';
import { Loss, type LossArgs } from './loss.js';

// Elementwise binary crossentropy -(t log p + (1 - t) log(1 - p)).
// NOTE: from logits it is -(t·logSigmoid(x) + (1 - t)·logSigmoid(-x)): finite at x = ±1e4 with gradient
// sigmoid(x) - t, and more exact than softplus(x) - t·x, which cancels for large x. From probabilities
// p is clipped to [1e-7, 1 - 1e-7] first, as Keras does, so log never sees 0.
/**
 * Binary crossentropy per element, from logits or probabilities (shared with tfjs' `sigmoidCrossEntropy`).
 * @example bceElements(labels, logits, true)
 */
export function bceElements(t: Tensor, p: Tensor, fromLogits: boolean): Tensor {
  if (fromLogits) return t.mul(p.logSigmoid()).add(t.neg().add(1).mul(p.neg().logSigmoid())).neg();
  const pc = p.clipByValue(EPSILON, 1 - EPSILON);
  return t
    .mul(pc.log())
    .add(t.neg().add(1).mul(pc.neg().add(1).log()))
    .neg();
}

/** Binary label smoothing: labels squeezed toward 0.5. @example smoothBinary(labels, 0.1) */
export function smoothBinary(t: Tensor, labelSmoothing: number): Tensor {
  return labelSmoothing ? t.mul(1 - labelSmoothing).add(0.5 * labelSmoothing) : t;
}

/** Resolved options of the crossentropy losses (what getConfig writes). */
export interface BinaryOptions {
  fromLogits: boolean;
  labelSmoothing: number;
  axis: number;
}

/** Resolved options of binary focal crossentropy. */
export interface FocalOptions extends BinaryOptions {
  applyClassBalancing: boolean;
  alpha: number;
  gamma: number;
}

function bceMath(op: string, o: BinaryOptions): (t: Tensor, p: Tensor) => Tensor {
  return (t, p) =>
    bceElements(smoothBinary(t, o.labelSmoothing), p, o.fromLogits).mean(
      lossAxis(op, o.axis, p.rank),
    );
}

function focalMath(op: string, o: FocalOptions): (t: Tensor, p: Tensor) => Tensor {
  return (tIn, p) => {
    const t = smoothBinary(tIn, o.labelSmoothing);
    let loss = bceElements(t, p, o.fromLogits);
    if (o.gamma !== 0) {
      // 1 - p_t: the probability given to the wrong side. From logits σ(-x) and σ(x) avoid 1 - σ(x) cancelling.
      const oneMinusPt = o.fromLogits
        ? t.mul(p.neg().sigmoid()).add(t.neg().add(1).mul(p.sigmoid()))
        : t
            .mul(p)
            .add(t.neg().add(1).mul(p.neg().add(1)))
            .neg()
            .add(1);
      // NOTE: for 0 < gamma < 1 the factor's gradient is infinite where 1 - p_t = 0 (a perfect prediction), as in Keras.
      loss = oneMinusPt.pow(o.gamma).mul(loss);
    }
    if (o.applyClassBalancing)
      loss = t
        .mul(o.alpha)
        .add(
          t
            .neg()
            .add(1)
            .mul(1 - o.alpha),
        )
        .mul(loss);
    return loss.mean(lossAxis(op, o.axis, p.rank));
  };
}

function cceMath(op: string, o: BinaryOptions): (t: Tensor, p: Tensor) => Tensor {
  return (tIn, p) => {
    const ax = lossAxis(op, o.axis, p.rank);
    const classes = p.shape[ax];
    const t = o.labelSmoothing
      ? tIn.mul(1 - o.labelSmoothing).add(o.labelSmoothing / classes)
      : tIn;
    // From logits: log-softmax (x - logSumExp(x)), finite for any finite logits.
    // From probabilities: renormalised to sum to 1, clipped, then logged (Keras' recipe).
    const logProbs = o.fromLogits
      ? p.logSoftmax(ax)
      : p
          .div(p.sum(ax, true))
          .clipByValue(EPSILON, 1 - EPSILON)
          .log();
    return t.mul(logProbs).sum(ax).neg();
  };
}

function binaryOptions(
  op: string,
  fromLogits: unknown,
  labelSmoothing: unknown,
  axis: unknown,
): BinaryOptions {
  return {
    fromLogits: checkBool(op, 'fromLogits', fromLogits),
    labelSmoothing: checkNumber(op, 'labelSmoothing', labelSmoothing, 0, 1),
    axis: checkAxis(op, axis),
  };
}

function focalOptions(
  op: string,
  balancing: unknown,
  alpha: unknown,
  gamma: unknown,
  base: BinaryOptions,
): FocalOptions {
  return {
    ...base,
    applyClassBalancing: checkBool(op, 'applyClassBalancing', balancing),
    alpha: checkNumber(op, 'alpha', alpha, 0, 1),
    gamma: checkNumber(op, 'gamma', gamma, 0, Infinity),
  };
}

/**
 * Binary crossentropy averaged over `axis`, from probabilities (clipped to [1e-7, 1 - 1e-7]) or logits.
 * `labelSmoothing` moves labels toward 0.5: t·(1 - s) + 0.5·s.
 * @example nr.losses.binaryCrossentropy([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]) // [0.916, 0.714]
 */
export function binaryCrossentropy(
  yTrue: LossInput,
  yPred: LossInput,
  fromLogits = false,
  labelSmoothing = 0,
  axis = -1,
): Tensor {
  const op = 'binaryCrossentropy';
  return pairwise(
    op,
    yTrue,
    yPred,
    bceMath(op, binaryOptions(op, fromLogits, labelSmoothing, axis)),
  );
}

/**
 * Binary focal crossentropy (Lin et al. 2017): crossentropy times (1 - p_t)^gamma, so easy examples count
 * less; `applyClassBalancing` also weighs positives by alpha and negatives by 1 - alpha.
 * @example nr.losses.binaryFocalCrossentropy([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]) // [0.330, 0.206]
 */
export function binaryFocalCrossentropy(
  yTrue: LossInput,
  yPred: LossInput,
  applyClassBalancing = false,
  alpha = 0.25,
  gamma = 2,
  fromLogits = false,
  labelSmoothing = 0,
  axis = -1,
): Tensor {
  const op = 'binaryFocalCrossentropy';
  const o = focalOptions(
    op,
    applyClassBalancing,
    alpha,
    gamma,
    binaryOptions(op, fromLogits, labelSmoothing, axis),
  );
  return pairwise(op, yTrue, yPred, focalMath(op, o));
}

/**
 * Categorical crossentropy -sum(yTrue · log(yPred)) along `axis` for one-hot (or soft) targets.
 * `labelSmoothing` s turns targets into t·(1 - s) + s / numClasses.
 * @example nr.losses.categoricalCrossentropy([[0, 1, 0]], [[0.05, 0.95, 0]]) // [0.0513]
 */
export function categoricalCrossentropy(
  yTrue: LossInput,
  yPred: LossInput,
  fromLogits = false,
  labelSmoothing = 0,
  axis = -1,
): Tensor {
  const op = 'categoricalCrossentropy';
  return pairwise(
    op,
    yTrue,
    yPred,
    cceMath(op, binaryOptions(op, fromLogits, labelSmoothing, axis)),
  );
}

/** Options of BinaryCrossentropy and CategoricalCrossentropy. */
export interface CrossentropyArgs extends LossArgs {
  /** Whether yPred holds logits rather than probabilities (default false). */
  fromLogits?: boolean;
  /** In [0, 1] (default 0). */
  labelSmoothing?: number;
  /** The class (categorical) or averaging (binary) axis (default -1). */
  axis?: number;
}

/**
 * Binary crossentropy (Keras 'binary_crossentropy').
 * @example new nr.losses.BinaryCrossentropy({ fromLogits: true }).call(labels, logits)
 */
export class BinaryCrossentropy extends Loss {
  readonly options: BinaryOptions;
  constructor(args: CrossentropyArgs = {}) {
    super(args, 'binary_crossentropy');
    this.options = binaryOptions(
      this.getClassName(),
      args.fromLogits ?? false,
      args.labelSmoothing ?? 0,
      args.axis ?? -1,
    );
  }
  computeLosses(yTrue: Tensor, yPred: Tensor): Tensor {
    return pairwise(this.getClassName(), yTrue, yPred, bceMath(this.getClassName(), this.options));
  }
  getClassName(): string {
    return 'BinaryCrossentropy';
  }
  override getConfig(): Config {
    return { ...super.getConfig(), ...this.options };
  }
}

/** Options of BinaryFocalCrossentropy. */
export interface BinaryFocalCrossentropyArgs extends CrossentropyArgs {
  /** Weigh positives by alpha and negatives by 1 - alpha (default false). */
  applyClassBalancing?: boolean;
  /** In [0, 1] (default 0.25). */
  alpha?: number;
  /** Focusing exponent >= 0 (default 2; 0 is plain crossentropy). */
  gamma?: number;
}

/**
 * Binary focal crossentropy (Keras 'binary_focal_crossentropy').
 * @example new nr.losses.BinaryFocalCrossentropy({ gamma: 2, applyClassBalancing: true }).call(labels, probs)
 */
export class BinaryFocalCrossentropy extends Loss {
  readonly options: FocalOptions;
  constructor(args: BinaryFocalCrossentropyArgs = {}) {
    super(args, 'binary_focal_crossentropy');
    const op = this.getClassName();
    const base = binaryOptions(
      op,
      args.fromLogits ?? false,
      args.labelSmoothing ?? 0,
      args.axis ?? -1,
    );
    this.options = focalOptions(
      op,
      args.applyClassBalancing ?? false,
      args.alpha ?? 0.25,
      args.gamma ?? 2,
      base,
    );
  }
  computeLosses(yTrue: Tensor, yPred: Tensor): Tensor {
    return pairwise(
      this.getClassName(),
      yTrue,
      yPred,
      focalMath(this.getClassName(), this.options),
    );
  }
  getClassName(): string {
    return 'BinaryFocalCrossentropy';
  }
  override getConfig(): Config {
    return { ...super.getConfig(), ...this.options };
  }
}

/**
 * Categorical crossentropy for one-hot targets (Keras 'categorical_crossentropy').
 * @example new nr.losses.CategoricalCrossentropy({ fromLogits: true, labelSmoothing: 0.1 }).call(oneHot, logits)
 */
export class CategoricalCrossentropy extends Loss {
  readonly options: BinaryOptions;
  constructor(args: CrossentropyArgs = {}) {
    super(args, 'categorical_crossentropy');
    this.options = binaryOptions(
      this.getClassName(),
      args.fromLogits ?? false,
      args.labelSmoothing ?? 0,
      args.axis ?? -1,
    );
  }
  computeLosses(yTrue: Tensor, yPred: Tensor): Tensor {
    return pairwise(this.getClassName(), yTrue, yPred, cceMath(this.getClassName(), this.options));
  }
  getClassName(): string {
    return 'CategoricalCrossentropy';
  }
  override getConfig(): Config {
    return { ...super.getConfig(), ...this.options };
  }
}
