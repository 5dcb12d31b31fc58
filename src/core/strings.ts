// String tensors: UTF-8 values kept on the host, and how movement primitives reach them through index tensors.
//
// Design. A `string` tensor is an ordinary Tensor (id, shape, scope, tape key) whose buffer record in the
// engine holds its values as one Uint8Array per element (UTF-8, as tfjs) instead of a backend buffer.
// So memory(), dispose, tidy, keep and the leak reporter count string tensors exactly as numeric ones,
// on whichever backend is current (cpu, wasm or webgpu), and no backend has a string kernel.
// String values never reach a numeric kernel: the engine refuses every primitive on a string input but
// the movement primitives (STRING_PRIMITIVES). Those run unchanged on an int32 tensor of element indices
// with the same shape, on a private cpu backend (synchronously, whatever the current backend is), and
// the strings are then gathered on the host by the indices that come out. So reshape, transpose, slice,
// reverse, tile, broadcastTo, concat, stack, unstack, gather, ... need no code of their own for strings.
// Ops that accept strings convert their arguments with toTensorAny (ops/convert.ts); every other op's
// conversion refuses a string tensor with tfjs's wording ("must be numeric tensor"). No gradients.
import type { Backend, DataId, TensorInfo } from '../backends/backend.js';
import { createCpuBackendSync } from '../backends/cpu/index.js';
import { ruleFor } from '../ops/rules.js';
import { BackendError, DTypeError } from './errors.js';
import type { Primitive, PrimitiveAttrs } from './primitives.js';
import type { Shape } from './shape.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

/**
 * UTF-8 bytes of a string. @example encodeString('hé') // Uint8Array [104, 195, 169]
 */
export function encodeString(s: string): Uint8Array {
  return encoder.encode(s);
}

/** The string of UTF-8 bytes (invalid sequences become U+FFFD). @example decodeString(new Uint8Array([104, 105])) // 'hi' */
export function decodeString(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/**
 * The primitives that only move or copy elements, so they are defined for strings. Any other
 * primitive given a string input throws a DTypeError.
 */
const STRING_PRIMITIVES: ReadonlySet<Primitive> = new Set<Primitive>([
  'reshape',
  'transpose',
  'slice',
  'broadcastTo',
  'concat',
  'gather',
  'gatherND',
  'where',
]);

/** Whether a primitive moves elements without computing on them. @example movesStrings('concat') // true */
export function movesStrings(prim: Primitive): boolean {
  return STRING_PRIMITIVES.has(prim);
}

/**
 * One input of a string primitive: a string tensor's values, or a numeric tensor (indices).
 * @example const x: StringPrimInput = { kind: 'string', values: [encodeString('a')], shape: [1] };
 */
export type StringPrimInput =
  | { readonly kind: 'string'; readonly values: readonly Uint8Array[]; readonly shape: Shape }
  | { readonly kind: 'numeric'; readonly info: TensorInfo; readonly backend: Backend };

/**
 * What a string primitive produced: new values, or a view of input `shares` (reshape).
 * @example if (out.kind === 'view') console.log(`same values as input ${out.shares}`);
 */
export type StringPrimOutput =
  | { readonly kind: 'view'; readonly shares: number; readonly shape: Shape }
  | { readonly kind: 'new'; readonly values: Uint8Array[]; readonly shape: Shape };

let indexBackend: Backend | null = null;

/** The private cpu backend that moves index tensors: synchronous on every platform. */
function indexer(): Backend {
  indexBackend ??= createCpuBackendSync();
  return indexBackend;
}

/**
 * Runs a movement primitive on string values: each string input becomes an int32 tensor of its
 * element indices (offset, so that concat's inputs index one pool), the primitive's own rule runs on
 * those, and the output's indices pick the strings.
 * @example runStringPrimitive('transpose', [{ kind: 'string', values, shape: [2, 3] }], { perm: [1, 0] })
 */
export function runStringPrimitive<P extends Primitive>(
  prim: P,
  inputs: readonly StringPrimInput[],
  attrs: PrimitiveAttrs[P],
): StringPrimOutput {
  if (!movesStrings(prim))
    throw new DTypeError(
      `${prim}: string tensors only support ops that move elements (reshape, slice, concat, gather, ...); '${prim}' computes on numbers`,
    );
  const cpu = indexer();
  const pool: Uint8Array[] = [];
  const infos: TensorInfo[] = [];
  const temporary: DataId[] = [];
  // which string input an index buffer stands for (a primitive that returns it made a view)
  const standsFor = new Map<DataId, number>();
  try {
    inputs.forEach((input, i) => {
      if (input.kind === 'string') {
        const idx = new Int32Array(input.values.length);
        for (let k = 0; k < idx.length; k++) idx[k] = pool.length + k;
        for (const v of input.values) pool.push(v);
        const dataId = cpu.write(idx, 'int32');
        temporary.push(dataId);
        standsFor.set(dataId, i);
        infos.push({ dataId, shape: input.shape, dtype: 'int32' });
        return;
      }
      const { info, backend } = input;
      if (info.dtype === 'string' || info.dtype === 'float16')
        throw new DTypeError(`${prim}: input ${i} has dtype '${info.dtype}' beside string values`);
      if (backend === cpu) {
        infos.push(info);
        return;
      }
      if (!backend.canReadSync)
        throw new BackendError(
          `${prim}: the index tensor lives on backend '${backend.name}', which cannot be read synchronously; move it with await nr.moveToBackend(t, 'cpu')`,
        );
      const dataId = cpu.write(backend.readSync(info.dataId), info.dtype);
      temporary.push(dataId);
      infos.push({ dataId, shape: info.shape, dtype: info.dtype });
    });
    const [out] = ruleFor(prim).forward(cpu, infos, attrs);
    const shared = standsFor.get(out.dataId);
    if (shared !== undefined) return { kind: 'view', shares: shared, shape: out.shape };
    temporary.push(out.dataId);
    const picked = cpu.readSync(out.dataId);
    const values = new Array<Uint8Array>(picked.length);
    for (let k = 0; k < picked.length; k++) values[k] = pool[picked[k]];
    return { kind: 'new', values, shape: out.shape };
  } finally {
    for (const id of temporary) cpu.free(id);
  }
}
