// tfjs' `tf.models` namespace: modelFromJSON rebuilds a model from the topology `model.toJSON()` writes.
import { ArgumentError, show } from '../core/errors.js';
import type { JsonObject, JsonValue } from '../io/artifacts.js';
import type { Model } from './model.js';
import { modelFromTopology } from './saving.js';

const isObject = (v: JsonValue | undefined): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Rebuilds a model (fresh weights) from its topology: the object or string `model.toJSON()` returns, or
 * `{ modelTopology }` as in model.json. Weights are not read here: load a saved model with
 * `nr.loadLayersModel`, or copy them with `setWeights`. Custom layers must be registered first
 * (`nr.serialization.registerClass`).
 * @example const copy = await nr.models.modelFromJSON(model.toJSON());
 */
export async function modelFromJSON(modelAndWeightsConfig: JsonObject | string): Promise<Model> {
  let parsed: JsonValue;
  if (typeof modelAndWeightsConfig === 'string') {
    try {
      parsed = JSON.parse(modelAndWeightsConfig) as JsonValue;
    } catch (e) {
      throw new ArgumentError(`modelFromJSON: the string is not JSON (${(e as Error).message})`);
    }
  } else parsed = modelAndWeightsConfig;
  if (!isObject(parsed))
    throw new ArgumentError(
      `modelFromJSON: expected a topology object or JSON string, received ${show(modelAndWeightsConfig)}`,
    );
  if (parsed.weightsManifest !== undefined)
    throw new ArgumentError(
      'modelFromJSON: reading weights from a weightsManifest is not supported here; use nr.loadLayersModel(url) for a saved model',
    );
  const topology = isObject(parsed.modelTopology) ? parsed.modelTopology : parsed;
  return modelFromTopology(topology, 'modelFromJSON');
}
