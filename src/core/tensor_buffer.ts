// TensorBuffer: a mutable array with a shape (tfjs's tf.buffer), turned into a tensor with toTensor().
import { assertDType, type DType, makeArray, type TypedArray } from './dtype.js';
import { convertValues } from './tensor_values.js';
import { ArgumentError, DTypeError, ShapeError, show } from './errors.js';
import { assertShape, sizeOf, stridesOf } from './shape.js';
import type { Tensor } from './tensor.js';
import { tensor } from '../ops/creation.js';

/**
 * A mutable buffer of values with a shape and dtype: fill it element by element, then make a tensor.
 * @example
 * const b = nr.buffer([2, 2]);
 * b.set(5, 0, 1);
 * b.toTensor().print(); // [[0, 5], [0, 0]]
 */
export class TensorBuffer {
  readonly shape: number[];
  readonly dtype: DType;
  readonly size: number;
  readonly strides: number[];
  readonly values: TypedArray;

  constructor(
    shape: readonly number[],
    dtype: DType = 'float32',
    values?: TypedArray | ArrayLike<number>,
  ) {
    this.shape = assertShape('buffer', 'shape', shape);
    this.dtype = assertDType('buffer', dtype);
    if (this.dtype === 'complex64')
      throw new DTypeError(
        'buffer: complex64 buffers are not supported; use nr.real(t) and nr.imag(t) and nr.complex(real, imag)',
      );
    // element-wise string buffers are not built: strings are made whole, from a JS array
    if (this.dtype === 'string')
      throw new DTypeError(
        "buffer: dtype 'string' is not supported by TensorBuffer; build the strings in a JS array and call nr.tensor(values, shape)",
      );
    this.size = sizeOf(this.shape);
    this.strides = stridesOf(this.shape).slice(0, -1);
    if (values !== undefined && values !== null) {
      if (values.length !== this.size)
        throw new ShapeError(
          `buffer: values has ${values.length} elements but shape ${show(this.shape)} needs ${this.size}`,
        );
      this.values = convertValues(values, this.dtype);
    } else this.values = makeArray(this.dtype, this.size);
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** Sets the value at the given coordinates. @example b.set(1, 0, 2) */
  set(value: number | boolean, ...locs: number[]): void {
    this.values[this.locToIndex(locs.length === 0 ? [0] : locs)] = Number(value);
  }

  /** The value at the given coordinates. @example b.get(0, 2) */
  get(...locs: number[]): number {
    return this.values[this.locToIndex(locs.length === 0 ? [0] : locs)];
  }

  /** Flat index of coordinates. @example nr.buffer([2, 3]).locToIndex([1, 2]) // 5 */
  locToIndex(locs: readonly number[]): number {
    if (this.rank === 0) return 0;
    if (locs.length !== this.rank)
      throw new ArgumentError(
        `buffer: the number of provided coordinates (${locs.length}) must match the rank (${this.rank})`,
      );
    let index = 0;
    for (let i = 0; i < locs.length; i++) {
      const l = locs[i];
      if (!Number.isInteger(l) || l < 0 || l >= this.shape[i])
        throw new ArgumentError(
          `buffer: Requested out of range element: coordinate ${i} must be an integer in [0, ${this.shape[i]}), received ${show(l)}`,
        );
      index += l * (i < this.strides.length ? this.strides[i] : 1);
    }
    return index;
  }

  /** Coordinates of a flat index. @example nr.buffer([2, 3]).indexToLoc(5) // [1, 2] */
  indexToLoc(index: number): number[] {
    if (this.rank === 0) return [];
    const locs: number[] = [];
    let rest = index;
    for (const s of this.strides) {
      locs.push(Math.floor(rest / s));
      rest -= locs[locs.length - 1] * s;
    }
    locs.push(rest);
    return locs;
  }

  /** A tensor with a copy of the values. @example b.toTensor() */
  toTensor(): Tensor {
    return tensor(this.values, this.shape, this.dtype);
  }
}

/**
 * A TensorBuffer of a shape and dtype, zero-filled or over the given values (tfjs's tf.buffer).
 * @example const b = nr.buffer([3], 'int32', [1, 2, 3]); b.get(2) // 3
 */
export function buffer(
  shape: readonly number[],
  dtype: DType = 'float32',
  values?: TypedArray | ArrayLike<number>,
): TensorBuffer {
  return new TensorBuffer(shape, dtype, values);
}
