// tfjs's rank-suffixed names (concat1d, slice2d, reverse3d, pad4d, batchNorm2d...): the general ops, same semantics.
import type { TensorLike } from '../core/dtype.js';
import { ShapeError, show } from '../core/errors.js';
import { tidy } from '../core/memory.js';
import type { Tensor } from '../core/tensor.js';
import { toTensor } from './convert.js';
import { concat, pad, reverse, slice } from './movement.js';
import { batchNorm } from './nn.js';

type Operand = Tensor | TensorLike;

/** Runs `f` on x after checking x's rank: the suffix of a ranked name is a promise about its input. */
function ofRank(op: string, rank: number, x: Operand, f: (t: Tensor) => Tensor): Tensor {
  return tidy(() => {
    const t = toTensor(x, op, 'x');
    if (t.rank !== rank)
      throw new ShapeError(
        `${op}: expects a rank-${rank} tensor, but got a rank-${t.rank} tensor (shape ${show(t.shape)})`,
      );
    return f(t);
  });
}

/** concat of rank-1 tensors. @example nr.concat1d([a, b]) */
export const concat1d = (tensors: readonly Operand[]): Tensor => concat(tensors, 0);
/** concat of rank-2 tensors. @example nr.concat2d([a, b], 1) */
export const concat2d = (tensors: readonly Operand[], axis = 0): Tensor => concat(tensors, axis);
/** concat of rank-3 tensors. @example nr.concat3d([a, b], 2) */
export const concat3d = (tensors: readonly Operand[], axis = 0): Tensor => concat(tensors, axis);
/** concat of rank-4 tensors. @example nr.concat4d([a, b], 3) */
export const concat4d = (tensors: readonly Operand[], axis = 0): Tensor => concat(tensors, axis);

/** slice of a rank-1 tensor. @example nr.slice1d(x, 1, 2) */
export const slice1d = (x: Operand, begin: number, size: number): Tensor =>
  ofRank('slice1d', 1, x, (t) => slice(t, [begin], [size]));
/** slice of a rank-2 tensor. @example nr.slice2d(x, [0, 1], [2, 2]) */
export const slice2d = (x: Operand, begin: readonly number[], size: readonly number[]): Tensor =>
  ofRank('slice2d', 2, x, (t) => slice(t, begin, size));
/** slice of a rank-3 tensor. @example nr.slice3d(x, [0, 0, 1], [1, 2, 2]) */
export const slice3d = (x: Operand, begin: readonly number[], size: readonly number[]): Tensor =>
  ofRank('slice3d', 3, x, (t) => slice(t, begin, size));
/** slice of a rank-4 tensor. @example nr.slice4d(x, [0, 0, 0, 1], [1, 1, 2, 2]) */
export const slice4d = (x: Operand, begin: readonly number[], size: readonly number[]): Tensor =>
  ofRank('slice4d', 4, x, (t) => slice(t, begin, size));

/** reverse of a rank-1 tensor. @example nr.reverse1d(x) */
export const reverse1d = (x: Operand): Tensor => ofRank('reverse1d', 1, x, (t) => reverse(t));
/** reverse of a rank-2 tensor. @example nr.reverse2d(x, 1) */
export const reverse2d = (x: Operand, axis?: number | readonly number[]): Tensor =>
  ofRank('reverse2d', 2, x, (t) => reverse(t, axis));
/** reverse of a rank-3 tensor. @example nr.reverse3d(x, [0, 2]) */
export const reverse3d = (x: Operand, axis?: number | readonly number[]): Tensor =>
  ofRank('reverse3d', 3, x, (t) => reverse(t, axis));
/** reverse of a rank-4 tensor. @example nr.reverse4d(x, 3) */
export const reverse4d = (x: Operand, axis?: number | readonly number[]): Tensor =>
  ofRank('reverse4d', 4, x, (t) => reverse(t, axis));

/** pad of a rank-1 tensor (tfjs: one [before, after] pair). @example nr.pad1d(x, [1, 2]) */
export const pad1d = (x: Operand, paddings: readonly [number, number], constantValue = 0): Tensor =>
  pad(x, [paddings], constantValue);
/** pad of a rank-2 tensor. @example nr.pad2d(x, [[1, 1], [0, 2]]) */
export const pad2d = (
  x: Operand,
  paddings: readonly (readonly [number, number])[],
  constantValue = 0,
): Tensor => pad(x, paddings, constantValue);
/** pad of a rank-3 tensor. @example nr.pad3d(x, [[0, 0], [1, 1], [0, 2]]) */
export const pad3d = pad2d;
/** pad of a rank-4 tensor. @example nr.pad4d(x, [[0, 0], [1, 1], [1, 1], [0, 0]]) */
export const pad4d = pad2d;

type BatchNormFn = (
  x: Operand,
  mean: Operand,
  variance: Operand,
  offset?: Operand | null,
  scale?: Operand | null,
  varianceEpsilon?: number,
) => Tensor;
/** batchNorm of a rank-2 input. @example nr.batchNorm2d(x, mean, variance) */
export const batchNorm2d: BatchNormFn = (x, m, v, o, s, e) => batchNorm(x, m, v, o, s, e);
/** batchNorm of a rank-3 input. @example nr.batchNorm3d(x, mean, variance, offset, scale) */
export const batchNorm3d: BatchNormFn = batchNorm2d;
/** batchNorm of a rank-4 input. @example nr.batchNorm4d(x, mean, variance, offset, scale, 1e-3) */
export const batchNorm4d: BatchNormFn = batchNorm2d;
