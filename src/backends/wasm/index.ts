// The WebAssembly backend: tensors in one WebAssembly.Memory; GEMM, conv, pooling, elementwise, reductions and movement in SIMD, the rest on the reference kernels.
import type { DType, TypedArray } from '../../core/dtype.js';
import { BackendError } from '../../core/errors.js';
import { type Shape, sizeOf } from '../../core/shape.js';
import type { BinaryOp, UnaryOp } from '../../ops/elementwise_table.js';
import type {
  AdamAttrs,
  Backend,
  BackendMemory,
  Conv2DInfo,
  DataId,
  Epilogue,
  Pool2DInfo,
  RandomSpec,
  ReduceOp,
  TensorInfo,
} from '../backend.js';
import { adamComposed } from '../../ops/optimizer_rules.js';
import { softmaxComposed } from '../../ops/softmax.js';
import * as conv from '../cpu/conv.js';
import { applyEpilogue } from '../cpu/epilogue.js';
import * as ew from '../cpu/elementwise.js';
import * as gather from '../cpu/gather.js';
import * as image from '../cpu/image.js';
import { gemm as referenceGemm } from '../cpu/matmul.js';
import * as mv from '../cpu/movement.js';
import * as pool from '../cpu/pool.js';
import * as rnd from '../cpu/random.js';
import * as red from '../cpu/reduce.js';
import type { GemmFn } from '../cpu/storage.js';
import { WasmConv } from './conv.js';
import { WasmDepthwise } from './depthwise.js';
import { WasmPool } from './pooling.js';
import { SimdElementwise } from './elementwise.js';
import { Heap } from './heap.js';
import { SimdBroadcast } from './broadcast.js';
import { SimdMovement } from './movement.js';
import { SimdReduce } from './reduce.js';
import { detectFeatures, type WasmFeatures } from './kernels.js';
import * as mm from './matmul.js';
import { noteSingleThreaded, ThreadPool } from './pool.js';
import { SOFTMAX_ONE_PASS_MAX, softmaxRows } from './softmax.js';
import { WasmStore } from './store.js';

export { Heap, MAX_BYTES, sizeClass } from './heap.js';
export { WasmStore } from './store.js';
export type { WasmFeatures } from './kernels.js';
export { getThreadsCount, setThreadsCount, ThreadPool, type PoolTask } from './pool.js';

/** Compiled kernel families of the wasm backend; one left out runs the reference kernels. */
export interface WasmKernels {
  convs?: WasmConv;
  pools?: WasmPool;
  depthwise?: WasmDepthwise;
  reducer?: SimdReduce;
  mover?: SimdMovement;
  broadcaster?: SimdBroadcast;
  /** The worker threads sharing the heap; without one, everything runs on the calling thread. */
  threadPool?: ThreadPool;
}

/**
 * The WebAssembly backend. Every tensor is a block of one heap; matMul and the GEMMs inside conv2d run
 * wholly in wasm (packing, a 4x8 f32x4 micro-kernel with relaxed-SIMD FMA where available, and the
 * fused bias + activation write-out), split over worker threads sharing the heap (pool.ts); conv2d and
 * its gradients build patch matrices in wasm (conv.ts); depthwise conv (multiplier 1) and max/avg
 * pooling and their gradients run f32x4 over channels; float32 add/sub/mul/div/maximum/minimum under
 * any broadcast, the unary ops of unary_simd.ts (exp, log, tanh, sigmoid, erf... as polynomial
 * approximations with tested ulp bounds), float32<->int32 casts, sum/prod/max/min over one run of
 * axes, argMax/argMin down columns, strided copies (runs, tile transposes) and concat run in wasm
 * (large elementwise ops split over the threads, and Adam's step fused into one pass);
 * every other case runs the reference CPU kernels on views of the heap.
 * @example
 * await nr.setBackend('wasm');
 */
export class WasmBackend implements Backend {
  readonly name = 'wasm';
  readonly canReadSync: boolean = true;
  readonly heap: Heap;
  /** The compiled kernel families beyond GEMM and elementwise. */
  private readonly k: WasmKernels;
  /** The worker threads sharing the heap (other kernels may `load` modules on it). */
  readonly threadPool: ThreadPool | null;
  /** The GEMM the kernels use: wasm SIMD over the thread pool when the platform has it, else the reference one. */
  readonly gemm: GemmFn;

  /**
   * @param wasmGemm the compiled GEMM (loaded on the thread pool), or null without SIMD
   * @param simd the compiled elementwise kernels, or null without SIMD
   * @param kernels the other compiled kernel families (conv, pooling, depthwise, reductions, movement,
   *   broadcasting binaries and casts); a family left out runs the reference kernels
   */
  constructor(
    readonly store: WasmStore,
    readonly features: WasmFeatures,
    private readonly wasmGemm: mm.WasmGemm | null,
    private readonly simd: SimdElementwise | null,
    kernels: WasmKernels = {},
  ) {
    this.k = kernels;
    this.threadPool = kernels.threadPool ?? wasmGemm?.pool ?? null;
    this.heap = store.heap;
    this.gemm = wasmGemm ? wasmGemm.gemm : referenceGemm;
    store.gemm = this.gemm;
  }

  /**
   * Runs a kernel. Kernels are pure (inputs untouched, one new output), so when a grow of non-shared
   * memory detached views the kernel held, its output is dropped and it runs again: the heap is big
   * enough by then, and freed blocks are reused, so the second run does not grow.
   */
  private run(kernel: () => DataId): DataId {
    for (let attempt = 0; attempt < 4; attempt++) {
      const generation = this.heap.generation;
      let id: DataId | undefined;
      try {
        id = kernel();
      } catch (e) {
        if (this.heap.generation === generation) throw e;
      }
      if (id !== undefined && this.heap.generation === generation) return id;
      if (id !== undefined) this.store.free(id);
    }
    throw new BackendError(
      'wasm: a kernel grew the heap on every try, so its views kept detaching',
    );
  }

  write(values: TypedArray, dtype: DType): DataId {
    const id = this.store.allocRaw(dtype, values.length);
    this.store.get(id).set(values);
    return id;
  }
  /** A copy: the block is reused once the tensor is freed, and the heap may grow before it is used. */
  async read(id: DataId): Promise<TypedArray> {
    return this.readSync(id).slice();
  }
  /** A view of the heap (lent: see Backend.readSync). */
  readSync(id: DataId): TypedArray {
    const v = this.store.get(id);
    if (v instanceof Float64Array) return Float32Array.from(v);
    return v;
  }
  free(id: DataId): void {
    this.store.free(id);
  }
  memory(): BackendMemory {
    return {
      numBytes: this.store.numBytes,
      heapBytes: this.heap.byteLength,
      heapReserved: this.heap.reserved,
    };
  }
  /** Stops the worker threads (they would not keep a Node process alive anyway). */
  dispose(): void {
    this.threadPool?.dispose();
  }

  unary(op: UnaryOp, x: TensorInfo, outDtype: DType, alpha: number): DataId {
    return this.run(
      () =>
        this.simd?.unary(op, x, outDtype, alpha) ?? ew.unary(this.store, op, x, outDtype, alpha),
    );
  }
  /** Adam's step in one fused pass (elementwise.ts), or the composed kernels without SIMD. */
  adamUpdate(
    g: TensorInfo,
    m: TensorInfo,
    v: TensorInfo,
    w: TensorInfo,
    alpha: TensorInfo,
    attrs: AdamAttrs,
  ): [DataId, DataId, DataId] {
    // NOTE: not under run(), which takes one output: the fused kernel holds offsets, no views, so a
    // grow while it allocates detaches nothing it uses; the composed path's kernels retry on their own
    const fused = this.simd?.adam(g, m, v, w, alpha, attrs);
    return fused ?? adamComposed(this, g, m, v, w, alpha, attrs);
  }
  /** Softmax over the last axis: one scalar pass for small tensors, the composed SIMD kernels above. */
  softmax(x: TensorInfo): DataId {
    if (sizeOf(x.shape) > SOFTMAX_ONE_PASS_MAX) return softmaxComposed(this, x);
    return this.run(() => softmaxRows(this.store, x));
  }
  binary(op: BinaryOp, a: TensorInfo, b: TensorInfo, outShape: Shape, outDtype: DType): DataId {
    return this.run(
      () =>
        this.simd?.binary(op, a, b, outShape) ??
        this.k.broadcaster?.binary(op, a, b, outShape) ??
        ew.binary(this.store, op, a, b, outShape, outDtype),
    );
  }
  where(cond: TensorInfo, a: TensorInfo, b: TensorInfo, outShape: Shape, dtype: DType): DataId {
    return this.run(() => ew.where(this.store, cond, a, b, outShape, dtype));
  }
  cast(x: TensorInfo, dtype: DType): DataId {
    return this.run(() => this.k.broadcaster?.cast(x, dtype) ?? ew.cast(this.store, x, dtype));
  }
  reduce(op: ReduceOp, x: TensorInfo, axes: readonly number[], outDtype: DType): DataId {
    return this.run(
      () =>
        this.k.reducer?.reduce(op, x, axes, outDtype) ??
        red.reduce(this.store, op, x, axes, outDtype),
    );
  }
  argReduce(op: 'argMax' | 'argMin', x: TensorInfo, axis: number): DataId {
    return this.run(
      () => this.k.reducer?.argReduce(op, x, axis) ?? red.argReduce(this.store, op, x, axis),
    );
  }
  cumulative(
    op: 'sum' | 'prod',
    x: TensorInfo,
    axis: number,
    exclusive: boolean,
    reverse: boolean,
  ): DataId {
    return this.run(() => red.cumulative(this.store, op, x, axis, exclusive, reverse));
  }
  copyStrided(x: TensorInfo, outShape: Shape, offset: number, strides: readonly number[]): DataId {
    return this.run(
      () =>
        this.k.mover?.copyStrided(x, outShape, offset, strides) ??
        mv.copyStrided(this.store, x, outShape, offset, strides),
    );
  }
  scatterStrided(dy: TensorInfo, size: number, offset: number, strides: readonly number[]): DataId {
    return this.run(() => mv.scatterStrided(this.store, dy, size, offset, strides));
  }
  concat(xs: readonly TensorInfo[], axis: number, outShape: Shape): DataId {
    return this.run(
      () => this.k.mover?.concat(xs, axis, outShape) ?? mv.concat(this.store, xs, axis, outShape),
    );
  }
  padConstant(
    x: TensorInfo,
    paddings: readonly (readonly [number, number])[],
    value: number,
    outShape: Shape,
  ): DataId {
    return this.run(() => mv.padConstant(this.store, x, paddings, value, outShape));
  }
  gather(
    x: TensorInfo,
    indices: TensorInfo,
    axis: number,
    batchDims: number,
    outShape: Shape,
  ): DataId {
    return this.run(() => gather.gather(this.store, x, indices, axis, batchDims, outShape));
  }
  scatterAdd(
    updates: TensorInfo,
    indices: TensorInfo,
    axis: number,
    batchDims: number,
    outShape: Shape,
  ): DataId {
    return this.run(() =>
      gather.scatterAdd(this.store, updates, indices, axis, batchDims, outShape),
    );
  }
  gatherND(x: TensorInfo, indices: TensorInfo, outShape: Shape): DataId {
    return this.run(() => gather.gatherND(this.store, x, indices, outShape));
  }
  scatterND(indices: TensorInfo, updates: TensorInfo, outShape: Shape): DataId {
    return this.run(() => gather.scatterND(this.store, indices, updates, outShape));
  }
  topkIndices(x: TensorInfo, k: number): DataId {
    return this.run(() => gather.topkIndices(this.store, x, k));
  }
  matMul(
    a: TensorInfo,
    b: TensorInfo,
    transposeA: boolean,
    transposeB: boolean,
    outShape: Shape,
    epilogue?: Epilogue,
  ): DataId {
    return this.run(() =>
      mm.matMul(this.store, this.wasmGemm, a, b, transposeA, transposeB, outShape, epilogue),
    );
  }
  conv2d(x: TensorInfo, filter: TensorInfo, info: Conv2DInfo, epilogue?: Epilogue): DataId {
    const c = this.k.convs;
    return this.run(
      () =>
        c?.conv2d(x, filter, info, epilogue) ??
        applyEpilogue(this.store, conv.conv2d(this.store, x, filter, info), info.outC, epilogue),
    );
  }
  conv2dBackpropInput(dy: TensorInfo, filter: TensorInfo, info: Conv2DInfo): DataId {
    const c = this.k.convs;
    return this.run(
      () =>
        c?.conv2dBackpropInput(dy, filter, info) ??
        conv.conv2dBackpropInput(this.store, dy, filter, info),
    );
  }
  conv2dBackpropFilter(x: TensorInfo, dy: TensorInfo, info: Conv2DInfo): DataId {
    const c = this.k.convs;
    return this.run(
      () =>
        c?.conv2dBackpropFilter(x, dy, info) ?? conv.conv2dBackpropFilter(this.store, x, dy, info),
    );
  }
  depthwiseConv2d(x: TensorInfo, filter: TensorInfo, info: Conv2DInfo): DataId {
    return this.run(
      () =>
        this.k.depthwise?.forward(x, filter, info) ??
        conv.depthwiseConv2d(this.store, x, filter, info),
    );
  }
  depthwiseConv2dBackpropInput(dy: TensorInfo, filter: TensorInfo, info: Conv2DInfo): DataId {
    return this.run(
      () =>
        this.k.depthwise?.backpropInput(dy, filter, info) ??
        conv.depthwiseConv2dBackpropInput(this.store, dy, filter, info),
    );
  }
  depthwiseConv2dBackpropFilter(x: TensorInfo, dy: TensorInfo, info: Conv2DInfo): DataId {
    return this.run(
      () =>
        this.k.depthwise?.backpropFilter(x, dy, info) ??
        conv.depthwiseConv2dBackpropFilter(this.store, x, dy, info),
    );
  }
  maxPool(x: TensorInfo, info: Pool2DInfo): DataId {
    return this.run(() => this.k.pools?.maxPool(x, info) ?? pool.maxPool(this.store, x, info));
  }
  maxPoolGrad(dy: TensorInfo, x: TensorInfo, info: Pool2DInfo): DataId {
    return this.run(
      () => this.k.pools?.maxPoolGrad(dy, x, info) ?? pool.maxPoolGrad(this.store, dy, x, info),
    );
  }
  avgPool(x: TensorInfo, info: Pool2DInfo): DataId {
    return this.run(() => this.k.pools?.avgPool(x, info) ?? pool.avgPool(this.store, x, info));
  }
  avgPoolGrad(dy: TensorInfo, info: Pool2DInfo): DataId {
    return this.run(
      () => this.k.pools?.avgPoolGrad(dy, info) ?? pool.avgPoolGrad(this.store, dy, info),
    );
  }
  resizeBilinear(
    x: TensorInfo,
    outH: number,
    outW: number,
    alignCorners: boolean,
    halfPixelCenters: boolean,
  ): DataId {
    return this.run(() =>
      image.resizeBilinear(this.store, x, outH, outW, alignCorners, halfPixelCenters),
    );
  }
  resizeBilinearGrad(
    dy: TensorInfo,
    x: TensorInfo,
    alignCorners: boolean,
    halfPixelCenters: boolean,
  ): DataId {
    return this.run(() =>
      image.resizeBilinearGrad(this.store, dy, x, alignCorners, halfPixelCenters),
    );
  }
  resizeNearest(
    x: TensorInfo,
    outH: number,
    outW: number,
    alignCorners: boolean,
    halfPixelCenters: boolean,
  ): DataId {
    return this.run(() =>
      image.resizeNearest(this.store, x, outH, outW, alignCorners, halfPixelCenters),
    );
  }
  resizeNearestGrad(
    dy: TensorInfo,
    x: TensorInfo,
    alignCorners: boolean,
    halfPixelCenters: boolean,
  ): DataId {
    return this.run(() =>
      image.resizeNearestGrad(this.store, dy, x, alignCorners, halfPixelCenters),
    );
  }
  random(spec: RandomSpec, size: number): DataId {
    return this.run(() => rnd.random(this.store, spec, size));
  }
}

/**
 * Starts the wasm backend: detects SIMD and relaxed SIMD, creates the heap, starts the worker threads
 * (getThreadsCount() - 1 of them) and compiles the kernels.
 * @example nr.registerBackend('wasm', createWasmBackend);
 */
export async function createWasmBackend(): Promise<Backend> {
  const features = await detectFeatures();
  const store = new WasmStore(new Heap());
  const pool = await ThreadPool.create(store.heap.memory, store.heap.shared);
  if (!pool.threaded) noteSingleThreaded();
  const gemm = features.simd ? await mm.WasmGemm.create(store, pool, features.relaxedSimd) : null;
  const simd = features.simd ? await SimdElementwise.compile(store, pool) : null;
  const kernels: WasmKernels = features.simd
    ? {
        convs: await WasmConv.compile(store, undefined, pool, features.relaxedSimd),
        pools: await WasmPool.compile(store, pool),
        depthwise: await WasmDepthwise.compile(store),
        reducer: await SimdReduce.compile(store),
        mover: await SimdMovement.compile(store),
        broadcaster: await SimdBroadcast.compile(store),
        threadPool: pool,
      }
    : { threadPool: pool };
  return new WasmBackend(store, features, gemm, simd, kernels);
}
