// The reference bias + activation epilogue of matMul and conv2d: the scalar functions of the elementwise table, in place.
import { UNARY } from '../../core/elementwise_table.js';
import type { DataId, Epilogue } from '../backend.js';
import type { KernelStore } from './storage.js';

/**
 * Applies `out = activation(out + bias)` in place to a product already stored under `id`, the bias
 * broadcast along the last axis of length `cols`. The activations are the table's own scalar functions,
 * so a fused layer gives exactly what the unfused ops would.
 * @example applyEpilogue(store, id, 4, { bias: null, activation: 'relu' });
 */
export function applyEpilogue(
  s: KernelStore,
  id: DataId,
  cols: number,
  epilogue: Epilogue | undefined,
): DataId {
  if (!epilogue || (epilogue.bias === null && epilogue.activation === 'linear')) return id;
  const out = s.get(id);
  const bias = epilogue.bias ? s.values(epilogue.bias) : null;
  if (bias) for (let i = 0; i < out.length; i++) out[i] += bias[i % cols];
  if (epilogue.activation !== 'linear') {
    const f: (x: number, alpha: number) => number = UNARY[epilogue.activation].fn;
    for (let i = 0; i < out.length; i++) out[i] = f(out[i], 0);
  }
  return id;
}
