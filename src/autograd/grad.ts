// Gradients with tfjs names: grad, grads, valueAndGrad(s), variableGrads, customGrad, stopGradient, noGrad.
import { ENGINE } from '../core/engine.js';
import { ArgumentError, ShapeError, show } from '../core/errors.js';
import { collectTensors, tidy } from '../core/memory.js';
import { shapesEqual } from '../core/shape.js';
import { Tensor, type Variable } from '../core/tensor.js';
import { zeros } from '../ops/creation.js';
import { toTensor } from '../ops/convert.js';
import type { TensorLike } from '../core/dtype.js';
import { Tape } from './tape.js';

function assertSync(op: string, value: unknown): void {
  if (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { then?: unknown }).then === 'function'
  ) {
    throw new ArgumentError(
      `${op}: the function must be synchronous (it returned a Promise); compute gradients on tensors you already have`,
    );
  }
}

/**
 * Runs f with a tape watching `sources` and returns f's value and the gradients of its output.
 * Everything else f and the backward pass create is freed.
 */
function valueAndGradients(
  op: string,
  f: () => Tensor,
  sources: readonly Tensor[],
  dy?: Tensor,
): { value: Tensor; grads: (Tensor | null)[]; reached: boolean[] } {
  sources.forEach((s, i) => {
    if (!(s instanceof Tensor))
      throw new ArgumentError(`${op}: argument ${i} must be a Tensor, received ${show(s)}`);
    ENGINE.assertAlive(op, `argument ${i}`, s);
  });
  return tidy(() => {
    const tape = new Tape(sources);
    let y: unknown;
    try {
      y = ENGINE.tapeStack.during(tape, f);
    } catch (e) {
      tape.dispose();
      throw e;
    }
    assertSync(op, y);
    if (!(y instanceof Tensor)) {
      tape.dispose();
      throw new ArgumentError(`${op}: the function must return a Tensor, received ${show(y)}`);
    }
    if (dy && !shapesEqual(dy.shape, y.shape)) {
      tape.dispose();
      throw new ShapeError(
        `${op}: dy has shape ${show(dy.shape)} but f's output has shape ${show(y.shape)}`,
      );
    }
    // a float16 output gets a float16 seed, so gradients of float16 ops stay float16
    const seed = dy ?? (y.dtype === 'float16' ? y.onesLike() : y.onesLike().cast('float32'));
    try {
      const out = y;
      const reached = sources.map((s) => tape.reached(s, out));
      return { value: y, grads: tape.backward(y, seed, sources), reached };
    } catch (e) {
      // a gradient rule threw: the nodes not yet visited still hold their saved tensors
      tape.dispose();
      throw e;
    }
  });
}

/**
 * The gradients grad, grads and valueAndGrad(s) return. An argument no op inside f read is an error, as
 * in tfjs: it was used only outside f (a tensor computed from it before the call) or not at all, and
 * zeros would hide that bug. An argument f read through ops whose gradient is zero or undefined
 * (comparisons, argMax, logicalAnd) gets zeros. variableGrads keeps its own rule.
 */
function connected(
  op: string,
  result: { grads: readonly (Tensor | null)[]; reached: readonly boolean[] },
  xs: readonly Tensor[],
): Tensor[] {
  const missing = result.grads.findIndex((g, i) => g === null && !result.reached[i]);
  if (missing >= 0) {
    for (const g of result.grads) g?.dispose();
    throw new ArgumentError(
      `${op}: cannot compute the gradient of y = f(x) with respect to argument ${missing}: no op inside f reads it. Make sure that the f you passed encloses all operations that lead from x to y.`,
    );
  }
  return result.grads.map((g, i) => g ?? zeros(xs[i].shape.slice()));
}

/**
 * Plain values given to a gradient function become tensors, as tfjs converts them; `made` collects
 * the ones made here, which the caller frees once the gradients are taken.
 */
function sources(op: string, xs: readonly (Tensor | TensorLike)[], made: Tensor[]): Tensor[] {
  return xs.map((x, i) => {
    if (x instanceof Tensor) return x;
    const t = toTensor(x, op, `argument ${i}`);
    made.push(t);
    return t;
  });
}

/**
 * The gradient function of a one-argument function f: x -> y (y's gradient seeded with ones, or dy).
 * @example
 * const df = nr.grad((x) => x.square());
 * df(nr.tensor([3])).print(); // [6]
 */
export function grad(f: (x: Tensor) => Tensor): (x: Tensor | TensorLike, dy?: Tensor) => Tensor {
  return (x0, dy) => {
    const made: Tensor[] = [];
    const [x] = sources('grad', [x0], made);
    try {
      const result = valueAndGradients('grad', () => f(x), [x], dy);
      result.value.dispose();
      return connected('grad', result, [x])[0];
    } finally {
      made.forEach((t) => t.dispose());
    }
  };
}

/**
 * The gradient function of a many-argument function.
 * @example const [da, db] = nr.grads((a, b) => a.mul(b))([a, b]);
 */
export function grads(
  f: (...xs: Tensor[]) => Tensor,
): (xs: readonly (Tensor | TensorLike)[], dy?: Tensor) => Tensor[] {
  return (xs0, dy) => {
    if (!Array.isArray(xs0))
      throw new ArgumentError(`grads: xs must be an array of tensors, received ${show(xs0)}`);
    const made: Tensor[] = [];
    const xs = sources('grads', xs0, made);
    try {
      const result = valueAndGradients('grads', () => f(...xs), xs, dy);
      result.value.dispose();
      return connected('grads', result, xs);
    } finally {
      made.forEach((t) => t.dispose());
    }
  };
}

/**
 * Like grad, also returning f's value.
 * @example const { value, grad } = nr.valueAndGrad((x) => x.square().sum())(x);
 */
export function valueAndGrad(
  f: (x: Tensor) => Tensor,
): (x: Tensor, dy?: Tensor) => { value: Tensor; grad: Tensor } {
  return (x, dy) => {
    const result = valueAndGradients('valueAndGrad', () => f(x), [x], dy);
    try {
      return { value: result.value, grad: connected('valueAndGrad', result, [x])[0] };
    } catch (e) {
      result.value.dispose();
      throw e;
    }
  };
}

/**
 * Like grads, also returning f's value.
 * @example const { value, grads } = nr.valueAndGrads((a, b) => a.mul(b).sum())([a, b]);
 */
export function valueAndGrads(
  f: (...xs: Tensor[]) => Tensor,
): (xs: readonly Tensor[], dy?: Tensor) => { value: Tensor; grads: Tensor[] } {
  return (xs, dy) => {
    const result = valueAndGradients('valueAndGrads', () => f(...xs), xs, dy);
    try {
      return { value: result.value, grads: connected('valueAndGrads', result, xs) };
    } catch (e) {
      result.value.dispose();
      throw e;
    }
  };
}

/**
 * Gradients of a scalar loss with respect to variables (all trainable ones by default).
 * @example const { value, grads } = nr.variableGrads(() => loss(model, x, y));
 */
export function variableGrads(
  f: () => Tensor,
  varList?: readonly Variable[],
): { value: Tensor; grads: Record<string, Tensor> } {
  const vars = varList ?? ENGINE.trainableVariables();
  if (vars.length === 0)
    throw new ArgumentError(
      'variableGrads: there are no trainable variables to differentiate with respect to',
    );
  const { value, grads: gs } = valueAndGradients('variableGrads', f, vars);
  if (value.rank !== 0) {
    value.dispose();
    gs.forEach((g) => g?.dispose());
    throw new ShapeError(
      `variableGrads: f must return a scalar loss, received shape ${show(value.shape)}`,
    );
  }
  if (gs.every((g) => g === null)) {
    value.dispose();
    throw new ArgumentError('variableGrads: the loss does not depend on any of the variables');
  }
  const out: Record<string, Tensor> = {};
  vars.forEach((v, i) => {
    out[v.name] = gs[i] ?? zeros(v.shape.slice());
  });
  return { value, grads: out };
}

/**
 * tfjs' variableGrads semantics, for tfjs' `Optimizer.computeGradients`: only trainable variables are
 * differentiated (all live ones when `varList` is absent), and variables f does not reach get no entry
 * instead of a zero gradient, so an optimizer builds no state for them. Throws when none is trainable,
 * when f reaches none, or when f's value is not a scalar.
 * @example const { value, grads } = connectedVariableGrads('minimize', () => w.square().sum());
 */
export function connectedVariableGrads(
  op: string,
  f: () => Tensor,
  varList?: readonly Variable[],
): { value: Tensor; grads: Record<string, Tensor> } {
  if (varList !== undefined && !Array.isArray(varList))
    throw new ArgumentError(
      `${op}: varList must be an array of Variables, received ${show(varList)}`,
    );
  const given = varList ?? ENGINE.trainableVariables();
  const vars = given.filter((v) => v.trainable);
  if (vars.length === 0)
    throw new ArgumentError(
      `${op}: at least one variable must be trainable, received ${given.length} variable(s), none trainable`,
    );
  const { value, grads: gs } = valueAndGradients(op, f, vars);
  const fail = (e: Error): never => {
    value.dispose();
    gs.forEach((g) => g?.dispose());
    throw e;
  };
  if (value.rank !== 0)
    fail(new ShapeError(`${op}: f must return a scalar, received shape ${show(value.shape)}`));
  if (gs.every((g) => g === null))
    fail(new ArgumentError(`${op}: f's result does not depend on any of the trainable variables`));
  const out: Record<string, Tensor> = Object.create(null);
  vars.forEach((v, i) => {
    const g = gs[i];
    if (g) out[v.name] = g;
  });
  return { value, grads: out };
}

/** What a customGrad function returns: its value and how to map dy back to the inputs. */
export interface CustomGradResult {
  value: Tensor;
  gradFunc: (dy: Tensor, saved: Tensor[]) => Tensor | Tensor[];
}

/** The function `customGrad` wraps: the inputs, then a `save` function (tfjs' CustomGradientFunc). */
export type CustomGradFunc = (
  ...args: (Tensor | ((saved: Tensor[]) => void))[]
) => CustomGradResult;

/**
 * A function with a hand-written gradient. `f(...inputs, save)` returns the value and `gradFunc`;
 * tensors passed to `save` reach gradFunc.
 * @example
 * const clipGrad = nr.customGrad((x, save) => {
 *   save([x]);
 *   return { value: x.clone(), gradFunc: (dy) => dy.clipByValue(-1, 1) };
 * });
 */
export function customGrad(f: CustomGradFunc): (...inputs: Tensor[]) => Tensor {
  return (...inputs) => {
    let gradFunc: CustomGradResult['gradFunc'] = () => [];
    const [value] = withGradient(
      inputs,
      (save) => {
        const result: CustomGradResult = f(...inputs, save);
        if (!result || !(result.value instanceof Tensor) || typeof result.gradFunc !== 'function') {
          throw new ArgumentError(
            'customGrad: f must return { value: Tensor, gradFunc: function }',
          );
        }
        gradFunc = result.gradFunc;
        return [result.value];
      },
      ([dy], saved) => {
        const g = gradFunc(dy, [...saved]);
        const list = Array.isArray(g) ? g : [g];
        if (list.length !== inputs.length)
          throw new ArgumentError(
            `customGrad: gradFunc returned ${list.length} gradients for ${inputs.length} inputs`,
          );
        return list;
      },
    );
    return value;
  };
}

/**
 * How a composite's outputs map back to its inputs: one cotangent per output (zeros for an output that
 * got no gradient), the tensors its forward saved, and whether each input wants a gradient at all.
 * @example const back: CompositeBackward = (dys) => [nr.concat(dys)];
 */
export type CompositeBackward = (
  dys: readonly Tensor[],
  saved: readonly Tensor[],
  needs: readonly boolean[],
) => readonly (Tensor | null)[];

/**
 * Runs `forward` with recording paused and records its outputs on the active tapes as ONE op whose
 * gradient is `backward`: the mechanism under customGrad, for any number of outputs. Ops use it where
 * the gradient of the whole is cheaper than the sum of its parts' (split: one concat of the pieces'
 * gradients instead of a zero-filled scatter of each piece and an add per piece). Higher-order
 * gradients go through `backward`, whose ops are recorded like any others.
 * @example
 * const [a, b] = withGradient([x], () => [x.slice(0, 1), x.slice(1, 1)], (dys) => [nr.concat(dys)]);
 */
export function withGradient(
  inputs: readonly Tensor[],
  forward: (save: (saved: Tensor[]) => void) => Tensor[],
  backward: CompositeBackward,
): Tensor[] {
  let saved: Tensor[] = [];
  const save = (ts: Tensor[]) => {
    saved = ts;
  };
  const outputs = ENGINE.tapeStack.paused(() => forward(save));
  ENGINE.tapeStack.record(
    inputs,
    outputs,
    (dys, _ins, _outs, kept, needs) => backward(dys, kept, needs),
    saved,
  );
  return outputs;
}

/**
 * The same values with no gradient flowing through.
 * @example const target = nr.stopGradient(y);
 */
export function stopGradient(x: Tensor): Tensor {
  const h = ENGINE.share(x);
  h.tapeKey = -1 - h.id;
  ENGINE.own(h);
  return h;
}

/**
 * Runs fn without recording gradients.
 * @example const y = nr.noGrad(() => model.apply(x));
 */
export function noGrad<T>(fn: () => T): T {
  return ENGINE.tapeStack.paused(fn);
}

export { collectTensors };
