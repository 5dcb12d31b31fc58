// tf.tensor_util: tfjs's public helpers over tensors in containers and pairs of dtypes.
import { upcast } from '../core/dtype.js';
import { DTypeError } from '../core/errors.js';
import { collectTensors } from '../core/memory.js';
import type { Tensor } from '../core/tensor.js';

/**
 * Whether `tensor` itself (not an equal one) is in the list.
 * @example nr.tensor_util.isTensorInList(a, [a, b]) // true
 */
export function isTensorInList(tensor: Tensor, tensorList: readonly Tensor[]): boolean {
  return tensorList.some((t) => t === tensor || t.id === tensor.id);
}

/**
 * Every tensor in a container (nested arrays and plain objects, any depth, cycles allowed), in order.
 * @example nr.tensor_util.getTensorsInContainer({ a, list: [b, { c }] }) // [a, b, c]
 */
export function getTensorsInContainer(container: unknown): Tensor[] {
  return collectTensors(container);
}

/**
 * The pair with both cast to their common dtype (float16 + float32 → float32, int32 + float32 →
 * float32); a tensor already of that dtype is returned as is.
 * @example const [x, y] = nr.tensor_util.makeTypesMatch(ints, floats); // both float32
 */
export function makeTypesMatch<T extends Tensor>(a: T, b: T): [Tensor, Tensor] {
  if (a.dtype === b.dtype) return [a, b];
  const dtype = upcast(a.dtype, b.dtype);
  return [a.dtype === dtype ? a : a.cast(dtype), b.dtype === dtype ? b : b.cast(dtype)];
}

/**
 * Throws unless both tensors have the same dtype.
 * @example nr.tensor_util.assertTypesMatch(a, b);
 */
export function assertTypesMatch(a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype)
    throw new DTypeError(
      `assertTypesMatch: the tensors must have the same dtype, received '${a.dtype}' and '${b.dtype}'`,
    );
}
