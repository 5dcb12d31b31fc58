// Random ops over the counter-based generator: uniform, normal, truncated normal, multinomial.
// Same seed, same numbers on every backend: a draw is a pure function of (seed, counter, element index).
import type { DType, TensorLike } from '../core/dtype.js';
import { ENGINE } from '../core/engine.js';
import { ArgumentError, DTypeError, ShapeError, show } from '../core/errors.js';
import { tidy } from '../core/memory.js';
import { one, type RuleTable } from '../core/primitives.js';
import { assertShape, sizeOf } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import type { RandomDist, RandomSpec } from '../backends/backend.js';
import { fillRandom } from '../core/random.js';
import { toTensor } from './convert.js';
import { softmax } from './nn.js';

type Operand = Tensor | TensorLike;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * The seed as the generator takes it: null and undefined mean "no seed"; a finite non-integer (tfjs
 * accepts any number) becomes an integer made from all its bits, so different seeds stay different.
 */
function normalizeSeed(op: string, seed: number | null | undefined): number | undefined {
  if (seed === undefined || seed === null) return undefined;
  if (typeof seed !== 'number' || !Number.isFinite(seed))
    throw new ArgumentError(`${op}: seed must be a finite number, received ${show(seed)}`);
  if (Number.isSafeInteger(seed)) return seed;
  const bits = new DataView(new ArrayBuffer(8));
  bits.setFloat64(0, seed);
  return (bits.getUint32(0) ^ Math.imul(bits.getUint32(4), 0x9e3779b1)) >>> 1;
}

function checkFinite(op: string, arg: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new ArgumentError(`${op}: ${arg} must be a finite number, received ${show(v)}`);
  return v;
}

function floatOrInt(op: string, dtype: unknown): 'float32' | 'float16' | 'int32' {
  // tfjs passes null for "the default dtype"
  if (dtype === null) return 'float32';
  if (dtype === 'float32' || dtype === 'float16' || dtype === 'int32') return dtype;
  throw new DTypeError(
    `${op}: dtype must be 'float32', 'float16' or 'int32', received ${show(dtype)}`,
  );
}

/**
 * One draw of `sizeOf(shape)` values. With a seed the counter starts at 0 (the same call repeats its numbers);
 * without one the global seed is used and the global counter moves past the values drawn.
 */
function draw(
  op: string,
  shapeIn: readonly number[],
  dist: RandomDist,
  a: number,
  b: number,
  dtype: DType,
  seedIn: number | null | undefined,
): Tensor {
  const shape = assertShape(op, 'shape', shapeIn);
  const spec = nextSpec(op, sizeOf(shape), dist, a, b, seedIn);
  return ENGINE.run1('random', [], { spec, shape, dtype });
}

/** The spec of the next draw of n values, moving the global counter past them when there is no seed. */
function nextSpec(
  op: string,
  n: number,
  dist: RandomDist,
  a: number,
  b: number,
  seedIn: number | null | undefined,
): RandomSpec {
  const seed = normalizeSeed(op, seedIn);
  const spec = {
    dist,
    seed: seed ?? ENGINE.randomSeed,
    counter: seed === undefined ? ENGINE.randomCounter : 0,
    a,
    b,
  };
  if (seed === undefined) ENGINE.randomCounter += n;
  return spec;
}

/**
 * The values `draw` would put in a tensor, computed here in JS (the same Philox numbers every backend
 * makes): for samplers that consume their draws on the host (randomGamma's rejection loop), so they need
 * no synchronous read of the device, which webgpu cannot do.
 * @example hostDraw('randomGamma', 4, 'normal', 0, 1, 7) // the values of randomNormal([4], 0, 1, 'float32', 7)
 */
export function hostDraw(
  op: string,
  n: number,
  dist: RandomDist,
  a: number,
  b: number,
  seedIn: number | null | undefined,
): Float32Array {
  const out = new Float32Array(n);
  fillRandom(nextSpec(op, n, dist, a, b, seedIn), out);
  return out;
}

/**
 * Uniform values in [minval, maxval). With dtype 'int32', integers floor-drawn from [minval, maxval);
 * with 'bool', the float32 draw cast to bool (true where nonzero).
 * @example nr.randomUniform([2, 3], -1, 1)
 * @example nr.randomUniform([5], 0, 10, 'int32', 42)
 */
export function randomUniform(
  shape: readonly number[],
  minval = 0,
  maxval = 1,
  dtype: DType | null = 'float32',
  seed?: number | null,
): Tensor {
  const op = 'randomUniform';
  checkFinite(op, 'minval', minval);
  checkFinite(op, 'maxval', maxval);
  if (!(minval < maxval))
    throw new ArgumentError(
      `${op}: minval must be less than maxval, received minval=${show(minval)}, maxval=${show(maxval)}`,
    );
  // bool (tfjs accepts it): the float32 draw cast to bool as nr.cast does, nonzero → true
  if (dtype === 'bool')
    return tidy(() => draw(op, shape, 'uniform', minval, maxval, 'float32', seed).cast('bool'));
  const dt = floatOrInt(op, dtype);
  // float16: the float32 draw rounded to binary16 (by the engine)
  if (dt !== 'int32') return draw(op, shape, 'uniform', minval, maxval, dt, seed);
  if (
    !Number.isInteger(minval) ||
    !Number.isInteger(maxval) ||
    minval < INT32_MIN ||
    maxval > INT32_MAX + 1
  ) {
    throw new ArgumentError(
      `${op}: int32 bounds must be int32 integers, received minval=${show(minval)}, maxval=${show(maxval)}`,
    );
  }
  const range = maxval - minval;
  if (range > INT32_MAX)
    throw new ArgumentError(
      `${op}: maxval - minval must be at most 2^31 - 1 for int32, received ${range}`,
    );
  // NOTE: uniforms carry 24 bits, so ranges wider than 2^24 reach only some of their integers.
  // Values in [0, range) are cast (truncation = floor for non-negative values), then shifted in int32.
  if (minval === 0) return draw(op, shape, 'uniform', 0, range, 'int32', seed);
  return tidy(() =>
    draw(op, shape, 'uniform', 0, range, 'int32', seed).add(
      toTensor(minval, op, 'minval', 'int32'),
    ),
  );
}

/**
 * Uniform int32 values in [minval, maxval) (tfjs' randomUniformInt).
 * @example nr.randomUniformInt([4], 0, 6, 1) // dice
 */
export function randomUniformInt(
  shape: readonly number[],
  minval: number,
  maxval: number,
  seed?: number | null,
): Tensor {
  return randomUniform(shape, minval, maxval, 'int32', seed);
}

function normalLike(
  op: string,
  dist: RandomDist,
  shape: readonly number[],
  mean: number,
  stdDev: number,
  dtype: DType | null,
  seed: number | null | undefined,
): Tensor {
  const dt = floatOrInt(op, dtype);
  checkFinite(op, 'mean', mean);
  checkFinite(op, 'stdDev', stdDev);
  if (stdDev < 0) throw new ArgumentError(`${op}: stdDev must be >= 0, received ${show(stdDev)}`);
  if (dt !== 'int32') return draw(op, shape, dist, mean, stdDev, dt, seed);
  // int32 rounds to the nearest integer, as tfjs does
  return tidy(() => draw(op, shape, dist, mean, stdDev, 'float32', seed).round().cast('int32'));
}

/**
 * Normal values (Box–Muller over Philox).
 * @example nr.randomNormal([3, 3], 0, 0.05, 'float32', 7)
 */
export function randomNormal(
  shape: readonly number[],
  mean = 0,
  stdDev = 1,
  dtype: DType | null = 'float32',
  seed?: number | null,
): Tensor {
  return normalLike('randomNormal', 'normal', shape, mean, stdDev, dtype, seed);
}

/**
 * Standard normal values (mean 0, stddev 1).
 * @example nr.randomStandardNormal([4])
 */
export function randomStandardNormal(
  shape: readonly number[],
  dtype: DType | null = 'float32',
  seed?: number | null,
): Tensor {
  return normalLike('randomStandardNormal', 'normal', shape, 0, 1, dtype, seed);
}

/**
 * Normal values truncated to within 2 standard deviations of the mean (inverse CDF, no resampling).
 * @example nr.truncatedNormal([784, 128], 0, 0.05)
 */
export function truncatedNormal(
  shape: readonly number[],
  mean = 0,
  stdDev = 1,
  dtype: DType | null = 'float32',
  seed?: number | null,
): Tensor {
  return normalLike('truncatedNormal', 'truncatedNormal', shape, mean, stdDev, dtype, seed);
}

/**
 * Draws `numSamples` class indices per row from logits [batch, k] (or [k]); `normalized` means the input
 * already holds probabilities. Returns int32 [batch, numSamples] (or [numSamples] for 1-D logits).
 * Composed from ops (softmax, cumsum, comparisons), so it never reads tensor values.
 * @example nr.multinomial(nr.tensor([[0, 0, 5]]), 10, 3) // mostly 2s
 */
export function multinomial(
  logits: Operand,
  numSamples: number,
  seed?: number | null,
  normalized = false,
): Tensor {
  // inside tidy, so logits converted from arrays are freed with the intermediates
  return tidy(() =>
    sampleClasses(toTensor(logits, 'multinomial', 'logits'), numSamples, seed, normalized),
  );
}

function sampleClasses(
  lt: Tensor,
  numSamples: number,
  seed: number | null | undefined,
  normalized: boolean,
): Tensor {
  const op = 'multinomial';
  if (lt.rank !== 1 && lt.rank !== 2)
    throw new ShapeError(
      `${op}: logits must be rank 1 or 2, received rank ${lt.rank} (shape ${show(lt.shape)})`,
    );
  if (lt.dtype === 'bool') throw new DTypeError(`${op}: logits must be numeric, received 'bool'`);
  if (!Number.isInteger(numSamples) || numSamples < 0)
    throw new ArgumentError(
      `${op}: numSamples must be a non-negative integer, received ${show(numSamples)}`,
    );
  if (typeof normalized !== 'boolean')
    throw new ArgumentError(`${op}: normalized must be a boolean, received ${show(normalized)}`);
  const seedN = normalizeSeed(op, seed);
  const k = lt.shape[lt.rank - 1];
  if (k < 1)
    throw new ArgumentError(
      `${op}: logits need at least one outcome, received shape ${show(lt.shape)}`,
    );
  const batch = lt.rank === 1 ? 1 : lt.shape[0];
  const u = randomUniform([batch, numSamples, 1], 0, 1, 'float32', seedN);
  const x = lt.cast('float32').reshape([batch, k]);
  const probs = normalized ? x : softmax(x, -1);
  // Edges of the cumulative distribution, scaled so the last one is exactly 1 (u < 1 stays inside).
  const cdf = probs.cumsum(1);
  const edges = cdf.div(cdf.slice([0, k - 1], [batch, 1])).reshape([batch, 1, k]);
  // The sample is the number of edges at or below u: outcome j when edge[j-1] <= u < edge[j].
  const idx = u
    .greaterEqual(edges)
    .sum(2)
    .minimum(k - 1);
  return lt.rank === 1 ? idx.reshape([numSamples]) : idx;
}

/** Forward and VJP of the random primitive, gathered into the rule table by ops/rules.ts. */
export const randomRules = {
  random: {
    // int32 is a truncating cast of the float draw (randomUniform draws [0, range) for it)
    forward: (b, _inputs, { spec, shape, dtype }) => {
      const n = sizeOf(shape);
      const id = b.run('random', [], { spec, size: n });
      if (dtype === 'float32') return one(id, shape, 'float32');
      const out = b.run('cast', [{ dataId: id, shape, dtype: 'float32' }], { dtype });
      b.free(id);
      return one(out, shape, dtype);
    },
    // random values depend on no input: nothing to differentiate
    vjp: null,
  },
} satisfies Pick<RuleTable, 'random'>;
