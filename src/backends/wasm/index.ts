// The WebAssembly backend: tensors in one WebAssembly.Memory; GEMM, conv, pooling, elementwise, predicates, reductions and movement in SIMD, the rest on the reference kernels.
import type { DType, TypedArray } from '../../core/dtype.js';
import { BackendError } from '../../core/errors.js';
import { sizeOf } from '../../core/shape.js';
import {
  type Backend,
  type BackendMemory,
  type DataId,
  DECLINE,
  type KernelAttrs,
  type KernelName,
  type KernelOutput,
  type KernelOverrides,
  type KernelTable,
  type TensorInfo,
  precisionEpsilon,
} from '../backend.js';
import { CPU_KERNELS } from '../cpu/index.js';
import { gemm as referenceGemm } from '../cpu/gemm.js';
import type { GemmFn } from '../cpu/storage.js';
import { bindKernels, epilogueOf, overrideKernels } from '../kernel_table.js';
import { WasmConv } from './conv.js';
import { WasmDepthwise } from './depthwise.js';
import { WasmPool } from './pooling.js';
import { SimdElementwise } from './elementwise.js';
import { WasmFused } from './fused.js';
import { fusedReduce } from './fused_reduce.js';
import { Heap } from './heap.js';
import { SimdBroadcast } from './broadcast.js';
import { SimdMovement } from './movement.js';
import { SimdPredicates } from './predicate.js';
import { SimdReduce } from './reduce.js';
import { detectFeatures, type WasmFeatures } from './kernels.js';
import * as mm from './matmul.js';
import { noteSingleThreaded, ThreadPool } from './pool.js';
import { SOFTMAX_ONE_PASS_MAX, softmaxRows } from './softmax.js';
import { WasmStore } from './store.js';

/** The buffers of one kernel output (one, or a list for a multi-output kernel). */
function idsOf(out: DataId | readonly DataId[]): readonly DataId[] {
  return isIdList(out) ? out : [out];
}

function isIdList(out: DataId | readonly DataId[]): out is readonly DataId[] {
  return Array.isArray(out);
}

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
  /** Comparisons, logical ops, isFinite/isNaN/isInf and where. */
  predicates?: SimdPredicates;
  /** The worker threads sharing the heap; without one, everything runs on the calling thread. */
  threadPool?: ThreadPool;
}

/**
 * The WebAssembly backend. Every tensor is a block of one heap; matMul and the GEMMs inside conv2d run
 * wholly in wasm (packing, a 4x8 f32x4 micro-kernel with relaxed-SIMD FMA where available, and the
 * fused bias + activation write-out), split over worker threads sharing the heap (pool.ts); conv2d and
 * its gradients build patch matrices in wasm (conv.ts); depthwise conv (multiplier 1) and max/avg
 * pooling and their gradients run f32x4 over channels; float32 add/sub/mul/div/maximum/minimum and
 * squaredDifference under any broadcast, the unary ops of unary_simd.ts (exp, log, tanh, sigmoid, erf,
 * gelu... as polynomial approximations with tested ulp bounds), comparisons, logical ops,
 * isFinite/isNaN/isInf and `where` under any broadcast (predicate.ts), float32<->int32 and bool casts,
 * sum/prod/max/min over one run of axes, argMax/argMin down columns, strided copies (runs, tile
 * transposes), their adjoint scatterStrided and concat run in wasm (large elementwise ops split over
 * the threads, and Adam's step fused into one pass);
 * every other case runs the reference CPU kernels on views of the heap.
 * @example
 * await nr.setBackend('wasm');
 */
export class WasmBackend implements Backend {
  readonly name = 'wasm';
  /** Its matMul reads transposed and sliced operands in place (KernelAttrs['matMul'].views). */
  readonly matMulViews = true;
  readonly canReadSync: boolean = true;
  /** Float tensors keep 32-bit floats (tfjs' KernelBackend.floatPrecision). */
  readonly floatPrecision = (): 16 | 32 => 32;
  /** tfjs' KernelBackend.epsilon() for that precision. */
  readonly epsilon = (): number => precisionEpsilon(this.floatPrecision());
  readonly heap: Heap;
  /** The compiled kernel families beyond GEMM and elementwise. */
  private readonly k: WasmKernels;
  /** The worker threads sharing the heap (other kernels may `load` modules on it). */
  readonly threadPool: ThreadPool | null;
  /** The GEMM the kernels use: wasm SIMD over the thread pool when the platform has it, else the reference one. */
  readonly gemm: GemmFn;
  /** The reference kernels over heap views, with the SIMD kernels laid over them. */
  private readonly kernels: KernelTable;

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
    if (kernels.mover) store.zeroFill = kernels.mover.zero;
    this.kernels = overrideKernels(
      bindKernels(CPU_KERNELS, { store, backend: this }),
      this.overrides(),
    );
  }

  /**
   * Runs a kernel. Kernels are pure (inputs untouched, one new output), so when a grow of non-shared
   * memory detached views the kernel held, its output is dropped and it runs again: the heap is big
   * enough by then, and freed blocks are reused, so the second run does not grow.
   */
  private guarded<T extends DataId | readonly DataId[]>(kernel: () => T): T {
    for (let attempt = 0; attempt < 4; attempt++) {
      const generation = this.heap.generation;
      let out: T | undefined;
      try {
        out = kernel();
      } catch (e) {
        if (this.heap.generation === generation) throw e;
      }
      if (out !== undefined && this.heap.generation === generation) return out;
      if (out !== undefined) for (const id of idsOf(out)) this.store.free(id);
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

  /** Runs one kernel of the wasm table (under the retry of `guarded`, but the Adam step: see there). */
  run<K extends KernelName>(
    kernel: K,
    inputs: readonly TensorInfo[],
    attrs: KernelAttrs[K],
  ): KernelOutput<K> {
    const run = this.kernels[kernel];
    // NOTE: both Adam kernels (SIMD, and the reference loop without SIMD) allocate every output before
    // reading an offset or taking a view, so a grow while they allocate detaches nothing they use
    if (kernel === 'adamUpdate') return run(inputs, attrs);
    return this.guarded(() => run(inputs, attrs));
  }

  /** The SIMD kernels laid over the reference table; each declines the cases it does not run. */
  private overrides(): KernelOverrides {
    const { simd, store, wasmGemm } = this;
    const { broadcaster, reducer, mover, convs, depthwise, pools, predicates } = this.k;
    const fused = new WasmFused(
      store,
      simd,
      broadcaster ?? null,
      () => this.kernels,
      predicates ?? null,
    );
    return {
      unary: ([x], a) =>
        simd?.unary(a.op, x, a.dtype, a.alpha) ?? predicates?.unary(a.op, x) ?? DECLINE,
      binary: ([x, y], a) =>
        simd?.binary(a.op, x, y, a.outShape) ??
        broadcaster?.binary(a.op, x, y, a.outShape) ??
        predicates?.binary(a.op, x, y, a.outShape) ??
        DECLINE,
      where: ([c, x, y], a) => predicates?.where(c, x, y, a.outShape, a.dtype) ?? DECLINE,
      cast: ([x], a) => broadcaster?.cast(x, a.dtype) ?? predicates?.cast(x, a.dtype) ?? DECLINE,
      reduce: ([x], a) => reducer?.reduce(a.op, x, a.axes, a.dtype) ?? DECLINE,
      argReduce: ([x], a) => reducer?.argReduce(a.op, x, a.axis) ?? DECLINE,
      copyStrided: ([x], a) => mover?.copyStrided(x, a.outShape, a.offset, a.strides) ?? DECLINE,
      scatterStrided: ([dy], a) =>
        mover?.scatterStrided(dy, a.size, a.offset, a.strides) ?? DECLINE,
      concat: (xs, a) => mover?.concat(xs, a.axis, a.outShape) ?? DECLINE,
      // the wasm GEMM, or the reference GEMM on heap views without SIMD
      matMul: (inputs, a) =>
        mm.matMul(
          store,
          wasmGemm,
          inputs[0],
          inputs[1],
          a.transposeA,
          a.transposeB,
          a.outShape,
          epilogueOf(inputs, a.activation),
          a.views,
          a.outView,
        ),
      conv2d: (inputs, a) =>
        convs?.conv2d(inputs[0], inputs[1], a.info, epilogueOf(inputs, a.activation)) ?? DECLINE,
      conv2dBackpropInput: ([dy, w], a) => convs?.conv2dBackpropInput(dy, w, a.info) ?? DECLINE,
      conv2dBackpropFilter: ([x, dy], a) => convs?.conv2dBackpropFilter(x, dy, a.info) ?? DECLINE,
      depthwiseConv2d: ([x, w], a) => depthwise?.forward(x, w, a.info) ?? DECLINE,
      depthwiseConv2dBackpropInput: ([dy, w], a) =>
        depthwise?.backpropInput(dy, w, a.info) ?? DECLINE,
      depthwiseConv2dBackpropFilter: ([x, dy], a) =>
        depthwise?.backpropFilter(x, dy, a.info) ?? DECLINE,
      maxPool: ([x], a) => pools?.maxPool(x, a.info) ?? DECLINE,
      maxPoolGrad: ([dy, x], a) => pools?.maxPoolGrad(dy, x, a.info) ?? DECLINE,
      avgPool: ([x], a) => pools?.avgPool(x, a.info) ?? DECLINE,
      avgPoolGrad: ([dy], a) => pools?.avgPoolGrad(dy, a.info) ?? DECLINE,
      // one SIMD pass per row; without SIMD, one JS pass for small tensors, else the composed kernels
      softmax: ([x]) =>
        simd?.softmax(x) ??
        (sizeOf(x.shape) > SOFTMAX_ONE_PASS_MAX ? DECLINE : softmaxRows(store, x)),
      // Adam's step of every variable, one fused pass each (elementwise.ts); the reference loop without SIMD
      adamUpdate: (inputs, a) => simd?.adam(inputs, a) ?? DECLINE,
      // a fused elementwise chain, block by block with the SIMD kernels above (fused.ts)
      fused: (inputs, a) => fused.run(inputs, a.program, a.constants, a.outShape),
      // a fused chain with its reduction folded into the block loop (fused_reduce.ts)
      fusedReduce: (inputs, a) =>
        (reducer && fusedReduce(store, fused, reducer, () => this.kernels, inputs, a)) || DECLINE,
    };
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
        predicates: await SimdPredicates.compile(store),
        threadPool: pool,
      }
    : { threadPool: pool };
  return new WasmBackend(store, features, gemm, simd, kernels);
}
