// Creation ops: tensors from values, constants, ranges, eye and oneHot. No op here reads tensor data.
import {
  assertDType,
  convertValues,
  type DType,
  dtypeOfArray,
  makeArray,
  type TensorLike,
  type TypedArray,
} from '../core/dtype.js';
import { ENGINE } from '../core/engine.js';
import { ArgumentError, ShapeError, show } from '../core/errors.js';
import { assertShape, sizeOf } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';

function isTypedArray(v: unknown): v is TypedArray {
  return v instanceof Float32Array || v instanceof Int32Array || v instanceof Uint8Array;
}

/** Infers the shape of nested arrays, checking that they are rectangular. */
function inferShape(op: string, values: TensorLike): number[] {
  if (isTypedArray(values)) return [values.length];
  if (!Array.isArray(values)) return [];
  const shape: number[] = [];
  let level: unknown = values;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  const check = (v: unknown, dim: number): void => {
    if (dim === shape.length) {
      if (Array.isArray(v))
        throw new ShapeError(`${op}: values are not rectangular: too deep at dimension ${dim}`);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) {
      throw new ShapeError(
        `${op}: values are not rectangular: dimension ${dim} should have length ${shape[dim]}, received ${Array.isArray(v) ? v.length : show(v)}`,
      );
    }
    for (const e of v) check(e, dim + 1);
  };
  check(values, 0);
  return shape;
}

function flatten(values: TensorLike, out: number[]): void {
  if (Array.isArray(values)) for (const v of values) flatten(v, out);
  else if (typeof values === 'boolean') out.push(values ? 1 : 0);
  else if (typeof values === 'number') out.push(values);
  else
    throw new ArgumentError(
      `tensor: values must be numbers, booleans or nested arrays of them, received ${show(values)}`,
    );
}

function guessDType(values: TensorLike): DType {
  if (isTypedArray(values)) return dtypeOfArray(values);
  let v: unknown = values;
  while (Array.isArray(v)) v = v[0];
  return typeof v === 'boolean' ? 'bool' : 'float32';
}

/**
 * Creates a tensor from values (nested arrays, flat arrays or typed arrays) with an optional shape and dtype.
 * @example nr.tensor([[1, 2], [3, 4]]) // shape [2, 2], float32
 * @example nr.tensor([1, 2, 3, 4], [2, 2], 'int32')
 */
export function tensor(values: TensorLike, shape?: readonly number[], dtype?: DType): Tensor {
  const dt = dtype === undefined ? guessDType(values) : assertDType('tensor', dtype);
  const inferred = inferShape('tensor', values);
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
    finalShape = assertShape('tensor', 'shape', shape);
    if (sizeOf(finalShape) !== flat.length) {
      if (flat.length === 1 && inferred.length === 0) {
        // tfjs semantics: a single value with a shape fills it.
        return fill(finalShape, flat[0], dt);
      }
      throw new ShapeError(
        `tensor: shape ${show(shape)} has ${sizeOf(finalShape)} elements but ${flat.length} values were given (inferred shape ${show(inferred)})`,
      );
    }
  }
  return ENGINE.fromValues(flat, finalShape, dt);
}

/** A rank-0 tensor. @example nr.scalar(3.5) */
export function scalar(value: number | boolean, dtype?: DType): Tensor {
  if (typeof value !== 'number' && typeof value !== 'boolean')
    throw new ArgumentError(`scalar: value must be a number or boolean, received ${show(value)}`);
  return tensor(value, [], dtype);
}

/** A tensor filled with one value. @example nr.fill([2, 2], 7) */
export function fill(shape: readonly number[], value: number | boolean, dtype?: DType): Tensor {
  const s = assertShape('fill', 'shape', shape);
  const dt =
    dtype === undefined
      ? typeof value === 'boolean'
        ? 'bool'
        : 'float32'
      : assertDType('fill', dtype);
  const arr = makeArray(dt, sizeOf(s));
  const v = convertValues([Number(value)], dt)[0];
  if (v !== 0) arr.fill(v);
  return ENGINE.fromValues(arr, s, dt);
}

/** Zeros. @example nr.zeros([2, 3]) */
export function zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return fill(shape, 0, dtype);
}

/** Ones. @example nr.ones([2, 3], 'int32') */
export function ones(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return fill(shape, 1, dtype);
}

// plain values (not a tensor): what the *Like ops convert themselves
function isPlain(x: Tensor | TensorLike): x is TensorLike {
  return (
    Array.isArray(x) || ArrayBuffer.isView(x) || typeof x === 'number' || typeof x === 'boolean'
  );
}

/** Shape and dtype of a *Like op's argument: a live tensor, or plain values (converted, then freed). */
function likeArg(op: string, x: Tensor | TensorLike): { shape: number[]; dtype: DType } {
  if (isPlain(x)) {
    const t = tensor(x);
    const out = { shape: t.shape.slice(), dtype: t.dtype };
    t.dispose();
    return out;
  }
  ENGINE.assertAlive(op, 'x', x);
  return { shape: x.shape.slice(), dtype: x.dtype };
}

/** Zeros with x's shape and dtype. @example nr.zerosLike(x) */
export function zerosLike(x: Tensor | TensorLike): Tensor {
  const t = likeArg('zerosLike', x);
  return fill(t.shape, 0, t.dtype);
}

/** Ones with x's shape and dtype. @example nr.onesLike(x) */
export function onesLike(x: Tensor | TensorLike): Tensor {
  const t = likeArg('onesLike', x);
  return fill(t.shape, 1, t.dtype);
}

/**
 * Identity matrix, optionally batched.
 * @example nr.eye(3) // 3x3 identity
 * @example nr.eye(2, 3, [4]) // shape [4, 2, 3]
 */
export function eye(
  numRows: number,
  numColumnsIn: number | null = numRows,
  batchShapeIn: readonly number[] | null = [],
  dtypeIn: DType | null = 'float32',
): Tensor {
  // tfjs passes null for "default" in any of the optional arguments
  const numColumns = numColumnsIn ?? numRows;
  const batchShape = batchShapeIn ?? [];
  const dtype = dtypeIn ?? 'float32';
  if (!Number.isInteger(numRows) || numRows < 0)
    throw new ArgumentError(
      `eye: numRows must be a non-negative integer, received ${show(numRows)}`,
    );
  if (!Number.isInteger(numColumns) || numColumns < 0)
    throw new ArgumentError(
      `eye: numColumns must be a non-negative integer, received ${show(numColumns)}`,
    );
  const batch = assertShape('eye', 'batchShape', batchShape);
  const arr = makeArray(dtype, sizeOf(batch) * numRows * numColumns);
  for (let b = 0; b < sizeOf(batch); b++) {
    for (let i = 0; i < Math.min(numRows, numColumns); i++)
      arr[b * numRows * numColumns + i * numColumns + i] = 1;
  }
  return ENGINE.fromValues(arr, [...batch, numRows, numColumns], dtype);
}

/**
 * Evenly spaced values in [start, stop) with a step (tfjs `range`).
 * @example nr.range(0, 5) // [0, 1, 2, 3, 4]
 */
export function range(start: number, stop?: number, step = 1, dtype: DType = 'float32'): Tensor {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  if (step === 0) throw new ArgumentError('range: step must not be 0, received 0');
  // tfjs: with the default step, a stop below start counts down.
  if (stop < start && step === 1) step = -1;
  if (![start, stop, step].every(Number.isFinite))
    throw new ArgumentError(
      `range: start, stop and step must be finite, received ${show([start, stop, step])}`,
    );
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const arr = makeArray(dtype, n);
  for (let i = 0; i < n; i++) arr[i] = start + i * step;
  return ENGINE.fromValues(arr, [n], dtype);
}

/** `num` evenly spaced values from start to stop inclusive. @example nr.linspace(0, 1, 5) // [0, 0.25, 0.5, 0.75, 1] */
export function linspace(start: number, stop: number, num: number): Tensor {
  if (!Number.isInteger(num) || num < 1)
    throw new ArgumentError(`linspace: num must be a positive integer, received ${show(num)}`);
  const arr = new Float32Array(num);
  const step = num === 1 ? 0 : (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) arr[i] = start + i * step;
  return ENGINE.fromValues(arr, [num], 'float32');
}
