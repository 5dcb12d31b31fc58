// nr.profile: the memory and kernels of one function run, as tfjs's tf.profile reports them.
import { storageBytesPerElement } from './dtype.js';
import { ENGINE, type KernelListener } from './engine.js';
import { ArgumentError, show } from './errors.js';

/** One primitive run inside nr.profile. */
export interface KernelProfile {
  /** The kernel: the primitive's op in PascalCase ('Square', 'Add', 'MatMul'), else the primitive's name. */
  name: string;
  /** Bytes of tensors alive after the kernel minus before it. */
  bytesAdded: number;
  /** Bytes of all tensors alive after the kernel. */
  totalBytesSnapshot: number;
  tensorsAdded: number;
  totalTensorsSnapshot: number;
  inputShapes: number[][];
  outputShapes: number[][];
  /** Milliseconds the primitive took to run (queueing time for a GPU backend). */
  kernelTimeMs: number;
  /** Nothing yet: neurite's backends report no extra kernel info. */
  extraInfo: string;
}

/** What nr.profile reports (tfjs's ProfileInfo). */
export interface ProfileInfo<T> {
  /** Bytes of tensors alive after f minus before. */
  newBytes: number;
  newTensors: number;
  /** The most bytes alive at once: sampled before f, after each kernel and after f. */
  peakBytes: number;
  kernels: KernelProfile[];
  /** Distinct kernel names, in order of first run. */
  kernelNames: string[];
  /** f's result. */
  result: T;
}

function pascal(name: string): string {
  return name.replace(/(^|_)([a-z])/g, (_m, _u: string, c: string) => c.toUpperCase());
}

function kernelName(prim: string, attrs: unknown): string {
  if (typeof attrs === 'object' && attrs !== null && 'op' in attrs && typeof attrs.op === 'string')
    return pascal(attrs.op);
  return pascal(prim);
}

/**
 * Runs f (sync or async) and reports the bytes and tensors it leaves, the peak bytes, and every
 * primitive it ran with shapes, memory snapshots and time. Profiles may nest (the inner one sees its
 * kernels, the outer one too).
 * @example const info = await nr.profile(() => nr.square(nr.tensor([1, 2, 3]))); info.kernelNames // ['Square']
 */
export async function profile<T>(f: () => T | Promise<T>): Promise<ProfileInfo<Awaited<T>>> {
  if (typeof f !== 'function')
    throw new ArgumentError(`profile: f must be a function, received ${show(f)}`);
  const before = ENGINE.memory();
  let peakBytes = before.numBytes;
  const kernels: KernelProfile[] = [];
  const outer = ENGINE.profiler;
  const listener: KernelListener = (prim, attrs, inputs, outputs, ms) => {
    outer?.(prim, attrs, inputs, outputs, ms);
    const now = ENGINE.memory();
    peakBytes = Math.max(peakBytes, now.numBytes);
    // what this kernel added: its outputs' new buffers (an output that is a view of an input adds none);
    // diffing with the previous sample would also count tensors made or freed between kernels
    const seen = new Set(inputs.map((t) => t.dataId));
    let bytesAdded = 0;
    for (const o of outputs) {
      if (seen.has(o.dataId)) continue;
      seen.add(o.dataId);
      bytesAdded += o.size * storageBytesPerElement(o.dtype);
    }
    kernels.push({
      name: kernelName(prim, attrs),
      bytesAdded,
      totalBytesSnapshot: now.numBytes,
      tensorsAdded: outputs.length,
      totalTensorsSnapshot: now.numTensors,
      inputShapes: inputs.map((t) => t.shape.slice()),
      outputShapes: outputs.map((t) => t.shape.slice()),
      kernelTimeMs: ms,
      extraInfo: '',
    });
  };
  ENGINE.profiler = listener;
  let result: Awaited<T>;
  try {
    result = await f();
  } finally {
    ENGINE.profiler = outer;
  }
  const after = ENGINE.memory();
  peakBytes = Math.max(peakBytes, after.numBytes);
  return {
    newBytes: after.numBytes - before.numBytes,
    newTensors: after.numTensors - before.numTensors,
    peakBytes,
    kernels,
    kernelNames: [...new Set(kernels.map((k) => k.name))],
    result,
  };
}
