// GPU buffers pooled by size class: a freed tensor's buffer serves the next allocation of its class.
/// <reference types="@webgpu/types" />
import type { DType } from '../../core/dtype.js';
import { BackendError } from '../../core/errors.js';

/**
 * A tensor's buffer on the GPU: the handle the engine holds (a DataId). Storage per dtype:
 * float32 -> f32, int32 -> i32, bool -> u32 (0 or 1), so every element is 4 bytes.
 * @example const d = new GpuData(buffer, 'float32', 4);
 */
export class GpuData {
  freed = false;
  constructor(
    readonly buffer: GPUBuffer,
    readonly dtype: DType,
    /** Elements. */
    readonly size: number,
  ) {}
  /** Bytes the tensor uses (4 per element). */
  get byteLength(): number {
    return this.size * 4;
  }
}

/**
 * Rounds a byte count up to its size class: powers of two up to 64 KiB, then four classes per
 * power of two, so that a reused buffer wastes at most a quarter of its size.
 * @example bufferClass(100) // 128
 */
export function bufferClass(bytes: number): number {
  const b = Math.max(16, Math.ceil(bytes / 4) * 4);
  const pow = 2 ** Math.ceil(Math.log2(b));
  if (pow <= 65536) return pow;
  const step = pow / 8;
  return Math.ceil(b / step) * step;
}

/**
 * Buffers of one usage, pooled by size class. WebGPU's queue runs work in submission order, so a buffer
 * freed by one dispatch may be handed to a later dispatch at once; writes through queue.writeBuffer go
 * ahead of unsubmitted work, so the backend submits pending work before such a write (see index.ts).
 * @example const pool = new BufferPool(device, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC);
 */
export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  /** Bytes of every buffer the pool created and has not destroyed (in use or pooled). */
  allocatedBytes = 0;
  /** Bytes of the buffers waiting in the pool. */
  pooledBytes = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly usage: number,
    private readonly label: string,
  ) {}

  /** A buffer of at least `bytes` bytes (its size is the class size). */
  acquire(bytes: number): GPUBuffer {
    const size = bufferClass(bytes);
    const list = this.free.get(size);
    const reused = list?.pop();
    if (reused) {
      this.pooledBytes -= size;
      return reused;
    }
    let buffer: GPUBuffer;
    try {
      buffer = this.device.createBuffer({ size, usage: this.usage, label: this.label });
    } catch (e) {
      throw new BackendError(
        `webgpu: could not allocate a ${size}-byte ${this.label} buffer: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    this.allocatedBytes += size;
    return buffer;
  }

  /** Returns a buffer to the pool for reuse. */
  release(buffer: GPUBuffer): void {
    const size = buffer.size;
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(buffer);
    this.pooledBytes += size;
  }

  /** Destroys the pooled (unused) buffers. */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.allocatedBytes -= this.pooledBytes;
    this.pooledBytes = 0;
    this.free.clear();
  }
}
