// tf.linalg, composed from existing ops: bandPart and gramSchmidt (gradients come from the composition).
import type { TensorLike } from '../core/dtype.js';
import { ArgumentError, ShapeError, show } from '../core/errors.js';
import { tidy } from '../core/memory.js';
import { Tensor } from '../core/tensor.js';
import * as ops from './all.js';
import { toTensor } from './convert.js';

type Operand = Tensor | TensorLike;

/**
 * Keeps a band of each innermost matrix: entries with i - j <= numLower and j - i <= numUpper (a negative
 * bound keeps that whole triangle); the rest become 0.
 * @example nr.linalg.bandPart(x, 0, -1) // upper triangle
 */
export function bandPart(a: Operand, numLower: number | Tensor, numUpper: number | Tensor): Tensor {
  return tidy(() => {
    const at = toTensor(a, 'bandPart', 'a');
    if (at.rank < 2)
      throw new ShapeError(`bandPart: a must have rank >= 2, received shape ${show(at.shape)}`);
    const bound = (v: number | Tensor, arg: string): number => {
      const n = v instanceof Tensor ? v.dataSync()[0] : v;
      if (!Number.isInteger(n))
        throw new ArgumentError(`bandPart: ${arg} must be an integer, received ${show(n)}`);
      return n;
    };
    const lower = bound(numLower, 'numLower');
    const upper = bound(numUpper, 'numUpper');
    const [m, n] = at.shape.slice(-2);
    if (lower > m)
      throw new ArgumentError(
        `bandPart: numLower (${lower}) must not exceed the number of rows (${m})`,
      );
    if (upper > n)
      throw new ArgumentError(
        `bandPart: numUpper (${upper}) must not exceed the number of columns (${n})`,
      );
    const diff = ops.sub(
      ops.reshape(ops.range(0, m, 1, 'int32'), [m, 1]),
      ops.reshape(ops.range(0, n, 1, 'int32'), [1, n]),
    );
    const inLower = lower < 0 ? ops.fill([m, n], true, 'bool') : ops.lessEqual(diff, lower);
    const inUpper =
      upper < 0 ? ops.fill([m, n], true, 'bool') : ops.lessEqual(ops.neg(diff), upper);
    const keep = ops.logicalAnd(inLower, inUpper);
    return ops.where(keep, at, ops.zerosLike(at));
  });
}

/**
 * Orthonormalises vectors (Gram-Schmidt): a list of 1-D tensors, or the rows of a matrix, in order.
 * @example nr.linalg.gramSchmidt(nr.tensor2d([[1, 1], [1, -1]]))
 */
export function gramSchmidt(xs: Tensor[] | Tensor): Tensor[] | Tensor {
  const asMatrix = !Array.isArray(xs);
  return tidy(() => {
    const rows: Tensor[] = asMatrix ? ops.unstack(xs, 0) : xs;
    if (rows.length === 0) throw new ArgumentError('gramSchmidt: xs must not be empty');
    const dim = rows[0].shape[0];
    rows.forEach((r, i) => {
      if (r.rank !== 1 || r.shape[0] !== dim)
        throw new ShapeError(
          `gramSchmidt: Non-unique vector lengths: every vector must have shape [${dim}], received ${show(r.shape)} at ${i}`,
        );
    });
    if (rows.length > dim)
      throw new ArgumentError(
        `gramSchmidt: Number of vectors (${rows.length}) exceeds number of dimensions (${dim}): they cannot all be orthonormal`,
      );
    const out: Tensor[] = [];
    for (const r of rows) {
      let v = r;
      for (const q of out) v = ops.sub(v, ops.mul(ops.sum(ops.mul(v, q)), q));
      out.push(ops.div(v, ops.norm(v, 'euclidean')));
    }
    return asMatrix ? ops.stack(out, 0) : out;
  });
}

/** tf.linalg: bandPart, gramSchmidt. @example nr.linalg.bandPart(x, 0, -1) */
export const linalg = { bandPart, gramSchmidt };
