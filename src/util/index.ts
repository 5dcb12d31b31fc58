// tf.util: the small helpers tfjs programs call (assert, shuffle, sizeFromShape, now, flatten, ...).
import { type DType, makeArray, type TypedArray } from '../core/dtype.js';
import { ArgumentError, show } from '../core/errors.js';
import { sizeOf, stridesOf } from '../core/shape.js';

/** An indexable, writable array (plain or typed). */
export interface MutableArrayLike<T> {
  length: number;
  [n: number]: T;
}

/** Nested arrays of values, as `flatten` accepts them. */
export type RecursiveArray<T> = T | RecursiveArray<T>[];

/**
 * Throws an Error with the message when the expression is false.
 * @example nr.util.assert(x.rank === 2, () => `expected a matrix, received rank ${x.rank}`);
 */
export function assert(expr: boolean, msg: string | (() => string)): asserts expr {
  if (!expr) throw new ArgumentError(typeof msg === 'string' ? msg : msg());
}

/**
 * Shuffles an array in place (Fisher-Yates, Math.random).
 * @example const a = [1, 2, 3]; nr.util.shuffle(a);
 */
export function shuffle<T>(array: MutableArrayLike<T>): void {
  for (let i = array.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const t = array[i];
    array[i] = array[j];
    array[j] = t;
  }
}

/**
 * Shuffles two arrays of the same length in place with the same permutation.
 * @example nr.util.shuffleCombo(xs, ys);
 */
export function shuffleCombo<A, B>(a: MutableArrayLike<A>, b: MutableArrayLike<B>): void {
  if (a.length !== b.length)
    throw new ArgumentError(
      `shuffleCombo: arrays must have the same length, received ${a.length} and ${b.length}`,
    );
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
    [b[i], b[j]] = [b[j], b[i]];
  }
}

/** The indices 0..n-1 in random order. @example nr.util.createShuffledIndices(5) // e.g. Uint32Array [3, 0, 4, 1, 2] */
export function createShuffledIndices(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  shuffle(out);
  return out;
}

/** x limited to [min, max]. @example nr.util.clamp(0, 5, 3) // 3 */
export function clamp(min: number, x: number, max: number): number {
  return Math.max(min, Math.min(x, max));
}

/** The value, or the next integer when it is odd. @example nr.util.nearestLargerEven(3) // 4 */
export function nearestLargerEven(val: number): number {
  return val % 2 === 0 ? val : val + 1;
}

/** Sum of the values. @example nr.util.sum([1, 2, 3]) // 6 */
export function sum(arr: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < arr.length; i++) s += arr[i];
  return s;
}

/** A uniform random number in [a, b). @example nr.util.randUniform(0, 1) */
export function randUniform(a: number, b: number): number {
  return a + Math.random() * (b - a);
}

/** Squared Euclidean distance between two vectors. @example nr.util.distSquared([0, 0], [3, 4]) // 25 */
export function distSquared(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s;
}

/** Number of elements of a shape. @example nr.util.sizeFromShape([2, 3]) // 6 */
export function sizeFromShape(shape: readonly number[]): number {
  return sizeOf(shape);
}

/** Whether two arrays hold the same values in order. @example nr.util.arraysEqual([1, 2], [1, 2]) // true */
export function arraysEqual(a: ArrayLike<unknown> | null, b: ArrayLike<unknown> | null): boolean {
  if (a === b) return true;
  if (a == null || b == null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether a number is an integer. @example nr.util.isInt(3) // true */
export function isInt(a: number): boolean {
  return a % 1 === 0;
}

/** Hyperbolic tangent. @example nr.util.tanh(0) // 0 */
export function tanh(x: number): number {
  return Math.tanh(x);
}

/** The most square [rows, columns] with rows * columns === size. @example nr.util.sizeToSquarishShape(6) // [2, 3] */
export function sizeToSquarishShape(size: number): [number, number] {
  const width = Math.ceil(Math.sqrt(size));
  return [width, Math.ceil(size / width)];
}

/** a right-padded with spaces to size characters. @example nr.util.rightPad('ab', 4) // 'ab  ' */
export function rightPad(a: string, size: number): string {
  return size <= a.length ? a : a + ' '.repeat(size - a.length);
}

/**
 * Flattens nested arrays (and typed arrays inside them, unless skipTypedArray) into result.
 * @example nr.util.flatten([[1, 2], [3, [4]]]) // [1, 2, 3, 4]
 */
export function flatten<T extends number | boolean | string | Promise<number> | TypedArray>(
  arr: RecursiveArray<T> | TypedArray,
  result: T[] = [],
  skipTypedArray = false,
): T[] {
  const view = ArrayBuffer.isView(arr) && !(arr instanceof DataView);
  if (Array.isArray(arr) || (view && !skipTypedArray)) {
    const list = arr as ArrayLike<RecursiveArray<T>>;
    for (let i = 0; i < list.length; i++) flatten(list[i], result, skipTypedArray);
  } else if (!view && isIndexObject(arr)) {
    // an object with index keys (tfjs accepts these): its entries 0..max in order, other keys ignored
    const entries: object = arr;
    const indexes = Object.keys(entries).filter((k) => /^(0|[1-9]\d*)$/.test(k));
    const last = indexes.reduce((m, k) => Math.max(m, Number(k)), -1);
    for (let i = 0; i <= last; i++) {
      const item: RecursiveArray<T> = Reflect.get(entries, String(i));
      flatten(item, result, skipTypedArray);
    }
  } else result.push(arr as T);
  return result;
}

/** A plain object (not a promise, string or typed array) whose entries flatten walks by index. */
function isIndexObject(value: unknown): value is object {
  return (
    value !== null &&
    typeof value === 'object' &&
    !(value instanceof String) &&
    typeof Reflect.get(value, 'then') !== 'function'
  );
}

/**
 * Total bytes of encoded strings (tfjs' bytesFromStringArray; UTF-8 bytes, so 'даниел' counts 12).
 * @example nr.util.bytesFromStringArray([nr.util.encodeString('ab')]) // 2
 */
export function bytesFromStringArray(arr: readonly Uint8Array[]): number {
  return arr.reduce((n, bytes) => n + bytes.byteLength, 0);
}

/** Milliseconds from a high-resolution clock. @example const t = nr.util.now(); */
export function now(): number {
  return performance.now();
}

/** UTF-8 bytes of a string. @example nr.util.encodeString('hé') // Uint8Array [104, 195, 169] */
export function encodeString(s: string, encoding = 'utf-8'): Uint8Array {
  if (encoding.toLowerCase().replace('-', '') !== 'utf8')
    throw new ArgumentError(`encodeString: only utf-8 is supported, received ${show(encoding)}`);
  return new TextEncoder().encode(s);
}

/** A string from UTF-8 bytes. @example nr.util.decodeString(new Uint8Array([104, 105])) // 'hi' */
export function decodeString(bytes: Uint8Array, encoding = 'utf-8'): string {
  return new TextDecoder(encoding).decode(bytes);
}

/** Whether a value is a Float32Array, Int32Array, Uint8Array or Uint8ClampedArray. @example nr.util.isTypedArray(new Float32Array(2)) // true */
export function isTypedArray(a: unknown): a is TypedArray {
  return (
    a instanceof Float32Array ||
    a instanceof Int32Array ||
    a instanceof Uint8Array ||
    a instanceof Uint8ClampedArray
  );
}

/** Whether a value is a string. @example nr.util.isString('a') // true */
export function isString(value: unknown): value is string {
  return typeof value === 'string' || value instanceof String;
}

/** Whether a value is a boolean. @example nr.util.isBoolean(false) // true */
export function isBoolean(value: unknown): value is boolean {
  return typeof value === 'boolean';
}

/** Whether a value is a number. @example nr.util.isNumber(1) // true */
export function isNumber(value: unknown): value is number {
  return typeof value === 'number';
}

/** Whether a value is a function. @example nr.util.isFunction(() => 1) // true */
export function isFunction(f: unknown): f is (...args: never[]) => unknown {
  return typeof f === 'function';
}

/** Row-major strides of a shape, without the last (always 1). @example nr.util.computeStrides([2, 3, 4]) // [12, 4] */
export function computeStrides(shape: readonly number[]): number[] {
  return shape.length < 2 ? [] : stridesOf(shape).slice(0, -1);
}

/**
 * Nested arrays of a shape from flat values; with `isComplex`, `a` holds interleaved [re, im] pairs and
 * the last axis doubles (tfjs's layout). @example nr.util.toNestedArray([2, 2], [1, 2, 3, 4]) // [[1, 2], [3, 4]]
 */
export function toNestedArray(
  given: readonly number[],
  a: ArrayLike<number>,
  isComplex = false,
): RecursiveArray<number> | number[] {
  if (given.length === 0) return a[0];
  const shape = isComplex ? [...given.slice(0, -1), 2 * given[given.length - 1]] : given;
  const size = sizeOf(shape);
  if (size === 0) return [];
  if (size !== a.length)
    throw new ArgumentError(
      `toNestedArray: shape ${show(shape)} needs ${size} values, received ${a.length}`,
    );
  const build = (offset: number, dim: number): RecursiveArray<number>[] => {
    const stride = sizeOf(shape.slice(dim + 1));
    const out: RecursiveArray<number>[] = [];
    for (let i = 0; i < shape[dim]; i++)
      out.push(dim === shape.length - 1 ? a[offset + i] : build(offset + i * stride, dim + 1));
    return out;
  };
  return build(0, 0);
}

/** A typed array of a dtype and size, filled with zeros. @example nr.util.makeZerosTypedArray(3, 'int32') */
export function makeZerosTypedArray(size: number, dtype: DType): TypedArray {
  return makeArray(dtype, size);
}

/** A typed array of a dtype and size, filled with ones. @example nr.util.makeOnesTypedArray(3, 'float32') */
export function makeOnesTypedArray(size: number, dtype: DType): TypedArray {
  return makeArray(dtype, size).fill(1);
}

/** A typed array of a dtype and size (tfjs's name). @example nr.util.getTypedArrayFromDType('int32', 4) */
export function getTypedArrayFromDType(dtype: DType, size: number): TypedArray {
  return makeArray(dtype, size);
}

/** Bytes per element of a dtype (complex64: 8, a float32 pair). @example nr.util.bytesPerElement('float32') // 4 */
export function bytesPerElement(dtype: DType): number {
  if (dtype === 'complex64') return 8;
  return dtype === 'bool' ? 1 : dtype === 'float16' ? 2 : 4;
}

/** The platform's fetch. @example const res = await nr.util.fetch('https://example.com/model.json'); */
export function fetch(path: string, init?: RequestInit): Promise<Response> {
  return globalThis.fetch(path, init);
}

export {
  parseAxisParam,
  squeezeShape,
  inferFromImplicitShape,
  isScalarShape,
  inferDtype,
  hasEncodingLoss,
  checkConversionForErrors,
  isPromise,
  repeatedTry,
} from './shape_util.js';
