// model.json: building it from artifacts, and parsing it back with every field checked.
import { IOError, UrlPolicyError, show } from '../core/errors.js';
import {
  type JsonObject,
  MAX_WEIGHT_BYTES,
  type ModelArtifacts,
  SHARD_BYTES,
  type WeightSpec,
} from './artifacts.js';
import { specBytes } from './weights.js';
import { assertConfigDepth } from '../core/serialization.js';
import { version_core } from '../version.js';

/** The version string written into files. */
export const GENERATED_BY = `neurite ${version_core}`;

/** One group of the weights manifest: shard file names and the weights they hold, in order. */
export interface ManifestGroup {
  paths: string[];
  weights: WeightSpec[];
}

/** A parsed model.json. */
export interface ModelJson {
  modelTopology: JsonObject;
  weightsManifest: ManifestGroup[];
  trainingConfig?: JsonObject;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
}

/**
 * Cuts weight bytes into shards of at most `shardBytes` (default 4 MiB) named like tfjs' (`group1-shard1of2.bin`).
 * @example shardWeights(artifacts.weightData) // [{ path: 'group1-shard1of1.bin', bytes }]
 */
export function shardWeights(
  data: ArrayBuffer,
  prefix = 'group1',
  shardBytes = SHARD_BYTES,
): { path: string; bytes: Uint8Array }[] {
  const n = Math.max(1, Math.ceil(data.byteLength / shardBytes));
  return Array.from({ length: n }, (_, i) => ({
    path: `${prefix}-shard${i + 1}of${n}.bin`,
    bytes: new Uint8Array(
      data,
      i * shardBytes,
      Math.min(shardBytes, data.byteLength - i * shardBytes),
    ),
  }));
}

/** The model.json object for artifacts whose weights are stored in `paths`. */
export function toModelJson(a: ModelArtifacts, paths: string[]): ModelJson {
  return {
    modelTopology: a.modelTopology,
    format: a.format ?? 'layers-model',
    generatedBy: a.generatedBy ?? GENERATED_BY,
    convertedBy: a.convertedBy ?? null,
    ...(a.trainingConfig ? { trainingConfig: a.trainingConfig } : {}),
    weightsManifest: [{ paths, weights: a.weightSpecs }],
  };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Parses and validates model.json text. Shard paths must be plain relative names (no '..', no scheme),
 * since a hostile file could otherwise point the loader anywhere.
 * @example const json = parseModelJson(text, 'models/m/model.json');
 */
export function parseModelJson(text: string, where: string): ModelJson {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new IOError(
      `${where}: not valid JSON (${e instanceof Error ? e.message : String(e)}); the file may be truncated`,
    );
  }
  if (!isObject(raw)) throw new IOError(`${where}: expected a JSON object`);
  // Everything downstream walks the config; a 2,000-deep file must stop here, not overflow a stack.
  assertConfigDepth(raw, where);
  if (!isObject(raw.modelTopology))
    throw new IOError(`${where}: 'modelTopology' is missing or not an object`);
  if (raw.format !== undefined && raw.format !== 'layers-model')
    throw new IOError(
      `${where}: format ${show(raw.format)} is not a layers model (graph models are not supported)`,
    );
  const manifest = raw.weightsManifest ?? [];
  if (!Array.isArray(manifest)) throw new IOError(`${where}: 'weightsManifest' must be an array`);
  let declared = 0;
  const groups: ManifestGroup[] = manifest.map((g, i) => {
    if (!isObject(g) || !Array.isArray(g.paths) || !Array.isArray(g.weights))
      throw new IOError(`${where}: weightsManifest[${i}] must have 'paths' and 'weights' arrays`);
    // A first, plain check of the text; handlers check again after resolving it (url_policy.ts).
    for (const p of g.paths) {
      if (
        typeof p !== 'string' ||
        !p ||
        p.includes('..') ||
        p.startsWith('/') ||
        p.includes('\\') ||
        /[\u0000-\u0020\u007f]/.test(p) ||
        /%(2e|2f|5c)/i.test(p) ||
        /^[a-z][a-z0-9+.-]*:/i.test(p)
      ) {
        throw new UrlPolicyError(
          `${where}: weightsManifest[${i}] has an unsafe shard path ${JSON.stringify(p) ?? show(p)}; shard paths must be plain names under the model's folder`,
        );
      }
    }
    for (const w of g.weights) declared += specBytes(w, where);
    if (declared > MAX_WEIGHT_BYTES)
      throw new IOError(
        `${where}: the manifest declares ${declared} bytes of weights, more than the ${MAX_WEIGHT_BYTES} limit`,
      );
    return { paths: g.paths as string[], weights: g.weights as WeightSpec[] };
  });
  return {
    modelTopology: raw.modelTopology as JsonObject,
    weightsManifest: groups,
    ...(isObject(raw.trainingConfig) ? { trainingConfig: raw.trainingConfig as JsonObject } : {}),
    format: typeof raw.format === 'string' ? raw.format : undefined,
    generatedBy: typeof raw.generatedBy === 'string' ? raw.generatedBy : undefined,
    convertedBy: typeof raw.convertedBy === 'string' ? raw.convertedBy : null,
  };
}

/** Total bytes a manifest group declares. */
export function groupBytes(group: ManifestGroup, where: string): number {
  return group.weights.reduce((n, w) => n + specBytes(w, where), 0);
}

/**
 * Joins the shard bytes of every group into artifacts, checking that each group's shards hold exactly
 * what its manifest declares.
 */
export function assembleArtifacts(
  json: ModelJson,
  shards: Uint8Array[][],
  where: string,
): ModelArtifacts {
  const sizes = json.weightsManifest.map((g) => groupBytes(g, where));
  const total = sizes.reduce((a, b) => a + b, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  json.weightsManifest.forEach((g, i) => {
    const got = shards[i].reduce((n, s) => n + s.byteLength, 0);
    if (got !== sizes[i])
      throw new IOError(
        `${where}: weight group ${i} declares ${sizes[i]} bytes but its shards (${g.paths.join(', ')}) hold ${got}; a shard is truncated or does not match the manifest`,
      );
    for (const s of shards[i]) {
      out.set(s, offset);
      offset += s.byteLength;
    }
  });
  return {
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: out.buffer,
    trainingConfig: json.trainingConfig,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
  };
}
