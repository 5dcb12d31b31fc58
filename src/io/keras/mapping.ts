// The table between Keras 3 / Keras 2 layer classes and neurite's: class names, config keys, sublayer
// attributes (weight paths) and weight order. A class whose name, snake_case keys and weight creation order
// already agree with Keras needs no row; any other class is one row.
import { Bidirectional, TimeDistributed } from '../../layers/wrappers.js';
import type { Layer } from '../../layers/layer.js';
import { RecurrentLayer } from '../../layers/recurrent.js';
import { Model } from '../../models/model.js';
import { Sequential } from '../../models/sequential.js';

/** A layer config in file form (snake_case keys), as found in config.json. */
export type FileConfig = Record<string, unknown>;

/** How one Keras class maps to neurite; every field is optional. */
export interface LayerMapping {
  /** neurite's registry name when it differs from the Keras class name. */
  neurite?: string;
  /** Keras module written in config.json (default 'keras.layers'). */
  module?: string;
  /** Keys Keras writes that neurite does not take (dropped on read). */
  dropOnRead?: readonly string[];
  /** Keys neurite writes that Keras does not take (dropped on write). */
  dropOnWrite?: readonly string[];
  /** Keras key -> neurite key (file form, snake_case) where the generic conversion is not enough. */
  renameOnRead?: Readonly<Record<string, string>>;
  /** Fixes a config after the generic conversion, on read (file form). */
  read?: (config: FileConfig) => FileConfig;
  /** Fixes a config after the generic conversion, on write (file form). */
  write?: (config: FileConfig) => FileConfig;
  /**
   * Keras' variable order as neurite weight names, when it is not neurite's creation order.
   * A name missing from the layer (use_bias false) is skipped, as Keras skips the variable.
   */
  vars?: readonly string[];
  /**
   * Weights Keras keeps in sublayers where neurite keeps them in the layer itself: Keras attribute ->
   * neurite weight names in that sublayer's variable order (MultiHeadAttention's query_dense, ...).
   */
  subVars?: Readonly<Record<string, readonly string[]>>;
}

/** Keys every Keras 3 layer config may carry that neurite's layers do not take. @example KERAS_ONLY_KEYS.includes('lora_rank') // true */
export const KERAS_ONLY_KEYS: readonly string[] = [
  'quantization_config',
  'lora_rank',
  'lora_alpha',
  'optional',
  'sparse',
  'ragged',
];

/** tf.keras 2 writes `axis: [3]` where neurite (and Keras 3 mostly) take one integer. */
const singleAxis = (config: FileConfig): FileConfig =>
  Array.isArray(config.axis) && config.axis.length === 1
    ? { ...config, axis: config.axis[0] }
    : config;

/**
 * The table. Keyed by Keras class name. Rows for layers the klayers helper adds (ReLU, RandomFlip, ...)
 * are needed only where their neurite config or weight order differs from Keras'.
 * @example LAYER_TABLE.get('MultiHeadAttention')?.subVars
 */
export const LAYER_TABLE: ReadonlyMap<string, LayerMapping> = new Map<string, LayerMapping>([
  // Keras 2 and Teachable Machine files carry `groups: 1` on DepthwiseConv2D, which Keras 3 itself rejects.
  ['DepthwiseConv2D', { dropOnRead: ['groups'] }],
  ['Functional', { neurite: 'Functional', module: 'keras.src.models.functional' }],
  ['Model', { neurite: 'Functional', module: 'keras.src.models.functional' }],
  ['Sequential', { module: 'keras' }],
  // Keras 2 InputLayer spelled its shape batch_input_shape; Keras 3 writes batch_shape (generic rename).
  ['InputLayer', { dropOnWrite: ['trainable'] }],
  ['BatchNormalization', { read: singleAxis }],
  ['LayerNormalization', { read: singleAxis }],
  // Keras 3 only warns about input_length (a Keras 2 key); it is not written.
  ['Embedding', { dropOnWrite: ['input_length'] }],
  // Keras 3 MultiHeadAttention holds four EinsumDense sublayers (properties query_dense, ...); neurite holds
  // the same kernels and biases, with the same shapes, as its own weights.
  [
    'MultiHeadAttention',
    {
      subVars: {
        key_dense: ['key/kernel', 'key/bias'],
        output_dense: ['attention_output/kernel', 'attention_output/bias'],
        query_dense: ['query/kernel', 'query/bias'],
        value_dense: ['value/kernel', 'value/bias'],
      },
    },
  ],
]);

/** The row for a Keras class name (an empty row when the generic rules suffice). @example mappingFor('DepthwiseConv2D').dropOnRead // ['groups'] */
export function mappingFor(kerasClass: string): LayerMapping {
  return LAYER_TABLE.get(kerasClass) ?? {};
}

/** The Keras class name of a neurite layer (the inverse of the `neurite` field). @example kerasClassOf(nr.model({inputs, outputs})) // 'Functional' */
export function kerasClassOf(layer: Layer): string {
  if (layer instanceof Sequential) return 'Sequential';
  if (layer instanceof Model) return 'Functional';
  return layer.getClassName();
}

/**
 * Keras' snake_case of a class name (keras/src/utils/naming.py `to_snake_case`): non-word characters
 * removed, '_' before a capital that starts a lower-case run and between a lower-case letter and a capital.
 * @example kerasSnake('Conv2D') // 'conv2d'; kerasSnake('BatchNormalization') // 'batch_normalization'
 */
export function kerasSnake(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** A sublayer (or a list of them) under an attribute name, as Keras' object walk finds them. */
export type Child = { attr: string; layer: Layer } | { attr: string; list: Layer[] };

/**
 * The saveable attributes of a layer in the order Keras' `_walk_saveable` visits them: a model's `layers`
 * first, then public attributes in sorted order (private ones, '_x', last). Only attributes that hold
 * weights somewhere below them matter for paths; those are listed here per kind of layer.
 * @example kerasChildren(lstmLayer) // [{ attr: 'cell', layer: lstmLayer.cell }]
 */
export function kerasChildren(layer: Layer): Child[] {
  if (layer instanceof Sequential) return [{ attr: 'layers', list: layer.layers }];
  if (layer instanceof Model) return [{ attr: 'layers', list: layer.layers }];
  if (layer instanceof Bidirectional)
    return [
      { attr: 'backward_layer', layer: layer.backwardLayer },
      { attr: 'forward_layer', layer: layer.forwardLayer },
    ];
  if (layer instanceof TimeDistributed) return [{ attr: 'layer', layer: layer.layer }];
  if (layer instanceof RecurrentLayer) return [{ attr: 'cell', layer: layer.cell }];
  return [];
}
