// tf.io's weight codec: encodeWeights, decodeWeights (buffer or shards), decodeWeightsStream, with tfjs' quantization.
import { bytesPerElement, makeArray, type DType, type TypedArray } from '../core/dtype.js';
import { ENGINE } from '../core/engine.js';
import { ArgumentError, IOError, show } from '../core/errors.js';
import { float16BitsToFloat32 } from '../core/float16.js';
import { Tensor } from '../core/tensor.js';
import { MAX_WEIGHT_BYTES } from './artifacts.js';
import { concatenateArrayBuffers } from './composite_array_buffer.js';
import { decodeStringWeight, encodeStringWeight } from './string_weights.js';
import { fromPairs } from '../ops/complex_view.js';

/** Where a weight belongs when saved (tfjs' WeightGroup). */
export type WeightGroup = 'model' | 'optimizer';

/** tfjs' quantization of a stored weight: q·scale + min for uint8/uint16, IEEE half for float16. */
export interface WeightQuantization {
  dtype: 'uint8' | 'uint16' | 'float16';
  scale?: number;
  min?: number;
}

/** One entry of a weight manifest as tf.io writes and reads it (tfjs' WeightsManifestEntry). */
export interface WeightsManifestEntry {
  name: string;
  shape: number[];
  dtype: DType;
  group?: WeightGroup;
  quantization?: WeightQuantization;
}

/** Named tensors in tfjs' two forms: a `{name: tensor}` map or a `[{name, tensor}]` list. */
export type NamedTensors =
  | Readonly<Record<string, Tensor>>
  | readonly { name: string; tensor: Tensor; group?: WeightGroup }[];

/**
 * Element types a manifest may name: bool is one byte per element, complex64 its float32 pairs
 * (re, im), string per element a 4-byte little-endian length and the bytes (io/string_weights.ts).
 */
const STORED: readonly DType[] = ['float32', 'int32', 'bool', 'complex64', 'string'];
const QUANTIZED_BYTES = { uint8: 1, uint16: 2, float16: 2 } as const;

/**
 * Reads tensors (asynchronously, so GPU backends work) into one little-endian buffer and its manifest,
 * in the order given (a map's key order). `group` marks every entry (a list entry's own group wins).
 * @example const { data, specs } = await nr.io.encodeWeights({ w: nr.tensor([1, 2]) });
 */
export async function encodeWeights(
  tensors: NamedTensors,
  group?: WeightGroup,
): Promise<{ data: ArrayBuffer; specs: WeightsManifestEntry[] }> {
  const entries = toList(tensors);
  const parts = await Promise.all(entries.map((e) => entryBytes(e.tensor)));
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  const specs = entries.map((e): WeightsManifestEntry => {
    const g = e.group ?? group;
    return {
      name: e.name,
      shape: e.tensor.shape.slice(),
      // float16 values are stored as float32 (exactly): written so, they load in any reader
      dtype: e.tensor.dtype === 'float16' ? 'float32' : e.tensor.dtype,
      ...(g ? { group: g } : {}),
    };
  });
  return { data: out.buffer, specs };
}

/** One tensor's stored bytes: its values as they lie in memory, or tfjs's length-prefixed strings. */
async function entryBytes(t: Tensor): Promise<Uint8Array> {
  if (t.dtype === 'string') {
    const bytes = await t.bytes();
    return encodeStringWeight(Array.isArray(bytes) ? bytes : [bytes]);
  }
  const v = await t.data();
  // complex64 data() is the interleaved float32 pairs, which is tfjs's stored layout
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

function toList(tensors: NamedTensors): { name: string; tensor: Tensor; group?: WeightGroup }[] {
  if (tensors === null || typeof tensors !== 'object')
    throw new ArgumentError(
      `encodeWeights: tensors must be a {name: tensor} map or a [{name, tensor}] list, received ${show(tensors)}`,
    );
  const list = Array.isArray(tensors)
    ? tensors.slice()
    : Object.entries(tensors).map(([name, tensor]) => ({ name, tensor }));
  list.forEach((e, i) => {
    if (!(e?.tensor instanceof Tensor) || typeof e.name !== 'string')
      throw new ArgumentError(
        `encodeWeights: entry ${i} must be a named Tensor, received ${show(e?.tensor ?? e)}`,
      );
    ENGINE.assertAlive('encodeWeights', `'${e.name}'`, e.tensor);
  });
  return list;
}

/** A checked manifest entry and the bytes it occupies (strings: at least 4 per element, known on reading). */
interface Planned {
  spec: WeightsManifestEntry;
  size: number;
  bytes: number;
}

/** Bytes per stored element: complex64 is two float32s; a string element is at least its 4-byte length. */
function storedBytes(dtype: DType): number {
  if (dtype === 'complex64') return 8;
  if (dtype === 'string') return 4;
  return bytesPerElement(dtype);
}

/** Checks a manifest (names, dtypes, shapes, quantization) and sizes each entry, before any read. */
function plan(specs: unknown, op: string): Planned[] {
  if (!Array.isArray(specs))
    throw new ArgumentError(
      `${op}: specs must be an array of manifest entries, received ${show(specs)}`,
    );
  let total = 0;
  return specs.map((raw: unknown): Planned => {
    const s = raw as Partial<WeightsManifestEntry> | null;
    if (s === null || typeof s !== 'object' || typeof s.name !== 'string')
      throw new IOError(`${op}: a weight entry has no name: ${show(raw)}`);
    if (!STORED.includes(s.dtype as DType))
      throw new IOError(
        `${op}: Unsupported dtype in weight '${s.name}': ${typeof s.dtype === 'string' ? s.dtype.slice(0, 40) : show(s.dtype)}; expected float32, int32, bool, complex64 or string`,
      );
    const dtype = s.dtype as DType;
    if (
      !Array.isArray(s.shape) ||
      !s.shape.every((d) => Number.isInteger(d) && d >= 0 && d < 2 ** 31)
    )
      throw new IOError(`${op}: weight '${s.name}' has an invalid shape ${show(s.shape)}`);
    const size = s.shape.reduce((a: number, b: number) => a * b, 1);
    const q = s.quantization;
    let per = storedBytes(dtype);
    if (q !== undefined) {
      if (q === null || typeof q !== 'object' || !(q.dtype in QUANTIZED_BYTES))
        throw new IOError(
          `${op}: weight '${s.name}' has quantization ${show(q)}; expected dtype uint8, uint16 or float16`,
        );
      if (q.dtype === 'float16' ? dtype !== 'float32' : dtype !== 'float32' && dtype !== 'int32')
        throw new IOError(
          `${op}: weight '${s.name}' of dtype ${dtype} cannot be quantized as ${q.dtype}`,
        );
      if (q.dtype !== 'float16' && !(Number.isFinite(q.scale) && Number.isFinite(q.min)))
        throw new IOError(
          `${op}: weight '${s.name}' is ${q.dtype}-quantized but its scale/min are ${show(q.scale)}/${show(q.min)}`,
        );
      per = QUANTIZED_BYTES[q.dtype];
    }
    const bytes = size * per;
    total += bytes;
    if (!Number.isSafeInteger(total) || total > MAX_WEIGHT_BYTES)
      throw new IOError(
        `${op}: the manifest declares more than ${MAX_WEIGHT_BYTES} bytes of weights (weight '${s.name}', shape ${show(s.shape)})`,
      );
    return { spec: { ...s, dtype, shape: s.shape.slice(), name: s.name }, size, bytes };
  });
}

/** The values of one entry from its bytes (copied: an offset may not be aligned for the element type). */
function values(p: Planned, bytes: Uint8Array): TypedArray {
  const q = p.spec.quantization;
  if (!q) {
    const out = makeArray(p.spec.dtype, p.size, 'decodeWeights');
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  const raw = q.dtype === 'uint8' ? new Uint8Array(p.size) : new Uint16Array(p.size);
  new Uint8Array(raw.buffer).set(bytes);
  if (q.dtype === 'float16' && raw instanceof Uint16Array) return float16BitsToFloat32(raw);
  const scale = q.scale ?? 1;
  const min = q.min ?? 0;
  const out = makeArray(p.spec.dtype, p.size, 'decodeWeights');
  // int32 weights round to the nearest integer, as tfjs does
  const round = p.spec.dtype === 'int32';
  for (let i = 0; i < p.size; i++) {
    const v = raw[i] * scale + min;
    out[i] = round ? Math.round(v) : v;
  }
  return out;
}

/**
 * Tensors from weight bytes and their manifest (tfjs' `tf.io.decodeWeights`): the data is one buffer
 * or the list of shards in order, and must hold exactly the bytes the manifest declares. Quantized
 * entries (uint8/uint16: q·scale + min; float16) are expanded to their dtype. Returns `{name: tensor}`.
 * @example const { w } = nr.io.decodeWeights(data, specs);
 */
export function decodeWeights(
  data: ArrayBuffer | readonly ArrayBuffer[],
  specs: readonly WeightsManifestEntry[],
): Record<string, Tensor> {
  return decodePlanned(plan(specs, 'decodeWeights'), toBuffer(data), 'decodeWeights');
}

function toBuffer(data: ArrayBuffer | readonly ArrayBuffer[]): ArrayBuffer {
  if (data instanceof ArrayBuffer) return data;
  if (Array.isArray(data) && data.every((b) => b instanceof ArrayBuffer))
    return concatenateArrayBuffers(data.slice());
  throw new ArgumentError(
    `decodeWeights: data must be an ArrayBuffer or an array of them, received ${show(data)}`,
  );
}

/** Whether a manifest's byte count is only known on reading (it has string entries). */
function variableLength(planned: readonly Planned[]): boolean {
  return planned.some((p) => p.spec.dtype === 'string');
}

function decodePlanned(planned: Planned[], data: ArrayBuffer, op: string): Record<string, Tensor> {
  const total = planned.reduce((n, p) => n + p.bytes, 0);
  // with strings `total` is a lower bound (4 bytes per string element); the exact end is checked below
  if (variableLength(planned) ? total > data.byteLength : total !== data.byteLength)
    throw new IOError(
      `${op}: the manifest declares ${total} bytes of weights but the data holds ${data.byteLength}`,
    );
  // null prototype: names from a file never reach Object.prototype
  const out: Record<string, Tensor> = Object.create(null);
  let offset = 0;
  try {
    for (const p of planned) {
      if (p.spec.name in out)
        throw new IOError(`${op}: weight '${p.spec.name}' appears twice in the manifest`);
      if (p.spec.dtype === 'string') {
        const read = decodeStringWeight(
          new Uint8Array(data),
          offset,
          p.size,
          `${op} ('${p.spec.name}')`,
        );
        offset = read.end;
        out[p.spec.name] = ENGINE.fromStrings(read.values, p.spec.shape);
        continue;
      }
      if (offset + p.bytes > data.byteLength)
        throw new IOError(
          `${op}: weight '${p.spec.name}' needs ${p.bytes} bytes at offset ${offset} but the data holds ${data.byteLength}`,
        );
      const bytes = new Uint8Array(data, offset, p.bytes);
      offset += p.bytes;
      if (p.spec.dtype === 'complex64') {
        const pairs = new Float32Array(2 * p.size);
        new Uint8Array(pairs.buffer).set(bytes);
        const floats = ENGINE.fromValues(pairs, [...p.spec.shape, 2], 'float32');
        out[p.spec.name] = fromPairs(floats);
        floats.dispose();
        continue;
      }
      out[p.spec.name] = ENGINE.fromValues(values(p, bytes), p.spec.shape, p.spec.dtype);
    }
    if (offset !== data.byteLength)
      throw new IOError(
        `${op}: the weights end at byte ${offset} but the data holds ${data.byteLength} bytes`,
      );
  } catch (e) {
    for (const t of Object.values(out)) t.dispose();
    throw e;
  }
  return out;
}

/**
 * decodeWeights over a stream of byte chunks (tfjs' `tf.io.decodeWeightsStream`), e.g. a fetch body.
 * Reading stops with an error as soon as the chunks pass the size the manifest declares.
 * @example const tensors = await nr.io.decodeWeightsStream(response.body, specs);
 */
export async function decodeWeightsStream(
  stream: ReadableStream<ArrayBuffer | Uint8Array>,
  specs: readonly WeightsManifestEntry[],
): Promise<Record<string, Tensor>> {
  const op = 'decodeWeightsStream';
  const planned = plan(specs, op);
  const total = planned.reduce((n, p) => n + p.bytes, 0);
  if (stream === null || typeof stream !== 'object' || typeof stream.getReader !== 'function')
    throw new ArgumentError(`${op}: expected a ReadableStream, received ${show(stream)}`);
  const reader = stream.getReader();
  // string entries have no size before they are read: the bound is then the global weight limit, and
  // the buffer grows with the chunks rather than being allocated at the bound
  const limit = variableLength(planned) ? MAX_WEIGHT_BYTES : total;
  let out = new Uint8Array(Math.min(total, limit));
  let filled = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const chunk = value instanceof ArrayBuffer ? new Uint8Array(value) : value;
      if (!(chunk instanceof Uint8Array))
        throw new IOError(`${op}: a chunk is not bytes: ${show(value)}`);
      if (chunk.byteLength > limit - filled)
        throw new IOError(
          variableLength(planned)
            ? `${op}: the stream holds more than the ${limit}-byte weight limit`
            : `${op}: the stream holds more than the ${total} bytes the manifest declares`,
        );
      if (filled + chunk.byteLength > out.byteLength) {
        const grown = new Uint8Array(
          Math.min(limit, Math.max(2 * out.byteLength, filled + chunk.byteLength)),
        );
        grown.set(out.subarray(0, filled));
        out = grown;
      }
      out.set(chunk, filled);
      filled += chunk.byteLength;
    }
  } finally {
    reader.releaseLock();
  }
  return decodePlanned(planned, out.buffer.slice(0, filled), op);
}
