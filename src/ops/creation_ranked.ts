// tfjs's ranked constructors tensor1d..tensor6d, with tfjs's signatures (tensor1d takes no shape).
import type { DType, TensorLike } from '../core/dtype.js';
import { ShapeError, show } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { tensor } from './creation.js';

function checkRank(op: string, t: Tensor, rank: number): Tensor {
  if (t.rank !== rank) {
    t.dispose();
    throw new ShapeError(`${op}: values must have rank ${rank}, received shape ${show(t.shape)}`);
  }
  return t;
}

function checkShape(op: string, shape: readonly number[] | undefined, rank: number): void {
  if (shape !== undefined && shape.length !== rank)
    throw new ShapeError(`${op}: shape must have rank ${rank}, received ${show(shape)}`);
}

function ranked(op: string, rank: number) {
  return (values: TensorLike, shape?: readonly number[], dtype?: DType): Tensor => {
    checkShape(op, shape, rank);
    return checkRank(op, tensor(values, shape, dtype), rank);
  };
}

/**
 * A rank-1 tensor (tfjs signature: values and an optional dtype, no shape).
 * @example nr.tensor1d([0, 1, 2], 'int32')
 */
export function tensor1d(values: TensorLike, dtype?: DType): Tensor {
  return checkRank('tensor1d', tensor(values, undefined, dtype), 1);
}
/** A rank-2 tensor. @example nr.tensor2d([1, 2, 3, 4], [2, 2], 'int32') */
export const tensor2d = ranked('tensor2d', 2);
/** A rank-3 tensor. @example nr.tensor3d([[[1]], [[2]]]) */
export const tensor3d = ranked('tensor3d', 3);
/** A rank-4 tensor. @example nr.tensor4d([[[[1]]]]) */
export const tensor4d = ranked('tensor4d', 4);
/** A rank-5 tensor. @example nr.tensor5d([1, 2, 3, 4], [1, 1, 2, 2, 1]) */
export const tensor5d = ranked('tensor5d', 5);
/** A rank-6 tensor. @example nr.tensor6d([1, 2], [1, 1, 1, 1, 1, 2]) */
export const tensor6d = ranked('tensor6d', 6);
