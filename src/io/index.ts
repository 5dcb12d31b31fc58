// nr.io: the artifacts format, handlers for each storage, and the weight codec.
import type { IOHandler, ModelArtifacts, SaveResult } from './artifacts.js';
import type { FileHandlerOptions } from './handlers/file.js';

export type {
  IOHandler,
  ModelArtifacts,
  SaveResult,
  WeightSpec,
  JsonObject,
  JsonValue,
} from './artifacts.js';
export { getHandler } from './router.js';
export { httpHandler, type HttpOptions } from './handlers/http.js';
export {
  localStorageHandler,
  indexedDbHandler,
  downloadsHandler,
  type KeyValueStorage,
} from './handlers/browser.js';
export {
  encodeWeights,
  decodeWeights,
  decodeWeightsStream,
  type WeightsManifestEntry,
  type WeightQuantization,
  type WeightGroup,
  type NamedTensors,
} from './weight_codec.js';
export { browserFiles, type PickedFile } from './handlers/browser_files.js';
export { parseModelJson, toModelJson, shardWeights } from './model_json.js';
export {
  fetchBytes,
  openUrl,
  setNetDefaults,
  netDefaults,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_TOTAL_TIMEOUT_MS,
  DEFAULT_MAX_REDIRECTS,
  type NetLimits,
  type FetchOptions,
  type OpenBody,
} from './net.js';
export { resolveShardUrl, modelFolder, isUnderFolder } from './url_policy.js';
export { MAX_MODEL_JSON_BYTES, MAX_WEIGHT_BYTES, SHARD_BYTES } from './artifacts.js';

export type { FileHandlerOptions } from './handlers/file.js';

/**
 * A handler for a folder on disk (Node only; loaded on demand so browser bundles never see node:fs).
 * Saves are atomic for the whole model (see docs/guide/security.md).
 * @example const h = await nr.io.fileSystem('./models/mlp');
 */
export async function fileSystem(path: string, options: FileHandlerOptions = {}) {
  const { fileHandler } = await import('./handlers/file.js');
  return fileHandler(path, options);
}

/**
 * A handler that loads artifacts you already hold (tfjs' `io.fromMemory`).
 * @example const model = await nr.loadLayersModel(nr.io.fromMemory(artifacts));
 */
export function fromMemory(artifacts: ModelArtifacts): IOHandler {
  return { load: async () => artifacts };
}

/**
 * A handler that passes the artifacts to your function instead of writing them (tfjs' `io.withSaveHandler`).
 * @example let saved; await model.save(nr.io.withSaveHandler(async (a) => { saved = a; }));
 */
export function withSaveHandler(
  save: (artifacts: ModelArtifacts) => Promise<void | SaveResult>,
): IOHandler {
  return {
    save: async (a) =>
      (await save(a)) ?? {
        modelJsonBytes: JSON.stringify(a.modelTopology).length,
        weightDataBytes: a.weightData.byteLength,
        written: [],
      },
  };
}
export {
  kerasFormat,
  loadModelFromBytes,
  sniffFormat,
  type KerasTarget,
  type KerasLoadOptions,
  type ModelFileFormat,
} from './keras/index.js';
export { CompositeArrayBuffer, concatenateArrayBuffers } from './composite_array_buffer.js';
