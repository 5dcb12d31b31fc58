// wasm elementwise: f32x4 kernels for float32 add/sub/mul/div/maximum/minimum (same shape or one scalar).
import type { DType } from '../../core/dtype.js';
import { sizeOf, type Shape } from '../../core/shape.js';
import type { BinaryOp, UnaryOp } from '../../ops/elementwise_table.js';
import type { DataId, TensorInfo } from '../backend.js';
import { assemble, Code, F32, type FuncDef, I32, V128, type ValType } from './asm.js';
import { type Block, type Heap, MAX_PAGES } from './heap.js';
import { VecFn } from './simd_math.js';
import type { WasmStore } from './store.js';
import { isSimdUnary, SIMD_UNARY, SIMD_UNARY_OPS, type SimdUnaryOp } from './unary_simd.js';

/** The binary ops with a SIMD kernel, and the f32x4 instruction of each (broadcast.ts reuses it). */
export const SIMD_BINARY = {
  add: (c: Code) => c.f32x4Add(),
  sub: (c: Code) => c.f32x4Sub(),
  mul: (c: Code) => c.f32x4Mul(),
  div: (c: Code) => c.f32x4Div(),
  maximum: (c: Code) => c.f32x4Max(),
  minimum: (c: Code) => c.f32x4Min(),
} satisfies Partial<Record<BinaryOp, (c: Code) => Code>>;
export type SimdBinaryOp = keyof typeof SIMD_BINARY;

/** out[i] = op(x[i]) over byte offsets, n floats; alpha is the op's scalar parameter. */
type UnaryFn = (x: number, out: number, n: number, alpha: number) => void;

function unaryCode(name: SimdUnaryOp): FuncDef {
  // params: 0 x, 1 out, 2 n, 3 alpha (f32); locals: 4 end of out (i32), 5 x (v128), 6 alpha (v128),
  // then the lowering's own
  const c = new Code();
  const f = new VecFn(c, 7);
  c.localGet(2).i32Eqz().if().br(1).end();
  c.localGet(3).f32x4Splat().localSet(6);
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
    params: [I32, I32, I32, F32],
    results: [],
    locals: [I32, V128, V128, ...f.locals],
    code: c,
  };
}

/** out[i] = op(a[i], b[i]) over byte offsets; sa/sb are 16 or 0 (a scalar splatted in scratch). */
type BinaryFn = (a: number, sa: number, b: number, sb: number, out: number, n: number) => void;

const SIMD_BINARY_OPS: readonly SimdBinaryOp[] = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'];

function isSimdBinary(op: BinaryOp): op is SimdBinaryOp {
  return op in SIMD_BINARY;
}

function binaryCode(name: SimdBinaryOp): FuncDef {
  // params: 0 a, 1 sa, 2 b, 3 sb, 4 out, 5 n (floats); local 6: end of out
  const c = new Code();
  c.localGet(5).i32Eqz().if().br(1).end();
  // end = out + ceil(n / 4) * 16: blocks are 16-byte multiples, so the last vector stays in its block
  c.localGet(4).localGet(5).i32Const(3).i32Add().i32Const(2).i32Shl().i32Const(-16).i32And();
  c.i32Add().localSet(6);
  c.loop();
  c.localGet(4).localGet(0).v128Load().localGet(2).v128Load();
  SIMD_BINARY[name](c);
  c.v128Store();
  c.localGet(0).localGet(1).i32Add().localSet(0);
  c.localGet(2).localGet(3).i32Add().localSet(2);
  c.localGet(4).i32Const(16).i32Add().localTee(4).localGet(6).i32LtU().brIf(0);
  c.end();
  return { name, params: new Array<ValType>(6).fill(I32), results: [], locals: [I32], code: c };
}

/**
 * The SIMD elementwise kernels of one heap.
 * @example const ew = await SimdElementwise.compile(store); ew.binary('add', a, b, [2, 3]);
 */
export class SimdElementwise {
  private scalars: Block | null = null;

  private constructor(
    private readonly store: WasmStore,
    private readonly binaries: Record<SimdBinaryOp, BinaryFn>,
    private readonly unaries: Record<SimdUnaryOp, UnaryFn>,
  ) {}

  static async compile(store: WasmStore): Promise<SimdElementwise> {
    const heap: Heap = store.heap;
    const funcs = [...SIMD_BINARY_OPS.map(binaryCode), ...SIMD_UNARY_OPS.map(unaryCode)];
    const bytes = assemble(funcs, {
      initialPages: 1,
      maximumPages: MAX_PAGES,
      shared: heap.shared,
    });
    const { instance } = await WebAssembly.instantiate(bytes, { env: { memory: heap.memory } });
    const exported = (name: string): CallableFunction => {
      const fn = instance.exports[name];
      if (typeof fn !== 'function') throw new Error(`wasm: export ${name} missing`);
      return fn;
    };
    const binaries = {} as Record<SimdBinaryOp, BinaryFn>;
    for (const name of SIMD_BINARY_OPS) {
      const fn = exported(name);
      binaries[name] = (a, sa, b, sb, out, n) => {
        fn(a, sa, b, sb, out, n);
      };
    }
    const unaries = {} as Record<SimdUnaryOp, UnaryFn>;
    for (const name of SIMD_UNARY_OPS) {
      const fn = exported(`unary_${name}`);
      unaries[name] = (x, out, n, alpha) => {
        fn(x, out, n, alpha);
      };
    }
    return new SimdElementwise(store, binaries, unaries);
  }

  /** The SIMD kernel's output for a float32 unary op, or null when it has none (the reference runs). */
  unary(op: UnaryOp, x: TensorInfo, outDtype: DType, alpha = 0): DataId | null {
    if (!isSimdUnary(op) || x.dtype !== 'float32' || outDtype !== 'float32') return null;
    const n = sizeOf(x.shape);
    const id = this.store.allocRaw('float32', n);
    this.unaries[op](this.store.offsetOf(x.dataId), this.store.offsetOf(id), n, alpha);
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
    this.binaries[op](aAt, na === n ? 16 : 0, bAt, nb === n ? 16 : 0, s.offsetOf(id), n);
    return id;
  }

  /**
   * A full tensor with a row broadcast along its leading dims (a bias add): one kernel call per row.
   * `swapped` says the row is the left operand. Rows are multiples of 4 floats, so no vector crosses a
   * row or the end of a block.
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
    const fn = this.binaries[op];
    const fullAt = s.offsetOf(full.dataId);
    const rowAt = s.offsetOf(row.dataId);
    const outAt = s.offsetOf(id);
    for (let o = 0; o < n; o += width) {
      const at = o * 4;
      if (swapped) fn(rowAt, 16, fullAt + at, 16, outAt + at, width);
      else fn(fullAt + at, 16, rowAt, 16, outAt + at, width);
    }
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
