// Keras activation functions by name: Tensor → Tensor functions, getActivation and serializeActivation.
import type { FusedActivation } from '../backends/backend.js';
import { ArgumentError, ShapeError, show } from '../core/errors.js';
import { tidy } from '../core/memory.js';
import { Registry } from '../core/serialization.js';
import { normalizeAxis } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import * as ops from '../ops/all.js';

/** An activation: one tensor in, one tensor of the same shape out (glu halves one axis). */
export type ActivationFn = (x: Tensor) => Tensor;
/** What `getActivation` accepts: a name ('relu', 'hard_sigmoid', 'hardSigmoid', ...) or a function. */
export type ActivationIdentifier = string | ActivationFn;

function finite(fn: string, arg: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new ArgumentError(`${fn}: ${arg} must be a finite number, received ${show(v)}`);
  return v;
}

/**
 * The identity: returns `x` itself (no copy), as Keras does.
 * @example nr.activations.linear(x) === x // true
 */
export function linear(x: Tensor): Tensor {
  return x;
}

/** Options of `relu` (Keras' negative_slope, max_value, threshold). */
export interface ReluOptions {
  /** Slope below the threshold. Default 0. */
  negativeSlope?: number;
  /** Largest output; none by default. */
  maxValue?: number;
  /** Inputs at or below it give 0 (plus the negative slope part). Default 0. */
  threshold?: number;
}

/**
 * max(x, 0), or Keras' general form: x above `threshold` (capped at `maxValue`), `negativeSlope · (x - threshold)` below.
 * @example nr.activations.relu(nr.tensor([-10, -5, 0, 5, 10]), { negativeSlope: 0.5 }) // [-5, -2.5, 0, 5, 10]
 */
export function relu(x: Tensor, options: ReluOptions = {}): Tensor {
  const negativeSlope = finite('relu', 'negativeSlope', options.negativeSlope ?? 0);
  const threshold = finite('relu', 'threshold', options.threshold ?? 0);
  const maxValue =
    options.maxValue === undefined ? undefined : finite('relu', 'maxValue', options.maxValue);
  if (negativeSlope === 0 && maxValue === undefined && threshold === 0) return ops.relu(x);
  if (maxValue === undefined && threshold === 0) return ops.leakyRelu(x, negativeSlope);
  // Keras' ReLU.static_call, step by step.
  return tidy(() => {
    const negativePart = negativeSlope === 0 ? null : ops.relu(x.neg().add(threshold));
    let y: Tensor;
    let clipMax = maxValue !== undefined;
    if (threshold !== 0) {
      y = x.mul(x.greater(threshold).cast(x.dtype));
    } else if (maxValue === 6) {
      y = ops.relu6(x);
      clipMax = false;
    } else {
      y = ops.relu(x);
    }
    if (clipMax && maxValue !== undefined) y = y.clipByValue(0, maxValue);
    return negativePart ? y.sub(negativePart.mul(negativeSlope)) : y;
  });
}

/** min(max(x, 0), 6). @example nr.activations.relu6(nr.tensor([-1, 3, 9])) // [0, 3, 6] */
export function relu6(x: Tensor): Tensor {
  return ops.relu6(x);
}

/**
 * x for x > 0, else negativeSlope · x (Keras 3 default slope 0.2).
 * @example nr.activations.leakyRelu(nr.tensor([-1, 2])) // [-0.2, 2]
 */
export function leakyRelu(x: Tensor, negativeSlope = 0.2): Tensor {
  return ops.leakyRelu(x, finite('leakyRelu', 'negativeSlope', negativeSlope));
}

/** 1 / (1 + e^-x). @example nr.activations.sigmoid(nr.tensor([0])) // [0.5] */
export function sigmoid(x: Tensor): Tensor {
  return ops.sigmoid(x);
}

/** Keras 3's hard sigmoid: relu6(x + 3) / 6, i.e. 0 below -3, 1 above 3. @example nr.activations.hardSigmoid(nr.tensor([0])) // [0.5] */
export function hardSigmoid(x: Tensor): Tensor {
  return tidy(() => ops.relu6(x.add(3)).div(6));
}

/**
 * The hard sigmoid of Keras 2 and TensorFlow.js: clip(0.2·x + 0.5, 0, 1), i.e. 0 below -2.5, 1 above 2.5.
 * Files saved by those (tfjs model.json, Keras 2 `.h5`) mean this by 'hard_sigmoid', so their readers
 * load it under this name; Keras 3 changed 'hard_sigmoid' to relu6(x + 3) / 6.
 * @example nr.activations.hardSigmoidLegacy(nr.tensor([1])) // [0.7]
 */
export function hardSigmoidLegacy(x: Tensor): Tensor {
  return tidy(() => x.mul(0.2).add(0.5).clipByValue(0, 1));
}

/** log(sigmoid(x)), stable for large |x|. @example nr.activations.logSigmoid(nr.tensor([0])) // [-0.6931] */
export function logSigmoid(x: Tensor): Tensor {
  return ops.logSigmoid(x);
}

/** Piecewise-linear sigmoid: clip((x + 1) / 2, 0, 1). @example nr.activations.sparseSigmoid(nr.tensor([0])) // [0.5] */
export function sparseSigmoid(x: Tensor): Tensor {
  return tidy(() => x.add(1).mul(0.5).clipByValue(0, 1));
}

/** Softmax along `axis` (default the last). @example nr.activations.softmax(nr.tensor([[1, 1]])) // [[0.5, 0.5]] */
export function softmax(x: Tensor, axis = -1): Tensor {
  return ops.softmax(x, axis);
}

/** log(softmax(x)) along `axis`, stable. @example nr.activations.logSoftmax(nr.tensor([0, 0])) // [-0.6931, -0.6931] */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return ops.logSoftmax(x, axis);
}

/** Hyperbolic tangent. @example nr.activations.tanh(nr.tensor([0])) // [0] */
export function tanh(x: Tensor): Tensor {
  return ops.tanh(x);
}

/** clip(x, -1, 1). @example nr.activations.hardTanh(nr.tensor([-2, 0.5])) // [-1, 0.5] */
export function hardTanh(x: Tensor): Tensor {
  return tidy(() => x.clipByValue(-1, 1));
}

/** x - tanh(x). @example nr.activations.tanhShrink(nr.tensor([0])) // [0] */
export function tanhShrink(x: Tensor): Tensor {
  return tidy(() => x.sub(ops.tanh(x)));
}

/**
 * x for x > 0, else alpha · (e^x - 1).
 * @example nr.activations.elu(nr.tensor([-1, 1])) // [-0.6321, 1]
 */
export function elu(x: Tensor, alpha = 1): Tensor {
  const a = finite('elu', 'alpha', alpha);
  if (a === 1) return ops.elu(x);
  return tidy(() => ops.where(x.greater(0), x, ops.elu(x).mul(a)));
}

/** scale · elu(x, alpha) with Keras' fixed alpha ≈ 1.6733 and scale ≈ 1.0507. @example nr.activations.selu(x) */
export function selu(x: Tensor): Tensor {
  return ops.selu(x);
}

/**
 * max(x, 0) + alpha · (e^(min(x, 0) / alpha) - 1).
 * @example nr.activations.celu(nr.tensor([-1, 1])) // [-0.6321, 1]
 */
export function celu(x: Tensor, alpha = 1): Tensor {
  const a = finite('celu', 'alpha', alpha);
  if (a === 0) throw new ArgumentError(`celu: alpha must not be 0, received 0`);
  return tidy(() => ops.relu(x).add(x.minimum(0).div(a).expm1().mul(a)));
}

/** log(1 + e^x), stable. @example nr.activations.softplus(nr.tensor([0])) // [0.6931] */
export function softplus(x: Tensor): Tensor {
  return ops.softplus(x);
}

/** x / (1 + |x|). @example nr.activations.softsign(nr.tensor([1])) // [0.5] */
export function softsign(x: Tensor): Tensor {
  return ops.softsign(x);
}

/** (x + sqrt(x² + b)) / 2, a smooth relu. @example nr.activations.squareplus(nr.tensor([0])) // [1] */
export function squareplus(x: Tensor, b = 4): Tensor {
  const bb = finite('squareplus', 'b', b);
  if (bb < 0) throw new ArgumentError(`squareplus: b must be >= 0, received ${show(bb)}`);
  return tidy(() => x.add(x.square().add(bb).sqrt()).div(2));
}

/** 0 for x <= -1, x for x >= 1, (x + 1)² / 4 between. @example nr.activations.sparsePlus(nr.tensor([0])) // [0.25] */
export function sparsePlus(x: Tensor): Tensor {
  // (clip(x, -1, 1) + 1)² / 4 + relu(x - 1): the three pieces in one expression, with a continuous gradient.
  return tidy(() =>
    x
      .clipByValue(-1, 1)
      .add(1)
      .square()
      .div(4)
      .add(ops.relu(x.sub(1))),
  );
}

/** x · sigmoid(x) (Keras' silu, also named swish). @example nr.activations.silu(nr.tensor([0])) // [0] */
export function silu(x: Tensor): Tensor {
  return ops.silu(x);
}

/** Another name of `silu`. @example nr.activations.swish(x) */
export const swish = silu;

/** x · hardSigmoid(x) (also named hard_swish). @example nr.activations.hardSilu(nr.tensor([3])) // [3] */
export function hardSilu(x: Tensor): Tensor {
  return tidy(() => x.mul(hardSigmoid(x)));
}

/** Another name of `hardSilu`. @example nr.activations.hardSwish(x) */
export const hardSwish = hardSilu;

/**
 * x · Φ(x) with the exact normal CDF (Keras' default); `approximate` uses the tanh form.
 * @example nr.activations.gelu(nr.tensor([1])) // [0.8413]
 */
export function gelu(x: Tensor, approximate = false): Tensor {
  if (typeof approximate !== 'boolean')
    throw new ArgumentError(`gelu: approximate must be a boolean, received ${show(approximate)}`);
  return ops.gelu(x, approximate);
}

/** tfjs' 'gelu_new': GELU in its tanh approximation. */
function geluNew(x: Tensor): Tensor {
  return ops.gelu(x, true);
}

/** x · tanh(softplus(x)). @example nr.activations.mish(x) */
export function mish(x: Tensor): Tensor {
  return ops.mish(x);
}

/** e^x. @example nr.activations.exponential(nr.tensor([0])) // [1] */
export function exponential(x: Tensor): Tensor {
  return ops.exp(x);
}

/**
 * Gated linear unit: splits `axis` in two halves a, b and returns a · sigmoid(b); that axis must be even.
 * @example nr.activations.glu(nr.tensor([[1, 0]])) // [[0.5]]
 */
export function glu(x: Tensor, axis = -1): Tensor {
  if (x.rank === 0) throw new ShapeError('glu: x must have rank >= 1, received a scalar');
  const ax = normalizeAxis('glu', axis, x.rank);
  if (x.shape[ax] % 2 !== 0)
    throw new ShapeError(
      `glu: axis ${axis} must have an even size, received shape ${show(x.shape)}`,
    );
  return tidy(() => {
    const [a, b] = ops.split(x, 2, ax);
    return a.mul(ops.sigmoid(b));
  });
}

/** x where |x| > threshold, else 0. @example nr.activations.hardShrink(nr.tensor([0.3, 1])) // [0, 1] */
export function hardShrink(x: Tensor, threshold = 0.5): Tensor {
  const t = finite('hardShrink', 'threshold', threshold);
  return tidy(() => ops.where(x.abs().greater(t), x, 0));
}

/** x - t above t, x + t below -t, else 0. @example nr.activations.softShrink(nr.tensor([-1, 0.3, 1])) // [-0.5, 0, 0.5] */
export function softShrink(x: Tensor, threshold = 0.5): Tensor {
  const t = finite('softShrink', 'threshold', threshold);
  return tidy(() => ops.where(x.greater(t), x.sub(t), ops.where(x.less(-t), x.add(t), 0)));
}

/**
 * Activations by name. Lookups ignore case and underscores, so Keras' 'hard_sigmoid' and tfjs' 'hardSigmoid'
 * are one name; the canonical names are Keras'.
 */
const activationRegistry = new Registry<ActivationFn>('activation');
const nameOf = new Map<ActivationFn, string>();

/**
 * Makes a function available by name to `getActivation` (and so to layer configs) and to `serializeActivation`.
 * @example registerActivation('my_act', (x) => x.mul(2));
 */
export function registerActivation(
  name: string,
  fn: ActivationFn,
  aliases: readonly string[] = [],
): void {
  if (typeof name !== 'string' || name === '')
    throw new ArgumentError(
      `registerActivation: name must be a non-empty string, received ${show(name)}`,
    );
  if (typeof fn !== 'function')
    throw new ArgumentError(`registerActivation: fn must be a function, received ${show(fn)}`);
  activationRegistry.register(name, () => fn, aliases);
  nameOf.set(fn, name);
}

const BUILT_IN: [string, ActivationFn, string[]?][] = [
  ['linear', linear],
  ['relu', relu],
  ['relu6', relu6],
  ['leaky_relu', leakyRelu],
  ['elu', elu],
  ['selu', selu],
  ['celu', celu],
  ['gelu', gelu],
  ['gelu_new', geluNew],
  ['sigmoid', sigmoid],
  ['hard_sigmoid', hardSigmoid],
  ['hard_sigmoid_legacy', hardSigmoidLegacy],
  ['log_sigmoid', logSigmoid],
  ['sparse_sigmoid', sparseSigmoid],
  ['softmax', softmax],
  ['log_softmax', logSoftmax],
  ['tanh', tanh],
  ['hard_tanh', hardTanh],
  ['tanh_shrink', tanhShrink],
  ['softplus', softplus],
  ['softsign', softsign],
  ['squareplus', squareplus],
  ['sparse_plus', sparsePlus],
  ['silu', silu, ['swish']],
  ['hard_silu', hardSilu, ['hard_swish']],
  ['mish', mish],
  ['exponential', exponential],
  ['glu', glu],
  ['hard_shrink', hardShrink],
  ['soft_shrink', softShrink],
];
for (const [name, fn, aliases] of BUILT_IN) registerActivation(name, fn, aliases);

/** The built-ins whose output element i depends on input element i only (all but softmax, logSoftmax, glu). */
const ELEMENTWISE = new Set<ActivationFn>(
  BUILT_IN.filter(([name]) => !['softmax', 'log_softmax', 'glu'].includes(name)).map(
    ([, fn]) => fn,
  ),
);

/**
 * Whether `fn` is a built-in activation applied to each element on its own, so that applying it to a
 * tensor or to the pieces of a split gives the same values (recurrent cells apply one gate activation to
 * several gates at once). Functions of users count as not elementwise.
 * @example isElementwiseActivation(getActivation('sigmoid')) // true
 */
export function isElementwiseActivation(fn: ActivationFn): boolean {
  return ELEMENTWISE.has(fn);
}

/** Canonical names of every registered activation, sorted. @example activationNames().includes('relu') // true */
export function activationNames(): string[] {
  return activationRegistry.names();
}

/**
 * The activation function for a name ('relu', 'hard_sigmoid', 'hardSigmoid', 'swish', ...) or a function
 * (returned as is). null or undefined give `linear`, as Keras' `activations.get(None)` does.
 * @example getActivation('relu')(nr.tensor([-1, 1])) // [0, 1]
 */
export function getActivation(spec: ActivationIdentifier | null | undefined): ActivationFn {
  if (spec === null || spec === undefined) return linear;
  if (typeof spec === 'function') return spec;
  if (typeof spec === 'string') return activationRegistry.get(spec, 'getActivation');
  throw new ArgumentError(
    `getActivation: expected an activation name or a function, received ${show(spec)}`,
  );
}

/**
 * The registered name of an activation function, as written in layer configs ('relu', 'hard_sigmoid', 'silu').
 * @example serializeActivation(nr.activations.swish) // 'silu'
 */
export function serializeActivation(fn: ActivationFn): string {
  const name = nameOf.get(fn);
  if (name === undefined) {
    const label = typeof fn === 'function' && fn.name ? fn.name : show(fn);
    throw new ArgumentError(
      `serializeActivation: unknown activation function ${show(label)}; register it with registerActivation(name, fn) to serialize it`,
    );
  }
  return name;
}

/**
 * The epilogue name of an activation the matMul/conv2d kernels fuse (linear, relu, relu6, sigmoid, tanh),
 * or null for any other function: layers fuse exactly these.
 * @example fusedActivationOf(getActivation('relu')) // 'relu'
 */
export function fusedActivationOf(fn: ActivationFn): FusedActivation | null {
  if (fn === linear) return 'linear';
  if (fn === relu) return 'relu';
  if (fn === relu6) return 'relu6';
  if (fn === sigmoid) return 'sigmoid';
  if (fn === tanh) return 'tanh';
  return null;
}
