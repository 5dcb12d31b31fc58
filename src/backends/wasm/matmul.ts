// wasm matmul: the whole GEMM runs in wasm (gemm.ts), split over the thread pool; batch dims broadcast.
import { sizeOf, type Shape } from '../../core/shape.js';
import type { StridedView } from '../../core/strided.js';
import type { DataId, Epilogue, FusedActivation, TensorInfo } from '../backend.js';
import { applyEpilogue } from '../cpu/epilogue.js';
import { gemm as referenceGemm } from '../cpu/gemm.js';
import { copyStrided } from '../cpu/movement.js';
import {
  batchIndex,
  matMul as referenceMatMul,
  operandLayout,
  outputLayout,
} from '../cpu/matmul.js';
import type { GemmFn, Storage } from '../cpu/storage.js';
import { ACT } from './activation.js';
import { compileGemm, DESC, descBytes, FLAG, KC, MC, NC, ROWS } from './gemm.js';
import { GEMV_ROWS } from './gemv.js';
import type { Block } from './heap.js';
import { MR, NR } from './kernels.js';
import type { PoolTask, ThreadPool } from './pool.js';
import type { WasmStore } from './store.js';

/** Below this many multiply-adds, packing costs more than the SIMD kernel saves. */
const SMALL = 4096;
/**
 * Below this many multiply-adds a product stays on the calling thread: a parallelFor round trip costs
 * 4-15 µs (measured on the shared 2-core box, scratch/latency.mts), and 2^20 multiply-adds take ~40 µs
 * on one thread, so a second thread saves about what waking it costs only from here on.
 */
const PARALLEL_MIN = 1 << 20;
/**
 * A product of few rows (the GEMV path) is bound by streaming B, not by multiply-adds: from this many
 * bytes of B it is split over the threads, each streaming its columns of B (with a model's weights a
 * thread keeps reading the same part, which can stay in its own core's L2 from call to call).
 */
const GEMV_PARALLEL_BYTES = 1 << 18;

/**
 * Operands the micro-kernel can read in place (rows a multiple of 4 for A, columns of 8 for a
 * row-major B) are not packed when they are small, up to RAW_BYTES, or their rows, walked once per
 * k, are at most RAW_STRIDE bytes apart (a transposed A of few columns, a B of few columns: a panel
 * then touches few cache sets' worth of lines). Packing a small operand costs as much as a quarter
 * of a small product (a 32x32 · 32x16 attention product: 0.3 of 1.2 µs). With at most RAW_ROWS rows
 * of C, B's packing is not repaid (each panel is read by one to four row panels), so B is read in
 * place up to a row stride of RAW_ROWS_STRIDE: within a 4 KiB page, where the hardware prefetchers
 * still follow it (8x512 · 512x512: 1.9x hot, 1.4x from memory; at 4 KiB strides from memory 0.9x).
 * Other operands are packed, so a panel does not walk lines 4 KiB apart that fall in one cache set.
 */
const RAW_BYTES = 1 << 16;
const RAW_STRIDE = 512;
const RAW_ROWS = 16;
const RAW_ROWS_STRIDE = 2048;

/** A part of the product for one thread: batches [b0, b1), rows [i0, i1), columns [j0, j1). */
interface Range {
  b0: number;
  b1: number;
  i0: number;
  i1: number;
  j0: number;
  j1: number;
}

function roundUp(x: number, to: number): number {
  return Math.ceil(x / to) * to;
}

/** Ranges of near-equal size, each start a multiple of `align`. */
function chunks(total: number, parts: number, align: number): [number, number][] {
  const size = roundUp(Math.ceil(total / parts), align);
  const out: [number, number][] = [];
  for (let s = 0; s < total; s += size) out.push([s, Math.min(total, s + size)]);
  return out;
}

/**
 * How `threads` threads share a product: whole batches when there are enough of them, else columns
 * (n at least m) or rows, in multiples of the micro-tile. Every split sums each element in the same
 * order, so the result does not depend on it.
 */
function plan(batches: number, m: number, n: number, threads: number): Range[] {
  const all: Range = { b0: 0, b1: batches, i0: 0, i1: m, j0: 0, j1: n };
  if (threads <= 1) return [all];
  if (batches >= 2 * threads || (batches >= threads && batches % threads === 0))
    return chunks(batches, threads, 1).map(([b0, b1]) => ({ ...all, b0, b1 }));
  if (n >= m && n >= 2 * NR * threads)
    return chunks(n, threads, NR).map(([j0, j1]) => ({ ...all, j0, j1 }));
  if (m >= 2 * MR * threads) return chunks(m, threads, MR).map(([i0, i1]) => ({ ...all, i0, i1 }));
  if (n >= 2 * NR * threads) return chunks(n, threads, NR).map(([j0, j1]) => ({ ...all, j0, j1 }));
  return [all];
}

/**
 * The products of a batched GEMM: byte offsets of A, B and C in the heap, three per product, flat
 * (one typed array, not an array per product: a 256-product attention matMul spent a tenth of its
 * time building them).
 * @example const triples = Int32Array.of(aAt, bAt, cAt);
 */
export type GemmTriples = Int32Array;

/**
 * Element strides of operands read in place through a view: op(A)'s along its rows and along k,
 * op(B)'s along k and along its columns; an absent operand has its own contiguous layout.
 * @example const s: GemmStrides = { a: [1, 96] }; // A stored transposed, rows 96 apart
 */
export interface GemmStrides {
  readonly a?: readonly [number, number];
  readonly b?: readonly [number, number];
  /** C's row stride (elements), where C is written into a wider or transposed layout. */
  readonly c?: number;
}

/**
 * The wasm GEMM: C (+)= op(A) · op(B), then bias and activation, for a list of batch triples in the
 * heap, split over the thread pool. `gemm` is the reference GemmFn signature on any storage (what
 * the conv kernels call); inputs that are not heap views are copied in first.
 * @example const g = await WasmGemm.create(store, pool, true); g.gemm(2, 8, 3, a, 0, false, b, 0, false, c, 0, false);
 */
export class WasmGemm {
  private desc: Block | null = null;
  private readonly scratch: (Block | null)[] = [];
  /** Products with fewer multiply-adds stay on the calling thread (tests lower it to force splits). */
  parallelMin = PARALLEL_MIN;
  /** GEMV products streaming fewer bytes of B stay on the calling thread. */
  gemvParallelBytes = GEMV_PARALLEL_BYTES;

  private constructor(
    private readonly store: WasmStore,
    readonly pool: ThreadPool,
    private readonly task: PoolTask,
    private readonly gemvTask: PoolTask,
  ) {}

  /** Compiles the GEMM module (relaxed FMA when `fma`) and loads it on every thread of `pool`. */
  static async create(store: WasmStore, pool: ThreadPool, fma: boolean): Promise<WasmGemm> {
    const { module } = await compileGemm(store.heap, fma);
    const tasks = await pool.load(module);
    return new WasmGemm(store, pool, tasks.gemm, tasks.gemv);
  }

  /** A block of at least `bytes`, reusing `current` when it is big enough. */
  private ensure(current: Block | null, bytes: number): Block {
    if (current && current.size >= bytes) return current;
    if (current) this.store.heap.free(current);
    return this.store.heap.alloc(bytes);
  }

  /**
   * Runs the product for `triples` (heap byte offsets, flat), bias a heap byte offset (0: none) of
   * n floats. Allocates scratch, so views of plain (unshared) memory taken before may detach.
   */
  run(
    m: number,
    n: number,
    k: number,
    transA: boolean,
    transB: boolean,
    accumulate: boolean,
    triples: GemmTriples,
    bias: number,
    act: FusedActivation,
    strides?: GemmStrides,
  ): void {
    const batches = triples.length / 3;
    const kStep = Math.ceil(k / Math.ceil(k / KC));
    const gemv = m <= GEMV_ROWS;
    const big = gemv
      ? 4 * k * n * batches >= this.gemvParallelBytes
      : m * n * k * batches >= this.parallelMin;
    const threads = big ? this.pool.size : 1;
    this.desc = this.ensure(this.desc, descBytes(batches));
    // few rows: stream B unpacked, split over batches or columns only (plan sees one row)
    const shares = gemv
      ? this.gemvShares(plan(batches, 1, n, threads), k, m)
      : this.gemmShares(plan(batches, m, n, threads), kStep);
    this.describe(m, n, k, transA, transB, accumulate, triples, bias, act, kStep, strides);
    this.pool.parallelFor(gemv ? this.gemvTask : this.task, shares);
  }

  /** Arguments of the GEMV task per range: its rows are all m (plan saw one row, to split columns). */
  private gemvShares(ranges: Range[], k: number, m: number): number[][] {
    return ranges.map((r, t) => {
      const aBytes = roundUp(k * 4, 64);
      const block = this.ensure(this.scratch[t] ?? null, aBytes + (r.j1 - r.j0) * 4);
      this.scratch[t] = block;
      const at = block.offset;
      return [this.desc!.offset, r.b0, r.b1, 0, m, r.j0, r.j1, at, at + aBytes];
    });
  }

  /** Arguments of the GEMM task per range, with its scratch for packed A, packed B and C. */
  private gemmShares(ranges: Range[], kStep: number): number[][] {
    return ranges.map((r, t) => {
      const rows = roundUp(Math.min(ROWS, r.i1 - r.i0), MR);
      const cols = roundUp(Math.min(NC, r.j1 - r.j0), NR);
      const aBytes = roundUp(Math.min(MC, rows) * kStep * 4, 64);
      const bBytes = roundUp(cols * kStep * 4, 64);
      const block = this.ensure(this.scratch[t] ?? null, aBytes + bBytes + rows * cols * 4);
      this.scratch[t] = block;
      const at = block.offset;
      return [
        this.desc!.offset,
        r.b0,
        r.b1,
        r.i0,
        r.i1,
        r.j0,
        r.j1,
        at,
        at + aBytes,
        at + aBytes + bBytes,
      ];
    });
  }

  /** Writes the descriptor (gemm.ts DESC) of a product whose batch triples are `triples`. */
  private describe(
    m: number,
    n: number,
    k: number,
    transA: boolean,
    transB: boolean,
    accumulate: boolean,
    triples: GemmTriples,
    bias: number,
    act: FusedActivation,
    kStep: number,
    strides?: GemmStrides,
  ): void {
    const heap = this.store.heap;
    const batches = triples.length / 3;
    // NOTE: views only after the last allocation: a grow of plain memory detaches older ones
    const d = new Int32Array(heap.memory.buffer, this.desc!.offset, descBytes(batches) / 4);
    d[DESC.m] = m;
    d[DESC.n] = n;
    d[DESC.k] = k;
    const [aRow, aK] = strides?.a ?? (transA ? [1, m] : [k, 1]);
    const [bK, bCol] = strides?.b ?? (transB ? [1, k] : [n, 1]);
    d[DESC.sI] = 4 * aRow;
    d[DESC.sPA] = 4 * aK;
    d[DESC.sJ] = 4 * bCol;
    d[DESC.sPB] = 4 * bK;
    d[DESC.ldc] = strides?.c ?? n;
    // in place where the micro-kernel can read the operand (A: lanes or k contiguous; B: its columns
    // contiguous), by the strides it is actually read with (a view's rows may be further apart)
    const rawA =
      m % MR === 0 &&
      (aRow === 1 || aK === 1) &&
      (4 * m * k <= RAW_BYTES || (aRow === 1 && 4 * aK <= RAW_STRIDE));
    const bStride = m <= RAW_ROWS ? RAW_ROWS_STRIDE : RAW_STRIDE;
    const rawB = bCol === 1 && n % NR === 0 && (4 * k * n <= RAW_BYTES || 4 * bK <= bStride);
    d[DESC.flags] =
      (transA ? FLAG.transA : 0) |
      (transB ? FLAG.transB : 0) |
      (accumulate ? FLAG.accumulate : 0) |
      (rawA ? FLAG.rawA : 0) |
      (rawB ? FLAG.rawB : 0) |
      (strides?.a || strides?.b || strides?.c !== undefined ? FLAG.strided : 0);
    d[DESC.bias] = bias;
    d[DESC.act] = ACT[act];
    d[DESC.kStep] = kStep;
    d.set(triples, DESC.batches);
  }

  readonly gemm: GemmFn = (m, n, k, a, aOff, transA, b, bOff, transB, c, cOff, accumulate) => {
    if (m === 0 || n === 0) return;
    const f32 = a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array;
    if (k === 0 || m * n * k <= SMALL || !f32) {
      referenceGemm(m, n, k, a, aOff, transA, b, bOff, transB, c, cOff, accumulate);
      return;
    }
    const heap = this.store.heap;
    // heap views are used in place; their offsets are read before any allocation can detach them
    const inHeap = (x: Storage, off: number): number =>
      heap.owns(x.buffer) ? x.byteOffset + 4 * off : -1;
    let aAt = inHeap(a, aOff);
    let bAt = inHeap(b, bOff);
    let cAt = inHeap(c, cOff);
    const staged: Block[] = [];
    const stage = (x: Storage, off: number, len: number, copy: boolean): number => {
      const block = heap.alloc(len * 4);
      staged.push(block);
      if (copy)
        new Float32Array(heap.memory.buffer, block.offset, len).set(x.subarray(off, off + len));
      return block.offset;
    };
    if (aAt < 0) aAt = stage(a, aOff, m * k, true);
    if (bAt < 0) bAt = stage(b, bOff, k * n, true);
    const cStaged = cAt < 0;
    if (cStaged) cAt = stage(c, cOff, m * n, accumulate);
    this.run(m, n, k, transA, transB, accumulate, Int32Array.of(aAt, bAt, cAt), 0, 'linear');
    if (cStaged) c.set(new Float32Array(heap.memory.buffer, cAt, m * n), cOff);
    for (const block of staged) heap.free(block);
  };
}

/**
 * Batched matmul on the wasm heap with the fused epilogue (bias + activation in the GEMM's wasm
 * write-out, sigmoid and tanh by f32x4 polynomials): float32 through the wasm GEMM, int32 through the
 * reference kernel (exact integer sums need double accumulation). `views` read an operand through a
 * strided view of its buffer (KernelAttrs['matMul'].views), bitwise as on a contiguous copy;
 * `outView` writes C into a transposed layout (KernelAttrs['matMul'].outView).
 * @example matMul(store, gemm, a, b, false, true, [2, 4, 4], { bias, activation: 'relu' })
 */
export function matMul(
  s: WasmStore,
  gemm: WasmGemm | null,
  a: TensorInfo,
  b: TensorInfo,
  transA: boolean,
  transB: boolean,
  outShape: Shape,
  epilogue?: Epilogue,
  views?: readonly [StridedView | null, StridedView | null],
  outView?: StridedView,
): DataId {
  const rank = outShape.length;
  const m = outShape[rank - 2];
  const n = outShape[rank - 1];
  const k = transA ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
  const small = m * n * k <= SMALL || k === 0 || sizeOf(outShape) === 0;
  if (a.dtype !== 'float32' || gemm === null || small) {
    const id = referenceMatMul(s, a, b, transA, transB, outShape, views, outView);
    return applyEpilogue(s, id, n, epilogue);
  }
  const va = views?.[0] ?? null;
  let vb = views?.[1] ?? null;
  let staged: DataId | null = null;
  let bInfo = b;
  if (vb && m <= GEMV_ROWS) {
    // the GEMV path streams B's stored rows as vectors: a view whose unit stride is across them is
    // copied first (the same values, so the same sums)
    const lb = operandLayout('b', b.shape, vb);
    if (lb.colStride !== 1) {
      staged = copyStrided(s, b, b.shape, vb.offset, vb.strides);
      bInfo = { dataId: staged, shape: b.shape, dtype: b.dtype };
      vb = null;
    }
  }
  const id = s.allocRaw('float32', sizeOf(outShape));
  const aAt = s.offsetOf(a.dataId);
  const bAt = s.offsetOf(bInfo.dataId);
  const cAt = s.offsetOf(id);
  const outBatch = outShape.slice(0, -2);
  const batches = sizeOf(outBatch);
  // an operand with the output's batch dims takes product i from batch i: no index map to build
  const map = (x: TensorInfo): Int32Array | null => {
    const batch = x.shape.slice(0, -2);
    const same = batch.length === outBatch.length && batch.every((d, i) => d === outBatch[i]);
    return same ? null : batchIndex(outBatch, batch);
  };
  const aMap = map(a);
  const bMap = map(b);
  const la = va ? operandLayout('a', a.shape, va) : null;
  const lb = vb ? operandLayout('b', b.shape, vb) : null;
  const lc = outView ? outputLayout(outShape, outView) : null;
  const triples = new Int32Array(3 * batches);
  for (let i = 0; i < batches; i++) {
    const ai = aMap ? aMap[i] : i;
    const bi = bMap ? bMap[i] : i;
    triples[3 * i] = aAt + 4 * (la ? la.offsets[ai] : ai * m * k);
    triples[3 * i + 1] = bAt + 4 * (lb ? lb.offsets[bi] : bi * k * n);
    triples[3 * i + 2] = cAt + 4 * (lc ? lc.offsets[i] : i * m * n);
  }
  const strides: GemmStrides = {
    a: la ? (transA ? [la.colStride, la.rowStride] : [la.rowStride, la.colStride]) : undefined,
    b: lb ? (transB ? [lb.colStride, lb.rowStride] : [lb.rowStride, lb.colStride]) : undefined,
    c: lc?.rowStride,
  };
  const bias = epilogue?.bias ? s.offsetOf(epilogue.bias.dataId) : 0;
  gemm.run(
    m,
    n,
    k,
    transA,
    transB,
    false,
    triples,
    bias,
    epilogue?.activation ?? 'linear',
    strides,
  );
  if (staged) s.free(staged);
  return id;
}
