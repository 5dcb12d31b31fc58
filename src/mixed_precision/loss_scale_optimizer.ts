// Keras 3's LossScaleOptimizer: dynamic loss scaling around any optimizer, so float16 gradients do not underflow.
import { noGrad, variableGrads } from '../autograd/grad.js';
import { ENGINE } from '../core/engine.js';
import { ArgumentError, NeuriteError, show } from '../core/errors.js';
import { dispose, keep, tidy } from '../core/memory.js';
import { type Config, type ConfigValue, serialize } from '../core/serialization.js';
import { Tensor, type Variable } from '../core/tensor.js';
import { scalar } from '../ops/creation.js';
import { where } from '../ops/elementwise.js';
import { Optimizer, type GradientsInput } from '../optimizers/optimizer.js';
import { deserialize } from '../optimizers/registry.js';
import type { LearningRateSchedule } from '../optimizers/schedules.js';
import { checkKeys, checkNumber, ConfigReader } from '../optimizers/validate.js';

/** Options of LossScaleOptimizer (Keras 3 names). */
export interface LossScaleOptimizerArgs {
  /** The first loss scale. Default 2^15. */
  initialScale?: number;
  /** Finite steps in a row after which the scale doubles. Default 2000. */
  dynamicGrowthSteps?: number;
  name?: string;
}

const OWN_KEYS = ['initialScale', 'dynamicGrowthSteps', 'name'];

/**
 * Wraps an optimizer with dynamic loss scaling (Keras 3): the loss is multiplied by `dynamicScale`
 * before differentiation and the gradients divided by it before the inner optimizer's step. When a
 * gradient is not finite the step is skipped (weights and inner state unchanged) and the scale halved;
 * after `dynamicGrowthSteps` finite steps in a row it doubles. The finiteness check is a tensor that
 * selects the new or old values with `where`, so a step never waits for a read from the device.
 * `model.compile` wraps the optimizer in one under the 'mixed_float16' policy.
 * @example
 * const opt = new nr.mixedPrecision.LossScaleOptimizer(new nr.optimizers.SGD({ learningRate: 0.1 }));
 * opt.minimize(() => w.sub(3).square().sum());
 */
export class LossScaleOptimizer extends Optimizer {
  static readonly className = 'LossScaleOptimizer';
  readonly innerOptimizer: Optimizer;
  readonly initialScale: number;
  readonly dynamicGrowthSteps: number;
  private scaleVar: Variable | null = null;
  private counterVar: Variable | null = null;

  constructor(innerOptimizer: Optimizer, args: LossScaleOptimizerArgs = {}) {
    const cls = LossScaleOptimizer.className;
    checkKeys(cls, args, OWN_KEYS);
    super({ name: args.name ?? 'loss_scale_optimizer' });
    if (!(innerOptimizer instanceof Optimizer))
      throw new ArgumentError(
        `${cls}: innerOptimizer must be an Optimizer, received ${show(innerOptimizer)}`,
      );
    if (innerOptimizer instanceof LossScaleOptimizer)
      throw new ArgumentError(`${cls}: innerOptimizer is already a LossScaleOptimizer`);
    this.innerOptimizer = innerOptimizer;
    this.initialScale = checkNumber(cls, 'initialScale', args.initialScale ?? 2 ** 15, { gt: 0 });
    this.dynamicGrowthSteps = checkNumber(
      cls,
      'dynamicGrowthSteps',
      args.dynamicGrowthSteps ?? 2000,
      { min: 1, integer: true },
    );
  }

  getClassName(): string {
    return LossScaleOptimizer.className;
  }

  /** The current loss scale: a float32 scalar variable. @example (await opt.dynamicScale.data())[0] // 32768 */
  get dynamicScale(): Variable {
    this.scaleVar ??= this.stateVariable('dynamic_scale', () => scalar(this.initialScale));
    return this.scaleVar;
  }

  /** Finite steps since the scale last changed: an int32 scalar variable. @example opt.stepCounter.dataSync() */
  get stepCounter(): Variable {
    this.counterVar ??= this.stateVariable('step_counter', () => scalar(0, 'int32'));
    return this.counterVar;
  }

  private stateVariable(name: string, initial: () => Tensor): Variable {
    return tidy(() =>
      ENGINE.makeVariable(initial(), false, ENGINE.uniqueVariableName(`${this.name}/${name}`)),
    );
  }

  /** The inner optimizer's step count (skipped steps do not count). */
  override get iterations(): Variable {
    return this.innerOptimizer.iterations;
  }

  /** The inner optimizer's learning rate. */
  override get learningRate(): number | LearningRateSchedule {
    return this.innerOptimizer.learningRate;
  }

  override set learningRate(value: number | LearningRateSchedule) {
    this.innerOptimizer.learningRate = value;
  }

  override get built(): boolean {
    return this.innerOptimizer.built;
  }

  override get variables(): readonly Variable[] {
    return this.innerOptimizer.variables;
  }

  override build(variables: readonly Variable[]): void {
    this.innerOptimizer.build(variables);
    void this.dynamicScale;
    void this.stepCounter;
  }

  protected buildSlots(): void {}

  protected updateStep(): void {
    throw new NeuriteError('LossScaleOptimizer: updates are made by the inner optimizer');
  }

  /** loss · scale (Keras' scale_loss). @example const scaled = opt.scaleLoss(loss); */
  override scaleLoss(loss: Tensor): Tensor {
    return loss.mul(this.dynamicScale.cast(loss.dtype));
  }

  /** Gradients of the scaled loss (what applyGradients expects) and the unscaled value. */
  override computeGradients(
    f: () => Tensor,
    varList?: readonly Variable[],
  ): { value: Tensor; grads: Record<string, Tensor> } {
    let loss: Tensor | null = null;
    const { value, grads } = variableGrads(() => {
      // the loss itself is returned (a float16 loss · scale may overflow, which is the point)
      loss = keep(f());
      return this.scaleLoss(loss);
    }, varList);
    value.dispose();
    return { value: loss ?? scalar(0), grads };
  }

  /**
   * Applies gradients of the scaled loss: unscaled, checked for finiteness, stepped by the inner
   * optimizer, and kept only where every gradient was finite; then the scale is adjusted.
   * @example opt.applyGradients([[dw, w]]);
   */
  override applyGradients(gradients: GradientsInput, variables?: readonly Variable[]): void {
    const pairs = this.toPairs(gradients, variables);
    if (pairs.length === 0) return;
    this.build(pairs.map(([, v]) => v));
    const live = pairs.filter((p): p is readonly [Tensor, Variable] => p[0] !== null);
    noGrad(() =>
      tidy(() => {
        const scale = this.dynamicScale;
        const grads = live.map(([g]) => g.cast('float32'));
        let finite = scalar(true, 'bool');
        for (const g of grads) finite = finite.logicalAnd(g.isFinite().all());
        // every value the inner step may change, to restore where a gradient was not finite
        const touched = [...live.map(([, v]) => v), ...this.innerOptimizer.weights()];
        const before = touched.map((v) => v.clone());
        // zeros in place of a non-finite step keep NaN out of the inner state it computes
        const unscaled = grads.map((g) => where(finite, g.div(scale), 0));
        this.innerOptimizer.applyGradients(
          live.length ? live.map(([, v], i) => [unscaled[i], v] as const) : pairs,
        );
        touched.forEach((v, i) => v.assign(where(finite, v, before[i])));
        const counter = this.stepCounter;
        const grow = counter.equal(this.dynamicGrowthSteps - 1);
        scale.assign(where(finite, where(grow, scale.mul(2), scale), scale.div(2)));
        counter.assign(where(finite, where(grow, 0, counter.add(1)), 0));
      }),
    );
  }

  /** step_counter, dynamic_scale, then the inner optimizer's state (Keras' order). @example const saved = opt.weights(); */
  override weights(): Variable[] {
    return [this.stepCounter, this.dynamicScale, ...this.innerOptimizer.weights()];
  }

  /** Restores `weights()` (the inner optimizer must be built on the same variables). @example opt.setWeights(saved) */
  override setWeights(tensors: readonly Tensor[]): void {
    if (!Array.isArray(tensors) || tensors.length < 2 || !tensors.every((t) => t instanceof Tensor))
      throw new ArgumentError(
        `LossScaleOptimizer.setWeights: expected [stepCounter, dynamicScale, ...inner state], received ${show(tensors)}`,
      );
    this.innerOptimizer.setWeights(tensors.slice(2));
    tidy(() => {
      this.stepCounter.assign(tensors[0].cast('int32'));
      this.dynamicScale.assign(tensors[1].cast('float32'));
    });
  }

  override getConfig(): Config {
    return {
      name: this.name,
      innerOptimizer: { ...serialize(this.innerOptimizer) },
      initialScale: this.initialScale,
      dynamicGrowthSteps: this.dynamicGrowthSteps,
    };
  }

  /** From getConfig()'s output or Keras' (snake_case, `{class_name, config}` inner optimizer). @example LossScaleOptimizer.fromConfig(opt.getConfig()) */
  static fromConfig(config: Config): LossScaleOptimizer {
    const r = new ConfigReader(LossScaleOptimizer.className, config);
    const given = r.take('innerOptimizer');
    const inner = asSerialized(given);
    if (!inner)
      throw new ArgumentError(
        `LossScaleOptimizer.fromConfig: innerOptimizer must be {className, config}, received ${show(given)}`,
      );
    const opt = new LossScaleOptimizer(deserialize(inner), {
      initialScale: r.number('initialScale'),
      dynamicGrowthSteps: r.number('dynamicGrowthSteps'),
      name: r.string('name'),
    });
    r.done();
    return opt;
  }

  override dispose(): void {
    this.innerOptimizer.dispose();
    dispose([this.scaleVar, this.counterVar].filter((v): v is Variable => v !== null));
    this.scaleVar = null;
    this.counterVar = null;
    super.dispose();
  }
}

/** `{className, config}` (or Keras' `{class_name, config}`) as a serialized object, else null. */
function asSerialized(v: ConfigValue | undefined): { className: string; config: Config } | null {
  if (!isRecord(v)) return null;
  const name = v.className ?? v.class_name;
  const config = v.config;
  return typeof name === 'string' && isRecord(config)
    ? { className: name, config: { ...config } }
    : null;
}

function isRecord(v: ConfigValue | undefined): v is { readonly [key: string]: ConfigValue } {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);
}
