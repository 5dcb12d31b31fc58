// The skinny GEMM in wasm (few rows of A): B streamed once with f32x4, no packing; write-out shared with gemm.ts.
import { Code, F32, type FuncDef, I32, V128, type ValType } from './asm.js';
import { DESC, FLAG } from './gemm_desc.js';

/**
 * Up to this many rows of op(A) per product take the GEMV path: the GEMM packs a whole KC x NC panel
 * of B for every row block, which costs about what streaming B once for a row does, so below ~4 rows
 * the packing alone is as slow as the product (measured: scratch/gemv.mts, 784x512 B).
 */
export const GEMV_ROWS = 4;

/**
 * Rows of B per step of the row-major path: pY is loaded and stored once per AXPY_ROWS multiply-adds,
 * and that many streams of B are in flight (8 measured faster than 4 on 784x512: scratch/mm.mts).
 */
const AXPY_ROWS = 8;

function i32s(n: number): ValType[] {
  return new Array<ValType>(n).fill(I32);
}

/**
 * gemv(desc, b0, b1, i0, i1, j0, j1, pA, pY): for batches [b0, b1) of the GEMM descriptor at `desc`
 * (gemm.ts DESC), rows [i0, i1) and columns [j0, j1) of C = epilogue(op(A) · op(B) (+ C)), one row at
 * a time. pA is scratch for k floats (the row of op(A), made contiguous), pY for j1 - j0 floats (the
 * row's sums before the epilogue). B row-major ([k, n]): y += a[p..p+7] · B[p..p+7, :], eight rows of
 * B streamed together, each element summed in order of p. B transposed ([n, k]): one dot product per
 * column with four f32x4 accumulators. Each element's order depends on nothing but k and its column's
 * place (vector lanes vs the scalar tail), so splits at multiples of 4 columns give bitwise the same C.
 * `write` is the index of gemm.ts's writeOut in the module, `fma` uses relaxed multiply-add.
 */
export function gemvCode(fma: boolean, write: number): FuncDef {
  const [desc, b0, b1, i0, i1, j0, j1, pA, pY] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [m, ldc, k, flags, bias, act, sI, sPA, batch, a, b, cc, i, p, jb, vecEnd, colEnd] = [
    9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
  ];
  const [s, d, q, k16, k4] = [26, 27, 28, 29, 30];
  const row = [31, 32, 33, 34, 35, 36, 37, 38];
  const av = [39, 40, 41, 42, 43, 44, 45, 46];
  const acc = [47, 48, 49, 50];
  const y = 51;
  const sum = 52;
  const sB = 53;
  const c = new Code();
  // target = x · (what load pushes) + target, fused when relaxed FMA is on
  const madd = (x: number, load: () => void, target: number): void => {
    c.localGet(x);
    load();
    if (fma) c.localGet(target).f32x4RelaxedMadd().localSet(target);
    else c.f32x4Mul().localGet(target).f32x4Add().localSet(target);
  };
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
  // strides as gemm.ts reads them: given (FLAG.strided), else those of contiguous operands; sB is
  // B's row stride in bytes (its stored rows are contiguous: the host copies a B that is not)
  c.localGet(flags).i32Const(FLAG.strided).i32And().if();
  field(DESC.sI, sI);
  field(DESC.sPA, sPA);
  field(DESC.ldc, ldc);
  c.localGet(flags).i32Const(FLAG.transB).i32And().if();
  field(DESC.sJ, sB);
  c.else();
  field(DESC.sPB, sB);
  c.end();
  c.else();
  field(DESC.n, ldc);
  c.localGet(flags).i32Const(FLAG.transA).i32And().if();
  c.i32Const(4).localSet(sI).localGet(m).i32Const(2).i32Shl().localSet(sPA);
  c.else();
  c.localGet(k).i32Const(2).i32Shl().localSet(sI).i32Const(4).localSet(sPA);
  c.end();
  // B stored [n, k] (transposed) or [k, n]
  c.localGet(k).localGet(ldc).localGet(flags).i32Const(FLAG.transB).i32And().select();
  c.i32Const(2).i32Shl().localSet(sB);
  c.end();
  c.localGet(j1).localGet(j0).i32Sub().i32Const(2).i32Shl().localTee(colEnd);
  c.i32Const(-16).i32And().localSet(vecEnd);
  c.localGet(k).i32Const(-16).i32And().localSet(k16);
  c.localGet(k).i32Const(-4).i32And().localSet(k4);
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
  c.localGet(i0).localSet(i);
  c.block().loop();
  c.localGet(i).localGet(i1).i32GeU().brIf(1);
  // pA[0..k) = row i of op(A) (strided when A is transposed); k > 0 here
  c.localGet(a).localGet(i).localGet(sI).i32Mul().i32Add().localSet(s);
  c.localGet(pA).localSet(d);
  c.localGet(k).localSet(q);
  c.loop();
  c.localGet(d).localGet(s).f32Load().f32Store();
  c.localGet(d).i32Const(4).i32Add().localSet(d);
  c.localGet(s).localGet(sPA).i32Add().localSet(s);
  c.localGet(q).i32Const(1).i32Sub().localTee(q).brIf(0);
  c.end();
  c.localGet(flags).i32Const(FLAG.transB).i32And().if();
  emitDots();
  c.else();
  emitAxpys();
  c.end();
  // writeOut(pY, 0, 1, cols, c + (i·ldc + j0)·4, ldc·4, accumulate, bias ? bias + j0·4 : 0, act)
  c.localGet(pY).i32Const(0).i32Const(1).localGet(colEnd).i32Const(2).i32ShrU();
  c.localGet(cc).localGet(i).localGet(ldc).i32Mul().localGet(j0).i32Add().i32Const(2).i32Shl();
  c.i32Add();
  c.localGet(ldc).i32Const(2).i32Shl().localGet(flags).i32Const(FLAG.accumulate).i32And();
  c.localGet(bias).localGet(j0).i32Const(2).i32Shl().i32Add().i32Const(0).localGet(bias).select();
  c.localGet(act).call(write);
  c.localGet(i).i32Const(1).i32Add().localSet(i);
  c.br(0);
  c.end().end();
  c.localGet(batch).i32Const(1).i32Add().localSet(batch);
  c.br(0);
  c.end().end();

  /** B transposed: pY[j] = pA · B[j0 + j, :], four f32x4 partial sums, then the k mod 4 tail. */
  function emitDots(): void {
    // row[0] walks B's rows: b + j0·k·4
    c.localGet(b).localGet(j0).localGet(sB).i32Mul().i32Add().localSet(row[0]);
    c.i32Const(0).localSet(jb);
    c.loop();
    for (const x of acc) c.v128Zero().localSet(x);
    c.i32Const(0).localSet(p);
    // 16 floats of k per step into four accumulators
    c.block().loop();
    c.localGet(p).localGet(k16).i32GeU().brIf(1);
    c.localGet(pA).localGet(p).i32Const(2).i32Shl().i32Add().localSet(s);
    c.localGet(row[0]).localGet(p).i32Const(2).i32Shl().i32Add().localSet(d);
    for (let h = 0; h < 4; h++) {
      c.localGet(s)
        .v128Load(16 * h)
        .localSet(av[h]);
      madd(av[h], () => c.localGet(d).v128Load(16 * h), acc[h]);
    }
    c.localGet(p).i32Const(16).i32Add().localSet(p);
    c.br(0);
    c.end().end();
    c.block().loop();
    c.localGet(p).localGet(k4).i32GeU().brIf(1);
    c.localGet(pA).localGet(p).i32Const(2).i32Shl().i32Add().v128Load().localSet(y);
    madd(y, () => c.localGet(row[0]).localGet(p).i32Const(2).i32Shl().i32Add().v128Load(), acc[0]);
    c.localGet(p).i32Const(4).i32Add().localSet(p);
    c.br(0);
    c.end().end();
    // ((acc0 + acc1) + (acc2 + acc3)), lanes summed pairwise
    c.localGet(acc[0]).localGet(acc[1]).f32x4Add();
    c.localGet(acc[2]).localGet(acc[3]).f32x4Add().f32x4Add().localSet(y);
    c.localGet(y).f32x4ExtractLane(0).localGet(y).f32x4ExtractLane(1).f32Add();
    c.localGet(y)
      .f32x4ExtractLane(2)
      .localGet(y)
      .f32x4ExtractLane(3)
      .f32Add()
      .f32Add()
      .localSet(sum);
    c.block().loop();
    c.localGet(p).localGet(k).i32GeU().brIf(1);
    c.localGet(sum);
    c.localGet(pA).localGet(p).i32Const(2).i32Shl().i32Add().f32Load();
    c.localGet(row[0]).localGet(p).i32Const(2).i32Shl().i32Add().f32Load();
    c.f32Mul().f32Add().localSet(sum);
    c.localGet(p).i32Const(1).i32Add().localSet(p);
    c.br(0);
    c.end().end();
    c.localGet(pY).localGet(jb).i32Add().localGet(sum).f32Store();
    c.localGet(row[0]).localGet(sB).i32Add().localSet(row[0]);
    c.localGet(jb).i32Const(4).i32Add().localTee(jb).localGet(colEnd).i32LtU().brIf(0);
    c.end();
  }

  /** B row-major: pY = 0, then pY += pA[p..p+r) · B[p..p+r, j0:j1) for r = 8 rows, then 1 at a time. */
  function emitAxpys(): void {
    c.localGet(pY).i32Const(0).localGet(colEnd).memoryFill();
    c.i32Const(0).localSet(p);
    for (const r of [AXPY_ROWS, 1]) {
      // while p + r <= k
      c.block().loop();
      c.localGet(p).i32Const(r).i32Add().localGet(k).i32GtU().brIf(1);
      // row[h] = b + (p + h)·sB + j0·4, av[h] = splat(pA[p + h])
      c.localGet(b).localGet(p).localGet(sB).i32Mul().i32Add();
      c.localGet(j0).i32Const(2).i32Shl().i32Add().localSet(row[0]);
      for (let h = 1; h < r; h++)
        c.localGet(row[h - 1])
          .localGet(sB)
          .i32Add()
          .localSet(row[h]);
      for (let h = 0; h < r; h++)
        c.localGet(pA)
          .localGet(p)
          .i32Const(2)
          .i32Shl()
          .i32Add()
          .v128Load32Splat(4 * h)
          .localSet(av[h]);
      // whole vectors of columns
      c.i32Const(0).localSet(jb);
      c.block().loop();
      c.localGet(jb).localGet(vecEnd).i32GeU().brIf(1);
      c.localGet(pY).localGet(jb).i32Add().v128Load().localSet(y);
      for (let h = 0; h < r; h++)
        madd(av[h], () => c.localGet(row[h]).localGet(jb).i32Add().v128Load(), y);
      c.localGet(pY).localGet(jb).i32Add().localGet(y).v128Store();
      c.localGet(jb).i32Const(16).i32Add().localSet(jb);
      c.br(0);
      c.end().end();
      // the last (j1 - j0) mod 4 columns, scalar, same order
      c.block().loop();
      c.localGet(jb).localGet(colEnd).i32GeU().brIf(1);
      c.localGet(pY).localGet(jb).i32Add();
      c.localGet(pY).localGet(jb).i32Add().f32Load();
      for (let h = 0; h < r; h++) {
        c.localGet(av[h]).f32x4ExtractLane(0);
        c.localGet(row[h]).localGet(jb).i32Add().f32Load();
        c.f32Mul().f32Add();
      }
      c.f32Store();
      c.localGet(jb).i32Const(4).i32Add().localSet(jb);
      c.br(0);
      c.end().end();
      c.localGet(p).i32Const(r).i32Add().localSet(p);
      c.br(0);
      c.end().end();
    }
  }

  return {
    name: 'gemv',
    params: i32s(9),
    results: [],
    locals: [...i32s(30), ...new Array<ValType>(13).fill(V128), F32, I32],
    code: c,
  };
}
