// file:// (Node): a folder with model.json and weight shards; saves switch atomically from the old model to the new, reads are bounded.
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { ArgumentError, IOError, UrlPolicyError, show } from '../../core/errors.js';
import {
  type IOHandler,
  MAX_MODEL_JSON_BYTES,
  type ModelArtifacts,
  SHARD_BYTES,
  type SaveResult,
} from '../artifacts.js';
import { readLocalFile } from '../local_file.js';
import {
  assembleArtifacts,
  groupBytes,
  parseModelJson,
  shardWeights,
  toModelJson,
} from '../model_json.js';

/** Options of the file handler. */
export interface FileHandlerOptions {
  /** Largest weight shard written, in bytes. Default 4 MiB (as TensorFlow.js). */
  shardBytes?: number;
}

/**
 * Writes a file so that readers see the old content or the new, never half: temporary file, flush, rename.
 * @example await writeFileAtomic('model.json', text);
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e instanceof Error ? new IOError(`${path}: write failed: ${e.message}`) : e;
  }
}

/** Flushes a folder's entries (the renames) to disk; not every platform can, and that is fine. */
async function syncFolder(dir: string): Promise<void> {
  const fh = await open(dir, 'r').catch(() => null);
  if (!fh) return;
  await fh.sync().catch(() => {});
  await fh.close();
}

/** The folder of a file:// URL or plain path (a path ending in model.json names its folder). */
function folderOf(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  return resolve(path.endsWith('.json') ? join(path, '..') : path);
}

/** A shard path from model.json as a path inside `dir`; anything reaching outside is refused. */
function shardPath(dir: string, p: string, where: string): string {
  const full = resolve(dir, p);
  const rel = relative(dir, full);
  if (!rel || rel.startsWith('..') || isAbsolute(rel))
    throw new UrlPolicyError(
      `${where}: shard path ${show(p)} resolves outside the model's folder ${dir}`,
    );
  return full;
}

/** Names of shards this handler writes: content-named, so a new save never overwrites a file the old model.json uses. */
const VERSIONED_SHARD = /^group\d+-shard\d+of\d+-[0-9a-f]{16}\.bin$/;
/** Temporary files of writeFileAtomic: `<name>.tmp-<pid>-<random>`. */
const TEMP = /\.tmp-(\d+)-[0-9a-z]+$/;

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return !(e instanceof Error && 'code' in e && e.code === 'ESRCH');
  }
}

/** Shard paths listed by a model.json in `dir`, or none when it is missing or unreadable. */
async function referencedShards(jsonPath: string): Promise<string[]> {
  try {
    const text = new TextDecoder().decode(
      await readLocalFile(jsonPath, MAX_MODEL_JSON_BYTES, 'model.json'),
    );
    return parseModelJson(text, jsonPath).weightsManifest.flatMap((g) => g.paths);
  } catch {
    return [];
  }
}

/**
 * After the switch: removes the shards the previous model.json used that the new one does not, shards
 * left by saves that died before their switch (content-named, referenced by no model.json of the
 * folder), and temporary files of dead processes. Files of other names are never touched.
 */
async function removeStale(dir: string, oldPaths: string[], keep: Set<string>): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const referenced = new Set(keep);
  for (const n of names)
    if (n.endsWith('.json') && !TEMP.test(n))
      for (const p of await referencedShards(join(dir, n))) referenced.add(resolve(dir, p));
  const doomed = new Set<string>();
  for (const p of oldPaths) {
    const full = resolve(dir, p);
    // Only plain files beside model.json, and never a .json (a hostile old manifest could list one).
    if (!referenced.has(full) && dirname(full) === dir && !full.endsWith('.json')) doomed.add(full);
  }
  for (const n of names) {
    const full = join(dir, n);
    if (VERSIONED_SHARD.test(n) && !referenced.has(full)) doomed.add(full);
    const tmp = TEMP.exec(n);
    if (tmp && !processAlive(Number(tmp[1]))) doomed.add(full);
  }
  await Promise.all([...doomed].map((f) => unlink(f).catch(() => {})));
}

/**
 * A handler for a folder: `model.json` plus content-named `group1-shardNofM-<hash>.bin` files. A save
 * writes the new shards under new names, then replaces model.json atomically, then removes what the
 * old model used: a crash at any point leaves the old model or the new one, never a mix.
 * @example await model.save('file://./my-model');
 */
export function fileHandler(url: string, options: FileHandlerOptions = {}): IOHandler {
  const shardBytes = options.shardBytes ?? SHARD_BYTES;
  if (!Number.isInteger(shardBytes) || shardBytes < 1)
    throw new ArgumentError(
      `fileHandler: shardBytes must be a positive integer, received ${show(shardBytes)}`,
    );
  const dir = folderOf(url);
  const jsonPath = url.replace(/^file:\/\//, '').endsWith('.json')
    ? resolve(url.replace(/^file:\/\//, ''))
    : join(dir, 'model.json');
  return {
    async save(a: ModelArtifacts): Promise<SaveResult> {
      await mkdir(dir, { recursive: true });
      const oldPaths = await referencedShards(jsonPath);
      const version = createHash('sha256')
        .update(new Uint8Array(a.weightData))
        .digest('hex')
        .slice(0, 16);
      const shards = shardWeights(a.weightData, 'group1', shardBytes).map((s) => ({
        path: s.path.replace(/\.bin$/, `-${version}.bin`),
        bytes: s.bytes,
      }));
      let text: string;
      try {
        // 1. The new shards, under names the old model.json does not use (same names: same bytes).
        for (const s of shards) await writeFileAtomic(join(dir, s.path), s.bytes);
        await syncFolder(dir);
        // 2. The switch: one rename makes model.json name the new shards.
        text = JSON.stringify(
          toModelJson(
            a,
            shards.map((s) => s.path),
          ),
        );
        await writeFileAtomic(jsonPath, text);
        await syncFolder(dir);
      } catch (e) {
        // The old model stays; the new shards it does not use go.
        const old = new Set(oldPaths.map((p) => resolve(dir, p)));
        await Promise.all(
          shards
            .map((s) => join(dir, s.path))
            .filter((f) => !old.has(f))
            .map((f) => unlink(f).catch(() => {})),
        );
        throw e;
      }
      // 3. What nothing references any more.
      await removeStale(dir, oldPaths, new Set(shards.map((s) => join(dir, s.path))));
      return {
        modelJsonBytes: Buffer.byteLength(text),
        weightDataBytes: a.weightData.byteLength,
        written: [jsonPath, ...shards.map((s) => join(dir, s.path))],
      };
    },
    async load(): Promise<ModelArtifacts> {
      const text = new TextDecoder().decode(
        await readLocalFile(jsonPath, MAX_MODEL_JSON_BYTES, 'model.json'),
      );
      const json = parseModelJson(text, jsonPath);
      const paths = json.weightsManifest.map((g) =>
        g.paths.map((p) => shardPath(dir, p, jsonPath)),
      );
      const shards: Uint8Array[][] = [];
      for (const [i, g] of json.weightsManifest.entries()) {
        let budget = groupBytes(g, jsonPath);
        const group: Uint8Array[] = [];
        for (const [k, p] of paths[i].entries()) {
          // A shard may not be bigger than what is left of its group's declared bytes.
          const bytes = await readLocalFile(
            p,
            budget,
            `weight shard '${basename(g.paths[k])}' (listed in model.json)`,
          );
          budget -= bytes.byteLength;
          group.push(bytes);
        }
        shards.push(group);
      }
      return assembleArtifacts(json, shards, jsonPath);
    },
  };
}
