// nr.io: the artifacts format, handlers for each storage, and the weight codec.
import type { IOHandler, ModelArtifacts, SaveResult } from './artifacts.js';

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
export { encodeWeights, decodeWeights } from './weights.js';
export { parseModelJson, toModelJson, shardWeights } from './model_json.js';

/**
 * A handler for a folder on disk (Node only; loaded on demand so browser bundles never see node:fs).
 * @example const h = await nr.io.fileSystem('./models/mlp');
 */
export async function fileSystem(path: string) {
  const { fileHandler } = await import('./handlers/file.js');
  return fileHandler(path);
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
export { CompositeArrayBuffer, concatenateArrayBuffers } from './composite_array_buffer.js';
