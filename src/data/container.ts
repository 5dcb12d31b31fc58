// Dataset elements: cloning, freeing and batching nested arrays/objects of tensors and plain values.
import { type DType, dtypeOfArray, type TypedArray } from '../core/dtype.js';
import { ENGINE } from '../core/engine.js';
import { ArgumentError, ShapeError, show } from '../core/errors.js';
import { collectTensors, tidy } from '../core/memory.js';
import { Tensor } from '../core/tensor.js';
import { tensor } from '../ops/creation.js';
import { stack } from '../ops/movement.js';

/** Numbers nested in arrays: a row of a tensor, as tfjs batches it. */
export type NestedNumbers = number | readonly NestedNumbers[];

/** True for a number or arrays of arrays of numbers (at least one number deep). */
function isNestedNumbers(v: unknown): v is NestedNumbers {
  if (typeof v === 'number') return true;
  return Array.isArray(v) && v.length > 0 && v.every(isNestedNumbers);
}

/**
 * The type of a batch of elements of type T: tensors and numbers become tensors, strings string
 * arrays, and arrays/objects are mapped entry by entry.
 */
export type Batched<T> = T extends Tensor
  ? Tensor
  : T extends number | boolean | readonly NestedNumbers[]
    ? Tensor
    : T extends string
      ? string[]
      : T extends null | undefined
        ? null
        : T extends readonly unknown[]
          ? { -readonly [K in keyof T]: Batched<T[K]> }
          : T extends object
            ? { -readonly [K in keyof T]: Batched<T[K]> }
            : unknown;

/**
 * A tensor from a typed array the caller gives up (no intermediate copy when the dtype matches).
 * @example typedTensor(new Int32Array([1, 2]), [2], 'int32')
 */
export function typedTensor(values: TypedArray, shape: readonly number[], dtype: DType): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== values.length)
    throw new ShapeError(
      `typedTensor: shape ${show(shape)} needs ${size} values, received ${values.length}`,
    );
  return dtypeOfArray(values) === dtype
    ? ENGINE.fromValues(values, shape.slice(), dtype)
    : tensor(values, shape, dtype);
}

/** True for `{...}` literals (not class instances, arrays or tensors). @example isPlainObject({ a: 1 }) // true */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;
}

function cloneValue(v: unknown): unknown {
  if (v instanceof Tensor) return v.clone();
  if (Array.isArray(v)) return v.map(cloneValue);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, e] of Object.entries(v)) out[k] = cloneValue(e);
    return out;
  }
  return v;
}

/**
 * Copies an element's structure; tensors become clones (they share the buffer, so this is cheap).
 * Stages that keep an element and also hand it out (array sources, cache) give out clones, so the
 * consumer may dispose what it receives.
 * @example const copy = cloneElement({ x: t, label: 3 });
 */
export function cloneElement<T>(element: T): T {
  // The clone has the same structure as the input, value for value.
  return cloneValue(element) as T;
}

/**
 * Disposes the tensors of `element` that do not appear in `kept` (what a stage passes on).
 * @example disposeExcept(input, output); // map: free the input unless fn returned its tensors
 */
export function disposeExcept(element: unknown, kept: unknown): void {
  const keep = new Set(collectTensors(kept));
  for (const t of collectTensors(element)) if (!keep.has(t)) t.dispose();
}

function kindOf(v: unknown): string {
  if (v instanceof Tensor) return 'tensor';
  if (Array.isArray(v)) return 'array';
  if (isPlainObject(v)) return 'object';
  if (v === null || v === undefined) return 'null';
  return typeof v;
}

function pathName(path: string): string {
  return path === '' ? 'the element' : `'${path}'`;
}

function batchLeaves(values: readonly unknown[], path: string): unknown {
  const kind = kindOf(values[0]);
  values.forEach((v, i) => {
    if (kindOf(v) !== kind) {
      throw new ArgumentError(
        `batch: elements differ in structure at ${pathName(path)}: element 0 is ${kind}, element ${i} is ${kindOf(v)} (${show(v instanceof Tensor ? v.shape : v)})`,
      );
    }
  });
  switch (kind) {
    case 'tensor': {
      const ts = values as readonly Tensor[];
      ts.forEach((t, i) => {
        if (t.shape.length !== ts[0].shape.length || t.shape.some((d, j) => d !== ts[0].shape[j])) {
          throw new ShapeError(
            `batch: element ${i} has shape ${show(t.shape)} at ${pathName(path)}, expected ${show(ts[0].shape)} as element 0`,
          );
        }
      });
      return stack(ts);
    }
    case 'number':
      // NOTE: numbers batch to float32 (as in tfjs); emit int32 scalar tensors to keep integer labels.
      return tensor(values as readonly number[], [values.length], 'float32');
    case 'boolean':
      return tensor(values as readonly boolean[], [values.length], 'bool');
    case 'string':
      // No string dtype: a batch of strings is a plain array of strings.
      return values.slice();
    case 'null':
      return null;
    case 'array': {
      // Arrays of numbers are rows, as in tfjs: [[1], [2]] batches to a [2, 1] tensor. Arrays holding
      // tensors, strings, booleans or objects are tuples, batched entry by entry.
      if (values.every(isNestedNumbers)) {
        const rows: NestedNumbers[] = [];
        for (const v of values) if (isNestedNumbers(v)) rows.push(v);
        return tensor(rows, undefined, 'float32');
      }
      const arrays = values as readonly unknown[][];
      const n = arrays[0].length;
      arrays.forEach((a, i) => {
        if (a.length !== n)
          throw new ArgumentError(
            `batch: elements differ in structure at ${pathName(path)}: element 0 has ${n} entries, element ${i} has ${a.length}`,
          );
      });
      return arrays[0].map((_, j) =>
        batchLeaves(
          arrays.map((a) => a[j]),
          path === '' ? String(j) : `${path}.${j}`,
        ),
      );
    }
    case 'object': {
      const objects = values as readonly Record<string, unknown>[];
      const keys = Object.keys(objects[0]);
      const out: Record<string, unknown> = {};
      objects.forEach((o, i) => {
        const k = Object.keys(o);
        if (k.length !== keys.length || !keys.every((key) => key in o)) {
          throw new ArgumentError(
            `batch: elements differ in structure at ${pathName(path)}: element 0 has keys ${show(keys)}, element ${i} has ${show(k)}`,
          );
        }
      });
      for (const key of keys)
        out[key] = batchLeaves(
          objects.map((o) => o[key]),
          path === '' ? key : `${path}.${key}`,
        );
      return out;
    }
    default:
      throw new ArgumentError(`batch: cannot batch values of type ${kind} at ${pathName(path)}`);
  }
}

/**
 * Combines same-structured elements into one batch element: tensors are stacked on a new axis 0,
 * numbers become a float32 tensor, booleans a bool tensor, strings a plain string array; arrays and
 * objects are walked key by key. Arrays of numbers are rows of a tensor ([[1], [2]] → shape [2, 1]), other
 * arrays are tuples, as in tfjs. The inputs are not freed here.
 * @example batchElements([{ x: a, y: 1 }, { x: b, y: 0 }]) // { x: stack([a, b]), y: tensor([1, 0]) }
 */
export function batchElements<T>(elements: readonly T[]): unknown {
  if (elements.length === 0) throw new ArgumentError('batch: cannot batch zero elements');
  return tidy(() => batchLeaves(elements, ''));
}
