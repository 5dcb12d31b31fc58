// NumPy .npy and .npz files (what Keras' datasets ship as): header checks, numeric and pickled object arrays.
import { ArgumentError, IOError, show } from '../core/errors.js';
import { unzipEntries } from './archive.js';
import { countOf, isNdArray, type NdArray, parseDescr } from './ndarray.js';
import { unpickle } from './pickle.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Options of the NumPy readers. */
export interface NpyOptions {
  /** Refuse arrays (and archive entries) larger than this many bytes. Default 2 GiB. */
  maxBytes?: number;
  /** Read object arrays (`dtype=object`, stored as a pickle). Default true; only plain data and NumPy arrays are unpickled. */
  allowPickle?: boolean;
}

/** The three keys of a .npy header, as NumPy writes them. */
interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

/**
 * Parses the header, a Python dict literal such as `{'descr': '<f4', 'fortran_order': False,
 * 'shape': (3, 4), }`, strictly: exactly the keys descr, fortran_order and shape, each once (a
 * second 'descr' would let two readers see two different arrays), string keys, and the value
 * forms NumPy writes. Anything else is an IOError.
 */
function parseHeader(text: string, name: string): NpyHeader {
  let i = 0;
  const bad = (what: string): never => {
    throw new IOError(`${name}: bad .npy header (${what} at character ${i}): ${show(text.trim())}`);
  };
  const space = (): void => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const expect = (c: string): void => {
    space();
    if (text[i] !== c) bad(`expected ${show(c)}`);
    i++;
  };
  const str = (): string => {
    space();
    const q = text[i];
    if (q !== "'" && q !== '"') return bad('expected a string');
    const end = text.indexOf(q, i + 1);
    if (end < 0) return bad('unterminated string');
    const v = text.slice(i + 1, end);
    if (v.includes('\\')) return bad('escapes are not supported');
    i = end + 1;
    return v;
  };
  const bool = (): boolean => {
    space();
    for (const [word, v] of [
      ['True', true],
      ['False', false],
    ] as const)
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    return bad('expected True or False');
  };
  const tuple = (): number[] => {
    expect('(');
    const dims: number[] = [];
    for (;;) {
      space();
      if (text[i] === ')') break;
      const m = /^\d+L?/.exec(text.slice(i, i + 32));
      if (!m) return bad('expected a dimension');
      dims.push(parseInt(m[0], 10));
      i += m[0].length;
      space();
      if (text[i] === ',') i++;
      else if (text[i] !== ')') bad("expected ',' or ')'");
    }
    i++;
    return dims;
  };
  const seen = new Set<string>();
  let descr: string | undefined;
  let fortranOrder: boolean | undefined;
  let shape: number[] | undefined;
  expect('{');
  for (;;) {
    space();
    if (text[i] === '}') break;
    const key = str();
    if (seen.has(key)) bad(`duplicate key ${show(key)}`);
    seen.add(key);
    expect(':');
    if (key === 'descr') descr = str();
    else if (key === 'fortran_order') fortranOrder = bool();
    else if (key === 'shape') shape = tuple();
    else bad(`unknown key ${show(key)}`);
    space();
    if (text[i] === ',') i++;
    else if (text[i] !== '}') bad("expected ',' or '}'");
  }
  i++;
  space();
  if (i !== text.length) bad('text after the dict');
  if (descr === undefined || fortranOrder === undefined || shape === undefined)
    return bad("missing 'descr', 'fortran_order' or 'shape'");
  return { descr, fortranOrder, shape };
}

/**
 * Parses one .npy file: the magic, the version, the header dict (descr, fortran_order, shape), then
 * checks the data length against the shape before reading. Object arrays are unpickled.
 * @example const arr = parseNpy(bytes, 'x_train.npy'); arr.shape // [60000, 28, 28]
 */
export function parseNpy(bytes: Uint8Array, name = 'npy data', options: NpyOptions = {}): NdArray {
  if (!(bytes instanceof Uint8Array))
    throw new ArgumentError(`parseNpy: bytes must be a Uint8Array, received ${show(typeof bytes)}`);
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b))
    throw new IOError(`${name}: not a .npy file (bad magic)`);
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new IOError(`${name}: truncated .npy header`);
    headerLen = view.getUint32(8, true);
    start = 12;
  } else throw new IOError(`${name}: unsupported .npy version ${major}.${bytes[7]}`);
  if (start + headerLen > bytes.length)
    throw new IOError(
      `${name}: truncated .npy header (${headerLen} bytes declared, ${bytes.length - start} present)`,
    );
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(start, start + headerLen),
  );
  const { descr, fortranOrder, shape } = parseHeader(header, name);
  const dtype = parseDescr(descr, name);
  const count = countOf(shape, name);
  const data = bytes.subarray(start + headerLen);
  const maxBytes = options.maxBytes ?? 2 ** 31;
  if (dtype.kind === 'O') {
    if (options.allowPickle === false) throw new IOError(`${name}: object array needs allowPickle`);
    const arr = unpickle(data, name);
    if (!isNdArray(arr) || !Array.isArray(arr.data))
      throw new IOError(`${name}: object array pickle does not hold an array`);
    const nd = arr;
    if (nd.shape.length !== shape.length || nd.shape.some((d, i) => d !== shape[i]))
      throw new IOError(
        `${name}: pickled array has shape ${show(nd.shape)}, header says ${show(shape)}`,
      );
    return nd;
  }
  const need = count * dtype.itemSize;
  if (need > maxBytes)
    throw new IOError(
      `${name}: shape ${show(shape)} needs ${need} bytes, more than the limit of ${maxBytes}`,
    );
  if (data.length !== need)
    throw new IOError(
      `${name}: shape ${show(shape)} of ${descr} needs ${need} data bytes, found ${data.length}`,
    );
  return { shape, dtype, fortranOrder, data };
}

/**
 * Parses a .npz archive (zip of .npy files) into arrays by name ('x_train', not 'x_train.npy'),
 * in an object without a prototype (entry names such as '__proto__.npy' are plain keys).
 * @example const { x_train, y_train } = parseNpz(bytes, 'mnist.npz');
 */
export function parseNpz(
  bytes: Uint8Array,
  name = 'npz data',
  options: NpyOptions = {},
): Record<string, NdArray> {
  const entries = unzipEntries(bytes, name, options.maxBytes ?? 2 ** 31, (n) => n.endsWith('.npy'));
  // Keys are file names from the archive: a null prototype keeps '__proto__.npy' an ordinary entry.
  const out: Record<string, NdArray> = Object.create(null);
  for (const [entry, data] of Object.entries(entries)) {
    const key = entry.slice(0, -'.npy'.length);
    out[key] = parseNpy(data, `${name}/${entry}`, options);
  }
  return out;
}

/**
 * The named array of an npz, or an IOError listing what the archive holds.
 * @example const x = npzArray(arrays, 'x_train', 'mnist.npz');
 */
export function npzArray(arrays: Record<string, NdArray>, key: string, name: string): NdArray {
  const a = Object.hasOwn(arrays, key) ? arrays[key] : undefined;
  if (a === undefined)
    throw new IOError(`${name}: no array '${key}' (found ${show(Object.keys(arrays))})`);
  return a;
}
