// The optimizer registry: Keras and tfjs names to classes, and getOptimizer for compile().
import { ArgumentError, show } from '../core/errors.js';
import { Registry, type Config, type SerializedObject } from '../core/serialization.js';
import { Adadelta } from './adadelta.js';
import { Adagrad } from './adagrad.js';
import { Adam } from './adam.js';
import { Adamax } from './adamax.js';
import { AdamW } from './adamw.js';
import { Lion } from './lion.js';
import { Nadam } from './nadam.js';
import { Optimizer } from './optimizer.js';
import { RMSprop } from './rmsprop.js';
import { SGD } from './sgd.js';
import { TfjsOptimizer } from './tfjs_optimizer.js';
// last: it imports this registry back (for its inner optimizer), after the classes above exist
import { LossScaleOptimizer } from '../mixed_precision/loss_scale_optimizer.js';

/**
 * Optimizers by name. Lookup ignores case and underscores, so Keras' 'adam' and 'rmsprop' find the
 * classes; tfjs' class names ('RMSProp', 'Momentum') are aliases. Register your own to load it from configs.
 * @example nr.optimizers.registry.register('MyOpt', (c) => MyOpt.fromConfig(c));
 */
export const registry = new Registry<Optimizer>('optimizer');
registry.register('SGD', (c) => SGD.fromConfig(c), ['sgd', 'Momentum']);
registry.register('Adam', (c) => Adam.fromConfig(c), ['adam']);
registry.register('AdamW', (c) => AdamW.fromConfig(c), ['adamw']);
registry.register('RMSprop', (c) => RMSprop.fromConfig(c), ['rmsprop']);
registry.register('Adagrad', (c) => Adagrad.fromConfig(c), ['adagrad']);
registry.register('Adadelta', (c) => Adadelta.fromConfig(c), ['adadelta']);
registry.register('Adamax', (c) => Adamax.fromConfig(c), ['adamax']);
registry.register('Nadam', (c) => Nadam.fromConfig(c), ['nadam']);
registry.register('Lion', (c) => Lion.fromConfig(c), ['lion']);

/** Keras' serialized form: `{class_name, config}` (plus `module`, `registered_name`). */
export interface KerasSerializedObject {
  class_name: string;
  config: Config;
}

/**
 * An optimizer from a name ('adam', with defaults), a `{className, config}` object (Keras'
 * `{class_name, config}` too), or an instance (returned as is).
 * @example const opt = nr.optimizers.getOptimizer('adam');
 */
export function getOptimizer(
  spec: string | Optimizer | TfjsOptimizer | SerializedObject | KerasSerializedObject,
): Optimizer {
  if (spec instanceof Optimizer) return spec;
  // tf.train.* objects: the neurite optimizer under tfjs' surface does the training
  if (spec instanceof TfjsOptimizer) return spec.optimizer;
  if (spec !== null && typeof spec === 'object' && 'class_name' in spec) {
    if (typeof spec.class_name !== 'string')
      throw new ArgumentError(
        `getOptimizer: class_name must be a string, received ${show(spec.class_name)}`,
      );
    return getOptimizer({ className: spec.class_name, config: spec.config ?? {} });
  }
  // the loss-scaling wrapper is not a registered optimizer (it needs an inner one), but loads from configs
  if (typeof spec === 'object' && spec !== null && spec.className === LossScaleOptimizer.className)
    return LossScaleOptimizer.fromConfig(spec.config ?? {});
  return registry.get(spec, 'getOptimizer');
}

/**
 * An optimizer from `{className, config}` (Keras' `{class_name, config}` too): Keras' `deserialize`.
 * @example nr.optimizers.deserialize(nr.optimizers.serialize(opt))
 */
export function deserialize(spec: SerializedObject | KerasSerializedObject): Optimizer {
  if (spec === null || typeof spec !== 'object')
    throw new ArgumentError(`deserialize: expected {className, config}, received ${show(spec)}`);
  return getOptimizer(spec);
}
