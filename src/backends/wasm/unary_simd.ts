// The wasm side of the elementwise table: an f32x4 lowering per unary op, keyed by the table's op names.
import type { UnaryOp } from '../../core/elementwise_table.js';
import * as m from './simd_math.js';
import {
  abs,
  add,
  and,
  copysign,
  div,
  eq,
  type Ex,
  gt,
  k,
  max,
  min,
  mul,
  neg,
  sel,
  v,
} from './simd_math.js';
import type { VecFn } from './simd_math.js';

/** An op's f32x4 result from the local holding x and the local holding alpha in every lane. */
export type UnaryLowering = (f: VecFn, x: number, alpha: number) => Ex;

const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;
const SQRT_2_OVER_PI = 0.7978845608028654;
const GELU_C = 0.044715;

/**
 * Unary ops with an f32x4 lowering; every other row of UNARY runs its scalar JS fn. Each lowering
 * matches the row's fn: exactly for the IEEE ones (neg ... round), within the bound stated in
 * simd_math.ts for the approximations.
 */
export const SIMD_UNARY = {
  neg: (_f, x) => neg(v(x)),
  abs: (_f, x) => abs(v(x)),
  sqrt: (_f, x) => (c) => c.localGet(x).f32x4Sqrt(),
  // NOTE: 1/sqrt(x) rounds twice (sqrt, then the division); the reference rounds once: <= 1 ulp apart
  rsqrt: (_f, x) => div(k(1), (c) => c.localGet(x).f32x4Sqrt()),
  square: (_f, x) => mul(v(x), v(x)),
  reciprocal: (_f, x) => div(k(1), v(x)),
  // NOTE: relu is x > 0 ? x : 0, so NaN and -0 give +0: pmax(0, x), not max (which keeps NaN)
  relu: (_f, x) => (c) => c.v128Zero().localGet(x).f32x4Pmax(),
  relu6: (_f, x) => min(max(v(x), k(0)), k(6)),
  leakyRelu: (_f, x, alpha) => sel(gt(v(x), k(0)), v(x), mul(v(alpha), v(x))),
  softsign: (_f, x) => div(v(x), add(k(1), abs(v(x)))),
  // sign: +-1 with x's sign, except +-0 and NaN, which map to themselves
  sign: (_f, x) =>
    sel(
      and(eq(v(x), v(x)), (c) => c.localGet(x).f32x4Const(0).f32x4Ne()),
      copysign(k(1), v(x)),
      v(x),
    ),
  // |x| < 2^-126 -> 0 (NaN compares false and stays)
  flushSubnormal: (_f, x) => sel(gt(k(1.1754943508222875e-38), abs(v(x))), k(0), v(x)),
  floor: (_f, x) => (c) => c.localGet(x).f32x4Floor(),
  ceil: (_f, x) => (c) => c.localGet(x).f32x4Ceil(),
  // f32x4.nearest rounds half to even, as roundHalfEven does
  round: (_f, x) => (c) => c.localGet(x).f32x4Nearest(),
  exp: m.exp,
  expm1: m.expm1,
  log: m.log,
  log1p: m.log1p,
  tanh: m.tanh,
  sigmoid: m.sigmoid,
  softplus: m.softplus,
  erf: m.erf,
  // log sigmoid(x) = -softplus(-x)
  logSigmoid: (f, x) => neg(v(f.let(m.softplus(f, f.let(neg(v(x))))))),
  elu: (f, x) => sel(gt(v(x), k(0)), v(x), v(f.let(m.expm1(f, x)))),
  selu: (f, x) =>
    mul(k(SELU_SCALE), sel(gt(v(x), k(0)), v(x), mul(k(SELU_ALPHA), v(f.let(m.expm1(f, x)))))),
  silu: (f, x) => mul(v(x), v(f.let(m.sigmoid(f, x)))),
  mish: (f, x) => mul(v(x), v(f.let(m.tanh(f, f.let(m.softplus(f, x)))))),
  gelu: m.gelu,
  // 0.5 x (1 + tanh u) = x sigmoid(2u): no cancellation in 1 + tanh u for negative u
  geluTanh: (f, x) => {
    const u2 = f.let(
      mul(k(2 * SQRT_2_OVER_PI), add(v(x), mul(k(GELU_C), mul(v(x), mul(v(x), v(x)))))),
    );
    return mul(v(x), v(f.let(m.sigmoid(f, u2))));
  },
} satisfies Partial<Record<UnaryOp, UnaryLowering>>;

/** The unary ops with a SIMD lowering. */
export type SimdUnaryOp = keyof typeof SIMD_UNARY;

/** Whether `op` has an f32x4 lowering. @example isSimdUnary('exp') // true */
export function isSimdUnary(op: string): op is SimdUnaryOp {
  return op in SIMD_UNARY;
}

/** The lowered ops, in table order. */
export const SIMD_UNARY_OPS: readonly SimdUnaryOp[] = Object.keys(SIMD_UNARY).filter(isSimdUnary);
