// wasm max and average pooling and their gradients, NHWC, f32x4 over channels (scalar for the tail).
import type { DataId, Pool2DInfo, TensorInfo } from '../backend.js';
import { assemble, F32, I32, V128 } from './asm.js';
import {
  channelLoop,
  Fn,
  forLoop,
  type Lanes,
  loadRecord,
  maxI32,
  minI32,
  nextPixel,
  splitPixel,
  writeRecord,
} from './emit.js';
import { splitRange } from './elementwise.js';
import { type Block, MAX_PAGES } from './heap.js';
import { type PoolTask, ThreadPool } from './pool.js';
import type { WasmStore } from './store.js';

/**
 * From this many output floats (forward) or input floats (gradients) a pooling kernel splits over the
 * threads: a window costs a few instructions a float, so below it a share is shorter than waking one.
 * An estimate, like elementwise.ts' 2^17, not tuned: a CNN's pooling layers are far above it.
 */
const PARALLEL_MIN = 1 << 15;

/** Fields of the pooling geometry record, in record order. */
const FIELDS = [
  'inH',
  'inW',
  'cBytes',
  'outH',
  'outW',
  'filterH',
  'filterW',
  'strideH',
  'strideW',
  'padTop',
  'padLeft',
] as const;

type Kind = 'maxPool' | 'avgPool' | 'maxPoolGrad' | 'avgPoolGrad';

/**
 * One pooling kernel over output pixels [p0, p1): params (geometry, a, b, out, p0, p1) with a = x and
 * b unused (forward), a = x and b = dy (maxPoolGrad), a = dy (avgPoolGrad). Forward kernels may be split
 * by pixels across threads; the gradients add into overlapping windows, so split them by whole images:
 * a gradient kernel zeroes its images of `out` first (the caller hands it an unzeroed block).
 */
function poolKernel(kind: Kind): Fn {
  const f = new Fn(kind, 6);
  const c = f.code;
  const [geo, a, b, out, p0, p1] = [0, 1, 2, 3, 4, 5];
  const g = loadRecord(f, geo, FIELDS);
  const at = { b: f.local(), oy: f.local(), ox: f.local() };
  const [p, y0, y1, x0, x1, y, xx, img, pix, cb, first, rowBytes, imgBytes, addr] = Array.from(
    { length: 14 },
    () => f.local(),
  );
  const countS = f.local(F32);
  const countV = f.local(V128);
  // per-width accumulators: m (max or sum), the mask, the best address (maxPoolGrad)
  const mV = f.local(V128);
  const maskV = f.local(V128);
  const bestV = f.local(V128);
  const mS = f.local(F32);
  const maskS = f.local(I32);
  const bestS = f.local(I32);
  const acc = (l: Lanes): number => (l.width === 4 ? mV : mS);
  const mask = (l: Lanes): number => (l.width === 4 ? maskV : maskS);
  const best = (l: Lanes): number => (l.width === 4 ? bestV : bestS);
  const count = (l: Lanes): number => (l.width === 4 ? countV : countS);
  const get = (l: number) => () => void c.localGet(l);

  c.localGet(g.inW).localGet(g.cBytes).i32Mul().localSet(rowBytes);
  c.localGet(g.inH).localGet(rowBytes).i32Mul().localSet(imgBytes);
  if (kind === 'maxPoolGrad' || kind === 'avgPoolGrad') {
    // zero this share's images of the gradient (its pixel range is whole images), so the zeroing is
    // split over the threads too: out + (p0 / perImage)·imgBytes, ((p1 - p0) / perImage)·imgBytes bytes
    c.localGet(p1).localGet(p0).i32GtU().if();
    c.localGet(g.outH).localGet(g.outW).i32Mul().localSet(pix);
    c.localGet(out).localGet(p0).localGet(pix).i32DivU().localGet(imgBytes).i32Mul().i32Add();
    c.i32Const(0);
    c.localGet(p1).localGet(p0).i32Sub().localGet(pix).i32DivU().localGet(imgBytes).i32Mul();
    c.memoryFill();
    c.end();
  }
  splitPixel(f, at, p0, g.outH, g.outW);
  /** Visits the window's pixels: `pix` = byte offset of the pixel (channel 0) within the tensor. */
  const window = (body: () => void): void => {
    forLoop(f, y, get(y0), get(y1), () => {
      forLoop(f, xx, get(x0), get(x1), () => {
        c.localGet(img).localGet(y).localGet(rowBytes).i32Mul().i32Add();
        c.localGet(xx).localGet(g.cBytes).i32Mul().i32Add().localSet(pix);
        body();
      });
    });
  };
  forLoop(f, p, get(p0), get(p1), () => {
    // the window clipped to the image: [y0, y1) x [x0, x1)
    c.localGet(at.oy).localGet(g.strideH).i32Mul().localGet(g.padTop).i32Sub().localSet(y0);
    minI32(c, () => c.localGet(y0).localGet(g.filterH).i32Add(), get(g.inH));
    c.localSet(y1);
    maxI32(c, get(y0), () => c.i32Const(0));
    c.localSet(y0);
    c.localGet(at.ox).localGet(g.strideW).i32Mul().localGet(g.padLeft).i32Sub().localSet(x0);
    minI32(c, () => c.localGet(x0).localGet(g.filterW).i32Add(), get(g.inW));
    c.localSet(x1);
    maxI32(c, get(x0), () => c.i32Const(0));
    c.localSet(x0);
    c.localGet(at.b).localGet(imgBytes).i32Mul().localSet(img);
    c.localGet(img).localGet(y0).localGet(rowBytes).i32Mul().i32Add();
    c.localGet(x0).localGet(g.cBytes).i32Mul().i32Add().localSet(first);
    c.localGet(y1).localGet(y0).i32Sub().localGet(x1).localGet(x0).i32Sub().i32Mul();
    c.f32ConvertI32S().localTee(countS).f32x4Splat().localSet(countV);
    // the output pixel's byte offset (also dy's for the gradients)
    const outPix = (): void => void c.localGet(p).localGet(g.cBytes).i32Mul();
    channelLoop(f, cb, g.cBytes, (l) => {
      const m = acc(l);
      if (kind === 'maxPool' || kind === 'maxPoolGrad') {
        c.localGet(a).localGet(first).i32Add().localGet(cb).i32Add();
        l.load();
        c.localSet(m);
        if (kind === 'maxPoolGrad') {
          c.localGet(first).localGet(cb).i32Add();
          if (l.width === 4) c.i32x4Splat().i32x4Const(0, 4, 8, 12).i32x4Add();
          c.localSet(best(l));
        }
        window(() => {
          // v > m, or v is NaN and m is not: the reference's update rule, so ties keep the first
          c.localGet(a).localGet(pix).i32Add().localGet(cb).i32Add().localSet(addr);
          const v = (): void => void (c.localGet(addr), l.load());
          v();
          c.localGet(m);
          l.gt();
          v();
          v();
          l.ne();
          c.localGet(m).localGet(m);
          l.eq();
          l.and();
          l.or();
          c.localSet(mask(l));
          v();
          c.localGet(m).localGet(mask(l));
          l.sel();
          c.localSet(m);
          if (kind === 'maxPoolGrad') {
            c.localGet(pix).localGet(cb).i32Add();
            if (l.width === 4) c.i32x4Splat().i32x4Const(0, 4, 8, 12).i32x4Add();
            c.localGet(best(l)).localGet(mask(l));
            if (l.width === 4) c.v128Bitselect();
            else c.select();
            c.localSet(best(l));
          }
        });
        if (kind === 'maxPool') {
          c.localGet(out);
          outPix();
          c.i32Add().localGet(cb).i32Add().localGet(m);
          l.store();
        } else {
          // dx[best] += dy, lane by lane (a scatter)
          for (let lane = 0; lane < l.width; lane++) {
            c.localGet(out).localGet(best(l));
            if (l.width === 4) c.i32x4ExtractLane(lane);
            c.i32Add().localTee(addr).localGet(addr).f32Load();
            c.localGet(b);
            outPix();
            c.i32Add()
              .localGet(cb)
              .i32Add()
              .f32Load(4 * lane);
            c.f32Add().f32Store();
          }
        }
      } else if (kind === 'avgPool') {
        l.zero();
        c.localSet(m);
        window(() => {
          c.localGet(m).localGet(a).localGet(pix).i32Add().localGet(cb).i32Add();
          l.load();
          l.add();
          c.localSet(m);
        });
        c.localGet(out);
        outPix();
        c.i32Add().localGet(cb).i32Add().localGet(m).localGet(count(l));
        l.div();
        l.store();
      } else {
        // avgPoolGrad: every real element of the window gets dy / count
        c.localGet(a);
        outPix();
        c.i32Add().localGet(cb).i32Add();
        l.load();
        c.localGet(count(l));
        l.div();
        c.localSet(m);
        window(() => {
          c.localGet(out).localGet(pix).i32Add().localGet(cb).i32Add().localTee(addr);
          c.localGet(addr);
          l.load();
          c.localGet(m);
          l.add();
          l.store();
        });
      }
    });
    nextPixel(f, at, g.outH, g.outW);
  });
  return f;
}

/**
 * Pooling kernels on the wasm heap (float32; other dtypes take the reference path), split over the
 * thread pool: the forward kernels by output pixels, the gradients (which add into overlapping
 * windows) by whole images, so every split gives the same bits.
 * @example const pools = await WasmPool.compile(store, pool); pools.maxPool(x, info);
 */
export class WasmPool {
  private readonly geometry: Block;
  /** Kernels with at least this much work split over the threads (tests lower it). */
  parallelMin = PARALLEL_MIN;

  private constructor(
    private readonly store: WasmStore,
    private readonly pool: ThreadPool,
    private readonly tasks: Record<Kind, PoolTask>,
  ) {
    this.geometry = store.heap.alloc(FIELDS.length * 4);
  }

  /** Compiles the kernels and loads them on `pool` (without one, everything runs on the calling thread). */
  static async compile(store: WasmStore, pool?: ThreadPool): Promise<WasmPool> {
    const kinds: Kind[] = ['maxPool', 'avgPool', 'maxPoolGrad', 'avgPoolGrad'];
    const bytes = assemble(
      kinds.map((k) => poolKernel(k).def()),
      { initialPages: 1, maximumPages: MAX_PAGES, shared: store.heap.shared },
    );
    const module = await WebAssembly.compile(bytes);
    const threads = pool ?? (await ThreadPool.create(store.heap.memory, false, 1));
    const loaded = await threads.load(module);
    const tasks = {} as Record<Kind, PoolTask>;
    for (const k of kinds) {
      const task = loaded[k];
      if (!task) throw new Error(`wasm: export ${k} missing`);
      tasks[k] = task;
    }
    return new WasmPool(store, threads, tasks);
  }

  /** Runs `kind` over every output pixel, split into pixel ranges (whole images for the gradients). */
  private launch(
    kind: Kind,
    i: Pool2DInfo,
    a: TensorInfo,
    b: TensorInfo | null,
    out: DataId,
  ): void {
    writeRecord(this.store, this.geometry, FIELDS, { ...i, cBytes: i.channels * 4 });
    const s = this.store;
    const perImage = i.outH * i.outW;
    const pixels = i.batch * perImage;
    const grad = kind === 'maxPoolGrad' || kind === 'avgPoolGrad';
    const work = (grad ? i.batch * i.inH * i.inW : pixels) * i.channels;
    const threads = work >= this.parallelMin ? this.pool.size : 1;
    const ranges = splitRange(pixels, threads, grad ? perImage : 1);
    const [geo, aAt, bAt, outAt] = [
      this.geometry.offset,
      s.offsetOf(a.dataId),
      b ? s.offsetOf(b.dataId) : 0,
      s.offsetOf(out),
    ];
    this.pool.parallelFor(
      this.tasks[kind],
      ranges.map(([p0, p1]) => [geo, aAt, bAt, outAt, p0, p1]),
    );
  }

  /**
   * The input-sized output of a gradient: unzeroed, since each share zeroes its own images first;
   * zeroed here when there are no output pixels (no kernel share runs then).
   */
  private gradientBlock(i: Pool2DInfo): DataId {
    const size = i.batch * i.inH * i.inW * i.channels;
    if (i.outH * i.outW === 0) return this.store.alloc('float32', size).id;
    return this.store.allocRaw('float32', size);
  }

  /** Max over each window (NaN wins); null for non-float32 input. */
  maxPool(x: TensorInfo, i: Pool2DInfo): DataId | null {
    if (x.dtype !== 'float32') return null;
    const id = this.store.allocRaw('float32', i.batch * i.outH * i.outW * i.channels);
    this.launch('maxPool', i, x, null, id);
    return id;
  }

  /** Mean over the real (unpadded) elements of each window. */
  avgPool(x: TensorInfo, i: Pool2DInfo): DataId | null {
    if (x.dtype !== 'float32') return null;
    const id = this.store.allocRaw('float32', i.batch * i.outH * i.outW * i.channels);
    this.launch('avgPool', i, x, null, id);
    return id;
  }

  /** dy of each window to its first maximum (the forward's update rule). */
  maxPoolGrad(dy: TensorInfo, x: TensorInfo, i: Pool2DInfo): DataId | null {
    if (x.dtype !== 'float32' || dy.dtype !== 'float32') return null;
    const id = this.gradientBlock(i);
    this.launch('maxPoolGrad', i, x, dy, id);
    return id;
  }

  /** dy / count to every real element of each window. */
  avgPoolGrad(dy: TensorInfo, i: Pool2DInfo): DataId | null {
    if (dy.dtype !== 'float32') return null;
    const id = this.gradientBlock(i);
    this.launch('avgPoolGrad', i, dy, null, id);
    return id;
  }
}
