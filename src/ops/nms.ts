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

/** The selection itself, on host values: selected indices and their (possibly decayed) scores. */
function select(
  op: string,
  boxes: Operand,
  scores: Operand,
  maxOutputSize: number,
  iouThreshold: number,
  scoreThreshold: number,
  softNmsSigma: number,
): { indices: number[]; scores: number[] } {
  const bt = toTensor(boxes, op, 'boxes');
  const st = toTensor(scores, op, 'scores');
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
    const b = bt.dataSync();
    const s = st.dataSync();
    const scale = softNmsSigma > 0 ? -0.5 / softNmsSigma : 0;
    const queue: Candidate[] = [];
    for (let i = 0; i < s.length; i++)
      if (s[i] > scoreThreshold) queue.push({ score: s[i], index: i, checkedUpTo: 0 });
    const better = (a: Candidate, c: Candidate) =>
      a.score > c.score || (a.score === c.score && a.index < c.index);
    const out = { indices: [] as number[], scores: [] as number[] };
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
  } finally {
    if (bt !== boxes) bt.dispose();
    if (st !== scores) st.dispose();
  }
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
  const r = select(
    'nonMaxSuppression',
    boxes,
    scores,
    maxOutputSize,
    iouThreshold,
    scoreThreshold,
    0,
  );
  return ops.tensor(r.indices, [r.indices.length], 'int32');
}

/** nonMaxSuppression, as a promise (tfjs's async variant). @example await nr.image.nonMaxSuppressionAsync(boxes, scores, 10) */
export async function nonMaxSuppressionAsync(
  boxes: Operand,
  scores: Operand,
  maxOutputSize: number,
  iouThreshold = 0.5,
  scoreThreshold = Number.NEGATIVE_INFINITY,
): Promise<Tensor> {
  return nonMaxSuppression(boxes, scores, maxOutputSize, iouThreshold, scoreThreshold);
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
  const r = select(
    'nonMaxSuppressionWithScore',
    boxes,
    scores,
    maxOutputSize,
    iouThreshold,
    scoreThreshold,
    softNmsSigma,
  );
  return {
    selectedIndices: ops.tensor(r.indices, [r.indices.length], 'int32'),
    selectedScores: ops.tensor(r.scores, [r.scores.length]),
  };
}

/** nonMaxSuppressionWithScore, as a promise. @example await nr.image.nonMaxSuppressionWithScoreAsync(boxes, scores, 10) */
export async function nonMaxSuppressionWithScoreAsync(
  boxes: Operand,
  scores: Operand,
  maxOutputSize: number,
  iouThreshold = 0.5,
  scoreThreshold = Number.NEGATIVE_INFINITY,
  softNmsSigma = 0,
): Promise<{ selectedIndices: Tensor; selectedScores: Tensor }> {
  return nonMaxSuppressionWithScore(
    boxes,
    scores,
    maxOutputSize,
    iouThreshold,
    scoreThreshold,
    softNmsSigma,
  );
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
  const r = select(
    'nonMaxSuppressionPadded',
    boxes,
    scores,
    maxOutputSize,
    iouThreshold,
    scoreThreshold,
    0,
  );
  const n = r.indices.length;
  const indices = padToMaxOutputSize
    ? [...r.indices, ...new Array<number>(maxOutputSize - n).fill(0)]
    : r.indices;
  return {
    selectedIndices: ops.tensor(indices, [indices.length], 'int32'),
    validOutputs: ops.scalar(n, 'int32'),
  };
}

/** nonMaxSuppressionPadded, as a promise. @example await nr.image.nonMaxSuppressionPaddedAsync(boxes, scores, 5) */
export async function nonMaxSuppressionPaddedAsync(
  boxes: Operand,
  scores: Operand,
  maxOutputSize: number,
  iouThreshold = 0.5,
  scoreThreshold = Number.NEGATIVE_INFINITY,
  padToMaxOutputSize = false,
): Promise<{ selectedIndices: Tensor; validOutputs: Tensor }> {
  return nonMaxSuppressionPadded(
    boxes,
    scores,
    maxOutputSize,
    iouThreshold,
    scoreThreshold,
    padToMaxOutputSize,
  );
}
