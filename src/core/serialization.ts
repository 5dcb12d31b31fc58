// Registries of serializable classes (layers, optimizers, losses, ...): names to factories, and back.
import { ArgumentError, IOError, show } from './errors.js';

/** JSON values a config may hold. */
export type ConfigValue =
  | null
  | boolean
  | number
  | string
  | readonly ConfigValue[]
  | { readonly [key: string]: ConfigValue };
/** A class's constructor arguments as JSON (Keras' get_config). */
export type Config = { [key: string]: ConfigValue };

/** What `serialize` writes: Keras' `{class_name, config}` shape in tfjs spelling. */
export interface SerializedObject {
  className: string;
  config: Config;
}

/** An object that can describe itself as a config. */
export interface Serializable {
  /** The registered class name, e.g. 'GlorotUniform'. */
  getClassName(): string;
  getConfig(): Config;
}

/** Lookup key: case and underscores do not matter ('glorot_uniform' = 'glorotUniform' = 'GlorotUniform'). */
function key(name: string): string {
  return name.replace(/_/g, '').toLowerCase();
}

/**
 * A registry of one kind of serializable object.
 * @example
 * const initializers = new Registry<Initializer>('initializer');
 * initializers.register('Zeros', () => new Zeros());
 * initializers.get('zeros'); // a Zeros
 */
export class Registry<T> {
  private readonly factories = new Map<
    string,
    { className: string; fromConfig: (config: Config) => T }
  >();

  constructor(readonly kind: string) {}

  /** Registers a class under its name and any aliases (e.g. 'mse' for MeanSquaredError). */
  register(
    className: string,
    fromConfig: (config: Config) => T,
    aliases: readonly string[] = [],
  ): void {
    for (const n of [className, ...aliases]) this.factories.set(key(n), { className, fromConfig });
  }

  has(name: string): boolean {
    return this.factories.has(key(name));
  }

  /** Names registered (class names, without aliases). */
  names(): string[] {
    return [...new Set([...this.factories.values()].map((f) => f.className))].sort();
  }

  /** Builds an object from a name, a `{className, config}` object, or passes an instance through. */
  get(spec: string | SerializedObject, context = this.kind): T {
    const name = typeof spec === 'string' ? spec : spec?.className;
    if (typeof name !== 'string')
      throw new ArgumentError(
        `${context}: expected a name or {className, config}, received ${show(spec)}`,
      );
    const f = this.factories.get(key(name));
    if (!f)
      throw new ArgumentError(
        `${context}: unknown ${this.kind} ${show(name)}; known: ${this.names().join(', ')}`,
      );
    return f.fromConfig(typeof spec === 'string' ? {} : (spec.config ?? {}));
  }
}

/** `{className, config}` of an object. @example serialize(new Zeros()) // {className: 'Zeros', config: {}} */
export function serialize(obj: Serializable): SerializedObject {
  return { className: obj.getClassName(), config: obj.getConfig() };
}

/**
 * Reads a config as a class's constructor arguments. A config *is* the arguments in JSON form, and
 * every constructor validates what it receives, so a hostile or stale config fails there with a clear error.
 * @example new Dense(configAs<DenseArgs>(config))
 */
export function configAs<T extends object>(config: Config): T {
  return config as T;
}

/**
 * How deep a config may nest (objects and arrays). Real Keras and TensorFlow.js configs stay under
 * 40 even with models inside models; a file nested thousands deep is refused with an IOError
 * instead of overflowing the stack of the code that reads it.
 * @example assertConfigDepth(config, 'model.json', 2 * MAX_CONFIG_DEPTH)
 */
export const MAX_CONFIG_DEPTH = 128;

/**
 * Throws an IOError naming `where` when `value` nests objects/arrays deeper than `maxDepth`.
 * Iterative, so a hostile depth costs a loop, never a stack overflow.
 * @example assertConfigDepth(JSON.parse(text), 'model.json') // throws for 2,000 nested objects
 */
export function assertConfigDepth(
  value: unknown,
  where: string,
  maxDepth = MAX_CONFIG_DEPTH,
): void {
  const stack: [unknown, number][] = [[value, 0]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [v, depth] = item;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= maxDepth)
      throw new IOError(`${where}: config nested deeper than the limit of ${maxDepth} levels`);
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
}

/**
 * A copy of a JSON config with every object key renamed, walked iteratively and bounded in depth
 * (IOError past `maxDepth`). Keys are written as own properties, so a '__proto__' key from a
 * file stays an ordinary key, as JSON.parse leaves it, and never becomes the copy's prototype.
 * @example convertConfigKeys({ use_bias: true }, (k) => k.replace(/_(.)/g, (_, c) => c.toUpperCase()), 'config') // { useBias: true }
 */
export function convertConfigKeys(
  value: unknown,
  rename: (key: string) => string,
  where: string,
  maxDepth = MAX_CONFIG_DEPTH,
): unknown {
  const put = (target: unknown[] | Record<string, unknown>, key: string | number, v: unknown) =>
    Object.defineProperty(target, key, {
      value: v,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  const copyOf = (v: unknown): unknown => {
    if (Array.isArray(v)) return new Array<unknown>(v.length);
    return v !== null && typeof v === 'object' ? {} : v;
  };
  const root = copyOf(value);
  // Each entry: a source container, its copy, and the depth of the container.
  const work: [object, unknown[] | Record<string, unknown>, number][] = [];
  const visit = (src: unknown, copy: unknown, depth: number): void => {
    if (src === null || typeof src !== 'object') return;
    if (depth >= maxDepth)
      throw new IOError(`${where}: config nested deeper than the limit of ${maxDepth} levels`);
    work.push([src, copy as unknown[] | Record<string, unknown>, depth]);
  };
  visit(value, root, 0);
  for (let item = work.pop(); item !== undefined; item = work.pop()) {
    const [src, copy, depth] = item;
    const entries: [string | number, unknown][] = Array.isArray(src)
      ? src.map((v, i) => [i, v])
      : Object.entries(src).map(([k, v]) => [rename(k), v]);
    for (const [k, v] of entries) {
      const c = copyOf(v);
      put(copy, k, c);
      visit(v, c, depth + 1);
    }
  }
  return root;
}
