// Nadam: Adam with Nesterov momentum and Dozat's momentum schedule (Keras 3 formulas).
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
import { updateMoments } from './adam.js';
import { checkNumber, ConfigReader } from './validate.js';

/** Options of Nadam. */
export interface NadamArgs extends OptimizerArgs {
  /** Decay of the first moment, in [0, 1). Default 0.9. */
  beta1?: number;
  /** Decay of the second moment, in [0, 1). Default 0.999. */
  beta2?: number;
  /** Added to √v̂; default 1e-7. */
  epsilon?: number;
}

/** Per-step scalars shared by every variable's update: m̂ = momentumScale·m + gradScale·g. */
interface NadamStep {
  momentumScale: Tensor;
  gradScale: Tensor;
  bias2: Tensor;
}

/**
 * Nadam (Dozat), Keras 3 formulas: μ_t = β1(1 - 0.5·0.96^t), Π_t = μ_1…μ_t (kept as state);
 * m̂ = μ_{t+1}·m / (1 - Π_t·μ_{t+1}) + (1 - μ_t)·g / (1 - Π_t); v̂ = v / (1 - β2^t);
 * w -= lr·m̂ / (√v̂ + ε). PyTorch's NAdam uses 0.96^(0.004·t) instead (its `momentum_decay`).
 * @example const opt = new nr.optimizers.Nadam({ learningRate: 0.002 });
 */
export class Nadam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Π_t, the product of the momentum schedule so far (Keras' `_u_product`). */
  private uProduct: Variable | null = null;
  private step: NadamStep | null = null;

  constructor(args: NadamArgs = {}) {
    super(args, 0.001, ['beta1', 'beta2', 'epsilon']);
    this.beta1 = checkNumber('Nadam', 'beta1', args.beta1 ?? 0.9, { min: 0, lt: 1 });
    this.beta2 = checkNumber('Nadam', 'beta2', args.beta2 ?? 0.999, { min: 0, lt: 1 });
    this.epsilon = checkNumber('Nadam', 'epsilon', args.epsilon ?? 1e-7, { min: 0 });
  }

  getClassName(): string {
    return 'Nadam';
  }

  protected buildSlots(variables: readonly Variable[]): void {
    this.addSlots(variables, ['momentum', 'velocity']);
    // Keras creates the product after the slots of its one build, so it comes last in its saved state.
    this.uProduct ??= this.addStateVariable('u_product', () => scalar(1));
  }

  /** μ at step t: β1(1 - 0.5·0.96^t). */
  private mu(t: Tensor): Tensor {
    return scalar(0.96).pow(t).mul(-0.5).add(1).mul(this.beta1);
  }

  protected override prepareStep(): void {
    const t = this.iterations.cast('float32').add(1);
    const uT = this.mu(t);
    const uT1 = this.mu(t.add(1));
    const product = stepScalar(this.uProduct, 'Nadam');
    const uProduct = product.mul(uT);
    product.assign(uProduct);
    const one = scalar(1);
    this.step = {
      momentumScale: uT1.div(one.sub(uProduct.mul(uT1))),
      gradScale: one.sub(uT).div(one.sub(uProduct)),
      bias2: one.sub(scalar(this.beta2).pow(t)),
    };
  }

  protected updateStep(grad: Tensor, variable: Variable, lr: Tensor): void {
    const s = stepScalar(this.step, 'Nadam');
    const m = this.slot('momentum', variable);
    const v = this.slot('velocity', variable);
    const [mNew, vNew] = updateMoments(grad, m, v, this.beta1, this.beta2);
    const mHat = mNew.mul(s.momentumScale).add(grad.mul(s.gradScale));
    const vHat = vNew.div(s.bias2);
    variable.assign(variable.sub(mHat.mul(lr).div(vHat.sqrt().add(this.epsilon))));
  }

  override getConfig(): Config {
    return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }

  /** From getConfig()'s output or Keras' config. @example Nadam.fromConfig({ learningRate: 0.002 }) */
  static fromConfig(config: Config): Nadam {
    const r = new ConfigReader('Nadam', config);
    const opt = new Nadam({
      ...readBaseConfig(r),
      beta1: r.number('beta1'),
      beta2: r.number('beta2'),
      epsilon: r.number('epsilon'),
    });
    r.done();
    return opt;
  }
}
