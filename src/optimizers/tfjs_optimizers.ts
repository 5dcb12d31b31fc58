// tfjs' optimizer classes (SGDOptimizer, AdamOptimizer, ...) and tf.train's factories, over neurite's optimizers.
import { ArgumentError, show } from '../core/errors.js';
import type { Config } from '../core/serialization.js';
import type { Tensor, Variable } from '../core/tensor.js';
import { scalar } from '../ops/creation.js';
import { Adadelta } from './adadelta.js';
import { Adagrad } from './adagrad.js';
import { Adam, updateMoments } from './adam.js';
import { Adamax } from './adamax.js';
import { flushSubnormals, stepScalar } from './optimizer.js';
import { RMSprop } from './rmsprop.js';
import { InverseTimeDecay } from './schedules.js';
import { SGD } from './sgd.js';
import { TfjsOptimizer } from './tfjs_optimizer.js';
import { ConfigReader } from './validate.js';

/** tfjs' default epsilon: its float32 backends' `epsilon()`. */
const TFJS_EPSILON = 1e-7;

/** A learning rate tfjs requires (no default): a finite number >= 0. */
function requiredRate(cls: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new ArgumentError(
      `${cls}: learningRate for ${cls} must be defined as a non-negative number, received ${show(value)}`,
    );
  return value;
}

/** Reads a tfjs optimizer config (its constructor arguments by name). */
function reader(cls: string, config: Config): ConfigReader {
  return new ConfigReader(cls, config);
}

/**
 * Adam with tfjs' formula: epsilon is added to √v̂ (bias-corrected), where Keras adds it to √v:
 * w -= lr · m̂ / (√v̂ + ε), m̂ = m / (1 - β1^t), v̂ = v / (1 - β2^t). Used by `AdamOptimizer` only.
 */
class TfjsAdam extends Adam {
  private corrections: [Tensor, Tensor] | null = null;

  protected override prepareStep(lr: Tensor): void {
    const t = this.iterations.cast('float32').add(1);
    this.corrections = [
      lr.div(scalar(1).sub(scalar(this.beta1).pow(t))),
      scalar(1).sub(scalar(this.beta2).pow(t)),
    ];
  }

  // tfjs' formula has no fused kernel: per variable, as the base optimizer does (not Adam's one kernel)
  protected override updateVariables(
    grads: readonly Tensor[],
    variables: readonly Variable[],
  ): void {
    variables.forEach((v, i) => this.updateStep(grads[i], v));
  }

  protected override updateStep(grad: Tensor, variable: Variable): void {
    const [alpha, bias2] = stepScalar(this.corrections, 'AdamOptimizer');
    const m = this.getSlot(variable, 'momentum');
    const v = this.getSlot(variable, 'velocity');
    const [mNew, vNew] = updateMoments(grad, m, v, this.beta1, this.beta2);
    variable.assign(variable.sub(mNew.mul(alpha).div(vNew.div(bias2).sqrt().add(this.epsilon))));
  }
}

/**
 * Adadelta with tfjs' formula: the step divides by the mean square of the gradients *before* this
 * step's gradient is added (Keras and the paper use the updated one):
 * Δ = -√(E[Δ²] + ε) / √(E[g²]_old + ε) · g. Used by `AdadeltaOptimizer` only.
 */
class TfjsAdadelta extends Adadelta {
  protected override updateStep(grad: Tensor, variable: Variable, lr: Tensor): void {
    const rho = this.rho;
    const accGrad = this.getSlot(variable, 'accumulated_grad');
    const accDelta = this.getSlot(variable, 'accumulated_delta_var');
    const delta = accDelta
      .add(this.epsilon)
      .sqrt()
      .div(accGrad.add(this.epsilon).sqrt())
      .mul(grad)
      .neg();
    accGrad.assign(flushSubnormals(accGrad.mul(rho).add(grad.square().mul(1 - rho)), true));
    accDelta.assign(flushSubnormals(accDelta.mul(rho).add(delta.square().mul(1 - rho)), true));
    variable.assign(variable.add(delta.mul(lr)));
  }
}

/**
 * tfjs' plain gradient descent: w -= lr · g.
 * @example const opt = new nr.SGDOptimizer(0.1);
 */
export class SGDOptimizer extends TfjsOptimizer {
  static readonly className = 'SGD';
  constructor(readonly learningRate: number) {
    super(new SGD({ learningRate: requiredRate('SGDOptimizer', learningRate) }), []);
  }
  getConfig(): Config {
    return { learningRate: this.learningRate };
  }
  /** From getConfig()'s output. @example nr.SGDOptimizer.fromConfig(nr.SGDOptimizer, { learningRate: 0.1 }) */
  static fromConfig(cls: typeof SGDOptimizer, config: Config): SGDOptimizer {
    return new cls(reader('SGDOptimizer', config).required('learningRate'));
  }
}

/**
 * tfjs' momentum: a = μ·a + g; w -= lr · a (lr · (g + μ·a) with Nesterov), Keras' SGD for a fixed rate.
 * @example const opt = new nr.MomentumOptimizer(0.1, 0.9);
 */
export class MomentumOptimizer extends TfjsOptimizer {
  static readonly className = 'Momentum';
  constructor(
    readonly learningRate: number,
    readonly momentum: number,
    readonly useNesterov = false,
  ) {
    const lr = requiredRate('MomentumOptimizer', learningRate);
    super(new SGD({ learningRate: lr, momentum, nesterov: useNesterov }), [
      ['momentum', 'momentum'],
    ]);
  }
  getConfig(): Config {
    return {
      learningRate: this.learningRate,
      momentum: this.momentum,
      useNesterov: this.useNesterov,
    };
  }
  /** From getConfig()'s output. @example nr.MomentumOptimizer.fromConfig(nr.MomentumOptimizer, opt.getConfig()) */
  static fromConfig(cls: typeof MomentumOptimizer, config: Config): MomentumOptimizer {
    const r = reader('MomentumOptimizer', config);
    return new cls(r.required('learningRate'), r.required('momentum'), r.boolean('useNesterov'));
  }
}

/**
 * tfjs' Adam: w -= lr · m̂ / (√v̂ + ε) with bias-corrected moments (Keras' Adam adds ε to √v instead).
 * @example const opt = new nr.AdamOptimizer(0.001, 0.9, 0.999);
 */
export class AdamOptimizer extends TfjsOptimizer {
  static readonly className = 'Adam';
  readonly epsilon: number;
  constructor(
    readonly learningRate: number,
    readonly beta1: number,
    readonly beta2: number,
    epsilon: number | null = null,
  ) {
    const eps = epsilon ?? TFJS_EPSILON;
    super(new TfjsAdam({ learningRate, beta1, beta2, epsilon: eps }), [
      ['m', 'momentum'],
      ['v', 'velocity'],
    ]);
    this.epsilon = eps;
  }
  getConfig(): Config {
    const { learningRate, beta1, beta2, epsilon } = this;
    return { learningRate, beta1, beta2, epsilon };
  }
  /** From getConfig()'s output. @example nr.AdamOptimizer.fromConfig(nr.AdamOptimizer, opt.getConfig()) */
  static fromConfig(cls: typeof AdamOptimizer, config: Config): AdamOptimizer {
    const r = reader('AdamOptimizer', config);
    return new cls(
      r.required('learningRate'),
      r.required('beta1'),
      r.required('beta2'),
      r.number('epsilon'),
    );
  }
}

/**
 * tfjs' Adamax: lr / (1 + decay·t) as the rate, w -= lr_t / (1 - β1^t) · m / (u + ε), u = max(β2·u, |g|).
 * @example const opt = new nr.AdamaxOptimizer(0.002, 0.9, 0.999);
 */
export class AdamaxOptimizer extends TfjsOptimizer {
  static readonly className = 'Adamax';
  readonly epsilon: number;
  constructor(
    readonly learningRate: number,
    readonly beta1: number,
    readonly beta2: number,
    epsilon: number | null = null,
    readonly decay = 0.0,
  ) {
    const eps = epsilon ?? TFJS_EPSILON;
    const rate = decay > 0 ? new InverseTimeDecay(learningRate, 1, decay) : learningRate;
    super(new Adamax({ learningRate: rate, beta1, beta2, epsilon: eps }), [
      ['m', 'momentum'],
      ['v', 'norm'],
    ]);
    this.epsilon = eps;
  }
  getConfig(): Config {
    const { learningRate, beta1, beta2, epsilon, decay } = this;
    return { learningRate, beta1, beta2, epsilon, decay };
  }
  /** From getConfig()'s output. @example nr.AdamaxOptimizer.fromConfig(nr.AdamaxOptimizer, opt.getConfig()) */
  static fromConfig(cls: typeof AdamaxOptimizer, config: Config): AdamaxOptimizer {
    const r = reader('AdamaxOptimizer', config);
    return new cls(
      r.required('learningRate'),
      r.required('beta1'),
      r.required('beta2'),
      r.number('epsilon'),
      r.number('decay'),
    );
  }
}

/**
 * tfjs' Adagrad: a += g²; w -= lr · g / √(a + ε) (the same formula as Keras 3's Adagrad).
 * @example const opt = new nr.AdagradOptimizer(0.1);
 */
export class AdagradOptimizer extends TfjsOptimizer {
  static readonly className = 'Adagrad';
  constructor(
    readonly learningRate: number,
    readonly initialAccumulatorValue = 0.1,
  ) {
    const lr = requiredRate('AdagradOptimizer', learningRate);
    super(new Adagrad({ learningRate: lr, initialAccumulatorValue, epsilon: TFJS_EPSILON }), [
      ['accumulator', 'accumulator'],
    ]);
  }
  getConfig(): Config {
    return {
      learningRate: this.learningRate,
      initialAccumulatorValue: this.initialAccumulatorValue,
    };
  }
  /** From getConfig()'s output. @example nr.AdagradOptimizer.fromConfig(nr.AdagradOptimizer, opt.getConfig()) */
  static fromConfig(cls: typeof AdagradOptimizer, config: Config): AdagradOptimizer {
    const r = reader('AdagradOptimizer', config);
    return new cls(r.required('learningRate'), r.number('initialAccumulatorValue'));
  }
}

/**
 * tfjs' Adadelta: running averages of g² and of the squared updates; the step uses the average of g²
 * before this step's gradient (tfjs' formula; Keras' Adadelta uses the updated one).
 * @example const opt = new nr.AdadeltaOptimizer(1, 0.95);
 */
export class AdadeltaOptimizer extends TfjsOptimizer {
  static readonly className = 'Adadelta';
  readonly epsilon: number;
  constructor(
    readonly learningRate: number,
    readonly rho: number,
    epsilon: number | null = null,
  ) {
    const eps = epsilon ?? TFJS_EPSILON;
    super(new TfjsAdadelta({ learningRate, rho, epsilon: eps }), [
      ['accum_grad', 'accumulated_grad'],
      ['accum_var', 'accumulated_delta_var'],
    ]);
    this.epsilon = eps;
  }
  getConfig(): Config {
    return { learningRate: this.learningRate, rho: this.rho, epsilon: this.epsilon };
  }
  /** From getConfig()'s output. @example nr.AdadeltaOptimizer.fromConfig(nr.AdadeltaOptimizer, opt.getConfig()) */
  static fromConfig(cls: typeof AdadeltaOptimizer, config: Config): AdadeltaOptimizer {
    const r = reader('AdadeltaOptimizer', config);
    return new cls(r.required('learningRate'), r.required('rho'), r.number('epsilon'));
  }
}

/**
 * tfjs' RMSProp (the same formulas as Keras 3's RMSprop): tfjs' `decay` is the average's decay (Keras' rho).
 * @example const opt = new nr.RMSPropOptimizer(0.001, 0.9, 0.5);
 */
export class RMSPropOptimizer extends TfjsOptimizer {
  static readonly className = 'RMSProp';
  readonly epsilon: number;
  constructor(
    readonly learningRate: number,
    readonly decay = 0.9,
    readonly momentum = 0.0,
    epsilon: number | null = null,
    readonly centered = false,
  ) {
    const lr = requiredRate('RMSPropOptimizer', learningRate);
    const eps = epsilon ?? TFJS_EPSILON;
    const slots: [string, string][] = [['rms', 'velocity']];
    if (momentum > 0) slots.push(['momentum', 'momentum']);
    if (centered) slots.push(['mg', 'average_gradient']);
    super(new RMSprop({ learningRate: lr, rho: decay, momentum, epsilon: eps, centered }), slots);
    this.epsilon = eps;
  }
  getConfig(): Config {
    const { learningRate, decay, momentum, epsilon, centered } = this;
    return { learningRate, decay, momentum, epsilon, centered };
  }
  /** From getConfig()'s output. @example nr.RMSPropOptimizer.fromConfig(nr.RMSPropOptimizer, opt.getConfig()) */
  static fromConfig(cls: typeof RMSPropOptimizer, config: Config): RMSPropOptimizer {
    const r = reader('RMSPropOptimizer', config);
    return new cls(
      r.required('learningRate'),
      r.number('decay'),
      r.number('momentum'),
      r.number('epsilon'),
      r.boolean('centered'),
    );
  }
}

/**
 * tfjs' `tf.train` factories, with tfjs' positional arguments and formulas. Each returns a tfjs
 * optimizer class over one of neurite's optimizers (`.optimizer`); `model.compile` accepts them.
 * Where tfjs' formula differs from Keras 3's (Adam's epsilon), the tfjs object keeps tfjs'.
 * @example const opt = nr.train.adam(0.01);
 */
export const train = {
  /** Plain gradient descent. @example nr.train.sgd(0.1) */
  sgd(learningRate: number): SGDOptimizer {
    return new SGDOptimizer(learningRate);
  },
  /** Gradient descent with momentum. @example nr.train.momentum(0.1, 0.9) */
  momentum(learningRate: number, momentum: number, useNesterov = false): MomentumOptimizer {
    return new MomentumOptimizer(learningRate, momentum, useNesterov);
  },
  /** Adam. @example nr.train.adam(0.001) */
  adam(
    learningRate = 0.001,
    beta1 = 0.9,
    beta2 = 0.999,
    epsilon: number | null = null,
  ): AdamOptimizer {
    return new AdamOptimizer(learningRate, beta1, beta2, epsilon);
  },
  /** Adagrad. @example nr.train.adagrad(0.1) */
  adagrad(learningRate: number, initialAccumulatorValue = 0.1): AdagradOptimizer {
    return new AdagradOptimizer(learningRate, initialAccumulatorValue);
  },
  /** Adadelta. @example nr.train.adadelta(1) */
  adadelta(learningRate = 0.001, rho = 0.95, epsilon: number | null = null): AdadeltaOptimizer {
    return new AdadeltaOptimizer(learningRate, rho, epsilon);
  },
  /** Adamax; `decay` makes the rate lr / (1 + decay·t). @example nr.train.adamax(0.002) */
  adamax(
    learningRate = 0.002,
    beta1 = 0.9,
    beta2 = 0.999,
    epsilon: number | null = null,
    decay = 0.0,
  ): AdamaxOptimizer {
    return new AdamaxOptimizer(learningRate, beta1, beta2, epsilon, decay);
  },
  /** RMSProp; `decay` is the decay of the mean square (Keras' rho). @example nr.train.rmsprop(0.001, 0.9) */
  rmsprop(
    learningRate: number,
    decay = 0.9,
    momentum = 0.0,
    epsilon: number | null = null,
    centered = false,
  ): RMSPropOptimizer {
    return new RMSPropOptimizer(learningRate, decay, momentum, epsilon, centered);
  },
};
