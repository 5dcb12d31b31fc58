// Argument conversion shared by the ops: tensor-likes to tensors, liveness, dtype and assignability checks.
import { assertDType, type DType, type TensorLike } from '../core/dtype.js';
import { ENGINE } from '../core/engine.js';
import { ArgumentError, DTypeError, ShapeError, show } from '../core/errors.js';
import { shapesEqual } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { tensorFromValues } from '../core/tensor_values.js';

/**
 * Wraps values as a tensor; tensors pass through after a liveness check. Numbers take `like`'s dtype
 * when given. Inside a layer with a mixed dtype policy, float32 variables are read in the compute dtype
 * (Keras' autocast): here, before any op promotes dtypes; an explicit cast reads the variable as is.
 */
export function toTensor(x: Tensor | TensorLike, op: string, arg: string, like?: DType): Tensor {
  if (x instanceof Tensor) {
    ENGINE.assertAlive(op, arg, x);
    return ENGINE.autocastRead(op, x);
  }
  if (typeof x === 'number' && like !== undefined) {
    const dt =
      like === 'int32' && !Number.isInteger(x) ? 'float32' : like === 'bool' ? 'float32' : like;
    return tensorFromValues('tensor', x, [], dt);
  }
  try {
    return tensorFromValues('tensor', x);
  } catch (e) {
    if (e instanceof ShapeError || e instanceof ArgumentError)
      throw notTensorError(op, arg, e.message);
    throw e;
  }
}

/**
 * The error for an argument that is neither a tensor nor tensor-like values. The text after the op's
 * name is tfjs's ("Argument 'x' passed to 'op' must be a Tensor"), so ported code that matches on it works.
 * @example throw notTensorError('gather', 'indices', 'received {}')
 */
export function notTensorError(op: string, arg: string, detail: string): ArgumentError {
  return new ArgumentError(
    `${op}: Argument '${arg}' passed to '${op}' must be a Tensor or tensor-like values (${detail})`,
  );
}

/**
 * The error for a tensor argument of the wrong dtype, in tfjs's words after the op's name.
 * @example throw argDTypeError('all', 'x', 'bool', 'float32') // all: Argument 'x' passed to 'all' must be bool tensor, but got float32 tensor
 */
export function argDTypeError(
  op: string,
  arg: string,
  want: string,
  got: DType,
  hint = '',
): DTypeError {
  return new DTypeError(
    `${op}: Argument '${arg}' passed to '${op}' must be ${want} tensor, but got ${got} tensor${hint}`,
  );
}

/**
 * toTensor for arguments of a fixed dtype (tfjs's parse-as-dtype): plain values become a tensor of that
 * dtype (numbers to bool by != 0, to int32 by truncation); tensors pass through unchanged, so a tensor of
 * the wrong dtype is still refused by the op.
 * @example toTensorAs([0, 2], 'oneHot', 'indices', 'int32') // int32 [0, 2]
 */
export function toTensorAs(x: Tensor | TensorLike, op: string, arg: string, dtype: DType): Tensor {
  if (x instanceof Tensor) return toTensor(x, op, arg);
  try {
    return tensorFromValues(op, x, undefined, dtype);
  } catch (e) {
    if (e instanceof ShapeError || e instanceof ArgumentError)
      throw notTensorError(op, arg, e.message);
    throw e;
  }
}

/** Throws unless `value` can be assigned to `v` (same shape and dtype). */
export function assertAssignable(v: Tensor, value: Tensor): void {
  ENGINE.assertAlive('assign', 'value', value);
  if (!shapesEqual(v.shape, value.shape))
    throw new ShapeError(
      `assign: shape ${show(value.shape)} does not match the variable's shape ${show(v.shape)}`,
    );
  if (v.dtype !== value.dtype)
    throw new DTypeError(
      `assign: dtype '${value.dtype}' does not match the variable's dtype '${v.dtype}'`,
    );
}

/** Checks a dtype argument of a public op. */
export function dtypeArg(op: string, dtype: unknown): DType {
  return assertDType(op, dtype);
}

/** Shape of a tensor as a mutable array. */
export function shapeOf(x: Tensor): number[] {
  return x.shape.slice();
}
