// Kernels per step, counted from the bench side: wraps the current backend's kernel methods for one call.
import * as nr from '../src/node.js';
import type { KernelCounter, Tf } from './harness.js';

/**
 * Backend members that manage memory or describe the backend rather than run a kernel: never counted.
 * Everything else that is a function counts as one dispatch per call, whether the backend has one method
 * per primitive (`matMul`, `binary`, ...) or a single `run(prim, inputs, attrs)` entry point.
 */
const NOT_KERNELS = new Set([
  'constructor',
  'write',
  'read',
  'readSync',
  'free',
  'alloc',
  'memory',
  'dispose',
  'describe',
  'ready',
  'flush',
  'sync',
  'incRef',
  'decRef',
  'refCount',
  'move',
  'moveData',
  'copyFrom',
  'numDataIds',
  'setThreadsCount',
  'getThreadsCount',
  // names a memory side of the coming `run(prim, inputs, attrs)` contract may use
  'readAsync',
  'upload',
  'download',
  'allocate',
  'release',
  'disposeData',
  'time',
]);

/** Function-valued member names of an object and its prototypes (up to Object.prototype). */
function methodNames(o: object): string[] {
  const names = new Set<string>();
  for (let p: object | null = o; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const k of Object.getOwnPropertyNames(p)) {
      const d = Object.getOwnPropertyDescriptor(p, k);
      // accessors are skipped: reading a getter here could run backend code
      if (d && typeof d.value === 'function' && !NOT_KERNELS.has(k)) names.add(k);
    }
  }
  return [...names];
}

/**
 * A counter over neurite's current backend: `start` shadows each kernel method with an own property that
 * counts and forwards, `stop` removes the shadows (restoring any own property that was there) and returns
 * the count. Calls made from inside a counted call (a kernel method that goes through a shared helper
 * method of the backend, or falls back to another kernel method) do not count again.
 * @example const k = neuriteKernelCounter(); k.start(); await step(); console.log(k.stop());
 */
export function neuriteKernelCounter(): KernelCounter {
  let count = 0;
  let depth = 0;
  let restore: (() => void)[] = [];
  return {
    start() {
      count = 0;
      const target: object = nr.backend();
      for (const name of methodNames(target)) {
        const own = Object.getOwnPropertyDescriptor(target, name);
        const original: unknown = Reflect.get(target, name);
        if (typeof original !== 'function') continue;
        const wrapped = function (this: unknown, ...args: unknown[]): unknown {
          // only the outermost call counts: a kernel method that goes through another member of the
          // backend (a shared dispatch helper, a fallback) is still one dispatch from the engine
          if (depth === 0) count++;
          depth++;
          try {
            return Reflect.apply(original, this, args);
          } finally {
            depth--;
          }
        };
        if (
          !Reflect.defineProperty(target, name, {
            value: wrapped,
            configurable: true,
            writable: true,
          })
        )
          continue;
        restore.push(() => {
          if (own) Reflect.defineProperty(target, name, own);
          else Reflect.deleteProperty(target, name);
        });
      }
    },
    stop() {
      for (const r of restore) r();
      restore = [];
      return count;
    },
  };
}

/**
 * Kernels of one call on tfjs's current backend, with `tf.profile` (one extra, untimed call).
 * @example const n = await tfjsKernels(tf, () => step());
 */
export async function tfjsKernels(tf: Tf, call: () => Promise<void>): Promise<number> {
  const info = await tf.profile(async () => {
    await call();
  });
  return info.kernels.length;
}
