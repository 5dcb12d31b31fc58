// wasm elementwise: f32x4 kernels for float32 unary ops and add/sub/mul/div/maximum/minimum (same shape, a scalar or a row), split over the thread pool when large.
import type { DType } from '../../core/dtype.js';
import { sizeOf, type Shape } from '../../core/shape.js';
import type { BinaryOp, UnaryOp } from '../../core/elementwise_table.js';
import type { AdamAttrs, DataId, TensorInfo } from '../backend.js';
import {
  ADAM_PIECE_WORDS,
  adamCode,
  adamListCode,
  type AdamPiece,
  adamShares,
} from './adam_kernel.js';
import { adamList } from '../adam_list.js';
import { assemble, Code, type FuncDef, I32, V128, type ValType } from './asm.js';
import { type Block, type Heap, MAX_PAGES } from './heap.js';
import { type PoolTask, ThreadPool } from './pool.js';
import { VecFn } from './simd_math.js';
import { softmaxCode } from './softmax.js';
import type { WasmStore } from './store.js';
import { isSimdUnary, SIMD_UNARY, SIMD_UNARY_OPS, type SimdUnaryOp } from './unary_simd.js';

/**
 * (a - b)^2 of two f32x4 on the stack in double, two lanes at a time, as the reference computes it
 * (so the result is its bits, not those of rounding a - b to float32 first); `t` is the first of three
 * scratch v128 locals.
 */
function squaredDifference(c: Code, t: number): Code {
  const [a, b, d] = [t, t + 1, t + 2];
  const half = (high: boolean): void => {
    for (const x of [a, b]) {
      c.localGet(x);
      if (high) c.localGet(x).f32x4Shuffle(2, 3, 0, 1);
      c.f64x2PromoteLowF32x4();
    }
    c.f64x2Sub().localTee(d).localGet(d).f64x2Mul().f32x4DemoteF64x2Zero();
  };
  c.localSet(b).localSet(a);
  half(false);
  half(true);
  return c.f32x4Shuffle(0, 1, 4, 5);
}

/**
 * The binary ops with a SIMD kernel, and the f32x4 code of each over the two operands on the stack
 * (broadcast.ts reuses it); `t` is the first of the three scratch v128 locals every kernel declares.
 */
export const SIMD_BINARY = {
  add: (c: Code) => c.f32x4Add(),
  sub: (c: Code) => c.f32x4Sub(),
  mul: (c: Code) => c.f32x4Mul(),
  div: (c: Code) => c.f32x4Div(),
  maximum: (c: Code) => c.f32x4Max(),
  minimum: (c: Code) => c.f32x4Min(),
  squaredDifference,
} satisfies Partial<Record<BinaryOp, (c: Code, t: number) => Code>>;
/** How many scratch v128 locals an op of SIMD_BINARY may use. */
export const BINARY_SCRATCH = 3;
export type SimdBinaryOp = keyof typeof SIMD_BINARY;

/**
 * Below this many floats an elementwise op stays on the calling thread. A parallelFor round trip costs
 * about 4 µs on an idle core and a binary op streams ~9 floats/ns from cache on one thread (262,144
 * floats in 28 µs, scratch/ew_threads.mts), so halving the work saves more than the wake-up from ~64k
 * floats; but waking a worker on a busy core can take far longer, and in fit-mlp (2 threads, loaded
 * 2-core machine) 2^17 beat 2^16, 2^18 and no splitting at all: a [128, 512] activation stays whole.
 */
const PARALLEL_MIN = 1 << 17;
/**
 * Unary ops of a few instructions, which split at PARALLEL_MIN like the binaries; the polynomial ones
 * (exp, tanh, ...) cost ~10x more per float and split at PARALLEL_MIN / 8.
 */
const CHEAP_UNARY: ReadonlySet<string> = new Set([
  'neg',
  'abs',
  'sqrt',
  'rsqrt',
  'square',
  'reciprocal',
  'relu',
  'relu6',
  'leakyRelu',
  'softsign',
  'sign',
  'flushSubnormal',
  'floor',
  'ceil',
  'round',
]);
/** Shares start on multiples of this many floats (64 bytes), so threads never share a cache line. */
const SHARE_ALIGN = 16;

function unaryCode(name: SimdUnaryOp): FuncDef {
  // params: 0 x, 1 out, 2 n, 3 alpha (f32 bits as i32: thread arguments are i32); locals: 4 end of
  // out (i32), 5 x (v128), 6 alpha (v128), then the lowering's own
  const c = new Code();
  const f = new VecFn(c, 7);
  c.localGet(2).i32Eqz().if().br(1).end();
  c.localGet(3).f32ReinterpretI32().f32x4Splat().localSet(6);
  c.localGet(1).localGet(2).i32Const(3).i32Add().i32Const(2).i32Shl().i32Const(-16).i32And();
  c.i32Add().localSet(4);
  c.loop();
  c.localGet(0).v128Load().localSet(5);
  const y = f.let(SIMD_UNARY[name](f, 5, 6));
  c.localGet(1).localGet(y).v128Store();
  c.localGet(0).i32Const(16).i32Add().localSet(0);
  c.localGet(1).i32Const(16).i32Add().localTee(1).localGet(4).i32LtU().brIf(0);
  c.end();
  return {
    name: `unary_${name}`,
    params: [I32, I32, I32, I32],
    results: [],
    locals: [I32, V128, V128, ...f.locals],
    code: c,
  };
}

const SIMD_BINARY_OPS: readonly SimdBinaryOp[] = [
  'add',
  'sub',
  'mul',
  'div',
  'maximum',
  'minimum',
  'squaredDifference',
];

function isSimdBinary(op: string): op is SimdBinaryOp {
  return op in SIMD_BINARY;
}

/**
 * Whether a float32 binary op has a SIMD kernel here (fused.ts reads scalar operands as 4 lanes then).
 * @example isSimdBinaryOp('mul') // true
 */
export function isSimdBinaryOp(op: string): boolean {
  return isSimdBinary(op);
}

function binaryCode(name: SimdBinaryOp): FuncDef {
  // params: 0 a, 1 sa, 2 b, 3 sb, 4 out, 5 n (floats); local 6: end of out, 7..9 the op's scratch
  const c = new Code();
  c.localGet(5).i32Eqz().if().br(1).end();
  // end = out + ceil(n / 4) * 16: blocks are 16-byte multiples, so the last vector stays in its block
  c.localGet(4).localGet(5).i32Const(3).i32Add().i32Const(2).i32Shl().i32Const(-16).i32And();
  c.i32Add().localSet(6);
  c.loop();
  c.localGet(4).localGet(0).v128Load().localGet(2).v128Load();
  SIMD_BINARY[name](c, 7);
  c.v128Store();
  c.localGet(0).localGet(1).i32Add().localSet(0);
  c.localGet(2).localGet(3).i32Add().localSet(2);
  c.localGet(4).i32Const(16).i32Add().localTee(4).localGet(6).i32LtU().brIf(0);
  c.end();
  return {
    name,
    params: new Array<ValType>(6).fill(I32),
    results: [],
    locals: [I32, ...new Array<ValType>(BINARY_SCRATCH).fill(V128)],
    code: c,
  };
}

/**
 * rows x width of out = op(full row, row), or op(row, full row) when `swapped`: one call of the binary
 * kernel `op` (function index `fn`) per row, so a bias add splits over threads by rows.
 */
function rowsCode(op: SimdBinaryOp, fn: number): FuncDef {
  // params: 0 full, 1 row, 2 out, 3 rows, 4 width (floats), 5 swapped
  const c = new Code();
  c.block().loop();
  c.localGet(3).i32Eqz().brIf(1);
  c.localGet(1).localGet(0).localGet(5).select().i32Const(16);
  c.localGet(0).localGet(1).localGet(5).select().i32Const(16);
  c.localGet(2).localGet(4).call(fn);
  c.localGet(0).localGet(4).i32Const(2).i32Shl().i32Add().localSet(0);
  c.localGet(2).localGet(4).i32Const(2).i32Shl().i32Add().localSet(2);
  c.localGet(3).i32Const(1).i32Sub().localSet(3);
  c.br(0).end().end();
  return {
    name: `rows_${op}`,
    params: new Array<ValType>(6).fill(I32),
    results: [],
    locals: [],
    code: c,
  };
}

/**
 * Ranges [start, end) of `n` split into at most `count` shares, each starting on a multiple of `align`.
 * @example splitRange(10, 2, 4) // [[0, 8], [8, 10]]
 */
export function splitRange(n: number, count: number, align: number): [number, number][] {
  const per = Math.ceil(n / count / align) * align;
  const out: [number, number][] = [];
  for (let start = 0; start < n; start += per) out.push([start, Math.min(n, start + per)]);
  return out;
}

const alphaBits = new Float32Array(1);
const alphaInt = new Int32Array(alphaBits.buffer);

/**
 * The SIMD elementwise kernels of one heap.
 * @example const ew = await SimdElementwise.compile(store); ew.binary('add', a, b, [2, 3]);
 */
export class SimdElementwise {
  private scalars: Block | null = null;
  /** Ops on at least this many floats split over the pool's threads (tests lower it). */
  parallelMin = PARALLEL_MIN;

  private constructor(
    private readonly store: WasmStore,
    private readonly pool: ThreadPool,
    private readonly tasks: Record<string, PoolTask>,
  ) {}

  /**
   * Compiles the kernels and loads them on `pool` (without one, everything runs on the calling thread).
   */
  static async compile(store: WasmStore, pool?: ThreadPool): Promise<SimdElementwise> {
    const heap: Heap = store.heap;
    const funcs = [
      ...SIMD_BINARY_OPS.map(binaryCode),
      ...SIMD_UNARY_OPS.map(unaryCode),
      // NOTE: the binary kernels come first, so op i of SIMD_BINARY_OPS is function i
      ...SIMD_BINARY_OPS.map((op, i) => rowsCode(op, i)),
      adamCode(),
      softmaxCode(),
    ];
    funcs.push(adamListCode(funcs.findIndex((f) => f.name === 'adam')));
    const bytes = assemble(funcs, {
      initialPages: 1,
      maximumPages: MAX_PAGES,
      shared: heap.shared,
    });
    const module = await WebAssembly.compile(bytes);
    const threads = pool ?? (await ThreadPool.create(heap.memory, false, 1));
    const tasks = await threads.load(module);
    for (const f of funcs)
      if (!tasks[f.name]) throw new Error(`wasm elementwise: export ${f.name} missing`);
    return new SimdElementwise(store, threads, tasks);
  }

  /** Shares for `n` floats: one below `min`, else one per thread. */
  private shares(n: number, min = this.parallelMin): [number, number][] {
    const threads = n >= min ? this.pool.size : 1;
    return threads === 1 ? [[0, n]] : splitRange(n, threads, SHARE_ALIGN);
  }

  /** The SIMD kernel's output for a float32 unary op, or null when it has none (the reference runs). */
  unary(op: UnaryOp, x: TensorInfo, outDtype: DType, alpha = 0): DataId | null {
    if (!isSimdUnary(op) || x.dtype !== 'float32' || outDtype !== 'float32') return null;
    const n = sizeOf(x.shape);
    const id = this.store.allocRaw('float32', n);
    const [xAt, outAt] = [this.store.offsetOf(x.dataId), this.store.offsetOf(id)];
    alphaBits[0] = alpha;
    const bits = alphaInt[0];
    this.pool.parallelFor(
      this.tasks[`unary_${op}`],
      this.shares(n, CHEAP_UNARY.has(op) ? this.parallelMin : this.parallelMin / 8).map(
        ([s, e]) => [xAt + s * 4, outAt + s * 4, e - s, bits],
      ),
    );
    return id;
  }

  /**
   * Shares of a block of `n` floats of an op over `total` floats: split over the threads when the
   * whole op would be (so a fused chain uses the threads its unfused ops would).
   */
  private blockShares(n: number, total: number, min: number): [number, number][] {
    return total >= min && this.pool.size > 1
      ? splitRange(n, this.pool.size, SHARE_ALIGN)
      : [[0, n]];
  }

  /**
   * A float32 unary op over `n` floats at heap byte offsets (a block of a fused program over `total`
   * floats); false when the op has no SIMD kernel. Writes up to the next 16-byte boundary of `outAt`.
   */
  unaryAt(
    op: UnaryOp,
    xAt: number,
    outAt: number,
    n: number,
    alpha: number,
    total: number,
  ): boolean {
    if (!isSimdUnary(op)) return false;
    alphaBits[0] = alpha;
    const bits = alphaInt[0];
    const min = CHEAP_UNARY.has(op) ? this.parallelMin : this.parallelMin / 8;
    if (total < min || this.pool.size === 1) {
      this.tasks[`unary_${op}`].local(xAt, outAt, n, bits);
      return true;
    }
    this.pool.parallelFor(
      this.tasks[`unary_${op}`],
      this.blockShares(n, total, min).map(([s, e]) => [xAt + s * 4, outAt + s * 4, e - s, bits]),
    );
    return true;
  }

  /**
   * A float32 binary op over `n` floats at heap byte offsets (a block of a fused program over `total`
   * floats); an operand steps one vector at a time (stride 16, the default) or, with stride 0, reads
   * the same vector throughout (a scalar splat in 4 lanes, as the unfused kernel reads a scalar).
   * False when the op has no SIMD kernel.
   */
  binaryAt(
    op: BinaryOp,
    aAt: number,
    bAt: number,
    outAt: number,
    n: number,
    total: number,
    sa = 16,
    sb = 16,
  ): boolean {
    if (!isSimdBinary(op)) return false;
    const task = this.tasks[op];
    if (total < this.parallelMin || this.pool.size === 1) {
      // one share: straight to the kernel (a fused program calls this once per step and block)
      task.local(aAt, sa, bAt, sb, outAt, n);
      return true;
    }
    this.pool.parallelFor(
      task,
      this.blockShares(n, total, this.parallelMin).map(([s, e]) => [
        aAt + (sa && s * 4),
        sa,
        bAt + (sb && s * 4),
        sb,
        outAt + s * 4,
        e - s,
      ]),
    );
    return true;
  }

  /** Whether a float32 op of this kind over `total` floats has a SIMD kernel that splits over threads. */
  splits(kind: 'unary' | 'binary', op: string, total: number): boolean {
    if (this.pool.size === 1) return false;
    if (kind === 'binary') return isSimdBinary(op) && total >= this.parallelMin;
    if (!isSimdUnary(op)) return false;
    return total >= (CHEAP_UNARY.has(op) ? this.parallelMin : this.parallelMin / 8);
  }

  /**
   * One fused Adam step (adam_kernel.ts) of every variable of an adamUpdate input list (adam_list.ts:
   * float32 g, m, v, w per variable, then alpha): new m, v and w buffers of each variable in turn.
   * One pass per variable on this thread; a list of enough floats is one parallel region, each
   * thread running its share of the variables (cut at aligned points) through `adam_list`.
   */
  adam(inputs: readonly TensorInfo[], { c1, c2, epsilon }: AdamAttrs): DataId[] {
    const { variables, alpha } = adamList(inputs);
    const s = this.store;
    const outs = variables.flatMap(({ size }) => [0, 1, 2].map(() => s.allocRaw('float32', size)));
    const bits = [c1, c2, epsilon].map((x) => {
      alphaBits[0] = x;
      return alphaInt[0];
    });
    const total = variables.reduce((n, x) => n + x.size, 0);
    // ~7 streams per float: worth splitting from a quarter of the binary threshold
    const threads = total >= this.parallelMin / 4 ? this.pool.size : 1;
    const shares = adamShares(
      variables.map((x) => x.size),
      threads,
      SHARE_ALIGN,
    );
    // the pieces' table, when threads share the list; allocated last
    const table = threads > 1 ? s.allocRaw('int32', ADAM_PIECE_WORDS * shares.flat().length) : null;
    // NOTE: offsets only once everything is allocated: a heap grow moves nothing read before it
    const alphaAt = s.offsetOf(alpha.dataId);
    const piece = ([j, st, e]: AdamPiece): number[] => {
      const { g, m, v, w } = variables[j];
      const at = [g.dataId, m.dataId, v.dataId, w.dataId, ...outs.slice(3 * j, 3 * j + 3)];
      return [...at.map((id) => s.offsetOf(id) + st * 4), e - st];
    };
    if (!table) {
      for (const p of shares.flat())
        this.pool.parallelFor(this.tasks.adam, [[...piece(p), alphaAt, ...bits]]);
      return outs;
    }
    const tableAt = s.offsetOf(table);
    const words = s.get(table);
    let first = 0;
    const args = shares.map((share) => {
      share.forEach((p, q) => words.set(piece(p), (first + q) * ADAM_PIECE_WORDS));
      const from = tableAt + first * ADAM_PIECE_WORDS * 4;
      first += share.length;
      return [from, tableAt + first * ADAM_PIECE_WORDS * 4, alphaAt, ...bits];
    });
    try {
      this.pool.parallelFor(this.tasks.adam_list, args);
    } finally {
      s.free(table);
    }
    return outs;
  }

  /**
   * softmax over the last axis of a float32 tensor in one pass per row (softmax.ts), rows split over
   * the threads from the polynomial ops' threshold; null for other dtypes (the composed kernels run).
   */
  softmax(x: TensorInfo): DataId | null {
    if (x.dtype !== 'float32') return null;
    const size = sizeOf(x.shape);
    const n = x.shape[x.shape.length - 1] ?? 1;
    const id = this.store.allocRaw('float32', size);
    if (size === 0) return id;
    const rows = size / n;
    const [xAt, outAt] = [this.store.offsetOf(x.dataId), this.store.offsetOf(id)];
    const threads = size >= this.parallelMin / 8 ? Math.min(this.pool.size, rows) : 1;
    this.pool.parallelFor(
      this.tasks.softmax,
      splitRange(rows, threads, 1).map(([r0, r1]) => [
        xAt + r0 * n * 4,
        outAt + r0 * n * 4,
        r1 - r0,
        n,
      ]),
    );
    return id;
  }

  /** A 16-byte block holding `value` four times, for a scalar operand (stride 0). */
  private splat(slot: number, value: number): number {
    this.scalars ??= this.store.heap.alloc(32);
    const at = this.scalars.offset + slot * 16;
    new Float32Array(this.store.heap.memory.buffer, at, 4).fill(value);
    return at;
  }

  /** The SIMD kernel's output, or null when the case is not one it covers (then the reference runs). */
  binary(op: BinaryOp, a: TensorInfo, b: TensorInfo, outShape: Shape): DataId | null {
    if (!isSimdBinary(op) || a.dtype !== 'float32' || b.dtype !== 'float32') return null;
    const n = sizeOf(outShape);
    const na = sizeOf(a.shape);
    const nb = sizeOf(b.shape);
    if (na === n && nb !== n && nb !== 1 && isTrailingRow(b.shape, outShape, nb))
      return this.rows(op, a, b, n, nb, false);
    if (nb === n && na !== n && na !== 1 && isTrailingRow(a.shape, outShape, na))
      return this.rows(op, b, a, n, na, true);
    if ((na !== n && na !== 1) || (nb !== n && nb !== 1)) return null;
    const s = this.store;
    const id = s.allocRaw('float32', n);
    // NOTE: scalars are read only after the output is allocated: splat writes through a fresh view
    const aAt = na === n ? s.offsetOf(a.dataId) : this.splat(0, s.get(a.dataId)[0]);
    const bAt = nb === n ? s.offsetOf(b.dataId) : this.splat(1, s.get(b.dataId)[0]);
    const [sa, sb, outAt] = [na === n ? 16 : 0, nb === n ? 16 : 0, s.offsetOf(id)];
    this.pool.parallelFor(
      this.tasks[op],
      this.shares(n).map(([st, e]) => [
        aAt + (sa && st * 4),
        sa,
        bAt + (sb && st * 4),
        sb,
        outAt + st * 4,
        e - st,
      ]),
    );
    return id;
  }

  /**
   * A full tensor with a row broadcast along its leading dims (a bias add): one kernel call per row,
   * rows split over threads. `swapped` says the row is the left operand. Rows are multiples of 4
   * floats, so no vector crosses a row or the end of a block.
   */
  private rows(
    op: SimdBinaryOp,
    full: TensorInfo,
    row: TensorInfo,
    n: number,
    width: number,
    swapped: boolean,
  ): DataId {
    const s = this.store;
    const id = s.allocRaw('float32', n);
    const fullAt = s.offsetOf(full.dataId);
    const rowAt = s.offsetOf(row.dataId);
    const outAt = s.offsetOf(id);
    const rows = n / width;
    const threads = n >= this.parallelMin ? this.pool.size : 1;
    const shares = splitRange(rows, Math.min(threads, rows), 1).map(([r0, r1]) => [
      fullAt + r0 * width * 4,
      rowAt,
      outAt + r0 * width * 4,
      r1 - r0,
      width,
      swapped ? 1 : 0,
    ]);
    this.pool.parallelFor(this.tasks[`rows_${op}`], shares);
    return id;
  }
}

/**
 * Whether `shape` broadcasts to `outShape` as one repeated row of `size` elements: its dims, leading
 * 1s aside, equal the trailing dims of `outShape`. Rows are whole vectors, and at least four of them
 * (short rows would cost a call each).
 */
function isTrailingRow(shape: Shape, outShape: Shape, size: number): boolean {
  if (size < 16 || size % 4 !== 0) return false;
  let d = 0;
  while (d < shape.length && shape[d] === 1) d++;
  const tail = shape.slice(d);
  const outTail = outShape.slice(outShape.length - tail.length);
  return tail.every((v, i) => v === outTail[i]);
}
