// tf.util's shape and dtype helpers with tfjs's names: parseAxisParam, squeezeShape, inferFromImplicitShape,
// isScalarShape, inferDtype, hasEncodingLoss, checkConversionForErrors, plus isPromise and repeatedTry.
import type { DType } from '../core/dtype.js';
import { ArgumentError, DTypeError, ShapeError, show } from '../core/errors.js';

/**
 * Axes (an int, a list of ints, or null/undefined for all) as non-negative axes of `shape`; refuses
 * non-integers and axes outside [-rank, rank).
 * @example nr.util.parseAxisParam(-1, [2, 3]) // [1]
 */
export function parseAxisParam(
  axis: number | number[] | null | undefined,
  shape: readonly number[],
): number[] {
  const rank = shape.length;
  if (axis == null) return shape.map((_, i) => i);
  const list = typeof axis === 'number' ? [axis] : axis;
  for (const a of list) {
    if (!Number.isInteger(a))
      throw new ArgumentError(`parseAxisParam: all axes must be integers, received ${show(axis)}`);
    if (a < -rank || a >= rank)
      throw new ArgumentError(
        `parseAxisParam: all axes must be in the interval [-${rank}, ${rank}) but got axis ${show(axis)}`,
      );
  }
  return list.map((a) => (a < 0 ? rank + a : a));
}

/**
 * The shape without its size-1 dimensions (only those in `axis` when given, each of which must be 1),
 * and the indexes of the dimensions kept.
 * @example nr.util.squeezeShape([1, 3, 1]) // { newShape: [3], keptDims: [1] }
 */
export function squeezeShape(
  shape: readonly number[],
  axis?: number[],
): { newShape: number[]; keptDims: number[] } {
  const axes = axis == null || axis.length === 0 ? null : parseAxisParam(axis, shape);
  const newShape: number[] = [];
  const keptDims: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    const squeeze = axes === null ? shape[i] === 1 : axes.includes(i);
    if (squeeze && shape[i] !== 1)
      throw new ShapeError(
        `squeezeShape: Can't squeeze axis ${i} since its dim '${shape[i]}' is not 1 (shape ${show(shape)})`,
      );
    if (!squeeze) {
      newShape.push(shape[i]);
      keptDims.push(i);
    }
  }
  return { newShape, keptDims };
}

/**
 * Replaces the one -1 of a shape by the size that makes it hold `size` elements; refuses two -1s and
 * shapes whose size cannot match.
 * @example nr.util.inferFromImplicitShape([2, -1], 6) // [2, 3]
 */
export function inferFromImplicitShape(shape: readonly number[], size: number): number[] {
  let known = 1;
  let implicit = -1;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] >= 0) known *= shape[i];
    else if (shape[i] === -1) {
      if (implicit !== -1)
        throw new ShapeError(
          `inferFromImplicitShape: shapes can only have 1 implicit size; found -1 at dims ${implicit} and ${i} of ${show(shape)}`,
        );
      implicit = i;
    } else
      throw new ShapeError(
        `inferFromImplicitShape: shapes can not be < 0; found ${shape[i]} at dim ${i}`,
      );
  }
  if (implicit === -1) {
    if (size > 0 && size !== known)
      throw new ShapeError(
        `inferFromImplicitShape: size(${show(shape)}) must match the size ${size}`,
      );
    return shape.slice();
  }
  if (known === 0 || size % known !== 0)
    throw new ShapeError(
      `inferFromImplicitShape: the implicit shape can't be a fractional number: ${size} / ${known} (shape ${show(shape)})`,
    );
  const out = shape.slice();
  out[implicit] = size / known;
  return out;
}

/** Whether a shape is a scalar's (rank 0). @example nr.util.isScalarShape([]) // true */
export function isScalarShape(shape: readonly number[]): boolean {
  return shape.length === 0;
}

/**
 * The dtype tfjs infers for values: 'string' for strings, 'bool' for booleans, 'int32' for Int32Array
 * and Uint8Array, else 'float32'.
 * @example nr.util.inferDtype([true, false]) // 'bool'
 */
export function inferDtype(values: unknown): DType | 'string' {
  let v = values;
  while (Array.isArray(v) && v.length > 0) v = v[0];
  if (v instanceof Int32Array || v instanceof Uint8Array || v instanceof Uint8ClampedArray)
    return 'int32';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  return 'float32';
}

/**
 * Whether casting from `oldType` to `newType` can lose information (tfjs's rule: complex64 holds
 * everything, float32 holds every real dtype, int32 holds bool; float16 holds bool).
 * @example nr.util.hasEncodingLoss('float32', 'int32') // true
 */
export function hasEncodingLoss(
  oldType: DType | 'complex64' | 'string',
  newType: DType | 'complex64' | 'string',
): boolean {
  if (newType === oldType || newType === 'complex64') return false;
  if (newType === 'float32') return oldType === 'complex64' || oldType === 'string';
  if (newType === 'int32' || newType === 'float16') return oldType !== 'bool';
  return true;
}

/**
 * Throws when values bound for a numeric dtype hold NaN or infinities (tfjs's check for integer and
 * upload data).
 * @example nr.util.checkConversionForErrors([1, 2], 'int32') // passes
 */
export function checkConversionForErrors(vals: ArrayLike<number>, dtype: DType): void {
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i];
    if (Number.isNaN(v) || !Number.isFinite(v))
      throw new DTypeError(
        `checkConversionForErrors: a value of ${show(v)} at index ${i} can't be represented in dtype ${dtype}`,
      );
  }
}

/** Whether a value is a promise (a thenable). @example nr.util.isPromise(Promise.resolve()) // true */
export function isPromise(object: unknown): object is PromiseLike<unknown> {
  return (
    object != null &&
    (typeof object === 'object' || typeof object === 'function') &&
    'then' in object &&
    typeof object.then === 'function'
  );
}

/**
 * Calls `checkFn` until it returns true, waiting `delayFn(tryCount)` ms between tries (default: growing
 * by 10 ms each try); rejects after `maxCounter` tries.
 * @example await nr.util.repeatedTry(() => done, undefined, 100)
 */
export function repeatedTry(
  checkFn: () => boolean,
  delayFn: (counter: number) => number = (counter) => counter * 10,
  maxCounter?: number,
  scheduleFn: (fn: () => void, ms: number) => void = (fn, ms) => {
    setTimeout(fn, ms);
  },
): Promise<void> {
  return new Promise((resolve, reject) => {
    let tryCount = 0;
    const tryFn = () => {
      if (checkFn()) {
        resolve();
        return;
      }
      tryCount++;
      const ms = delayFn(tryCount);
      if (maxCounter != null && tryCount >= maxCounter) {
        reject(new ArgumentError(`repeatedTry: checkFn did not pass after ${tryCount} tries`));
        return;
      }
      scheduleFn(tryFn, ms);
    };
    tryFn();
  });
}
