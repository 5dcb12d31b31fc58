// tf.sparse: sparseReshape and sparseFillEmptyRows (host index arithmetic), sparseSegmentSum and sparseSegmentMean, composed from gather and unsortedSegmentSum (so the
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
 * Reshapes a sparse tensor given by its indices [N, rank] and dense shape: the same entries, their indices
 * in `newShape` (one dimension may be -1, inferred). Returns the new indices [N, newRank] and shape (int32).
 * @example nr.sparse.sparseReshape([[0, 1]], [2, 3], [3, 2]) // outputIndices [[0, 1]], outputShape [3, 2]
 */
export function sparseReshape(
  inputIndices: Operand,
  inputShape: Operand,
  newShape: Operand,
): { outputIndices: Tensor; outputShape: Tensor } {
  const op = 'sparseReshape';
  const ind = toTensorAs(inputIndices, op, 'inputIndices', 'int32');
  const ins = toTensorAs(inputShape, op, 'inputShape', 'int32');
  const ns = toTensorAs(newShape, op, 'newShape', 'int32');
  if (ind.rank !== 2)
    throw new ShapeError(
      `${op}: Input indices should be a matrix but received shape ${show(ind.shape)}`,
    );
  if (ins.rank !== 1 || ns.rank !== 1)
    throw new ShapeError(
      `${op}: inputShape and newShape should be vectors, received shapes ${show(ins.shape)} and ${show(ns.shape)}`,
    );
  const [n, rank] = ind.shape;
  if (ins.size !== rank)
    throw new ShapeError(
      `${op}: Input rank (${ins.size}) and rank of input indices (${rank}) don't match`,
    );
  const from = Array.from(ins.dataSync());
  const to = Array.from(ns.dataSync());
  const denseSize = from.reduce((a, b) => a * b, 1);
  let unknown = -1;
  let product = 1;
  to.forEach((d, i) => {
    if (d === -1) {
      if (unknown !== -1)
        throw new ArgumentError(
          `${op}: only one output dimension may be -1, not both ${unknown} and ${i}`,
        );
      unknown = i;
    } else if (d < 0) {
      throw new ArgumentError(`${op}: size ${i} must be non-negative, not ${d}`);
    } else product *= d;
  });
  const out = to.slice();
  if (unknown !== -1) {
    if (product <= 0)
      throw new ArgumentError(
        `${op}: reshape cannot infer the missing input size for an empty tensor unless all specified input sizes are non-zero`,
      );
    const missing = Math.trunc(denseSize / product);
    if (product * missing !== denseSize)
      throw new ArgumentError(
        `${op}: input to reshape is a SparseTensor with ${denseSize} dense values, but the requested shape requires a multiple of ${product}. inputShape=${show(from)} outputShape=${show(out)}`,
      );
    out[unknown] = missing;
  }
  const outSize = out.reduce((a, b) => a * b, 1);
  if (outSize !== denseSize)
    throw new ArgumentError(
      `${op}: Input to reshape is a tensor with ${denseSize} dense values, but the requested shape has ${outSize}. inputShape=${show(from)} outputShape=${show(out)}`,
    );
  // each entry's flat position in the old shape, unravelled in the new one
  const idx = ind.dataSync();
  const result = new Int32Array(n * out.length);
  for (let k = 0; k < n; k++) {
    let flat = 0;
    for (let j = 0; j < rank; j++) flat = flat * from[j] + idx[k * rank + j];
    for (let j = out.length - 1; j >= 0; j--) {
      result[k * out.length + j] = flat % out[j];
      flat = Math.floor(flat / out[j]);
    }
  }
  return {
    outputIndices: ops.tensor(result, [n, out.length], 'int32'),
    outputShape: ops.tensor(out, [out.length], 'int32'),
  };
}

/**
 * Gives each empty row of a 2-D sparse tensor one entry [row, 0, ...] holding `defaultValue`. Entries come
 * out sorted by row (in input order within a row); `emptyRowIndicator` marks the filled rows and
 * `reverseIndexMap[i]` is where input entry i went.
 * @example nr.sparse.sparseFillEmptyRows([[1, 0]], [5], [2, 3], -1) // rows 0 gets [0, 0] = -1
 */
export function sparseFillEmptyRows(
  indices: Operand,
  values: Operand,
  denseShape: Operand,
  defaultValue: number | Tensor,
): {
  outputIndices: Tensor;
  outputValues: Tensor;
  emptyRowIndicator: Tensor;
  reverseIndexMap: Tensor;
} {
  const op = 'sparseFillEmptyRows';
  const ind = toTensorAs(indices, op, 'indices', 'int32');
  const val = toTensor(values, op, 'values');
  const shp = toTensorAs(denseShape, op, 'denseShape', 'int32');
  if (ind.rank !== 2)
    throw new ShapeError(`${op}: indices should be Tensor2D but received shape ${show(ind.shape)}`);
  if (val.rank !== 1)
    throw new ShapeError(`${op}: values should be Tensor1D but received shape ${show(val.shape)}`);
  if (shp.rank !== 1)
    throw new ShapeError(
      `${op}: denseShape should be Tensor1D but received shape ${show(shp.shape)}`,
    );
  const [n, rank] = ind.shape;
  if (val.size !== n)
    throw new ShapeError(`${op}: values has ${val.size} entries but indices has ${n} rows`);
  const dv = typeof defaultValue === 'number' ? defaultValue : defaultValue.dataSync()[0];
  const rows = shp.dataSync()[0] ?? 0;
  const idx = ind.dataSync();
  const vals = val.dataSync();
  if (rows === 0 && n > 0)
    throw new ArgumentError(
      `${op}: Received SparseTensor with denseShape[0] = 0 but indices.shape[0] = ${n}`,
    );
  // entries of each row, in input order
  const byRow: number[][] = Array.from({ length: rows }, () => []);
  for (let i = 0; i < n; i++) {
    const r = idx[i * rank];
    if (r < 0) throw new ArgumentError(`${op}: indices(${i}, 0) is invalid: ${r} < 0`);
    if (r >= rows) throw new ArgumentError(`${op}: indices(${i}, 0) is invalid: ${r} >= ${rows}`);
    byRow[r].push(i);
  }
  const outIdx: number[] = [];
  const outVal: number[] = [];
  const empty = new Uint8Array(rows);
  const reverse = new Int32Array(n);
  byRow.forEach((entries, r) => {
    if (entries.length === 0) {
      empty[r] = 1;
      outIdx.push(r, ...new Array<number>(rank - 1).fill(0));
      outVal.push(dv);
      return;
    }
    for (const i of entries) {
      reverse[i] = outVal.length;
      for (let j = 0; j < rank; j++) outIdx.push(idx[i * rank + j]);
      outVal.push(vals[i]);
    }
  });
  return {
    outputIndices: ops.tensor(outIdx, [outVal.length, rank], 'int32'),
    outputValues: ops.tensor(outVal, [outVal.length], val.dtype),
    emptyRowIndicator: ops.tensor(
      Array.from(empty, (e) => e === 1),
      [rows],
      'bool',
    ),
    reverseIndexMap: ops.tensor(reverse, [n], 'int32'),
  };
}

/**
 * tfjs's `tf.sparse` namespace.
 * @example nr.sparse.sparseSegmentSum(data, indices, segmentIds)
 */
export const sparse = { sparseSegmentSum, sparseSegmentMean, sparseReshape, sparseFillEmptyRows };
