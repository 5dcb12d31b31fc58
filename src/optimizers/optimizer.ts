// The Optimizer base (Keras 3 design): slots built per variable, clipping, weight decay, schedules, state.
import { ENGINE } from '../core/engine.js';
import { ArgumentError, DTypeError, NeuriteError, ShapeError, show } from '../core/errors.js';
import { dispose, tidy } from '../core/memory.js';
import {
  serialize,
  type Config,
  type ConfigValue,
  type Serializable,
} from '../core/serialization.js';
import { shapesEqual } from '../core/shape.js';
import { Tensor, Variable } from '../core/tensor.js';
import { noGrad, variableGrads } from '../autograd/grad.js';
import { fill, scalar } from '../ops/creation.js';
import { getSchedule, LearningRateSchedule } from './schedules.js';
import { checkKeys, checkString, type ConfigReader, optionalNumber } from './validate.js';

/** Options every optimizer takes (Keras 3's base optimizer arguments, tfjs spelling). */
export interface OptimizerArgs {
  /** A number >= 0 or a schedule evaluated at `iterations` every step. */
  learningRate?: number | LearningRateSchedule;
  /** Clip each gradient to this L2 norm (per tensor). */
  clipnorm?: number | null;
  /** Clip each gradient element to [-clipvalue, clipvalue]. */
  clipvalue?: number | null;
  /** Scale all gradients together so their joint L2 norm is at most this. */
  globalClipnorm?: number | null;
  /** Decoupled weight decay: each step, before the update, variable -= lr · weightDecay · variable. */
  weightDecay?: number | null;
  /** Prefix of the optimizer's state variable names. */
  name?: string;
}

/** Keys of OptimizerArgs, for runtime checks of options objects. @example OPTIMIZER_KEYS.includes('clipnorm') // true */
export const OPTIMIZER_KEYS: readonly string[] = [
  'learningRate',
  'clipnorm',
  'clipvalue',
  'globalClipnorm',
  'weightDecay',
  'name',
];

/** A gradient and the variable it belongs to; a null gradient skips the variable (Keras' apply). */
export type GradAndVar = readonly [Tensor | null, Variable];
/** tfjs' list form of named gradients. */
export interface NamedGradient {
  name: string;
  tensor: Tensor;
}
/** What applyGradients takes: Keras' pairs, tfjs' name → gradient map, or tfjs' named list. */
export type GradientsInput =
  readonly GradAndVar[] | readonly NamedGradient[] | Record<string, Tensor>;

/**
 * NOTE: the smallest normal float32. Moments that decay geometrically (m ← β·m) reach subnormal values
 * after a few thousand steps with zero gradient; JS and wasm cannot set flush-to-zero, and subnormal
 * arithmetic runs many times slower on most CPUs, so state below this is stored as exactly 0. The update
 * this drops is below 1e-38 · lr.
 * @example m.abs().less(FLT_MIN) // entries that would be subnormal
 */
export const FLT_MIN = 1.1754943508222875e-38;

/**
 * Replaces subnormal values with 0 (see FLT_MIN); pass `nonNegative` for squared moments to skip the abs.
 * @example flushSubnormals(m) // m with |m| < 1.18e-38 set to 0
 */
export function flushSubnormals(x: Tensor, _nonNegative = false): Tensor {
  // one elementwise pass (the table's flushSubnormal row) instead of abs, less and where
  return ENGINE.run1('unary', [x], { op: 'flushSubnormal', alpha: 0 });
}

/**
 * Base of every optimizer. Subclasses implement `buildSlots` (create per-variable state with `addSlots`)
 * and `updateStep` (the math of one variable's update, with `assign`), plus `getClassName`/`getConfig`;
 * `updateVariables` may batch a step's updates into fewer kernels.
 * `applyGradients` does the rest, in Keras' order: clip gradients, decay weights, update, count the step.
 * @example
 * const opt = new nr.optimizers.Adam({ learningRate: 0.01 });
 * for (let i = 0; i < 100; i++) opt.minimize(() => w.sub(3).square().sum());
 */
export abstract class Optimizer implements Serializable {
  readonly name: string;
  readonly clipnorm: number | null;
  readonly clipvalue: number | null;
  readonly globalClipnorm: number | null;
  readonly weightDecay: number | null;
  private lr: number | LearningRateSchedule;
  /** The variables this optimizer updates, in build order. */
  private readonly tracked: Variable[] = [];
  private readonly indexOf = new Map<Variable, number>();
  /** iterations, then state in creation order (Keras' `optimizer.variables` less learning_rate). */
  private readonly state: Variable[] = [];
  private readonly slots = new Map<string, Variable[]>();
  private excludedVars = new Set<Variable>();
  private excludedNames: readonly string[] = [];
  private disposed = false;
  private iterationsVar: Variable | null = null;

  /**
   * @param args the base options (validated here)
   * @param defaultLearningRate the subclass' default, used when args.learningRate is absent
   * @param ownKeys option names the subclass adds, so unknown keys can be rejected
   */
  constructor(
    args: OptimizerArgs = {},
    defaultLearningRate = 0.001,
    ownKeys: readonly string[] = [],
  ) {
    const cls = this.getClassName();
    checkKeys(cls, args, [...OPTIMIZER_KEYS, ...ownKeys]);
    this.lr = checkLearningRate(cls, args.learningRate ?? defaultLearningRate);
    this.clipnorm = optionalNumber(cls, 'clipnorm', args.clipnorm, { gt: 0 }) ?? null;
    this.clipvalue = optionalNumber(cls, 'clipvalue', args.clipvalue, { gt: 0 }) ?? null;
    this.globalClipnorm =
      optionalNumber(cls, 'globalClipnorm', args.globalClipnorm, { gt: 0 }) ?? null;
    const clips = [this.clipnorm, this.clipvalue, this.globalClipnorm].filter(
      (c) => c !== null,
    ).length;
    if (clips > 1) {
      const received = `clipnorm=${show(args.clipnorm)}, clipvalue=${show(args.clipvalue)}, globalClipnorm=${show(args.globalClipnorm)}`;
      throw new ArgumentError(
        `${cls}: only one of clipnorm, clipvalue and globalClipnorm can be set, received ${received}`,
      );
    }
    this.weightDecay = optionalNumber(cls, 'weightDecay', args.weightDecay, { min: 0 }) ?? null;
    this.name = args.name === undefined ? cls.toLowerCase() : checkString(cls, 'name', args.name);
  }

  /**
   * Steps applied so far: a non-trainable int32 scalar variable (Keras' `iterations`). Created on first
   * use rather than in the constructor, so a constructor that rejects its options leaves nothing behind.
   */
  get iterations(): Variable {
    this.assertLive('iterations');
    return this.ensureIterations();
  }

  /** The registered class name ('Adam'). */
  abstract getClassName(): string;

  /** Creates this optimizer's per-variable state for variables it has not seen (with `addSlots`). */
  protected abstract buildSlots(variables: readonly Variable[]): void;

  /** Updates one variable (and its slots) from its gradient with `assign`; runs inside a tidy. */
  protected abstract updateStep(grad: Tensor, variable: Variable, learningRate: Tensor): void;

  /** Runs once per step before the per-variable updates (e.g. Nadam's momentum product); default nothing. */
  protected prepareStep(_learningRate: Tensor): void {}

  /**
   * Updates all of a step's variables (gradient i belongs to variable i); runs inside a tidy, after
   * `prepareStep`. The default calls `updateStep` per variable; an optimizer with a kernel over many
   * variables (Adam's adamUpdate) overrides it to run one kernel for the whole step.
   */
  protected updateVariables(
    grads: readonly Tensor[],
    variables: readonly Variable[],
    learningRate: Tensor,
  ): void {
    variables.forEach((v, i) => this.updateStep(grads[i], v, learningRate));
  }

  /** The learning rate: a number or the schedule given. */
  get learningRate(): number | LearningRateSchedule {
    return this.lr;
  }

  /** Sets a new fixed rate (or schedule). Keras refuses a number once a schedule is in use. */
  set learningRate(value: number | LearningRateSchedule) {
    const cls = this.getClassName();
    if (this.lr instanceof LearningRateSchedule && !(value instanceof LearningRateSchedule)) {
      throw new ArgumentError(
        `${cls}: the learning rate is a schedule and cannot be set to a number, received ${show(value)}; pass a schedule or make a new optimizer`,
      );
    }
    this.lr = checkLearningRate(cls, value);
  }

  /** tfjs' setter. @example opt.setLearningRate(0.001) */
  setLearningRate(value: number): void {
    this.learningRate = value;
  }

  /** True once slots exist for at least one variable. */
  get built(): boolean {
    return this.tracked.length > 0;
  }

  /** The variables this optimizer updates, in build order. */
  get variables(): readonly Variable[] {
    return this.tracked.slice();
  }

  /**
   * Creates state for variables not seen before (Keras' `build(var_list)`); known variables are skipped,
   * so it is safe to call again. `applyGradients` calls it for you.
   * @example opt.build([w, b]);
   */
  build(variables: readonly Variable[]): void {
    this.assertLive('build');
    const cls = this.getClassName();
    if (!Array.isArray(variables))
      throw new ArgumentError(
        `${cls}.build: variables must be an array of Variables, received ${show(variables)}`,
      );
    variables.forEach((v, i) => {
      if (!(v instanceof Variable))
        throw new ArgumentError(
          `${cls}.build: variables[${i}] must be a Variable, received ${show(v)}`,
        );
      ENGINE.assertAlive(`${cls}.build`, `variables[${i}]`, v);
      if (v.dtype !== 'float32')
        throw new DTypeError(
          `${cls}.build: variable '${v.name}' must be float32, received '${v.dtype}'`,
        );
    });
    // Register only after every variable passed, so a bad list leaves no half-built state.
    const fresh: Variable[] = [];
    for (const v of variables) {
      if (this.indexOf.has(v)) continue;
      this.indexOf.set(v, this.tracked.length);
      this.tracked.push(v);
      fresh.push(v);
    }
    if (fresh.length) {
      this.ensureIterations(); // first in the state, before any slot
      this.buildSlots(fresh);
    }
  }

  /**
   * Adds slot variables, Keras' add_optimizer_variables: for each variable, one per name (interleaved in
   * that order, as Keras orders its saved state), with the variable's shape, filled with `initialValue`.
   */
  protected addSlots(
    variables: readonly Variable[],
    names: readonly string[],
    initialValue = 0,
  ): void {
    for (const v of variables) {
      const i = this.indexOf.get(v);
      if (i === undefined)
        throw new ArgumentError(
          `${this.getClassName()}: addSlots got variable '${v.name}', which build() did not register`,
        );
      for (const n of names) {
        const table = this.slots.get(n) ?? [];
        this.slots.set(n, table);
        table[i] = this.newStateVariable(`${v.name}_${n}`, () =>
          fill(v.shape, initialValue, v.dtype),
        );
      }
    }
  }

  /** A state variable not tied to one model variable (Nadam's momentum product), appended to the state. */
  protected addStateVariable(name: string, initial: () => Tensor): Variable {
    return this.newStateVariable(name, initial);
  }

  /** The slot `name` of a variable. */
  protected slot(name: string, variable: Variable): Variable {
    const i = this.indexOf.get(variable);
    const s = i === undefined ? undefined : this.slots.get(name)?.[i];
    if (!s)
      throw new ArgumentError(
        `${this.getClassName()}: no slot '${name}' for variable '${variable.name}'`,
      );
    return s;
  }

  /**
   * The state variable `slotName` of `variable` (tf.keras' `get_slot`), e.g. Adam's 'momentum'.
   * Throws when the optimizer has no such slot for the variable.
   * @example const m = opt.getSlot(w, 'momentum');
   */
  getSlot(variable: Variable, slotName: string): Variable {
    this.assertLive('getSlot');
    return this.slot(slotName, variable);
  }

  private ensureIterations(): Variable {
    this.iterationsVar ??= this.newStateVariable('iteration', () => scalar(0, 'int32'));
    return this.iterationsVar;
  }

  private newStateVariable(name: string, initial: () => Tensor): Variable {
    const v = tidy(() => {
      const t = initial();
      return ENGINE.makeVariable(t, false, ENGINE.uniqueVariableName(`${this.name}/${name}`));
    });
    this.state.push(v);
    return v;
  }

  /**
   * Skips weight decay for some variables: those listed, and those whose name contains one of `varNames`
   * (Keras matches the names as a regular expression; here they are plain substrings).
   * @example opt.excludeFromWeightDecay({ varNames: ['bias'] });
   */
  excludeFromWeightDecay({
    varList = [],
    varNames = [],
  }: { varList?: readonly Variable[]; varNames?: readonly string[] } = {}): void {
    this.excludedVars = new Set(varList);
    this.excludedNames = varNames.slice();
  }

  private decays(v: Variable): boolean {
    return !this.excludedVars.has(v) && !this.excludedNames.some((n) => v.name.includes(n));
  }

  /**
   * Applies one step of gradients: Keras' `[grad, variable]` pairs, or tfjs' `{name: grad}` map /
   * `[{name, tensor}]` list (names looked up in `variables`, else among live trainable variables).
   * Builds state for new variables, then clips, decays weights, updates and increments `iterations`.
   * @example
   * const { grads } = nr.variableGrads(() => loss());
   * opt.applyGradients(grads);
   */
  applyGradients(gradients: GradientsInput, variables?: readonly Variable[]): void {
    this.assertLive('applyGradients');
    const pairs = this.toPairs(gradients, variables);
    if (pairs.length === 0) return; // Keras: nothing to apply, and the step is not counted
    this.build(pairs.map(([, v]) => v));
    const live = pairs.filter((p): p is readonly [Tensor, Variable] => p[0] !== null);
    noGrad(() =>
      tidy(() => {
        // Keras: with every gradient null the step is still counted, but nothing else happens.
        if (live.length === 0) {
          this.iterations.assign(this.iterations.add(1));
          return;
        }
        const grads = this.clipGradients(live.map(([g]) => g.cast('float32')));
        const lr = this.currentLearningRate();
        if (this.weightDecay !== null) {
          const wd = this.weightDecay;
          for (const [, v] of live) if (this.decays(v)) v.assign(v.sub(v.mul(lr).mul(wd)));
        }
        this.prepareStep(lr);
        this.updateVariables(
          grads,
          live.map(([, v]) => v),
          lr,
        );
        this.iterations.assign(this.iterations.add(1));
      }),
    );
  }

  /**
   * Keras' `apply(grads, variables)`: gradients in the order of `variables` (default: the variables the
   * optimizer was built with).
   * @example opt.apply([dw, db], [w, b]);
   */
  apply(grads: readonly (Tensor | null)[], variables?: readonly Variable[]): void {
    const cls = this.getClassName();
    const vars = variables ?? this.tracked;
    if (!variables && !this.built)
      throw new ArgumentError(`${cls}.apply: pass the variables (or call build(variables) first)`);
    if (!Array.isArray(grads) || grads.length !== vars.length) {
      throw new ArgumentError(
        `${cls}.apply: expected ${vars.length} gradients (one per variable), received ${Array.isArray(grads) ? grads.length : show(grads)}`,
      );
    }
    this.applyGradients(vars.map((v, i): GradAndVar => [grads[i], v]));
  }

  /**
   * Gradients of f's scalar result with respect to `varList` (default: every trainable variable).
   * @example const { value, grads } = opt.computeGradients(() => loss());
   */
  computeGradients(
    f: () => Tensor,
    varList?: readonly Variable[],
  ): { value: Tensor; grads: Record<string, Tensor> } {
    return variableGrads(f, varList);
  }

  /**
   * tfjs' minimize: one step on the gradients of f. Without `varList` every live trainable variable gets
   * a gradient (zero where f does not use it), so pass `varList` when other models are alive.
   * @example const loss = opt.minimize(() => w.sub(3).square().sum(), true);
   */
  minimize(f: () => Tensor, returnCost = false, varList?: readonly Variable[]): Tensor | null {
    const { value, grads } = this.computeGradients(f, varList);
    try {
      this.applyGradients(grads, varList);
    } catch (e) {
      value.dispose();
      throw e;
    } finally {
      dispose(grads);
    }
    if (returnCost) return value;
    value.dispose();
    return null;
  }

  /**
   * The loss the gradients are taken of (Keras' `scale_loss`): the loss itself here; a
   * LossScaleOptimizer multiplies it by its scale, and the trainer calls this before differentiating.
   * @example const scaled = opt.scaleLoss(loss);
   */
  scaleLoss(loss: Tensor): Tensor {
    return loss;
  }

  /** The rate for this step as a float32 scalar (the schedule at `iterations`). */
  protected currentLearningRate(): Tensor {
    if (this.lr instanceof LearningRateSchedule)
      return this.lr.call(this.iterations).cast('float32');
    return scalar(this.lr);
  }

  private clipGradients(grads: Tensor[]): Tensor[] {
    const { clipnorm, clipvalue, globalClipnorm } = this;
    if (clipnorm !== null) {
      // g · c / max(‖g‖, c): unchanged when ‖g‖ <= c (also for g = 0).
      return grads.map((g) => g.mul(clipnorm).div(g.square().sum().sqrt().maximum(clipnorm)));
    }
    if (globalClipnorm !== null && grads.length) {
      const norm = grads
        .map((g) => g.square().sum())
        .reduce((a, b) => a.add(b))
        .sqrt();
      // c · min(1/n, 1/c) is 1 for n <= c (1/0 = inf included); (n - n) turns the scale NaN when n is inf/NaN.
      const scale = norm
        .reciprocal()
        .minimum(1 / globalClipnorm)
        .mul(globalClipnorm)
        .add(norm.sub(norm));
      return grads.map((g) => g.mul(scale));
    }
    if (clipvalue !== null) return grads.map((g) => g.clipByValue(-clipvalue, clipvalue));
    return grads;
  }

  /** Gradients in any accepted form as checked [gradient, variable] pairs. */
  protected toPairs(
    gradients: GradientsInput,
    variables: readonly Variable[] | undefined,
  ): GradAndVar[] {
    const cls = this.getClassName();
    const lookup = (name: string): Variable => {
      const pool = variables ?? ENGINE.trainableVariables();
      const v = pool.find((x) => x.name === name);
      if (!v)
        throw new ArgumentError(
          `${cls}.applyGradients: no ${variables ? 'variable in the list given' : 'live trainable variable'} is named ${show(name)}`,
        );
      return v;
    };
    let pairs: GradAndVar[];
    if (Array.isArray(gradients)) {
      const list: readonly unknown[] = gradients;
      pairs = list.map((e, i): GradAndVar => {
        if (
          Array.isArray(e) &&
          e.length === 2 &&
          e[1] instanceof Variable &&
          (e[0] === null || e[0] instanceof Tensor)
        )
          return [e[0], e[1]];
        if (isNamedGradient(e)) return [e.tensor, lookup(e.name)];
        throw new ArgumentError(
          `${cls}.applyGradients: entry ${i} must be [gradient, variable] or {name, tensor}, received ${show(e)}`,
        );
      });
    } else if (
      gradients !== null &&
      typeof gradients === 'object' &&
      !(gradients instanceof Tensor)
    ) {
      pairs = Object.entries(gradients).map(([name, g]): GradAndVar => {
        if (!(g instanceof Tensor))
          throw new ArgumentError(
            `${cls}.applyGradients: gradient ${show(name)} must be a Tensor, received ${show(g)}`,
          );
        return [g, lookup(name)];
      });
    } else {
      throw new ArgumentError(
        `${cls}.applyGradients: expected [gradient, variable] pairs or a {name: gradient} map, received ${show(gradients)}`,
      );
    }
    for (const [g, v] of pairs) {
      if (g === null) continue;
      ENGINE.assertAlive(`${cls}.applyGradients`, `the gradient of '${v.name}'`, g);
      if (!shapesEqual(g.shape, v.shape)) {
        throw new ShapeError(
          `${cls}.applyGradients: the gradient of '${v.name}' has shape ${show(g.shape)} but the variable has shape ${show(v.shape)}`,
        );
      }
      if (g.dtype === 'bool')
        throw new DTypeError(
          `${cls}.applyGradients: the gradient of '${v.name}' must be numeric, received 'bool'`,
        );
    }
    return pairs;
  }

  /**
   * The optimizer's state: `iterations` first, then the slots in creation order (per variable, per slot
   * name, as Keras orders them). Keras' `optimizer.variables` also hold `learning_rate` at index 1 when
   * the rate is a number; here the rate lives in the config instead.
   * @example const saved = opt.weights().map((v) => v.clone());
   */
  weights(): Variable[] {
    this.assertLive('weights');
    return this.state.slice();
  }

  /**
   * Restores state saved from `weights()` (same optimizer class and config, built on the same variables
   * in the same order), so training resumes where it stopped.
   * @example opt2.build([w, b]); opt2.setWeights(saved);
   */
  setWeights(tensors: readonly Tensor[]): void {
    this.assertLive('setWeights');
    const cls = this.getClassName();
    if (!Array.isArray(tensors))
      throw new ArgumentError(
        `${cls}.setWeights: expected an array of tensors, received ${show(tensors)}`,
      );
    if (!this.built)
      throw new ArgumentError(
        `${cls}.setWeights: the optimizer has no state yet; call build(variables) first`,
      );
    if (tensors.length !== this.state.length) {
      throw new ArgumentError(
        `${cls}.setWeights: expected ${this.state.length} tensors (iterations and slots), received ${tensors.length}`,
      );
    }
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor))
        throw new ArgumentError(
          `${cls}.setWeights: entry ${i} must be a Tensor, received ${show(t)}`,
        );
      ENGINE.assertAlive(`${cls}.setWeights`, `entry ${i}`, t);
      const v = this.state[i];
      if (!shapesEqual(t.shape, v.shape))
        throw new ShapeError(
          `${cls}.setWeights: entry ${i} ('${v.name}') must have shape ${show(v.shape)}, received ${show(t.shape)}`,
        );
    });
    tidy(() =>
      tensors.forEach((t, i) =>
        this.state[i].assign(t.dtype === this.state[i].dtype ? t : t.cast(this.state[i].dtype)),
      ),
    );
  }

  /** The base config (Keras' keys in camelCase); subclasses add theirs. */
  getConfig(): Config {
    return {
      name: this.name,
      learningRate: this.lr instanceof LearningRateSchedule ? { ...serialize(this.lr) } : this.lr,
      weightDecay: this.weightDecay,
      clipnorm: this.clipnorm,
      globalClipnorm: this.globalClipnorm,
      clipvalue: this.clipvalue,
    };
  }

  /** Frees `iterations` and every slot; the optimizer cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.state) v.dispose();
    this.state.length = 0;
    this.iterationsVar = null;
    this.slots.clear();
    this.tracked.length = 0;
    this.indexOf.clear();
  }

  private assertLive(op: string): void {
    if (this.disposed)
      throw new ArgumentError(`${this.getClassName()}.${op}: the optimizer was disposed`);
  }
}

/**
 * A value a subclass computed in `prepareStep` (or `buildSlots`), checked for presence: applyGradients
 * always runs those first, so a missing one is a bug in the subclass.
 * @example const alpha = stepScalar(this.alpha, 'Adam');
 */
export function stepScalar<T>(value: T | null, cls: string): T {
  if (value === null)
    throw new NeuriteError(
      `${cls}: per-step state is missing; updateStep must run inside applyGradients`,
    );
  return value;
}

function isNamedGradient(e: unknown): e is NamedGradient {
  return (
    e !== null &&
    typeof e === 'object' &&
    'name' in e &&
    'tensor' in e &&
    typeof e.name === 'string' &&
    e.tensor instanceof Tensor
  );
}

function checkLearningRate(cls: string, lr: unknown): number | LearningRateSchedule {
  if (lr instanceof LearningRateSchedule) return lr;
  if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
    throw new ArgumentError(
      `${cls}: learningRate must be a non-negative number or a LearningRateSchedule, received ${show(lr)}`,
    );
  }
  return lr;
}

/**
 * Reads the base options from a config (camelCase or Keras snake_case); Keras-only options are accepted
 * when off (`useEma: false`, `lossScaleFactor: null`, ...).
 * @example const r = new ConfigReader('Adam', config); const base = readBaseConfig(r);
 */
export function readBaseConfig(r: ConfigReader): OptimizerArgs {
  const lr = r.take('learningRate');
  let learningRate: number | LearningRateSchedule | undefined;
  if (lr !== undefined) {
    learningRate = typeof lr === 'number' ? lr : scheduleFromConfig(lr);
  }
  // Keras writes these options; neurite implements none of them, so they load only when off.
  r.ignore('useEma', false);
  r.take('emaMomentum');
  r.ignore('emaOverwriteFrequency', undefined);
  r.ignore('lossScaleFactor', undefined);
  r.ignore('gradientAccumulationSteps', undefined);
  r.ignore('isLegacyOptimizer', false);
  return {
    learningRate,
    name: r.string('name'),
    weightDecay: r.number('weightDecay'),
    clipnorm: r.number('clipnorm'),
    clipvalue: r.number('clipvalue'),
    globalClipnorm: r.number('globalClipnorm'),
  };
}

/** A schedule from a nested config: ours `{className, config}` or Keras' `{class_name, config, module}`. */
function scheduleFromConfig(spec: ConfigValue): LearningRateSchedule {
  const bad = () =>
    new ArgumentError(
      `fromConfig: learningRate must be a number or {className, config}, received ${show(spec)}`,
    );
  if (!isConfigObject(spec)) throw bad();
  const className = spec.className ?? spec.class_name;
  const config = spec.config;
  if (typeof className !== 'string' || !isConfigObject(config)) throw bad();
  return getSchedule({ className, config: { ...config } });
}

function isConfigObject(v: ConfigValue | undefined): v is { readonly [key: string]: ConfigValue } {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);
}
