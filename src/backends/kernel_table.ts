// Building kernel tables: a base table with accelerated kernels laid over it, and the epilogue of a kernel's inputs.
import {
  DECLINE,
  type Epilogue,
  type FusedActivation,
  type Kernel,
  type KernelAttrs,
  type KernelName,
  type KernelOutput,
  type KernelOverrides,
  type KernelTable,
  type PartialKernel,
  type TensorInfo,
} from './backend.js';

/** Kernel `over`, falling back to `base` where it declines. */
function fallBack<K extends KernelName>(over: PartialKernel<K>, base: Kernel<K>): Kernel<K> {
  return (inputs, attrs) => {
    const out = over(inputs, attrs);
    return out === DECLINE ? base(inputs, attrs) : out;
  };
}

function layOne<K extends KernelName>(
  table: KernelTable,
  base: KernelTable,
  over: KernelOverrides,
  name: K,
): void {
  const kernel: PartialKernel<K> | undefined = over[name];
  // Object.assign: tsc cannot relate a mapped type's entry to Kernel<K> for a generic K on writes
  if (kernel) Object.assign(table, { [name]: fallBack(kernel, base[name]) });
}

/**
 * A table whose kernels are `over`'s where it has one (declined cases run `base`'s), `base`'s elsewhere:
 * how the wasm backend lays its SIMD kernels over the reference kernels.
 * @example const table = overrideKernels(cpuKernels(store, backend), { cast: ([x], a) => simdCast(x, a.dtype) ?? DECLINE });
 */
export function overrideKernels(base: KernelTable, over: KernelOverrides): KernelTable {
  const table: KernelTable = { ...base };
  for (const name of Object.keys(over) as KernelName[]) layOne(table, base, over, name);
  return table;
}

/**
 * The epilogue of a matMul or conv2d kernel: its optional third input is the bias.
 * @example const e = epilogueOf(inputs, attrs.activation); // { bias: inputs[2] ?? null, activation }
 */
export function epilogueOf(
  inputs: readonly TensorInfo[],
  activation: FusedActivation,
): Epilogue | undefined {
  const bias = inputs[2] ?? null;
  return bias === null && activation === 'linear' ? undefined : { bias, activation };
}

/**
 * A kernel written against a host (the CPU kernels' store, the GPU's program runner) rather than a
 * backend object: family files export tables of these, a backend binds them to its host.
 * @example const k: HostKernel<CpuHost, 'cast'> = (h, [x], a) => cast(h.store, x, a.dtype);
 */
export type HostKernel<H, K extends KernelName> = (
  host: H,
  inputs: readonly TensorInfo[],
  attrs: KernelAttrs[K],
) => KernelOutput<K>;

/** A complete table of host kernels: `satisfies HostKernels<H>` makes tsc name a missing kernel. @example export const CPU_KERNELS = { ...CPU_GATHER } satisfies HostKernels<CpuHost>; */
export type HostKernels<H> = { [K in KernelName]: HostKernel<H, K> };

/** Some host kernels (what one family file exports). @example export const CPU_RANDOM = { random: (h, _i, a) => random(h.store, a.spec, a.size) } satisfies SomeHostKernels<CpuHost>; */
export type SomeHostKernels<H> = { [K in KernelName]?: HostKernel<H, K> };

function bindOne<H, K extends KernelName>(
  table: Partial<KernelTable>,
  kernels: HostKernels<H>,
  host: H,
  name: K,
): void {
  const kernel: HostKernel<H, K> = kernels[name];
  const bound: Kernel<K> = (inputs, attrs) => kernel(host, inputs, attrs);
  Object.assign(table, { [name]: bound });
}

/**
 * Binds a complete table of host kernels to one host.
 * @example const table = bindKernels(CPU_KERNELS, { store, backend });
 */
export function bindKernels<H>(kernels: HostKernels<H>, host: H): KernelTable {
  const table: Partial<KernelTable> = {};
  for (const name of Object.keys(kernels) as KernelName[]) bindOne(table, kernels, host, name);
  // every name of a complete HostKernels table was bound above
  return table as KernelTable;
}
