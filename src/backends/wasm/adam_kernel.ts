// The fused Adam step in f32x4: one pass over grad, m, v and w, and a list of such passes for one thread's share of a step.
import { Code, type FuncDef, I32, type ValType } from './asm.js';
import { abs, add, div, type Ex, gt, k, mul, sel, sub, v, VecFn } from './simd_math.js';

/** The smallest normal float32 (optimizers/optimizer.ts' FLT_MIN): smaller moments are stored as 0. */
const FLT_MIN = 1.1754943508222875e-38;

/** x with |x| < FLT_MIN set to 0, as the flushSubnormal unary kernel computes it (NaN stays). */
const flush = (x: number): Ex => sel(gt(k(FLT_MIN), abs(v(x))), k(0), v(x));

/**
 * adam(g, m, v, w, mOut, vOut, wOut, n, alphaAt, c1, c2, eps): n floats at byte offsets, alpha read
 * from the heap, c1 = 1 - β1, c2 = 1 - β2 and ε as f32 bits (thread arguments are i32). Each lane
 * runs adamComposed's ops (ops/optimizer_rules.ts) in its order, so the results are bitwise those of
 * the separate kernels. Whole vectors: blocks are 16-byte multiples, as for the elementwise kernels.
 * @example const fn = adamCode(); // assemble([..., fn]) and call it per share
 */
export function adamCode(): FuncDef {
  const [g, m, vv, w, om, ov, ow, n, alphaAt, c1, c2, eps, end] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
  ];
  const c = new Code();
  const f = new VecFn(c, 13);
  const splat = (bits: number): number =>
    f.let((cc) => cc.localGet(bits).f32ReinterpretI32().f32x4Splat());
  const load = (p: number): number => f.let((cc) => cc.localGet(p).v128Load());
  c.localGet(n).i32Eqz().if().br(1).end();
  c.localGet(ow).localGet(n).i32Const(3).i32Add().i32Const(2).i32Shl().i32Const(-16).i32And();
  c.i32Add().localSet(end);
  const alpha = f.let((cc) => cc.localGet(alphaAt).v128Load32Splat());
  const [k1, k2, ke] = [splat(c1), splat(c2), splat(eps)];
  c.loop();
  const G = load(g);
  const M = load(m);
  const V = load(vv);
  const m1 = f.let(add(v(M), mul(sub(v(G), v(M)), v(k1))));
  const mNew = f.let(flush(m1));
  c.localGet(om).localGet(mNew).v128Store();
  const v1 = f.let(add(v(V), mul(sub(mul(v(G), v(G)), v(V)), v(k2))));
  const vNew = f.let(flush(v1));
  c.localGet(ov).localGet(vNew).v128Store();
  const W = load(w);
  c.localGet(ow);
  sub(
    v(W),
    div(
      mul(v(mNew), v(alpha)),
      add((cc) => cc.localGet(vNew).f32x4Sqrt(), v(ke)),
    ),
  )(c);
  c.v128Store();
  for (const p of [g, m, vv, w, om, ov]) c.localGet(p).i32Const(16).i32Add().localSet(p);
  c.localGet(ow).i32Const(16).i32Add().localTee(ow).localGet(end).i32LtU().brIf(0);
  c.end();
  return {
    name: 'adam',
    params: new Array<ValType>(12).fill(I32),
    results: [],
    locals: [I32, ...f.locals],
    code: c,
  };
}

/** i32 words of one piece in adamListCode's table: g, m, v, w, m', v', w' byte offsets, then n. */
export const ADAM_PIECE_WORDS = 8;

/**
 * adam_list(desc, descEnd, alphaAt, c1, c2, eps): runs `adam` (function `adamIndex` of the module) on
 * each piece of a table of ADAM_PIECE_WORDS i32s per piece from byte offset desc to descEnd, so one
 * thread's share of a step over many variables is one call (one parallel region for the whole list).
 * @example const fn = adamListCode(funcs.findIndex((f) => f.name === 'adam'));
 */
export function adamListCode(adamIndex: number): FuncDef {
  const [desc, descEnd, alphaAt, c1, c2, eps] = [0, 1, 2, 3, 4, 5];
  const c = new Code();
  c.localGet(desc).localGet(descEnd).i32LtU().i32Eqz().if().br(1).end();
  c.loop();
  for (let k = 0; k < ADAM_PIECE_WORDS; k++) c.localGet(desc).i32Load(4 * k);
  c.localGet(alphaAt).localGet(c1).localGet(c2).localGet(eps).call(adamIndex);
  c.localGet(desc)
    .i32Const(4 * ADAM_PIECE_WORDS)
    .i32Add()
    .localTee(desc);
  c.localGet(descEnd).i32LtU().brIf(0);
  c.end();
  return {
    name: 'adam_list',
    params: new Array<ValType>(6).fill(I32),
    results: [],
    locals: [],
    code: c,
  };
}

/** A run of one variable's elements [start, end): [variable, start, end]. */
export type AdamPiece = readonly [number, number, number];

/**
 * The elements of variables of `sizes`, laid end to end, cut into `threads` shares of about equal
 * length; a cut inside a variable falls on a multiple of `align` floats (a multiple of 4) from its
 * start, so each piece starts on a whole vector and pieces never write each other's elements (the
 * kernel's last vector may run past a piece's end only at the variable's end, into the block's
 * padding). Empty variables have no piece; empty shares are left out.
 * @example adamShares([100, 3], 2, 16) // [[[0, 0, 64]], [[0, 64, 100], [1, 0, 3]]]
 */
export function adamShares(
  sizes: readonly number[],
  threads: number,
  align: number,
): AdamPiece[][] {
  const total = sizes.reduce((a, b) => a + b, 0);
  const quota = Math.ceil(total / threads / align) * align;
  const shares: AdamPiece[][] = [];
  let share: AdamPiece[] = [];
  let room = quota;
  sizes.forEach((size, j) => {
    let at = 0;
    while (at < size) {
      const last = shares.length === threads - 1;
      const cut = last ? size : Math.min(size, Math.ceil((at + room) / align) * align);
      share.push([j, at, cut]);
      room -= cut - at;
      at = cut;
      if (room <= 0 && !last) {
        shares.push(share);
        share = [];
        room = quota;
      }
    }
  });
  if (share.length) shares.push(share);
  return shares;
}
