// A tiny WebAssembly binary assembler: enough sections and opcodes to emit SIMD kernels at run time, no toolchain.

/** Value types of the WebAssembly binary format. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export const F64 = 0x7c;
export type ValType = typeof I32 | typeof F32 | typeof V128 | typeof F64;

/** Unsigned LEB128. @example uleb(300) // [0xac, 0x02] */
export function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. @example sleb(-1) // [0x7f] */
export function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function utf8(s: string): number[] {
  const b = new TextEncoder().encode(s);
  return [...uleb(b.length), ...b];
}

/** A vector of byte strings, length-prefixed as the binary format wants. */
function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/**
 * Instruction emitter for one function body. Methods append bytes and return `this`, so a kernel reads
 * as a flat listing.
 * @example new Code().localGet(0).localGet(1).i32Add()
 */
export class Code {
  readonly bytes: number[] = [];

  private op(...b: number[]): this {
    this.bytes.push(...b);
    return this;
  }
  /** A 0xfd-prefixed SIMD instruction (its opcode as u32 LEB). */
  private simd(code: number, ...imm: number[]): this {
    return this.op(0xfd, ...uleb(code), ...imm);
  }
  private memarg(alignLog2: number, offset: number): number[] {
    return [...uleb(alignLog2), ...uleb(offset)];
  }

  // control: blocks carry no result (0x40)
  block(): this {
    return this.op(0x02, 0x40);
  }
  loop(): this {
    return this.op(0x03, 0x40);
  }
  if(): this {
    return this.op(0x04, 0x40);
  }
  else(): this {
    return this.op(0x05);
  }
  end(): this {
    return this.op(0x0b);
  }
  /** Branch to the `depth`-th enclosing label (0 = innermost; a loop's label is its start). */
  br(depth: number): this {
    return this.op(0x0c, ...uleb(depth));
  }
  brIf(depth: number): this {
    return this.op(0x0d, ...uleb(depth));
  }

  // locals
  localGet(i: number): this {
    return this.op(0x20, ...uleb(i));
  }
  localSet(i: number): this {
    return this.op(0x21, ...uleb(i));
  }
  localTee(i: number): this {
    return this.op(0x22, ...uleb(i));
  }

  // i32 arithmetic
  i32Const(v: number): this {
    return this.op(0x41, ...sleb(v));
  }
  i32Eqz(): this {
    return this.op(0x45);
  }
  i32Ne(): this {
    return this.op(0x47);
  }
  i32LtU(): this {
    return this.op(0x49);
  }
  i32Add(): this {
    return this.op(0x6a);
  }
  i32Sub(): this {
    return this.op(0x6b);
  }
  i32Mul(): this {
    return this.op(0x6c);
  }
  i32And(): this {
    return this.op(0x71);
  }
  i32Shl(): this {
    return this.op(0x74);
  }

  // memory (alignment given as log2 bytes; a hint only)
  f32Load(offset = 0): this {
    return this.op(0x2a, ...this.memarg(2, offset));
  }
  f32Store(offset = 0): this {
    return this.op(0x38, ...this.memarg(2, offset));
  }

  // SIMD128
  v128Load(offset = 0): this {
    return this.simd(0x00, ...this.memarg(4, offset));
  }
  /** Loads one f32 and splats it to all four lanes. */
  v128Load32Splat(offset = 0): this {
    return this.simd(0x09, ...this.memarg(2, offset));
  }
  v128Store(offset = 0): this {
    return this.simd(0x0b, ...this.memarg(4, offset));
  }
  v128Zero(): this {
    return this.simd(0x0c, ...new Array<number>(16).fill(0));
  }
  f32x4Abs(): this {
    return this.simd(0xe0);
  }
  f32x4Neg(): this {
    return this.simd(0xe1);
  }
  f32x4Sqrt(): this {
    return this.simd(0xe3);
  }
  /** Pseudo-max: b > a ? b : a per lane (pmax(0, x) is relu: NaN and -0 give +0). */
  f32x4Pmax(): this {
    return this.simd(0xeb);
  }
  f32x4Splat(): this {
    return this.simd(0x13);
  }
  f32x4Add(): this {
    return this.simd(0xe4);
  }
  f32x4Sub(): this {
    return this.simd(0xe5);
  }
  f32x4Mul(): this {
    return this.simd(0xe6);
  }
  f32x4Div(): this {
    return this.simd(0xe7);
  }
  /** NaN-propagating, -0 below +0: Math.min's semantics. */
  f32x4Min(): this {
    return this.simd(0xe8);
  }
  f32x4Max(): this {
    return this.simd(0xe9);
  }
  /** Relaxed SIMD: a * b + c, fused or not as the hardware prefers (stack: a, b, c). */
  f32x4RelaxedMadd(): this {
    return this.simd(0x105);
  }

  // Added for the conv and pool kernels (conv.ts, depthwise.ts, pool.ts); append-only.
  /** Calls function `index` of the module (its position in the list given to `assemble`). */
  call(index: number): this {
    return this.op(0x10, ...uleb(index));
  }
  /** a, b, cond -> cond != 0 ? a : b (numeric operands). */
  select(): this {
    return this.op(0x1b);
  }
  i32Load(offset = 0): this {
    return this.op(0x28, ...this.memarg(2, offset));
  }
  i32Eq(): this {
    return this.op(0x46);
  }
  i32LtS(): this {
    return this.op(0x48);
  }
  i32GtS(): this {
    return this.op(0x4a);
  }
  i32LeS(): this {
    return this.op(0x4c);
  }
  i32GeS(): this {
    return this.op(0x4e);
  }
  i32GeU(): this {
    return this.op(0x4f);
  }
  i32DivU(): this {
    return this.op(0x6e);
  }
  i32RemU(): this {
    return this.op(0x70);
  }
  i32Or(): this {
    return this.op(0x72);
  }
  i32ShrU(): this {
    return this.op(0x76);
  }
  f32Const(v: number): this {
    const b = new Uint8Array(new Float32Array([v]).buffer);
    return this.op(0x43, ...b);
  }
  f32Eq(): this {
    return this.op(0x5b);
  }
  f32Ne(): this {
    return this.op(0x5c);
  }
  f32Gt(): this {
    return this.op(0x5e);
  }
  f32Add(): this {
    return this.op(0x92);
  }
  f32Sub(): this {
    return this.op(0x93);
  }
  f32Mul(): this {
    return this.op(0x94);
  }
  f32Div(): this {
    return this.op(0x95);
  }
  f32ConvertI32S(): this {
    return this.op(0xb2);
  }
  /** The i32's bits as an f32 (scalar parameters travel through i32-only thread arguments). */
  f32ReinterpretI32(): this {
    return this.op(0xbe);
  }
  /** NaN-propagating, -0 below +0 (Math.min). */
  f32Min(): this {
    return this.op(0x96);
  }
  f32Max(): this {
    return this.op(0x97);
  }
  /** Four i32 lanes as a constant. */
  i32x4Const(a: number, b = a, c = a, d = a): this {
    const bytes = new Uint8Array(new Int32Array([a, b, c, d]).buffer);
    return this.simd(0x0c, ...bytes);
  }
  i32x4Splat(): this {
    return this.simd(0x11);
  }
  i32x4ExtractLane(lane: number): this {
    return this.simd(0x1b, lane);
  }
  f32x4ExtractLane(lane: number): this {
    return this.simd(0x1f, lane);
  }
  f32x4Eq(): this {
    return this.simd(0x41);
  }
  f32x4Ne(): this {
    return this.simd(0x42);
  }
  f32x4Gt(): this {
    return this.simd(0x44);
  }
  v128And(): this {
    return this.simd(0x4e);
  }
  v128Or(): this {
    return this.simd(0x50);
  }
  /** a, b, mask -> bits of a where mask is 1, of b elsewhere. */
  v128Bitselect(): this {
    return this.simd(0x52);
  }
  i32x4Add(): this {
    return this.simd(0xae);
  }

  // --- appended for the math, reduction and movement kernels ---
  // control and parametric
  /** Returns from the function (values of its result type on the stack). */
  return(): this {
    return this.op(0x0f);
  }
  drop(): this {
    return this.op(0x1a);
  }
  i32GtU(): this {
    return this.op(0x4b);
  }
  i32LeU(): this {
    return this.op(0x4d);
  }
  i32Load8U(offset = 0): this {
    return this.op(0x2d, ...this.memarg(0, offset));
  }
  i32Store(offset = 0): this {
    return this.op(0x36, ...this.memarg(2, offset));
  }
  i32Store8(offset = 0): this {
    return this.op(0x3a, ...this.memarg(0, offset));
  }
  f32Lt(): this {
    return this.op(0x5d);
  }
  // bulk memory
  /** memory.copy: stack dst, src, n (bytes); overlapping ranges are fine. */
  memoryCopy(): this {
    return this.op(0xfc, ...uleb(10), 0x00, 0x00);
  }
  /** memory.fill: stack dst, byte value, n. */
  memoryFill(): this {
    return this.op(0xfc, ...uleb(11), 0x00);
  }
  // more SIMD128
  /** A v128 constant of four f32 lanes. */
  f32x4Const(a: number, b = a, c = a, d = a): this {
    return this.simd(0x0c, ...new Uint8Array(new Float32Array([a, b, c, d]).buffer));
  }
  /** Loads one i32 into lane 0, zeroing the rest. */
  v128Load32Zero(offset = 0): this {
    return this.simd(0x5c, ...this.memarg(2, offset));
  }
  /** Stores lane `lane` (32 bits) of a v128: stack addr, v. */
  v128Store32Lane(lane: number, offset = 0): this {
    return this.simd(0x5a, ...this.memarg(2, offset), lane);
  }
  /** i8x16.shuffle: picks 16 bytes from the 32 of (a, b). */
  i8x16Shuffle(lanes: readonly number[]): this {
    return this.simd(0x0d, ...lanes);
  }
  /** Picks four f32 lanes of (a, b) by index 0..7 (stack: a, b): i8x16.shuffle over whole floats. */
  f32x4Shuffle(...lanes: [number, number, number, number]): this {
    return this.i8x16Shuffle(lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]));
  }
  i32x4Eq(): this {
    return this.simd(0x37);
  }
  i32x4Ne(): this {
    return this.simd(0x38);
  }
  i32x4LtS(): this {
    return this.simd(0x39);
  }
  i32x4GtS(): this {
    return this.simd(0x3b);
  }
  i32x4LeS(): this {
    return this.simd(0x3d);
  }
  i32x4GeS(): this {
    return this.simd(0x3f);
  }
  f32x4Lt(): this {
    return this.simd(0x43);
  }
  f32x4Le(): this {
    return this.simd(0x45);
  }
  f32x4Ge(): this {
    return this.simd(0x46);
  }
  v128Not(): this {
    return this.simd(0x4d);
  }
  /** a & ~b. */
  v128AndNot(): this {
    return this.simd(0x4f);
  }
  v128Xor(): this {
    return this.simd(0x51);
  }
  v128AnyTrue(): this {
    return this.simd(0x53);
  }
  /** Narrows with unsigned saturation (stack a, b: a's lanes first). */
  i8x16NarrowI16x8U(): this {
    return this.simd(0x66);
  }
  f32x4Ceil(): this {
    return this.simd(0x67);
  }
  f32x4Floor(): this {
    return this.simd(0x68);
  }
  f32x4Trunc(): this {
    return this.simd(0x69);
  }
  /** Round half to even. */
  f32x4Nearest(): this {
    return this.simd(0x6a);
  }
  i16x8NarrowI32x4U(): this {
    return this.simd(0x86);
  }
  i16x8ExtendLowI8x16U(): this {
    return this.simd(0x89);
  }
  i32x4AllTrue(): this {
    return this.simd(0xa3);
  }
  i32x4Bitmask(): this {
    return this.simd(0xa4);
  }
  i32x4ExtendLowI16x8U(): this {
    return this.simd(0xa9);
  }
  i32x4Shl(): this {
    return this.simd(0xab);
  }
  i32x4ShrS(): this {
    return this.simd(0xac);
  }
  i32x4ShrU(): this {
    return this.simd(0xad);
  }
  i32x4Sub(): this {
    return this.simd(0xb1);
  }
  i32x4Mul(): this {
    return this.simd(0xb5);
  }
  i32x4MinS(): this {
    return this.simd(0xb6);
  }
  i32x4MaxS(): this {
    return this.simd(0xb8);
  }
  f32x4Pmin(): this {
    return this.simd(0xea);
  }
  /** Truncates toward zero, saturating; NaN gives 0. */
  i32x4TruncSatF32x4S(): this {
    return this.simd(0xf8);
  }
  f32x4ConvertI32x4S(): this {
    return this.simd(0xfa);
  }
  // f64, for the sums and products that the reference accumulates in double
  f64Load(offset = 0): this {
    return this.op(0x2b, ...this.memarg(3, offset));
  }
  f64Store(offset = 0): this {
    return this.op(0x39, ...this.memarg(3, offset));
  }
  f64Const(v: number): this {
    return this.op(0x44, ...new Uint8Array(new Float64Array([v]).buffer));
  }
  f64Add(): this {
    return this.op(0xa0);
  }
  f64Mul(): this {
    return this.op(0xa2);
  }
  f32DemoteF64(): this {
    return this.op(0xb6);
  }
  f64PromoteF32(): this {
    return this.op(0xbb);
  }
  /** Loads 8 bytes into the low half, zeroing the high half. */
  v128Load64Zero(offset = 0): this {
    return this.simd(0x5d, ...this.memarg(3, offset));
  }
  f64x2ExtractLane(lane: number): this {
    return this.simd(0x21, lane);
  }
  f64x2Add(): this {
    return this.simd(0xf0);
  }
  f64x2Mul(): this {
    return this.simd(0xf2);
  }
  f64x2PromoteLowF32x4(): this {
    return this.simd(0x5f);
  }

  // --- appended for the predicate, select and gelu kernels ---
  f32Le(): this {
    return this.op(0x5f);
  }
  f32Ge(): this {
    return this.op(0x60);
  }
  i32Xor(): this {
    return this.op(0x73);
  }
  f64Sub(): this {
    return this.op(0xa1);
  }
  i32ReinterpretF32(): this {
    return this.op(0xbc);
  }
  /** Loads one byte into every lane of an i8x16. */
  v128Load8Splat(offset = 0): this {
    return this.simd(0x07, ...this.memarg(0, offset));
  }
  i8x16Eq(): this {
    return this.simd(0x23);
  }
  i8x16Ne(): this {
    return this.simd(0x24);
  }
  i32x4LtU(): this {
    return this.simd(0x3a);
  }
  i32x4GtU(): this {
    return this.simd(0x3c);
  }
  /** Rounds both f64 lanes to f32 lanes 0 and 1; lanes 2 and 3 become 0. */
  f32x4DemoteF64x2Zero(): this {
    return this.simd(0x5e);
  }
  f64x2Sub(): this {
    return this.simd(0xf1);
  }
}

/** One exported function: its signature, extra locals (grouped by type) and body. */
export interface FuncDef {
  name: string;
  params: ValType[];
  results: ValType[];
  locals: ValType[];
  code: Code;
}

/** How the module imports `env.memory`. */
export interface MemoryImport {
  initialPages: number;
  maximumPages: number;
  shared: boolean;
}

/**
 * Assembles a module importing `env.memory` and exporting `funcs` by name.
 * @example new WebAssembly.Module(assemble([{ name: 'f', params: [], results: [], locals: [], code: new Code() }]))
 */
export function assemble(
  funcs: readonly FuncDef[],
  memory?: MemoryImport,
): Uint8Array<ArrayBuffer> {
  const types = funcs.map((f) => [
    0x60,
    ...vec(f.params.map((t) => [t])),
    ...vec(f.results.map((t) => [t])),
  ]);
  const imports: number[][] = [];
  if (memory) {
    const flags = memory.shared ? 0x03 : 0x01;
    imports.push([
      ...utf8('env'),
      ...utf8('memory'),
      0x02,
      flags,
      ...uleb(memory.initialPages),
      ...uleb(memory.maximumPages),
    ]);
  }
  const bodies = funcs.map((f) => {
    // consecutive locals of one type form one group
    const groups: number[][] = [];
    for (let i = 0; i < f.locals.length;) {
      let j = i;
      while (j < f.locals.length && f.locals[j] === f.locals[i]) j++;
      groups.push([...uleb(j - i), f.locals[i]]);
      i = j;
    }
    const body = [...vec(groups), ...f.code.bytes, 0x0b];
    return [...uleb(body.length), ...body];
  });
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(types)),
    ...(imports.length > 0 ? section(2, vec(imports)) : []),
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...section(7, vec(funcs.map((f, i) => [...utf8(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(bodies)),
  ];
  return new Uint8Array(bytes);
}
