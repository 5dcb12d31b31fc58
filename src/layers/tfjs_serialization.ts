// tfjs' `tf.serialization` namespace: registerClass for classes with `static className`, over the layer registry.
import { ArgumentError, show } from '../core/errors.js';
import type { Config } from '../core/serialization.js';
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

/** The registered name of each class (registerClass's `package>name`). */
const registeredNames = new Map<new (config: Config) => Layer, string>();

/**
 * tfjs' map of registered classes by className (`SerializationMap.getMap().classNameMap`).
 * @example nr.serialization.SerializationMap.getMap().classNameMap['MyLayer']
 */
export class SerializationMap {
  private static instance: SerializationMap | null = null;
  /** className -> [class, its config -> instance]; a null-prototype object, so names from files never reach Object.prototype. */
  readonly classNameMap: Record<string, [new (config: Config) => Layer, (config: Config) => Layer]> =
    Object.create(null);

  /** The one map. @example nr.serialization.SerializationMap.getMap() */
  static getMap(): SerializationMap {
    SerializationMap.instance ??= new SerializationMap();
    return SerializationMap.instance;
  }

  /** Registers a class under its className. @example nr.serialization.SerializationMap.register(MyLayer) */
  static register<T extends Layer>(cls: SerializableConstructor<T>): void {
    SerializationMap.getMap().classNameMap[cls.className] = [cls, (config) => fromConfigOf(cls, config)];
  }
}

/** An instance from a config: the class's own `static fromConfig(cls, config)`, else its constructor. */
function fromConfigOf<T extends Layer>(cls: SerializableConstructor<T>, config: Config): T {
  return cls.fromConfig ? cls.fromConfig(cls, config) : new cls(config);
}

/**
 * Registers a custom layer class (tfjs style: `static className`, a constructor taking its config, and
 * optionally `static fromConfig(cls, config)`), so models naming it load and deserialize.
 * Registered under its className and under `package>name` ('Custom>MyLayer' by default), as tfjs does.
 * @example
 * class Scale extends nr.layers.Layer { static className = 'Scale'; call(x) { return x.mul(2); } }
 * nr.serialization.registerClass(Scale);
 */
export function registerClass<T extends Layer>(
  cls: SerializableConstructor<T>,
  pkg = 'Custom',
  name?: string,
): SerializableConstructor<T> {
  if (typeof cls !== 'function' || !(cls.prototype instanceof Layer))
    throw new ArgumentError(
      `registerClass: expected a Layer subclass, received ${show(typeof cls === 'function' ? cls.name : cls)}`,
    );
  if (typeof cls.className !== 'string' || !cls.className)
    throw new ArgumentError(
      `registerClass: class ${cls.name} must have a non-empty static className (e.g. static className = '${cls.name}'), received ${show(cls.className)}`,
    );
  const className = name ?? cls.className;
  const fromConfig = (config: Config): Layer => fromConfigOf(cls, config);
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
