// f32x4 approximations of exp, expm1, log, log1p, tanh, sigmoid, erf and the activations built on them.
// Error bounds, in float32 ulps against float64 Math rounded to float32, asserted over a sweep of
// every 97th float32 bit pattern plus edge values (test/backends/wasm_math.test.ts): exp 2, expm1 3,
// log 2, log1p 4, tanh 3, sigmoid 3, erf 3, softplus 4, gelu 5 (against x erfc(-x/sqrt2)/2 in double)
// (measured worst: 1, 2, 2, 4, 2, 2, 2, 4, 4).
// Where the true result is subnormal the error is absolute, at most 2^-140. The composites' bounds
// (elu, selu, silu, mish, geluTanh, logSigmoid) are in the test beside their sweep.
import { type Code, V128, type ValType } from './asm.js';

/** Emits code that pushes one v128. */
export type Ex = (c: Code) => void;

/**
 * Locals of one function body, handed out as expressions are bound, so an approximation reads as a
 * list of `let`s. The first local index is the function's parameter count plus the locals before.
 * @example const f = new VecFn(code, 4); const y = f.let(mul(v(x), v(x)));
 */
export class VecFn {
  readonly locals: ValType[] = [];
  constructor(
    readonly c: Code,
    private readonly first: number,
  ) {}
  /** Emits `e` now into a fresh v128 local and returns the local. */
  let(e: Ex): number {
    const l = this.first + this.locals.length;
    this.locals.push(V128);
    e(this.c);
    this.c.localSet(l);
    return l;
  }
}

// --- expression helpers (f32x4 unless named i32) ---
const bin =
  (op: (c: Code) => Code) =>
  (a: Ex, b: Ex): Ex =>
  (c) => {
    a(c);
    b(c);
    op(c);
  };
const un =
  (op: (c: Code) => Code) =>
  (a: Ex): Ex =>
  (c) => {
    a(c);
    op(c);
  };
/** A local. */
export const v =
  (l: number): Ex =>
  (c) =>
    c.localGet(l);
/** An f32 constant in every lane. */
export const k =
  (x: number): Ex =>
  (c) =>
    c.f32x4Const(x);
/** An i32 constant in every lane. */
const ki =
  (x: number): Ex =>
  (c) =>
    c.i32x4Const(x);
export const add = bin((c) => c.f32x4Add());
export const sub = bin((c) => c.f32x4Sub());
export const mul = bin((c) => c.f32x4Mul());
export const div = bin((c) => c.f32x4Div());
/** NaN-propagating min/max. */
export const min = bin((c) => c.f32x4Min());
export const max = bin((c) => c.f32x4Max());
export const abs = un((c) => c.f32x4Abs());
export const neg = un((c) => c.f32x4Neg());
export const lt = bin((c) => c.f32x4Lt());
export const gt = bin((c) => c.f32x4Gt());
export const eq = bin((c) => c.f32x4Eq());
export const and = bin((c) => c.v128And());
export const or = bin((c) => c.v128Or());
const iadd = bin((c) => c.i32x4Add());
const isub = bin((c) => c.i32x4Sub());
const ishr = (a: Ex, n: number): Ex => bin((c) => c.i32x4ShrS())(a, (c) => c.i32Const(n));
const ishl = (a: Ex, n: number): Ex => bin((c) => c.i32x4Shl())(a, (c) => c.i32Const(n));
/**
 * pmin(a, b) = b < a ? b : a: one x64 instruction where the NaN-propagating min is about seven. A NaN
 * in `a` passes through (the comparison is false) and -0 stays, so with the variable first and a
 * constant bound second it clamps exactly as min does.
 */
const pmin = bin((c) => c.f32x4Pmin());
/** pmax(a, b) = a < b ? b : a: as pmin, a NaN in `a` passes through. */
const pmax = bin((c) => c.f32x4Pmax());
/** 1.5 * 2^23 and its float32 bits (see roundInt). */
const ROUNDER = 12582912;
const ROUNDER_BITS = 0x4b400000;
/**
 * nearest(t) as floats and as i32 lanes, for |t| < 2^22: t + 1.5 * 2^23 lands where floats are the
 * integers, so the addition rounds (half to even, as f32x4.nearest) and the low bits hold the integer.
 * Three instructions where nearest + trunc_sat take about nine on x64; bitwise the same values.
 */
function roundInt(f: VecFn, t: Ex): { nf: number; n: number } {
  const big = f.let(add(t, k(ROUNDER)));
  return { nf: f.let(sub(v(big), k(ROUNDER))), n: f.let(isub(v(big), ki(ROUNDER_BITS))) };
}
const toFloat = un((c) => c.f32x4ConvertI32x4S());
/** mask ? a : b, lane by lane (mask lanes all ones or all zeros). */
export const sel =
  (mask: Ex, a: Ex, b: Ex): Ex =>
  (c) => {
    a(c);
    b(c);
    mask(c);
    c.v128Bitselect();
  };
const SIGN = -0x80000000;
/** |mag| with the sign of `sign`. */
export const copysign = (mag: Ex, sign: Ex): Ex => sel(ki(SIGN), sign, mag);
/** c0 + t (c1 + t (c2 + ...)). */
export function horner(t: Ex, coeffs: readonly number[]): Ex {
  let e: Ex = k(coeffs[coeffs.length - 1]);
  for (let i = coeffs.length - 2; i >= 0; i--) e = add(mul(e, t), k(coeffs[i]));
  return e;
}

const LOG2E = 1.4426950408889634;
// NOTE: LN2_HI has 15 significant bits, so n * LN2_HI is exact for every |n| <= 255
const LN2_HI = 0.693145751953125;
const LN2_LO = 1.4286068203094172e-6;
/** (e^r - 1 - r) / r^2 on |r| <= ln2/2: Taylor to degree 7 (truncation below 2e-8 relative). */
const EXPM1_TAIL = [1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040];

/** 2^n for an i32x4 n in [-126, 127], as float bits. */
const pow2 = (n: Ex): Ex => ishl(iadd(n, ki(127)), 23);

/**
 * The shared range reduction: x = n ln2 + r with |r| <= ln2/2, and em = e^r - 1 by polynomial.
 * x is clamped to [-104, 89] first (e^-104 rounds to 0 and e^89 overflows), which keeps n in
 * [-150, 129]; NaN passes through the clamp (pmin/pmax with x first) and stays NaN. `inRange`: the
 * caller knows x lies in [-104, 89] already, so the clamp is left out.
 */
function reduceExp(f: VecFn, x: number, inRange = false): { n: number; em: number } {
  const xc = inRange ? x : f.let(pmax(pmin(v(x), k(89)), k(-104)));
  const { nf, n } = roundInt(f, mul(v(xc), k(LOG2E)));
  const r = f.let(sub(sub(v(xc), mul(v(nf), k(LN2_HI))), mul(v(nf), k(LN2_LO))));
  const em = f.let(add(v(r), mul(mul(v(r), v(r)), horner(v(r), EXPM1_TAIL))));
  return { n, em };
}

/** y * 2^n for n in [-150, 129], in two steps so neither factor leaves the normal range. */
function scale(y: Ex, n: number): Ex {
  const half = ishr(v(n), 1);
  return mul(mul(y, pow2(half)), pow2(isub(v(n), half)));
}

/** e^x. */
export function exp(f: VecFn, x: number): Ex {
  const { n, em } = reduceExp(f, x);
  return scale(add(v(em), k(1)), n);
}

/**
 * e^x for x known to lie in [-87, 88] (or NaN): no range clamp, and 2^n is a normal float, so one
 * exact multiplication scales (bitwise exp's value there).
 */
function expNormal(f: VecFn, x: number): Ex {
  const { n, em } = reduceExp(f, x, true);
  return mul(add(v(em), k(1)), pow2(v(n)));
}

/** 2^n em + (2^n - 1) = e^x - 1 for p = 2^n normal: exact in its last step but one. */
const expm1Near = (em: number, p: number): Ex => add(mul(v(em), v(p)), sub(v(p), k(1)));

/** e^x - 1, accurate near 0: 2^n em + (2^n - 1) where 2^n is normal, e^x - 1 beyond. */
export function expm1(f: VecFn, x: number): Ex {
  const { n, em } = reduceExp(f, x);
  const p = f.let(pow2(v(n)));
  const near = expm1Near(em, p);
  const far = sub(scale(add(v(em), k(1)), n), k(1));
  // |n| <= 100: 2^n is a normal float, and the near form is exact in its last step but one
  const inRange = (c: Code): void => {
    c.localGet(n).i32x4Const(100).i32x4LeS();
    c.localGet(n).i32x4Const(-100).i32x4GeS();
    c.v128And();
  };
  const y = f.let(sel(inRange, near, far));
  // NOTE: r + r^2 P(r) turns -0 into +0; expm1(-0) is -0
  return sel(eq(v(x), k(0)), v(x), v(y));
}

/** 1/3, 1/5, ... of 2 atanh(s) = 2s (1 + s^2/3 + s^4/5 + ...), |s| <= 0.1716 (truncation < 1e-9). */
const ATANH_TAIL = [1 / 3, 1 / 5, 1 / 7, 1 / 9, 1 / 11];
const SQRT_HALF_BITS = 0x3f3504f3;
const ONE_BITS = 0x3f800000;

/**
 * ln x = k ln2 + ln m, m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh((m-1)/(m+1)). Subnormals are scaled
 * by 2^23 first; zeros, negatives, Inf and NaN are patched at the end.
 */
export function log(f: VecFn, x: number): Ex {
  const tiny = f.let(lt(v(x), k(2 ** -126)));
  const xs = f.let(sel(v(tiny), mul(v(x), k(2 ** 23)), v(x)));
  // shifting by 1 - sqrt(1/2) in the bits puts m's split at sqrt(1/2) instead of 1
  const ix = f.let(iadd(v(xs), ki(ONE_BITS - SQRT_HALF_BITS)));
  const e = isub(isub(ishr(v(ix), 23), ki(127)), and(v(tiny), ki(23)));
  const kf = f.let(toFloat(e));
  const m = iadd(and(v(ix), ki(0x7fffff)), ki(SQRT_HALF_BITS));
  const fm = f.let(sub(m, k(1)));
  const s = f.let(div(v(fm), add(v(fm), k(2))));
  const z = f.let(mul(v(s), v(s)));
  const two_s = f.let(add(v(s), v(s)));
  const lnm = add(v(two_s), mul(mul(v(two_s), v(z)), horner(v(z), ATANH_TAIL)));
  const y = f.let(add(mul(v(kf), k(LN2_HI)), add(lnm, mul(v(kf), k(LN2_LO)))));
  // x in (0, Inf) keeps y; NaN and +Inf give x; 0 gives -Inf; negatives give NaN
  const finitePos = and(gt(v(x), k(0)), lt(v(x), k(Infinity)));
  const y1 = f.let(sel(finitePos, v(y), v(x)));
  const y2 = f.let(sel(eq(v(x), k(0)), k(-Infinity), v(y1)));
  return sel(lt(v(x), k(0)), k(NaN), v(y2));
}

/** ln(1 + x) = ln(u) x / (u - 1) with u = 1 + x (the quotient corrects u's rounding). */
export function log1p(f: VecFn, x: number): Ex {
  const u = f.let(add(v(x), k(1)));
  const lu = f.let(log(f, u));
  const y = f.let(mul(v(lu), div(v(x), sub(v(u), k(1)))));
  const y1 = f.let(sel(eq(v(u), k(1)), v(x), v(y)));
  return sel(eq(v(x), k(Infinity)), v(lu), v(y1));
}

/**
 * Past |x| = 8.7, e^(-2|x|) is below half an ulp of 1, so expm1(-2|x|) rounds to -1 and tanh to +-1:
 * |x| is clamped to this, and -2|x| in [-20, 0] needs none of exp's range clamp, expm1's far form or
 * its -0 case (bitwise the full expm1's values; a third fewer instructions).
 */
const TANH_FLAT = 10;

/** tanh |x| = -t / (2 + t) with t = expm1(-2|x|) in (-1, 0]: no overflow, no cancellation. */
export function tanh(f: VecFn, x: number): Ex {
  const m2 = f.let(mul(pmin(abs(v(x)), k(TANH_FLAT)), k(-2)));
  const { n, em } = reduceExp(f, m2, true);
  const t = f.let(expm1Near(em, f.let(pow2(v(n)))));
  return copysign(div(neg(v(t)), add(v(t), k(2))), v(x));
}

/** 1 / (1 + e^-x) as e/(1+e) or 1/(1+e) with e = e^-|x| <= 1, so nothing overflows. */
export function sigmoid(f: VecFn, x: number): Ex {
  const na = f.let(neg(abs(v(x))));
  const e = f.let(exp(f, na));
  return div(sel(lt(v(x), k(0)), v(e), k(1)), add(v(e), k(1)));
}

/** max(x, 0) + ln(1 + e^-|x|). */
export function softplus(f: VecFn, x: number): Ex {
  const na = f.let(neg(abs(v(x))));
  const e = f.let(exp(f, na));
  const l = f.let(log1p(f, e));
  return add(pmax(v(x), k(0)), v(l));
}

/** erf(x) / x = P(x^2) on |x| < 1 (fitted, relative error ~1e-7). */
const ERF_SMALL = [
  1.1283791065216064, -0.37612324953079224, 0.11280179768800735, -0.02671130932867527,
  0.0049175480380654335, -0.0005631409585475922,
];
/** erfc(x) e^(x^2) = Q(x) on [1, 4] (fitted for absolute error of erfc below 5e-8). */
const ERFC_SCALED = [
  0.9922586679458618, -1.0798437595367432, 0.8627189993858337, -0.5188581943511963,
  0.23056916892528534, -0.07275841385126114, 0.01530204713344574, -0.0019117638003081083,
  0.00010684064909582958,
];

/** erf: x P(x^2) below 1, else 1 - e^(-x^2) Q(|x|) with |x| clamped at 4 (erf rounds to 1 there). */
export function erf(f: VecFn, x: number): Ex {
  const a = f.let(pmin(abs(v(x)), k(4)));
  const small = f.let(mul(v(x), horner(mul(v(x), v(x)), ERF_SMALL)));
  const mx2 = f.let(neg(mul(v(a), v(a))));
  // -x^2 is in [-16, 0]
  const e = f.let(expNormal(f, mx2));
  const big = copysign(sub(k(1), mul(v(e), horner(v(a), ERFC_SCALED))), v(x));
  return sel(lt(v(a), k(1)), v(small), big);
}

/**
 * e^(hi + lo) for hi + lo in [-160 ln2, 0] with |lo| much below |hi|: the reduction takes n ln2 off hi
 * exactly (Cody-Waite, as reduceExp) and adds lo after, so lo's bits are not lost in hi's rounding.
 */
function expHiLo(f: VecFn, hi: number, lo: number): Ex {
  const { nf, n } = roundInt(f, mul(add(v(hi), v(lo)), k(LOG2E)));
  const r = f.let(add(sub(sub(v(hi), mul(v(nf), k(LN2_HI))), mul(v(nf), k(LN2_LO))), v(lo)));
  const em = f.let(add(v(r), mul(mul(v(r), v(r)), horner(v(r), EXPM1_TAIL))));
  return scale(add(v(em), k(1)), n);
}

/** erfc(a) e^(a^2) = Q(a - 1.25) on a in [0.5, 2] (fitted for relative error, 2e-9). */
const ERFCX_NEAR = [
  0.36782291531562805, -0.20882189273834229, 0.10679556429386139, -0.05021785944700241,
  0.022011438384652138, -0.00908578559756279, 0.0035533751361072063, -0.001308945706114173,
  0.0004708491906058043, -0.00019225307914894074, 6.163294892758131e-5,
];
/** a erfc(a) e^(a^2) = R(1/a^2) on a in [2, 10.25] (fitted for relative error, 2e-8). */
const ERFCX_FAR = [
  0.5641894340515137, -0.28206852078437805, 0.42153581976890564, -1.009772777557373,
  2.869706153869629, -7.234805107116699, 12.296445846557617, -9.762566566467285,
];
/** Beyond |x| = 10.25 sqrt 2, x Phi(x) is below half the smallest subnormal for x < 0, x for x > 0. */
const GELU_FAR = 14.495689;

/**
 * gelu(x) = x Phi(x), Phi(x) = erfc(-x/sqrt2)/2. Near 0 (|x| < sqrt(1/2)): x (1/2 + z P(z^2)/2) with
 * the erf polynomial, z = x/sqrt2. Beyond, with a = |z|: E = e^(-a^2) erfcx(a)/2, and x (1 - E) for
 * x > 0, (x erfcx(a)/2) e^(-a^2) for x < 0, so the tail keeps its relative precision (no 1 + erf
 * cancellation) and a subnormal e^(-a^2) is the last factor. e^(-a^2) = e^(-x^2/2) comes from x split
 * into 12 high bits and the rest: x^2 = xh^2 (exact) + xl (x + xh).
 */
export function gelu(f: VecFn, x: number): Ex {
  const xa = f.let(pmin(abs(v(x)), k(GELU_FAR)));
  const a = f.let(mul(v(xa), k(Math.SQRT1_2)));
  const z = f.let(mul(v(x), k(Math.SQRT1_2)));
  const small = f.let(add(k(0.5), mul(mul(v(z), k(0.5)), horner(mul(v(z), v(z)), ERF_SMALL))));
  const xh = f.let(and(v(xa), ki(-4096)));
  const xl = f.let(sub(v(xa), v(xh)));
  const hi = f.let(mul(mul(v(xh), v(xh)), k(-0.5)));
  const lo = f.let(mul(mul(v(xl), add(v(xa), v(xh))), k(-0.5)));
  const e = f.let(expHiLo(f, hi, lo));
  const near = f.let(horner(sub(v(a), k(1.25)), ERFCX_NEAR));
  const u = f.let(div(k(1), v(a)));
  const far = f.let(mul(v(u), horner(mul(v(u), v(u)), ERFCX_FAR)));
  const q = f.let(mul(sel(lt(v(a), k(2)), v(near), v(far)), k(0.5)));
  const pos = mul(v(x), sub(k(1), mul(v(e), v(q))));
  // NOTE: past GELU_FAR (and at -Inf) x * 0: -0, or NaN for -Inf, as the reference gives
  const neg = sel(lt(v(xa), k(GELU_FAR)), mul(mul(v(x), v(q)), v(e)), mul(v(x), k(0)));
  const large = f.let(sel(lt(v(x), k(0)), neg, pos));
  return sel(lt(v(a), k(0.5)), mul(v(x), v(small)), v(large));
}
