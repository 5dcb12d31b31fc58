// The public backend API: ready, setBackend, getBackend, registerBackend, env, variable.
import type { Backend, BackendFactory } from '../backends/backend.js';
import { ENGINE } from './engine.js';
import { ArgumentError, show } from './errors.js';
import type { Tensor, Variable } from './tensor.js';
import type { DType } from './dtype.js';

/**
 * Starts the best backend available (highest priority first). Call once before heavy work;
 * without it the CPU backend starts on first use.
 * @example await nr.ready();
 */
export async function ready(): Promise<void> {
  await ENGINE.ready();
}

/**
 * Makes a backend current, starting it if needed. Existing tensors stay where they are and are copied
 * over when an op uses them.
 * @example await nr.setBackend('cpu');
 */
export async function setBackend(name: string): Promise<boolean> {
  return ENGINE.setBackend(name);
}

/**
 * Moves a tensor's values to another backend (started if needed), in place.
 * @example await nr.moveToBackend(t, 'cpu');
 */
export async function moveToBackend(t: Tensor, name: string): Promise<void> {
  await ENGINE.moveTo(t, await ENGINE.initBackend(name));
}

/** Name of the current backend. @example nr.getBackend() // 'cpu' */
export function getBackend(): string {
  return ENGINE.backend().name;
}

/** The current backend object (for tools and tests). @example nr.backend().memory() */
export function backend(): Backend {
  return ENGINE.backend();
}

/**
 * Registers a backend factory under a name; higher priority wins in `ready()`. Nothing registers on import.
 * @example nr.registerBackend('cpu64', () => createCpuBackend({ precision: 'float64' }), 0);
 */
export function registerBackend(name: string, factory: BackendFactory, priority = 0): void {
  if (typeof name !== 'string' || !name)
    throw new ArgumentError(
      `registerBackend: name must be a non-empty string, received ${show(name)}`,
    );
  ENGINE.registerBackend(name, factory, priority);
}

/** Removes a backend (disposing it if started). @example nr.removeBackend('cpu64') */
export function removeBackend(name: string): void {
  ENGINE.removeBackend(name);
}

/** Names of the registered backends. @example nr.registeredBackends() // ['cpu'] */
export function registeredBackends(): string[] {
  return ENGINE.registeredBackends();
}

export { env, Environment } from './environment.js';

/**
 * Trainable state initialised from a tensor (copied by reference; tensors are immutable).
 * @example const w = nr.variable(nr.randomNormal([3, 2]), true, 'w');
 */
export function variable(
  initialValue: Tensor,
  trainable = true,
  name?: string,
  dtype?: DType,
): Variable {
  const init = dtype && dtype !== initialValue.dtype ? initialValue.cast(dtype) : initialValue;
  const v = ENGINE.makeVariable(init, trainable, name ?? ENGINE.uniqueVariableName());
  if (init !== initialValue) init.dispose();
  return v;
}

/**
 * Sets the global seed of random ops called without one; the same seed gives the same numbers on every backend.
 * @example nr.setSeed(42);
 */
export function setSeed(seed: number): void {
  if (!Number.isInteger(seed))
    throw new ArgumentError(`setSeed: seed must be an integer, received ${show(seed)}`);
  ENGINE.randomSeed = seed >>> 0;
  ENGINE.randomCounter = 0;
}
