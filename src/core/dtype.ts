// Data types: the dtypes, their typed arrays, and the promotion rule used by binary ops.
import { ArgumentError, BackendError, DTypeError, show } from './errors.js';

/**
 * Element type of a tensor. `float16` is stored as float32 values that are exactly representable in
 * IEEE binary16 (the engine rounds every float16 result), so `data()` returns a Float32Array for it.
 * `complex64` is stored as interleaved float32 pairs [re, im, ...] (ops/complex.ts says why).
 * `string` tensors hold UTF-8 byte strings on the host, never in a backend buffer (core/strings.ts).
 * @example nr.tensor([1, 2], [2], 'int32').dtype // 'int32'
 */
export type DType = 'float32' | 'float16' | 'int32' | 'bool' | 'complex64' | 'string';

/** A dtype stored in a backend's numeric buffer (every dtype but 'string'). @example const d: NumericDType = 'int32'; */
export type NumericDType = Exclude<DType, 'string'>;

/** A floating-point dtype. @example const d: FloatDType = 'float16'; */
export type FloatDType = 'float32' | 'float16';

/** The typed array that stores each dtype (float16 is emulated in a Float32Array). */
export interface DTypeArrayMap {
  float32: Float32Array;
  float16: Float32Array;
  int32: Int32Array;
  bool: Uint8Array;
  complex64: Float32Array;
  /** No typed array holds strings: makeArray('string') throws. */
  string: never;
}
/**
 * What `data()`/`dataSync()` return per dtype (tfjs's DataTypeMap): a string tensor reads as string[].
 * @example const v: DataTypeMap['string'] = await t.data<'string'>();
 */
export interface DataTypeMap {
  float32: Float32Array;
  float16: Float32Array;
  int32: Int32Array;
  bool: Uint8Array;
  complex64: Float32Array;
  string: string[];
}
/** Any storage array. */
export type TypedArray = Float32Array | Int32Array | Uint8Array;

/**
 * Nested JS arrays accepted by `tensor()` (rows may be typed arrays). Strings (and, for dtype 'string', Uint8Array UTF-8 bytes)
 * make a string tensor.
 */
export type NestedArray = number | boolean | string | TypedArray | readonly NestedArray[];
/** Values accepted by `tensor()`. */
export type TensorLike = NestedArray | TypedArray | readonly number[] | readonly boolean[];

/**
 * Whether a value is plain tensor data (nested arrays, a typed array, a number or a boolean), not a tensor.
 * @example isTensorLike([[1, 2]]) // true; isTensorLike({}) // false
 */
export function isTensorLike(x: unknown): x is TensorLike {
  return (
    Array.isArray(x) || ArrayBuffer.isView(x) || typeof x === 'number' || typeof x === 'boolean'
  );
}

export const DTYPES: readonly DType[] = ['float32', 'float16', 'int32', 'bool'];

/**
 * Bytes per element of a dtype's format (float16: 2, as numpy's itemsize). While float16 is emulated
 * in float32 storage, buffers take `storageBytesPerElement` bytes: that is what `memory()` reports.
 * @example bytesPerElement('float16') // 2
 */
export function bytesPerElement(dtype: DType): number {
  if (dtype === 'bool') return 1;
  if (dtype === 'complex64') return 8;
  return dtype === 'float16' ? 2 : 4;
}

/** Bytes per element a backend buffer really holds (float16: 4, stored as float32). @example storageBytesPerElement('float16') // 4 */
export function storageBytesPerElement(dtype: DType): number {
  if (dtype === 'string') throw numericOnly('storageBytesPerElement');
  if (dtype === 'complex64') return 8;
  return dtype === 'bool' ? 1 : 4;
}

/**
 * The dtype backends store and compute a dtype in (float16 → float32; complex64 → float32 pairs, two
 * values an element). @example storageDType('float16') // 'float32'
 */
export function storageDType(dtype: DType): 'float32' | 'int32' | 'bool' {
  if (dtype === 'string') throw numericOnly('storageDType');
  return dtype === 'float16' || dtype === 'complex64' ? 'float32' : dtype;
}

// string values never reach a numeric buffer: asking for one is a bug in the caller, said plainly
function numericOnly(op: string): DTypeError {
  return new DTypeError(
    `${op}: dtype 'string' has no numeric buffer (string tensors keep their values on the host)`,
  );
}

/** Whether a dtype is floating-point. @example isFloatDType('float16') // true */
export function isFloatDType(dtype: DType): dtype is FloatDType {
  return dtype === 'float32' || dtype === 'float16';
}

/**
 * Allocates a zeroed array of a dtype (complex64: 2·size floats, interleaved [re, im]). A length V8 refuses, or memory it cannot get, is a
 * BackendError naming `op`, not V8's RangeError.
 * @example makeArray('int32', 3) // Int32Array [0,0,0]
 */
export function makeArray<D extends DType>(dtype: D, size: number, op?: string): DTypeArrayMap[D];
export function makeArray(dtype: DType, size: number, op = 'makeArray'): TypedArray {
  try {
    switch (dtype) {
      case 'float32':
      case 'float16':
        return new Float32Array(size);
      case 'int32':
        return new Int32Array(size);
      case 'bool':
        return new Uint8Array(size);
      case 'complex64':
        return new Float32Array(2 * size);
      case 'string':
        throw numericOnly(op);
      default:
        return dtype satisfies never;
    }
  } catch (e) {
    throw allocationError(op, `${size} ${dtype} elements`, e);
  }
}

/**
 * The typed error for an allocation V8 refused (RangeError: invalid length, or no memory), or
 * `e` itself when it is another error.
 * @example try { new Float32Array(n) } catch (e) { throw allocationError('zeros', `${n} floats`, e) }
 */
export function allocationError(op: string, what: string, e: unknown): unknown {
  if (!(e instanceof RangeError) || !/array buffer|array length|allocation/i.test(e.message))
    return e;
  return new BackendError(`${op}: cannot allocate ${what} (${e.message})`, { cause: e });
}

/** The dtype a typed array stores (a Float32Array is float32: float16 is never guessed). @example dtypeOfArray(new Int32Array(2)) // 'int32' */
export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Int32Array) return 'int32';
  return 'bool';
}

/** Checks a user-supplied dtype string. @example assertDType('tensor', 'float64') // throws */
export function assertDType(op: string, dtype: unknown): DType {
  if (
    dtype === 'float32' ||
    dtype === 'float16' ||
    dtype === 'int32' ||
    dtype === 'bool' ||
    dtype === 'complex64' ||
    dtype === 'string'
  )
    return dtype;
  throw new DTypeError(
    `${op}: unknown dtype ${show(dtype)}; expected 'float32', 'float16', 'int32', 'bool', 'complex64' or 'string'`,
  );
}

const RANK: Record<NumericDType, number> = { bool: 0, int32: 1, float16: 2, float32: 3, complex64: 4 };

/**
 * The common dtype of two operands (bool < int32 < float16 < float32 < complex64, as NumPy and Keras:
 * float16 with float32 gives float32); strings combine only with strings (a DTypeError naming `op` otherwise).
 * @example upcast('float16', 'float32') // 'float32'
 */
export function upcast(a: DType, b: DType, op = 'upcast'): DType {
  if (a === b) return a;
  if (a === 'string' || b === 'string')
    throw new DTypeError(`${op}: a '${a}' operand cannot be combined with a '${b}' operand`);
  return RANK[a] >= RANK[b] ? a : b;
}

/** Throws unless `v` is a positive integer. @example positiveInt('Dense', 'units', 8) // 8 */
export function positiveInt(op: string, arg: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new ArgumentError(`${op}: ${arg} must be a positive integer, received ${show(v)}`);
  return v;
}

/** Throws unless `n` is a non-negative integer. */
export function assertNonNegInt(op: string, arg: string, n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    throw new ArgumentError(`${op}: ${arg} must be a non-negative integer, received ${show(n)}`);
  }
  return n;
}
