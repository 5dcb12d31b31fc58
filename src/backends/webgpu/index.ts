// The WebGPU backend: WGSL compute kernels over pooled GPU buffers, batched command encoders, async reads.
import type { DType, TypedArray } from '../../core/dtype.js';
import { BackendError } from '../../core/errors.js';
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
import { GPU_SOFTMAX } from './softmax.js';
import { bindKernels, type HostKernels } from '../kernel_table.js';
import { GPU_ADAM } from './adam.js';
import { acquireDevice, type GpuContext, type GpuInfo } from './device.js';
import { GPU_ELEMENTWISE } from './elementwise.js';
import { GPU_FUSED } from './fused.js';
import { GPU_FUSED_REDUCE } from './fused_reduce.js';
import { GPU_GATHER } from './gather.js';
import { GPU_SPECTRAL } from './spectral.js';
import { GPU_MOVEMENT } from './movement.js';
import { type GpuProgramHost, type ProgramSpec, Programs } from './program.js';
import { GPU_RANDOM } from './random.js';
import { GPU_REDUCE } from './reduce.js';
import { GPU_CONV } from './conv.js';
import { GPU_IMAGE } from './image.js';
import { GPU_MATMUL } from './matmul.js';
import { GPU_POOL } from './pool.js';

/** What a WebGPU kernel runs against: the program runner, and the backend (for composed kernels). @example const host: GpuHost = backend; */
export type GpuHost = GpuProgramHost & Backend;

/**
 * The WebGPU kernel table.
 * @example const table = bindKernels(GPU_KERNELS, backend);
 */
export const GPU_KERNELS: HostKernels<GpuHost> = {
  ...GPU_ELEMENTWISE,
  ...GPU_REDUCE,
  ...GPU_MOVEMENT,
  ...GPU_GATHER,
  ...GPU_MATMUL,
  ...GPU_CONV,
  ...GPU_POOL,
  ...GPU_IMAGE,
  ...GPU_RANDOM,
  ...GPU_ADAM,
  ...GPU_SPECTRAL,
  ...GPU_FUSED,
  ...GPU_FUSED_REDUCE,
  ...GPU_SOFTMAX,
};

export { GpuData, bufferClass } from './buffers.js';
export type { GpuInfo } from './device.js';
export {
  dispatch1D,
  main1D,
  packUniforms,
  uniformDecl,
  wgslType,
  type GpuProgramHost,
  type ProgramSpec,
} from './program.js';

/**
 * The most elements of a tensor written from JS whose values the backend keeps beside its GPU buffer,
 * so `readSync` can answer for it (16 KiB of float32): index, box and shape tensors made from arrays,
 * never a model's large weights twice. tfjs's webgpu backend likewise reads CPU-resident tensors synchronously.
 */
export const HOST_COPY_MAX = 4096;

/**
 * The WebGPU backend. Kernels enqueue work and return at once; `read` is async. `readSync` answers only
 * for tensors written from JS with at most HOST_COPY_MAX elements (their values are kept); for anything
 * computed on the GPU it throws BackendError.
 * Registered below cpu: opt in with `await nr.setBackend('webgpu')`.
 * @example
 * await nr.setBackend('webgpu');
 * const y = nr.tensor([1, 2]).mul(2);
 * await y.data(); // Float32Array [2, 4]
 */
export class WebGpuBackend implements Backend, GpuProgramHost {
  readonly name = 'webgpu';
  readonly canReadSync: boolean = false;
  /** Its matMul reads transposed and sliced operands in place and writes C through views (KernelAttrs['matMul']). */
  readonly matMulViews = true;
  /** Float tensors keep 32-bit floats (tfjs' KernelBackend.floatPrecision). */
  readonly floatPrecision = (): 16 | 32 => 32;
  /** tfjs' KernelBackend.epsilon() for that precision. */
  readonly epsilon = (): number => precisionEpsilon(this.floatPrecision());
  readonly programs: Programs;
  /** The adapter, limits and features. */
  readonly gpu: GpuInfo;

  /** Storage buffers a shader stage may bind (at least 8; SwiftShader 12), which caps a fused kernel's buffers. */
  get maxKernelBuffers(): number {
    return this.gpu.limits.maxStorageBuffersPerShaderStage;
  }
  /** Holds the device and the Dawn instance it depends on (see GpuContext.keepAlive). */
  readonly context: GpuContext;
  private disposed = false;
  private readonly kernels: KernelTable;
  /** Values of small tensors written from JS, in read()'s format; buffers are immutable, so they stay true. */
  private readonly hostCopies = new Map<DataId, TypedArray>();

  constructor(context: GpuContext) {
    this.context = context;
    this.gpu = context.info;
    this.programs = new Programs(context);
    this.kernels = bindKernels(GPU_KERNELS, this);
  }

  /** What the backend runs on, for `nr.env()` and logs. */
  describe(): Record<string, unknown> {
    const { vendor, architecture, description, isFallbackAdapter, limits, features } = this.gpu;
    return { vendor, architecture, description, isFallbackAdapter, limits, features };
  }

  /** Alias of describe(), the adapter and device as the backend sees them. */
  info(): Record<string, unknown> {
    return this.describe();
  }

  /** Enqueues one compute program (the kernels' GpuProgramHost). */
  dispatch(spec: ProgramSpec): DataId {
    return this.programs.run(spec);
  }

  /** Enqueues one compute program with several outputs (ProgramSpec.moreOutputs). */
  dispatchMany(spec: ProgramSpec): DataId[] {
    return this.programs.runMany(spec);
  }

  write(values: TypedArray, dtype: DType): DataId {
    let words: Float32Array | Int32Array | Uint32Array;
    if (dtype === 'float32')
      words = values instanceof Float32Array ? values : Float32Array.from(values);
    else if (dtype === 'int32')
      words = values instanceof Int32Array ? values : Int32Array.from(values);
    else words = Uint32Array.from(values, (v) => (v ? 1 : 0));
    const id = this.programs.write(words, dtype);
    if (values.length <= HOST_COPY_MAX) this.hostCopies.set(id, hostFormat(values, dtype));
    return id;
  }
  async read(id: DataId): Promise<TypedArray> {
    const data = this.programs.data(id, 'read');
    const bytes = await this.programs.read(data);
    if (data.dtype === 'float32') return new Float32Array(bytes, 0, data.size);
    if (data.dtype === 'int32') return new Int32Array(bytes, 0, data.size);
    return Uint8Array.from(new Uint32Array(bytes, 0, data.size));
  }
  readSync(id: DataId): TypedArray {
    const kept = this.hostCopies.get(id);
    if (kept) return kept;
    throw new BackendError(
      `webgpu: synchronous reads are possible only for tensors made from JS values (up to ${HOST_COPY_MAX} elements), not for results computed on the GPU; use await tensor.data() (or tensor.array()) instead of dataSync()/arraySync()`,
    );
  }
  free(id: DataId): void {
    this.hostCopies.delete(id);
    this.programs.free(id);
  }
  memory(): BackendMemory {
    return { numBytes: this.programs.liveBytes, ...this.programs.memory() };
  }
  /** Submits recorded work now (reads do it themselves). */
  flush(): void {
    this.programs.flush();
  }
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.programs.dispose();
    this.programs.markDisposed();
    this.context.device.destroy();
  }

  /** Runs one kernel of the WebGPU table. */
  run<K extends KernelName>(
    kernel: K,
    inputs: readonly TensorInfo[],
    attrs: KernelAttrs[K],
  ): KernelOutput<K> {
    return this.kernels[kernel](inputs, attrs);
  }
}

/** A copy of written values in the format read() returns (bool as 0/1 bytes). */
function hostFormat(values: TypedArray, dtype: DType): TypedArray {
  if (dtype === 'float32') return Float32Array.from(values);
  if (dtype === 'int32') return Int32Array.from(values);
  return Uint8Array.from(values, (v) => (v ? 1 : 0));
}

/**
 * Starts the WebGPU backend: throws BackendError naming the reason when no adapter is found.
 * @example nr.registerBackend('webgpu', createWebGpuBackend, -1);
 */
export async function createWebGpuBackend(): Promise<WebGpuBackend> {
  return new WebGpuBackend(await acquireDevice());
}
