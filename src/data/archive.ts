// Archives with bounded output: gzip (streamed, capped), zip entries and tar members.
import { Gunzip, unzipSync } from 'fflate';
import { IOError } from '../core/errors.js';

/** True when bytes start with the gzip magic 0x1f 0x8b. @example isGzip(bytes) */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

// fflate inflates a whole piece before it reports; 8 KiB in gives at most about 8 MB out past the limit.
const CHUNK = 1 << 13;

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/**
 * Decompresses gzip data without trusting its size fields: the input is fed in 8 KiB pieces and
 * decompression stops with an `IOError` as soon as the output passes `maxBytes`. Truncated or
 * corrupt data is an `IOError` naming `name`.
 * @example const raw = gunzipBounded(bytes, 'train-images-idx3-ubyte.gz', 2 ** 30);
 */
export function gunzipBounded(bytes: Uint8Array, name: string, maxBytes: number): Uint8Array {
  if (bytes.length < 18) throw new IOError(`${name}: truncated gzip data (${bytes.length} bytes)`);
  const chunks: Uint8Array[] = [];
  let total = 0;
  let finished = false;
  const gz = new Gunzip((chunk, final) => {
    total += chunk.byteLength;
    if (total > maxBytes)
      throw new IOError(`${name}: decompresses to more than the limit of ${maxBytes} bytes`);
    // fflate may reuse its buffers between calls; keep a copy only when it hands a view.
    chunks.push(
      chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength
        ? chunk
        : chunk.slice(),
    );
    if (final) finished = true;
  });
  try {
    for (let offset = 0; offset < bytes.length; offset += CHUNK) {
      const end = Math.min(offset + CHUNK, bytes.length);
      gz.push(bytes.subarray(offset, end), end === bytes.length);
    }
  } catch (e) {
    if (e instanceof IOError) throw e;
    throw new IOError(`${name}: corrupt gzip data (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!finished) throw new IOError(`${name}: truncated gzip data`);
  // The trailer holds the size modulo 2^32: a cheap check that the stream was complete.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const isize = view.getUint32(bytes.length - 4, true);
  if (isize !== total % 2 ** 32)
    throw new IOError(
      `${name}: corrupt gzip data (size field ${isize}, decompressed ${total} bytes)`,
    );
  return concat(chunks, total);
}

/** Gunzips when the bytes are gzip, returns them unchanged otherwise. @example maybeGunzip(bytes, 'a.idx', 1e9) */
export function maybeGunzip(bytes: Uint8Array, name: string, maxBytes: number): Uint8Array {
  return isGzip(bytes) ? gunzipBounded(bytes, name, maxBytes) : bytes;
}

/**
 * Reads the entries of a zip archive (stored or deflated), checking each declared size against
 * `maxBytes` before decompressing it; `wanted` selects entries by name. The result has no
 * prototype, so entry names such as 'constructor' are ordinary keys.
 * @example const files = unzipEntries(npzBytes, 'mnist.npz', 2 ** 30, (n) => n.endsWith('.npy'));
 */
export function unzipEntries(
  bytes: Uint8Array,
  name: string,
  maxBytes: number,
  wanted: (entry: string) => boolean = () => true,
): Record<string, Uint8Array> {
  let total = 0;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (f) => {
        if (!wanted(f.name)) return false;
        // fflate stores entries in a plain object: this one name would replace its prototype.
        if (f.name === '__proto__')
          throw new IOError(`${name}: entry named '__proto__' cannot be read`);
        total += f.originalSize;
        if (f.originalSize > maxBytes || total > maxBytes)
          throw new IOError(
            `${name}: entry '${f.name}' declares ${f.originalSize} bytes, more than the limit of ${maxBytes}`,
          );
        return true;
      },
    });
  } catch (e) {
    if (e instanceof IOError) throw e;
    throw new IOError(
      `${name}: corrupt zip archive (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  // Entry names come from the file: hand them back in an object without a prototype.
  const out: Record<string, Uint8Array> = Object.create(null);
  for (const [k, v] of Object.entries(files)) out[k] = v;
  return out;
}

/** One regular file in a tar archive (a view into the archive's bytes). */
export interface TarEntry {
  name: string;
  data: Uint8Array;
}

function cString(bytes: Uint8Array, start: number, length: number): string {
  let end = start;
  while (end < start + length && bytes[end] !== 0) end++;
  return new TextDecoder('utf-8').decode(bytes.subarray(start, end));
}

function octal(bytes: Uint8Array, start: number, length: number, name: string): number {
  const s = cString(bytes, start, length).trim();
  if (!/^[0-7]*$/.test(s))
    throw new IOError(`${name}: corrupt tar header (size field ${JSON.stringify(s)})`);
  return s === '' ? 0 : parseInt(s, 8);
}

/**
 * Lists the regular files of a (decompressed) tar archive: ustar names with prefixes and GNU long
 * names; pax headers are skipped. Header checksums and sizes are checked against the archive's
 * length, and a cut archive is an IOError.
 * @example for (const e of untar(bytes, 'cifar-10-python.tar')) console.log(e.name, e.data.length);
 */
export function untar(bytes: Uint8Array, name: string): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | null = null;
  let ended = false;
  while (offset + 512 <= bytes.length) {
    const header = bytes.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) {
      ended = true;
      break;
    }
    checkSum(header, offset, name);
    const size = octal(header, 124, 12, name);
    const type = String.fromCharCode(header[156] || 48);
    const dataStart = offset + 512;
    if (dataStart + size > bytes.length)
      throw new IOError(
        `${name}: truncated tar archive (member at byte ${offset} needs ${size} bytes, ${bytes.length - dataStart} left)`,
      );
    const data = bytes.subarray(dataStart, dataStart + size);
    if (type === 'L') longName = cString(data, 0, data.length);
    else if (type === '0' || type === '7') {
      const prefix = cString(header, 257, 6) === 'ustar' ? cString(header, 345, 155) : '';
      const base = cString(header, 0, 100);
      entries.push({ name: longName ?? (prefix ? `${prefix}/${base}` : base), data });
      longName = null;
    } else if (type !== 'x' && type !== 'g') longName = null;
    offset = dataStart + Math.ceil(size / 512) * 512;
  }
  // Every tar writer ends the archive with zero blocks: without one, the file was cut (possibly
  // right after a member, where nothing else would show it).
  if (!ended)
    throw new IOError(
      `${name}: truncated tar archive (no end-of-archive block after byte ${offset} of ${bytes.length})`,
    );
  return entries;
}

/** Checks a header's checksum (the sum of its bytes, the checksum field read as spaces). */
function checkSum(header: Uint8Array, offset: number, name: string): void {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : header[i];
  const stored = octal(header, 148, 8, name);
  if (stored !== sum)
    throw new IOError(
      `${name}: corrupt tar header at byte ${offset} (checksum ${stored}, computed ${sum})`,
    );
}
