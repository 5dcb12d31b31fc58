// wasm movement: strided copies as memory.copy runs, 4x4-tile transposes or a strided gather; concat as runs.
import type { DType } from '../../core/dtype.js';
import { sizeOf, type Shape } from '../../core/shape.js';
import type { DataId, TensorInfo } from '../backend.js';
import { assemble, Code, type FuncDef, I32, V128 } from './asm.js';
import { MAX_PAGES } from './heap.js';
import type { WasmStore } from './store.js';

/** rows x memory.copy(dst + r·dstStride, src + r·srcStride, bytes); strides in bytes. */
type RunsFn = (
  src: number,
  srcStride: number,
  dst: number,
  dstStride: number,
  rows: number,
  bytes: number,
) => void;
/** out[r·C + c] = src[r + c·S] for 4-byte elements: an [R, C] transpose of an [C, S >= R] matrix. */
type TransposeFn = (src: number, dst: number, rows: number, cols: number, s: number) => void;
/** out[r·C + c] = src[r·s0 + c·s1] for 4-byte elements; strides in bytes, any sign. */
type Gather2dFn = (
  src: number,
  s0: number,
  s1: number,
  dst: number,
  rows: number,
  cols: number,
) => void;

function runsCode(): FuncDef {
  // params 0 src, 1 srcStride, 2 dst, 3 dstStride, 4 rows, 5 bytes
  const c = new Code();
  c.localGet(4).i32Eqz().if().return().end();
  c.loop();
  c.localGet(2).localGet(0).localGet(5).memoryCopy();
  c.localGet(0).localGet(1).i32Add().localSet(0);
  c.localGet(2).localGet(3).i32Add().localSet(2);
  c.localGet(4).i32Const(1).i32Sub().localTee(4).brIf(0);
  c.end();
  return { name: 'runs', params: new Array(6).fill(I32), results: [], locals: [], code: c };
}

/** out[r·s0 + c·s1] = src[r·C + c] for 4-byte elements (the adjoint of gather2d); strides in bytes. */
type Scatter2dFn = Gather2dFn;

/**
 * A strided 2-D walk of 4-byte elements: gather2d reads src[r·s0 + c·s1] into a dense dst, scatter2d
 * (its adjoint) writes a dense src to dst[r·s0 + c·s1].
 */
function strided2dCode(scatter: boolean): FuncDef {
  // params 0 dense-or-strided src, 1 s0, 2 s1, 3 dst, 4 rows, 5 cols; locals 6 r, 7 j, 8 the strided
  // pointer (into src for a gather, into dst for a scatter); the dense side steps 4 bytes
  const [dense, strided] = scatter ? [0, 3] : [3, 0];
  const c = new Code();
  c.i32Const(0).localSet(6);
  c.block().loop();
  c.localGet(6).localGet(4).i32GeU().brIf(1);
  c.localGet(strided).localGet(6).localGet(1).i32Mul().i32Add().localSet(8);
  c.i32Const(0).localSet(7);
  c.block().loop();
  c.localGet(7).localGet(5).i32GeU().brIf(1);
  if (scatter) c.localGet(8).localGet(dense).i32Load().i32Store();
  else c.localGet(dense).localGet(8).i32Load().i32Store();
  c.localGet(dense).i32Const(4).i32Add().localSet(dense);
  c.localGet(8).localGet(2).i32Add().localSet(8);
  c.localGet(7).i32Const(1).i32Add().localSet(7);
  c.br(0).end().end();
  c.localGet(6).i32Const(1).i32Add().localSet(6);
  c.br(0).end().end();
  return {
    name: scatter ? 'scatter2d' : 'gather2d',
    params: new Array(6).fill(I32),
    results: [],
    locals: [I32, I32, I32],
    code: c,
  };
}

/** memory.fill(dst, 0, bytes). */
function zeroCode(): FuncDef {
  const c = new Code();
  c.localGet(0).i32Const(0).localGet(1).memoryFill();
  return { name: 'zero', params: [I32, I32], results: [], locals: [], code: c };
}

const LANES = (a: number, b: number, c: number, d: number): number[] =>
  [a, b, c, d].flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);

function transposeCode(): FuncDef {
  // params 0 src, 1 dst, 2 R, 3 C, 4 S (elements); locals 5 r, 6 j, 7 p, 8 q, 9 sb (S in bytes),
  // 10 cb (C in bytes), 11 R4, 12 C4, 13..16 rows a..d, 17..20 halves t0..t3 (v128)
  const [src, dst, R, C] = [0, 1, 2, 3];
  const [r, j, p, q, sb, cb, r4, c4] = [5, 6, 7, 8, 9, 10, 11, 12];
  const row = (i: number): number => 13 + i;
  const t = (i: number): number => 17 + i;
  const c = new Code();
  c.localGet(4).i32Const(2).i32Shl().localSet(sb);
  c.localGet(C).i32Const(2).i32Shl().localSet(cb);
  c.localGet(R).i32Const(-4).i32And().localSet(r4);
  c.localGet(C).i32Const(-4).i32And().localSet(c4);
  // 4x4 tiles: rows c..c+3 of src (4 consecutive r each) become columns of the output tile
  c.i32Const(0).localSet(r);
  c.block().loop();
  c.localGet(r).localGet(r4).i32GeU().brIf(1);
  c.i32Const(0).localSet(j);
  c.block().loop();
  c.localGet(j).localGet(c4).i32GeU().brIf(1);
  // p = src + (j·S + r)·4
  c.localGet(src)
    .localGet(j)
    .localGet(sb)
    .i32Mul()
    .i32Add()
    .localGet(r)
    .i32Const(2)
    .i32Shl()
    .i32Add();
  c.localSet(p);
  for (let i = 0; i < 4; i++) {
    c.localGet(p).v128Load().localSet(row(i));
    c.localGet(p).localGet(sb).i32Add().localSet(p);
  }
  c.localGet(row(0))
    .localGet(row(1))
    .i8x16Shuffle(LANES(0, 4, 1, 5))
    .localSet(t(0));
  c.localGet(row(0))
    .localGet(row(1))
    .i8x16Shuffle(LANES(2, 6, 3, 7))
    .localSet(t(1));
  c.localGet(row(2))
    .localGet(row(3))
    .i8x16Shuffle(LANES(0, 4, 1, 5))
    .localSet(t(2));
  c.localGet(row(2))
    .localGet(row(3))
    .i8x16Shuffle(LANES(2, 6, 3, 7))
    .localSet(t(3));
  // q = dst + (r·C + j)·4
  c.localGet(dst)
    .localGet(r)
    .localGet(cb)
    .i32Mul()
    .i32Add()
    .localGet(j)
    .i32Const(2)
    .i32Shl()
    .i32Add();
  c.localSet(q);
  const store = (a: number, b: number, lanes: number[]): void => {
    c.localGet(q).localGet(t(a)).localGet(t(b)).i8x16Shuffle(lanes).v128Store();
    c.localGet(q).localGet(cb).i32Add().localSet(q);
  };
  store(0, 2, LANES(0, 1, 4, 5));
  store(0, 2, LANES(2, 3, 6, 7));
  store(1, 3, LANES(0, 1, 4, 5));
  store(1, 3, LANES(2, 3, 6, 7));
  c.localGet(j).i32Const(4).i32Add().localSet(j);
  c.br(0).end().end();
  c.localGet(r).i32Const(4).i32Add().localSet(r);
  c.br(0).end().end();
  // the edges one element at a time: columns >= C4 of the tiled rows, then rows >= R4
  const scalarRect = (r0: () => void, r1: () => void, c0: () => void): void => {
    r0();
    c.localSet(r);
    c.block().loop();
    c.localGet(r);
    r1();
    c.i32GeU().brIf(1);
    c0();
    c.localSet(j);
    c.block().loop();
    c.localGet(j).localGet(C).i32GeU().brIf(1);
    c.localGet(dst)
      .localGet(r)
      .localGet(cb)
      .i32Mul()
      .i32Add()
      .localGet(j)
      .i32Const(2)
      .i32Shl()
      .i32Add();
    c.localGet(src)
      .localGet(j)
      .localGet(sb)
      .i32Mul()
      .i32Add()
      .localGet(r)
      .i32Const(2)
      .i32Shl()
      .i32Add();
    c.i32Load().i32Store();
    c.localGet(j).i32Const(1).i32Add().localSet(j);
    c.br(0).end().end();
    c.localGet(r).i32Const(1).i32Add().localSet(r);
    c.br(0).end().end();
  };
  scalarRect(
    () => c.i32Const(0),
    () => c.localGet(r4),
    () => c.localGet(c4),
  );
  scalarRect(
    () => c.localGet(r4),
    () => c.localGet(R),
    () => c.i32Const(0),
  );
  return {
    name: 'transpose',
    params: new Array(5).fill(I32),
    results: [],
    locals: [...new Array(8).fill(I32), ...new Array(8).fill(V128)],
    code: c,
  };
}

/**
 * Drops size-1 dims and merges a dim into the next where the pair walks memory as one dim.
 * @example collapse([2, 3, 4], [12, 4, 1]) // { shape: [24], strides: [1] }
 */
export function collapse(
  shape: Shape,
  strides: readonly number[],
): { shape: number[]; strides: number[] } {
  const outShape: number[] = [];
  const outStrides: number[] = [];
  shape.forEach((d, i) => {
    if (d === 1) return;
    const last = outShape.length - 1;
    if (last >= 0 && outStrides[last] === strides[i] * d) {
      outShape[last] *= d;
      outStrides[last] = strides[i];
    } else {
      outShape.push(d);
      outStrides.push(strides[i]);
    }
  });
  return { shape: outShape, strides: outStrides };
}

/** A strided walk as planes: see stridedPlanes. */
export interface StridedPlanes {
  rows: number;
  cols: number;
  /** Strides of the plane's rows and columns, in elements. */
  s0: number;
  s1: number;
  /** The element offset where each plane starts, in row-major order of the dims before the last two. */
  bases: number[];
}

/**
 * `shape` walked with `strides` from `offset`, collapsed to at least two dims: the last two make a
 * plane (one kernel call), the dims before them an odometer.
 * @example stridedPlanes([2, 3, 4], [1, 8, 3], 0) // { rows: 3, cols: 4, s0: 8, s1: 3, bases: [0, 1] }
 */
export function stridedPlanes(
  shape: Shape,
  strides: readonly number[],
  offset: number,
): StridedPlanes {
  const { shape: dims, strides: st } = collapse(shape, strides);
  while (dims.length < 2) {
    dims.unshift(1);
    st.unshift(0);
  }
  const k = dims.length;
  const outer = dims.slice(0, k - 2);
  const idx = new Array<number>(outer.length).fill(0);
  const bases: number[] = [];
  const planes = sizeOf(shape) === 0 ? 0 : sizeOf(outer);
  for (let p = 0, base = offset; p < planes; p++) {
    bases.push(base);
    for (let d = outer.length - 1; d >= 0; d--) {
      idx[d]++;
      base += st[d];
      if (idx[d] < outer[d]) break;
      base -= st[d] * outer[d];
      idx[d] = 0;
    }
  }
  return { rows: dims[k - 2], cols: dims[k - 1], s0: st[k - 2], s1: st[k - 1], bases };
}

function bytesOf(dtype: DType): number {
  return dtype === 'bool' ? 1 : 4;
}

/**
 * The compiled movement kernels of one heap.
 * @example const mv = await SimdMovement.compile(store); mv.copyStrided(x, [3, 2], 0, [1, 3]);
 */
export class SimdMovement {
  private constructor(
    private readonly store: WasmStore,
    private readonly runs: RunsFn,
    private readonly transpose: TransposeFn,
    private readonly gather2d: Gather2dFn,
    private readonly scatter2d: Scatter2dFn,
    /** Zeroes `bytes` bytes at a heap offset (memory.fill). */
    readonly zero: (offset: number, bytes: number) => void,
  ) {}

  static async compile(store: WasmStore): Promise<SimdMovement> {
    const bytes = assemble(
      [runsCode(), transposeCode(), strided2dCode(false), strided2dCode(true), zeroCode()],
      {
        initialPages: 1,
        maximumPages: MAX_PAGES,
        shared: store.heap.shared,
      },
    );
    const { instance } = await WebAssembly.instantiate(bytes, {
      env: { memory: store.heap.memory },
    });
    const fn = (name: string): CallableFunction => {
      const f = instance.exports[name];
      if (typeof f !== 'function') throw new Error(`wasm: export ${name} missing`);
      return f;
    };
    const [runs, transpose, gather2d] = [fn('runs'), fn('transpose'), fn('gather2d')];
    const [scatter2d, zero] = [fn('scatter2d'), fn('zero')];
    return new SimdMovement(
      store,
      (...a) => void runs(...a),
      (...a) => void transpose(...a),
      (...a) => void gather2d(...a),
      (...a) => void scatter2d(...a),
      (...a) => void zero(...a),
    );
  }

  /**
   * out[idx] = x.flat[offset + idx·strides]: the last two collapsed dims by one kernel (runs when
   * the inner stride is 1, a tile transpose when the outer one is, else a strided gather), the dims
   * before them by an odometer here. Null (the reference runs) for bool gathers and transposes.
   */
  copyStrided(
    x: TensorInfo,
    outShape: Shape,
    offset: number,
    strides: readonly number[],
  ): DataId | null {
    const eb = bytesOf(x.dtype);
    const n = sizeOf(outShape);
    const { rows, cols, s0, s1, bases } = stridedPlanes(outShape, strides, offset);
    const rowsFirst = s0 === 1 && rows > 1;
    if (eb !== 4 && s1 !== 1 && n > 0) return null;
    const s = this.store;
    const id = s.allocRaw(x.dtype, n);
    const src = s.offsetOf(x.dataId);
    const dst = s.offsetOf(id);
    bases.forEach((base, i) => {
      const [from, at] = [src + base * eb, dst + i * rows * cols * eb];
      if (s1 === 1) this.runs(from, s0 * eb, at, cols * eb, rows, cols * eb);
      else if (rowsFirst && s1 > 0) this.transpose(from, at, rows, cols, s1);
      else this.gather2d(from, s0 * eb, s1 * eb, at, rows, cols);
    });
    return id;
  }

  /**
   * The adjoint of copyStrided: zeros of `size` elements with out[offset + idx·strides] = dy[idx]
   * (a slice's gradient). The last two collapsed dims of dy by one kernel (row runs by memory.copy
   * when the inner stride is 1, else a strided scatter), the dims before them by an odometer here, in
   * the reference's order, so overlapping writes end the same. Null (the reference runs) for bool
   * scatters with an inner stride other than 1.
   */
  scatterStrided(
    dy: TensorInfo,
    size: number,
    offset: number,
    strides: readonly number[],
  ): DataId | null {
    const eb = bytesOf(dy.dtype);
    const n = sizeOf(dy.shape);
    const { rows, cols, s0, s1, bases } = stridedPlanes(dy.shape, strides, offset);
    if (eb !== 4 && s1 !== 1 && n > 0) return null;
    const s = this.store;
    // zeroed: fresh blocks are, reused ones are filled (memory.fill, see WasmStore.zeroFill)
    const { id } = s.alloc(dy.dtype, size);
    const src = s.offsetOf(dy.dataId);
    const dst = s.offsetOf(id);
    bases.forEach((base, i) => {
      const [from, at] = [src + i * rows * cols * eb, dst + base * eb];
      if (s1 === 1) this.runs(from, cols * eb, at, s0 * eb, rows, cols * eb);
      else this.scatter2d(from, s0 * eb, s1 * eb, at, rows, cols);
    });
    return id;
  }

  /** Concatenation along `axis`: every input is `outer` runs of its row, copied into the output's rows. */
  concat(xs: readonly TensorInfo[], axis: number, outShape: Shape): DataId {
    const s = this.store;
    const eb = bytesOf(xs[0].dtype);
    const id = s.allocRaw(xs[0].dtype, sizeOf(outShape));
    const outer = sizeOf(outShape.slice(0, axis));
    const outRow = sizeOf(outShape.slice(axis)) * eb;
    const dst = s.offsetOf(id);
    let col = 0;
    for (const x of xs) {
      const row = sizeOf(x.shape.slice(axis)) * eb;
      if (row > 0 && outer > 0) this.runs(s.offsetOf(x.dataId), row, dst + col, outRow, outer, row);
      col += row;
    }
    return id;
  }
}
