// Strided views: where element idx of a transpose, slice or broadcastTo lies in its input's buffer (what copyStrided reads).
import { type Shape, stridesOf } from './shape.js';

/**
 * A view of a row-major buffer: element idx of the view is at offset + Σ idx[k]·strides[k].
 * @example const v: StridedView = { offset: 1, strides: [3, 1] }; // columns 1.. of a [n, 3] matrix
 */
export interface StridedView {
  readonly offset: number;
  readonly strides: readonly number[];
}

/** x.transpose(perm) as a view of x (of `shape`). @example transposeView([2, 3], [1, 0]) // { offset: 0, strides: [1, 3] } */
export function transposeView(shape: Shape, perm: readonly number[]): StridedView {
  const base = stridesOf(shape);
  return { offset: 0, strides: perm.map((p) => base[p]) };
}

/**
 * x.slice(begin) with a step per axis (negative steps walk backwards) as a view of x (of `shape`).
 * @example sliceView([4, 6], [1, 2], [1, 1]) // { offset: 8, strides: [6, 1] }
 */
export function sliceView(
  shape: Shape,
  begin: readonly number[],
  steps: readonly number[],
): StridedView {
  const base = stridesOf(shape);
  let offset = 0;
  for (let i = 0; i < shape.length; i++) offset += begin[i] * base[i];
  return { offset, strides: base.map((s, i) => s * steps[i]) };
}

/** x (of `shape`) broadcast to `target` (numpy rules) as a view: stride 0 where it repeats. @example broadcastView([3], [2, 3]) // { offset: 0, strides: [0, 1] } */
export function broadcastView(shape: Shape, target: Shape): StridedView {
  const base = stridesOf(shape);
  const lead = target.length - shape.length;
  const strides = target.map((d, i) => (i < lead || shape[i - lead] !== d ? 0 : base[i - lead]));
  return { offset: 0, strides };
}

/**
 * The strides, over the axes of `outShape`, at which a consumer of shape `outShape` reads a view of
 * shape `shape` broadcast to it (numpy rules, aligned right): a view read by a larger elementwise op.
 * @example viewStridesFor([3], { offset: 0, strides: [2] }, [4, 3]) // [0, 2]
 */
export function viewStridesFor(shape: Shape, view: StridedView, outShape: Shape): number[] {
  const lead = outShape.length - shape.length;
  return outShape.map((d, i) => {
    const k = i - lead;
    return k < 0 || (shape[k] === 1 && d !== 1) ? 0 : view.strides[k];
  });
}

/**
 * The same view read under another shape that only adds or drops axes of length 1 (a reshape of a
 * [128, 1, 256] slice to [128, 256]), or null when the reshape regroups elements.
 * @example reshapeView({ offset: 8, strides: [24, 8, 1] }, [2, 1, 8], [2, 8]) // { offset: 8, strides: [24, 1] }
 */
export function reshapeView(view: StridedView, from: Shape, to: Shape): StridedView | null {
  const kept: number[] = [];
  from.forEach((d, k) => {
    if (d !== 1) kept.push(k);
  });
  const dims = to.filter((d) => d !== 1);
  if (dims.length !== kept.length || dims.some((d, i) => d !== from[kept[i]])) return null;
  let next = 0;
  // a new axis of length 1 is never stepped along: any stride reads right
  const strides = to.map((d) => (d === 1 ? 0 : view.strides[kept[next++]]));
  return { offset: view.offset, strides };
}
