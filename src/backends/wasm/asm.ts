// A tiny WebAssembly binary assembler: enough sections and opcodes to emit SIMD kernels at run time, no toolchain.

/** Value types of the WebAssembly binary format. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof V128;

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
  return(): this {
    return this.op(0x0f);
  }
  /** Calls function `index` of the module (its position in the list given to `assemble`). */
  call(index: number): this {
    return this.op(0x10, ...uleb(index));
  }
  /** Pops c, b, a: a if c != 0 else b (both of one numeric type). */
  select(): this {
    return this.op(0x1b);
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
  i32Eq(): this {
    return this.op(0x46);
  }
  i32Ne(): this {
    return this.op(0x47);
  }
  i32LtS(): this {
    return this.op(0x48);
  }
  i32LtU(): this {
    return this.op(0x49);
  }
  i32GtU(): this {
    return this.op(0x4b);
  }
  i32GeU(): this {
    return this.op(0x4f);
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
  i32DivU(): this {
    return this.op(0x6e);
  }
  i32And(): this {
    return this.op(0x71);
  }
  i32Or(): this {
    return this.op(0x72);
  }
  i32Shl(): this {
    return this.op(0x74);
  }
  i32ShrU(): this {
    return this.op(0x76);
  }

  // memory (alignment given as log2 bytes; a hint only)
  i32Load(offset = 0): this {
    return this.op(0x28, ...this.memarg(2, offset));
  }
  f32Load(offset = 0): this {
    return this.op(0x2a, ...this.memarg(2, offset));
  }
  f32Store(offset = 0): this {
    return this.op(0x38, ...this.memarg(2, offset));
  }
  i32Store(offset = 0): this {
    return this.op(0x36, ...this.memarg(2, offset));
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
  /** Loads one f32 into lane 0, the other lanes zero (a scalar tail through vector code). */
  v128Load32Zero(offset = 0): this {
    return this.simd(0x5c, ...this.memarg(2, offset));
  }
  /** Stores lane `lane` of a v128 as one f32 (stack: address, vector). */
  v128Store32Lane(lane: number, offset = 0): this {
    return this.simd(0x5a, ...this.memarg(2, offset), lane);
  }
  /** Picks four f32 lanes of (a, b) by index 0..7 (stack: a, b): i8x16.shuffle over whole floats. */
  f32x4Shuffle(...lanes: [number, number, number, number]): this {
    return this.simd(0x0d, ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]));
  }
  /** Four i32 lanes as an immediate. */
  i32x4Const(...lanes: [number, number, number, number]): this {
    return this.simd(0x0c, ...new Uint8Array(Int32Array.from(lanes).buffer));
  }
  /** Bits of a where mask is 1, of b where 0 (stack: a, b, mask). */
  v128Bitselect(): this {
    return this.simd(0x52);
  }
  /** Lane masks: all ones where a < b, a >= b. */
  f32x4Lt(): this {
    return this.simd(0x43);
  }
  f32x4Ge(): this {
    return this.simd(0x46);
  }
  /** Rounds to the nearest integer, ties to even. */
  f32x4Nearest(): this {
    return this.simd(0x6a);
  }
  /** f32 lanes to i32, saturating (NaN to 0). */
  i32x4TruncSatF32x4S(): this {
    return this.simd(0xf8);
  }
  i32x4Add(): this {
    return this.simd(0xae);
  }
  /** Shifts each i32 lane left by an i32 count (stack: vector, count). */
  i32x4Shl(): this {
    return this.simd(0xab);
  }
  /** Four f32 lanes as an immediate. */
  f32x4Const(...lanes: [number, number, number, number]): this {
    return this.simd(0x0c, ...new Uint8Array(Float32Array.from(lanes).buffer));
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
  /** Pseudo-min: b < a ? b : a per lane. */
  f32x4Pmin(): this {
    return this.simd(0xea);
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
