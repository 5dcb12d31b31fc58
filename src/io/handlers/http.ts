// http(s):// load: model.json and its shards, each shard URL resolved and checked against the model's folder, read with bounded sizes and time.
import { ArgumentError, show } from '../../core/errors.js';
import { type IOHandler, MAX_MODEL_JSON_BYTES, type ModelArtifacts } from '../artifacts.js';
import { assembleArtifacts, groupBytes, parseModelJson } from '../model_json.js';
import { type NetLimits, fetchBytes, netDefaults } from '../net.js';
import { modelFolder, redirectsUnder, resolveShardUrl } from '../url_policy.js';

/**
 * Options of the http handler (tfjs' names for `requestInit` and `fetchFunc`, plus neurite's limits).
 * `maxBytes` caps model.json (default 64 MiB); each shard is capped at what the manifest declares.
 * `totalTimeoutMs` bounds the whole load (default 10 minutes), `idleTimeoutMs` each silence (30 s).
 */
export interface HttpOptions extends NetLimits {
  /** Passed to fetch (headers, credentials, ...); sent only to the model's origin and folder. */
  requestInit?: RequestInit;
  /** A fetch implementation (default: globalThis.fetch). */
  fetchFunc?: typeof fetch;
}

/**
 * Loads a model from a URL of its model.json. Shards are fetched relative to it and must resolve to
 * the same origin and a path under its folder (`UrlPolicyError` otherwise); redirects are followed only
 * under the same rule, so `requestInit` headers never reach another host.
 * @example const model = await nr.loadLayersModel(nr.io.httpHandler('https://example.com/m/model.json', { requestInit: { headers } }));
 */
export function httpHandler(url: string, options: HttpOptions = {}): IOHandler {
  let modelUrl: URL;
  try {
    modelUrl = new URL(url);
  } catch {
    throw new ArgumentError(
      `httpHandler: url must be an absolute http(s) URL, received ${show(url)}`,
    );
  }
  if (modelUrl.protocol !== 'http:' && modelUrl.protocol !== 'https:')
    throw new ArgumentError(`httpHandler: url must be http(s), received ${show(url)}`);
  const folder = modelFolder(modelUrl);
  return {
    async load(): Promise<ModelArtifacts> {
      const deadline = Date.now() + (options.totalTimeoutMs ?? netDefaults().totalTimeoutMs);
      // One deadline for the whole load: each request gets what is left of it.
      const common = () => ({
        requestInit: options.requestInit,
        fetchFunc: options.fetchFunc,
        idleTimeoutMs: options.idleTimeoutMs,
        totalTimeoutMs: Math.max(1, deadline - Date.now()),
        signal: options.signal,
        allowRedirect: redirectsUnder(folder),
      });
      const jsonBytes = await fetchBytes(modelUrl, {
        ...common(),
        maxBytes: options.maxBytes ?? MAX_MODEL_JSON_BYTES,
        what: 'model.json',
      });
      const json = parseModelJson(new TextDecoder().decode(jsonBytes), url);
      const shards: Uint8Array[][] = [];
      // Every path is checked before the first shard is requested.
      const urls = json.weightsManifest.map((g) =>
        g.paths.map((p) => resolveShardUrl(p, modelUrl, url)),
      );
      for (const [i, g] of json.weightsManifest.entries()) {
        let budget = groupBytes(g, url);
        const group: Uint8Array[] = [];
        for (const shardUrl of urls[i]) {
          // A shard may not hold more than what is left of its group's declared bytes.
          const bytes = await fetchBytes(shardUrl, {
            ...common(),
            maxBytes: Math.max(budget, 1),
            what: 'weight shard',
          });
          budget -= bytes.byteLength;
          group.push(bytes);
        }
        shards.push(group);
      }
      return assembleArtifacts(json, shards, url);
    },
  };
}
