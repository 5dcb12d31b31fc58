// The page side of test/browser/browser.test.ts: bundled with src/index.ts, run in headless Chromium.
import * as nr from '../../src/index.js';

/** What the wasm check reports back to Node. */
export interface WasmReport {
  backend: string;
  isolated: boolean;
  threads: number;
  /** Threads a wasm task can use now: the calling one plus the workers that started in the page. */
  poolSize: number;
  hardwareConcurrency: number;
  losses: number[];
  cpuLosses: number[];
  /** Largest |wasm - cpu| of a 256×256×256 product (large enough to be split over the threads). */
  matMulDiff: number;
  /** Largest |loaded - saved| prediction after a round trip through the page's real storage, per scheme. */
  storageDiffs: Record<string, number>;
}

/** What the webgpu check reports back to Node. */
export interface WebGpuReport {
  backend: string;
  fallbackAdapter: unknown;
  matMulDiff: number;
  losses: number[];
  dataSyncError: string;
}

/** Largest absolute difference between two equally long arrays. */
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** The product of two seeded 256×256 matrices on the current backend. */
async function product(): Promise<Float32Array> {
  const a = nr.randomNormal([256, 256], 0, 1, 'float32', 11);
  const b = nr.randomNormal([256, 256], 0, 1, 'float32', 12);
  const c = a.matMul(b);
  const out = (await c.data()) as Float32Array;
  nr.dispose([a, b, c]);
  return out;
}

/**
 * A few full-batch SGD steps of a seeded 128-128-1 regression MLP on the current backend; the
 * per-epoch losses. Batch 64 × 128 × 128 reaches the wasm GEMM's threading threshold (2^20 MACs).
 */
async function train(epochs: number): Promise<number[]> {
  nr.setSeed(7);
  const x = nr.randomNormal([64, 128], 0, 1, 'float32', 1);
  const y = nr.randomNormal([64, 1], 0, 1, 'float32', 2);
  const model = nr.sequential({
    layers: [
      nr.layers.dense({ units: 128, activation: 'relu', inputShape: [128] }),
      nr.layers.dense({ units: 1 }),
    ],
  });
  model.compile({ optimizer: nr.train.sgd(0.01), loss: 'meanSquaredError' });
  const history = await model.fit(x, y, { epochs, batchSize: 64, shuffle: false, verbose: 0 });
  nr.dispose([x, y]);
  model.dispose();
  return history.history.loss as number[];
}

/** Saves a small model to the browser's own IndexedDB and localStorage and loads it back. */
async function storageRoundTrips(): Promise<Record<string, number>> {
  nr.setSeed(3);
  const model = nr.sequential({
    layers: [nr.layers.dense({ units: 3, activation: 'tanh', inputShape: [4] })],
  });
  const x = nr.randomNormal([2, 4], 0, 1, 'float32', 5);
  const predict = async (m: nr.Model): Promise<Float32Array> => {
    const y = m.predict(x) as nr.Tensor;
    const values = (await y.data()) as Float32Array;
    y.dispose(); // (the leak reporter, on in pages too, would name an undisposed one)
    return values;
  };
  const expected = await predict(model);
  const diffs: Record<string, number> = {};
  for (const url of ['indexeddb://browser-test', 'localstorage://browser-test']) {
    await model.save(url);
    const loaded = await nr.loadLayersModel(url);
    diffs[url.split(':')[0]] = maxDiff(await predict(loaded), expected);
    loaded.dispose();
  }
  model.dispose();
  x.dispose();
  return diffs;
}

/** Starts the default backend (wasm), trains, and repeats the same work on cpu. */
async function wasmCheck(): Promise<WasmReport> {
  await nr.ready();
  const backend = nr.getBackend();
  const pool = (nr.backend() as { threadPool?: { size: number } | null }).threadPool;
  const poolSize = pool?.size ?? 1;
  const losses = await train(4);
  const wasmProduct = await product();
  await nr.setBackend('cpu');
  const cpuLosses = await train(4);
  const cpuProduct = await product();
  await nr.setBackend(backend);
  return {
    backend,
    isolated: globalThis.crossOriginIsolated,
    threads: nr.getThreadsCount(),
    poolSize,
    hardwareConcurrency: navigator.hardwareConcurrency,
    losses,
    cpuLosses,
    matMulDiff: maxDiff(wasmProduct, cpuProduct),
    storageDiffs: await storageRoundTrips(),
  };
}

/** Starts webgpu on the page's adapter: a matMul against cpu, a tiny fit, and dataSync's refusal. */
async function webgpuCheck(): Promise<WebGpuReport> {
  await nr.setBackend('cpu');
  const cpuProduct = await product();
  await nr.setBackend('webgpu');
  const gpuProduct = await product();
  const losses = await train(3);
  let dataSyncError = '';
  // a result computed on the GPU (small tensors made from JS values keep a host copy and read synchronously)
  const x = nr.tensor([1, 2, 3]);
  const t = x.mul(2);
  try {
    t.dataSync();
  } catch (e) {
    dataSyncError = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  }
  nr.dispose([x, t]);
  return {
    backend: nr.getBackend(),
    fallbackAdapter: nr.env().backendInfo?.isFallbackAdapter,
    matMulDiff: maxDiff(gpuProduct, cpuProduct),
    losses,
    dataSyncError,
  };
}

Object.assign(globalThis, { neurite: { wasmCheck, webgpuCheck } });
