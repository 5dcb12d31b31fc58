// Non-maximum suppression (tf.image.nonMaxSuppression and its variants): greedy selection of boxes by
// score, dropping those that overlap a selected one; soft-NMS decays overlapping scores instead.
import type { TensorLike } from '../core/dtype.js';
import { ArgumentError, ShapeError, show } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import * as ops from './all.js';
import { toTensor } from './convert.js';

type Operand = Tensor | TensorLike;

/** Intersection over union of boxes i and j ([y1, x1, y2, x2], corners in any order). */
function iou(b: ArrayLike<number>, i: number, j: number): number {
  const [ay1, ay2] = [Math.min(b[4 * i], b[4 * i + 2]), Math.max(b[4 * i], b[4 * i + 2])];
  const [ax1, ax2] = [Math.min(b[4 * i + 1], b[4 * i + 3]), Math.max(b[4 * i + 1], b[4 * i + 3])];
  const [by1, by2] = [Math.min(b[4 * j], b[4 * j + 2]), Math.max(b[4 * j], b[4 * j + 2])];
  const [bx1, bx2] = [Math.min(b[4 * j + 1], b[4 * j + 3]), Math.max(b[4 * j + 1], b[4 * j + 3])];
  const areaA = (ay2 - ay1) * (ax2 - ax1);
  const areaB = (by2 - by1) * (bx2 - bx1);
  if (areaA <= 0 || areaB <= 0) return 0;
  const inter =
    Math.max(Math.min(ay2, by2) - Math.max(ay1, by1), 0) *
    Math.max(Math.min(ax2, bx2) - Math.max(ax1, bx1), 0);
  return inter / (areaA + areaB - inter);
}

interface Candidate {
  score: number;
  index: number;
  /** Selected boxes before this position were already compared with this candidate. */
  checkedUpTo: number;
}

/** boxes and scores as checked tensors, with the function that frees what the conversion made. */
function inputs(
  op: string,
  boxes: Operand,
  scores: Operand,
  maxOutputSize: number,
  iouThreshold: number,
): { bt: Tensor; st: Tensor; free: () => void } {
  const bt = toTensor(boxes, op, 'boxes');
  const st = toTensor(scores, op, 'scores');
  const free = () => {
    if (bt !== boxes) bt.dispose();
    if (st !== scores) st.dispose();
  };
  try {
    if (bt.rank !== 2 || bt.shape[1] !== 4)
      throw new ShapeError(
        `${op}: boxes must have shape [numBoxes, 4], received ${show(bt.shape)}`,
      );
    if (st.rank !== 1 || st.shape[0] !== bt.shape[0])
      throw new ShapeError(
        `${op}: scores must have shape [${bt.shape[0]}], received ${show(st.shape)}`,
      );
    if (!Number.isInteger(maxOutputSize) || maxOutputSize < 0)
      throw new ArgumentError(
        `${op}: maxOutputSize must be a non-negative integer, received ${show(maxOutputSize)}`,
      );
    if (!(iouThreshold >= 0 && iouThreshold <= 1))
      throw new ArgumentError(
        `${op}: iouThreshold must be in [0, 1], received ${show(iouThreshold)}`,
      );
  } catch (e) {
    free();
    throw e;
  }
  return { bt, st, free };
}

/** Options of the selection, after the boxes and scores. */
type Limits = [
  maxOutputSize: number,
  iouThreshold: number,
  scoreThreshold: number,
  softNmsSigma: number,
];

/** The selection on the values read synchronously (webgpu: only tensors made from JS values). */
function select(op: string, boxes: Operand, scores: Operand, ...limits: Limits): Selection {
  const { bt, st, free } = inputs(op, boxes, scores, limits[0], limits[1]);
  try {
    return selectFrom(bt.dataSync(), st.dataSync(), ...limits);
  } finally {
    free();
  }
}

/** The selection on values read with await data(): the async variants run on every backend. */
async function selectAsync(
  op: string,
  boxes: Operand,
  scores: Operand,
  ...limits: Limits
): Promise<Selection> {
  const { bt, st, free } = inputs(op, boxes, scores, limits[0], limits[1]);
  try {
    const [b, s] = await Promise.all([bt.data(), st.data()]);
    return selectFrom(b, s, ...limits);
  } finally {
    free();
  }
}

/** Selected indices and their (possibly decayed) scores. */
interface Selection {
  indices: number[];
  scores: number[];
}

/** The selection itself, on host values of boxes [n, 4] and scores [n]. */
function selectFrom(
  b: ArrayLike<number>,
  s: ArrayLike<number>,
  maxOutputSize: number,
  iouThreshold: number,
  scoreThreshold: number,
  softNmsSigma: number,
): Selection {
  const scale = softNmsSigma > 0 ? -0.5 / softNmsSigma : 0;
  const queue: Candidate[] = [];
  for (let i = 0; i < s.length; i++)
    if (s[i] > scoreThreshold) queue.push({ score: s[i], index: i, checkedUpTo: 0 });
  const better = (a: Candidate, c: Candidate) =>
    a.score > c.score || (a.score === c.score && a.index < c.index);
  const out: Selection = { indices: [], scores: [] };
  while (out.indices.length < maxOutputSize && queue.length > 0) {
    let best = 0;
    for (let k = 1; k < queue.length; k++) if (better(queue[k], queue[best])) best = k;
    const c = queue.splice(best, 1)[0];
    const original = c.score;
    if (original < scoreThreshold) break;
    let suppressed = false;
    for (let j = c.checkedUpTo; j < out.indices.length; j++) {
      const overlap = iou(b, c.index, out.indices[j]);
      if (overlap >= iouThreshold) {
        suppressed = true;
        break;
      }
      c.score *= Math.exp(scale * overlap * overlap);
      if (c.score <= scoreThreshold) break;
    }
    c.checkedUpTo = out.indices.length;
    if (suppressed) continue;
    if (c.score === original) {
      out.indices.push(c.index);
      out.scores.push(c.score);
    } else if (c.score > scoreThreshold) queue.push(c);
  }
  return out;
}

/** The int32 indices tensor of a selection. */
const indicesOf = (r: Selection): Tensor => ops.tensor(r.indices, [r.indices.length], 'int32');

/** Indices and scores of a selection. */
const withScores = (r: Selection) => ({
  selectedIndices: indicesOf(r),
  selectedScores: ops.tensor(r.scores, [r.scores.length]),
});

/** Indices padded with zeros to maxOutputSize when asked, and the count of real ones. */
function padded(r: Selection, maxOutputSize: number, pad: boolean) {
  const n = r.indices.length;
  const indices = pad ? [...r.indices, ...new Array<number>(maxOutputSize - n).fill(0)] : r.indices;
  return {
    selectedIndices: ops.tensor(indices, [indices.length], 'int32'),
    validOutputs: ops.scalar(n, 'int32'),
  };
}

/**
 * Indices (int32) of at most maxOutputSize boxes, by decreasing score, none overlapping a better one by
 * iouThreshold or more; boxes scoring scoreThreshold or less are dropped.
 * @example nr.image.nonMaxSuppression(boxes, scores, 10, 0.5)
 */
export function nonMaxSuppression(
  boxes: Operand,
  scores: Operand,
  maxOutputSize: number,
  iouThreshold = 0.5,
  scoreThreshold = Number.NEGATIVE_INFINITY,
): Tensor {
  const limits: Limits = [maxOutputSize, iouThreshold, scoreThreshold, 0];
  return indicesOf(select('nonMaxSuppression', boxes, scores, ...limits));
}

/**
 * nonMaxSuppression, as a promise (tfjs's async variant): it reads boxes and scores with await data(),
 * so it works on boxes computed on the GPU.
 * @example await nr.image.nonMaxSuppressionAsync(boxes, scores, 10)
 */
export async function nonMaxSuppressionAsync(
  boxes: Operand,
  scores: Operand,
  maxOutputSize: number,
  iouThreshold = 0.5,
  scoreThreshold = Number.NEGATIVE_INFINITY,
): Promise<Tensor> {
  const limits: Limits = [maxOutputSize, iouThreshold, scoreThreshold, 0];
  return indicesOf(await selectAsync('nonMaxSuppressionAsync', boxes, scores, ...limits));
}

/**
 * Soft-NMS: overlapping scores decay by exp(-iou^2 / (2 sigma)) instead of being dropped; returns the
 * selected indices and their scores.
 * @example const { selectedIndices, selectedScores } = nr.image.nonMaxSuppressionWithScore(boxes, scores, 10, 0.5, 0, 0.5)
 */
export function nonMaxSuppressionWithScore(
  boxes: Operand,
  scores: Operand,
  maxOutputSize: number,
  iouThreshold = 0.5,
  scoreThreshold = Number.NEGATIVE_INFINITY,
  softNmsSigma = 0,
): { selectedIndices: Tensor; selectedScores: Tensor } {
  const limits: Limits = [maxOutputSize, iouThreshold, scoreThreshold, softNmsSigma];
  return withScores(select('nonMaxSuppressionWithScore', boxes, scores, ...limits));
}

/** nonMaxSuppressionWithScore, as a promise (reads with await data()). @example await nr.image.nonMaxSuppressionWithScoreAsync(boxes, scores, 10) */
export async function nonMaxSuppressionWithScoreAsync(
  boxes: Operand,
  scores: Operand,
  maxOutputSize: number,
  iouThreshold = 0.5,
  scoreThreshold = Number.NEGATIVE_INFINITY,
  softNmsSigma = 0,
): Promise<{ selectedIndices: Tensor; selectedScores: Tensor }> {
  const limits: Limits = [maxOutputSize, iouThreshold, scoreThreshold, softNmsSigma];
  return withScores(await selectAsync('nonMaxSuppressionWithScoreAsync', boxes, scores, ...limits));
}

/**
 * nonMaxSuppression whose indices are padded with zeros to maxOutputSize when padToMaxOutputSize;
 * validOutputs says how many are real.
 * @example const { selectedIndices, validOutputs } = nr.image.nonMaxSuppressionPadded(boxes, scores, 5, 0.5, 0, true)
 */
export function nonMaxSuppressionPadded(
  boxes: Operand,
  scores: Operand,
  maxOutputSize: number,
  iouThreshold = 0.5,
  scoreThreshold = Number.NEGATIVE_INFINITY,
  padToMaxOutputSize = false,
): { selectedIndices: Tensor; validOutputs: Tensor } {
  const limits: Limits = [maxOutputSize, iouThreshold, scoreThreshold, 0];
  const r = select('nonMaxSuppressionPadded', boxes, scores, ...limits);
  return padded(r, maxOutputSize, padToMaxOutputSize);
}

/** nonMaxSuppressionPadded, as a promise (reads with await data()). @example await nr.image.nonMaxSuppressionPaddedAsync(boxes, scores, 5) */
export async function nonMaxSuppressionPaddedAsync(
  boxes: Operand,
  scores: Operand,
  maxOutputSize: number,
  iouThreshold = 0.5,
  scoreThreshold = Number.NEGATIVE_INFINITY,
  padToMaxOutputSize = false,
): Promise<{ selectedIndices: Tensor; validOutputs: Tensor }> {
  const limits: Limits = [maxOutputSize, iouThreshold, scoreThreshold, 0];
  const r = await selectAsync('nonMaxSuppressionPaddedAsync', boxes, scores, ...limits);
  return padded(r, maxOutputSize, padToMaxOutputSize);
}
