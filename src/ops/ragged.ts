// Ragged tensors as tfjs passes them (nested row splits + flat values): raggedGather, raggedRange and
// raggedTensorToTensor. Row bookkeeping is host arithmetic on the small split/index tensors (read
// synchronously, so not on WebGPU's async-only reads); the values move through gather, so gradients
// reach them.
import type { DType, TensorLike } from '../core/dtype.js';
import { ArgumentError, DTypeError, ShapeError, show } from '../core/errors.js';
import { tidy } from '../core/memory.js';
import { assertSize } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import * as ops from './all.js';
import { toTensor, toTensorAs } from './convert.js';

type Operand = Tensor | TensorLike;

/** Largest range raggedRange builds and largest dense index (TensorFlow's int32 limit). */
const MAX_RANGE = 2147483647;

/** Reads an integer tensor (splits, indices, row ids) on the host, checking its dtype. */
function ints(op: string, arg: string, t: Tensor): Int32Array {
  if (t.dtype !== 'int32')
    throw new DTypeError(`${op}: ${arg} must be int32, received '${t.dtype}'`);
  return Int32Array.from(t.dataSync());
}

/** Checks one level of row splits: non-empty, non-negative, ascending, and within `size` entries. */
function checkSplits(op: string, splits: Int32Array, size: number): void {
  if (splits.length === 0) throw new ArgumentError(`${op}: Ragged splits may not be empty`);
  if (splits[0] < 0)
    throw new ArgumentError(
      `${op}: Ragged splits must be non-negative, received first split ${splits[0]}`,
    );
  for (let i = 1; i < splits.length; i++)
    if (splits[i] < splits[i - 1])
      throw new ArgumentError(
        `${op}: Ragged splits must be sorted in ascending order, received ${splits[i - 1]} then ${splits[i]} at ${i}`,
      );
  if (splits[splits.length - 1] > size)
    throw new ArgumentError(
      `${op}: Ragged splits must not point past values: last split ${splits[splits.length - 1]} > ${size}`,
    );
}

/**
 * Gathers rows of a ragged tensor. `paramsNestedSplits` (int32, outermost first) and `paramsDenseValues`
 * describe params; `indices` picks its outermost rows. The result has `outputRaggedRank` levels of splits:
 * indices' own dimensions (uniform) followed by the picked rows' levels. Gradients reach the values.
 * @example
 * // params [[.1, .2], [], [.3]]; take rows 2 and 0
 * nr.raggedGather([nr.tensor1d([0, 2, 2, 3], 'int32')], nr.tensor([.1, .2, .3]), nr.tensor([2, 0], [2], 'int32'), 1)
 * // outputNestedSplits [[0, 1, 3]], outputDenseValues [.3, .1, .2]
 */
export function raggedGather(
  paramsNestedSplits: Tensor[],
  paramsDenseValues: Operand,
  indices: Operand,
  outputRaggedRank: number,
): { outputNestedSplits: Tensor[]; outputDenseValues: Tensor } {
  // tidy frees the tensors made from plain-array arguments
  return tidy(() => gatherRows(paramsNestedSplits, paramsDenseValues, indices, outputRaggedRank));
}

function gatherRows(
  paramsNestedSplits: Tensor[],
  paramsDenseValues: Operand,
  indices: Operand,
  outputRaggedRank: number,
): { outputNestedSplits: Tensor[]; outputDenseValues: Tensor } {
  const op = 'raggedGather';
  if (!Array.isArray(paramsNestedSplits) || paramsNestedSplits.length === 0)
    throw new ArgumentError(
      `${op}: paramsNestedSplits must be a non-empty array of int32 tensors, received ${show(paramsNestedSplits)}`,
    );
  const values = toTensor(paramsDenseValues, op, 'paramsDenseValues');
  const idxT = toTensorAs(indices, op, 'indices', 'int32');
  const splits = paramsNestedSplits.map((s, i) => {
    const t = toTensorAs(s, op, `paramsNestedSplits[${i}]`, 'int32');
    if (t.rank !== 1)
      throw new ShapeError(
        `${op}: paramsNestedSplits[${i}] must be rank 1, received shape ${show(t.shape)}`,
      );
    return ints(op, `paramsNestedSplits[${i}]`, t);
  });
  if (values.rank === 0)
    throw new ShapeError(`${op}: params.rank must be nonzero, received paramsDenseValues scalar`);
  const expectedRank = splits.length + idxT.rank - 1;
  if (outputRaggedRank !== expectedRank)
    throw new ArgumentError(
      `${op}: outputRaggedRank must be ${expectedRank} (params ragged rank ${splits.length} + indices rank ${idxT.rank} - 1), received ${show(outputRaggedRank)}`,
    );
  splits.forEach((s, i) =>
    checkSplits(op, s, i + 1 < splits.length ? splits[i + 1].length - 1 : values.shape[0]),
  );
  const idx = ints(op, 'indices', idxT);
  const numRows = splits[0].length - 1;
  idx.forEach((v, i) => {
    if (v < 0 || v >= numRows)
      throw new ArgumentError(`${op}: indices[${i}] = ${v} is not in [0, ${numRows})`);
  });
  // Walk down the levels: `spans` are the [start, limit) row spans picked at the current level, in order.
  let spans: Array<[number, number]> = Array.from(idx, (r) => [r, r + 1]);
  const levels: number[][] = [];
  for (const s of splits) {
    const out = [0];
    const next: Array<[number, number]> = [];
    for (const [start, limit] of spans)
      for (let r = start; r < limit; r++) {
        out.push(out[out.length - 1] + s[r + 1] - s[r]);
        next.push([s[r], s[r + 1]]);
      }
    levels.push(out);
    spans = next;
  }
  const rows: number[] = [];
  for (const [start, limit] of spans) for (let r = start; r < limit; r++) rows.push(r);
  // indices' outer dimensions become uniform splits; a scalar index drops the first level
  const uniform: Tensor[] = [];
  let count = 1;
  for (let d = 0; d + 1 < idxT.rank; d++) {
    const width = idxT.shape[d + 1];
    count *= idxT.shape[d];
    uniform.push(ops.mul(ops.range(0, count + 1, 1, 'int32'), ops.scalar(width, 'int32')));
  }
  const picked = idxT.rank === 0 ? levels.slice(1) : levels;
  return {
    outputNestedSplits: [...uniform, ...picked.map((l) => ops.tensor(l, [l.length], 'int32'))],
    outputDenseValues: ops.gather(values, ops.tensor(rows, [rows.length], 'int32'), 0),
  };
}

/** A scalar or vector argument of raggedRange, read on the host. */
function rangeArg(op: string, arg: string, t: Tensor): Float64Array {
  if (t.rank > 1)
    throw new ShapeError(
      `${op}: ${arg} must be a scalar or vector, received shape ${show(t.shape)}`,
    );
  return Float64Array.from(t.dataSync());
}

/**
 * Builds a ragged tensor of ranges: row i is range(starts[i], limits[i], deltas[i]). Scalars broadcast
 * against vectors. Returns the row splits (int32) and the concatenated values (starts' dtype).
 * @example nr.raggedRange([0, 5], [3, 7], 1) // rtNestedSplits [0, 3, 5], rtDenseValues [0, 1, 2, 5, 6]
 */
export function raggedRange(
  starts: Operand,
  limits: Operand,
  deltas: Operand,
): { rtNestedSplits: Tensor; rtDenseValues: Tensor } {
  return tidy(() => ranges(starts, limits, deltas));
}

function ranges(
  starts: Operand,
  limits: Operand,
  deltas: Operand,
): { rtNestedSplits: Tensor; rtDenseValues: Tensor } {
  const op = 'raggedRange';
  const st = toTensor(starts, op, 'starts');
  const lt = toTensor(limits, op, 'limits');
  const dt = toTensor(deltas, op, 'deltas');
  const dtype: DType = st.dtype;
  if (dtype !== 'float32' && dtype !== 'int32')
    throw new DTypeError(`${op}: starts must be float32 or int32, received '${dtype}'`);
  if (lt.dtype !== dtype || dt.dtype !== dtype)
    throw new DTypeError(
      `${op}: starts, limits and deltas must share a dtype, received '${dtype}', '${lt.dtype}', '${dt.dtype}'`,
    );
  const s = rangeArg(op, 'starts', st);
  const l = rangeArg(op, 'limits', lt);
  const d = rangeArg(op, 'deltas', dt);
  const vectors = [st, lt, dt].filter((t) => t.rank === 1);
  if (vectors.some((t) => t.size !== vectors[0].size))
    throw new ShapeError(
      `${op}: starts, limits, and deltas must have the same shape, received ${show(st.shape)}, ${show(lt.shape)}, ${show(dt.shape)}`,
    );
  const rows = vectors.length > 0 ? vectors[0].size : 1;
  const at = (a: Float64Array, i: number): number => (a.length === 1 ? a[0] : a[i]);
  const sizes: number[] = [];
  let total = 0;
  for (let i = 0; i < rows; i++) {
    const start = at(s, i);
    const limit = at(l, i);
    const delta = at(d, i);
    if (delta === 0)
      throw new ArgumentError(`${op}: Requires delta != 0, received deltas[${i}] = 0`);
    const grows = (delta > 0 && limit > start) || (delta < 0 && limit < start);
    const n = grows ? Math.ceil(Math.abs((limit - start) / delta)) : 0;
    if (n > MAX_RANGE)
      throw new ArgumentError(
        `${op}: Requires ((limit - start) / delta) <= ${MAX_RANGE}, received ${n} values in row ${i}`,
      );
    total += n;
    if (total > MAX_RANGE)
      throw new ArgumentError(
        `${op}: the rows hold ${total} values in all, more than ${MAX_RANGE}`,
      );
    sizes.push(n);
  }
  const splits = new Int32Array(rows + 1);
  const vals = dtype === 'int32' ? new Int32Array(total) : new Float32Array(total);
  let k = 0;
  for (let i = 0; i < rows; i++) {
    const start = at(s, i);
    const delta = at(d, i);
    for (let j = 0; j < sizes[i]; j++) vals[k++] = start + j * delta;
    splits[i + 1] = k;
  }
  return {
    rtNestedSplits: ops.tensor(splits, [rows + 1], 'int32'),
    rtDenseValues: ops.tensor(vals, [total], dtype),
  };
}

/** How each level of a ragged tensor gives its rows, as in TensorFlow's RaggedTensorToTensor. */
type PartitionType = 'FIRST_DIM_SIZE' | 'VALUE_ROWIDS' | 'ROW_SPLITS';

/** For each entry of one ragged level: its parent row and its position within that row. */
interface Level {
  parent: Int32Array;
  pos: Int32Array;
}

function levelFromSplits(op: string, splits: Int32Array, size: number): Level {
  checkSplits(op, splits, size);
  const parent = new Int32Array(size).fill(-1);
  const pos = new Int32Array(size);
  for (let r = 0; r + 1 < splits.length; r++)
    for (let j = splits[r]; j < splits[r + 1]; j++) {
      parent[j] = r;
      pos[j] = j - splits[r];
    }
  return { parent, pos };
}

function levelFromRowIds(op: string, ids: Int32Array, parents: number): Level {
  const pos = new Int32Array(ids.length);
  for (let j = 0; j < ids.length; j++) {
    if (ids[j] < 0 || ids[j] >= parents)
      throw new ArgumentError(`${op}: value row id ${ids[j]} at ${j} is not in [0, ${parents})`);
    if (j > 0 && ids[j] < ids[j - 1])
      throw new ArgumentError(
        `${op}: value row ids must be sorted, received ${ids[j - 1]} then ${ids[j]} at ${j}`,
      );
    pos[j] = j > 0 && ids[j] === ids[j - 1] ? pos[j - 1] + 1 : 0;
  }
  return { parent: ids, pos };
}

/** Checks rowPartitionTypes: 'FIRST_DIM_SIZE' then 'VALUE_ROWIDS' per level, or 'ROW_SPLITS' per level. */
function partitionTypes(op: string, count: number, rowPartitionTypes: unknown): PartitionType[] {
  if (!Array.isArray(rowPartitionTypes) || rowPartitionTypes.length !== count || count === 0)
    throw new ArgumentError(
      `${op}: rowPartitionTypes must be an array as long as rowPartitionTensors (${count}, at least 1), received ${show(rowPartitionTypes)}`,
    );
  const types = rowPartitionTypes.map((t: unknown, i): PartitionType => {
    if (t !== 'FIRST_DIM_SIZE' && t !== 'VALUE_ROWIDS' && t !== 'ROW_SPLITS')
      throw new ArgumentError(
        `${op}: rowPartitionTypes[${i}] must be 'FIRST_DIM_SIZE', 'VALUE_ROWIDS' or 'ROW_SPLITS', received ${show(t)}`,
      );
    return t;
  });
  const ok =
    types[0] === 'FIRST_DIM_SIZE'
      ? types.slice(1).every((t) => t === 'VALUE_ROWIDS')
      : types.every((t) => t === 'ROW_SPLITS');
  if (!ok)
    throw new ArgumentError(
      `${op}: rowPartitionTypes must be 'FIRST_DIM_SIZE' then 'VALUE_ROWIDS' per level, or 'ROW_SPLITS' per level, received ${show(types)}`,
    );
  return types;
}

/**
 * Converts a ragged tensor to a dense one of `shape` (-1 entries, or a -1 scalar, take the ragged
 * tensor's own size), filling the holes with `defaultValue` and dropping what falls outside `shape`.
 * Rows come from `rowPartitionTensors` read by `rowPartitionTypes`: 'FIRST_DIM_SIZE' then 'VALUE_ROWIDS'
 * per level, or 'ROW_SPLITS' per level. Gradients flow to `values` and `defaultValue`.
 * @example
 * nr.raggedTensorToTensor([2, 3], [1, 2, 3], 0, [nr.tensor1d([0, 2, 3], 'int32')], ['ROW_SPLITS'])
 * // [[1, 2, 0], [3, 0, 0]]
 */
export function raggedTensorToTensor(
  shape: Operand,
  values: Operand,
  defaultValue: Operand,
  rowPartitionTensors: Tensor[],
  rowPartitionTypes: string[],
): Tensor {
  return tidy(() => toDense(shape, values, defaultValue, rowPartitionTensors, rowPartitionTypes));
}

function toDense(
  shape: Operand,
  values: Operand,
  defaultValue: Operand,
  rowPartitionTensors: Tensor[],
  rowPartitionTypes: string[],
): Tensor {
  const op = 'raggedTensorToTensor';
  const vt = toTensor(values, op, 'values');
  const dv = toTensor(defaultValue, op, 'defaultValue', vt.dtype);
  const sh = toTensorAs(shape, op, 'shape', 'int32');
  if (!Array.isArray(rowPartitionTensors))
    throw new ArgumentError(
      `${op}: rowPartitionTensors must be an array of int32 tensors, received ${show(rowPartitionTensors)}`,
    );
  const types = partitionTypes(op, rowPartitionTensors.length, rowPartitionTypes);
  const firstDim = types[0] === 'FIRST_DIM_SIZE';
  const parts = rowPartitionTensors.map((t, i) =>
    ints(op, `rowPartitionTensors[${i}]`, toTensorAs(t, op, `rowPartitionTensors[${i}]`, 'int32')),
  );
  const raggedRank = firstDim ? parts.length - 1 : parts.length;
  if (vt.rank < 1)
    throw new ShapeError(`${op}: values must have rank >= 1, received shape ${show(vt.shape)}`);
  const rank = raggedRank + vt.rank;
  const shapeValues = Array.from(ints(op, 'shape', sh));
  const wanted = sh.rank === 0 ? null : shapeValues;
  const badShape =
    sh.rank > 1 || (wanted === null ? shapeValues[0] !== -1 : wanted.length !== rank);
  if (badShape || raggedRank < 1)
    throw new ShapeError(
      `${op}: shape ${show(shapeValues)} and the ragged tensor of rank ${rank} (ragged rank ${raggedRank}, values shape ${show(vt.shape)}) are incompatible`,
    );
  // each level's entries: parent row and position in it; sizes[l] = number of rows at level l
  const outerRows = firstDim ? parts[0][0] : parts[0].length - 1;
  if (firstDim && (parts[0].length !== 1 || outerRows < 0))
    throw new ArgumentError(
      `${op}: FIRST_DIM_SIZE must be one non-negative number, received ${show(Array.from(parts[0]))}`,
    );
  const levels: Level[] = [];
  const sizes = [outerRows];
  for (let l = 0; l < raggedRank; l++) {
    const last = l + 1 === raggedRank;
    // entries at this level: the row ids' length, or the next level's row count (the values' at the end)
    let size: number;
    if (firstDim) size = parts[l + 1].length;
    else size = last ? vt.shape[0] : parts[l + 1].length - 1;
    if (last && size !== vt.shape[0])
      throw new ShapeError(
        `${op}: the last row partition describes ${size} values, but values has ${vt.shape[0]} (shape ${show(vt.shape)})`,
      );
    levels.push(
      firstDim ? levelFromRowIds(op, parts[l + 1], sizes[l]) : levelFromSplits(op, parts[l], size),
    );
    sizes.push(size);
  }
  // the dense shape: a -1 takes the ragged tensor's size (rows, or the longest row at that level)
  const outShape: number[] = [];
  for (let dim = 0; dim < rank; dim++) {
    const w = wanted === null ? -1 : wanted[dim];
    if (w >= 0) outShape.push(w);
    else if (w !== -1)
      throw new ShapeError(`${op}: shape entries must be -1 or >= 0, received ${show(wanted)}`);
    else if (dim === 0) outShape.push(outerRows);
    else if (dim <= raggedRank)
      outShape.push(levels[dim - 1].pos.reduce((m, p) => Math.max(m, p + 1), 0));
    else outShape.push(vt.shape[dim - raggedRank]);
  }
  for (let dim = raggedRank + 1; dim < rank; dim++)
    if (outShape[dim] !== vt.shape[dim - raggedRank])
      throw new ShapeError(
        `${op}: shape ${show(outShape)} and values shape ${show(vt.shape)} are incompatible in dimension ${dim}`,
      );
  // flat cell index (over the ragged dims) of every entry, level by level; -1 when it falls outside
  assertSize(op, 'shape', outShape);
  // outer rows map to themselves (or -1 past shape[0]); no array of outerRows entries is needed
  let cell: Int32Array | null = null;
  for (let l = 0; l < raggedRank; l++) {
    const { parent, pos } = levels[l];
    const width = outShape[l + 1];
    const next = new Int32Array(parent.length);
    for (let j = 0; j < parent.length; j++) {
      const r = parent[j];
      let p = -1;
      if (r >= 0) p = cell === null ? (r < outShape[0] ? r : -1) : cell[r];
      next[j] = p < 0 || pos[j] >= width ? -1 : p * width + pos[j];
    }
    cell = next;
  }
  const cells = outShape.slice(0, raggedRank + 1).reduce((a, b) => a * b, 1);
  if (cells > MAX_RANGE)
    throw new ShapeError(
      `${op}: shape ${show(outShape)} has ${cells} ragged cells, more than the int32 index limit ${MAX_RANGE}`,
    );
  // every dense cell reads one row of [values; default row]: its value, or the default (last row)
  const source = new Int32Array(cells).fill(vt.shape[0]);
  cell?.forEach((c, j) => {
    if (c >= 0) source[c] = j;
  });
  const inner = vt.shape.slice(1);
  const fill = ops.reshape(
    ops.broadcastTo(ops.cast(dv.size === 1 ? ops.reshape(dv, []) : dv, vt.dtype), inner),
    [1, ...inner],
  );
  const table = ops.concat([vt, fill], 0);
  const picked = ops.gather(table, ops.tensor(source, [cells], 'int32'), 0);
  return ops.reshape(picked, outShape);
}
