// tfjs' Optimizer surface (minimize, getWeights/setWeights with tfjs' names, a numeric `iterations`) over one of neurite's optimizers.
import { connectedVariableGrads } from '../autograd/grad.js';
import { ENGINE } from '../core/engine.js';
import { ArgumentError, ShapeError, show } from '../core/errors.js';
import { dispose, tidy } from '../core/memory.js';
import type { Config } from '../core/serialization.js';
import { shapesEqual } from '../core/shape.js';
import { Tensor, type Variable } from '../core/tensor.js';
import { scalar } from '../ops/creation.js';
import type { Optimizer as KerasOptimizer, NamedGradient } from './optimizer.js';

/** A tensor with a name, as tfjs' getWeights/setWeights and applyGradients pass them. */
export interface NamedTensor {
  name: string;
  tensor: Tensor;
}

/** tfjs' slot name (`x/m`) and the neurite slot holding it (`momentum`), in tfjs' save order. */
export type SlotNames = readonly (readonly [tfjsName: string, slotName: string])[];

/**
 * tfjs' `tf.Optimizer`: the base of what `tf.train.*` returns. The math is one of neurite's optimizers
 * (`optimizer`, which `model.compile` trains with when given this object); this class gives it tfjs'
 * surface: `minimize(f, returnCost, varList)` differentiating only the variables f reaches, a numeric
 * `iterations`, and async `getWeights()`/`setWeights()` with tfjs' names (`iter`, then `<variable>/<slot>`
 * grouped by slot), so state saved by tfjs code restores here.
 * @example
 * const opt = nr.train.sgd(0.1);
 * const w = nr.scalar(4).variable();
 * opt.minimize(() => w.square()); // w = 3.2
 * opt.iterations; // 1
 */
export abstract class TfjsOptimizer {
  private readonly inner: KerasOptimizer | null;
  private readonly slotNames: SlotNames;
  /** Steps counted here: for backends that cannot read `iterations` synchronously, and for subclasses. */
  private steps = 0;

  /**
   * @param optimizer the neurite optimizer doing the math; a tfjs-style subclass that implements
   *   `applyGradients` itself (`class MyOpt extends nr.Optimizer`) passes none
   * @param slotNames tfjs' names of the optimizer's slots, in tfjs' save order
   */
  constructor(optimizer?: KerasOptimizer, slotNames: SlotNames = []) {
    this.inner = optimizer ?? null;
    this.slotNames = slotNames;
    // tfjs creates its step state with the optimizer, so tensor counts taken after construction see
    // only the per-variable slots a step adds.
    if (optimizer) void optimizer.iterations;
  }

  /** The neurite optimizer doing the math (what `model.compile` trains with). */
  get optimizer(): KerasOptimizer {
    if (!this.inner)
      throw new ArgumentError(
        `${this.getClassName()}: this optimizer implements applyGradients itself and has no neurite optimizer inside; model.compile needs one of nr.train.* or nr.optimizers.*`,
      );
    return this.inner;
  }

  /** tfjs' class name: the class's `static className` ('Adam', 'Momentum', 'RMSProp', ...), else its name. */
  getClassName(): string {
    const name: unknown = Reflect.get(this.constructor, 'className');
    return typeof name === 'string' ? name : this.constructor.name;
  }

  /** tfjs' config: the constructor's arguments by name. */
  abstract getConfig(): Config;

  /** Steps applied so far, as a number (tfjs); `optimizer.iterations` is the step-count variable. */
  get iterations(): number {
    if (!this.inner) return this.steps;
    const v = this.inner.iterations;
    return v.backend.canReadSync ? v.dataSync()[0] : this.steps;
  }

  /**
   * One step on the gradients of f's scalar result with respect to `varList` (default: every live
   * trainable variable f uses). Returns the cost when `returnCost`, else null.
   * @example const cost = opt.minimize(() => w.square().sum(), true);
   */
  minimize(f: () => Tensor, returnCost = false, varList?: readonly Variable[]): Tensor | null {
    const { value, grads } = this.computeGradients(f, varList);
    try {
      this.applyGradients(grads);
    } catch (e) {
      value.dispose();
      throw e;
    } finally {
      dispose(Object.values(grads));
    }
    if (returnCost) return value;
    value.dispose();
    return null;
  }

  /**
   * The value of f and its gradients, keyed by variable name, for the trainable variables f reaches.
   * @example const { value, grads } = opt.computeGradients(() => w.square().sum());
   */
  computeGradients(
    f: () => Tensor,
    varList?: readonly Variable[],
  ): { value: Tensor; grads: Record<string, Tensor> } {
    return connectedVariableGrads(`${this.getClassName()}.computeGradients`, f, varList);
  }

  /**
   * Applies gradients given as `{variableName: gradient}` or `[{name, tensor}]` (names of live
   * trainable variables), then counts the step.
   * @example opt.applyGradients(opt.computeGradients(() => loss()).grads);
   */
  applyGradients(variableGradients: Record<string, Tensor> | readonly NamedTensor[]): void {
    const list: readonly NamedGradient[] = Array.isArray(variableGradients)
      ? variableGradients
      : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    this.optimizer.applyGradients(list);
    if (list.length > 0) this.incrementIterations();
  }

  /** Counts one step (tfjs' incrementIterations, for subclasses that implement applyGradients). */
  protected incrementIterations(): void {
    this.steps++;
  }

  /**
   * The state, as tfjs names it: `iter` (a new int32 scalar the caller owns) first, then each slot of
   * each variable, grouped by slot (`w/m`, `b/m`, `w/v`, `b/v`); the slots are the live variables.
   * @example const saved = await opt.getWeights();
   */
  async getWeights(): Promise<NamedTensor[]> {
    const inner = this.inner;
    if (!inner) return [{ name: 'iter', tensor: scalar(this.steps, 'int32') }];
    const out: NamedTensor[] = [{ name: 'iter', tensor: inner.iterations.clone() }];
    for (const [tfjsName, slotName] of this.slotNames)
      for (const v of inner.variables)
        out.push({ name: `${v.name}/${tfjsName}`, tensor: inner.getSlot(v, slotName) });
    return out;
  }

  /**
   * Restores state from `getWeights()` (of this optimizer or another of the same kind and settings):
   * `iter` first, then `<variable>/<slot>` entries naming live trainable variables.
   * @example await opt2.setWeights(await opt1.getWeights());
   */
  async setWeights(weightValues: readonly NamedTensor[]): Promise<void> {
    const cls = `${this.getClassName()}.setWeights`;
    if (!Array.isArray(weightValues) || weightValues.length === 0)
      throw new ArgumentError(
        `${cls}: expected [{name: 'iter', tensor}, ...], received ${show(weightValues)}`,
      );
    weightValues.forEach((w, i) => {
      if (w === null || typeof w !== 'object' || typeof w.name !== 'string')
        throw new ArgumentError(`${cls}: entry ${i} must be {name, tensor}, received ${show(w)}`);
      if (!(w.tensor instanceof Tensor))
        throw new ArgumentError(
          `${cls}: entry ${i} ('${w.name}') must hold a Tensor, received ${show(w.tensor)}`,
        );
      ENGINE.assertAlive(cls, `entry ${i}`, w.tensor);
    });
    const [iter, ...slots] = weightValues;
    if (iter.name !== 'iter' || iter.tensor.size !== 1)
      throw new ArgumentError(
        `${cls}: entry 0 must be the scalar 'iter', received '${iter.name}' of shape ${show(iter.tensor.shape)}`,
      );
    const targets = slots.map((w) => this.slotTarget(cls, w));
    const count = (await iter.tensor.data())[0];
    if (!this.inner) {
      this.steps = count;
      return;
    }
    this.optimizer.build(targets.map(([v]) => v));
    tidy(() => {
      targets.forEach(([v, slotName], i) => {
        const slot = this.optimizer.getSlot(v, slotName);
        const t = slots[i].tensor;
        if (!shapesEqual(slot.shape, t.shape))
          throw new ShapeError(
            `${cls}: '${slots[i].name}' must have shape ${show(slot.shape)}, received ${show(t.shape)}`,
          );
        slot.assign(t.dtype === slot.dtype ? t : t.cast(slot.dtype));
      });
      this.optimizer.iterations.assign(scalar(count, 'int32'));
    });
    this.steps = count;
  }

  /** The variable and neurite slot a `<variable>/<slot>` entry names. */
  private slotTarget(cls: string, w: NamedTensor): [Variable, string] {
    const cut = w.name.lastIndexOf('/');
    const varName = w.name.slice(0, Math.max(cut, 0));
    const tfjsName = w.name.slice(cut + 1);
    const pair = this.slotNames.find(([t]) => t === tfjsName);
    if (cut < 0 || !pair) {
      const known = this.slotNames.map(([t]) => `'<variable>/${t}'`).join(', ') || 'none';
      throw new ArgumentError(
        `${cls}: entry '${w.name}' is not state of ${this.getClassName()} (its entries after 'iter': ${known})`,
      );
    }
    const v = ENGINE.trainableVariables().find((x) => x.name === varName);
    if (!v)
      throw new ArgumentError(
        `${cls}: entry '${w.name}' names no live trainable variable '${varName}'`,
      );
    return [v, pair[1]];
  }

  /** Frees the optimizer's state; it cannot be used afterwards. @example opt.dispose() */
  dispose(): void {
    this.inner?.dispose();
  }
}
