// wasm SIMD math: error bounds of the f32x4 approximations over a sweep of all float32 bit patterns.
import { beforeAll, describe, expect, it } from 'vitest';
import { SimdElementwise } from '../../src/backends/wasm/elementwise.js';
import { Heap, WasmStore } from '../../src/backends/wasm/index.js';
import { SIMD_UNARY_OPS, type SimdUnaryOp } from '../../src/backends/wasm/unary_simd.js';
import { UNARY } from '../../src/ops/elementwise_table.js';
import { erfc } from '../../src/core/scalar_math.js';

/** Distance in float32 steps: bit patterns mapped to a line where -0 and +0 meet. */
function ordered(bits: number): number {
  return bits < 0 ? -(bits & 0x7fffffff) : bits;
}

/** float64 logistic without overflow. */
function sigmoid64(t: number): number {
  return t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t));
}

/**
 * The float64 truth for an op: the table's fn, except geluTanh, whose fn (0.5x(1 + tanh u)) itself
 * cancels to 0 below x = -7 in double; x sigmoid(2u) is the same function without the cancellation.
 */
function truth(op: SimdUnaryOp): (x: number) => number {
  // likewise gelu's 1 + erf(x/sqrt2) cancels for x < 0: x erfc(-x/sqrt2)/2 keeps the tail's precision
  if (op === 'gelu') return (x) => 0.5 * x * erfc(-x * Math.SQRT1_2);
  if (op === 'geluTanh')
    return (x) => x * sigmoid64(2 * 0.7978845608028654 * (x + 0.044715 * x * x * x));
  const fn = UNARY[op].fn;
  // NOTE: the reference's erf series sums -0 + 0 and returns +0 for -0; erf is odd, so -0 is right
  if (op === 'erf') return (x) => (x === 0 ? x : fn(x, 0));
  return (x) => fn(x, 0.2);
}

const SMALLEST_NORMAL = 2 ** -126;
/** Where the true result is subnormal, precision is absolute: this much is allowed there. */
const SUBNORMAL_ABS = 2 ** -140;

interface Bound {
  /** Max error in float32 ulps against the float64 truth rounded to float32. */
  ulps: number;
  /**
   * Inputs below this get `farUlps` instead: geluTanh's argument 2u amplifies float32 rounding;
   * silu's and mish's sigmoid is subnormal below -87, so it carries few bits.
   */
  below?: number;
  farUlps?: number;
}

/**
 * The stated bounds (simd_math.ts repeats them). The IEEE ops are exact but for rsqrt's and
 * softsign's double rounding.
 */
const BOUNDS: Record<SimdUnaryOp, Bound> = {
  neg: { ulps: 0 },
  abs: { ulps: 0 },
  flushSubnormal: { ulps: 0 },
  sqrt: { ulps: 0 },
  rsqrt: { ulps: 1 },
  square: { ulps: 0 },
  reciprocal: { ulps: 0 },
  relu: { ulps: 0 },
  relu6: { ulps: 0 },
  // alpha is rounded to float32 before the multiply; the reference multiplies by the double
  leakyRelu: { ulps: 1 },
  softsign: { ulps: 1 },
  sign: { ulps: 0 },
  floor: { ulps: 0 },
  ceil: { ulps: 0 },
  round: { ulps: 0 },
  exp: { ulps: 2 },
  expm1: { ulps: 3 },
  log: { ulps: 2 },
  log1p: { ulps: 4 },
  tanh: { ulps: 3 },
  sigmoid: { ulps: 3 },
  softplus: { ulps: 4 },
  erf: { ulps: 3 },
  logSigmoid: { ulps: 4 },
  elu: { ulps: 3 },
  selu: { ulps: 4 },
  silu: { ulps: 4, below: -87, farUlps: 128 },
  mish: { ulps: 6, below: -87, farUlps: 128 },
  geluTanh: { ulps: 8, below: -2, farUlps: 256 },
  gelu: { ulps: 5 },
};

/** The ops the brief names, swept densely (every 97th pattern); the rest every 997th. */
const DENSE = new Set<SimdUnaryOp>([
  'gelu',
  'exp',
  'expm1',
  'log',
  'log1p',
  'tanh',
  'sigmoid',
  'erf',
  'softplus',
]);

const EDGES = [
  0,
  -0,
  Infinity,
  -Infinity,
  NaN,
  1,
  -1,
  2 ** -149,
  -(2 ** -149),
  2 ** -126,
  1e-30,
  -1e-30,
  3.4028234663852886e38,
  -3.4028234663852886e38,
  88.72283,
  88.7229,
  -87.33655,
  -103.97,
  -104,
  100,
  -100,
  50,
  -50,
  0.5,
  Math.LN2,
  -Math.LN2 / 2,
  Math.SQRT2,
  Math.SQRT1_2,
];

let store: WasmStore;
let ew: SimdElementwise;
beforeAll(async () => {
  store = new WasmStore(new Heap(64));
  ew = await SimdElementwise.compile(store);
});

/** The kernel's outputs for `xs` (copied out of the heap). */
function runOp(op: SimdUnaryOp, xs: Float32Array): Float32Array {
  const id = store.allocRaw('float32', xs.length);
  (store.get(id) as Float32Array).set(xs);
  const out = ew.unary(op, { dataId: id, shape: [xs.length], dtype: 'float32' }, 'float32', 0.2);
  if (!out) throw new Error(`${op}: no SIMD kernel`);
  const got = (store.get(out) as Float32Array).slice();
  store.free(id);
  store.free(out);
  return got;
}

interface Worst {
  ulps: number;
  x: number;
  got: number;
  want: number;
}

/** The worst error of `op` over `xs`, in ulps, after the subnormal allowance. */
function worstError(op: SimdUnaryOp, xs: Float32Array, pick: (x: number) => boolean): Worst {
  const got = runOp(op, xs);
  const gotBits = new Int32Array(got.buffer);
  const f = truth(op);
  const want = new Float32Array(1);
  const wantBits = new Int32Array(want.buffer);
  const worst: Worst = { ulps: 0, x: 0, got: 0, want: 0 };
  for (let i = 0; i < xs.length; i++) {
    if (!pick(xs[i])) continue;
    want[0] = f(xs[i]);
    let ulps: number;
    if (Number.isNaN(want[0]) || Number.isNaN(got[i]))
      ulps = Number.isNaN(want[0]) && Number.isNaN(got[i]) ? 0 : Infinity;
    else if (Math.abs(want[0]) < SMALLEST_NORMAL && Math.abs(got[i] - want[0]) <= SUBNORMAL_ABS)
      ulps = 0;
    else ulps = Math.abs(ordered(gotBits[i]) - ordered(wantBits[0]));
    if (ulps > worst.ulps) Object.assign(worst, { ulps, x: xs[i], got: got[i], want: want[0] });
  }
  return worst;
}

/** Every `stride`-th float32 bit pattern, in batches of 2^20. */
function* sweep(stride: number): Generator<Float32Array> {
  const batch = 1 << 20;
  const bits = new Int32Array(batch);
  for (let start = 0; start < 2 ** 32; start += batch * stride) {
    let n = 0;
    while (n < batch && start + n * stride < 2 ** 32) {
      bits[n] = (start + n * stride) | 0;
      n++;
    }
    yield new Float32Array(bits.buffer, 0, n).slice();
  }
}

describe('wasm SIMD unary approximations', () => {
  it('covers the ops the brief names', () => {
    for (const op of ['exp', 'expm1', 'log', 'log1p', 'tanh', 'sigmoid', 'erf', 'softplus'])
      expect(SIMD_UNARY_OPS).toContain(op);
  });

  it.each(SIMD_UNARY_OPS.map((op) => [op]))('%s: edge values', (op) => {
    const xs = Float32Array.from(EDGES);
    const worst = worstError(op, xs, () => true);
    expect(worst.ulps, JSON.stringify(worst)).toBeLessThanOrEqual(BOUNDS[op].ulps);
    // signed zeros are values too: the ulp line puts -0 and +0 together, so check them apart
    const got = runOp(op, Float32Array.from([0, -0]));
    expect(Object.is(got[0], Math.fround(truth(op)(0))), `${op}(+0)`).toBe(true);
    expect(Object.is(got[1], Math.fround(truth(op)(-0))), `${op}(-0)`).toBe(true);
  });

  it('known values at the edges', () => {
    const at = (op: SimdUnaryOp, x: number): number => runOp(op, Float32Array.from([x]))[0];
    expect(at('exp', 100)).toBe(Infinity);
    // e^-100 = 3.78e-44 is a float32 subnormal, not 0; e^-104 rounds to 0
    expect(at('exp', -100)).toBe(Math.fround(Math.exp(-100)));
    expect(at('exp', -104)).toBe(0);
    expect(at('exp', -Infinity)).toBe(0);
    expect(at('exp', NaN)).toBeNaN();
    expect(at('tanh', 50)).toBe(1);
    expect(at('tanh', -50)).toBe(-1);
    expect(at('log', 0)).toBe(-Infinity);
    expect(at('log', -0)).toBe(-Infinity);
    expect(at('log', -1)).toBeNaN();
    expect(at('log', Infinity)).toBe(Infinity);
    expect(at('log1p', -1)).toBe(-Infinity);
    expect(at('log', 2 ** -149)).toBeCloseTo(-149 * Math.LN2, 4);
    expect(at('sigmoid', -100)).toBeGreaterThan(0);
    expect(at('erf', 10)).toBe(1);
    expect(at('expm1', -100)).toBe(-1);
    expect(at('softplus', 1e30)).toBe(Math.fround(1e30));
    // gelu as the reference at the ends: x * 0 past the float32 tail, so -Inf gives NaN
    expect(at('gelu', Infinity)).toBe(Infinity);
    expect(at('gelu', -Infinity)).toBeNaN();
    expect(Object.is(at('gelu', -20), -0)).toBe(true);
    expect(at('gelu', 20)).toBe(20);
    // the tail keeps relative precision where the reference's 1 + erf(x/sqrt2) is all cancellation
    expect(Math.abs(at('gelu', -10) / (-5 * erfc(10 * Math.SQRT1_2)) - 1)).toBeLessThan(5e-7);
  });

  it.each(SIMD_UNARY_OPS.map((op) => [op]))(
    '%s: within its bound over a sweep of float32 bit patterns',
    (op) => {
      const bound = BOUNDS[op];
      const below = bound.below ?? -Infinity;
      const stride = DENSE.has(op) ? 97 : 997;
      let near: Worst = { ulps: 0, x: 0, got: 0, want: 0 };
      let far: Worst = { ...near };
      for (const xs of sweep(stride)) {
        const a = worstError(op, xs, (x) => !(x < below));
        if (a.ulps > near.ulps) near = a;
        if (bound.farUlps !== undefined) {
          const b = worstError(op, xs, (x) => x < below);
          if (b.ulps > far.ulps) far = b;
        }
      }
      expect(near.ulps, JSON.stringify(near)).toBeLessThanOrEqual(bound.ulps);
      expect(far.ulps, JSON.stringify(far)).toBeLessThanOrEqual(bound.farUlps ?? 0);
    },
  );
});
