// CPU random kernel: the counter-based generator of core/random.ts written into a float32 buffer.
import { fillRandom } from '../../core/random.js';
import type { DataId, RandomSpec } from '../backend.js';
import type { KernelStore } from './storage.js';
import type { SomeHostKernels } from '../kernel_table.js';
import type { CpuHost } from './storage.js';

/**
 * `size` float32 values of the distribution in `spec`; element i comes from Philox at (seed, counter + i).
 * @example random(store, { dist: 'normal', seed: 7, counter: 0, a: 0, b: 1 }, 10)
 */
export function random(s: KernelStore, spec: RandomSpec, size: number): DataId {
  const { id, values } = s.alloc('float32', size);
  if (values instanceof Float32Array || values instanceof Float64Array) fillRandom(spec, values);
  return id;
}

/** The random kernel of the CPU table. @example CPU_RANDOM.random(host, [], { spec, size: 4 }) */
export const CPU_RANDOM = {
  random: (h, _inputs, a) => random(h.store, a.spec, a.size),
} satisfies SomeHostKernels<CpuHost>;
