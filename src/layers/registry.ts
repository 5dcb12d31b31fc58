// The layer registry: class name -> fromConfig, filled on first use from the explicit list below.
import { type Config, configAs, Registry, type SerializedObject } from '../core/serialization.js';
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
import { TextVectorization, type TextVectorizationArgs } from './text_vectorization.js';
import type { Layer, LayerArgs } from './layer.js';
import { convLayers } from './conv.js';
import { poolingLayers } from './pooling.js';
import { reshapingLayers } from './reshaping.js';
import { embeddingLayers } from './embedding.js';
import { mergeLayers } from './merge.js';
import { noiseLayers } from './noise.js';
import { normalizationLayers } from './normalization.js';
import { preprocessingLayers } from './preprocessing.js';
import { recurrentLayers } from './recurrent.js';
import { wrappersLayers } from './wrappers.js';
import { attentionLayers } from './attention.js';
import { activationLayers } from './activation_layers.js';
import { reshaping1dLayers } from './reshaping_1d.js';
import { conv1dExtraLayers } from './conv_1d_extra.js';
import { imagePreprocessingLayers } from './image_preprocessing.js';
import { augmentationLayers } from './augmentation.js';
import { einsumDenseLayers } from './einsum_dense.js';
import { additiveAttentionLayers } from './attention_additive.js';
import { lookupLayers } from './lookup.js';
import { groupNormalizationLayers } from './normalization_group.js';

let registry: Registry<Layer> | null = null;

/** Extra layer classes registered by users (custom layers). */
const custom: [string, (config: Config) => Layer][] = [];

function build(): Registry<Layer> {
  const r = new Registry<Layer>('layer');
  r.register('Dense', (c) => new Dense(configAs<DenseArgs>(c)));
  r.register('Activation', (c) => new Activation(configAs<ActivationArgs>(c)));
  r.register('Dropout', (c) => new Dropout(configAs<DropoutArgs>(c)));
  r.register('Flatten', (c) => new Flatten(configAs<LayerArgs>(c)));
  r.register('Reshape', (c) => new Reshape(configAs<ReshapeArgs>(c)));
  r.register('InputLayer', (c) => new InputLayer(configAs<LayerArgs>(c)));
  r.register('TextVectorization', (c) => new TextVectorization(configAs<TextVectorizationArgs>(c)));
  const families = [
    convLayers,
    poolingLayers,
    reshapingLayers,
    embeddingLayers,
    mergeLayers,
    noiseLayers,
    normalizationLayers,
    preprocessingLayers,
    recurrentLayers,
    wrappersLayers,
    attentionLayers,
    activationLayers,
    reshaping1dLayers,
    groupNormalizationLayers,
    conv1dExtraLayers,
    imagePreprocessingLayers,
    augmentationLayers,
    einsumDenseLayers,
    additiveAttentionLayers,
    lookupLayers,
  ];
  for (const [name, f] of families.flat()) r.register(name, f);
  for (const [name, f] of custom) r.register(name, f);
  return r;
}

/** The layer registry. @example layerRegistry().get({ className: 'Dense', config: { units: 3 } }) */
export function layerRegistry(): Registry<Layer> {
  registry ??= build();
  return registry;
}

/**
 * Registers a custom layer class so configs naming it can be deserialized.
 * @example nr.layers.registerLayer('Scale', (config) => new Scale(config));
 */
export function registerLayer(className: string, fromConfig: (config: Config) => Layer): void {
  custom.push([className, fromConfig]);
  registry?.register(className, fromConfig);
}

/** Builds a layer from `{className, config}`. @example deserializeLayer({ className: 'Dense', config: { units: 2 } }) */
export function deserializeLayer(spec: SerializedObject): Layer {
  return layerRegistry().get(spec, 'deserializeLayer');
}
