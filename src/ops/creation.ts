// Creation ops: tensors from values, constants, ranges, eye and oneHot. No op here reads tensor data.
import {
  assertDType,
  type DType,
  isTensorLike,
  makeArray,
  type TensorLike,
} from '../core/dtype.js';
import { ENGINE } from '../core/engine.js';
import { ArgumentError, DTypeError, ShapeError, show } from '../core/errors.js';
import { assertShape, assertSize, MAX_ELEMENTS, sizeOf } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { filledTensor, tensorFromValues } from '../core/tensor_values.js';
import { notTensorError } from './convert.js';

/**
 * Creates a tensor from values (nested arrays, flat arrays or typed arrays) with an optional shape and dtype.
 * @example nr.tensor([[1, 2], [3, 4]]) // shape [2, 2], float32
 * @example nr.tensor([1, 2, 3, 4], [2, 2], 'int32')
 */
export function tensor(values: TensorLike, shape?: readonly number[], dtype?: DType): Tensor {
  return tensorFromValues('tensor', values, shape, dtype);
}

/**
 * A rank-0 tensor; a string makes a string scalar, and so does a Uint8Array (UTF-8 bytes) with dtype
 * 'string'. @example nr.scalar(3.5) @example nr.scalar('hello').dtype // 'string'
 */
export function scalar(value: number | boolean | string | Uint8Array, dtype?: DType): Tensor {
  const bytes = value instanceof Uint8Array && dtype === 'string';
  if (
    typeof value !== 'number' &&
    typeof value !== 'boolean' &&
    typeof value !== 'string' &&
    !bytes
  )
    throw new ArgumentError(
      `scalar: value must be a number, boolean or string (or Uint8Array bytes with dtype 'string'), received ${show(value)}`,
    );
  return tensor(value, [], dtype);
}

/** A tensor filled with one value (a string fills a string tensor). @example nr.fill([2, 2], 7) */
export function fill(
  shape: readonly number[],
  value: number | boolean | string,
  dtype?: DType,
): Tensor {
  if (typeof value === 'string' || dtype === 'string') {
    if (typeof value !== 'string' || (dtype !== undefined && dtype !== 'string'))
      throw new DTypeError(
        `fill: a string value needs dtype 'string' and dtype 'string' a string value; received ${show(value)} with dtype ${show(dtype)}`,
      );
    return tensor(value, assertShape('fill', 'shape', shape), 'string');
  }
  return filled('fill', shape, value, dtype);
}

/** `fill` under the name of the op that called it, so errors name what the user called. */
function filled(
  op: string,
  shape: readonly number[],
  value: number | boolean,
  dtype?: DType,
): Tensor {
  const s = assertShape(op, 'shape', shape);
  const dt =
    dtype === undefined
      ? typeof value === 'boolean'
        ? 'bool'
        : 'float32'
      : assertDType(op, dtype);
  return filledTensor(s, value, dt, op);
}

/** Zeros. @example nr.zeros([2, 3]) */
export function zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return filled('zeros', shape, 0, dtype);
}

/** Ones. @example nr.ones([2, 3], 'int32') */
export function ones(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return filled('ones', shape, 1, dtype);
}

/** Shape and dtype of a *Like op's argument: a live tensor, or plain values (converted, then freed). */
function likeArg(op: string, x: Tensor | TensorLike): { shape: number[]; dtype: DType } {
  // plain values (not a tensor) are converted here; anything else must be a tensor
  if (isTensorLike(x)) {
    const t = tensor(x);
    const out = { shape: t.shape.slice(), dtype: t.dtype };
    t.dispose();
    return out;
  }
  if (!(x instanceof Tensor)) throw notTensorError(op, 'x', `received ${show(x)}`);
  ENGINE.assertAlive(op, 'x', x);
  // x is read (for its shape) inside a function being differentiated: its gradient is zero, not missing
  ENGINE.tapeStack.touch([x]);
  return { shape: x.shape.slice(), dtype: x.dtype };
}

/** Zeros with x's shape and dtype. @example nr.zerosLike(x) */
export function zerosLike(x: Tensor | TensorLike): Tensor {
  const t = likeArg('zerosLike', x);
  return filled('zerosLike', t.shape, 0, t.dtype);
}

/** Ones with x's shape and dtype. @example nr.onesLike(x) */
export function onesLike(x: Tensor | TensorLike): Tensor {
  const t = likeArg('onesLike', x);
  return filled('onesLike', t.shape, 1, t.dtype);
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
  assertSize('eye', 'shape', [...batch, numRows, numColumns]);
  const arr = makeArray(dtype, sizeOf(batch) * numRows * numColumns, 'eye');
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
  if (n > MAX_ELEMENTS)
    throw new ArgumentError(
      `range: [${start}, ${stop}) in steps of ${step} has ${n} values, more than the limit of ${MAX_ELEMENTS}`,
    );
  const arr = makeArray(dtype, n, 'range');
  for (let i = 0; i < n; i++) arr[i] = start + i * step;
  return ENGINE.fromValues(arr, [n], dtype);
}

/** `num` evenly spaced values from start to stop inclusive. @example nr.linspace(0, 1, 5) // [0, 0.25, 0.5, 0.75, 1] */
export function linspace(start: number, stop: number, num: number): Tensor {
  if (!Number.isInteger(num) || num < 1)
    throw new ArgumentError(`linspace: num must be a positive integer, received ${show(num)}`);
  if (num > MAX_ELEMENTS)
    throw new ArgumentError(`linspace: num must be at most ${MAX_ELEMENTS}, received ${num}`);
  const arr = makeArray('float32', num, 'linspace');
  const step = num === 1 ? 0 : (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) arr[i] = start + i * step;
  return ENGINE.fromValues(arr, [num], 'float32');
}
