// IDX (the MNIST file format), plain or gzip: a validated header, bounded reads, typed errors.
import { ArgumentError, IOError, show } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { maybeGunzip } from './archive.js';
import { typedTensor } from './container.js';
import { type FileSource, readBytes, sourceName } from './read_source.js';

/** The element types an IDX file can hold, by their type code. */
const IDX_TYPES = {
  0x08: { name: 'uint8', bytes: 1 },
  0x09: { name: 'int8', bytes: 1 },
  0x0b: { name: 'int16', bytes: 2 },
  0x0c: { name: 'int32', bytes: 4 },
  0x0d: { name: 'float32', bytes: 4 },
  0x0e: { name: 'float64', bytes: 8 },
} as const;

type IdxCode = keyof typeof IDX_TYPES;
/** An IDX element type. */
export type IdxType = (typeof IDX_TYPES)[IdxCode]['name'];

/** A decoded IDX array: integer types as Int32Array, float types as Float32Array. */
export interface IdxArray {
  shape: number[];
  type: IdxType;
  values: Int32Array | Float32Array;
}

/** Options of the IDX readers. */
export interface IdxOptions {
  /** Refuse files whose (decompressed) size, or the size of the decoded values (4 bytes each), passes this many bytes. Default 1 GiB. */
  maxBytes?: number;
  /** The tensor dtype: 'int32' for integer files and 'float32' for float files by default. */
  dtype?: 'int32' | 'float32';
}

const DEFAULT_MAX = 2 ** 30;
const MAX_RANK = 16;

function isIdxCode(code: number): code is IdxCode {
  return code in IDX_TYPES;
}

/**
 * Parses IDX bytes (gzip is detected by its magic 0x1f8b): checks the magic (0, 0, type, rank),
 * the type code, that the dimensions' product fits the limit and equals the data's length, all
 * before allocating; then decodes the big-endian values.
 * @example const { shape, values } = parseIdx(bytes, 'train-labels-idx1-ubyte');
 */
export function parseIdx(input: Uint8Array, name = 'IDX data', options: IdxOptions = {}): IdxArray {
  if (!(input instanceof Uint8Array))
    throw new ArgumentError(`parseIdx: bytes must be a Uint8Array, received ${show(typeof input)}`);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX;
  const bytes = maybeGunzip(input, name, maxBytes);
  if (bytes.length < 4)
    throw new IOError(`${name}: truncated IDX header (${bytes.length} bytes, need at least 4)`);
  if (bytes[0] !== 0 || bytes[1] !== 0)
    throw new IOError(
      `${name}: not an IDX file (magic starts ${show([bytes[0], bytes[1]])}, expected [0,0])`,
    );
  const code = bytes[2];
  if (!isIdxCode(code))
    throw new IOError(
      `${name}: unknown IDX type code 0x${code.toString(16).padStart(2, '0')} (known: 0x08 0x09 0x0b 0x0c 0x0d 0x0e)`,
    );
  const rank = bytes[3];
  if (rank === 0 || rank > MAX_RANK)
    throw new IOError(`${name}: IDX rank ${rank} out of range 1..${MAX_RANK}`);
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes)
    throw new IOError(
      `${name}: truncated IDX header (${bytes.length} bytes, rank ${rank} needs ${headerBytes})`,
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    shape.push(d);
    count *= d;
  }
  const { name: type, bytes: width } = IDX_TYPES[code];
  const dataBytes = count * width;
  // The decoded values take 4 bytes each (a uint8 file grows fourfold), so both sizes are bounded.
  const outBytes = count * 4;
  if (Math.max(dataBytes, outBytes) > maxBytes)
    throw new IOError(
      `${name}: IDX shape ${show(shape)} needs ${Math.max(dataBytes, outBytes)} bytes, more than the limit of ${maxBytes} (maxBytes)`,
    );
  const available = bytes.length - headerBytes;
  if (available !== dataBytes) {
    throw new IOError(
      `${name}: IDX shape ${show(shape)} of ${type} needs ${dataBytes} data bytes, found ${available}${available < dataBytes ? ' (truncated)' : ' (trailing bytes)'}`,
    );
  }
  const float = type === 'float32' || type === 'float64';
  const values = float ? new Float32Array(count) : new Int32Array(count);
  const at = headerBytes;
  switch (type) {
    case 'uint8':
      values.set(bytes.subarray(at, at + count));
      break;
    case 'int8':
      for (let i = 0; i < count; i++) values[i] = view.getInt8(at + i);
      break;
    case 'int16':
      for (let i = 0; i < count; i++) values[i] = view.getInt16(at + 2 * i, false);
      break;
    case 'int32':
      for (let i = 0; i < count; i++) values[i] = view.getInt32(at + 4 * i, false);
      break;
    case 'float32':
      for (let i = 0; i < count; i++) values[i] = view.getFloat32(at + 4 * i, false);
      break;
    case 'float64':
      // NOTE: float64 values are rounded to float32, the widest float dtype.
      for (let i = 0; i < count; i++) values[i] = view.getFloat64(at + 8 * i, false);
      break;
    default:
      return type satisfies never;
  }
  return { shape, type, values };
}

/**
 * Loads an IDX file (path, file:// or http(s):// URL, or its bytes; plain or gzip) as a tensor:
 * int32 for integer types, float32 for float types, unless `dtype` says otherwise.
 * @example const images = await nr.data.loadIdx('train-images-idx3-ubyte.gz'); // int32 [60000, 28, 28]
 */
export async function loadIdx(
  source: FileSource | Uint8Array,
  options: IdxOptions = {},
): Promise<Tensor> {
  if (options.dtype !== undefined && options.dtype !== 'int32' && options.dtype !== 'float32') {
    throw new ArgumentError(
      `loadIdx: dtype must be 'int32' or 'float32', received ${show(options.dtype)}`,
    );
  }
  const maxBytes = options.maxBytes ?? DEFAULT_MAX;
  const name = source instanceof Uint8Array ? 'IDX bytes' : sourceName(source);
  // A gzip file may be far smaller than its content; the decompressed size is capped separately.
  const bytes =
    source instanceof Uint8Array ? source : await readBytes(source, 'IDX file', maxBytes);
  const { shape, values } = parseIdx(bytes, name, { maxBytes });
  const dtype = options.dtype ?? (values instanceof Float32Array ? 'float32' : 'int32');
  return typedTensor(values, shape, dtype);
}
