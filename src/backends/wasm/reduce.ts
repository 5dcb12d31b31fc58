// wasm reductions: sum/prod/max/min over one run of reduced axes ([outer, mid, inner] after merging), argMax/argMin.
import type { DType } from '../../core/dtype.js';
import { sizeOf } from '../../core/shape.js';
import type { DataId, ReduceOp, TensorInfo } from '../backend.js';
import { assemble, Code, type FuncDef, I32, F32, F64, V128, type ValType } from './asm.js';
import { MAX_PAGES } from './heap.js';
import type { WasmStore } from './store.js';
import { reduceLayout } from '../../core/fusion/fused_reduce.js';

type FloatOp = 'sum' | 'prod' | 'max' | 'min';
/** The reductions the SIMD kernels run (float32 in, float32 out). @example const op: FloatReduceOp = 'sum'; */
export type FloatReduceOp = FloatOp;
const FLOAT_OPS: readonly FloatOp[] = ['sum', 'prod', 'max', 'min'];

// NOTE: the reference accumulates sums and products in double (a JS number), so these do too, in
// f64x2 lanes: the result is the double sum rounded once, like the reference's, at any length.
const F64_INIT: Record<'sum' | 'prod', [number, number, number, number]> = {
  sum: [0, 0, 0, 0],
  prod: [0, 0x3ff00000, 0, 0x3ff00000],
};
const f64Op = (c: Code, op: 'sum' | 'prod'): Code => (op === 'sum' ? c.f64x2Add() : c.f64x2Mul());
const f64ScalarOp = (c: Code, op: 'sum' | 'prod'): Code => (op === 'sum' ? c.f64Add() : c.f64Mul());
// max/min: wasm's are NaN-propagating like the reference's; +0 ranks above -0 (the reference keeps
// whichever zero came first)
const f32Op = (c: Code, op: 'max' | 'min'): Code => (op === 'max' ? c.f32x4Max() : c.f32x4Min());
const f32ScalarOp = (c: Code, op: 'max' | 'min'): Code => (op === 'max' ? c.f32Max() : c.f32Min());

/** A counted loop `while (i + step <= n)` around `body`, i advancing by step. */
function whileFits(c: Code, i: number, n: number, step: number, body: () => void): void {
  c.block().loop();
  c.localGet(i).i32Const(step).i32Add().localGet(n).i32GtU().brIf(1);
  body();
  c.localGet(i).i32Const(step).i32Add().localSet(i);
  c.br(0).end().end();
}

/** out[r] = op over the n contiguous floats of row r, for r < rows. */
function rowsCode(op: FloatOp): FuncDef {
  // params 0 x, 1 out, 2 rows, 3 n; locals 4 r, 5 i, 6 acc0, 7 acc1 (v128), 8 s (f64 or f32)
  const wide = op === 'sum' || op === 'prod';
  const c = new Code();
  c.localGet(2).i32Eqz().if().return().end();
  c.i32Const(0).localSet(4);
  c.loop();
  if (op === 'sum' || op === 'prod') {
    c.i32x4Const(...F64_INIT[op])
      .localTee(6)
      .localSet(7);
    c.i32Const(0).localSet(5);
    whileFits(c, 5, 3, 4, () => {
      c.localGet(6).localGet(0).v128Load64Zero(0).f64x2PromoteLowF32x4();
      f64Op(c, op).localSet(6);
      c.localGet(7).localGet(0).v128Load64Zero(8).f64x2PromoteLowF32x4();
      f64Op(c, op).localSet(7);
      c.localGet(0).i32Const(16).i32Add().localSet(0);
    });
    c.localGet(6).localGet(7);
    f64Op(c, op).localTee(6).f64x2ExtractLane(0).localGet(6).f64x2ExtractLane(1);
    f64ScalarOp(c, op).localSet(8);
    whileFits(c, 5, 3, 1, () => {
      c.localGet(8).localGet(0).f32Load().f64PromoteF32();
      f64ScalarOp(c, op).localSet(8);
      c.localGet(0).i32Const(4).i32Add().localSet(0);
    });
    c.localGet(1).localGet(8).f32DemoteF64().f32Store();
  } else {
    c.f32x4Const(op === 'max' ? -Infinity : Infinity).localSet(6);
    c.i32Const(0).localSet(5);
    whileFits(c, 5, 3, 4, () => {
      c.localGet(6).localGet(0).v128Load();
      f32Op(c, op).localSet(6);
      c.localGet(0).i32Const(16).i32Add().localSet(0);
    });
    c.localGet(6).f32x4ExtractLane(0).localGet(6).f32x4ExtractLane(1);
    f32ScalarOp(c, op);
    c.localGet(6).f32x4ExtractLane(2);
    f32ScalarOp(c, op);
    c.localGet(6).f32x4ExtractLane(3);
    f32ScalarOp(c, op).localSet(8);
    whileFits(c, 5, 3, 1, () => {
      c.localGet(8).localGet(0).f32Load();
      f32ScalarOp(c, op).localSet(8);
      c.localGet(0).i32Const(4).i32Add().localSet(0);
    });
    c.localGet(1).localGet(8).f32Store();
  }
  c.localGet(1).i32Const(4).i32Add().localSet(1);
  c.localGet(4).i32Const(1).i32Add().localTee(4).localGet(2).i32LtU().brIf(0);
  c.end();
  return {
    name: `rows_${op}`,
    params: [I32, I32, I32, I32],
    results: [],
    locals: [I32, I32, V128, V128, wide ? F64 : F32],
    code: c,
  };
}

/** Registers of the column loops: byte offsets x (advancing) and acc, counts mid and inner, counters. */
interface ColRegs {
  x: number;
  mid: number;
  inner: number;
  acc: number;
  m: number;
  i: number;
  q: number;
}

/**
 * acc[i] = op(acc[i], x[m·inner + i]) for rows m in [from, mid), x advancing past them: f64
 * accumulators for sums and products, f32 ones for max/min.
 */
function accumulateCols(c: Code, op: FloatOp, r: ColRegs, from: number): void {
  const { x, mid, inner, acc, m, i, q } = r;
  c.i32Const(from).localSet(m);
  if (op === 'sum' || op === 'prod') {
    whileFits(c, m, mid, 1, () => {
      c.localGet(acc).localSet(q).i32Const(0).localSet(i);
      whileFits(c, i, inner, 2, () => {
        c.localGet(q).localGet(q).v128Load().localGet(x).v128Load64Zero().f64x2PromoteLowF32x4();
        f64Op(c, op).v128Store();
        c.localGet(x).i32Const(8).i32Add().localSet(x);
        c.localGet(q).i32Const(16).i32Add().localSet(q);
      });
      c.localGet(i).localGet(inner).i32LtU().if();
      c.localGet(q).localGet(q).f64Load().localGet(x).f32Load().f64PromoteF32();
      f64ScalarOp(c, op).f64Store();
      c.localGet(x).i32Const(4).i32Add().localSet(x);
      c.end();
    });
    return;
  }
  whileFits(c, m, mid, 1, () => {
    c.localGet(acc).localSet(q).i32Const(0).localSet(i);
    whileFits(c, i, inner, 4, () => {
      c.localGet(q).localGet(q).v128Load().localGet(x).v128Load();
      f32Op(c, op).v128Store();
      c.localGet(x).i32Const(16).i32Add().localSet(x);
      c.localGet(q).i32Const(16).i32Add().localSet(q);
    });
    whileFits(c, i, inner, 1, () => {
      c.localGet(q).localGet(q).f32Load().localGet(x).f32Load();
      f32ScalarOp(c, op).f32Store();
      c.localGet(x).i32Const(4).i32Add().localSet(x);
      c.localGet(q).i32Const(4).i32Add().localSet(q);
    });
  });
}

/** out[i] = f32(acc[i]) for i < n (acc doubles, out floats; `i` a counter local). */
function demote(c: Code, acc: number, out: number, n: number, i: number): void {
  c.i32Const(0).localSet(i);
  whileFits(c, i, n, 1, () => {
    c.localGet(out).localGet(i).i32Const(2).i32Shl().i32Add();
    c.localGet(acc).localGet(i).i32Const(3).i32Shl().i32Add().f64Load().f32DemoteF64().f32Store();
  });
}

/**
 * out[i] = op over m < mid of x[m·inner + i], for i < inner: a column reduction, streaming x row by
 * row. Sums and products accumulate in the f64 scratch `acc` (inner doubles); max/min in out.
 */
function colsCode(op: FloatOp): FuncDef {
  // params 0 x, 1 out, 2 mid, 3 inner, 4 acc; locals 5 m, 6 i, 7 q
  const c = new Code();
  const [x, out, mid, inner, acc, m, i, q] = [0, 1, 2, 3, 4, 5, 6, 7];
  if (op === 'sum' || op === 'prod') {
    c.i32Const(0).localSet(i);
    whileFits(c, i, inner, 1, () => {
      c.localGet(acc).localGet(i).i32Const(3).i32Shl().i32Add();
      c.f64Const(op === 'sum' ? 0 : 1).f64Store();
    });
    accumulateCols(c, op, { x, mid, inner, acc, m, i, q }, 0);
    demote(c, acc, out, inner, i);
  } else {
    // out = row 0, then out = op(out, row m)
    c.localGet(out).localGet(x).localGet(inner).i32Const(2).i32Shl().memoryCopy();
    c.localGet(x).localGet(inner).i32Const(2).i32Shl().i32Add().localSet(x);
    accumulateCols(c, op, { x, mid, inner, acc: out, m, i, q }, 1);
  }
  return {
    name: `cols_${op}`,
    params: [I32, I32, I32, I32, I32],
    results: [],
    locals: [I32, I32, I32],
    code: c,
  };
}

/**
 * The column accumulation alone, for a fused program's reduction epilogue (fused_reduce.ts), which
 * feeds it block by block: acc[i] = op(acc[i], x[m·inner + i]) for m < rows. acc holds doubles for
 * sums and products (the caller demotes them with `demote_f64`), floats for max/min.
 */
function colsAccCode(op: FloatOp): FuncDef {
  // params 0 x, 1 rows, 2 inner, 3 acc; locals 4 m, 5 i, 6 q
  const c = new Code();
  accumulateCols(c, op, { x: 0, mid: 1, inner: 2, acc: 3, m: 4, i: 5, q: 6 }, 0);
  return {
    name: `colsacc_${op}`,
    params: [I32, I32, I32, I32],
    results: [],
    locals: [I32, I32, I32],
    code: c,
  };
}

/** out[i] = f32(acc[i]) for i < n: params acc, out, n. */
function demoteCode(): FuncDef {
  const c = new Code();
  demote(c, 0, 1, 2, 3);
  return { name: 'demote_f64', params: [I32, I32, I32], results: [], locals: [I32], code: c };
}

/** The index of the first max (min) of n floats `stride` bytes apart; the first NaN wins. */
function argLineCode(op: 'argMax' | 'argMin'): FuncDef {
  // params 0 x, 1 n, 2 stride; locals 3 i, 4 bi (i32), 5 best, 6 v (f32)
  const c = new Code();
  c.localGet(0).f32Load().localSet(5);
  c.i32Const(0).localSet(4).i32Const(1).localSet(3);
  c.block().loop();
  c.localGet(3).localGet(1).i32GeU().brIf(1);
  c.localGet(5).localGet(5).f32Ne().brIf(1);
  c.localGet(0).localGet(2).i32Add().localTee(0).f32Load().localSet(6);
  c.localGet(6).localGet(5);
  if (op === 'argMax') c.f32Gt();
  else c.f32Lt();
  c.localGet(6).localGet(6).f32Ne().i32Or().if();
  c.localGet(6).localSet(5).localGet(3).localSet(4);
  c.end();
  c.localGet(3).i32Const(1).i32Add().localSet(3);
  c.br(0).end().end();
  c.localGet(4);
  return {
    name: op,
    params: [I32, I32, I32],
    results: [I32],
    locals: [I32, I32, F32, F32],
    code: c,
  };
}

/** argMax/argMin down 4-column groups: out[g·4 + j] over x[m·inner + g·4 + j], m < n. */
function argColsCode(op: 'argMax' | 'argMin'): FuncDef {
  // params 0 x, 1 out, 2 n, 3 inner, 4 groups; locals 5 g, 6 m, 7 p (i32), 8 best, 9 bi, 10 v (v128)
  const c = new Code();
  c.i32Const(0).localSet(5);
  whileFits(c, 5, 4, 1, () => {
    c.localGet(0).localGet(5).i32Const(4).i32Shl().i32Add().localTee(7).v128Load().localSet(8);
    c.v128Zero().localSet(9);
    c.i32Const(1).localSet(6);
    whileFits(c, 6, 2, 1, () => {
      c.localGet(7).localGet(3).i32Const(2).i32Shl().i32Add().localTee(7).v128Load().localSet(10);
      // take = v beats best, or v is the lane's first NaN
      c.localGet(10).localGet(8);
      if (op === 'argMax') c.f32x4Gt();
      else c.f32x4Lt();
      c.localGet(10).localGet(10).f32x4Ne().localGet(8).localGet(8).f32x4Eq().v128And().v128Or();
      c.localSet(11);
      c.localGet(10).localGet(8).localGet(11).v128Bitselect().localSet(8);
      c.localGet(6).i32x4Splat().localGet(9).localGet(11).v128Bitselect().localSet(9);
    });
    c.localGet(1).localGet(5).i32Const(4).i32Shl().i32Add().localGet(9).v128Store();
  });
  return {
    name: `${op}_cols`,
    params: [I32, I32, I32, I32, I32],
    results: [],
    locals: [I32, I32, I32, V128, V128, V128, V128],
    code: c,
  };
}

/**
 * Merges dims into runs of kept / reduced ones (size-1 dims dropped): [outer, mid, inner] or null
 * (the shared reduceLayout of core/fusion/fused_reduce.ts).
 * @example reductionRuns([2, 3, 4], [1]) // { outer: 2, mid: 3, inner: 4 }
 */
export const reductionRuns = reduceLayout;

type Fn = (...args: number[]) => number;

/**
 * The compiled reduction kernels of one heap. Each call returns null where the reference must run
 * (non-float32, several separate runs of reduced axes, empty tensors).
 * @example const r = await SimdReduce.compile(store); r.reduce('sum', x, [1]);
 */
export class SimdReduce {
  private constructor(
    private readonly store: WasmStore,
    private readonly fns: Record<string, Fn>,
  ) {}

  static async compile(store: WasmStore): Promise<SimdReduce> {
    const funcs: FuncDef[] = [
      ...FLOAT_OPS.map(rowsCode),
      ...FLOAT_OPS.map(colsCode),
      ...FLOAT_OPS.map(colsAccCode),
      demoteCode(),
      argLineCode('argMax'),
      argLineCode('argMin'),
      argColsCode('argMax'),
      argColsCode('argMin'),
    ];
    const bytes = assemble(funcs, {
      initialPages: 1,
      maximumPages: MAX_PAGES,
      shared: store.heap.shared,
    });
    const { instance } = await WebAssembly.instantiate(bytes, {
      env: { memory: store.heap.memory },
    });
    const fns: Record<string, Fn> = {};
    for (const f of funcs) {
      const fn = instance.exports[f.name];
      if (typeof fn !== 'function') throw new Error(`wasm: export ${f.name} missing`);
      fns[f.name] = (...args) => Number(fn(...args));
    }
    return new SimdReduce(store, fns);
  }

  /** sum/prod/max/min of float32 over `axes`, or null. */
  reduce(op: ReduceOp, x: TensorInfo, axes: readonly number[], outDtype: DType): DataId | null {
    if (x.dtype !== 'float32' || outDtype !== 'float32' || op === 'any' || op === 'all')
      return null;
    const runs = reductionRuns(x.shape, axes);
    if (!runs || runs.mid === 0 || sizeOf(x.shape) === 0) return null;
    const { outer, mid, inner } = runs;
    const s = this.store;
    const id = s.allocRaw('float32', outer * inner);
    const xAt = s.offsetOf(x.dataId);
    const outAt = s.offsetOf(id);
    if (inner === 1) {
      this.fns[`rows_${op}`](xAt, outAt, outer, mid);
      return id;
    }
    // NOTE: the scratch block is taken before any view is made, so a grow cannot detach one
    const acc = op === 'sum' || op === 'prod' ? s.heap.alloc(inner * 8) : null;
    for (let o = 0; o < outer; o++)
      this.fns[`cols_${op}`](
        xAt + o * mid * inner * 4,
        outAt + o * inner * 4,
        mid,
        inner,
        acc?.offset ?? 0,
      );
    if (acc) s.heap.free(acc);
    return id;
  }

  /** out[r] = op over the n floats of row r (heap byte offsets), r < rows: the plain kernel's rows loop. */
  rowsAt(op: FloatReduceOp, xAt: number, outAt: number, rows: number, n: number): void {
    this.fns[`rows_${op}`](xAt, outAt, rows, n);
  }

  /**
   * acc[i] = op(acc[i], x[m·inner + i]) for m < rows (heap byte offsets): the plain kernel's column
   * loop without its start and end; acc holds inner doubles for sum/prod, floats for max/min.
   */
  colsAt(op: FloatReduceOp, xAt: number, rows: number, inner: number, accAt: number): void {
    this.fns[`colsacc_${op}`](xAt, rows, inner, accAt);
  }

  /** out[i] = f32(acc[i]) for i < n: a column sum's doubles rounded once, as the plain kernel does. */
  demoteAt(accAt: number, outAt: number, n: number): void {
    this.fns.demote_f64(accAt, outAt, n);
  }

  /** argMax/argMin of float32 along `axis`, or null. */
  argReduce(op: 'argMax' | 'argMin', x: TensorInfo, axis: number): DataId | null {
    const n = x.shape[axis];
    const outer = sizeOf(x.shape.slice(0, axis));
    const inner = sizeOf(x.shape.slice(axis + 1));
    // NOTE: along the last axis a scalar wasm loop measured no faster than the reference's, so the
    // reference keeps that case; columns (inner >= 4) go four lanes at a time
    if (x.dtype !== 'float32' || n === 0 || inner < 4) return null;
    const s = this.store;
    const id = s.allocRaw('int32', outer * inner);
    const xAt = s.offsetOf(x.dataId);
    const outAt = s.offsetOf(id);
    const out = s.get(id);
    const groups = inner >> 2;
    const line = this.fns[op];
    for (let o = 0; o < outer; o++) {
      const base = xAt + o * n * inner * 4;
      if (groups > 0) this.fns[`${op}_cols`](base, outAt + o * inner * 4, n, inner, groups);
      for (let i = groups * 4; i < inner; i++)
        out[o * inner + i] = line(base + i * 4, n, inner * 4);
    }
    return id;
  }
}
