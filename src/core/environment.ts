// nr.env(): what neurite knows of its environment plus tfjs's flag registry (DEBUG, PROD, deprecation warnings).
import { ENGINE } from './engine.js';
import { ArgumentError, DTypeError, show } from './errors.js';
import { getScopeContext } from './scope.js';

/** A flag's value. */
export type FlagValue = boolean | number | string;

interface FlagDef {
  /** The value until one is set: evaluated on first read after a reset. */
  evaluate: () => FlagValue;
}

function detectPlatform(): 'node' | 'browser' | 'other' {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (proc?.versions?.node) return 'node';
  return typeof (globalThis as { window?: unknown }).window !== 'undefined' ? 'browser' : 'other';
}

/**
 * The environment: platform facts and a registry of named flags (tfjs's `tf.env()`). Flags that act in
 * neurite: DEBUG (every primitive's float outputs checked for NaN/Infinity), PROD (turns DEBUG's checks
 * and deprecation warnings off), DEPRECATION_WARNINGS_ENABLED, and the read-only facts IS_NODE,
 * IS_BROWSER, IS_TEST.
 * @example nr.env().set('DEBUG', true); nr.env().getBool('DEBUG') // true
 */
export class Environment {
  private readonly defs = new Map<string, FlagDef>();
  private readonly values = new Map<string, FlagValue>();

  /** 'node', 'browser' or 'other'. */
  get platform(): 'node' | 'browser' | 'other' {
    return detectPlatform();
  }

  /** The current backend's name. */
  get backend(): string {
    return ENGINE.backend().name;
  }

  /** Names of the registered backends. */
  get backends(): string[] {
    return ENGINE.registeredBackends();
  }

  /** True when memory scopes follow `await` (Node's AsyncLocalStorage). */
  get asyncScopes(): boolean {
    return getScopeContext().followsAsync;
  }

  /** What the current backend reports of itself (e.g. webgpu: adapter, limits, features), if anything. */
  get backendInfo(): Record<string, unknown> | undefined {
    return ENGINE.backend().describe?.();
  }

  /** Adds a flag with the function giving its default. @example env().registerFlag('MY_FLAG', () => false) */
  registerFlag(name: string, evaluate: () => FlagValue): void {
    if (this.defs.has(name))
      throw new ArgumentError(`env.registerFlag: flag '${name}' is already registered`);
    this.defs.set(name, { evaluate });
  }

  /** A flag's value (its default until set). @example nr.env().get('IS_NODE') // true */
  get(name: string): FlagValue {
    const known = this.values.get(name);
    if (known !== undefined) return known;
    const def = this.def('env.get', name);
    const value = def.evaluate();
    this.values.set(name, value);
    return value;
  }

  /** A boolean flag's value. @example nr.env().getBool('DEBUG') // false */
  getBool(name: string): boolean {
    const v = this.get(name);
    if (typeof v !== 'boolean')
      throw new DTypeError(`env.getBool: flag '${name}' is not a boolean, its value is ${show(v)}`);
    return v;
  }

  /** A numeric flag's value. @example nr.env().getNumber('SOME_NUMBER_FLAG') */
  getNumber(name: string): number {
    const v = this.get(name);
    if (typeof v !== 'number')
      throw new DTypeError(
        `env.getNumber: flag '${name}' is not a number, its value is ${show(v)}`,
      );
    return v;
  }

  /** Sets a registered flag, with a value of its default's type. @example nr.env().set('DEBUG', true) */
  set(name: string, value: FlagValue): void {
    const def = this.def('env.set', name);
    const kind = typeof def.evaluate();
    if (typeof value !== kind)
      throw new DTypeError(`env.set: flag '${name}' takes a ${kind}, received ${show(value)}`);
    this.values.set(name, value);
    this.apply();
  }

  /** Sets several flags. @example nr.env().setFlags({ DEBUG: true }) */
  setFlags(flags: Readonly<Record<string, FlagValue>>): void {
    for (const [name, value] of Object.entries(flags)) this.set(name, value);
  }

  /** Forgets every set value: flags return to their defaults. @example nr.env().reset() */
  reset(): void {
    this.values.clear();
    this.apply();
  }

  /** Every registered flag with its current value (a null-prototype record). @example nr.env().flags.DEBUG */
  get flags(): Record<string, FlagValue> {
    const out: Record<string, FlagValue> = Object.create(null);
    for (const name of this.defs.keys()) out[name] = this.get(name);
    return out;
  }

  /** The same as `flags` (tfjs's older name). @example nr.env().features.IS_NODE */
  get features(): Record<string, FlagValue> {
    return this.flags;
  }

  private def(op: string, name: string): FlagDef {
    const def = this.defs.get(name);
    if (!def)
      throw new ArgumentError(
        `${op}: unknown flag ${show(name)}; registered flags: ${[...this.defs.keys()].join(', ')}`,
      );
    return def;
  }

  /** Pushes the flags that act on the engine to it (after set and reset). */
  private apply(): void {
    ENGINE.debugChecks = this.getBool('DEBUG') && !this.getBool('PROD');
  }
}

const ENV = new Environment();
ENV.registerFlag('DEBUG', () => false);
ENV.registerFlag('PROD', () => false);
ENV.registerFlag('DEPRECATION_WARNINGS_ENABLED', () => true);
ENV.registerFlag('IS_NODE', () => detectPlatform() === 'node');
ENV.registerFlag('IS_BROWSER', () => detectPlatform() === 'browser');
ENV.registerFlag('IS_TEST', () => false);

/** The environment and its flags. @example nr.env().platform // 'node' */
export function env(): Environment {
  return ENV;
}

/**
 * Production mode: turns off debug mode's checks and deprecation warnings.
 * @example nr.enableProdMode();
 */
export function enableProdMode(): void {
  ENV.set('PROD', true);
}

/**
 * Debug mode: every primitive's float outputs are read back and a NaN or Infinity throws a NumericError
 * naming the primitive. Slow (a read per op); backends without synchronous reads (webgpu) are not checked.
 * @example nr.enableDebugMode(); nr.log(nr.tensor([0])) // throws NumericError
 */
export function enableDebugMode(): void {
  ENV.set('DEBUG', true);
  console.warn(
    'neurite debug mode is on: the output of every primitive is read back and checked for NaN and Infinity, which is slow.',
  );
}

/**
 * Turns deprecation warnings off.
 * @example nr.disableDeprecationWarnings();
 */
export function disableDeprecationWarnings(): void {
  ENV.set('DEPRECATION_WARNINGS_ENABLED', false);
  console.warn('TensorFlow.js deprecation warnings have been disabled.');
}

/**
 * Prints a deprecation warning unless they are disabled (or production mode is on).
 * @example nr.deprecationWarn('foo is deprecated, use bar.');
 */
export function deprecationWarn(message: string): void {
  if (ENV.getBool('DEPRECATION_WARNINGS_ENABLED') && !ENV.getBool('PROD'))
    console.warn(
      `${message} You can disable deprecation warnings with tf.disableDeprecationWarnings().`,
    );
}
