// randomGamma: Marsaglia and Tsang's rejection sampler, fed by the seeded randomNormal / randomUniform numbers
// (rounds of candidates until every element has an accepted sample), so a seed gives the same values everywhere.
import type { DType } from '../core/dtype.js';
import { ArgumentError, DTypeError, show } from '../core/errors.js';
import { sizeOf } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { tensor } from './creation.js';
import { hostDraw } from './random.js';

const MAX_ROUNDS = 64;

/**
 * Gamma(alpha, beta) samples (beta is the rate: mean alpha / beta), float32 or int32 (truncated).
 * @example nr.randomGamma([3], 2, 2, 'float32', 7) // three samples with mean 1
 */
export function randomGamma(
  shape: readonly number[],
  alpha: number,
  beta = 1,
  dtype: 'float32' | 'int32' = 'float32',
  seed?: number,
): Tensor {
  const op = 'randomGamma';
  if (!(typeof alpha === 'number' && alpha > 0 && Number.isFinite(alpha)))
    throw new ArgumentError(
      `${op}: alpha must be a positive finite number, received ${show(alpha)}`,
    );
  if (!(typeof beta === 'number' && beta > 0 && Number.isFinite(beta)))
    throw new ArgumentError(`${op}: beta must be a positive finite number, received ${show(beta)}`);
  const dt: DType = dtype ?? 'float32';
  if (dt !== 'float32' && dt !== 'int32')
    throw new DTypeError(`${op}: dtype must be 'float32' or 'int32', received ${show(dtype)}`);
  const n = sizeOf(shape);
  const out = new Float32Array(n);
  // alpha < 1: Gamma(alpha) = Gamma(alpha + 1) * U^(1/alpha)
  const a = alpha < 1 ? alpha + 1 : alpha;
  const d = a - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  const todo: number[] = Array.from({ length: n }, (_, i) => i);
  for (let round = 0; todo.length > 0; round++) {
    if (round >= MAX_ROUNDS)
      throw new ArgumentError(`${op}: the sampler did not converge for alpha ${show(alpha)}`);
    const s = seed === undefined ? undefined : seed + round * 7919;
    // randomNormal's and randomUniform's numbers, drawn in JS: the loop reads them all anyway
    const zv = hostDraw(op, todo.length, 'normal', 0, 1, s);
    const uv = hostDraw(op, todo.length, 'uniform', 0, 1, s === undefined ? undefined : s + 1);
    const wv =
      alpha < 1
        ? hostDraw(op, todo.length, 'uniform', 0, 1, s === undefined ? undefined : s + 2)
        : null;
    const rejected: number[] = [];
    todo.forEach((idx, k) => {
      const v = (1 + c * zv[k]) ** 3;
      if (v > 0 && Math.log(uv[k]) < 0.5 * zv[k] * zv[k] + d - d * v + d * Math.log(v)) {
        let g = d * v;
        if (wv) g *= wv[k] ** (1 / alpha);
        out[idx] = g / beta;
      } else rejected.push(idx);
    });
    todo.length = 0;
    todo.push(...rejected);
  }
  return dt === 'int32'
    ? tensor(Int32Array.from(out, Math.trunc), shape, 'int32')
    : tensor(out, shape, 'float32');
}
