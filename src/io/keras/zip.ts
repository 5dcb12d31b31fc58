// Bounded zip reading and writing for .keras archives: sizes and expansion ratios checked before inflating.
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { IOError, show } from '../../core/errors.js';

/** Limits a .keras archive must respect; each is checked before any member is inflated. */
export interface ZipLimits {
  /** Largest inflated member in bytes (default 4 GiB: wasm32 cannot hold more). */
  maxMemberBytes: number;
  /** Largest sum of inflated members (default 4 GiB). */
  maxTotalBytes: number;
  /** Largest ratio of inflated to compressed size (default 1000; HDF5 of zeros compresses about 1000:1). */
  maxRatio: number;
  /** Most members (default 10,000). */
  maxMembers: number;
}

/** The defaults of `ZipLimits`. @example readZip(bytes, 'm.keras', { ...DEFAULT_ZIP_LIMITS, maxRatio: 100 }) */
export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxMemberBytes: 4 * 1024 ** 3,
  maxTotalBytes: 4 * 1024 ** 3,
  maxRatio: 1000,
  maxMembers: 10_000,
};

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
const EMPTY_ZIP_MAGIC = [0x50, 0x4b, 0x05, 0x06];

/** True when the bytes start like a zip archive. @example isZip(bytes) */
export function isZip(bytes: Uint8Array): boolean {
  const starts = (m: number[]) => m.every((b, i) => bytes[i] === b);
  return bytes.length >= 4 && (starts(ZIP_MAGIC) || starts(EMPTY_ZIP_MAGIC));
}

/**
 * A member name that stays inside the archive's folder: relative, no '..', no drive letters, no
 * backslashes, no control characters, and not a name that reaches object prototypes.
 * @example isSafeMemberName('../x') // false
 */
export function isSafeMemberName(name: string): boolean {
  if (!name || name.length > 512) return false;
  if (/[\\\u0000-\u001f]/.test(name) || name.startsWith('/') || /^[a-z]:/i.test(name)) return false;
  const parts = name.split('/');
  return parts.every(
    (p, i) =>
      (p !== '' || i === parts.length - 1) &&
      p !== '.' &&
      p !== '..' &&
      p !== '__proto__' &&
      p !== 'constructor' &&
      p !== 'prototype',
  );
}

/**
 * The members of a zip archive, each checked (name, declared size, ratio) before it is inflated;
 * inflation writes into a buffer of the declared size, so a member that lies about its size cannot grow.
 * @example const members = readZip(bytes, 'model.keras');
 */
export function readZip(
  bytes: Uint8Array,
  where: string,
  limits: ZipLimits = DEFAULT_ZIP_LIMITS,
): Map<string, Uint8Array> {
  if (!isZip(bytes))
    throw new IOError(
      `${where}: not a zip archive (first bytes ${show([...bytes.subarray(0, 4)])}, expected PK\\x03\\x04)`,
    );
  let count = 0;
  let total = 0;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter(f) {
        count++;
        if (count > limits.maxMembers)
          throw new IOError(`${where}: more than ${limits.maxMembers} zip members`);
        if (!isSafeMemberName(f.name))
          throw new IOError(
            `${where}: zip member name ${show(f.name)} leaves the archive or is not allowed`,
          );
        if (f.name.endsWith('/')) return false;
        if (f.compression !== 0 && f.compression !== 8)
          throw new IOError(
            `${where}: zip member '${f.name}' uses compression method ${f.compression}; only stored (0) and deflate (8) are read`,
          );
        if (f.originalSize > limits.maxMemberBytes)
          throw new IOError(
            `${where}: zip member '${f.name}' declares ${f.originalSize} bytes, more than the limit of ${limits.maxMemberBytes}`,
          );
        if (f.compression === 8 && f.originalSize > Math.max(1, f.size) * limits.maxRatio)
          throw new IOError(
            `${where}: zip member '${f.name}' expands ${f.size} bytes to ${f.originalSize} (ratio over ${limits.maxRatio}): refused as a zip bomb`,
          );
        total += f.originalSize;
        if (total > limits.maxTotalBytes)
          throw new IOError(
            `${where}: zip members add up to more than ${limits.maxTotalBytes} bytes`,
          );
        return true;
      },
    });
  } catch (e) {
    if (e instanceof IOError) throw e;
    throw new IOError(
      `${where}: the zip archive is damaged or truncated (${e instanceof Error ? e.message : show(e)})`,
    );
  }
  const out = new Map<string, Uint8Array>();
  for (const [name, data] of Object.entries(files)) out.set(name, data);
  return out;
}

/**
 * A zip archive of the given members (deflated, except already-compact HDF5 weights are stored as Keras does).
 * @example const bytes = writeZip(new Map([['config.json', text]]));
 */
export function writeZip(members: Map<string, Uint8Array>): Uint8Array {
  const tree: Zippable = {};
  for (const [name, data] of members) {
    if (!isSafeMemberName(name))
      throw new IOError(`writeZip: member name ${show(name)} is not allowed`);
    tree[name] = [data, { level: name.endsWith('.h5') ? 0 : 6, mtime: new Date(1980, 0, 1) }];
  }
  return zipSync(tree);
}
