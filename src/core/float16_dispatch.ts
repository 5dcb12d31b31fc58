// float16 at dispatch: backends compute float16 primitives in float32, and the engine rounds the results.
//
// This is the one place float16 is emulated. A primitive that touches float16 runs its rule against a
// view of the backend on which every float16 TensorInfo and dtype argument reads as float32 (so no
// backend knows float16), and each float16 output is then rounded to binary16 by the elementwise
// table's `f16round` row, which every backend already builds. Native f16 storage on WebGPU adapters
// with `shader-f16` would replace this view for that backend only.
import type {
  Backend,
  BackendMemory,
  DataId,
  KernelAttrs,
  KernelName,
  KernelOutput,
  TensorInfo,
} from '../backends/backend.js';
import { type DType, storageDType, type TypedArray } from './dtype.js';
import type { Primitive, Produced } from './primitives.js';

/** Primitives that only move or select values: float16 inputs give float16-exact outputs already. */
const VALUE_PRESERVING: ReadonlySet<Primitive> = new Set<Primitive>([
  'reshape',
  'transpose',
  'slice',
  'sliceGrad',
  'broadcastTo',
  'concat',
  'gather',
  'gatherND',
  'where',
  'maxPool',
]);

/** A kernel input as the backend stores it: float16 reads as float32. */
function toStorage(t: TensorInfo): TensorInfo {
  return t.dtype === 'float16' ? { dataId: t.dataId, shape: t.shape, dtype: 'float32' } : t;
}

/** Kernel attributes as the backend must see them: an output `dtype` of float16 becomes float32. */
function attrsToStorage<K extends KernelName>(attrs: KernelAttrs[K]): KernelAttrs[K] {
  // the contract names a kernel's output dtype `dtype` (KernelAttrs); no other attribute holds one
  return 'dtype' in attrs && attrs.dtype === 'float16' ? { ...attrs, dtype: 'float32' } : attrs;
}

/**
 * The backend as float16 rules must call it: every kernel input and output dtype mapped to its float32
 * storage form. Kernels declare their tensors as `inputs` (never inside attributes), so nothing is missed.
 */
class StorageView implements Backend {
  readonly name: string;
  readonly canReadSync: boolean;
  constructor(private readonly target: Backend) {
    this.name = target.name;
    this.canReadSync = target.canReadSync;
  }
  write(values: TypedArray, dtype: DType): DataId {
    return this.target.write(values, storageDType(dtype));
  }
  read(id: DataId): Promise<TypedArray> {
    return this.target.read(id);
  }
  readSync(id: DataId): TypedArray {
    return this.target.readSync(id);
  }
  free(id: DataId): void {
    this.target.free(id);
  }
  memory(): BackendMemory {
    return this.target.memory();
  }
  dispose(): void {
    this.target.dispose();
  }
  run<K extends KernelName>(
    kernel: K,
    inputs: readonly TensorInfo[],
    attrs: KernelAttrs[K],
  ): KernelOutput<K> {
    return this.target.run(kernel, inputs.map(toStorage), attrsToStorage<K>(attrs));
  }
}

const views = new WeakMap<Backend, Backend>();

/** The storage view of a backend (one per backend). */
function storageView(backend: Backend): Backend {
  let view = views.get(backend);
  if (!view) {
    view = new StorageView(backend);
    views.set(backend, view);
  }
  return view;
}

/** Whether a primitive call involves float16: a float16 input, or a float16 dtype attribute (cast, random). */
export function touchesFloat16(inputs: readonly TensorInfo[], attrs: object): boolean {
  for (const t of inputs) if (t.dtype === 'float16') return true;
  return 'dtype' in attrs && attrs.dtype === 'float16';
}

/**
 * Runs a rule's forward with float16 emulated: the rule sees the true dtypes and decides the output
 * dtypes; the backend sees float32; fresh float16 outputs are rounded to binary16 (one pass each).
 */
export function forwardFloat16(
  prim: Primitive,
  backend: Backend,
  inputs: readonly TensorInfo[],
  forward: (b: Backend) => Produced[],
): Produced[] {
  const produced = forward(storageView(backend));
  if (VALUE_PRESERVING.has(prim) && inputs.every((t) => t.dtype !== 'float32')) return produced;
  const inputIds = new Set<DataId>(inputs.map((t) => t.dataId));
  return produced.map((p) => {
    // a view returns an input's buffer, which is float16-exact already
    if (p.dtype !== 'float16' || inputIds.has(p.dataId)) return p;
    const stored: TensorInfo = { ...p, dtype: 'float32' };
    const rounded = backend.run('unary', [stored], { op: 'f16round', dtype: 'float32', alpha: 0 });
    backend.free(p.dataId);
    return { dataId: rounded, shape: p.shape, dtype: 'float16' };
  });
}
