// tfjs' byte layout of string tensors in weight buffers: per element a 4-byte little-endian length, then its bytes.
import { IOError } from '../core/errors.js';

/**
 * Bytes of a string tensor as tfjs writes them into weight data: for each element, its byte length as
 * a 4-byte little-endian unsigned integer, then its bytes (UTF-8 for text).
 * @example encodeStringWeight([new TextEncoder().encode('hi')]) // Uint8Array [2, 0, 0, 0, 104, 105]
 */
export function encodeStringWeight(values: readonly Uint8Array[]): Uint8Array {
  const total = values.reduce((n, v) => n + 4 + v.byteLength, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const v of values) {
    view.setUint32(offset, v.byteLength, true);
    out.set(v, offset + 4);
    offset += 4 + v.byteLength;
  }
  return out;
}

/**
 * Reads `count` string elements written by encodeStringWeight from `data` at `offset`. Every length is
 * checked against the bytes left, so a hostile file cannot make it read past the buffer or allocate
 * more than the buffer holds. Returns each element's bytes (copies) and the offset after the last one.
 * @example decodeStringWeight(bytes, 0, 1, 'model.json').values // [Uint8Array [104, 105]]
 */
export function decodeStringWeight(
  data: Uint8Array,
  offset: number,
  count: number,
  where: string,
): { values: Uint8Array[]; end: number } {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const values: Uint8Array[] = [];
  let at = offset;
  for (let i = 0; i < count; i++) {
    if (at + 4 > data.byteLength)
      throw new IOError(
        `${where}: string element ${i} of ${count} starts at byte ${at}, past the end of the data (${data.byteLength} bytes)`,
      );
    const length = view.getUint32(at, true);
    at += 4;
    if (length > data.byteLength - at)
      throw new IOError(
        `${where}: string element ${i} declares ${length} bytes but only ${data.byteLength - at} remain`,
      );
    values.push(data.slice(at, at + length));
    at += length;
  }
  return { values, end: at };
}
