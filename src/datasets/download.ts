// The downloader: HTTP(S) GET through the bounded byte source (size cap, idle and total timeouts), resume by Range, checksum, then an atomic rename.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  AbortedError,
  ArgumentError,
  IOError,
  NetworkError,
  SizeLimitError,
  TimeoutError,
  show,
} from '../core/errors.js';
import { type OpenBody, openUrl } from '../io/net.js';

/** Called as bytes arrive: bytes so far (including a resumed part) and the total when known. */
export type ProgressCallback = (received: number, total: number | null) => void;

/** Options of `download`. */
export interface DownloadOptions {
  /** Expected SHA-256 (hex); a mismatch deletes the download and throws. */
  sha256?: string;
  /** Expected MD5 (hex), for origins that publish only that. */
  md5?: string;
  /** Progress reports; by default a bar on stderr when it is a terminal, else nothing. null: silent. */
  onProgress?: ProgressCallback | null;
  /** Redirects followed before giving up (any host, never https to http). Default 5. */
  maxRedirects?: number;
  /** Idle time (no bytes) before giving up, in ms. Default 60000. */
  timeoutMs?: number;
  /** Most bytes the file may have; more is a `SizeLimitError` and the partial file is deleted. Default 4 GiB. */
  maxBytes?: number;
  /** Most time for the whole transfer, in ms. Default 2 hours. */
  totalTimeoutMs?: number;
  /** Stops the download with an `AbortedError` (the partial file is kept for a resume). */
  signal?: AbortSignal;
}

/** Default cap of `download`: 4 GiB. @example download(url, dest, { maxBytes: DOWNLOAD_MAX_BYTES / 4 }) */
export const DOWNLOAD_MAX_BYTES = 4 * 1024 ** 3;

/**
 * Hex digest of a file, streamed.
 * @example await hashFile('mnist.npz', 'sha256')
 */
export async function hashFile(path: string, algorithm: 'sha256' | 'md5'): Promise<string> {
  const hash = createHash(algorithm);
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

async function sizeOf(path: string): Promise<number> {
  return stat(path).then(
    (s) => s.size,
    () => 0,
  );
}

/** Redirects a download follows: any host (a download sends no credentials), never https to http. */
function allowRedirect(from: URL, to: URL): boolean {
  if (to.protocol !== 'http:' && to.protocol !== 'https:') return false;
  return !(from.protocol === 'https:' && to.protocol === 'http:');
}

/** Where a 206 response's bytes start and the full length, from `Content-Range: bytes a-b/total`. */
function contentRange(res: OpenBody): { start: number; total: number | null } | null {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
  if (!m) return null;
  return { start: Number(m[1]), total: m[3] === '*' ? null : Number(m[3]) };
}

/**
 * A progress bar on stderr for terminals (Keras' look), silent otherwise.
 * @example download(url, dest, { onProgress: terminalProgress(url) })
 */
export function terminalProgress(
  url: string,
  stream: { isTTY?: boolean; write(s: string): unknown } = process.stderr,
): ProgressCallback | null {
  if (!stream.isTTY) return null;
  stream.write(`Downloading data from ${url}\n`);
  const start = Date.now();
  let last = 0;
  return (received, total) => {
    const now = Date.now();
    const done = total !== null && received >= total;
    if (!done && now - last < 100) return;
    last = now;
    const seconds = Math.max((now - start) / 1000, 1e-3);
    const rate = `${(received / seconds / 1e6).toFixed(1)} MB/s`;
    let line = `${received}`;
    if (total !== null) {
      const filled = Math.round((20 * Math.min(received, total)) / Math.max(total, 1));
      line = `${received}/${total} ${'━'.repeat(filled)}${' '.repeat(20 - filled)}`;
    }
    stream.write(`\r${line} ${Math.round(seconds)}s ${rate}${done ? '\n' : ''}`);
  };
}

/**
 * Downloads `url` to `dest` safely: the bytes go to `dest.part`; a `.part` left by an earlier
 * attempt is resumed with a Range request when the server supports it (restarted otherwise);
 * the length is checked against Content-Length, the checksum against `sha256`/`md5`, and only then
 * is the file renamed to `dest`. A checksum mismatch deletes the `.part` and throws an `IOError`
 * naming the URL and both hashes; a cut-off transfer throws and keeps the `.part` for a resume.
 * @example await download('https://example.com/data.npz', '/tmp/data.npz', { sha256: 'ab12…' });
 */
export async function download(
  url: string,
  dest: string,
  options: DownloadOptions = {},
): Promise<string> {
  if (typeof url !== 'string' || !/^https?:\/\//i.test(url))
    throw new ArgumentError(`download: url must be an http(s) URL, received ${show(url)}`);
  if (typeof dest !== 'string' || dest === '')
    throw new ArgumentError(`download: dest must be a path, received ${show(dest)}`);
  const maxBytes = options.maxBytes ?? DOWNLOAD_MAX_BYTES;
  const progress = options.onProgress === undefined ? terminalProgress(url) : options.onProgress;
  const part = `${dest}.part`;
  await mkdir(dirname(dest), { recursive: true });
  let offset = await sizeOf(part);
  let total: number | null = null;
  const deadline = Date.now() + (options.totalTimeoutMs ?? 2 * 3600_000);
  for (let attempt = 0; ; attempt++) {
    if (attempt > 2)
      throw new IOError(`download ${url}: the server keeps refusing the resumed range`);
    let res: OpenBody;
    try {
      res = await openUrl(url, {
        headers: { 'user-agent': 'neurite', ...(offset > 0 ? { range: `bytes=${offset}-` } : {}) },
        maxRedirects: options.maxRedirects ?? 5,
        allowRedirect,
        idleTimeoutMs: options.timeoutMs ?? 60_000,
        totalTimeoutMs: Math.max(1, deadline - Date.now()),
        signal: options.signal,
        maxBytes: Math.max(1, maxBytes - (offset > 0 ? offset : 0)),
        what: 'download',
      });
    } catch (e) {
      if (e instanceof SizeLimitError) await unlink(part).catch(() => {});
      throw e;
    }
    const status = res.status;
    const range = status === 206 ? contentRange(res) : null;
    if (offset > 0 && (status === 416 || (status === 206 && range?.start !== offset))) {
      // The .part does not fit what the server has: start again from nothing.
      await res.close();
      await unlink(part).catch(() => {});
      offset = 0;
      continue;
    }
    if (status !== 200 && status !== 206) {
      await res.close();
      throw new NetworkError(`download ${url}: HTTP ${status} ${res.statusText}`.trimEnd());
    }
    if (status === 200) offset = 0;
    if (status === 206) total = range?.total ?? null;
    else total = res.declaredLength;
    if (total !== null && total > maxBytes) {
      await res.close();
      await unlink(part).catch(() => {});
      throw new SizeLimitError(
        `download ${url}: the file is ${total} bytes, more than the limit of ${maxBytes} (maxBytes)`,
      );
    }
    let received = offset;
    progress?.(received, total);
    const fh = await open(part, offset > 0 ? 'a' : 'w');
    try {
      for await (const chunk of res.chunks()) {
        await fh.write(chunk);
        received += chunk.byteLength;
        progress?.(received, total);
      }
    } catch (e) {
      if (e instanceof SizeLimitError) {
        await fh.close().catch(() => {});
        await unlink(part).catch(() => {});
        throw e;
      }
      const what = e instanceof Error ? e.message : String(e);
      const Kind =
        e instanceof AbortedError
          ? AbortedError
          : e instanceof TimeoutError
            ? TimeoutError
            : NetworkError;
      throw new Kind(
        `download ${url}: transfer cut off after ${received}${total === null ? '' : ` of ${total}`} bytes (${what}); the partial file ${part} is kept for a resume`,
        { cause: e },
      );
    } finally {
      await fh.close().catch(() => {});
    }
    break;
  }
  const size = await sizeOf(part);
  if (total !== null && size !== total) {
    throw new IOError(
      `download ${url}: truncated: received ${size} of ${total} bytes; the partial file ${part} is kept for a resume`,
    );
  }
  for (const [algorithm, expected] of [
    ['sha256', options.sha256],
    ['md5', options.md5],
  ] as const) {
    if (expected === undefined) continue;
    const actual = await hashFile(part, algorithm);
    if (actual !== expected.toLowerCase()) {
      await unlink(part).catch(() => {});
      throw new IOError(
        `download ${url}: ${algorithm.toUpperCase()} mismatch: expected ${expected}, got ${actual}; the download was deleted`,
      );
    }
  }
  await rename(part, dest);
  return dest;
}
