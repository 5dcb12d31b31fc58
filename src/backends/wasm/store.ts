// The wasm backend's buffer table: tensors live in the WebAssembly heap; kernels see typed-array views of it.
import type { DType } from '../../core/dtype.js';
import { BackendError } from '../../core/errors.js';
import type { DataId, TensorInfo } from '../backend.js';
import type { GemmFn, KernelStore, Storage } from '../cpu/storage.js';
import { type Block, Heap } from './heap.js';

interface Entry {
  readonly block: Block;
  readonly dtype: DType;
  readonly length: number;
}

function bytesPerElement(dtype: DType): number {
  return dtype === 'bool' ? 1 : 4;
}

/**
 * A KernelStore over a Heap, so the reference CPU kernels run unchanged on wasm memory.
 * NOTE: a view is made afresh on every `get`: after a grow of non-shared memory old views detach.
 * @example
 * const store = new WasmStore(new Heap());
 * const { id, values } = store.alloc('float32', 3);
 */
export class WasmStore implements KernelStore {
  readonly precision = 'float32';
  gemm?: GemmFn;
  numBytes = 0;
  private readonly entries = new Map<DataId, Entry>();

  constructor(readonly heap: Heap) {}

  /** A typed-array view of `length` elements of `dtype` at byte `offset` of the heap. */
  view(dtype: DType, offset: number, length: number): Storage {
    const buffer = this.heap.memory.buffer;
    if (dtype === 'float32') return new Float32Array(buffer, offset, length);
    if (dtype === 'int32') return new Int32Array(buffer, offset, length);
    return new Uint8Array(buffer, offset, length);
  }

  /**
   * Zeroes `bytes` bytes at a heap offset in wasm (memory.fill: about 4x TypedArray.fill on a shared
   * buffer); the backend sets it once its movement kernels compile.
   */
  zeroFill: ((offset: number, bytes: number) => void) | null = null;

  alloc(dtype: DType, size: number): { id: DataId; values: Storage } {
    const { id, fresh } = this.register(dtype, size);
    // reused blocks hold old values; kernels (scatterAdd, pads) expect zeros. Fresh memory is zero.
    if (!fresh) {
      if (this.zeroFill) this.zeroFill(this.offsetOf(id), size * bytesPerElement(dtype));
      else this.get(id).fill(0);
    }
    return { id, values: this.get(id) };
  }

  /** An output block NOT zeroed, for kernels that write every element. */
  allocRaw(dtype: DType, size: number): DataId {
    return this.register(dtype, size).id;
  }

  private register(dtype: DType, size: number): { id: DataId; fresh: boolean } {
    const block = this.heap.alloc(size * bytesPerElement(dtype));
    const id = {};
    this.entries.set(id, { block, dtype, length: size });
    this.numBytes += size * bytesPerElement(dtype);
    return { id, fresh: block.fresh };
  }

  /** Scratch stays in the JS heap: it is never handed to wasm code. */
  array(dtype: DType, size: number): Storage {
    if (dtype === 'float32') return new Float32Array(size);
    return dtype === 'int32' ? new Int32Array(size) : new Uint8Array(size);
  }

  put(values: Storage): DataId {
    let dtype: DType = 'float32';
    if (values instanceof Int32Array) dtype = 'int32';
    else if (values instanceof Uint8Array) dtype = 'bool';
    const { id, values: dst } = this.alloc(dtype, values.length);
    dst.set(values);
    return id;
  }

  private entry(id: DataId): Entry {
    const e = this.entries.get(id);
    if (!e)
      throw new BackendError(
        'wasm: buffer not found (was it freed, or does it belong to another backend?)',
      );
    return e;
  }

  get(id: DataId): Storage {
    const e = this.entry(id);
    return this.view(e.dtype, e.block.offset, e.length);
  }

  /** Byte offset of a tensor in the heap (what wasm kernels take). */
  offsetOf(id: DataId): number {
    return this.entry(id).block.offset;
  }

  values(t: TensorInfo): Storage {
    return this.get(t.dataId);
  }

  free(id: DataId): void {
    const e = this.entries.get(id);
    if (!e) return;
    this.entries.delete(id);
    this.heap.free(e.block);
    this.numBytes -= e.length * bytesPerElement(e.dtype);
  }
}
