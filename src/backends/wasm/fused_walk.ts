// Broadcast operands walked over an output as planes of rows x cols: the broadcast and predicate kernels walk whole outputs (forEachPlane), the wasm fused kernel a block at a time.
import type { Shape } from '../../core/shape.js';

/**
 * Operands walked jointly over an output: planes of rows x cols (the output's last two dims after
 * dropping 1s and merging the dims every operand walks as one), the dims before them outer. Strides
 * are in each operand's elements; a colStep is 1 (contiguous along a row) or 0 (one value repeated).
 * @example const w = walkOf([[1, 0]], [4, 8]); // rows 4, cols 8, rowStride [1], colStep [0]
 */
export interface Walk {
  outer: number[];
  /** Per operand, its stride along each outer dim. */
  outerStrides: number[][];
  rows: number;
  cols: number;
  rowStride: number[];
  colStep: number[];
}

/**
 * The joint walk of operands with these strides (from broadcastStrides, or the output's own
 * contiguous strides for an operand laid out as the output) over `outShape`.
 * @example walkOf([broadcastStrides([3, 1], [3, 5])], [3, 5]) // one plane of 3 rows of 5 repeats
 */
export function walkOf(strides: readonly (readonly number[])[], outShape: Shape): Walk {
  const dims: number[] = [];
  const st: number[][] = strides.map(() => []);
  outShape.forEach((d, i) => {
    if (d === 1) return;
    const l = dims.length - 1;
    if (l >= 0 && strides.every((s, k) => st[k][l] === s[i] * d)) {
      dims[l] *= d;
      strides.forEach((s, k) => (st[k][l] = s[i]));
    } else {
      dims.push(d);
      strides.forEach((s, k) => st[k].push(s[i]));
    }
  });
  while (dims.length < 2) {
    dims.unshift(1);
    for (const s of st) s.unshift(0);
  }
  const k = dims.length;
  return {
    outer: dims.slice(0, k - 2),
    outerStrides: st.map((s) => s.slice(0, k - 2)),
    rows: dims[k - 2],
    cols: dims[k - 1],
    rowStride: st.map((s) => s[k - 2]),
    colStep: st.map((s) => s[k - 1]),
  };
}

/** Row-major strides of a shape (an operand laid out as the output). @example contiguousStrides([2, 3]) // [3, 1] */
export function contiguousStrides(shape: Shape): number[] {
  const out = new Array<number>(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) out[d] = out[d + 1] * shape[d + 1];
  return out;
}

/**
 * Planes so small that a kernel call per plane would cost more than the reference loop: a walk
 * with outer dims and fewer than this many elements a plane.
 */
const SMALL_PLANE = 256;

/** Whether a walk cuts a block into too many calls (see SMALL_PLANE). @example if (smallPlanes(w)) gatherInJs(); */
export function smallPlanes(w: Walk): boolean {
  return w.outer.length > 0 && w.rows * w.cols < SMALL_PLANE;
}

/**
 * Calls `visit` for the pieces of the output range [o, o + len): a part of one row, or whole rows of
 * one plane. `offsets` are each operand's element offsets at the piece's start, `rows` x `cols` its
 * extent (rows > 1 only for whole rows), `done` the elements of the range before it.
 * @example forPieces(w, 0, sizeOf(shape), (at, rows, cols, done) => kernel(at[0], rows, cols, done));
 */
export function forPieces(
  w: Walk,
  o: number,
  len: number,
  visit: (offsets: readonly number[], rows: number, cols: number, done: number) => void,
): void {
  const end = o + len;
  const plane = w.rows * w.cols;
  const k = w.colStep.length;
  const offsets = new Array<number>(k).fill(0);
  for (let i = o; i < end;) {
    const j = i % w.cols;
    const r = Math.floor(i / w.cols) % w.rows;
    for (let a = 0; a < k; a++) offsets[a] = r * w.rowStride[a] + j * w.colStep[a];
    for (let d = w.outer.length - 1, q = Math.floor(i / plane); d >= 0; d--) {
      const idx = q % w.outer[d];
      for (let a = 0; a < k; a++) offsets[a] += idx * w.outerStrides[a][d];
      q = Math.floor(q / w.outer[d]);
    }
    let count: number;
    if (j !== 0 || end - i < w.cols) {
      count = Math.min(w.cols - j, end - i);
      visit(offsets, 1, count, i - o);
    } else {
      const rows = Math.min(w.rows - r, Math.floor((end - i) / w.cols));
      visit(offsets, rows, w.cols, i - o);
      count = rows * w.cols;
    }
    i += count;
  }
}
