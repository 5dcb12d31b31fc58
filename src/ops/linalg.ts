// tf.linalg, composed from existing ops: bandPart, gramSchmidt and qr (gradients come from the composition).
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

/**
 * One Householder step on column j of every matrix in the batch: R <- H R and Q <- Q H, with
 * H = I - tau w wᵀ mapping R[j:, j] onto s·|R[j:, j]|·e_j, s = -1 when R[j, j] > 0 and +1 otherwise
 * (tfjs' sign convention, so results match it). A zero column leaves both unchanged (tau = 0).
 */
function householderStep(r: Tensor, q: Tensor, j: number): [Tensor, Tensor] {
  const [b, m] = r.shape;
  const col = ops.slice(r, [0, j, j], [b, m - j, 1]);
  const norm = ops.sqrt(ops.sum(ops.square(col), 1, true));
  const x0 = ops.slice(r, [0, j, j], [b, 1, 1]);
  const s = ops.where(ops.greater(x0, 0), ops.fill([b, 1, 1], -1), ops.ones([b, 1, 1]));
  const u1 = ops.sub(x0, ops.mul(s, norm));
  // where() picks a safe divisor, so a zero column yields tau = 0 and no NaN in values or gradients
  const zero = ops.equal(norm, 0);
  const one = ops.ones([b, 1, 1]);
  const u1Safe = ops.where(zero, one, u1);
  const tau = ops.where(
    zero,
    ops.zeros([b, 1, 1]),
    ops.div(ops.neg(ops.mul(s, u1)), ops.where(zero, one, norm)),
  );
  const tail = ops.div(ops.slice(col, [0, 1, 0], [b, m - j - 1, 1]), u1Safe);
  const w = ops.concat([ops.zeros([b, j, 1]), one, tail], 1);
  const tw = ops.mul(tau, w);
  const r2 = ops.sub(r, ops.matMul(tw, ops.matMul(w, r, true, false)));
  const q2 = ops.sub(q, ops.matMul(ops.matMul(q, w), tw, false, true));
  return [r2, q2];
}

/**
 * QR decomposition of each innermost matrix by Householder reflections: x = q · r with q orthonormal
 * columns and r upper triangular. For an m×n matrix, q is m×m and r m×n when `fullMatrices` or m <= n,
 * else q is m×n and r n×n. Same signs as tfjs; gradients flow through the composition.
 * @example const [q, r] = nr.linalg.qr(nr.tensor2d([[1, 2], [3, 4]]));
 */
export function qr(x: Operand, fullMatrices = false): [Tensor, Tensor] {
  const xt = toTensor(x, 'qr', 'x');
  if (xt.rank < 2)
    throw new ShapeError(
      `qr: x must have rank >= 2, got rank ${xt.rank} (shape ${show(xt.shape)})`,
    );
  if (typeof fullMatrices !== 'boolean')
    throw new ArgumentError(`qr: fullMatrices must be a boolean, received ${show(fullMatrices)}`);
  return tidy(() => {
    const outer = xt.shape.slice(0, -2);
    const [m, n] = xt.shape.slice(-2);
    const b = outer.reduce((a, c) => a * c, 1);
    let r = ops.reshape(ops.cast(xt, 'float32'), [b, m, n]);
    let q = ops.broadcastTo(ops.reshape(ops.eye(m), [1, m, m]), [b, m, m]);
    for (let j = 0; j < Math.min(m, n); j++) [r, q] = householderStep(r, q, j);
    // what lies below the diagonal is rounding noise: make it exactly zero
    r = bandPart(r, 0, -1);
    if (!fullMatrices && m > n) {
      q = ops.slice(q, [0, 0, 0], [b, m, n]);
      r = ops.slice(r, [0, 0, 0], [b, n, n]);
    }
    const qCols = q.shape[2];
    const rRows = r.shape[1];
    return [ops.reshape(q, [...outer, m, qCols]), ops.reshape(r, [...outer, rRows, n])];
  });
}

/** tf.linalg: bandPart, gramSchmidt, qr. @example nr.linalg.bandPart(x, 0, -1) */
export const linalg = { bandPart, gramSchmidt, qr };
