// The whole GEMM in wasm: the driver over cache blocks (tiles into C, operands packed or in place) and the module around it.
import { assemble, Code, type FuncDef, I32, type ValType } from './asm.js';
import { DESC, FLAG } from './gemm_desc.js';
import { packCode, writeOutCode } from './gemm_pack.js';
import { gemvCode } from './gemv.js';
import { type Heap, MAX_PAGES } from './heap.js';
import { gemmBlockCode, MR, NR } from './kernels.js';

// Cache blocks: a KC x NR micro-panel of B (8 KiB) stays in L1 while an MC x KC block of A (128 KiB)
// streams from L2; a KC x NC panel of B (1 MiB) is reused across all row blocks of a ROWS pass.
export const KC = 256;
export const MC = 128;
export const NC = 1024;
/** Rows of C per pass: bounds the padded C scratch of one thread to ROWS x NC floats (4 MiB). */
export const ROWS = 1024;

// the descriptor layout is shared with gemv.ts; re-exported for the GEMM's callers
export { DESC, descBytes, FLAG } from './gemm_desc.js';

// function indices in the module (the order given to assemble)
const F_BLOCK = 0;
const F_PACK = 1;
const F_WRITE = 2;
// 3 is the driver (gemm); the micro-kernel for a row-major A read in place follows it
const F_BLOCK_ROWS = 4;

function i32s(n: number): ValType[] {
  return new Array<ValType>(n).fill(I32);
}

/** Pushes min(x, y) of two unsigned i32 expressions (each emitted twice, so keep them cheap). */
function minU(c: Code, x: () => void, y: () => void): void {
  x();
  y();
  x();
  y();
  c.i32LtU().select();
}

/**
 * gemm(desc, b0, b1, i0, i1, j0, j1, pA, pB, pC): for batches [b0, b1) of the descriptor at `desc`,
 * rows [i0, i1) and columns [j0, j1) of C = epilogue(op(A) · op(B) (+ C)). pA, pB, pC are this
 * thread's scratch: MC x kStep floats of packed A, min(NC, j1 - j0) (rounded up to 8) x kStep of B,
 * and min(ROWS, i1 - i0) (rounded up to 4) x that many columns of C. Whole 4x8 tiles go straight
 * into C (unless accumulating into C), their epilogue applied in registers after the last k block:
 * no scratch pass, which was a third of the time of a product with small k. Only the ragged last
 * row panel and column panel of a block go through the scratch and the write-out, right after the
 * block's last k block. A (transposed or not) and a row-major B are read in place when the flags
 * say so (matmul.ts decides: small or narrow operands), else packed. Each C element is summed in
 * the same order whatever the path and the ranges, so any split gives bitwise the same result.
 */
function driverCode(base = 0): FuncDef {
  const [desc, b0, b1, i0, i1, j0, j1, pA, pB, pC] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [m, ldc, k, flags, bias, act, kStep, sI, sPA, sJ, sPB] = [
    10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
  ];
  const [a, b, cc, r0, mr, jc, nc, ncp, pc, kc, ic, mc, batch] = [
    21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33,
  ];
  const [noAcc, fr, cRow, fc, scr, biasAt, last, aPanel] = [34, 35, 36, 37, 38, 39, 40, 41];
  const [rawA, rawB, aAt, bAt, bPanel] = [42, 43, 44, 45, 46];
  const c = new Code();
  const field = (slot: number, local: number): void => {
    c.localGet(desc)
      .i32Load(4 * slot)
      .localSet(local);
  };
  field(DESC.m, m);
  field(DESC.k, k);
  field(DESC.flags, flags);
  field(DESC.bias, bias);
  field(DESC.act, act);
  field(DESC.kStep, kStep);
  // byte strides of op(A) along rows (sI) and k (sPA), of op(B) along k (sPB) and columns (sJ), and
  // C's row stride in elements (ldc): given (FLAG.strided), else those of contiguous operands (the
  // conv kernels change m and k in the descriptor between calls)
  c.localGet(flags).i32Const(FLAG.strided).i32And().if();
  field(DESC.sI, sI);
  field(DESC.sPA, sPA);
  field(DESC.sJ, sJ);
  field(DESC.sPB, sPB);
  field(DESC.ldc, ldc);
  c.else();
  field(DESC.n, ldc);
  c.localGet(flags).i32Const(FLAG.transA).i32And().if();
  c.i32Const(4).localSet(sI).localGet(m).i32Const(2).i32Shl().localSet(sPA);
  c.else();
  c.localGet(k).i32Const(2).i32Shl().localSet(sI).i32Const(4).localSet(sPA);
  c.end();
  c.localGet(flags).i32Const(FLAG.transB).i32And().if();
  c.localGet(k).i32Const(2).i32Shl().localSet(sJ).i32Const(4).localSet(sPB);
  c.else();
  c.i32Const(4).localSet(sJ).localGet(ldc).i32Const(2).i32Shl().localSet(sPB);
  c.end();
  c.end();
  c.localGet(flags).i32Const(FLAG.accumulate).i32And().i32Eqz().localSet(noAcc);
  c.localGet(flags).i32Const(FLAG.rawA).i32And().i32Const(0).i32Ne().localSet(rawA);
  c.localGet(flags).i32Const(FLAG.rawB).i32And().i32Const(0).i32Ne().localSet(rawB);
  c.localGet(b0).localSet(batch);
  c.block().loop();
  c.localGet(batch).localGet(b1).i32GeU().brIf(1);
  const triple = (slot: number, local: number): void => {
    c.localGet(desc).localGet(batch).i32Const(12).i32Mul().i32Add();
    c.i32Load(4 * DESC.batches + 4 * slot).localSet(local);
  };
  triple(0, a);
  triple(1, b);
  triple(2, cc);
  c.localGet(i0).localSet(r0);
  c.block().loop();
  c.localGet(r0).localGet(i1).i32GeU().brIf(1);
  minU(
    c,
    () => c.localGet(i1).localGet(r0).i32Sub(),
    () => c.i32Const(ROWS),
  );
  c.localSet(mr);
  c.localGet(j0).localSet(jc);
  c.block().loop();
  c.localGet(jc).localGet(j1).i32GeU().brIf(1);
  minU(
    c,
    () => c.localGet(j1).localGet(jc).i32Sub(),
    () => c.i32Const(NC),
  );
  c.localTee(nc)
    .i32Const(NR - 1)
    .i32Add()
    .i32Const(-NR)
    .i32And()
    .localSet(ncp);
  // biasAt = bias ? bias + jc·4 : 0
  c.localGet(bias).localGet(jc).i32Const(2).i32Shl().i32Add().i32Const(0).localGet(bias).select();
  c.localSet(biasAt);
  c.i32Const(0).localSet(pc);
  c.loop();
  minU(
    c,
    () => c.localGet(k).localGet(pc).i32Sub(),
    () => c.localGet(kStep),
  );
  c.localSet(kc);
  // bAt = b + pc·sPB + jc·sJ: read in place (rawB), else pack(pB, bAt, sJ, sPB, nc, kc, NR)
  c.localGet(b).localGet(pc).localGet(sPB).i32Mul().i32Add();
  c.localGet(jc).localGet(sJ).i32Mul().i32Add().localSet(bAt);
  c.localGet(rawB).i32Eqz().if();
  c.localGet(pB).localGet(bAt).localGet(sJ).localGet(sPB).localGet(nc).localGet(kc).i32Const(NR);
  c.call(base + F_PACK);
  c.localGet(pB).localSet(bAt);
  c.end();
  c.i32Const(0).localSet(ic);
  c.loop();
  minU(
    c,
    () => c.localGet(mr).localGet(ic).i32Sub(),
    () => c.i32Const(MC),
  );
  c.localSet(mc);
  // aAt = a + (r0 + ic)·sI + pc·sPA: read in place (rawA), else pack(pA, aAt, sI, sPA, mc, kc, MR)
  c.localGet(a).localGet(r0).localGet(ic).i32Add().localGet(sI).i32Mul().i32Add();
  c.localGet(pc).localGet(sPA).i32Mul().i32Add().localSet(aAt);
  c.localGet(rawA).i32Eqz().if();
  c.localGet(pA).localGet(aAt).localGet(sI).localGet(sPA).localGet(mc).localGet(kc).i32Const(MR);
  c.call(base + F_PACK);
  c.localGet(pA).localSet(aAt);
  c.end();
  // cRow = c + ((r0 + ic)·ldc + jc)·4, scr = pC + ic·ncp·4: this row block in C and in the scratch
  c.localGet(cc).localGet(r0).localGet(ic).i32Add().localGet(ldc).i32Mul().localGet(jc).i32Add();
  c.i32Const(2).i32Shl().i32Add().localSet(cRow);
  c.localGet(pC).localGet(ic).localGet(ncp).i32Mul().i32Const(2).i32Shl().i32Add().localSet(scr);
  // fr x fc: the rows and columns in whole 4x8 tiles, which go straight into C (none adding to C)
  c.localGet(mc).i32Const(-MR).i32And().i32Const(0).localGet(noAcc).select().localSet(fr);
  c.localGet(nc).i32Const(-NR).i32And().i32Const(0).localGet(noAcc).select().localSet(fc);
  c.localGet(pc).localGet(kc).i32Add().localGet(k).i32GeU().localSet(last);
  // panel strides: in place MR·sI (A) and 32 (B), packed kc·16 and kc·32
  c.localGet(sI).i32Const(2).i32Shl().localGet(kc).i32Const(4).i32Shl().localGet(rawA).select();
  c.localSet(aPanel);
  c.i32Const(32).localGet(kc).i32Const(5).i32Shl().localGet(rawB).select().localSet(bPanel);
  type Push = () => void;
  /**
   * gemmBlock(np, nq, kc, A, B, target, ldt, pc != 0, bias?, act?, strides): `epi` gives it the
   * bias and activation on the last k block (tiles straight into C); the strided kernel when A is
   * a row-major A in place (its lanes sI apart), else the one with constant lane offsets.
   */
  const block = (np: Push, nq: Push, at: Push, bt: Push, target: Push, ldt: Push, epi: boolean) => {
    const args = (): void => {
      np();
      nq();
      c.localGet(kc);
      at();
      bt();
      target();
      ldt();
      c.localGet(pc);
      if (epi) {
        c.localGet(biasAt).i32Const(0).localGet(last).select();
        c.localGet(act).i32Const(0).localGet(last).select();
      } else c.i32Const(0).i32Const(0);
      c.localGet(sPA).i32Const(16).localGet(rawA).select().localGet(aPanel);
      c.localGet(sPB).i32Const(32).localGet(rawB).select().localGet(bPanel);
    };
    c.localGet(rawA).localGet(sI).i32Const(4).i32Ne().i32And().if();
    args();
    c.localGet(sI).call(base + F_BLOCK_ROWS);
    c.else();
    args();
    c.call(base + F_BLOCK);
    c.end();
  };
  /** writeOut(from, ncp·4, rows, cols, to, ldc·4, accumulate, bias, act) after the last k block. */
  const finish = (from: Push, rows: Push, cols: Push, to: Push, bias: Push): void => {
    c.localGet(last).if();
    from();
    c.localGet(ncp).i32Const(2).i32Shl();
    rows();
    cols();
    to();
    c.localGet(ldc).i32Const(2).i32Shl().localGet(flags).i32Const(FLAG.accumulate).i32And();
    bias();
    c.localGet(act).call(base + F_WRITE);
    c.end();
  };
  const get =
    (x: number): Push =>
    () =>
      c.localGet(x);
  const ldS = (): void => void c.localGet(ncp).i32Const(2).i32Shl();
  // whole tiles: fr / MR row panels x fc / NR column panels into C
  c.localGet(fr).i32Eqz().localGet(fc).i32Eqz().i32Or().i32Eqz().if();
  block(
    () => c.localGet(fr).i32Const(2).i32ShrU(),
    () => c.localGet(fc).i32Const(3).i32ShrU(),
    get(aAt),
    get(bAt),
    get(cRow),
    () => c.localGet(ldc).i32Const(2).i32Shl(),
    true,
  );
  c.end();
  // beside them the ragged last column panel, through the scratch (fr > 0, fc < nc)
  c.localGet(fr).i32Eqz().localGet(fc).localGet(nc).i32Eq().i32Or().i32Eqz().if();
  block(
    () => c.localGet(fr).i32Const(2).i32ShrU(),
    () => c.localGet(ncp).localGet(fc).i32Sub().i32Const(3).i32ShrU(),
    get(aAt),
    () => c.localGet(bAt).localGet(fc).i32Const(3).i32ShrU().localGet(bPanel).i32Mul().i32Add(),
    () => c.localGet(scr).localGet(fc).i32Const(2).i32Shl().i32Add(),
    ldS,
    false,
  );
  finish(
    () => c.localGet(scr).localGet(fc).i32Const(2).i32Shl().i32Add(),
    get(fr),
    () => c.localGet(nc).localGet(fc).i32Sub(),
    () => c.localGet(cRow).localGet(fc).i32Const(2).i32Shl().i32Add(),
    () => {
      c.localGet(biasAt).localGet(fc).i32Const(2).i32Shl().i32Add();
      c.i32Const(0).localGet(biasAt).select();
    },
  );
  c.end();
  // below them the ragged rows (all rows when adding to C), through the scratch
  c.localGet(fr).localGet(mc).i32LtU().if();
  block(
    () =>
      c
        .localGet(mc)
        .localGet(fr)
        .i32Sub()
        .i32Const(MR - 1)
        .i32Add()
        .i32Const(2)
        .i32ShrU(),
    () => c.localGet(ncp).i32Const(3).i32ShrU(),
    () => c.localGet(aAt).localGet(fr).i32Const(2).i32ShrU().localGet(aPanel).i32Mul().i32Add(),
    get(bAt),
    () => c.localGet(scr).localGet(fr).localGet(ncp).i32Mul().i32Const(2).i32Shl().i32Add(),
    ldS,
    false,
  );
  finish(
    () => c.localGet(scr).localGet(fr).localGet(ncp).i32Mul().i32Const(2).i32Shl().i32Add(),
    () => c.localGet(mc).localGet(fr).i32Sub(),
    get(nc),
    () => c.localGet(cRow).localGet(fr).localGet(ldc).i32Mul().i32Const(2).i32Shl().i32Add(),
    get(biasAt),
  );
  c.end();
  c.localGet(ic).i32Const(MC).i32Add().localTee(ic).localGet(mr).i32LtU().brIf(0);
  c.end();
  c.localGet(pc).localGet(kc).i32Add().localTee(pc).localGet(k).i32LtU().brIf(0);
  c.end();
  c.localGet(jc).i32Const(NC).i32Add().localSet(jc);
  c.br(0);
  c.end().end();
  c.localGet(r0).i32Const(ROWS).i32Add().localSet(r0);
  c.br(0);
  c.end().end();
  c.localGet(batch).i32Const(1).i32Add().localSet(batch);
  c.br(0);
  c.end().end();
  return { name: 'gemm', params: i32s(10), results: [], locals: i32s(37), code: c };
}

/** The exports of a compiled GEMM module (byte offsets into the heap everywhere). */
export interface GemmExports {
  gemm(
    desc: number,
    b0: number,
    b1: number,
    i0: number,
    i1: number,
    j0: number,
    j1: number,
    pA: number,
    pB: number,
    pC: number,
  ): void;
  /** gemv.ts: the same product for few rows, streaming B unpacked; pA k floats, pY j1 - j0. */
  gemv(
    desc: number,
    b0: number,
    b1: number,
    i0: number,
    i1: number,
    j0: number,
    j1: number,
    pA: number,
    pY: number,
  ): void;
  gemmBlock(
    np: number,
    nq: number,
    kc: number,
    ap: number,
    bp: number,
    cp: number,
    ldc: number,
    add: number,
    bias: number,
    act: number,
    aK: number,
    aPanel: number,
    bK: number,
    bPanel: number,
  ): void;
}

/**
 * The GEMM's functions for a module where they start at function index `base` (gemm at base + 3,
 * the strided micro-kernel after it): other kernels (conv tiles) can then call the GEMM from inside
 * wasm, on any thread.
 * @example const funcs = [...memoryRoutines(), ...gemmFuncs(fma, 3)];
 */
export function gemmFuncs(fma: boolean, base: number): FuncDef[] {
  return [
    gemmBlockCode(fma),
    packCode(),
    writeOutCode(),
    driverCode(base),
    gemmBlockCode(fma, true),
  ];
}

/**
 * Compiles the GEMM module against the heap's memory (relaxed FMA when `fma`). The module is returned
 * too, so worker threads can instantiate it on the same memory.
 * @example const { module, exports } = await compileGemm(heap, features.relaxedSimd);
 */
export async function compileGemm(
  heap: Heap,
  fma: boolean,
): Promise<{ module: WebAssembly.Module; exports: GemmExports }> {
  // the GEMM's functions at index 0 (gemm at 3), then the skinny-product path calling its write-out
  const bytes = assemble([...gemmFuncs(fma, 0), gemvCode(fma, F_WRITE)], {
    initialPages: 1,
    maximumPages: MAX_PAGES,
    shared: heap.shared,
  });
  // NOTE: compile asynchronously: browsers refuse synchronous compiles of big modules on the main thread
  const module = await WebAssembly.compile(bytes);
  const instance = await WebAssembly.instantiate(module, { env: { memory: heap.memory } });
  // a wasm export takes and returns numbers: the type guard states it once
  const isKernel = (f: unknown): f is (...args: number[]) => void => typeof f === 'function';
  const fn = (name: keyof GemmExports): ((...args: number[]) => void) => {
    const f = instance.exports[name];
    if (!isKernel(f)) throw new Error(`wasm: the GEMM module lacks its ${name} export`);
    return f;
  };
  return { module, exports: { gemm: fn('gemm'), gemv: fn('gemv'), gemmBlock: fn('gemmBlock') } };
}
