// Reading a whole file from a path, a file:// URL or an http(s):// URL, never past a size limit.
import { ArgumentError, IOError, show } from '../core/errors.js';

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

async function readHttp(url: string, what: string, maxBytes: number): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new IOError(
      `${url}: cannot fetch ${what}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    throw new IOError(`${url}: cannot fetch ${what}: HTTP ${res.status} ${res.statusText}`);
  }
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await res.body?.cancel().catch(() => {});
    throw new IOError(`${url}: ${what} is ${declared} bytes, more than the limit of ${maxBytes}`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => {});
        throw new IOError(`${url}: ${what} is more than the limit of ${maxBytes} bytes`);
      }
      chunks.push(value);
    }
  }
  if (Number.isFinite(declared) && total !== declared)
    throw new IOError(`${url}: ${what} truncated: received ${total} of ${declared} bytes`);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/**
 * Reads a whole file (Node for paths and file:// URLs, fetch for http(s)), refusing files larger
 * than `maxBytes` before allocating for them.
 * @example const bytes = await readBytes('data/iris.csv', 'CSV file');
 */
export async function readBytes(
  source: FileSource,
  what = 'file',
  maxBytes = DEFAULT_MAX_BYTES,
): Promise<Uint8Array> {
  if (typeof source !== 'string' && !(source instanceof URL))
    throw new ArgumentError(
      `readBytes: source must be a path or URL, received ${show(typeof source)}`,
    );
  const path = await localPath(source);
  if (path === null) return readHttp(sourceName(source), what, maxBytes);
  const fs = await import('node:fs/promises');
  let size: number;
  try {
    const st = await fs.stat(path);
    if (!st.isFile()) throw new IOError(`${path}: ${what} is not a regular file`);
    size = st.size;
  } catch (e) {
    if (e instanceof IOError) throw e;
    throw new IOError(`${path}: ${what} not found (${e instanceof Error ? e.message : String(e)})`);
  }
  if (size > maxBytes)
    throw new IOError(`${path}: ${what} is ${size} bytes, more than the limit of ${maxBytes}`);
  try {
    const buf = await fs.readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    throw new IOError(
      `${path}: cannot read ${what}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
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
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    const fh = await fs.open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, path);
  } catch (e) {
    await fs.unlink(tmp).catch(() => {});
    throw new IOError(`${path}: write failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}
