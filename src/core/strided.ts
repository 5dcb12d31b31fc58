// Strided views: where element idx of a transpose, slice or broadcastTo lies in its input's buffer (what copyStrided reads).
import { type Shape, sizeOf, stridesOf } from './shape.js';

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

/**
 * Where a matMul operand of logical shape [...batch, rows, cols] lies in its buffer: the element
 * offset of each batch (flat over the operand's own batch axes) and the element strides of a row and
 * a column of its matrix. Without a view, the operand's own row-major layout.
 * @example matrixLayout([2, 3, 4], null) // { offsets: Int32Array [0, 12], rowStride: 4, colStride: 1 }
 */
export interface MatrixLayout {
  readonly offsets: Int32Array;
  readonly rowStride: number;
  readonly colStride: number;
}

/**
 * The layout of a matMul operand read through `view` (see MatrixLayout), or null when a matMul kernel
 * does not read it in place: its matrix must have one unit stride (a row-major or a transposed
 * matrix), no stride may be negative, and the element offsets must stay in int32.
 * @example matrixLayout([3, 2], { offset: 0, strides: [1, 3] }) // a transposed [2, 3] matrix
 */
export function matrixLayout(shape: Shape, view: StridedView | null): MatrixLayout | null {
  const rank = shape.length;
  if (rank < 2) return null;
  const rows = shape[rank - 2];
  const cols = shape[rank - 1];
  const batch = shape.slice(0, -2);
  const strides = view ? view.strides : stridesOf(shape);
  if (strides.length !== rank || strides.some((s) => s < 0 || !Number.isInteger(s))) return null;
  // an axis of length 1 is never stepped along: its stride is whatever suits the kernel
  const rowStride = rows === 1 ? (strides[rank - 1] === 1 ? cols : 1) : strides[rank - 2];
  const colStride = cols === 1 ? (rowStride === 1 ? rows : 1) : strides[rank - 1];
  if (rowStride !== 1 && colStride !== 1) return null;
  const n = sizeOf(batch);
  const offsets = new Int32Array(n);
  const base = view ? view.offset : 0;
  let last = base;
  for (let i = 0; i < n; i++) {
    let rem = i;
    let off = base;
    for (let d = batch.length - 1; d >= 0; d--) {
      off += (rem % batch[d]) * strides[d];
      rem = Math.floor(rem / batch[d]);
    }
    offsets[i] = off;
    last = Math.max(last, off);
  }
  const end = last + (rows - 1) * rowStride + (cols - 1) * colStride;
  return end < 2 ** 29 ? { offsets, rowStride, colStride } : null;
}
