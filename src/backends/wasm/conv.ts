// wasm conv2d and its gradients: im2col / col2im in wasm over tiles of output rows, products on the GEMM.
import type { Conv2DInfo, DataId, Epilogue, TensorInfo } from '../backend.js';
import { applyEpilogue } from '../cpu/epilogue.js';
import { ACT } from './activation.js';
import {
  ACCUMULATE,
  COPY,
  Fn,
  forLoop,
  loadRecord,
  maxI32,
  memoryRoutines,
  minI32,
  nextPixel,
  splitPixel,
  writeRecord,
  ZERO,
} from './emit.js';
import { assemble, type FuncDef } from './asm.js';
import { DESC, descBytes, FLAG, gemmFuncs, MC, NC, ROWS } from './gemm.js';
import { type Block, MAX_PAGES } from './heap.js';
import { detectFeatures, MR, NR } from './kernels.js';
import { type PoolTask, ThreadPool } from './pool.js';
import type { WasmStore } from './store.js';

/**
 * The im2col tile: output rows per tile are chosen so the column buffer holds about this many bytes,
 * small enough to stay in L2 between im2col writing it and the GEMM packing it.
 */
const TILE_BYTES = 1 << 20;
/**
 * The conv GEMMs' k block: larger than matmul's KC so a 3x3 filter's k (9·inC, often a little over
 * 256) is one block, sparing a second pass adding into C; a KC x 8 panel of B (16 KiB) still fits L1.
 */
const KC = 512;
const MIN_TILE_ROWS = 32;
/**
 * The filter gradient sums this many partial filters at most, one per chunk of rows: a count fixed
 * whatever the thread count, so 1 and N threads sum the same partials in the same order.
 */
const FILTER_CHUNKS = 8;
/** Below this many multiply-adds a conv stays on the calling thread (as matmul.ts's PARALLEL_MIN). */
const PARALLEL_MIN = 1 << 20;

// function indices in the conv module (the order of moduleFuncs)
const IM2COL = 3;
const COL2IM = 4;
const GEMM_BASE = 5;
const GEMM = GEMM_BASE + 3;

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

/** Pushes min(a, b) of two i32 locals. */
function minLocals(f: Fn, a: number, b: number): void {
  minI32(
    f.code,
    () => f.code.localGet(a),
    () => f.code.localGet(b),
  );
}

/** for (r = from; r < to; r += step) body(rows = min(step, to - r)), all locals. */
function tileLoop(
  f: Fn,
  from: number,
  to: number,
  step: number,
  body: (r: number, rows: number) => void,
): void {
  const c = f.code;
  const [r, rows, left] = [f.local(), f.local(), f.local()];
  c.localGet(from).localSet(r);
  c.block().loop();
  c.localGet(r).localGet(to).i32GeS().brIf(1);
  c.localGet(to).localGet(r).i32Sub().localSet(left);
  minLocals(f, step, left);
  c.localSet(rows);
  body(r, rows);
  c.localGet(r).localGet(step).i32Add().localSet(r);
  c.br(0);
  c.end().end();
}

/** desc[slot] = value of local. */
function setDesc(f: Fn, desc: number, slot: number, value: () => void): void {
  f.code.localGet(desc);
  value();
  f.code.i32Store(4 * slot);
}

/** Calls gemm(desc, 0, 1, 0, m, 0, n, pA, pB, pC): one product, the whole of it, on this thread. */
function callGemm(
  f: Fn,
  desc: number,
  m: number,
  n: number,
  pA: number,
  pB: number,
  pC: number,
): void {
  const c = f.code;
  c.localGet(desc).i32Const(0).i32Const(1).i32Const(0).localGet(m).i32Const(0).localGet(n);
  c.localGet(pA).localGet(pB).localGet(pC).call(GEMM);
}

/**
 * convForward(geo, x, out, desc, cols, r0, r1, tile, pA, pB, pC): out rows [r0, r1) tile by tile,
 * im2col then the GEMM (desc holds n = outC, k = K, the filter, bias and activation); geo 0 means
 * pointwise (x itself is the patch matrix). One share of a parallelFor: everything on this thread.
 */
function forwardDriver(): Fn {
  const f = new Fn('convForward', 11);
  const c = f.code;
  const [geo, x, out, desc, cols, r0, r1, tile, pA, pB, pC] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [n, kBytes, a] = [f.local(), f.local(), f.local()];
  c.localGet(desc)
    .i32Load(4 * DESC.n)
    .localSet(n);
  c.localGet(desc)
    .i32Load(4 * DESC.k)
    .i32Const(2)
    .i32Shl()
    .localSet(kBytes);
  tileLoop(f, r0, r1, tile, (r, rows) => {
    setDesc(f, desc, DESC.m, () => c.localGet(rows));
    c.localGet(x).localGet(r).localGet(kBytes).i32Mul().i32Add().localSet(a);
    c.localGet(geo).if();
    c.localGet(geo).localGet(x).localGet(cols).localGet(r).localGet(rows).call(IM2COL);
    c.localGet(cols).localSet(a);
    c.end();
    setDesc(f, desc, DESC.batches, () => c.localGet(a));
    setDesc(f, desc, DESC.batches + 2, () =>
      c.localGet(out).localGet(r).localGet(n).i32Mul().i32Const(2).i32Shl().i32Add(),
    );
    callGemm(f, desc, rows, n, pA, pB, pC);
  });
  return f;
}

/**
 * convInput(geo, dy, dx, desc, cols, r0, r1, tile, pA, pB, pC): cols = dy[rows] · filterᵀ (desc: n
 * = K, k = outC, transB), then col2im into dx, tile by tile; geo 0 (pointwise) writes dx rows directly.
 * Shares must cover whole images: col2im of neighbouring rows adds into the same pixels.
 */
function inputDriver(): Fn {
  const f = new Fn('convInput', 11);
  const c = f.code;
  const [geo, dy, dx, desc, cols, r0, r1, tile, pA, pB, pC] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [n, outCBytes] = [f.local(), f.local()];
  c.localGet(desc)
    .i32Load(4 * DESC.n)
    .localSet(n);
  c.localGet(desc)
    .i32Load(4 * DESC.k)
    .i32Const(2)
    .i32Shl()
    .localSet(outCBytes);
  tileLoop(f, r0, r1, tile, (r, rows) => {
    setDesc(f, desc, DESC.m, () => c.localGet(rows));
    setDesc(f, desc, DESC.batches, () =>
      c.localGet(dy).localGet(r).localGet(outCBytes).i32Mul().i32Add(),
    );
    setDesc(f, desc, DESC.batches + 2, () => {
      c.localGet(cols);
      c.localGet(dx).localGet(r).localGet(n).i32Mul().i32Const(2).i32Shl().i32Add();
      c.localGet(geo).select();
    });
    callGemm(f, desc, rows, n, pA, pB, pC);
    c.localGet(geo).if();
    c.localGet(geo).localGet(dx).localGet(cols).localGet(r).localGet(rows).call(COL2IM);
    c.end();
  });
  return f;
}

/**
 * convFilter(geo, x, dy, desc, cols, ch0, ch1, chunkRows, tile, total, out, partials, pA, pB, pC):
 * for each chunk ch of rows [ch·chunkRows, +chunkRows) ∩ [0, total), its partial filter gradient
 * (chunk 0 into out, chunk i into partials + (i-1)·K·outC·4) = Σ tiles im2col(x)ᵀ · dy, the GEMM
 * accumulating after the first tile (desc: m = K, n = outC, transA; k and kStep set per tile).
 */
function filterDriver(): Fn {
  const f = new Fn('convFilter', 15);
  const c = f.code;
  const [geo, x, dy, desc, cols, ch0, ch1, chunkRows, tile, total, out, partials, pA, pB, pC] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
  ];
  const [m, n, ch, rs, re, part, blocks, a] = Array.from({ length: 8 }, () => f.local());
  c.localGet(desc)
    .i32Load(4 * DESC.m)
    .localSet(m);
  c.localGet(desc)
    .i32Load(4 * DESC.n)
    .localSet(n);
  forLoop(
    f,
    ch,
    () => c.localGet(ch0),
    () => c.localGet(ch1),
    () => {
      c.localGet(ch).localGet(chunkRows).i32Mul().localSet(rs);
      c.localGet(rs).localGet(chunkRows).i32Add().localSet(re);
      minLocals(f, re, total);
      c.localSet(re);
      c.localGet(out);
      c.localGet(partials)
        .localGet(ch)
        .i32Const(1)
        .i32Sub()
        .localGet(m)
        .i32Mul()
        .localGet(n)
        .i32Mul();
      c.i32Const(2).i32Shl().i32Add();
      c.localGet(ch).i32Eqz().select().localSet(part);
      tileLoop(f, rs, re, tile, (r, rows) => {
        setDesc(f, desc, DESC.k, () => c.localGet(rows));
        // kStep = ceil(k / ceil(k / KC)), as describe() computes it
        c.localGet(rows)
          .i32Const(KC - 1)
          .i32Add()
          .i32Const(KC)
          .i32DivU()
          .localSet(blocks);
        setDesc(f, desc, DESC.kStep, () =>
          c
            .localGet(rows)
            .localGet(blocks)
            .i32Add()
            .i32Const(1)
            .i32Sub()
            .localGet(blocks)
            .i32DivU(),
        );
        setDesc(f, desc, DESC.flags, () =>
          c
            .i32Const(FLAG.transA | FLAG.accumulate)
            .i32Const(FLAG.transA)
            .localGet(r)
            .localGet(rs)
            .i32Ne()
            .select(),
        );
        c.localGet(x).localGet(r).localGet(m).i32Mul().i32Const(2).i32Shl().i32Add().localSet(a);
        c.localGet(geo).if();
        c.localGet(geo).localGet(x).localGet(cols).localGet(r).localGet(rows).call(IM2COL);
        c.localGet(cols).localSet(a);
        c.end();
        setDesc(f, desc, DESC.batches, () => c.localGet(a));
        setDesc(f, desc, DESC.batches + 1, () =>
          c.localGet(dy).localGet(r).localGet(n).i32Mul().i32Const(2).i32Shl().i32Add(),
        );
        setDesc(f, desc, DESC.batches + 2, () => c.localGet(part));
        callGemm(f, desc, m, n, pA, pB, pC);
      });
    },
  );
  return f;
}

/** Every function of the conv module, in the order the index constants above name. */
function moduleFuncs(fma: boolean): FuncDef[] {
  const funcs = [
    ...memoryRoutines(),
    patchKernel('gather').def(),
    patchKernel('scatter').def(),
    ...gemmFuncs(fma, GEMM_BASE),
    forwardDriver().def(),
    inputDriver().def(),
    filterDriver().def(),
  ];
  if (funcs[IM2COL].name !== 'im2col' || funcs[GEMM].name !== 'gemm')
    throw new Error('wasm conv: function indices out of step with the module');
  return funcs;
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

function roundUp(x: number, to: number): number {
  return Math.ceil(x / to) * to;
}

/** Near-equal ranges [start, end) of [0, total) in `parts` parts, each start a multiple of `align`. */
function split(total: number, parts: number, align: number): [number, number][] {
  const size = roundUp(Math.ceil(total / parts), align);
  const out: [number, number][] = [];
  for (let s = 0; s < total; s += size) out.push([s, Math.min(total, s + size)]);
  return out;
}

/** Heap blocks one share works in: its GEMM descriptor, column buffer and GEMM packing scratch. */
interface ShareBlocks {
  desc: Block | null;
  cols: Block | null;
  scratch: Block | null;
}

/** Byte offsets of one share's blocks. */
interface ShareAt {
  desc: number;
  cols: number;
  pA: number;
  pB: number;
  pC: number;
}

/**
 * conv2d and its two gradients on the wasm heap, split over the thread pool: each share runs whole
 * tiles (im2col + a single-threaded GEMM, or GEMM + col2im) in one wasm call. Forward splits output
 * rows, the input gradient whole images, the filter gradient a fixed set of row chunks whose partial
 * filters the calling thread sums in order, so every thread count gives bitwise the same result.
 * @example const conv = await WasmConv.compile(store); conv.conv2d(x, w, info);
 */
export class WasmConv {
  private readonly geometry: Block;
  private readonly shares: ShareBlocks[] = [];
  private partials: Block | null = null;
  /** Convs with fewer multiply-adds stay on the calling thread (tests lower it to force splits). */
  parallelMin = PARALLEL_MIN;

  private constructor(
    private readonly store: WasmStore,
    readonly pool: ThreadPool,
    private readonly tasks: Record<string, PoolTask>,
    private readonly tileBytes: number,
  ) {
    this.geometry = store.heap.alloc(FIELDS.length * 4);
  }

  /**
   * Compiles the conv module (im2col, col2im, its own copy of the GEMM, the tile drivers) and loads
   * it on `pool` (default: a pool of one thread).
   * @param tileBytes the column buffer's target size (tests and benchmarks vary it)
   */
  static async compile(
    store: WasmStore,
    tileBytes = TILE_BYTES,
    pool?: ThreadPool,
    fma?: boolean,
  ): Promise<WasmConv> {
    const relaxed = fma ?? (await detectFeatures()).relaxedSimd;
    const bytes = assemble(moduleFuncs(relaxed), {
      initialPages: 1,
      maximumPages: MAX_PAGES,
      shared: store.heap.shared,
    });
    const module = await WebAssembly.compile(bytes);
    const threads = pool ?? (await ThreadPool.create(store.heap.memory, false, 1));
    return new WasmConv(store, threads, await threads.load(module), tileBytes);
  }

  private task(name: string): PoolTask {
    const t = this.tasks[name];
    if (!t) throw new Error(`wasm conv: export ${name} missing`);
    return t;
  }

  private ensure(current: Block | null, bytes: number): Block {
    if (current && current.size >= bytes) return current;
    if (current) this.store.heap.free(current);
    return this.store.heap.alloc(bytes);
  }

  /**
   * Blocks for `count` shares, each with a column buffer of colsBytes and GEMM scratch for products
   * up to maxM x maxN x maxK; writes the geometry record. Allocates, so take views after it.
   */
  private prepare(
    i: Conv2DInfo,
    count: number,
    colsBytes: number,
    maxM: number,
    maxN: number,
    maxK: number,
  ): ShareAt[] {
    const kStep = Math.min(KC, maxK);
    const rows = roundUp(Math.min(ROWS, maxM), MR);
    const cols = roundUp(Math.min(NC, maxN), NR);
    const aBytes = roundUp(Math.min(MC, rows) * kStep * 4, 64);
    const bBytes = roundUp(cols * kStep * 4, 64);
    const out: ShareAt[] = [];
    for (let t = 0; t < count; t++) {
      const sb = (this.shares[t] ??= { desc: null, cols: null, scratch: null });
      sb.desc = this.ensure(sb.desc, descBytes(1));
      sb.cols = this.ensure(sb.cols, Math.max(4, colsBytes));
      sb.scratch = this.ensure(sb.scratch, aBytes + bBytes + rows * cols * 4);
      const at = sb.scratch.offset;
      out.push({
        desc: sb.desc.offset,
        cols: sb.cols.offset,
        pA: at,
        pB: at + aBytes,
        pC: at + aBytes + bBytes,
      });
    }
    writeRecord(this.store, this.geometry, FIELDS, { ...i, inCBytes: i.inC * 4 });
    return out;
  }

  /** Writes the fixed fields of each share's descriptor (m, k and the triple are the drivers'). */
  private describe(
    at: readonly ShareAt[],
    fields: {
      m: number;
      n: number;
      k: number;
      flags: number;
      b: number;
      bias?: number;
      act?: number;
    },
  ): void {
    const buf = this.store.heap.memory.buffer;
    for (const s of at) {
      const d = new Int32Array(buf, s.desc, descBytes(1) / 4);
      d[DESC.m] = fields.m;
      d[DESC.n] = fields.n;
      d[DESC.k] = fields.k;
      d[DESC.flags] = fields.flags;
      d[DESC.bias] = fields.bias ?? 0;
      d[DESC.act] = fields.act ?? 0;
      d[DESC.kStep] = Math.ceil(fields.k / Math.ceil(fields.k / KC));
      d[DESC.batches + 1] = fields.b;
    }
  }

  /** Threads for a conv of `macs` multiply-adds. */
  private threads(macs: number): number {
    return macs >= this.parallelMin ? this.pool.size : 1;
  }

  /** Rows per tile so a column buffer of K floats per row holds about tileBytes. */
  private tileRows(k: number, total: number): number {
    return Math.max(
      1,
      Math.min(total, Math.max(MIN_TILE_ROWS, Math.floor(this.tileBytes / (4 * k)))),
    );
  }

  /**
   * out[rows, outC] = act(im2col(x)[rows, K] · filter[K, outC] + bias), output rows split over the
   * threads, each share tile by tile; a pointwise conv reads x itself as the patch matrix.
   */
  conv2d(x: TensorInfo, filter: TensorInfo, i: Conv2DInfo, epilogue?: Epilogue): DataId {
    const s = this.store;
    const total = i.batch * i.outH * i.outW;
    const k = i.filterH * i.filterW * i.inC;
    const pointwise = isPointwise(i);
    const id = s.allocRaw('float32', total * i.outC);
    if (total === 0 || i.outC === 0) return id;
    if (k === 0) {
      // an empty patch (no input channels): out = act(0 + bias), which the GEMM cannot do for k = 0
      new Float32Array(s.heap.memory.buffer, s.offsetOf(id), total * i.outC).fill(0);
      return applyEpilogue(s, id, i.outC, epilogue);
    }
    const threads = this.threads(total * k * i.outC);
    const ranges = split(total, threads, MR);
    const tile = Math.min(this.tileRows(k, total), ranges[0][1] - ranges[0][0]);
    const at = this.prepare(i, ranges.length, pointwise ? 0 : tile * k * 4, tile, i.outC, k);
    const fAt = s.offsetOf(filter.dataId);
    this.describe(at, {
      m: tile,
      n: i.outC,
      k,
      flags: 0,
      b: fAt,
      bias: epilogue?.bias ? s.offsetOf(epilogue.bias.dataId) : 0,
      act: ACT[epilogue?.activation ?? 'linear'],
    });
    const [xAt, oAt] = [s.offsetOf(x.dataId), s.offsetOf(id)];
    const geo = pointwise ? 0 : this.geometry.offset;
    const shares = ranges.map(([r0, r1], t) => {
      const a = at[t];
      return [geo, xAt, oAt, a.desc, a.cols, r0, r1, tile, a.pA, a.pB, a.pC];
    });
    this.pool.parallelFor(this.task('convForward'), shares);
    return id;
  }

  /** dx = col2im(dy[rows, outC] · filterᵀ[outC, K]), whole images split over the threads. */
  conv2dBackpropInput(dy: TensorInfo, filter: TensorInfo, i: Conv2DInfo): DataId {
    const s = this.store;
    const hw = i.outH * i.outW;
    const total = i.batch * hw;
    const k = i.filterH * i.filterW * i.inC;
    const pointwise = isPointwise(i);
    const size = i.batch * i.inH * i.inW * i.inC;
    const id = pointwise ? s.allocRaw('float32', size) : s.alloc('float32', size).id;
    if (total === 0 || k === 0) return id;
    if (i.outC === 0) {
      new Float32Array(s.heap.memory.buffer, s.offsetOf(id), size).fill(0);
      return id;
    }
    const threads = this.threads(total * k * i.outC);
    const ranges = split(i.batch, threads, 1).map(([b0, b1]) => [b0 * hw, b1 * hw] as const);
    const tile = Math.min(this.tileRows(k, total), ranges[0][1] - ranges[0][0]);
    const at = this.prepare(i, ranges.length, pointwise ? 0 : tile * k * 4, tile, k, i.outC);
    this.describe(at, {
      m: tile,
      n: k,
      k: i.outC,
      flags: FLAG.transB,
      b: s.offsetOf(filter.dataId),
    });
    const [dAt, oAt] = [s.offsetOf(dy.dataId), s.offsetOf(id)];
    const geo = pointwise ? 0 : this.geometry.offset;
    const shares = ranges.map(([r0, r1], t) => {
      const a = at[t];
      return [geo, dAt, oAt, a.desc, a.cols, r0, r1, tile, a.pA, a.pB, a.pC];
    });
    this.pool.parallelFor(this.task('convInput'), shares);
    return id;
  }

  /**
   * dfilter[K, outC] = Σ over chunks of rows (a fixed count, whatever the threads) of the chunk's
   * partial im2col(x)ᵀ · dy, the partials summed in chunk order on the calling thread.
   */
  conv2dBackpropFilter(x: TensorInfo, dy: TensorInfo, i: Conv2DInfo): DataId {
    const s = this.store;
    const total = i.batch * i.outH * i.outW;
    const k = i.filterH * i.filterW * i.inC;
    const pointwise = isPointwise(i);
    const id = s.allocRaw('float32', k * i.outC);
    if (k === 0 || i.outC === 0) return id;
    if (total === 0) {
      new Float32Array(s.heap.memory.buffer, s.offsetOf(id), k * i.outC).fill(0);
      return id;
    }
    const tile = this.tileRows(k, total);
    const chunkRows = Math.max(tile, Math.ceil(total / FILTER_CHUNKS));
    const chunks = Math.ceil(total / chunkRows);
    const tileIn = Math.min(tile, chunkRows);
    const threads = this.threads(total * k * i.outC);
    const ranges = split(chunks, threads, 1);
    const filterBytes = k * i.outC * 4;
    this.partials = this.ensure(this.partials, Math.max(4, (chunks - 1) * filterBytes));
    const at = this.prepare(i, ranges.length, pointwise ? 0 : tileIn * k * 4, k, i.outC, tileIn);
    this.describe(at, { m: k, n: i.outC, k: tileIn, flags: FLAG.transA, b: 0 });
    const [xAt, dAt, oAt] = [s.offsetOf(x.dataId), s.offsetOf(dy.dataId), s.offsetOf(id)];
    const pAt = this.partials.offset;
    const geo = pointwise ? 0 : this.geometry.offset;
    const shares = ranges.map(([c0, c1], t) => {
      const a = at[t];
      return [
        geo,
        xAt,
        dAt,
        a.desc,
        a.cols,
        c0,
        c1,
        chunkRows,
        tileIn,
        total,
        oAt,
        pAt,
        a.pA,
        a.pB,
        a.pC,
      ];
    });
    this.pool.parallelFor(this.task('convFilter'), shares);
    const accumulate = this.task('accumulate');
    for (let c = 1; c < chunks; c++)
      accumulate.local(pAt + (c - 1) * filterBytes, oAt, filterBytes);
    return id;
  }
}
