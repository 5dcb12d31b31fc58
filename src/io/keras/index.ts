// Keras files in neurite: `loadModel` (any format, detected from bytes) and `.keras` saving targets.
import { ArgumentError, IOError, show } from '../../core/errors.js';
import type { Model } from '../../models/model.js';
import type { IOHandler, SaveResult } from '../artifacts.js';
import { isHdf5 } from './hdf5.js';
import { type KerasLoadOptions, loadKerasBytes, saveKerasBytes } from './keras_file.js';
import { loadLegacyH5Bytes } from './legacy_h5.js';
import { isZip } from './zip.js';

export type { KerasLoadOptions } from './keras_file.js';

/** The kinds of model file `sniffFormat` tells apart. */
export type ModelFileFormat = 'keras-zip' | 'hdf5' | 'model-json' | 'unknown';

/** Largest model file read whole into memory (4 GiB: wasm32 cannot hold more). @example if (size > MAX_MODEL_FILE_BYTES) refuse(); */
export const MAX_MODEL_FILE_BYTES = 4 * 1024 ** 3;

/**
 * The format of a model file from its first bytes (zip magic, HDF5 signature, or JSON), never its name.
 * @example sniffFormat(bytes) // 'keras-zip'
 */
export function sniffFormat(bytes: Uint8Array): ModelFileFormat {
  if (isZip(bytes)) return 'keras-zip';
  if (isHdf5(bytes)) return 'hdf5';
  let i = 0;
  while (
    i < bytes.length &&
    i < 64 &&
    (bytes[i] === 0x20 ||
      bytes[i] === 0x0a ||
      bytes[i] === 0x0d ||
      bytes[i] === 0x09 ||
      bytes[i] === 0xef ||
      bytes[i] === 0xbb ||
      bytes[i] === 0xbf)
  )
    i++;
  return bytes[i] === 0x7b ? 'model-json' : 'unknown';
}

/**
 * A model from the bytes of a `.keras` zip or a legacy `.h5` file (format detected from the bytes).
 * @example const model = await loadModelFromBytes(new Uint8Array(await file.arrayBuffer()), 'model.keras');
 */
export async function loadModelFromBytes(
  bytes: Uint8Array,
  where: string,
  options: KerasLoadOptions = {},
): Promise<Model> {
  const format = sniffFormat(bytes);
  if (format === 'keras-zip') return loadKerasBytes(bytes, where, options);
  if (format === 'hdf5') return loadLegacyH5Bytes(bytes, where, options);
  throw new IOError(
    `${where}: not a Keras model file (first bytes ${show([...bytes.subarray(0, 8)])}; expected a .keras zip or an HDF5 .h5)` +
      (format === 'model-json' ? '; for a TensorFlow.js model.json pass its folder or URL' : ''),
  );
}

const isNode = () =>
  Boolean((globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node);

/** Reads a URL's body with a byte cap checked while streaming. */
async function fetchBounded(url: string, limit: number): Promise<Uint8Array> {
  if (typeof globalThis.fetch !== 'function')
    throw new IOError(`${url}: no fetch() in this environment`);
  const res = await globalThis.fetch(url);
  if (!res.ok) throw new IOError(`${url}: HTTP ${res.status}`);
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > limit)
    throw new IOError(`${url}: ${declared} bytes, more than the limit of ${limit}`);
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw new IOError(`${url}: more than the limit of ${limit} bytes`);
    }
    parts.push(value);
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

/** A source `loadModel` accepts. */
export type ModelSource = string | ArrayBuffer | Uint8Array | Blob | IOHandler;

const isBlob = (s: ModelSource): s is Blob => typeof Blob !== 'undefined' && s instanceof Blob;

/**
 * Loads a model from anything: a `.keras` or `.h5` file (path, `file://`, `http(s)://`, bytes or a Blob;
 * the format is read from the bytes, not the name), or a TensorFlow.js model.json folder, URL or handler.
 * @example const model = await nr.loadModel('file://model.keras');
 */
export async function loadModel(
  source: ModelSource,
  options: KerasLoadOptions = {},
): Promise<Model> {
  if (source instanceof Uint8Array) return loadModelFromBytes(source, 'loadModel', options);
  if (source instanceof ArrayBuffer)
    return loadModelFromBytes(new Uint8Array(source), 'loadModel', options);
  if (isBlob(source)) {
    if (source.size > MAX_MODEL_FILE_BYTES)
      throw new IOError(
        `loadModel: the Blob is ${source.size} bytes, more than ${MAX_MODEL_FILE_BYTES}`,
      );
    return loadModelFromBytes(new Uint8Array(await source.arrayBuffer()), 'loadModel', options);
  }
  const { loadLayersModel } = await import('../../models/saving.js');
  if (typeof source !== 'string') return loadLayersModel(source);
  const scheme = /^([a-z]+):\/\//i.exec(source)?.[1]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https') {
    if (/\.json(\?|#|$)/i.test(source)) return loadLayersModel(source);
    return loadModelFromBytes(await fetchBounded(source, MAX_MODEL_FILE_BYTES), source, options);
  }
  if (scheme !== undefined && scheme !== 'file') return loadLayersModel(source);
  if (!isNode())
    throw new ArgumentError(`loadModel: ${show(source)} is a file path, which only works in Node`);
  const { stat, open } = await import('node:fs/promises');
  const path = source.replace(/^file:\/\//, '');
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new IOError(`loadModel: ${show(path)} not found`);
  }
  if (info.isDirectory() || /\.json$/i.test(path)) return loadLayersModel(source);
  if (info.size > MAX_MODEL_FILE_BYTES)
    throw new IOError(`${path}: ${info.size} bytes, more than ${MAX_MODEL_FILE_BYTES}`);
  const fh = await open(path, 'r');
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(info.size);
    const { bytesRead } = await fh.read(bytes, 0, info.size, 0);
    bytes = bytes.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  if (sniffFormat(bytes) === 'model-json') return loadLayersModel(source);
  return loadModelFromBytes(bytes, path, options);
}

/** A `.keras` save target: a path or URL ending in `.keras`, or a function that receives the bytes. */
export interface KerasTarget extends IOHandler {
  kerasTarget: string | ((bytes: Uint8Array) => Promise<void>);
}

/**
 * Makes `model.save` write a `.keras` file (Keras 3's format) to a path or hand its bytes to a function;
 * a path ending in `.keras` does the same without it.
 * @example await model.save(nr.io.kerasFormat('file://model.keras'));
 * @example await model.save(nr.io.kerasFormat(async (bytes) => upload(bytes)));
 */
export function kerasFormat(target: string | ((bytes: Uint8Array) => Promise<void>)): KerasTarget {
  if (typeof target !== 'string' && typeof target !== 'function')
    throw new ArgumentError(`kerasFormat: expected a path or a function, received ${show(target)}`);
  return { kerasTarget: target };
}

/** True when `save` should write a .keras file. @example isKerasTarget('model.keras') // true */
export function isKerasTarget(t: unknown): t is KerasTarget | string {
  if (typeof t === 'string') return /\.keras$/i.test(t);
  return t !== null && typeof t === 'object' && 'kerasTarget' in t;
}

/**
 * Saves a model as a `.keras` file (atomically: a temporary file, then a rename) or to a function.
 * @example await saveKerasModel(model, 'file://model.keras');
 */
export async function saveKerasModel(
  model: Model,
  target: KerasTarget | string,
  options: { includeOptimizer?: boolean } = {},
): Promise<SaveResult> {
  const bytes = await saveKerasBytes(model, { includeOptimizer: options.includeOptimizer ?? true });
  const dest = typeof target === 'string' ? target : target.kerasTarget;
  if (typeof dest === 'function') {
    await dest(bytes);
    return { modelJsonBytes: 0, weightDataBytes: bytes.byteLength, written: [] };
  }
  if (!isNode())
    throw new ArgumentError(
      `save: ${show(dest)} is a file path, which only works in Node; use kerasFormat(fn)`,
    );
  const { writeFileAtomic } = await import('../handlers/file.js');
  const { resolve } = await import('node:path');
  const path = resolve(dest.replace(/^file:\/\//, ''));
  await writeFileAtomic(path, bytes);
  return { modelJsonBytes: 0, weightDataBytes: bytes.byteLength, written: [path] };
}
