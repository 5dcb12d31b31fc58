// Helpers for writing wasm kernels with asm.ts: named locals, counted loops, lane-generic channel loops.
import { assemble, Code, F32, type FuncDef, I32, V128, type ValType } from './asm.js';
import { type Block, type Heap, MAX_PAGES } from './heap.js';
import type { WasmStore } from './store.js';

/**
 * One function under construction: i32 parameters, locals handed out on request, and its code.
 * @example const f = new Fn('copy', 3); const i = f.local(); f.code.localGet(0).localSet(i);
 */
export class Fn {
  readonly code = new Code();
  private readonly locals: ValType[] = [];

  constructor(
    readonly name: string,
    private readonly params: number,
  ) {}

  /** A new local of type `t`; its index follows the parameters. */
  local(t: ValType = I32): number {
    this.locals.push(t);
    return this.params + this.locals.length - 1;
  }

  def(): FuncDef {
    return {
      name: this.name,
      params: new Array<ValType>(this.params).fill(I32),
      results: [],
      locals: this.locals,
      code: this.code,
    };
  }
}

/**
 * for (i = from; i < to; i += step) body(), signed comparison. `from` and `to` push one i32 each;
 * `to` is evaluated on every iteration.
 * @example forLoop(f, i, () => c.i32Const(0), () => c.localGet(n), () => {...});
 */
export function forLoop(
  f: Fn,
  i: number,
  from: () => void,
  to: () => void,
  body: () => void,
  step = 1,
): void {
  const c = f.code;
  from();
  c.localSet(i);
  c.block().loop();
  c.localGet(i);
  to();
  c.i32GeS().brIf(1);
  body();
  c.localGet(i).i32Const(step).i32Add().localSet(i);
  c.br(0);
  c.end().end();
}

/**
 * The operations a channel loop body needs, for 4 lanes (f32x4) or 1 lane (f32), so one emitter
 * writes both the vector body and its scalar tail. Comparisons give a mask (v128) or a flag (i32),
 * and `sel` picks between two values by it, so `a b mask sel` reads the same in both widths.
 */
export interface Lanes {
  readonly width: 1 | 4;
  readonly bytes: 4 | 16;
  readonly type: ValType;
  load(offset?: number): void;
  store(offset?: number): void;
  /** Pushes 0 of this width. */
  zero(): void;
  /** Pushes `v` in every lane. */
  constant(v: number): void;
  add(): void;
  mul(): void;
  div(): void;
  /** NaN-propagating min and max (Math.min / Math.max, -0 below +0). */
  min(): void;
  max(): void;
  gt(): void;
  ne(): void;
  eq(): void;
  and(): void;
  or(): void;
  sel(): void;
}

/**
 * The 4-lane and 1-lane operation sets of a code buffer.
 * @example const [v, s] = lanes(f.code);
 */
export function lanes(c: Code): [Lanes, Lanes] {
  const vector: Lanes = {
    width: 4,
    bytes: 16,
    type: V128,
    load: (o = 0) => c.v128Load(o),
    store: (o = 0) => c.v128Store(o),
    zero: () => c.v128Zero(),
    constant: (v) => c.f32Const(v).f32x4Splat(),
    add: () => c.f32x4Add(),
    mul: () => c.f32x4Mul(),
    div: () => c.f32x4Div(),
    min: () => c.f32x4Min(),
    max: () => c.f32x4Max(),
    gt: () => c.f32x4Gt(),
    ne: () => c.f32x4Ne(),
    eq: () => c.f32x4Eq(),
    and: () => c.v128And(),
    or: () => c.v128Or(),
    sel: () => c.v128Bitselect(),
  };
  const scalar: Lanes = {
    width: 1,
    bytes: 4,
    type: F32,
    load: (o = 0) => c.f32Load(o),
    store: (o = 0) => c.f32Store(o),
    zero: () => c.f32Const(0),
    constant: (v) => c.f32Const(v),
    add: () => c.f32Add(),
    mul: () => c.f32Mul(),
    div: () => c.f32Div(),
    min: () => c.f32Min(),
    max: () => c.f32Max(),
    gt: () => c.f32Gt(),
    ne: () => c.f32Ne(),
    eq: () => c.f32Eq(),
    and: () => c.i32And(),
    or: () => c.i32Or(),
    sel: () => c.select(),
  };
  return [vector, scalar];
}

/**
 * Runs `body` over the channel byte offsets cb in [0, nBytes): 16 bytes at a time with 4 lanes while a
 * whole vector fits, then 4 bytes at a time with 1 lane (the tail when the count is not a multiple of 4).
 * `body` addresses its operands as base + cb; it emits each width once.
 * @example channelLoop(f, cb, nBytes, (l) => { ... l.load() ... });
 */
export function channelLoop(f: Fn, cb: number, nBytes: number, body: (l: Lanes) => void): void {
  const c = f.code;
  const [vector, scalar] = lanes(c);
  c.i32Const(0).localSet(cb);
  c.block().loop();
  c.localGet(cb).i32Const(16).i32Add().localGet(nBytes).i32GtS().brIf(1);
  body(vector);
  c.localGet(cb).i32Const(16).i32Add().localSet(cb);
  c.br(0);
  c.end().end();
  c.block().loop();
  c.localGet(cb).localGet(nBytes).i32GeS().brIf(1);
  body(scalar);
  c.localGet(cb).i32Const(4).i32Add().localSet(cb);
  c.br(0);
  c.end().end();
}

/** Shared memory routines, emitted first in a module so kernels can `call` them by these indices. */
export const COPY = 0;
export const ZERO = 1;
export const ACCUMULATE = 2;

/** (src, dst, nBytes): the loop over bytes with `op` applied per width. */
function memRoutine(name: string, op: (f: Fn, l: Lanes) => void): FuncDef {
  const f = new Fn(name, 3);
  const cb = f.local();
  f.local(); // 4: a temporary address
  channelLoop(f, cb, 2, (l) => op(f, l));
  return f.def();
}

/**
 * copy(src, dst, nBytes), zero(_, dst, nBytes) and accumulate(src, dst, nBytes): dst += src; byte
 * offsets, nBytes a multiple of 4, any alignment (wasm loads and stores need none).
 * @example const funcs = [...memoryRoutines(), kernel.def()];
 */
export function memoryRoutines(): FuncDef[] {
  return [
    memRoutine('copy', (f, l) => {
      f.code.localGet(1).localGet(3).i32Add();
      f.code.localGet(0).localGet(3).i32Add();
      l.load();
      l.store();
    }),
    memRoutine('zero', (f, l) => {
      f.code.localGet(1).localGet(3).i32Add();
      l.zero();
      l.store();
    }),
    memRoutine('accumulate', (f, l) => {
      f.code.localGet(1).localGet(3).i32Add().localTee(4);
      f.code.localGet(4);
      l.load();
      f.code.localGet(0).localGet(3).i32Add();
      l.load();
      l.add();
      l.store();
    }),
  ];
}

/**
 * Assembles and instantiates kernels against the heap's memory; returns the exports by name.
 * @example const ex = await instantiate(heap, [f.def()]); ex.get('f')
 */
export async function instantiate(
  heap: Heap,
  funcs: readonly FuncDef[],
): Promise<Map<string, CallableFunction>> {
  const bytes = assemble(funcs, { initialPages: 1, maximumPages: MAX_PAGES, shared: heap.shared });
  const { instance } = await WebAssembly.instantiate(bytes, { env: { memory: heap.memory } });
  const out = new Map<string, CallableFunction>();
  for (const { name } of funcs) {
    const fn = instance.exports[name];
    if (typeof fn !== 'function') throw new Error(`wasm: export ${name} missing`);
    out.set(name, fn);
  }
  return out;
}

/** A compiled kernel without results, called with i32 arguments. */
export type VoidKernel = (...args: number[]) => void;

/**
 * `instantiate`, with each export wrapped as a VoidKernel (for modules of kernels without results).
 * @example const fns = await instantiateVoid(heap, [f.def()]); fns.get('f')?.(0, 16)
 */
export async function instantiateVoid(
  heap: Heap,
  funcs: readonly FuncDef[],
): Promise<Map<string, VoidKernel>> {
  const out = new Map<string, VoidKernel>();
  for (const [name, fn] of await instantiate(heap, funcs))
    out.set(name, (...args: number[]) => void fn(...args));
  return out;
}

/**
 * Pushes min(a, b) (signed i32); `a` and `b` each push one value and are emitted twice.
 * @example minI32(c, () => c.localGet(x), () => c.i32Const(0));
 */
export function minI32(c: Code, a: () => void, b: () => void): void {
  a();
  b();
  a();
  b();
  c.i32LtS().select();
}

/** Pushes max(a, b) (signed i32). @example maxI32(c, () => c.localGet(x), () => c.i32Const(0)); */
export function maxI32(c: Code, a: () => void, b: () => void): void {
  a();
  b();
  a();
  b();
  c.i32GtS().select();
}

/** Locals of an NHWC output pixel counter. */
export interface PixelCounter {
  b: number;
  oy: number;
  ox: number;
}

/**
 * Emits b, oy, ox of flat output pixel `p` (a local) for images of outH x outW (locals).
 * @example const at = pixelCounter(f); splitPixel(f, at, p, outH, outW);
 */
export function splitPixel(f: Fn, at: PixelCounter, p: number, outH: number, outW: number): void {
  const c = f.code;
  const perImage = f.local();
  c.localGet(outH).localGet(outW).i32Mul().localSet(perImage);
  c.localGet(p).localGet(perImage).i32DivU().localSet(at.b);
  c.localGet(p).localGet(perImage).i32RemU().localGet(outW).i32DivU().localSet(at.oy);
  c.localGet(p).localGet(perImage).i32RemU().localGet(outW).i32RemU().localSet(at.ox);
}

/** Emits the step to the next output pixel: ox, then oy, then the image. @example nextPixel(f, at, outH, outW); */
export function nextPixel(f: Fn, at: PixelCounter, outH: number, outW: number): void {
  const c = f.code;
  c.localGet(at.ox).i32Const(1).i32Add().localTee(at.ox).localGet(outW).i32Eq().if();
  c.i32Const(0).localSet(at.ox);
  c.localGet(at.oy).i32Const(1).i32Add().localTee(at.oy).localGet(outH).i32Eq().if();
  c.i32Const(0).localSet(at.oy);
  c.localGet(at.b).i32Const(1).i32Add().localSet(at.b);
  c.end();
  c.end();
}

/**
 * Loads fields of an i32 record at the address in local `record` into new locals, by name.
 * @example const g = loadRecord(f, 0, ['inH', 'inW']); // g.inH is a local
 */
export function loadRecord<K extends string>(
  f: Fn,
  record: number,
  fields: readonly K[],
): Record<K, number> {
  const out = {} as Record<K, number>;
  fields.forEach((name, i) => {
    out[name] = f.local();
    f.code
      .localGet(record)
      .i32Load(4 * i)
      .localSet(out[name]);
  });
  return out;
}

/**
 * Writes an i32 record (fields in `fields` order) into a heap block, for kernels that `loadRecord` it.
 * @example writeRecord(store, block, ['inH', 'inW'], { inH: 28, inW: 28 });
 */
export function writeRecord<K extends string>(
  store: WasmStore,
  block: Block,
  fields: readonly K[],
  values: Record<K, number>,
): void {
  const rec = new Int32Array(store.heap.memory.buffer, block.offset, fields.length);
  fields.forEach((name, k) => (rec[k] = values[name]));
}
