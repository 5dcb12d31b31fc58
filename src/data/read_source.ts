// Reading a whole file from a path, a file:// URL or an http(s):// URL, never past a size limit.
import { ArgumentError, show } from '../core/errors.js';
import { type FetchOptions, fetchBytes } from '../io/net.js';

/** Default cap on what a loader reads into memory at once: 2 GiB. @example readBytes(path, 'file', DEFAULT_MAX_BYTES) */
export const DEFAULT_MAX_BYTES = 2 ** 31;

/** A file path, a `file://` or `http(s)://` URL (string or URL object). */
export type FileSource = string | URL;

/** True for `file:`, `http:` and `https:` URLs written as strings. @example isUrl('https://x/y.csv') // true */
export function isUrl(s: string): boolean {
  return /^(file|https?):\/\//i.test(s);
}

/** How a source is named in error messages. @example sourceName(new URL('file:///a.csv')) // 'file:///a.csv' */
export function sourceName(source: FileSource): string {
  return source instanceof URL ? source.href : source;
}

/** The local path of a path or `file://` URL; null for http(s). */
async function localPath(source: FileSource): Promise<string | null> {
  const href = source instanceof URL ? source.href : source;
  if (/^https?:\/\//i.test(href)) return null;
  // tfjs programs write relative paths as 'file://./data.csv' (tfjs strips the scheme): a string whose
  // path does not start with '/' is relative to the working directory, not a URL host.
  if (typeof source === 'string' && /^file:\/\/[^/]/i.test(source))
    return source.slice('file://'.length);
  if (/^file:\/\//i.test(href)) {
    const { fileURLToPath } = await import('node:url');
    return fileURLToPath(href);
  }
  return href;
}

/** Limits of `readBytes` over http(s) (the size cap is its own argument). */
export type ReadOptions = Omit<FetchOptions, 'maxBytes' | 'what'>;

/**
 * Reads a whole file (Node for paths and file:// URLs, fetch for http(s)), refusing more than
 * `maxBytes` before allocating for it: a local file must be a regular file (no FIFO or device) of
 * at most `maxBytes`; an http(s) body is read through neurite's bounded byte source (idle and total
 * timeouts, abort signal, same-origin redirects; see `FetchOptions`).
 * @example const bytes = await readBytes('data/iris.csv', 'CSV file');
 */
export async function readBytes(
  source: FileSource,
  what = 'file',
  maxBytes = DEFAULT_MAX_BYTES,
  options: ReadOptions = {},
): Promise<Uint8Array> {
  if (typeof source !== 'string' && !(source instanceof URL))
    throw new ArgumentError(
      `readBytes: source must be a path or URL, received ${show(typeof source)}`,
    );
  const path = await localPath(source);
  if (path === null) return fetchBytes(sourceName(source), { ...options, maxBytes, what });
  // Loaded on use: browser bundles never include node:fs.
  const { readLocalFile } = await import('../io/local_file.js');
  return readLocalFile(path, maxBytes, what);
}

/**
 * Writes a file atomically: a temporary file in the same folder, then a rename, so readers never see
 * half a file.
 * @example await writeBytesAtomic('out/cat.png', pngBytes);
 */
export async function writeBytesAtomic(path: string, data: Uint8Array): Promise<void> {
  const fs = await import('node:fs/promises');
  const { dirname } = await import('node:path');
  await fs.mkdir(dirname(path), { recursive: true }).catch(() => {});
  // The one atomic writer (temporary file, flush, rename), loaded on use like node:fs.
  const { writeFileAtomic } = await import('../io/handlers/file.js');
  await writeFileAtomic(path, data);
}
