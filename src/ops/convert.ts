// Argument conversion shared by the ops: tensor-likes to tensors, liveness, dtype and assignability checks.
import { assertDType, type DType, type TensorLike } from '../core/dtype.js';
import { ENGINE } from '../core/engine.js';
import { ArgumentError, DTypeError, ShapeError, show } from '../core/errors.js';
import { shapesEqual } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { inferDType, tensorFromValues } from '../core/tensor_values.js';

/**
 * Wraps values as a numeric tensor; tensors pass through after a liveness check. Numbers take
 * `like`'s dtype when given. Inside a layer with a mixed dtype policy, float32 variables are read in
 * the compute dtype (Keras' autocast): here, before any op promotes dtypes; an explicit cast reads the
 * variable as is. A string tensor (or strings) is refused here, once for every op that computes on
 * numbers, in tfjs's words; ops that only move elements use toTensorAny.
 * @example toTensor([1, 2], 'abs', 'x') // float32 [1, 2]
 */
export function toTensor(x: Tensor | TensorLike, op: string, arg: string, like?: DType): Tensor {
  const t = toTensorAny(x, op, arg, like);
  if (t.dtype === 'string') {
    if (!(x instanceof Tensor)) t.dispose();
    throw new DTypeError(
      `${op}: Argument '${arg}' passed to '${op}' must be numeric tensor, but got string tensor`,
    );
  }
  return t;
}

/**
 * toTensor for ops defined on every dtype, strings included (movement ops, comparisons): a string
 * tensor passes through. @example toTensorAny(['a', 'b'], 'reshape', 'x') // string [2]
 */
export function toTensorAny(x: Tensor | TensorLike, op: string, arg: string, like?: DType): Tensor {
  if (x instanceof Tensor) {
    ENGINE.assertAlive(op, arg, x);
    return ENGINE.autocastRead(op, x);
  }
  if (typeof x === 'number' && like !== undefined && like !== 'string') {
    // a number beside a complex tensor is real: float32, promoted by the op
    const dt =
      (like === 'int32' && !Number.isInteger(x)) || like === 'bool' || like === 'complex64'
        ? 'float32'
        : like;
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
  const strings = x instanceof Tensor ? x.dtype === 'string' : inferDType(x) === 'string';
  if (strings && dtype !== 'string')
    throw new DTypeError(
      `${op}: Argument '${arg}' passed to '${op}' must be ${dtype} tensor, but got string tensor`,
    );
  if (x instanceof Tensor) return toTensorAny(x, op, arg);
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
