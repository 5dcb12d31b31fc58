// Buffers of the CPU backend: typed arrays keyed by handle, float32 stored in double for the float64 reference mode.
import type { DType, TypedArray } from '../../core/dtype.js';
import { BackendError } from '../../core/errors.js';
import type { Backend, DataId, TensorInfo } from '../backend.js';

/** What CPU kernels read and write. Float64Array appears only in the float64 reference mode. */
export type Storage = Float32Array | Float64Array | Int32Array | Uint8Array;

/** A GEMM on raw storage with the signature of `gemm` in matmul.ts (C (+)= op(A) · op(B)). */
export type GemmFn = (
  m: number,
  n: number,
  k: number,
  a: Storage,
  aOff: number,
  transA: boolean,
  b: Storage,
  bOff: number,
  transB: boolean,
  c: Storage,
  cOff: number,
  accumulate: boolean,
) => void;

/**
 * What the reference kernels need of a buffer table. The CPU backend keeps plain typed arrays; the wasm
 * backend hands out views into its WebAssembly heap, so the same kernels run on both.
 * @example const { id, values } = store.alloc('float32', 4);
 */
export interface KernelStore {
  readonly precision: 'float32' | 'float64';
  /** A faster GEMM the conv kernels use instead of the reference one (the wasm backend's SIMD kernel). */
  readonly gemm?: GemmFn;
  /** A zeroed output buffer and its handle. */
  alloc(dtype: DType, size: number): { id: DataId; values: Storage };
  /** A zeroed scratch array of the storage type (not registered). */
  array(dtype: DType, size: number): Storage;
  /** Registers values (a store outside the JS heap copies them) and returns the handle. */
  put(values: Storage): DataId;
  get(id: DataId): Storage;
  /** The values of a kernel input. */
  values(t: TensorInfo): Storage;
  free(id: DataId): void;
}

/**
 * The CPU backend's buffer table. In `float64` precision, float32 tensors are held in Float64Array,
 * so the same kernels run in double: the reference path for finite-difference gradient checks.
 */
export class CpuStore implements KernelStore {
  private readonly buffers = new Map<DataId, Storage>();
  numBytes = 0;

  constructor(readonly precision: 'float32' | 'float64') {}

  /** A zeroed output buffer and its handle. */
  alloc(dtype: DType, size: number): { id: DataId; values: Storage } {
    const values = this.array(dtype, size);
    return { id: this.put(values), values };
  }

  /** A zeroed scratch array of the storage type (not registered). */
  array(dtype: DType, size: number): Storage {
    if (dtype === 'float32')
      return this.precision === 'float64' ? new Float64Array(size) : new Float32Array(size);
    return dtype === 'int32' ? new Int32Array(size) : new Uint8Array(size);
  }

  put(values: Storage): DataId {
    const id = {};
    this.buffers.set(id, values);
    this.numBytes += values.byteLength;
    return id;
  }

  get(id: DataId): Storage {
    const v = this.buffers.get(id);
    if (!v)
      throw new BackendError(
        'cpu: buffer not found (was it freed, or does it belong to another backend?)',
      );
    return v;
  }

  /** The values of a kernel input. */
  values(t: TensorInfo): Storage {
    return this.get(t.dataId);
  }

  free(id: DataId): void {
    const v = this.buffers.get(id);
    if (v) {
      this.numBytes -= v.byteLength;
      this.buffers.delete(id);
    }
  }

  /** A copy in the public typed array of the dtype (float32 for float64 storage). */
  toPublic(id: DataId, dtype: DType): TypedArray {
    const v = this.get(id);
    if (dtype === 'float32') return v instanceof Float32Array ? v : Float32Array.from(v);
    if (dtype === 'int32') return v instanceof Int32Array ? v : Int32Array.from(v);
    return v instanceof Uint8Array ? v : Uint8Array.from(v);
  }
}

/**
 * What a CPU-table kernel runs against: the buffer store, and the backend whose table it is in (the
 * composed kernels, softmax and the Adam step, run that backend's other kernels).
 * @example const host: CpuHost = { store: new CpuStore('float32'), backend };
 */
export interface CpuHost {
  readonly store: KernelStore;
  readonly backend: Backend;
}
