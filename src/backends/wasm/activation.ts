// f32x4 activations emitted inline into wasm kernels: relu, relu6, and exp-based sigmoid and tanh (Cephes polynomials).
import type { Code } from './asm.js';

/** Activation codes the kernels take as an i32 (the order of FusedActivation). */
export const ACT = { linear: 0, relu: 1, relu6: 2, sigmoid: 3, tanh: 4 } as const;

/** v128 locals an activation may overwrite: x is read and replaced, t0..t3 are scratch. */
export interface ActLocals {
  x: number;
  t: readonly [number, number, number, number];
}

function splat(c: Code, v: number): Code {
  return c.f32x4Const(v, v, v, v);
}

/**
 * out = e^x for x in [-87.3, 88.7] (clamped by the caller), within ~2 ulp: x = n·ln2 + r with
 * |r| <= ln2/2 (ln2 split in two so n·ln2 is exact), e^r by Cephes' degree-6 expf polynomial, 2^n
 * built in the exponent bits. Reads local x, leaves the result on the stack; uses n and r as scratch.
 */
function emitExp(c: Code, x: number, n: number, r: number): void {
  splat(c.localGet(x), Math.LOG2E).f32x4Mul().f32x4Nearest().localSet(n);
  c.localGet(x);
  splat(c.localGet(n), 0.693359375).f32x4Mul().f32x4Sub();
  splat(c.localGet(n), -2.1219444e-4).f32x4Mul().f32x4Sub().localSet(r);
  splat(c, 1.98756915e-4);
  for (const p of [
    1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1,
  ])
    splat(c.localGet(r).f32x4Mul(), p).f32x4Add();
  // p·r² + r + 1
  c.localGet(r).f32x4Mul().localGet(r).f32x4Mul().localGet(r).f32x4Add();
  splat(c, 1).f32x4Add();
  // · 2^n: (n + 127) << 23 as float bits
  c.localGet(n).i32x4TruncSatF32x4S().i32x4Const(127, 127, 127, 127).i32x4Add();
  c.i32Const(23).i32x4Shl().f32x4Mul();
}

/**
 * sigmoid(x) = 1 / (1 + e^-x) for x >= 0, else e^x / (1 + e^x): e^-|x| never overflows, so both
 * halves are accurate (the scalar reference splits the same way). NaN stays NaN.
 */
function emitSigmoid(c: Code, l: ActLocals): void {
  const [e, s, n, r] = l.t;
  c.localGet(l.x).f32x4Abs();
  splat(c, 87.3).f32x4Min().f32x4Neg().localSet(e);
  emitExp(c, e, n, r);
  c.localSet(e);
  splat(c, 1).localGet(e);
  splat(c, 1).f32x4Add().f32x4Div().localSet(s);
  // x >= 0 ? s : e·s
  c.localGet(s).localGet(e).localGet(s).f32x4Mul();
  c.localGet(l.x).v128Zero().f32x4Ge().v128Bitselect().localSet(l.x);
}

/**
 * tanh(x): for |x| < 0.625 Cephes' odd polynomial x + x³·P(x²) (no cancellation near 0); above,
 * 1 - 2 / (e^2|x| + 1) with x's sign (e^2|x| capped at e^20, where tanh is 1 in float32). NaN stays NaN.
 */
function emitTanh(c: Code, l: ActLocals): void {
  const [a, big, n, r] = l.t;
  c.localGet(l.x).f32x4Abs().localSet(a);
  c.localGet(a).localGet(a).f32x4Add();
  splat(c, 20).f32x4Min().localSet(big);
  emitExp(c, big, n, r);
  splat(c, 1).f32x4Add().localSet(big);
  splat(c, 1);
  splat(c, 2).localGet(big).f32x4Div().f32x4Sub();
  // copy x's sign onto 1 - 2 / (e + 1)
  c.localGet(l.x).i32x4Const(0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff).v128Bitselect();
  c.localSet(big);
  // small: z = x², x + x·z·P(z)
  c.localGet(l.x).localGet(l.x).f32x4Mul().localSet(n);
  splat(c, -5.70498872745e-3);
  for (const p of [2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1])
    splat(c.localGet(n).f32x4Mul(), p).f32x4Add();
  c.localGet(n).f32x4Mul().localGet(l.x).f32x4Mul().localGet(l.x).f32x4Add();
  c.localGet(big);
  splat(c.localGet(a), 0.625).f32x4Lt().v128Bitselect().localSet(l.x);
}

/**
 * Emits `x = act(x)` for every local in `xs`, branching on the code in local `act` once for all of
 * them (the GEMM micro-kernel's 4x8 tile: one test per activation per tile, not per vector).
 * @example emitActivations(code, actLocal, [14, 15, 16], [22, 23, 24, 25]);
 */
export function emitActivations(
  c: Code,
  act: number,
  xs: readonly number[],
  t: ActLocals['t'],
): void {
  for (const code of [ACT.relu, ACT.relu6, ACT.sigmoid, ACT.tanh]) {
    c.localGet(act).i32Const(code).i32Eq().if();
    for (const x of xs) emitActivationOf(c, code, { x, t });
    c.end();
  }
}

/**
 * Emits `x = act(x)` for the activation `code` (ACT) known when the kernel is built: no branch, for
 * loops specialised per activation. relu is x > 0 ? x : 0 (NaN and -0 give +0): pmax(0, x); relu6
 * is min(max(x, 0), 6), NaN kept; linear emits nothing.
 * @example emitActivationOf(code, ACT.relu, { x: 12, t: [13, 14, 15, 16] });
 */
export function emitActivationOf(c: Code, code: number, l: ActLocals): void {
  if (code === ACT.relu) c.v128Zero().localGet(l.x).f32x4Pmax().localSet(l.x);
  else if (code === ACT.relu6)
    c.localGet(l.x).v128Zero().f32x4Max().f32x4Const(6, 6, 6, 6).f32x4Min().localSet(l.x);
  else if (code === ACT.sigmoid) emitSigmoid(c, l);
  else if (code === ACT.tanh) emitTanh(c, l);
}
