// float16 at dispatch: backends compute float16 primitives in float32, and the engine rounds the results.
//
// This is the one place float16 is emulated. A primitive that touches float16 runs its rule against a
// view of the backend on which every float16 TensorInfo and dtype argument reads as float32 (so no
// backend knows float16), and each float16 output is then rounded to binary16 by the elementwise
// table's `f16round` row, which every backend already builds. Native f16 storage on WebGPU adapters
// with `shader-f16` would replace this view for that backend only.
import type { Backend, DataId, TensorInfo } from '../backends/backend.js';
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

function isInfo(x: unknown): x is TensorInfo {
  return typeof x === 'object' && x !== null && 'dataId' in x && 'dtype' in x && 'shape' in x;
}

function isHalfInfo(x: unknown): x is TensorInfo {
  return isInfo(x) && x.dtype === 'float16';
}

/** One kernel argument as the backend must see it: float16 infos and dtypes become float32. */
function toStorage(arg: unknown): unknown {
  if (arg === 'float16') return 'float32';
  if (isHalfInfo(arg)) return { dataId: arg.dataId, shape: arg.shape, dtype: 'float32' };
  if (Array.isArray(arg)) return arg.some(isHalfInfo) ? arg.map(toStorage) : arg;
  // a matMul/conv epilogue carries its bias as an info
  if (typeof arg === 'object' && arg !== null && 'bias' in arg && isHalfInfo(arg.bias))
    return { ...arg, bias: toStorage(arg.bias) };
  return arg;
}

const views = new WeakMap<Backend, Backend>();

/** The backend as float16 rules must call it: every argument mapped to its float32 storage form. */
function storageView(backend: Backend): Backend {
  let view = views.get(backend);
  if (!view) {
    view = new Proxy(backend, {
      get(target, prop) {
        const member: unknown = Reflect.get(target, prop);
        if (typeof member !== 'function') return member;
        return (...args: unknown[]): unknown => Reflect.apply(member, target, args.map(toStorage));
      },
    });
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
    const rounded = backend.unary('f16round', { ...p, dtype: 'float32' }, 'float32', 0);
    backend.free(p.dataId);
    return { dataId: rounded, shape: p.shape, dtype: 'float16' };
  });
}
