// wasm general broadcasting binaries (f32, inner runs in f32x4) and float32 <-> int32 casts.
import type { DType } from '../../core/dtype.js';
import { sizeOf, type Shape } from '../../core/shape.js';
import type { BinaryOp } from '../../core/elementwise_table.js';
import type { DataId, TensorInfo } from '../backend.js';
import { broadcastStrides } from '../cpu/elementwise.js';
import { Code, F64, type FuncDef, I32, V128, type ValType } from './asm.js';
import { BINARY_SCRATCH, SIMD_BINARY, type SimdBinaryOp } from './elementwise.js';
import { instantiateVoid, type VoidKernel } from './emit.js';
import { walkOf } from './fused_walk.js';
import type { WasmStore } from './store.js';

/** The scalar f32 code of each SIMD binary op, for the tail of a row; `s` is a scratch f64 local. */
const SCALAR: Record<SimdBinaryOp, (c: Code, s: number) => Code> = {
  add: (c) => c.f32Add(),
  sub: (c) => c.f32Sub(),
  mul: (c) => c.f32Mul(),
  div: (c) => c.f32Div(),
  maximum: (c) => c.f32Max(),
  minimum: (c) => c.f32Min(),
  // in double, as the reference
  squaredDifference: (c, s) =>
    c
      .f64PromoteF32()
      .localSet(s)
      .f64PromoteF32()
      .localGet(s)
      .f64Sub()
      .localTee(s)
      .localGet(s)
      .f64Mul()
      .f32DemoteF64(),
};
const OPS = Object.keys(SCALAR).filter((op): op is SimdBinaryOp => op in SIMD_BINARY);

/**
 * rows x cols of out = op(a, b): along a row each operand steps one float (col flag 1) or stays put
 * (0, splatted); between rows it moves by its row stride in bytes. Rows are written in order, whole
 * vectors first and the last cols % 4 one by one, so nothing is written past a row.
 */
function broadcastCode(op: SimdBinaryOp): FuncDef {
  // params 0 a, 1 aCol, 2 aRow, 3 b, 4 bCol, 5 bRow, 6 out, 7 rows, 8 cols
  // locals 9 r, 10 j, 11 pa, 12 pb (i32), 13 va, 14 vb, 15..17 the op's scratch (v128), 18 (f64)
  const [a, aCol, aRow, b, bCol, bRow, out, rows, cols] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [r, j, pa, pb, va, vb] = [9, 10, 11, 12, 13, 14];
  const c = new Code();
  const step = (p: number, col: number, shift: number): void => {
    c.localGet(p).localGet(col).i32Const(shift).i32Shl().i32Add().localSet(p);
  };
  // the vector loop of one row, specialised by which operands step along it (a repeated one is
  // splatted once a row), so the loop body is a load or two, the op and a store
  const vectors = (aSteps: boolean, bSteps: boolean): void => {
    c.block().loop();
    c.localGet(j).i32Const(4).i32Add().localGet(cols).i32GtU().brIf(1);
    c.localGet(out);
    if (aSteps) c.localGet(pa).v128Load();
    else c.localGet(va);
    if (bSteps) c.localGet(pb).v128Load();
    else c.localGet(vb);
    SIMD_BINARY[op](c, 15).v128Store();
    if (aSteps) c.localGet(pa).i32Const(16).i32Add().localSet(pa);
    if (bSteps) c.localGet(pb).i32Const(16).i32Add().localSet(pb);
    c.localGet(out).i32Const(16).i32Add().localSet(out);
    c.localGet(j).i32Const(4).i32Add().localSet(j);
    c.br(0).end().end();
  };
  c.i32Const(0).localSet(r);
  c.block().loop();
  c.localGet(r).localGet(rows).i32GeU().brIf(1);
  c.localGet(a).localSet(pa).localGet(b).localSet(pb).i32Const(0).localSet(j);
  c.localGet(pa).v128Load32Splat().localSet(va);
  c.localGet(pb).v128Load32Splat().localSet(vb);
  c.localGet(aCol).if();
  c.localGet(bCol).if();
  vectors(true, true);
  c.else();
  vectors(true, false);
  c.end();
  c.else();
  c.localGet(bCol).if();
  vectors(false, true);
  c.else();
  vectors(false, false);
  c.end();
  c.end();
  c.block().loop();
  c.localGet(j).localGet(cols).i32GeU().brIf(1);
  c.localGet(out).localGet(pa).f32Load().localGet(pb).f32Load();
  SCALAR[op](c, 18).f32Store();
  step(pa, aCol, 2);
  step(pb, bCol, 2);
  c.localGet(out).i32Const(4).i32Add().localSet(out);
  c.localGet(j).i32Const(1).i32Add().localSet(j);
  c.br(0).end().end();
  c.localGet(a).localGet(aRow).i32Add().localSet(a);
  c.localGet(b).localGet(bRow).i32Add().localSet(b);
  c.localGet(r).i32Const(1).i32Add().localSet(r);
  c.br(0).end().end();
  return {
    name: `bcast_${op}`,
    params: new Array(9).fill(I32),
    results: [],
    locals: [I32, I32, I32, I32, V128, V128, ...new Array<ValType>(BINARY_SCRATCH).fill(V128), F64],
    code: c,
  };
}

/**
 * rows x cols of out = an operand of `width`-byte elements broadcast: along a row src steps one element
 * (col 1) or stays put (0, splatted once per row); between rows it moves `rowBytes`. out is contiguous;
 * whole vectors (16 bytes) first, the rest one element at a time, so nothing is written past rows x
 * cols. Values are copied as bits (the fused kernel gathers its broadcast inputs with it: float32 and
 * int32 with width 4, bool with width 1).
 */
function gatherCode(width: 1 | 4): FuncDef {
  // params 0 src, 1 col, 2 rowBytes, 3 out, 4 rows, 5 cols; locals 6 r, 7 j, 8 p (i32), 9 v (v128)
  const [src, col, rowBytes, out, rows, cols] = [0, 1, 2, 3, 4, 5];
  const [r, j, p, v] = [6, 7, 8, 9];
  const lanes = 16 / width;
  const shift = width === 4 ? 2 : 0;
  const c = new Code();
  c.i32Const(0).localSet(r);
  c.block().loop();
  c.localGet(r).localGet(rows).i32GeU().brIf(1);
  c.localGet(src).localSet(p).i32Const(0).localSet(j);
  c.localGet(p);
  if (width === 4) c.v128Load32Splat();
  else c.v128Load8Splat();
  c.localSet(v);
  c.block().loop();
  c.localGet(j).i32Const(lanes).i32Add().localGet(cols).i32GtU().brIf(1);
  c.localGet(col).if().localGet(out).localGet(p).v128Load().v128Store();
  c.else().localGet(out).localGet(v).v128Store().end();
  c.localGet(p).localGet(col).i32Const(4).i32Shl().i32Add().localSet(p);
  c.localGet(out).i32Const(16).i32Add().localSet(out);
  c.localGet(j).i32Const(lanes).i32Add().localSet(j);
  c.br(0).end().end();
  c.block().loop();
  c.localGet(j).localGet(cols).i32GeU().brIf(1);
  c.localGet(out).localGet(p);
  if (width === 4) c.i32Load().i32Store();
  else c.i32Load8U().i32Store8();
  c.localGet(p).localGet(col).i32Const(shift).i32Shl().i32Add().localSet(p);
  c.localGet(out).i32Const(width).i32Add().localSet(out);
  c.localGet(j).i32Const(1).i32Add().localSet(j);
  c.br(0).end().end();
  c.localGet(src).localGet(rowBytes).i32Add().localSet(src);
  c.localGet(r).i32Const(1).i32Add().localSet(r);
  c.br(0).end().end();
  return {
    name: `gather${width * 8}`,
    params: new Array<ValType>(6).fill(I32),
    results: [],
    locals: [I32, I32, I32, V128],
    code: c,
  };
}

/** n values converted f32 -> i32 (toward zero) or i32 -> f32, 4 at a time, the tail one by one. */
function castCode(toInt: boolean): FuncDef {
  // params 0 x, 1 out, 2 n; local 3 i
  const c = new Code();
  const conv = (): Code => (toInt ? c.i32x4TruncSatF32x4S() : c.f32x4ConvertI32x4S());
  c.i32Const(0).localSet(3);
  c.block().loop();
  c.localGet(3).i32Const(4).i32Add().localGet(2).i32GtU().brIf(1);
  c.localGet(1).localGet(0).v128Load();
  conv().v128Store();
  c.localGet(0).i32Const(16).i32Add().localSet(0);
  c.localGet(1).i32Const(16).i32Add().localSet(1);
  c.localGet(3).i32Const(4).i32Add().localSet(3);
  c.br(0).end().end();
  // the tail through a vector of one lane: load32_zero reads only the 4 bytes there
  c.block().loop();
  c.localGet(3).localGet(2).i32GeU().brIf(1);
  c.localGet(1).localGet(0).v128Load32Zero();
  conv().v128Store32Lane(0);
  c.localGet(0).i32Const(4).i32Add().localSet(0);
  c.localGet(1).i32Const(4).i32Add().localSet(1);
  c.localGet(3).i32Const(1).i32Add().localSet(3);
  c.br(0).end().end();
  return {
    name: toInt ? 'f32_i32' : 'i32_f32',
    params: [I32, I32, I32],
    results: [],
    locals: [I32],
    code: c,
  };
}

/** The planes of a broadcast: rows x cols of the output per call, each operand's steps in elements. */
export interface Planes {
  rows: number;
  cols: number;
  /** Per operand: its step along a row, 1 or 0 (the innermost collapsed dim is contiguous or broadcast). */
  colStep: number[];
  /** Per operand: its step from one row to the next. */
  rowStep: number[];
}

/**
 * Walks `outShape` as planes of its last two jointly collapsed dims (size-1 dims dropped, dims merged
 * where every operand walks them as one): `visit(planes, offsets, outOffset)` gets each operand's element
 * offset and the output's for every plane, the dims before them stepped by an odometer here.
 * @example forEachPlane([2, 3], [[3, 1], [0, 1]], (p, at, o) => console.log(p.rows, at, o))
 */
export function forEachPlane(
  outShape: Shape,
  strides: readonly (readonly number[])[],
  visit: (p: Planes, offsets: readonly number[], outOffset: number) => void,
): void {
  const w = walkOf(strides, outShape);
  const { rows, cols, outer, outerStrides } = w;
  const p = { rows, cols, colStep: w.colStep, rowStep: w.rowStride };
  const n = sizeOf(outShape);
  const idx = new Array<number>(outer.length).fill(0);
  const at = strides.map(() => 0);
  for (let o = 0; o < n; o += rows * cols) {
    visit(p, at, o);
    for (let d = outer.length - 1; d >= 0; d--) {
      idx[d]++;
      for (let q = 0; q < at.length; q++) at[q] += outerStrides[q][d];
      if (idx[d] < outer[d]) break;
      for (let q = 0; q < at.length; q++) at[q] -= outerStrides[q][d] * outer[d];
      idx[d] = 0;
    }
  }
}

/**
 * The compiled broadcast and cast kernels of one heap; each returns null where the reference runs.
 * @example const bc = await SimdBroadcast.compile(store); bc.binary('add', a, b, [4, 5]);
 */
export class SimdBroadcast {
  private constructor(
    private readonly store: WasmStore,
    private readonly fns: Record<string, VoidKernel>,
  ) {}

  static async compile(store: WasmStore): Promise<SimdBroadcast> {
    const funcs = [
      ...OPS.map(broadcastCode),
      castCode(true),
      castCode(false),
      gatherCode(4),
      gatherCode(1),
    ];
    const fns = await instantiateVoid(store.heap, funcs);
    return new SimdBroadcast(store, Object.fromEntries(fns));
  }

  /** n values at heap byte offsets converted f32 -> i32 (toward zero, saturating) or i32 -> f32. */
  castAt(toInt: boolean, from: number, to: number, n: number): void {
    this.fns[toInt ? 'f32_i32' : 'i32_f32'](from, to, n);
  }

  /**
   * rows x cols values of `width` bytes gathered to `outAt` (contiguous) from `srcAt`: along a row the
   * source steps one element (col 1) or repeats one (col 0), between rows it moves `rowBytes`.
   */
  gatherAt(
    width: 1 | 4,
    srcAt: number,
    col: number,
    rowBytes: number,
    outAt: number,
    rows: number,
    cols: number,
  ): void {
    this.fns[width === 4 ? 'gather32' : 'gather8'](srcAt, col, rowBytes, outAt, rows, cols);
  }

  /**
   * A float32 binary op over rows x cols of a contiguous output at heap byte offsets, each operand
   * stepping 1 or 0 elements along a row and its row stride in bytes between rows (a piece of a fused
   * block). False when the op has no kernel here.
   */
  binaryAt(
    op: string,
    a: readonly [number, number, number],
    b: readonly [number, number, number],
    outAt: number,
    rows: number,
    cols: number,
  ): boolean {
    const fn = this.fns[`bcast_${op}`];
    if (!fn) return false;
    fn(a[0], a[1], a[2], b[0], b[1], b[2], outAt, rows, cols);
    return true;
  }

  /** A float32 binary op under any broadcast: the last two collapsed dims in wasm, the rest here. */
  binary(op: BinaryOp, a: TensorInfo, b: TensorInfo, outShape: Shape): DataId | null {
    if (!(op in SCALAR) || a.dtype !== 'float32' || b.dtype !== 'float32') return null;
    const fn = this.fns[`bcast_${op}`];
    const n = sizeOf(outShape);
    const s = this.store;
    const id = s.allocRaw('float32', n);
    const [aAt, bAt, outAt] = [s.offsetOf(a.dataId), s.offsetOf(b.dataId), s.offsetOf(id)];
    forEachPlane(
      outShape,
      [broadcastStrides(a.shape, outShape), broadcastStrides(b.shape, outShape)],
      (p, [oa, ob], o) =>
        fn(
          aAt + oa * 4,
          p.colStep[0],
          p.rowStep[0] * 4,
          bAt + ob * 4,
          p.colStep[1],
          p.rowStep[1] * 4,
          outAt + o * 4,
          p.rows,
          p.cols,
        ),
    );
    return id;
  }

  /**
   * float32 <-> int32. NOTE: float32 beyond the int32 range saturates here (NaN gives 0), where the
   * reference's Int32Array store wraps modulo 2^32; in range both truncate toward zero.
   */
  cast(x: TensorInfo, dtype: DType): DataId | null {
    const pair = `${x.dtype}>${dtype}`;
    if (pair !== 'float32>int32' && pair !== 'int32>float32') return null;
    const n = sizeOf(x.shape);
    const id = this.store.allocRaw(dtype, n);
    this.fns[dtype === 'int32' ? 'f32_i32' : 'i32_f32'](
      this.store.offsetOf(x.dataId),
      this.store.offsetOf(id),
      n,
    );
    return id;
  }
}
