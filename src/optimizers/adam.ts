// Adam, with AMSGrad as an option (Keras 3 formulas; epsilon outside the square root of v).
import { ENGINE } from '../core/engine.js';
import type { Config } from '../core/serialization.js';
import type { Tensor, Variable } from '../core/tensor.js';
import { scalar } from '../ops/creation.js';
import {
  flushSubnormals,
  Optimizer,
  type OptimizerArgs,
  readBaseConfig,
  stepScalar,
} from './optimizer.js';
import { checkBoolean, checkNumber, ConfigReader } from './validate.js';

/** Options of Adam (and AdamW). */
export interface AdamArgs extends OptimizerArgs {
  /** Decay of the first moment, in [0, 1). Default 0.9. */
  beta1?: number;
  /** Decay of the second moment, in [0, 1). Default 0.999. */
  beta2?: number;
  /** Added to sqrt(v); default 1e-7 (Keras'; PyTorch uses 1e-8 and adds it to sqrt(v̂)). */
  epsilon?: number;
  /** Divide by the running maximum of v (AMSGrad). */
  amsgrad?: boolean;
}

/** Config keys Adam-family optimizers accept besides the common ones. @example ADAM_KEYS.includes('amsgrad') */
export const ADAM_KEYS = ['beta1', 'beta2', 'epsilon', 'amsgrad'];

/**
 * Adam (Kingma & Ba), Keras 3 formulas. At step t (from 1): m += (g - m)(1 - β1); v += (g² - v)(1 - β2);
 * w -= lr·√(1-β2^t)/(1-β1^t) · m / (√v + ε), with v replaced by max(v̂, v) under AMSGrad.
 * Without AMSGrad a step is one `adamUpdate` kernel for all the variables (one pass over each).
 * @example const opt = new nr.optimizers.Adam({ learningRate: 0.001 });
 */
export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly amsgrad: boolean;
  /** lr·√(1-β2^t)/(1-β1^t) for the step being applied (computed once per step, freed with it). */
  private alpha: Tensor | null = null;

  constructor(args: AdamArgs = {}) {
    super(args, 0.001, ADAM_KEYS);
    const cls = this.getClassName();
    this.beta1 = checkNumber(cls, 'beta1', args.beta1 ?? 0.9, { min: 0, lt: 1 });
    this.beta2 = checkNumber(cls, 'beta2', args.beta2 ?? 0.999, { min: 0, lt: 1 });
    this.epsilon = checkNumber(cls, 'epsilon', args.epsilon ?? 1e-7, { min: 0 });
    this.amsgrad = checkBoolean(cls, 'amsgrad', args.amsgrad ?? false);
  }

  getClassName(): string {
    return 'Adam';
  }

  protected buildSlots(variables: readonly Variable[]): void {
    this.addSlots(variables, ['momentum', 'velocity']);
    if (this.amsgrad) this.addSlots(variables, ['velocity_hat']);
  }

  protected override prepareStep(lr: Tensor): void {
    const t = this.iterations.cast('float32').add(1);
    const bias1 = scalar(1).sub(scalar(this.beta1).pow(t));
    const bias2 = scalar(1).sub(scalar(this.beta2).pow(t));
    this.alpha = lr.mul(bias2.sqrt()).div(bias1);
  }

  /**
   * Without AMSGrad, the whole step is one adamUpdate primitive over every variable: one kernel call per
   * step (and one recorded step under nr.jit) instead of one per variable, each variable's values
   * bitwise those of its own call. AMSGrad keeps the per-variable ops, and so does a list naming a
   * variable twice (its second update must see the first, as in Keras, not the same old state).
   */
  protected override updateVariables(
    grads: readonly Tensor[],
    variables: readonly Variable[],
    learningRate: Tensor,
  ): void {
    if (this.amsgrad || new Set(variables).size !== variables.length)
      super.updateVariables(grads, variables, learningRate);
    else this.fusedStep(grads, variables);
  }

  // The learning rate reaches the update through alpha (prepareStep), as in Keras.
  protected updateStep(grad: Tensor, variable: Variable): void {
    if (!this.amsgrad) {
      this.fusedStep([grad], [variable]);
      return;
    }
    const alpha = stepScalar(this.alpha, this.getClassName());
    const m = this.slot('momentum', variable);
    const v = this.slot('velocity', variable);
    const [mNew, vNewRaw] = updateMoments(grad, m, v, this.beta1, this.beta2);
    const vHat = this.slot('velocity_hat', variable);
    const vNew = vHat.maximum(vNewRaw);
    vHat.assign(vNew);
    variable.assign(variable.sub(mNew.mul(alpha).div(vNew.sqrt().add(this.epsilon))));
  }

  /** One adamUpdate primitive (a single pass per variable where the backend has the kernel) for all. */
  private fusedStep(grads: readonly Tensor[], variables: readonly Variable[]): void {
    if (variables.length === 0) return;
    const alpha = stepScalar(this.alpha, this.getClassName());
    const slots = variables.map((w) => [this.slot('momentum', w), this.slot('velocity', w)]);
    const inputs = variables.flatMap((w, i) => [grads[i], slots[i][0], slots[i][1], w]);
    const outs = ENGINE.run('adamUpdate', [...inputs, alpha], {
      c1: 1 - this.beta1,
      c2: 1 - this.beta2,
      epsilon: this.epsilon,
    });
    variables.forEach((w, i) => {
      slots[i][0].assign(outs[3 * i]);
      slots[i][1].assign(outs[3 * i + 1]);
      w.assign(outs[3 * i + 2]);
    });
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      amsgrad: this.amsgrad,
    };
  }

  /** From getConfig()'s output or Keras' config (`beta_1`, ...). @example Adam.fromConfig({ learningRate: 0.01 }) */
  static fromConfig(config: Config): Adam {
    const r = new ConfigReader('Adam', config);
    const opt = new Adam({ ...readBaseConfig(r), ...readAdamConfig(r) });
    r.done();
    return opt;
  }
}

/**
 * Adam's moment updates, shared by the Adam family: m += (g - m)(1 - β1), v += (g² - v)(1 - β2),
 * assigned to the slots (subnormals flushed) and returned.
 * @example const [mNew, vNew] = updateMoments(grad, m, v, 0.9, 0.999);
 */
export function updateMoments(
  grad: Tensor,
  m: Variable,
  v: Variable,
  beta1: number,
  beta2: number,
): [Tensor, Tensor] {
  const mNew = flushSubnormals(m.add(grad.sub(m).mul(1 - beta1)));
  const vNew = flushSubnormals(
    v.add(
      grad
        .square()
        .sub(v)
        .mul(1 - beta2),
    ),
    true,
  );
  m.assign(mNew);
  v.assign(vNew);
  return [mNew, vNew];
}

/** Adam's own options from a config. @example readAdamConfig('Adam', { learning_rate: 0.01, beta_1: 0.9 }) */
export function readAdamConfig(r: ConfigReader): AdamArgs {
  return {
    beta1: r.number('beta1'),
    beta2: r.number('beta2'),
    epsilon: r.number('epsilon'),
    amsgrad: r.boolean('amsgrad'),
  };
}
