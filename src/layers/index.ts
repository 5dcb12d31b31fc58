// nr.layers: tfjs-style factories (`nr.layers.dense({units})`) and the layer classes.
import {
  Activation,
  type ActivationArgs,
  Dense,
  type DenseArgs,
  Dropout,
  type DropoutArgs,
  Flatten,
  Reshape,
  type ReshapeArgs,
} from './core.js';
import { InputLayer } from './input.js';
import type { LayerArgs } from './layer.js';

export {
  Layer,
  type LayerArgs,
  type CallArgs,
  type AddWeightArgs,
  getMask,
  setMask,
} from './layer.js';
export { registerLayer, deserializeLayer, layerRegistry } from './registry.js';
export { Dense, Activation, Dropout, Flatten, Reshape, InputLayer };
export type { DenseArgs, ActivationArgs, DropoutArgs, ReshapeArgs };

/** A densely connected layer. @example nr.layers.dense({ units: 10, activation: 'relu' }) */
export const dense = (args: DenseArgs) => new Dense(args);
/** An activation layer. @example nr.layers.activation({ activation: 'softmax' }) */
export const activation = (args: ActivationArgs) => new Activation(args);
/** A dropout layer. @example nr.layers.dropout({ rate: 0.2 }) */
export const dropout = (args: DropoutArgs) => new Dropout(args);
/** A flatten layer. @example nr.layers.flatten() */
export const flatten = (args: LayerArgs = {}) => new Flatten(args);
/** A reshape layer. @example nr.layers.reshape({ targetShape: [28, 28, 1] }) */
export const reshape = (args: ReshapeArgs) => new Reshape(args);
/** An input layer (prefer `nr.input`). @example nr.layers.inputLayer({ inputShape: [4] }) */
export const inputLayer = (args: LayerArgs) => new InputLayer(args);
export * from './conv.js';
export * from './pooling.js';
export * from './reshaping.js';
export * from './embedding.js';
export * from './merge.js';
export * from './noise.js';
export * from './normalization.js';
export * from './preprocessing.js';
export * from './recurrent.js';
export * from './wrappers.js';
export * from './attention.js';
export * from './text_vectorization.js';
export * from './activation_layers.js';
export * from './reshaping_1d.js';
export * from './normalization_group.js';
export * from './conv_1d_extra.js';
export * from './image_preprocessing.js';
export * from './augmentation.js';
export * from './einsum_dense.js';
export * from './attention_additive.js';
export * from './lookup.js';
