// The CPU reference backend: plain TypeScript kernels that define the results every backend must match.
import type { DType, TypedArray } from '../../core/dtype.js';
import type {
  Backend,
  BackendMemory,
  DataId,
  KernelAttrs,
  KernelName,
  KernelOutput,
  KernelTable,
  TensorInfo,
} from '../backend.js';
import { precisionEpsilon } from '../backend.js';
import { softmaxComposed } from '../composed.js';
import { CPU_ADAM } from './adam.js';
import { bindKernels, type HostKernels } from '../kernel_table.js';
import { CPU_CONV } from './conv.js';
import { CPU_ELEMENTWISE } from './elementwise.js';
import { CPU_FUSED } from './fused.js';
import { CPU_GATHER } from './gather.js';
import { CPU_IMAGE } from './image.js';
import { CPU_MATMUL } from './matmul.js';
import { CPU_MOVEMENT } from './movement.js';
import { CPU_POOL } from './pool.js';
import { CPU_RANDOM } from './random.js';
import { CPU_REDUCE } from './reduce.js';
import { CPU_SPECTRAL } from './spectral.js';
import { type CpuHost, CpuStore } from './storage.js';

/**
 * The reference kernel table: every kernel, over any KernelStore (the wasm backend binds it to views of
 * its heap). A kernel missing here is a compile error naming it.
 * @example const table = bindKernels(CPU_KERNELS, { store, backend });
 */
export const CPU_KERNELS: HostKernels<CpuHost> = {
  ...CPU_ELEMENTWISE,
  ...CPU_REDUCE,
  ...CPU_MOVEMENT,
  ...CPU_GATHER,
  ...CPU_MATMUL,
  ...CPU_CONV,
  ...CPU_POOL,
  ...CPU_IMAGE,
  ...CPU_RANDOM,
  ...CPU_SPECTRAL,
  ...CPU_FUSED,
  ...CPU_ADAM,
  softmax: (h, [x]) => softmaxComposed(h.backend, x),
};

/** Options of the CPU backend. */
export interface CpuBackendOptions {
  /** 'float64' stores float32 tensors in double: the reference for gradient checks. Default 'float32'. */
  precision?: 'float32' | 'float64';
  /** Backend name; defaults to 'cpu' (or 'cpu64' in float64 precision). */
  name?: string;
}

/**
 * The CPU reference backend.
 * @example
 * nr.registerBackend('cpu64', () => createCpuBackend({ precision: 'float64' }));
 */
export class CpuBackend implements Backend {
  readonly name: string;
  /** Its matMul reads transposed and sliced operands in place (KernelAttrs['matMul'].views). */
  readonly matMulViews = true;
  readonly canReadSync: boolean = true;
  /** Float tensors keep 32-bit floats (tfjs' KernelBackend.floatPrecision). */
  readonly floatPrecision = (): 16 | 32 => 32;
  /** tfjs' KernelBackend.epsilon() for that precision. */
  readonly epsilon = (): number => precisionEpsilon(this.floatPrecision());
  readonly store: CpuStore;
  private readonly kernels: KernelTable;

  constructor(options: CpuBackendOptions = {}) {
    const precision = options.precision ?? 'float32';
    this.name = options.name ?? (precision === 'float64' ? 'cpu64' : 'cpu');
    this.store = new CpuStore(precision);
    this.kernels = bindKernels(CPU_KERNELS, { store: this.store, backend: this });
  }

  write(values: TypedArray, dtype: DType): DataId {
    const arr = this.store.array(dtype, values.length);
    arr.set(values);
    return this.store.put(arr);
  }
  /** Stores raw values (float64 allowed) without rounding: the reference path's input. */
  writeRaw(values: ArrayLike<number>, dtype: DType): DataId {
    const arr = this.store.array(dtype, values.length);
    for (let i = 0; i < values.length; i++) arr[i] = values[i];
    return this.store.put(arr);
  }
  /** The stored values as they are (Float64Array in float64 precision). */
  readRaw(id: DataId): ArrayLike<number> {
    return this.store.get(id);
  }
  async read(id: DataId): Promise<TypedArray> {
    const v = this.store.get(id);
    return v instanceof Float64Array ? Float32Array.from(v) : v.slice();
  }
  /** The stored array itself (lent: see Backend.readSync); float64 storage comes back as float32. */
  readSync(id: DataId): TypedArray {
    const v = this.store.get(id);
    if (v instanceof Float64Array) return Float32Array.from(v);
    return v;
  }
  free(id: DataId): void {
    this.store.free(id);
  }
  memory(): BackendMemory {
    return { numBytes: this.store.numBytes };
  }
  dispose(): void {}

  /** Runs one kernel of the CPU table. */
  run<K extends KernelName>(
    kernel: K,
    inputs: readonly TensorInfo[],
    attrs: KernelAttrs[K],
  ): KernelOutput<K> {
    return this.kernels[kernel](inputs, attrs);
  }
}

/** Starts a CPU backend (async, as the contract asks). @example await createCpuBackend() */
export async function createCpuBackend(options: CpuBackendOptions = {}): Promise<Backend> {
  return new CpuBackend(options);
}

/** Starts a CPU backend synchronously (the engine's fallback when no backend was chosen). @example createCpuBackendSync({ precision: 'float64' }) */
export function createCpuBackendSync(options: CpuBackendOptions = {}): CpuBackend {
  return new CpuBackend(options);
}
