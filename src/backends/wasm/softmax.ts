// Softmax over the last axis of small tensors in one pass over heap views: for a batch-1 classifier the
// seven composed kernels cost more in dispatch than the arithmetic; large inputs keep the SIMD kernels.
import { sizeOf } from '../../core/shape.js';
import type { DataId, TensorInfo } from '../backend.js';
import type { WasmStore } from './store.js';

/**
 * Above this many elements the composed SIMD kernels (f32x4 exp, one pass each) beat one scalar pass
 * with Math.exp; below it the six kernel dispatches they need dominate.
 */
export const SOFTMAX_ONE_PASS_MAX = 1 << 14;

/**
 * softmax(x) over the last axis as softmaxComposed (ops/softmax.ts) defines it: shift by the row's max
 * (by 0 when that max is ±Inf; a NaN anywhere gives a NaN row), exp, divide by the sum. The sum is
 * accumulated in double like the reference reduction; exp runs in double and rounds once to float32.
 * @example const id = softmaxRows(store, { dataId, shape: [1, 10], dtype: 'float32' });
 */
export function softmaxRows(s: WasmStore, x: TensorInfo): DataId {
  const size = sizeOf(x.shape);
  const n = x.shape[x.shape.length - 1];
  const id = s.allocRaw('float32', size);
  // views after the allocation: a grow would detach earlier ones
  const src = s.get(x.dataId);
  const dst = s.get(id);
  for (let o = 0; o < size; o += n) {
    let m = -Infinity;
    for (let j = o; j < o + n; j++) {
      const v = src[j];
      if (v > m || v !== v) m = v;
      if (m !== m) break;
    }
    const shift = Number.isFinite(m) ? m : 0;
    let sum = 0;
    for (let j = o; j < o + n; j++) {
      const e = Math.fround(Math.exp(Math.fround(src[j] - shift)));
      dst[j] = e;
      sum += e;
    }
    const total = Math.fround(sum);
    for (let j = o; j < o + n; j++) dst[j] = dst[j] / total;
  }
  return id;
}
