// A wasm backend for thread tests: its pool has a given thread count and every product it can split, splits.
import { SimdElementwise } from '../../src/backends/wasm/elementwise.js';
import { Heap, WasmBackend, WasmStore } from '../../src/backends/wasm/index.js';
import { detectFeatures } from '../../src/backends/wasm/kernels.js';
import { WasmGemm } from '../../src/backends/wasm/matmul.js';
import { ThreadPool } from '../../src/backends/wasm/pool.js';

/**
 * A wasm backend whose pool has `threads` threads and whose GEMM splits every product it can; with
 * `elementwise`, its elementwise kernels run on the pool too and split at any size.
 * @example const { backend, gemm } = await splittingWasmBackend(2);
 */
export async function splittingWasmBackend(
  threads: number,
  elementwise = false,
): Promise<{ backend: WasmBackend; gemm: WasmGemm }> {
  const features = await detectFeatures();
  const store = new WasmStore(new Heap(16));
  const pool = await ThreadPool.create(store.heap.memory, store.heap.shared, threads);
  const gemm = await WasmGemm.create(store, pool, features.relaxedSimd);
  gemm.parallelMin = 0;
  gemm.gemvParallelBytes = 0;
  const simd = await SimdElementwise.compile(store, elementwise ? pool : undefined);
  if (elementwise) simd.parallelMin = 0;
  return { backend: new WasmBackend(store, features, gemm, simd, { threadPool: pool }), gemm };
}
