// Shape arithmetic: sizes, strides, broadcasting and axis normalisation. Never looks at tensor values.
import { ArgumentError, ShapeError, show } from './errors.js';

/** A tensor shape. */
export type Shape = readonly number[];

/** Number of elements of a shape. @example sizeOf([2, 3]) // 6 */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * The most elements one tensor may hold: V8's limit on a typed array's length (2^32). Shapes past
 * it are refused before anything is allocated, with a ShapeError instead of V8's RangeError.
 * @example sizeOf(shape) <= MAX_ELEMENTS
 */
export const MAX_ELEMENTS = 2 ** 32;

/**
 * Throws unless every dimension is a non-negative integer and the element count is at most
 * `MAX_ELEMENTS`; returns a copy.
 * @example assertShape('zeros', 'shape', [2, 3]) // [2, 3]
 */
export function assertShape(op: string, arg: string, shape: unknown): number[] {
  if (
    !Array.isArray(shape) ||
    !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)
  ) {
    throw new ShapeError(
      `${op}: ${arg} must be an array of non-negative integers, received ${show(shape)}`,
    );
  }
  assertSize(op, arg, shape);
  return shape.slice();
}

/**
 * Throws a ShapeError when a shape holds more than `MAX_ELEMENTS` elements (0 in any dimension
 * makes it empty, whatever the others say).
 * @example assertSize('zeros', 'shape', [1e6, 1e6]) // ShapeError: ... 1000000000000 elements ...
 */
export function assertSize(op: string, arg: string, shape: Shape): void {
  if (shape.includes(0)) return;
  let n = 1;
  for (const d of shape) n *= d;
  if (n > MAX_ELEMENTS)
    throw new ShapeError(
      `${op}: ${arg} ${show(shape)} has ${n} elements, more than the limit of ${MAX_ELEMENTS} elements a tensor may hold`,
    );
}

/** Row-major strides of a shape. @example stridesOf([2, 3, 4]) // [12, 4, 1] */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Whether two shapes are equal. @example shapesEqual([2, 3], [2, 3]) // true */
export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * numpy broadcasting of two shapes.
 * @example broadcastShapes('add', [2, 1, 3], [4, 1]) // [2, 4, 3]
 */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `${op}: shapes ${show(a)} and ${show(b)} cannot be broadcast together (dimension ${i}: ${da} vs ${db})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Axes of `outShape` that were broadcast from `inShape` (to sum a gradient back to the input's shape).
 * @example broadcastedAxes([3], [2, 3]) // [0]
 */
export function broadcastedAxes(inShape: Shape, outShape: Shape): number[] {
  const axes: number[] = [];
  const lead = outShape.length - inShape.length;
  for (let i = 0; i < outShape.length; i++) {
    if (i < lead || (inShape[i - lead] === 1 && outShape[i] !== 1)) axes.push(i);
  }
  return axes;
}

/** Maps a possibly negative axis into [0, rank). @example normalizeAxis('sum', -1, 3) // 2 */
export function normalizeAxis(op: string, axis: number, rank: number, arg = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -Math.max(rank, 1) || axis >= Math.max(rank, 1)) {
    throw new ArgumentError(
      `${op}: ${arg} must be an integer in [${-rank}, ${rank}), received ${show(axis)} for a rank-${rank} tensor`,
    );
  }
  return axis < 0 ? axis + rank : axis;
}

/** Normalises `axis` (undefined = all axes), sorted and deduplicated. @example normalizeAxes('sum', [-1, 0], 3) // [0, 2] */
export function normalizeAxes(
  op: string,
  axis: number | readonly number[] | undefined | null,
  rank: number,
): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : axis;
  const out = [...new Set(list.map((a) => normalizeAxis(op, a, rank)))];
  return out.sort((x, y) => x - y);
}

/** Shape after reducing `axes`, with or without kept dims. @example reducedShape([2, 3, 4], [1], false) // [2, 4] */
export function reducedShape(shape: Shape, axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (axes.includes(i)) {
      if (keepDims) out.push(1);
    } else out.push(shape[i]);
  }
  return out;
}

/** Checks that `perm` is a permutation of [0, rank). */
export function assertPerm(op: string, perm: readonly number[], rank: number): void {
  const sorted = [...perm].sort((a, b) => a - b);
  if (perm.length !== rank || !sorted.every((p, i) => p === i)) {
    throw new ArgumentError(
      `${op}: perm must be a permutation of 0..${rank - 1}, received ${show(perm)}`,
    );
  }
}

/**
 * Resolves a reshape target with at most one -1.
 * @example inferReshape('reshape', [2, -1], 6) // [2, 3]
 */
export function inferReshape(op: string, shape: readonly number[], size: number): number[] {
  let unknown = -1;
  let known = 1;
  shape.forEach((d, i) => {
    if (d === -1) {
      if (unknown >= 0)
        throw new ArgumentError(`${op}: only one dimension may be -1, received ${show(shape)}`);
      unknown = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new ArgumentError(
        `${op}: dimensions must be non-negative integers or -1, received ${show(shape)}`,
      );
    } else known *= d;
  });
  const out = shape.slice();
  if (unknown >= 0) {
    if (known === 0 || size % known !== 0) {
      throw new ShapeError(`${op}: cannot reshape ${size} elements into ${show(shape)}`);
    }
    out[unknown] = size / known;
  } else if (known !== size) {
    throw new ShapeError(
      `${op}: cannot reshape ${size} elements into ${show(shape)} (${known} elements)`,
    );
  }
  return out;
}
