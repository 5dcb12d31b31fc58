// wasm conv2d and its gradients: im2col / col2im in wasm over tiles of output rows, products on the GEMM.
import { UNARY } from '../../ops/elementwise_table.js';
import type { Conv2DInfo, DataId, Epilogue, TensorInfo } from '../backend.js';
import { gemm as referenceGemm } from '../cpu/matmul.js';
import type { GemmFn } from '../cpu/storage.js';
import {
  ACCUMULATE,
  COPY,
  channelLoop,
  Fn,
  forLoop,
  instantiate,
  loadRecord,
  maxI32,
  memoryRoutines,
  minI32,
  nextPixel,
  splitPixel,
  writeRecord,
  ZERO,
} from './emit.js';
import { F32, V128 } from './asm.js';
import type { Block } from './heap.js';
import type { WasmStore } from './store.js';

/**
 * The im2col tile: output rows per tile are chosen so the column buffer holds about this many bytes,
 * small enough to stay in L2 between im2col writing it and the GEMM packing it.
 */
const TILE_BYTES = 1 << 20;
const MIN_TILE_ROWS = 32;

/** Fields of the i32 geometry record the patch kernels read, in record order. */
const FIELDS = [
  'inH',
  'inW',
  'inCBytes',
  'outH',
  'outW',
  'filterH',
  'filterW',
  'strideH',
  'strideW',
  'dilationH',
  'dilationW',
  'padTop',
  'padLeft',
] as const;

/** (geometry, image, cols, r0, rows): byte offsets; rows of the patch matrix [r0, r0 + rows). */
type PatchFn = (geometry: number, image: number, cols: number, r0: number, rows: number) => void;

/**
 * Emits im2col (`gather`: cols rows = image patches, zeros for padding) or col2im (`scatter`: image +=
 * each patch row, padding skipped). Both walk the same taps; a run of filter columns that lies in the
 * image is one contiguous copy when dilationW is 1. Threads may split im2col by rows freely; col2im
 * writes overlapping pixels for neighbouring rows, so split it by whole images (rows = outH·outW each).
 */
function patchKernel(mode: 'gather' | 'scatter'): Fn {
  const f = new Fn(mode === 'gather' ? 'im2col' : 'col2im', 5);
  const c = f.code;
  const [geo, image, cols, r0, rows] = [0, 1, 2, 3, 4];
  const g = loadRecord(f, geo, FIELDS);
  const at = { b: f.local(), oy: f.local(), ox: f.local() };
  const [row, end, col, yBase, xBase, img, fy, y, rowPtr, fx, xx] = Array.from({ length: 11 }, () =>
    f.local(),
  );
  const [segBytes, rowBytes, imgBytes, lo, hi] = Array.from({ length: 5 }, () => f.local());
  const { b, oy, ox } = at;
  const min = (a: () => void, bb: () => void): void => minI32(c, a, bb);
  const max = (a: () => void, bb: () => void): void => maxI32(c, a, bb);
  const get = (l: number) => () => void c.localGet(l);
  // segBytes = filterW·inC·4 (one filter row of a patch); rowBytes, imgBytes of the image
  c.localGet(g.filterW).localGet(g.inCBytes).i32Mul().localSet(segBytes);
  c.localGet(g.inW).localGet(g.inCBytes).i32Mul().localSet(rowBytes);
  c.localGet(g.inH).localGet(rowBytes).i32Mul().localSet(imgBytes);
  c.localGet(r0).localGet(rows).i32Add().localSet(end);
  splitPixel(f, at, r0, g.outH, g.outW);
  c.localGet(cols).localSet(col);
  forLoop(f, row, get(r0), get(end), () => {
    c.localGet(oy).localGet(g.strideH).i32Mul().localGet(g.padTop).i32Sub().localSet(yBase);
    c.localGet(ox).localGet(g.strideW).i32Mul().localGet(g.padLeft).i32Sub().localSet(xBase);
    c.localGet(image).localGet(b).localGet(imgBytes).i32Mul().i32Add().localSet(img);
    // the in-image run of filter columns for dilationW 1: [lo, hi)
    min(
      () =>
        max(
          () => c.i32Const(0).localGet(xBase).i32Sub(),
          () => c.i32Const(0),
        ),
      get(g.filterW),
    );
    c.localSet(lo);
    max(() => min(() => c.localGet(g.inW).localGet(xBase).i32Sub(), get(g.filterW)), get(lo));
    c.localSet(hi);
    forLoop(
      f,
      fy,
      () => c.i32Const(0),
      get(g.filterH),
      () => {
        c.localGet(yBase).localGet(fy).localGet(g.dilationH).i32Mul().i32Add().localTee(y);
        c.localGet(g.inH).i32GeU(); // y < 0 or y >= inH (unsigned)
        c.if();
        if (mode === 'gather') c.i32Const(0).localGet(col).localGet(segBytes).call(ZERO);
        c.else();
        c.localGet(img).localGet(y).localGet(rowBytes).i32Mul().i32Add().localSet(rowPtr);
        c.localGet(g.dilationW).i32Const(1).i32Eq().if();
        const at = (fxLocal: number): void =>
          void c.localGet(fxLocal).localGet(g.inCBytes).i32Mul();
        if (mode === 'gather') {
          c.i32Const(0).localGet(col);
          at(lo);
          c.call(ZERO);
          c.localGet(rowPtr).localGet(xBase).localGet(lo).i32Add().localGet(g.inCBytes).i32Mul();
          c.i32Add();
          c.localGet(col);
          at(lo);
          c.i32Add();
          c.localGet(hi).localGet(lo).i32Sub().localGet(g.inCBytes).i32Mul();
          c.call(COPY);
          c.i32Const(0).localGet(col);
          at(hi);
          c.i32Add().localGet(segBytes);
          at(hi);
          c.i32Sub().call(ZERO);
        } else {
          c.localGet(col);
          at(lo);
          c.i32Add();
          c.localGet(rowPtr).localGet(xBase).localGet(lo).i32Add().localGet(g.inCBytes).i32Mul();
          c.i32Add();
          c.localGet(hi).localGet(lo).i32Sub().localGet(g.inCBytes).i32Mul();
          c.call(ACCUMULATE);
        }
        c.else();
        forLoop(
          f,
          fx,
          () => c.i32Const(0),
          get(g.filterW),
          () => {
            c.localGet(xBase).localGet(fx).localGet(g.dilationW).i32Mul().i32Add().localTee(xx);
            c.localGet(g.inW).i32LtU().if();
            const pixel = (): void =>
              void c.localGet(rowPtr).localGet(xx).localGet(g.inCBytes).i32Mul().i32Add();
            const seg = (): void => void c.localGet(col).localGet(fx).localGet(g.inCBytes).i32Mul();
            if (mode === 'gather') {
              pixel();
              seg();
              c.i32Add().localGet(g.inCBytes).call(COPY);
              c.else();
              c.i32Const(0);
              seg();
              c.i32Add().localGet(g.inCBytes).call(ZERO);
            } else {
              seg();
              c.i32Add();
              pixel();
              c.localGet(g.inCBytes).call(ACCUMULATE);
            }
            c.end();
          },
        );
        c.end();
        c.end();
        c.localGet(col).localGet(segBytes).i32Add().localSet(col);
      },
    );
    nextPixel(f, at, g.outH, g.outW);
  });
  return f;
}

/** The activations the epilogue kernel runs in wasm; sigmoid and tanh run the table's scalar function. */
type WasmActivation = 'linear' | 'relu' | 'relu6';
const WASM_ACTIVATIONS: readonly WasmActivation[] = ['linear', 'relu', 'relu6'];

/** (out, bias, rows, colBytes): out[r, :] = act(out[r, :] + bias) over `rows` rows, in place. */
type EpilogueFn = (out: number, bias: number, rows: number, colBytes: number) => void;

/**
 * out = act(out + bias) on rows of a product, f32x4 across columns: the conv write-out applies it to
 * each tile while the tile is still in cache. relu is x > 0 ? x : 0 (NaN and -0 give +0) and relu6 is
 * min(max(x, 0), 6), the elementwise table's own definitions.
 */
function epilogueKernel(act: WasmActivation, bias: boolean): Fn {
  const f = new Fn(`epilogue_${act}${bias ? '_bias' : ''}`, 4);
  const c = f.code;
  const [out, biasAt, rows, colBytes] = [0, 1, 2, 3];
  const [r, cb, at] = [f.local(), f.local(), f.local()];
  const vTemp = f.local(V128);
  const sTemp = f.local(F32);
  forLoop(
    f,
    r,
    () => c.i32Const(0),
    () => c.localGet(rows),
    () => {
      channelLoop(f, cb, colBytes, (l) => {
        c.localGet(out).localGet(cb).i32Add().localTee(at);
        c.localGet(at);
        l.load();
        if (bias) {
          c.localGet(biasAt).localGet(cb).i32Add();
          l.load();
          l.add();
        }
        if (act !== 'linear') {
          if (act === 'relu') {
            const v = l.width === 4 ? vTemp : sTemp;
            c.localTee(v);
            l.zero();
            c.localGet(v);
            l.zero();
            l.gt();
            l.sel();
          } else {
            l.zero();
            l.max();
            l.constant(6);
            l.min();
          }
        }
        l.store();
      });
      c.localGet(out).localGet(colBytes).i32Add().localSet(out);
    },
  );
  return f;
}

/** A 1x1 filter with stride 1 and no padding: the image itself is the patch matrix. */
function isPointwise(i: Conv2DInfo): boolean {
  return (
    i.filterH === 1 &&
    i.filterW === 1 &&
    i.strideH === 1 &&
    i.strideW === 1 &&
    i.padTop === 0 &&
    i.padLeft === 0 &&
    i.outH === i.inH &&
    i.outW === i.inW
  );
}

/**
 * conv2d and its two gradients on the wasm heap: patch matrices built tile by tile in wasm, products on
 * the backend's GEMM. Each op walks tiles of output rows, so a thread pool can later hand tiles to
 * threads (im2col + GEMM per tile; the filter gradient then sums per-thread partial filters).
 * @example const conv = await WasmConv.compile(store); conv.conv2d(x, w, info);
 */
export class WasmConv {
  private readonly geometry: Block;
  private cols: Block | null = null;

  private constructor(
    private readonly store: WasmStore,
    private readonly im2col: PatchFn,
    private readonly col2im: PatchFn,
    private readonly epilogues: ReadonlyMap<string, EpilogueFn>,
    private readonly tileBytes: number,
  ) {
    this.geometry = store.heap.alloc(FIELDS.length * 4);
  }

  /** @param tileBytes the column buffer's target size (tests and benchmarks vary it) */
  static async compile(store: WasmStore, tileBytes = TILE_BYTES): Promise<WasmConv> {
    const epilogueDefs = WASM_ACTIVATIONS.flatMap((act) =>
      [true, false].map((bias) => epilogueKernel(act, bias).def()),
    );
    const ex = await instantiate(store.heap, [
      ...memoryRoutines(),
      patchKernel('gather').def(),
      patchKernel('scatter').def(),
      ...epilogueDefs,
    ]);
    const epilogues = new Map<string, EpilogueFn>();
    for (const { name } of epilogueDefs) {
      const fn = ex.get(name);
      if (fn)
        epilogues.set(name, (out, bias, rows, colBytes) => {
          fn(out, bias, rows, colBytes);
        });
    }
    const wrap = (name: string): PatchFn => {
      const fn = ex.get(name);
      if (!fn) throw new Error(`wasm: export ${name} missing`);
      return (geo, image, cols, r0, rows) => {
        fn(geo, image, cols, r0, rows);
      };
    };
    return new WasmConv(store, wrap('im2col'), wrap('col2im'), epilogues, tileBytes);
  }

  /** The backend's GEMM (the store holds it), so conv follows whatever GEMM the backend runs. */
  private get gemm(): GemmFn {
    return this.store.gemm ?? referenceGemm;
  }

  /** Writes the geometry record; returns rows per tile, total rows and K, and the column block. */
  private prepare(i: Conv2DInfo): { tile: number; colsAt: number } {
    const k = i.filterH * i.filterW * i.inC;
    const total = i.batch * i.outH * i.outW;
    const tile = Math.min(total, Math.max(MIN_TILE_ROWS, Math.floor(this.tileBytes / (4 * k))));
    const bytes = tile * k * 4;
    if (!this.cols || this.cols.size < bytes) {
      if (this.cols) this.store.heap.free(this.cols);
      this.cols = this.store.heap.alloc(bytes);
    }
    writeRecord(this.store, this.geometry, FIELDS, { ...i, inCBytes: i.inC * 4 });
    return { tile, colsAt: this.cols.offset };
  }

  /**
   * The per-tile write-out step for an epilogue, or null when there is nothing to do: bias and
   * linear/relu/relu6 in wasm; sigmoid and tanh then run the elementwise table's scalar function.
   */
  private epilogueStep(
    e: Epilogue | undefined,
    cols: number,
  ): ((at: number, rows: number) => void) | null {
    if (!e || (e.bias === null && e.activation === 'linear')) return null;
    const act = e.activation;
    const inWasm: WasmActivation = act === 'relu' || act === 'relu6' ? act : 'linear';
    const kernel = this.epilogues.get(`epilogue_${inWasm}${e.bias ? '_bias' : ''}`);
    const biasAt = e.bias ? this.store.offsetOf(e.bias.dataId) : 0;
    const scalar: ((x: number, alpha: number) => number) | null =
      act === 'sigmoid' || act === 'tanh' ? UNARY[act].fn : null;
    return (at, rows) => {
      kernel?.(at, biasAt, rows, cols * 4);
      if (!scalar) return;
      const v = new Float32Array(this.store.heap.memory.buffer, at, rows * cols);
      for (let j = 0; j < v.length; j++) v[j] = scalar(v[j], 0);
    };
  }

  /**
   * out[rows, outC] = epilogue(im2col(x)[rows, K] · filter[K, outC]), tile by tile; a pointwise conv
   * reads x itself as the patch matrix.
   */
  conv2d(x: TensorInfo, filter: TensorInfo, i: Conv2DInfo, epilogue?: Epilogue): DataId {
    const s = this.store;
    const total = i.batch * i.outH * i.outW;
    const k = i.filterH * i.filterW * i.inC;
    const pointwise = isPointwise(i);
    const id = s.allocRaw('float32', total * i.outC);
    const { tile, colsAt } = this.prepare(i);
    // NOTE: views and offsets only after the last allocation: a grow of plain memory detaches views
    const heap = new Float32Array(s.heap.memory.buffer);
    const [xAt, fAt, oAt] = [s.offsetOf(x.dataId), s.offsetOf(filter.dataId), s.offsetOf(id)];
    const step = this.epilogueStep(epilogue, i.outC);
    for (let r0 = 0; r0 < total; r0 += tile) {
      const rows = Math.min(tile, total - r0);
      if (!pointwise) this.im2col(this.geometry.offset, xAt, colsAt, r0, rows);
      const aOff = pointwise ? (xAt >> 2) + r0 * k : colsAt >> 2;
      const outOff = (oAt >> 2) + r0 * i.outC;
      this.gemm(rows, i.outC, k, heap, aOff, false, heap, fAt >> 2, false, heap, outOff, false);
      step?.(outOff * 4, rows);
    }
    return id;
  }

  /** dx = col2im(dy[rows, outC] · filterᵀ[outC, K]), tile by tile. */
  conv2dBackpropInput(dy: TensorInfo, filter: TensorInfo, i: Conv2DInfo): DataId {
    const s = this.store;
    const total = i.batch * i.outH * i.outW;
    const k = i.filterH * i.filterW * i.inC;
    const pointwise = isPointwise(i);
    const size = i.batch * i.inH * i.inW * i.inC;
    const id = pointwise ? s.allocRaw('float32', size) : s.alloc('float32', size).id;
    if (pointwise) {
      const heap = new Float32Array(s.heap.memory.buffer);
      const [dAt, fAt, oAt] = [s.offsetOf(dy.dataId), s.offsetOf(filter.dataId), s.offsetOf(id)];
      this.gemm(
        total,
        k,
        i.outC,
        heap,
        dAt >> 2,
        false,
        heap,
        fAt >> 2,
        true,
        heap,
        oAt >> 2,
        false,
      );
      return id;
    }
    const { tile, colsAt } = this.prepare(i);
    const heap = new Float32Array(s.heap.memory.buffer);
    const [dAt, fAt, oAt] = [s.offsetOf(dy.dataId), s.offsetOf(filter.dataId), s.offsetOf(id)];
    for (let r0 = 0; r0 < total; r0 += tile) {
      const rows = Math.min(tile, total - r0);
      const dyOff = (dAt >> 2) + r0 * i.outC;
      this.gemm(
        rows,
        k,
        i.outC,
        heap,
        dyOff,
        false,
        heap,
        fAt >> 2,
        true,
        heap,
        colsAt >> 2,
        false,
      );
      this.col2im(this.geometry.offset, oAt, colsAt, r0, rows);
    }
    return id;
  }

  /**
   * dfilter[K, outC] = Σ over tiles of im2col(x)ᵀ[K, rows] · dy[rows, outC], the GEMM accumulating.
   * NOTE: each tile's partial sum is added into the float32 output, as the reference does per chunk.
   */
  conv2dBackpropFilter(x: TensorInfo, dy: TensorInfo, i: Conv2DInfo): DataId {
    const s = this.store;
    const total = i.batch * i.outH * i.outW;
    const k = i.filterH * i.filterW * i.inC;
    const id = s.allocRaw('float32', k * i.outC);
    if (isPointwise(i)) {
      const heap = new Float32Array(s.heap.memory.buffer);
      const [xAt, dAt, oAt] = [s.offsetOf(x.dataId), s.offsetOf(dy.dataId), s.offsetOf(id)];
      this.gemm(
        k,
        i.outC,
        total,
        heap,
        xAt >> 2,
        true,
        heap,
        dAt >> 2,
        false,
        heap,
        oAt >> 2,
        false,
      );
      return id;
    }
    const { tile, colsAt } = this.prepare(i);
    const heap = new Float32Array(s.heap.memory.buffer);
    const [xAt, dAt, oAt] = [s.offsetOf(x.dataId), s.offsetOf(dy.dataId), s.offsetOf(id)];
    for (let r0 = 0; r0 < total; r0 += tile) {
      const rows = Math.min(tile, total - r0);
      this.im2col(this.geometry.offset, xAt, colsAt, r0, rows);
      const dyOff = (dAt >> 2) + r0 * i.outC;
      this.gemm(
        k,
        i.outC,
        rows,
        heap,
        colsAt >> 2,
        true,
        heap,
        dyOff,
        false,
        heap,
        oAt >> 2,
        r0 > 0,
      );
    }
    return id;
  }
}
