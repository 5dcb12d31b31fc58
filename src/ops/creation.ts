// Creation ops: tensors from values, constants, ranges, eye and oneHot. No op here reads tensor data.
import { assertDType, type DType, makeArray, type TensorLike } from '../core/dtype.js';
import { ENGINE } from '../core/engine.js';
import { ArgumentError, ShapeError, show } from '../core/errors.js';
import { assertShape, sizeOf } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { filledTensor, tensorFromValues } from '../core/tensor_values.js';

/**
 * Creates a tensor from values (nested arrays, flat arrays or typed arrays) with an optional shape and dtype.
 * @example nr.tensor([[1, 2], [3, 4]]) // shape [2, 2], float32
 * @example nr.tensor([1, 2, 3, 4], [2, 2], 'int32')
 */
export function tensor(values: TensorLike, shape?: readonly number[], dtype?: DType): Tensor {
  return tensorFromValues('tensor', values, shape, dtype);
}

/** A rank-0 tensor. @example nr.scalar(3.5) */
export function scalar(value: number | boolean, dtype?: DType): Tensor {
  if (typeof value !== 'number' && typeof value !== 'boolean')
    throw new ArgumentError(`scalar: value must be a number or boolean, received ${show(value)}`);
  return tensor(value, [], dtype);
}

function ranked(op: string, rank: number) {
  return (values: TensorLike, shape?: readonly number[], dtype?: DType): Tensor => {
    const t = tensor(values, shape, dtype);
    if (t.rank !== rank) {
      t.dispose();
      throw new ShapeError(`${op}: values must have rank ${rank}, received shape ${show(t.shape)}`);
    }
    return t;
  };
}
/** A rank-1 tensor. @example nr.tensor1d([1, 2, 3]) */
export const tensor1d = ranked('tensor1d', 1);
/** A rank-2 tensor. @example nr.tensor2d([[1, 2], [3, 4]]) */
export const tensor2d = ranked('tensor2d', 2);
/** A rank-3 tensor. @example nr.tensor3d([[[1]], [[2]]]) */
export const tensor3d = ranked('tensor3d', 3);
/** A rank-4 tensor. @example nr.tensor4d([[[[1]]]]) */
export const tensor4d = ranked('tensor4d', 4);

/** A tensor filled with one value. @example nr.fill([2, 2], 7) */
export function fill(shape: readonly number[], value: number | boolean, dtype?: DType): Tensor {
  const s = assertShape('fill', 'shape', shape);
  const dt =
    dtype === undefined
      ? typeof value === 'boolean'
        ? 'bool'
        : 'float32'
      : assertDType('fill', dtype);
  return filledTensor(s, value, dt);
}

/** Zeros. @example nr.zeros([2, 3]) */
export function zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return fill(shape, 0, dtype);
}

/** Ones. @example nr.ones([2, 3], 'int32') */
export function ones(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return fill(shape, 1, dtype);
}

/** Zeros with x's shape and dtype. @example nr.zerosLike(x) */
export function zerosLike(x: Tensor): Tensor {
  ENGINE.assertAlive('zerosLike', 'x', x);
  return fill(x.shape, 0, x.dtype);
}

/** Ones with x's shape and dtype. @example nr.onesLike(x) */
export function onesLike(x: Tensor): Tensor {
  ENGINE.assertAlive('onesLike', 'x', x);
  return fill(x.shape, 1, x.dtype);
}

/**
 * Identity matrix, optionally batched.
 * @example nr.eye(3) // 3x3 identity
 * @example nr.eye(2, 3, [4]) // shape [4, 2, 3]
 */
export function eye(
  numRows: number,
  numColumns = numRows,
  batchShape: readonly number[] = [],
  dtype: DType = 'float32',
): Tensor {
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
