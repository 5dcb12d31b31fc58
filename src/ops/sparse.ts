// tf.sparse: sparseSegmentSum and sparseSegmentMean, composed from gather and unsortedSegmentSum (so the
// gradient flows to the data); the sorted-ids checks read the small index tensors on the host.
import type { TensorLike } from '../core/dtype.js';
import { ArgumentError, ShapeError, show } from '../core/errors.js';
import { tidy } from '../core/memory.js';
import type { Tensor } from '../core/tensor.js';
import * as ops from './all.js';
import { toTensor, toTensorAs } from './convert.js';

type Operand = Tensor | TensorLike;

/** Checks the arguments and returns the per-segment row counts (TensorFlow's sorted-segment rules). */
function segments(
  op: string,
  data: Tensor,
  indices: Tensor,
  segmentIds: Tensor,
): { outputRows: number; counts: number[] } {
  if (data.rank < 1)
    throw new ShapeError(`${op}: data should be at least 1 dimensional but received scalar`);
  if (indices.rank !== 1)
    throw new ShapeError(
      `${op}: indices should be Tensor1D but received shape ${show(indices.shape)}`,
    );
  if (segmentIds.rank !== 1)
    throw new ShapeError(
      `${op}: segmentIds should be Tensor1D but received shape ${show(segmentIds.shape)}`,
    );
  const idx = indices.dataSync();
  const seg = segmentIds.dataSync();
  if (idx.length !== seg.length)
    throw new ShapeError(
      `${op}: indices and segmentIds must have the same length, received ${idx.length} and ${seg.length}`,
    );
  const numRows = data.shape[0];
  if (seg.length === 0) return { outputRows: 0, counts: [] };
  const outputRows = seg[seg.length - 1] + 1;
  if (outputRows <= 0) throw new ArgumentError(`${op}: segment ids must be >= 0`);
  const counts = new Array<number>(outputRows).fill(0);
  let previous = -1;
  for (let i = 0; i < seg.length; i++) {
    const s = seg[i];
    if (s < 0 || s >= outputRows)
      throw new ArgumentError(
        `${op}: Segment id ${s} out of range [0, ${outputRows}), possibly because segmentIds input is not sorted.`,
      );
    if (s < previous) throw new ArgumentError(`${op}: segment ids are not increasing`);
    previous = s;
    if (idx[i] < 0 || idx[i] >= numRows)
      throw new ArgumentError(`${op}: indices[${i}] == ${idx[i]} out of range [0, ${numRows})`);
    counts[s]++;
  }
  return { outputRows, counts };
}

function reduce(
  op: string,
  data: Operand,
  indices: Operand,
  segmentIds: Operand,
  mean: boolean,
): Tensor {
  const d = toTensor(data, op, 'data');
  const i = toTensorAs(indices, op, 'indices', 'int32');
  const s = toTensorAs(segmentIds, op, 'segmentIds', 'int32');
  const { outputRows, counts } = segments(op, d, i, s);
  return tidy(() => {
    const rows = ops.gather(d, i, 0);
    const sums = ops.unsortedSegmentSum(rows, s, outputRows);
    if (!mean) return sums;
    // empty segments stay 0: divide by max(count, 1)
    const divisor = ops.tensor(
      counts.map((c) => Math.max(c, 1)),
      [outputRows, ...d.shape.slice(1).map(() => 1)],
      sums.dtype,
    );
    return ops.div(sums, divisor);
  });
}

/**
 * Sums rows of `data` picked by `indices` into segments: out[s] = sum of data[indices[k]] over k with
 * segmentIds[k] == s. segmentIds must be sorted; there are last id + 1 output rows (missing ids give 0).
 * @example nr.sparse.sparseSegmentSum(nr.tensor([[1, 2], [3, 4]]), [0, 1], [0, 0]) // [[4, 6]]
 */
export function sparseSegmentSum(data: Operand, indices: Operand, segmentIds: Operand): Tensor {
  return reduce('sparseSegmentSum', data, indices, segmentIds, false);
}

/**
 * sparseSegmentSum divided by each segment's row count (0 for empty segments).
 * @example nr.sparse.sparseSegmentMean(nr.tensor([[1, 2], [3, 4]]), [0, 1], [0, 0]) // [[2, 3]]
 */
export function sparseSegmentMean(data: Operand, indices: Operand, segmentIds: Operand): Tensor {
  return reduce('sparseSegmentMean', data, indices, segmentIds, true);
}

/**
 * tfjs's `tf.sparse` namespace.
 * @example nr.sparse.sparseSegmentSum(data, indices, segmentIds)
 */
export const sparse = { sparseSegmentSum, sparseSegmentMean };
