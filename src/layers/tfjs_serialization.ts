// tfjs' `tf.serialization` namespace: registerClass for layer and optimizer classes with `static className`.
import { ArgumentError, show } from '../core/errors.js';
import type { Config } from '../core/serialization.js';
import { TfjsOptimizer } from '../optimizers/tfjs_optimizer.js';
import { Layer } from './layer.js';
import { registerLayer } from './registry.js';

/** A class tfjs can serialize: a constructor taking a config, a `static className`, maybe a `static fromConfig`. */
export interface SerializableConstructor<T extends Layer = Layer> {
  new (config: Config): T;
  readonly className: string;
  fromConfig?: (cls: SerializableConstructor<T>, config: Config) => T;
}

/**
 * tfjs' base of serializable objects: `getClassName()` from the class's `static className`, and
 * `getConfig()`. neurite's layers already are Serializable; this class is for tfjs code that names it.
 * @example class Thing extends nr.serialization.Serializable { static className = 'Thing'; getConfig() { return {}; } }
 */
export abstract class Serializable {
  /** The class's `static className`. */
  getClassName(): string {
    const ctor: { name: string; className?: unknown } = this.constructor;
    return typeof ctor.className === 'string' ? ctor.className : ctor.name;
  }
  abstract getConfig(): Config;
}

/** A tfjs-style optimizer class (`class MyOpt extends nr.Optimizer`) tfjs can serialize. */
export interface SerializableOptimizerConstructor {
  new (...args: never[]): TfjsOptimizer;
  readonly className: string;
  fromConfig?(cls: SerializableOptimizerConstructor, config: Config): TfjsOptimizer;
}

/** What registerClass accepts: a layer class or an optimizer class. */
export type SerializableClass = SerializableConstructor | SerializableOptimizerConstructor;

/** The registered name of each class (registerClass's `package>name`). */
const registeredNames = new Map<new (config: Config) => Layer, string>();

/**
 * tfjs' map of registered classes by className (`SerializationMap.getMap().classNameMap`).
 * @example nr.serialization.SerializationMap.getMap().classNameMap['MyLayer']
 */
export class SerializationMap {
  private static instance: SerializationMap | null = null;
  /** className -> [class, its config -> instance]; a null-prototype object, so names from files never reach Object.prototype. */
  readonly classNameMap: Record<
    string,
    [SerializableClass, (config: Config) => Layer | TfjsOptimizer]
  > = Object.create(null);

  /** The one map. @example nr.serialization.SerializationMap.getMap() */
  static getMap(): SerializationMap {
    SerializationMap.instance ??= new SerializationMap();
    return SerializationMap.instance;
  }

  /** Registers a class under its className. @example nr.serialization.SerializationMap.register(MyLayer) */
  static register(cls: SerializableClass): void {
    const make = isLayerClass(cls)
      ? (config: Config) => fromConfigOf(cls, config)
      : (config: Config) => optimizerFromConfig(cls, config);
    SerializationMap.getMap().classNameMap[cls.className] = [cls, make];
  }
}

function isLayerClass(cls: SerializableClass): cls is SerializableConstructor {
  return cls.prototype instanceof Layer;
}

/** An optimizer from its config: the class's `static fromConfig(cls, config)` (tfjs' optimizers have one). */
function optimizerFromConfig(cls: SerializableOptimizerConstructor, config: Config): TfjsOptimizer {
  if (!cls.fromConfig)
    throw new ArgumentError(
      `deserialize: optimizer class ${cls.className} has no static fromConfig(cls, config)`,
    );
  return cls.fromConfig(cls, config);
}

/** An instance from a config: the class's own `static fromConfig(cls, config)`, else its constructor. */
function fromConfigOf<T extends Layer>(cls: SerializableConstructor<T>, config: Config): T {
  return cls.fromConfig ? cls.fromConfig(cls, config) : new cls(config);
}

/**
 * Registers a custom layer class (tfjs style: `static className`, a constructor taking its config, and
 * optionally `static fromConfig(cls, config)`), so models naming it load and deserialize.
 * Registered under its className and under `package>name` ('Custom>MyLayer' by default), as tfjs does.
 * A tfjs-style optimizer class (`extends nr.Optimizer`, with `static fromConfig`) is registered in
 * `SerializationMap` by its className.
 * @example
 * class Scale extends nr.layers.Layer { static className = 'Scale'; call(x) { return x.mul(2); } }
 * nr.serialization.registerClass(Scale);
 */
export function registerClass<T extends SerializableClass>(
  cls: T,
  pkg = 'Custom',
  name?: string,
): T {
  const received = show(typeof cls === 'function' ? cls.name : cls);
  if (
    typeof cls !== 'function' ||
    !(cls.prototype instanceof Layer || cls.prototype instanceof TfjsOptimizer)
  )
    throw new ArgumentError(
      `registerClass: expected a Layer or Optimizer subclass, received ${received}`,
    );
  const given: unknown = Reflect.get(cls, 'className');
  if (given === undefined)
    throw new ArgumentError(
      `registerClass: class ${cls.name} does not have the static className property (add static className = '${cls.name}')`,
    );
  if (typeof given !== 'string')
    throw new ArgumentError(
      `registerClass: the className of class ${cls.name} is required to be a string, but got type ${typeof given}`,
    );
  if (!given)
    throw new ArgumentError(
      `registerClass: class ${cls.name} has an empty-string as its className, which is invalid`,
    );
  if (!isLayerClass(cls)) {
    SerializationMap.register(cls);
    return cls;
  }
  const className = name ?? cls.className;
  const layerClass: SerializableConstructor = cls;
  const fromConfig = (config: Config): Layer => fromConfigOf(layerClass, config);
  SerializationMap.register(cls);
  registerLayer(className, fromConfig);
  registerLayer(`${pkg}>${className}`, fromConfig);
  registeredNames.set(cls, `${pkg}>${className}`);
  return cls;
}

/**
 * The name a registered class is saved under ('Custom>MyLayer'), or its className if not registered.
 * @example nr.serialization.getRegisteredName(MyLayer) // 'Custom>MyLayer'
 */
export function getRegisteredName<T extends Layer>(cls: SerializableConstructor<T>): string {
  return registeredNames.get(cls) ?? cls.className;
}
