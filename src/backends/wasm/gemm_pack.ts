// The GEMM's data movement in wasm: packing panels of A and B, and the write-out of C with bias + activation.
import { ACT, emitActivationOf } from './activation.js';
import { Code, type FuncDef, I32, V128, type ValType } from './asm.js';

function i32s(n: number): ValType[] {
  return new Array<ValType>(n).fill(I32);
}

/**
 * pack(dst, src, sPanel, sK, count, kc, w): panels of w lanes, k-major and zero-padded, as the
 * micro-kernel reads them: dst[(q·kc + p)·w + r] = src[(q·w + r)·sPanel + p·sK] for q·w + r < count.
 * Strides are in bytes. Where the lanes are contiguous (sPanel = 4: A transposed, B not), full panels
 * copy with v128 loads; where k is (sK = 4: A not transposed, B transposed), full panels go through
 * 4x4 shuffle transposes; the ragged last panel goes lane by lane.
 * @example const funcs = [gemmBlockCode(fma), packCode(), writeOutCode()];
 */
export function packCode(): FuncDef {
  const [dst, src, sPanel, sK, count, kc, w] = [0, 1, 2, 3, 4, 5, 6];
  const [q, full, p, d, s, r, h, panels, g, kc4] = [7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
  const rowPtr = [17, 18, 19, 20];
  const row = [21, 22, 23, 24];
  const tmp = [25, 26, 27, 28];
  // i32s after the v128s: panels per 64-byte line of the source, bytes of one packed panel
  const [lineP, pStride] = [29, 30];
  const c = new Code();
  // full = sPanel == 4 ? count / w : 0
  c.localGet(count).localGet(w).i32DivU().i32Const(0);
  c.localGet(sPanel).i32Const(4).i32Eq().select().localSet(full);
  // whole 64-byte lines of the source (16 / w panels) at a time, k inner: each source line is read
  // once and each panel written as one sequential stream (k outer, panels inner wrote kc·w·4 bytes
  // apart, one cache set when that is a multiple of 4 KiB: 3x slower for B 256 x 512)
  c.localGet(full).if();
  c.i32Const(16).localGet(w).i32DivU().localSet(lineP);
  c.localGet(kc).localGet(w).i32Mul().i32Const(2).i32Shl().localSet(pStride);
  c.i32Const(0).localSet(q);
  c.block().loop();
  c.localGet(q).localGet(lineP).i32Add().localGet(full).i32GtU().brIf(1);
  c.localGet(src).localGet(q).localGet(w).i32Mul().i32Const(2).i32Shl().i32Add().localSet(s);
  // rowPtr[i]: where panel q + i of this line goes, one k after another
  c.localGet(dst).localGet(q).localGet(pStride).i32Mul().i32Add().localSet(rowPtr[0]);
  for (let i = 1; i < 4; i++)
    c.localGet(rowPtr[i - 1])
      .localGet(pStride)
      .i32Add()
      .localSet(rowPtr[i]);
  c.localGet(kc).localSet(p);
  // w = 8: two panels of two vectors per k; w = 4: four panels of one
  c.localGet(w).i32Const(8).i32Eq().if();
  c.loop();
  for (let i = 0; i < 4; i++)
    c.localGet(rowPtr[i >> 1])
      .localGet(s)
      .v128Load(16 * i)
      .v128Store(16 * (i & 1));
  for (let i = 0; i < 2; i++) c.localGet(rowPtr[i]).i32Const(32).i32Add().localSet(rowPtr[i]);
  c.localGet(s).localGet(sK).i32Add().localSet(s);
  c.localGet(p).i32Const(1).i32Sub().localTee(p).brIf(0);
  c.end();
  c.else();
  c.loop();
  for (let i = 0; i < 4; i++) {
    c.localGet(rowPtr[i])
      .localGet(s)
      .v128Load(16 * i)
      .v128Store();
    c.localGet(rowPtr[i]).i32Const(16).i32Add().localSet(rowPtr[i]);
  }
  c.localGet(s).localGet(sK).i32Add().localSet(s);
  c.localGet(p).i32Const(1).i32Sub().localTee(p).brIf(0);
  c.end();
  c.end();
  c.localGet(q).localGet(lineP).i32Add().localSet(q);
  c.br(0);
  c.end().end();
  // the whole panels left (fewer than a line's), one at a time
  c.block().loop();
  c.localGet(q).localGet(full).i32GeU().brIf(1);
  c.localGet(src).localGet(q).localGet(w).i32Mul().i32Const(2).i32Shl().i32Add().localSet(s);
  c.localGet(dst).localGet(q).localGet(pStride).i32Mul().i32Add().localSet(d);
  c.localGet(kc).localSet(p);
  c.loop();
  c.i32Const(0).localSet(h);
  c.loop();
  c.localGet(d).localGet(h).i32Add();
  c.localGet(s).localGet(h).i32Add().v128Load();
  c.v128Store();
  c.localGet(h).i32Const(16).i32Add().localTee(h).localGet(w).i32Const(2).i32Shl().i32LtU().brIf(0);
  c.end();
  c.localGet(s).localGet(sK).i32Add().localSet(s);
  c.localGet(d).localGet(w).i32Const(2).i32Shl().i32Add().localSet(d);
  c.localGet(p).i32Const(1).i32Sub().localTee(p).brIf(0);
  c.end();
  c.localGet(q).i32Const(1).i32Add().localSet(q);
  c.br(0);
  c.end().end();
  c.end();
  c.localGet(full).localSet(q);
  // transposing layouts: full panels (from q on) in 4-lane groups, four k at a time
  c.localGet(count).localGet(w).i32DivU().i32Const(0);
  c.localGet(sK).i32Const(4).i32Eq().select().localSet(full);
  c.localGet(kc).i32Const(-4).i32And().localSet(kc4);
  c.block().loop();
  c.localGet(q).localGet(full).i32GeU().brIf(1);
  c.i32Const(0).localSet(g);
  c.loop();
  // rowPtr[i] = src + (q·w + g + i)·sPanel, d = dst + (q·kc·w + g)·4
  c.localGet(src).localGet(q).localGet(w).i32Mul().localGet(g).i32Add().localGet(sPanel).i32Mul();
  c.i32Add().localSet(rowPtr[0]);
  for (let i = 1; i < 4; i++)
    c.localGet(rowPtr[i - 1])
      .localGet(sPanel)
      .i32Add()
      .localSet(rowPtr[i]);
  c.localGet(dst).localGet(q).localGet(kc).i32Mul().localGet(w).i32Mul().localGet(g).i32Add();
  c.i32Const(2).i32Shl().i32Add().localSet(d);
  c.i32Const(0).localSet(p);
  c.block().loop();
  c.localGet(p).localGet(kc4).i32GeU().brIf(1);
  for (let i = 0; i < 4; i++) c.localGet(rowPtr[i]).v128Load().localSet(row[i]);
  // rows r0..r3 (lanes = k) -> columns (lanes = r): interleave pairs, then halves
  c.localGet(row[0]).localGet(row[1]).f32x4Shuffle(0, 4, 1, 5).localSet(tmp[0]);
  c.localGet(row[2]).localGet(row[3]).f32x4Shuffle(0, 4, 1, 5).localSet(tmp[1]);
  c.localGet(row[0]).localGet(row[1]).f32x4Shuffle(2, 6, 3, 7).localSet(tmp[2]);
  c.localGet(row[2]).localGet(row[3]).f32x4Shuffle(2, 6, 3, 7).localSet(tmp[3]);
  const out = (i: number, x: number, y: number, lanes: [number, number, number, number]): void => {
    c.localGet(d).localGet(w).i32Const(2).i32Shl().i32Const(i).i32Mul().i32Add();
    c.localGet(x)
      .localGet(y)
      .f32x4Shuffle(...lanes)
      .v128Store();
  };
  out(0, tmp[0], tmp[1], [0, 1, 4, 5]);
  out(1, tmp[0], tmp[1], [2, 3, 6, 7]);
  out(2, tmp[2], tmp[3], [0, 1, 4, 5]);
  out(3, tmp[2], tmp[3], [2, 3, 6, 7]);
  for (let i = 0; i < 4; i++) c.localGet(rowPtr[i]).i32Const(16).i32Add().localSet(rowPtr[i]);
  c.localGet(d).localGet(w).i32Const(4).i32Shl().i32Add().localSet(d);
  c.localGet(p).i32Const(4).i32Add().localSet(p);
  c.br(0);
  c.end().end();
  // the last kc mod 4 k, one float per lane
  c.block().loop();
  c.localGet(p).localGet(kc).i32GeU().brIf(1);
  for (let i = 0; i < 4; i++) {
    c.localGet(d)
      .localGet(rowPtr[i])
      .f32Load()
      .f32Store(4 * i);
    c.localGet(rowPtr[i]).i32Const(4).i32Add().localSet(rowPtr[i]);
  }
  c.localGet(d).localGet(w).i32Const(2).i32Shl().i32Add().localSet(d);
  c.localGet(p).i32Const(1).i32Add().localSet(p);
  c.br(0);
  c.end().end();
  c.localGet(g).i32Const(4).i32Add().localTee(g).localGet(w).i32LtU().brIf(0);
  c.end();
  c.localGet(q).i32Const(1).i32Add().localSet(q);
  c.br(0);
  c.end().end();
  // lane by lane for panels q..ceil(count / w)
  c.localGet(count)
    .localGet(w)
    .i32Add()
    .i32Const(1)
    .i32Sub()
    .localGet(w)
    .i32DivU()
    .localSet(panels);
  c.block().loop();
  c.localGet(q).localGet(panels).i32GeU().brIf(1);
  c.i32Const(0).localSet(r);
  c.loop();
  // d = dst + (q·kc·w + r)·4
  c.localGet(dst).localGet(q).localGet(kc).i32Mul().localGet(w).i32Mul().localGet(r).i32Add();
  c.i32Const(2).i32Shl().i32Add().localSet(d);
  c.localGet(kc).localSet(p);
  c.localGet(q).localGet(w).i32Mul().localGet(r).i32Add().localGet(count).i32LtU();
  c.if();
  c.localGet(src).localGet(q).localGet(w).i32Mul().localGet(r).i32Add().localGet(sPanel).i32Mul();
  c.i32Add().localSet(s);
  c.loop();
  c.localGet(d).localGet(s).f32Load().f32Store();
  c.localGet(d).localGet(w).i32Const(2).i32Shl().i32Add().localSet(d);
  c.localGet(s).localGet(sK).i32Add().localSet(s);
  c.localGet(p).i32Const(1).i32Sub().localTee(p).brIf(0);
  c.end();
  c.else();
  c.loop();
  c.localGet(d).i32Const(0).i32Store();
  c.localGet(d).localGet(w).i32Const(2).i32Shl().i32Add().localSet(d);
  c.localGet(p).i32Const(1).i32Sub().localTee(p).brIf(0);
  c.end();
  c.end();
  c.localGet(r).i32Const(1).i32Add().localTee(r).localGet(w).i32LtU().brIf(0);
  c.end();
  c.localGet(q).i32Const(1).i32Add().localSet(q);
  c.br(0);
  c.end().end();
  return {
    name: 'pack',
    params: i32s(7),
    results: [],
    locals: [...i32s(14), ...new Array<ValType>(8).fill(V128), ...i32s(2)],
    code: c,
  };
}

/**
 * writeOut(s, ldS, rows, cols, c, ldc, accumulate, bias, act): C = act((C if accumulate) + S + bias)
 * over rows x cols, S the padded scratch (row stride ldS bytes), C row stride ldc bytes, bias a byte
 * offset (0: none) of the bias at C's first column. Four columns at a time, then lane 0 for the tail.
 * @example const funcs = [gemmBlockCode(fma), packCode(), writeOutCode()];
 */
export function writeOutCode(): FuncDef {
  const [s, ldS, rows, cols, cp, ldc, acc, bias, act] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [j, vecEnd, end, v] = [9, 10, 11, 12];
  const t = [13, 14, 15, 16] as const;
  const c = new Code();
  c.localGet(cols).i32Const(-4).i32And().i32Const(2).i32Shl().localSet(vecEnd);
  c.localGet(cols).i32Const(2).i32Shl().localSet(end);
  // a loop over the rows per activation, so no vector tests the activation code
  for (const code of Object.values(ACT)) {
    c.localGet(act).i32Const(code).i32Eq().if();
    c.loop();
    c.i32Const(0).localSet(j);
    // one pass for whole vectors, one for the tail: `load` pushes a vector from an address on the stack
    const pass = (
      limit: number,
      step: number,
      load: (c: Code) => Code,
      store: () => void,
    ): void => {
      c.block().loop();
      c.localGet(j).localGet(limit).i32GeU().brIf(1);
      load(c.localGet(s).localGet(j).i32Add()).localSet(v);
      c.localGet(acc).if();
      load(c.localGet(v).localGet(cp).localGet(j).i32Add()).f32x4Add().localSet(v);
      c.end();
      c.localGet(bias).if();
      load(c.localGet(v).localGet(bias).localGet(j).i32Add()).f32x4Add().localSet(v);
      c.end();
      emitActivationOf(c, code, { x: v, t });
      c.localGet(cp).localGet(j).i32Add().localGet(v);
      store();
      c.localGet(j).i32Const(step).i32Add().localSet(j);
      c.br(0);
      c.end().end();
    };
    pass(
      vecEnd,
      16,
      (x) => x.v128Load(),
      () => c.v128Store(),
    );
    pass(
      end,
      4,
      (x) => x.v128Load32Zero(),
      () => c.v128Store32Lane(0),
    );
    c.localGet(s).localGet(ldS).i32Add().localSet(s);
    c.localGet(cp).localGet(ldc).i32Add().localSet(cp);
    c.localGet(rows).i32Const(1).i32Sub().localTee(rows).brIf(0);
    c.end();
    c.end();
  }
  return {
    name: 'writeOut',
    params: i32s(9),
    results: [],
    locals: [...i32s(3), ...new Array<ValType>(5).fill(V128)],
    code: c,
  };
}
