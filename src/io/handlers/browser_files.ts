// Files a user picked or dropped in a page (model.json plus its weight files), loaded with sizes checked before reading.
import { ArgumentError, IOError, show } from '../../core/errors.js';
import { type IOHandler, MAX_MODEL_JSON_BYTES, type ModelArtifacts } from '../artifacts.js';
import { assembleArtifacts, groupBytes, parseModelJson } from '../model_json.js';

/** What a picked file offers (the DOM `File`, or anything with a name, a size and its bytes). */
export interface PickedFile {
  readonly name: string;
  readonly size: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * A handler that loads a model from files a user chose (an `<input type="file" multiple>` or a drop):
 * the `.json` file and the weight files its manifest names, matched by file name (tfjs' `io.browserFiles`).
 * @example const model = await nr.loadLayersModel(nr.io.browserFiles([...input.files!]));
 */
export function browserFiles(files: readonly PickedFile[]): IOHandler {
  if (!Array.isArray(files) || files.some((f) => typeof f?.arrayBuffer !== 'function'))
    throw new ArgumentError(
      `browserFiles: files must be an array of File objects, received ${show(files)}`,
    );
  return {
    async load(): Promise<ModelArtifacts> {
      const jsons = files.filter((f) => f.name.toLowerCase().endsWith('.json'));
      if (jsons.length !== 1)
        throw new IOError(
          `browserFiles: expected exactly one .json file among the files, received ${show(files.map((f) => f.name))}`,
        );
      const jsonFile = jsons[0];
      if (jsonFile.size > MAX_MODEL_JSON_BYTES)
        throw new IOError(
          `browserFiles: ${jsonFile.name} is ${jsonFile.size} bytes, more than the ${MAX_MODEL_JSON_BYTES} expected`,
        );
      const json = parseModelJson(
        new TextDecoder().decode(await jsonFile.arrayBuffer()),
        jsonFile.name,
      );
      // Files by name in a Map: names come from the user's disk and the manifest, never object keys.
      const byName = new Map(files.map((f) => [f.name, f]));
      const shards: Uint8Array[][] = [];
      for (const group of json.weightsManifest) {
        let budget = groupBytes(group, jsonFile.name);
        const bytes: Uint8Array[] = [];
        for (const path of group.paths) {
          // A path 'sub/group1-shard1of1.bin' is matched by its last part, as a picker gives no folders.
          const file = byName.get(path.split('/').pop() ?? path);
          if (!file)
            throw new IOError(
              `browserFiles: ${jsonFile.name} lists weight file '${path}', which was not among the files chosen`,
            );
          if (file.size > budget)
            throw new IOError(
              `browserFiles: weight file '${file.name}' is ${file.size} bytes, more than the ${budget} left of what ${jsonFile.name} declares`,
            );
          budget -= file.size;
          bytes.push(new Uint8Array(await file.arrayBuffer()));
        }
        shards.push(bytes);
      }
      return assembleArtifacts(json, shards, jsonFile.name);
    },
  };
}
