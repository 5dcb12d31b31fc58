// Where dataset files come from: the cache folder, then known local installs, then a verified download.
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ArgumentError, IOError, show } from '../core/errors.js';
import type { RemoteFile } from './catalog.js';
import { download, hashFile, type ProgressCallback } from './download.js';

/** Options every `load()` accepts. */
export interface LoadOptions {
  /** The datasets folder; default `$NEURITE_DATASETS`, else `~/.neurite/datasets`. */
  cacheDir?: string;
  /** Download files that are not found locally. Default true. */
  download?: boolean;
  /** Download progress; by default a bar on stderr when it is a terminal. null: silent. */
  onProgress?: ProgressCallback | null;
}

/** A copy of a file installed by other software, and whether it must match the catalog's hash. */
export interface LocalCopy {
  path: string;
  /** False for copies known to differ in bytes but not in content (Debian recompresses gzip files). */
  verify: boolean;
}

/**
 * The datasets folder: the `cacheDir` argument, else the `NEURITE_DATASETS` environment variable,
 * else `~/.neurite/datasets`.
 * @example datasetsDir() // '/home/me/.neurite/datasets'
 */
export function datasetsDir(cacheDir?: string): string {
  if (cacheDir !== undefined) {
    if (typeof cacheDir !== 'string' || cacheDir === '')
      throw new ArgumentError(
        `datasets: cacheDir must be a non-empty path, received ${show(cacheDir)}`,
      );
    return cacheDir;
  }
  const env = process.env.NEURITE_DATASETS;
  return env ? env : join(homedir(), '.neurite', 'datasets');
}

/** Files whose hash was checked in this process, by path, size and modification time. */
const verified = new Map<string, string>();

async function exists(path: string): Promise<{ size: number; mtimeMs: number } | null> {
  return stat(path).then(
    (s) => (s.isFile() ? { size: s.size, mtimeMs: s.mtimeMs } : null),
    () => null,
  );
}

/** Checks a file's hash against the catalog; returns the mismatch description, or null when it matches. */
async function mismatch(path: string, file: RemoteFile): Promise<string | null> {
  const st = await exists(path);
  if (st === null) return 'missing';
  const stamp = `${st.size}:${st.mtimeMs}`;
  if (verified.get(path) === stamp) return null;
  for (const [algorithm, expected] of [
    ['sha256', file.sha256],
    ['md5', file.md5],
  ] as const) {
    if (expected === undefined) continue;
    const actual = await hashFile(path, algorithm);
    if (actual !== expected) return `${algorithm.toUpperCase()} ${actual}, expected ${expected}`;
  }
  verified.set(path, stamp);
  return null;
}

/** Keras' own cache: a file Keras downloaded is the same file, so reuse it (hash-checked). */
function kerasCopy(file: RemoteFile): LocalCopy {
  const home = process.env.KERAS_HOME ?? join(homedir(), '.keras');
  return { path: join(home, 'datasets', file.name), verify: true };
}

/**
 * The local path of a dataset file, in this order: the datasets folder (hash-checked), the known
 * local installs (e.g. Debian's /usr/share/datasets), Keras' cache, then a download from the
 * catalog's URL into the datasets folder (hash-checked, resumable). With `download: false` a
 * missing file is an `IOError` saying where it looked.
 * @example const path = await getFile(FILES.mnist, { cacheDir: '/data' });
 */
export async function getFile(
  file: RemoteFile,
  options: LoadOptions = {},
  localCopies: readonly LocalCopy[] = [],
): Promise<string> {
  const dir = datasetsDir(options.cacheDir);
  const cached = join(dir, file.name);
  const looked: string[] = [cached];
  const cachedState = await mismatch(cached, file);
  if (cachedState === null) return cached;
  if (cachedState !== 'missing') {
    if (options.download === false)
      throw new IOError(
        `${cached}: corrupt dataset file (${cachedState}); delete it or allow downloads`,
      );
    process.stderr.write(
      `neurite: ${cached} does not match its checksum (${cachedState}); downloading it again\n`,
    );
  }
  for (const copy of [...localCopies, kerasCopy(file)]) {
    looked.push(copy.path);
    if (
      copy.verify ? (await mismatch(copy.path, file)) === null : (await exists(copy.path)) !== null
    )
      return copy.path;
  }
  if (options.download === false) {
    throw new IOError(
      `${file.name}: not found (looked in ${looked.join(', ')}) and downloads are off (download: false); get it from ${file.url}`,
    );
  }
  await download(file.url, cached, {
    sha256: file.sha256,
    md5: file.md5,
    onProgress: options.onProgress,
  });
  const st = await exists(cached);
  if (st) verified.set(cached, `${st.size}:${st.mtimeMs}`);
  return cached;
}

/** The largest dataset file read from the cache: 1 GiB (the largest catalog file, CIFAR-10, is 163 MB). @example await readFileBytes(path, DATASET_FILE_MAX_BYTES) */
export const DATASET_FILE_MAX_BYTES = 2 ** 30;

/**
 * Reads a dataset file resolved by `getFile`, at most `maxBytes`.
 * @example const bytes = await readFile(path);
 */
export async function readFileBytes(
  path: string,
  maxBytes = DATASET_FILE_MAX_BYTES,
): Promise<Uint8Array> {
  // Cached files are data like any other: a FIFO or a symlink to /dev/zero planted in the cache
  // folder is refused, and the size is bounded, through the same reader the model loader uses.
  const { readLocalFile } = await import('../io/local_file.js');
  return readLocalFile(path, maxBytes, 'dataset file');
}
