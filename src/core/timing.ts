// tf.time: how long a function's ops take, as tfjs reports it (kernelMs, wallMs).
import { ArgumentError, show } from './errors.js';
import { collectTensors, dispose, tidy } from './memory.js';

/** What `time` measures, in milliseconds (tfjs' TimingInfo). */
export interface TimingInfo {
  /** Time running f and its ops (neurite's cpu and wasm backends compute while f runs). */
  kernelMs: number;
  /** kernelMs plus the wait until f's results are computed and readable (what a GPU backend queues). */
  wallMs: number;
}

/**
 * Runs f once and reports how long it took; tensors f creates (its result included) are freed.
 * @example const { kernelMs, wallMs } = await nr.time(() => a.matMul(b));
 */
export async function time(f: () => unknown): Promise<TimingInfo> {
  if (typeof f !== 'function')
    throw new ArgumentError(`time: f must be a function, received ${show(f)}`);
  const start = performance.now();
  let kernelMs = 0;
  const result = tidy(() => {
    const out = f();
    kernelMs = performance.now() - start;
    return out;
  });
  const outputs = collectTensors(result);
  try {
    await Promise.all(outputs.map((t) => t.data()));
  } finally {
    dispose(outputs);
  }
  return { kernelMs, wallMs: performance.now() - start };
}
