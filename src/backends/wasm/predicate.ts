// wasm kernels with bool inputs or outputs: comparisons, logical ops, isFinite/isNaN/isInf, casts to and from bool and where, under any broadcast.
import type { DType } from '../../core/dtype.js';
import type { BinaryOp, UnaryOp } from '../../core/elementwise_table.js';
import { sizeOf, type Shape } from '../../core/shape.js';
import type { DataId, TensorInfo } from '../backend.js';
import { broadcastStrides } from '../cpu/elementwise.js';
import { Code, type FuncDef, I32, V128, type ValType } from './asm.js';
import { forEachPlane } from './broadcast.js';
import { instantiateVoid, type VoidKernel } from './emit.js';
import type { WasmStore } from './store.js';

/** Element width in bytes of a kernel operand or output. */
type Width = 1 | 4;

/** A kernel's lowering: the result of four lanes from the operands' vector locals, and of one element. */
interface Lowering {
  ins: readonly Width[];
  out: Width;
  /** Pushes the result v128 (4 output elements in its low lanes) from the locals `v`. */
  vec: (c: Code, v: readonly number[]) => void;
  /** Loads one element of each operand from the addresses in locals `q` and pushes the i32/f32 result. */
  scalar: (c: Code, q: readonly number[]) => void;
}

/** A mask (lanes all ones or zeros) of four i32 lanes as four bytes 1 or 0 in the low 32 bits. */
function maskToBytes(c: Code): void {
  c.i32Const(31).i32x4ShrU();
  c.v128Zero().i16x8NarrowI32x4U();
  c.v128Zero().i8x16NarrowI16x8U();
}

/** Four bool bytes (in the low 32 bits, or splatted) as an i32x4 mask: all ones where nonzero. */
function bytesToMask(c: Code): void {
  c.i16x8ExtendLowI8x16U().i32x4ExtendLowI16x8U();
  c.v128Zero().i32x4Ne();
}

/** The f32x4 / i32x4 and scalar instruction of each comparison; NaN compares as JS does (false, notEqual true). */
const COMPARE = {
  equal: {
    f: [(c: Code) => c.f32x4Eq(), (c: Code) => c.f32Eq()],
    i: [(c: Code) => c.i32x4Eq(), (c: Code) => c.i32Eq()],
  },
  notEqual: {
    f: [(c: Code) => c.f32x4Ne(), (c: Code) => c.f32Ne()],
    i: [(c: Code) => c.i32x4Ne(), (c: Code) => c.i32Ne()],
  },
  less: {
    f: [(c: Code) => c.f32x4Lt(), (c: Code) => c.f32Lt()],
    i: [(c: Code) => c.i32x4LtS(), (c: Code) => c.i32LtS()],
  },
  lessEqual: {
    f: [(c: Code) => c.f32x4Le(), (c: Code) => c.f32Le()],
    i: [(c: Code) => c.i32x4LeS(), (c: Code) => c.i32LeS()],
  },
  greater: {
    f: [(c: Code) => c.f32x4Gt(), (c: Code) => c.f32Gt()],
    i: [(c: Code) => c.i32x4GtS(), (c: Code) => c.i32GtS()],
  },
  greaterEqual: {
    f: [(c: Code) => c.f32x4Ge(), (c: Code) => c.f32Ge()],
    i: [(c: Code) => c.i32x4GeS(), (c: Code) => c.i32GeS()],
  },
} satisfies Partial<Record<BinaryOp, { f: Emit2; i: Emit2 }>>;
type Emit2 = readonly [(c: Code) => Code, (c: Code) => Code];
type CompareOp = keyof typeof COMPARE;

/** The vector and scalar combination of two bools (each first made 0xff / 1 where nonzero). */
const LOGICAL = {
  logicalAnd: [(c: Code) => c.v128And(), (c: Code) => c.i32And()],
  logicalOr: [(c: Code) => c.v128Or(), (c: Code) => c.i32Or()],
  logicalXor: [(c: Code) => c.v128Xor(), (c: Code) => c.i32Xor()],
} satisfies Partial<Record<BinaryOp, Emit2>>;
type LogicalOp = keyof typeof LOGICAL;

/**
 * The float32 bit tests of each class predicate, on |x|'s bits against +Inf's (0x7f800000), as the
 * WGSL rows do: below is finite, equal is infinite, above is NaN.
 */
const CLASS = {
  isFinite: [(c: Code) => c.i32x4LtU(), (c: Code) => c.i32LtU()],
  isInf: [(c: Code) => c.i32x4Eq(), (c: Code) => c.i32Eq()],
  isNaN: [(c: Code) => c.i32x4GtU(), (c: Code) => c.i32GtU()],
} satisfies Partial<Record<UnaryOp, Emit2>>;
type ClassOp = keyof typeof CLASS;

const ABS_BITS = 0x7fffffff;
const INF_BITS = 0x7f800000;
const BOOL_ONES = 0x01010101;

function compare(op: CompareOp, int: boolean): Lowering {
  const [vec, scalar] = COMPARE[op][int ? 'i' : 'f'];
  return {
    ins: [4, 4],
    out: 1,
    vec: (c, [a, b]) => {
      vec(c.localGet(a).localGet(b));
      maskToBytes(c);
    },
    scalar: (c, [a, b]) => {
      if (int) scalar(c.localGet(a).i32Load().localGet(b).i32Load());
      else scalar(c.localGet(a).f32Load().localGet(b).f32Load());
    },
  };
}

function logical(op: LogicalOp): Lowering {
  const [vec, scalar] = LOGICAL[op];
  return {
    ins: [1, 1],
    out: 1,
    vec: (c, [a, b]) => {
      c.localGet(a).v128Zero().i8x16Ne().localGet(b).v128Zero().i8x16Ne();
      vec(c).i32x4Const(BOOL_ONES).v128And();
    },
    scalar: (c, [a, b]) => {
      c.localGet(a).i32Load8U().i32Const(0).i32Ne().localGet(b).i32Load8U().i32Const(0).i32Ne();
      scalar(c);
    },
  };
}

function classTest(op: ClassOp): Lowering {
  const [vec, scalar] = CLASS[op];
  return {
    ins: [4],
    out: 1,
    vec: (c, [x]) => {
      vec(c.localGet(x).i32x4Const(ABS_BITS).v128And().i32x4Const(INF_BITS));
      maskToBytes(c);
    },
    scalar: (c, [x]) => {
      scalar(c.localGet(x).i32Load().i32Const(ABS_BITS).i32And().i32Const(INF_BITS));
    },
  };
}

const LOGICAL_NOT: Lowering = {
  ins: [1],
  out: 1,
  vec: (c, [x]) => void c.localGet(x).v128Zero().i8x16Eq().i32x4Const(BOOL_ONES).v128And(),
  scalar: (c, [x]) => void c.localGet(x).i32Load8U().i32Eqz(),
};

/** Four bool bytes (low 32 bits) widened to i32 lanes, keeping their values as the reference copies them. */
function widenBytes(c: Code): Code {
  return c.i16x8ExtendLowI8x16U().i32x4ExtendLowI16x8U();
}

/**
 * Casts to and from bool as the reference's copyConverted: to bool, x !== 0 (so NaN is true and -0
 * false); from bool, the byte's value.
 */
const CASTS = {
  'bool>float32': {
    ins: [1],
    out: 4,
    vec: (c, [x]) => void widenBytes(c.localGet(x)).f32x4ConvertI32x4S(),
    scalar: (c, [x]) => void c.localGet(x).i32Load8U().f32ConvertI32S().i32ReinterpretF32(),
  },
  'bool>int32': {
    ins: [1],
    out: 4,
    vec: (c, [x]) => void widenBytes(c.localGet(x)),
    scalar: (c, [x]) => void c.localGet(x).i32Load8U(),
  },
  'float32>bool': {
    ins: [4],
    out: 1,
    vec: (c, [x]) => maskToBytes(c.localGet(x).v128Zero().f32x4Ne()),
    scalar: (c, [x]) => void c.localGet(x).f32Load().f32Const(0).f32Ne(),
  },
  'int32>bool': {
    ins: [4],
    out: 1,
    vec: (c, [x]) => maskToBytes(c.localGet(x).v128Zero().i32x4Ne()),
    scalar: (c, [x]) => void c.localGet(x).i32Load().i32Const(0).i32Ne(),
  },
} satisfies Record<string, Lowering>;

/** cond ? a : b over 4-byte values (float32 or int32: the bits are copied). */
const WHERE: Lowering = {
  ins: [1, 4, 4],
  out: 4,
  vec: (c, [cond, a, b]) => {
    c.localGet(a).localGet(b).localGet(cond);
    bytesToMask(c);
    c.v128Bitselect();
  },
  scalar: (c, [cond, a, b]) =>
    void c.localGet(a).i32Load().localGet(b).i32Load().localGet(cond).i32Load8U().select(),
};

/**
 * rows x cols of out = f(operands): along a row each operand steps one element (its col flag 1) or
 * stays put (0, splatted); between rows it moves by its row stride in bytes. Four elements at a time,
 * the last cols % 4 one by one, so nothing is read or written past a row.
 */
function planeCode(name: string, l: Lowering): FuncDef {
  // params: per operand i: 3i pointer, 3i+1 col flag, 3i+2 row stride; then out, rows, cols
  // locals: r, j, q_i (i32: operand pointers along the row), v_i (v128)
  const k = l.ins.length;
  const [out, rows, cols] = [3 * k, 3 * k + 1, 3 * k + 2];
  const [r, j] = [3 * k + 3, 3 * k + 4];
  const q = l.ins.map((_, i) => 3 * k + 5 + i);
  const v = l.ins.map((_, i) => 4 * k + 5 + i);
  const c = new Code();
  c.i32Const(0).localSet(r);
  c.block().loop();
  c.localGet(r).localGet(rows).i32GeU().brIf(1);
  l.ins.forEach((_, i) => c.localGet(3 * i).localSet(q[i]));
  c.i32Const(0).localSet(j);
  c.block().loop();
  c.localGet(j).i32Const(4).i32Add().localGet(cols).i32GtU().brIf(1);
  l.ins.forEach((w, i) => {
    c.localGet(3 * i + 1).if();
    if (w === 4) c.localGet(q[i]).v128Load();
    else c.localGet(q[i]).v128Load32Zero();
    c.localSet(v[i]).else();
    if (w === 4) c.localGet(q[i]).v128Load32Splat();
    else c.localGet(q[i]).v128Load8Splat();
    c.localSet(v[i]).end();
  });
  c.localGet(out);
  l.vec(c, v);
  if (l.out === 4) c.v128Store();
  else c.v128Store32Lane(0);
  l.ins.forEach((w, i) => {
    c.localGet(q[i])
      .localGet(3 * i + 1)
      .i32Const(w === 4 ? 4 : 2)
      .i32Shl()
      .i32Add()
      .localSet(q[i]);
  });
  c.localGet(out)
    .i32Const(4 * l.out)
    .i32Add()
    .localSet(out);
  c.localGet(j).i32Const(4).i32Add().localSet(j);
  c.br(0).end().end();
  c.block().loop();
  c.localGet(j).localGet(cols).i32GeU().brIf(1);
  c.localGet(out);
  l.scalar(c, q);
  if (l.out === 4) c.i32Store();
  else c.i32Store8();
  l.ins.forEach((w, i) => {
    c.localGet(q[i])
      .localGet(3 * i + 1)
      .i32Const(w === 4 ? 2 : 0)
      .i32Shl()
      .i32Add()
      .localSet(q[i]);
  });
  c.localGet(out).i32Const(l.out).i32Add().localSet(out);
  c.localGet(j).i32Const(1).i32Add().localSet(j);
  c.br(0).end().end();
  l.ins.forEach((_, i) =>
    c
      .localGet(3 * i)
      .localGet(3 * i + 2)
      .i32Add()
      .localSet(3 * i),
  );
  c.localGet(r).i32Const(1).i32Add().localSet(r);
  c.br(0).end().end();
  return {
    name,
    params: new Array<ValType>(3 * k + 3).fill(I32),
    results: [],
    locals: [I32, I32, ...q.map((): ValType => I32), ...v.map((): ValType => V128)],
    code: c,
  };
}

/** Every kernel of the module by export name. */
function lowerings(): Map<string, Lowering> {
  const m = new Map<string, Lowering>();
  for (const op of Object.keys(COMPARE).filter((o) => isIn(COMPARE, o))) {
    m.set(`${op}_f32`, compare(op, false));
    m.set(`${op}_i32`, compare(op, true));
  }
  for (const op of Object.keys(LOGICAL).filter((o) => isIn(LOGICAL, o))) m.set(op, logical(op));
  for (const op of Object.keys(CLASS).filter((o) => isIn(CLASS, o))) m.set(op, classTest(op));
  m.set('logicalNot', LOGICAL_NOT);
  for (const [pair, l] of Object.entries(CASTS)) m.set(pair, l);
  m.set('where', WHERE);
  return m;
}

function isIn<T extends object>(table: T, op: string): op is Extract<keyof T, string> {
  return Object.hasOwn(table, op);
}

/**
 * The compiled predicate and select kernels of one heap; each method returns null where the
 * reference kernel runs instead (other dtypes).
 * @example const p = await SimdPredicates.compile(store); p.binary('greater', a, b, [64, 10]);
 */
export class SimdPredicates {
  private constructor(
    private readonly store: WasmStore,
    private readonly fns: Map<string, VoidKernel>,
  ) {}

  static async compile(store: WasmStore): Promise<SimdPredicates> {
    const funcs = [...lowerings()].map(([name, l]) => planeCode(name, l));
    return new SimdPredicates(store, await instantiateVoid(store.heap, funcs));
  }

  /** A comparison (float32 or int32 operands of one dtype) or a logical op (bool operands). */
  binary(op: BinaryOp, a: TensorInfo, b: TensorInfo, outShape: Shape): DataId | null {
    if (a.dtype !== b.dtype) return null;
    let name: string | null = null;
    if (isIn(COMPARE, op) && (a.dtype === 'float32' || a.dtype === 'int32'))
      name = `${op}_${a.dtype === 'int32' ? 'i32' : 'f32'}`;
    else if (isIn(LOGICAL, op) && a.dtype === 'bool') name = op;
    if (name === null) return null;
    return this.run(name, [a, b], 'bool', outShape);
  }

  /** isFinite / isNaN / isInf of float32, logicalNot of bool. */
  unary(op: UnaryOp, x: TensorInfo): DataId | null {
    const ok =
      (isIn(CLASS, op) && x.dtype === 'float32') || (op === 'logicalNot' && x.dtype === 'bool');
    return ok ? this.run(op, [x], 'bool', x.shape) : null;
  }

  /** A cast to or from bool (float32 or int32 on the other side); null for other pairs. */
  cast(x: TensorInfo, dtype: DType): DataId | null {
    const pair = `${x.dtype}>${dtype}`;
    return isIn(CASTS, pair) ? this.run(pair, [x], dtype, x.shape) : null;
  }

  /** cond ? a : b with a bool condition and float32 or int32 values of the output's dtype. */
  where(
    cond: TensorInfo,
    a: TensorInfo,
    b: TensorInfo,
    outShape: Shape,
    dtype: DType,
  ): DataId | null {
    if (cond.dtype !== 'bool' || (dtype !== 'float32' && dtype !== 'int32')) return null;
    if (a.dtype !== dtype || b.dtype !== dtype) return null;
    return this.run('where', [cond, a, b], dtype, outShape);
  }

  /**
   * One contiguous block of a fused step (fused.ts): every operand and the output hold `len` elements at
   * the given heap byte offsets, read in order (no broadcast). Returns false where the unfused kernel
   * would decline (the same dtype rules as binary/unary/cast/where), so the caller runs its own loop.
   * @example p.runAt('binary', 'greater', ['float32', 'float32'], 'bool', [a, b], out, 1024);
   */
  runAt(
    kind: 'unary' | 'binary' | 'cast' | 'where',
    op: string,
    types: readonly DType[],
    dtype: DType,
    at: readonly number[],
    outAt: number,
    len: number,
  ): boolean {
    const name = this.blockKernel(kind, op, types, dtype);
    const fn = name === null ? undefined : this.fns.get(name);
    if (!fn) return false;
    const args = new Array<number>(3 * at.length + 3).fill(0);
    for (let i = 0; i < at.length; i++) {
      args[3 * i] = at[i];
      args[3 * i + 1] = 1;
    }
    args[3 * at.length] = outAt;
    args[3 * at.length + 1] = 1;
    args[3 * at.length + 2] = len;
    fn(...args);
    return true;
  }

  /** The kernel a fused step of these dtypes runs, or null where the unfused op would decline too. */
  private blockKernel(
    kind: 'unary' | 'binary' | 'cast' | 'where',
    op: string,
    types: readonly DType[],
    dtype: DType,
  ): string | null {
    if (kind === 'binary') {
      if (types[0] !== types[1]) return null;
      if (isIn(COMPARE, op) && (types[0] === 'float32' || types[0] === 'int32'))
        return `${op}_${types[0] === 'int32' ? 'i32' : 'f32'}`;
      return isIn(LOGICAL, op) && types[0] === 'bool' ? op : null;
    }
    if (kind === 'unary')
      return (isIn(CLASS, op) && types[0] === 'float32') ||
        (op === 'logicalNot' && types[0] === 'bool')
        ? op
        : null;
    if (kind === 'cast') {
      const pair = `${types[0]}>${dtype}`;
      return isIn(CASTS, pair) ? pair : null;
    }
    const ok =
      types[0] === 'bool' &&
      (dtype === 'float32' || dtype === 'int32') &&
      types[1] === dtype &&
      types[2] === dtype;
    return ok ? 'where' : null;
  }

  private run(name: string, xs: readonly TensorInfo[], dtype: DType, outShape: Shape): DataId {
    const fn = this.fns.get(name);
    if (!fn) throw new Error(`wasm: predicate kernel ${name} missing`);
    const s = this.store;
    const n = sizeOf(outShape);
    const id = s.allocRaw(dtype, n);
    if (n === 0) return id;
    const widths = xs.map((x) => (x.dtype === 'bool' ? 1 : 4));
    const at = xs.map((x) => s.offsetOf(x.dataId));
    const outAt = s.offsetOf(id);
    const ow = dtype === 'bool' ? 1 : 4;
    const args = new Array<number>(3 * xs.length + 3).fill(0);
    forEachPlane(
      outShape,
      xs.map((x) => broadcastStrides(x.shape, outShape)),
      (p, offsets, o) => {
        for (let i = 0; i < xs.length; i++) {
          args[3 * i] = at[i] + offsets[i] * widths[i];
          args[3 * i + 1] = p.colStep[i];
          args[3 * i + 2] = p.rowStep[i] * widths[i];
        }
        args[3 * xs.length] = outAt + o * ow;
        args[3 * xs.length + 1] = p.rows;
        args[3 * xs.length + 2] = p.cols;
        fn(...args);
      },
    );
    return id;
  }
}
