// The public memory API: tidy (sync and async), keep, dispose, memory(), and the leak reporter.
import { ENGINE, type MemoryInfo } from './engine.js';
import { ArgumentError, show } from './errors.js';
import { getScopeContext, type Scope } from './scope.js';
import { Tensor } from './tensor.js';

/** Tensors in any nesting of arrays and plain objects (what tidy may return). */
export type TensorContainer =
  | Tensor
  | null
  | undefined
  | void
  | string
  | number
  | boolean
  | readonly TensorContainer[]
  | { readonly [key: string]: TensorContainer };

/** Collects every tensor inside a container. @example collectTensors([a, { b }]) // [a, b] */
export function collectTensors(
  value: unknown,
  out: Tensor[] = [],
  seen = new Set<unknown>(),
): Tensor[] {
  if (value instanceof Tensor) out.push(value);
  else if (value !== null && typeof value === 'object' && !seen.has(value)) {
    seen.add(value);
    // Object.values: an array's string keys too (tfjs programs keep gradients in arr['layer/kernel']).
    if (Array.isArray(value)) for (const v of Object.values(value)) collectTensors(v, out, seen);
    else if (value instanceof Map) for (const v of value.values()) collectTensors(v, out, seen);
    else if (Object.getPrototypeOf(value) === Object.prototype)
      for (const v of Object.values(value)) collectTensors(v, out, seen);
  }
  return out;
}

function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return (
    v !== null &&
    (typeof v === 'object' || typeof v === 'function') &&
    typeof (v as { then?: unknown }).then === 'function'
  );
}

/**
 * Runs `fn` and frees every tensor it created except those it returns and those passed to `keep()`.
 * Works for async functions too: in Node each async `tidy` has its own scope, so concurrent scopes
 * never free each other's tensors. In browsers only the synchronous part of an async function is
 * scoped; use `Scope.run` there (see the memory guide).
 * @example
 * const y = nr.tidy(() => x.square().sum());          // the square is freed
 * const z = await nr.tidy(async () => (await model.predict(x)).argMax(-1));
 */
export function tidy<T>(fn: () => T): T;
export function tidy<T>(name: string, fn: () => T): T;
export function tidy<T>(nameOrFn: string | (() => T), maybeFn?: () => T): T {
  if (maybeFn !== undefined && typeof nameOrFn !== 'string')
    throw new ArgumentError(
      `tidy: with two arguments the first must be the scope's name (a string), received ${show(nameOrFn)}`,
    );
  const fn = typeof nameOrFn === 'function' ? nameOrFn : maybeFn;
  if (typeof fn !== 'function') throw new ArgumentError('tidy: expected a function');
  const scope = ENGINE.newScope();
  let result: T;
  try {
    result = scope.run(fn);
  } catch (e) {
    scope.dispose();
    throw e;
  }
  if (isPromiseLike(result)) {
    const settled = Promise.resolve(result).then(
      (value) => {
        scope.dispose(collectTensors(value));
        return value;
      },
      (err: unknown) => {
        scope.dispose();
        throw err;
      },
    );
    // The declared type is T (a Promise type here); the awaited value is what fn resolved to.
    return settled as T;
  }
  scope.dispose(collectTensors(result));
  return result;
}

/**
 * Protects a tensor from the enclosing tidy scopes (it must then be disposed by hand).
 * @example nr.tidy(() => { saved = nr.keep(x.square()); });
 */
export function keep<T extends Tensor>(t: T): T {
  ENGINE.assertAlive('keep', 'tensor', t);
  t.scope?.untrack(t);
  ENGINE.watch(t);
  return t;
}

/**
 * Disposes every tensor in a container.
 * @example nr.dispose([a, b, { c }]);
 */
export function dispose(container: unknown): void {
  for (const t of collectTensors(container)) t.dispose();
}

/**
 * Tensor count and bytes, in total and per backend.
 * @example console.log(nr.memory().numTensors);
 */
export function memory(): MemoryInfo {
  return ENGINE.memory();
}

/**
 * Disposes every live variable, model weights and optimizer state included (tfjs' `disposeVariables`):
 * for tests and for starting over; models and optimizers holding them cannot be used afterwards.
 * @example nr.disposeVariables(); // nr.memory().numTensors drops by the variables' count
 */
export function disposeVariables(): void {
  ENGINE.disposeVariables();
}

/** The scope that owns new tensors right now (null outside any). @example nr.currentScope() */
export function currentScope(): Scope | null {
  return getScopeContext().current();
}

/**
 * Sets where leak reports go (tensors garbage-collected without dispose()); null silences them.
 * @example nr.setLeakReporter((msg) => myLogger.warn(msg));
 */
export function setLeakReporter(reporter: ((message: string) => void) | null): void {
  ENGINE.leakReporter = reporter;
}
