// Tensors from plain values, in one place: shape inference, dtype guess, conversion to storage, and the write.
import {
  assertDType,
  type DType,
  dtypeOfArray,
  makeArray,
  type TensorLike,
  type TypedArray,
} from './dtype.js';
import { ENGINE } from './engine.js';
import { ArgumentError, DTypeError, ShapeError, show } from './errors.js';
import { assertShape, sizeOf } from './shape.js';
import { encodeString } from './strings.js';
import type { Tensor } from './tensor.js';

/**
 * Converts JS numbers to a dtype's storage, as a cast would (truncation toward zero for int32); float16
 * values are left as float32 here: ENGINE.fromValues, which every created tensor passes, rounds them.
 * @example convertValues([1.1], 'int32') // Int32Array [1]
 */
export function convertValues(values: ArrayLike<number>, dtype: DType): TypedArray {
  const out = makeArray(dtype, values.length);
  if (dtype === 'bool') {
    for (let i = 0; i < values.length; i++) out[i] = values[i] !== 0 ? 1 : 0; // NaN is truthy, as in tfjs, NumPy and TensorFlow
  } else if (dtype === 'int32') {
    for (let i = 0; i < values.length; i++) out[i] = Math.trunc(values[i]);
  } else {
    out.set(values);
  }
  return out;
}

function isTypedArray(v: unknown): v is TypedArray {
  return v instanceof Float32Array || v instanceof Int32Array || v instanceof Uint8Array;
}

/**
 * Infers the shape of nested arrays (whose rows may be typed arrays), checking that they are
 * rectangular. For a string tensor (`strings`) a Uint8Array is one element (a string's bytes), not a row.
 */
function inferShape(op: string, values: TensorLike, strings = false): number[] {
  if (isTypedArray(values)) return [values.length];
  if (!Array.isArray(values)) return [];
  const isLevel = (v: unknown): v is readonly unknown[] | TypedArray =>
    Array.isArray(v) || (isTypedArray(v) && !(strings && v instanceof Uint8Array));
  const shape: number[] = [];
  let level: unknown = values;
  while (isLevel(level)) {
    shape.push(level.length);
    level = level[0];
  }
  const check = (v: unknown, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (isLevel(v))
        throw new ShapeError(
          `${op}: values are not rectangular: too deep at dimension ${dim} (${path})`,
        );
      return;
    }
    if (!isLevel(v) || v.length !== shape[dim]) {
      // the element's path and counts, in the words tfjs uses for this error
      throw new ShapeError(
        isLevel(v)
          ? `${op}: values are not rectangular at dimension ${dim}: Element ${path} should have ${shape[dim]} elements, but has ${v.length} elements`
          : `${op}: values are not rectangular: dimension ${dim} should have length ${shape[dim]}, received ${show(v)} at ${path}`,
      );
    }
    for (let i = 0; i < v.length; i++) check(v[i], dim + 1, `${path}[${i}]`);
  };
  check(values, 0, 'arr');
  return shape;
}

function flatten(values: TensorLike, out: number[]): void {
  if (Array.isArray(values)) for (const v of values) flatten(v, out);
  else if (isTypedArray(values)) for (let i = 0; i < values.length; i++) out.push(values[i]);
  else if (typeof values === 'boolean') out.push(values ? 1 : 0);
  else if (typeof values === 'number') out.push(values);
  else
    throw new ArgumentError(
      `tensor: values must be numbers, booleans or nested arrays of them, received ${show(values)}`,
    );
}

/**
 * The dtype nr.tensor gives values when none is named: that of the first typed array met (int32 for a
 * Uint8Array, as tfjs: bytes are numbers, bool is named explicitly), bool for booleans, string for
 * strings, float32 otherwise. @example inferDType([['a']]) // 'string'
 */
export function inferDType(values: TensorLike): DType {
  let v: unknown = values;
  while (Array.isArray(v)) v = v[0];
  if (isTypedArray(v)) return v instanceof Uint8Array ? 'int32' : dtypeOfArray(v);
  if (typeof v === 'string') return 'string';
  return typeof v === 'boolean' ? 'bool' : 'float32';
}

/**
 * A tensor from values (nested arrays, flat arrays or typed arrays), an optional shape and dtype: what
 * nr.tensor and every op given a non-tensor argument (through toTensor) create. `op` names errors.
 * @example tensorFromValues('tensor', [[1, 2], [3, 4]]) // shape [2, 2], float32
 */
export function tensorFromValues(
  op: string,
  values: TensorLike,
  shape?: readonly number[],
  dtype?: DType,
): Tensor {
  const dt = dtype === undefined ? inferDType(values) : assertDType(op, dtype);
  if (dt === 'complex64')
    throw new DTypeError(
      `${op}: a complex64 tensor is made from its parts with nr.complex(real, imag), not from values`,
    );
  if (dt === 'string') return stringTensorFromValues(op, values, shape);
  const inferred = inferShape(op, values);
  let flat: TypedArray;
  if (isTypedArray(values)) {
    flat = dtypeOfArray(values) === dt ? values.slice() : convertValues(values, dt);
  } else {
    const list: number[] = [];
    flatten(values, list);
    flat = convertValues(list, dt);
  }
  let finalShape: number[] = inferred;
  if (shape !== undefined) {
    finalShape = assertShape(op, 'shape', shape);
    assertNestingFits(op, inferred, finalShape);
    if (sizeOf(finalShape) !== flat.length) {
      if (flat.length === 1 && inferred.length === 0) {
        // tfjs semantics: a single value with a shape fills it.
        return filledTensor(finalShape, flat[0], dt);
      }
      throw new ShapeError(
        `${op}: shape ${show(shape)} has ${sizeOf(finalShape)} elements but ${flat.length} values were given (inferred shape ${show(inferred)})`,
      );
    }
    assertNestingFits(op, inferred, finalShape);
  }
  return ENGINE.fromValues(flat, finalShape, dt);
}

/**
 * Nested values given with a shape must nest as the shape says (tfjs): every level but the innermost
 * matches its dimension, and the innermost arrays hold either one dimension or all the remaining ones
 * flattened. So [[1, 2, 3], [4, 5, 6]] with shape [3, 2] is an error, not a silent reshape.
 */
function assertNestingFits(
  op: string,
  inferred: readonly number[],
  shape: readonly number[],
): void {
  if (inferred.length < 2) return;
  const last = inferred.length - 1;
  const fits =
    shape.length >= inferred.length &&
    inferred.every((d, i) => d === shape[i] || (i === last && d === sizeOf(shape.slice(i))));
  if (!fits)
    throw new ShapeError(
      `${op}: the values nest as shape ${show(inferred)}, which does not match the given shape ${show(shape)}`,
    );
}

function flattenStrings(op: string, values: TensorLike, out: Uint8Array[]): void {
  if (Array.isArray(values)) for (const v of values) flattenStrings(op, v, out);
  else if (typeof values === 'string') out.push(encodeString(values));
  // bytes as given (tfjs: a Uint8Array is one encoded string when the dtype is 'string')
  else if (values instanceof Uint8Array) out.push(values.slice());
  else
    throw new ArgumentError(
      `${op}: values of a string tensor must be strings or Uint8Array (UTF-8 bytes), received ${show(values)}`,
    );
}

/** A string tensor from strings or UTF-8 bytes (nested arrays of them, or one Uint8Array: a scalar). */
function stringTensorFromValues(
  op: string,
  values: TensorLike,
  shape: readonly number[] | undefined,
): Tensor {
  const list: Uint8Array[] = [];
  let inferred: number[] = [];
  if (values instanceof Uint8Array) list.push(values.slice());
  else if (isTypedArray(values))
    throw new ArgumentError(
      `${op}: values of a string tensor must be strings or Uint8Array (UTF-8 bytes), received a ${values.constructor.name}`,
    );
  else {
    inferred = inferShape(op, values, true);
    flattenStrings(op, values, list);
  }
  if (shape === undefined) return ENGINE.fromStrings(list, inferred);
  const finalShape = assertShape(op, 'shape', shape);
  assertNestingFits(op, inferred, finalShape);
  const size = sizeOf(finalShape);
  if (size === list.length) return ENGINE.fromStrings(list, finalShape);
  if (list.length === 1 && inferred.length === 0)
    return ENGINE.fromStrings(Array<Uint8Array>(size).fill(list[0]), finalShape);
  throw new ShapeError(
    `${op}: shape ${show(shape)} has ${size} elements but ${list.length} values were given (inferred shape ${show(inferred)})`,
  );
}

/**
 * A tensor of `shape` holding one value converted to `dtype` (nr.fill, and nr.tensor(v, shape)).
 * @example filledTensor([2, 2], 7, 'int32')
 */
export function filledTensor(
  shape: readonly number[],
  value: number | boolean,
  dtype: DType,
  op = 'fill',
): Tensor {
  const arr = makeArray(dtype, sizeOf(shape), op);
  if (dtype === 'complex64') {
    // the value is the real part of every element; imaginary parts stay 0
    for (let i = 0; i < arr.length; i += 2) arr[i] = Number(value);
    return ENGINE.fromValues(arr, shape, dtype);
  }
  const v = convertValues([Number(value)], dtype)[0];
  if (v !== 0) arr.fill(v);
  return ENGINE.fromValues(arr, shape, dtype);
}
