// Softmax over the last axis of small tensors in one pass over heap views: for a batch-1 classifier
// the eight composed kernel calls cost more in dispatch than the arithmetic; larger inputs keep them.
import { sizeOf } from '../../core/shape.js';
import type { DataId, TensorInfo } from '../backend.js';
import type { WasmStore } from './store.js';

/**
 * Up to this many elements the one pass wins: it costs about 36 ns an element (Math.exp in double),
 * the composed SIMD kernels about 10 µs of dispatch plus a few ns an element (measured, 1 thread:
 * [1,10] 0.6 against 7.8 µs, [4,64] 10 against 11.5, [1,512] 19 against 19, [128,10] 45 against 30).
 */
export const SOFTMAX_ONE_PASS_MAX = 256;

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
