// The reference adamUpdate kernel: one loop per variable, all of a step's variables in one call.
import { UNARY } from '../../core/elementwise_table.js';
import type { AdamAttrs, DataId, TensorInfo } from '../backend.js';
import { adamList } from '../adam_list.js';
import type { SomeHostKernels } from '../kernel_table.js';
import type { CpuHost, KernelStore } from './storage.js';

const identity = (x: number): number => x;
/** The flushSubnormal kernel's own function (|x| < FLT_MIN to 0), so both round the same way. */
const flush = UNARY.flushSubnormal.fn;

/**
 * One Adam step for every variable of `inputs` ([g0, m0, v0, w0, g1, ..., alpha]); returns
 * [m0', v0', w0', m1', ...]. Each element runs adamComposed's kernels (backends/composed.ts) in their
 * order, every intermediate rounded as the separate kernels store it (to float32, or not at all in the
 * cpu's float64 precision), and the constants rounded to float32 as adamComposed writes them: the
 * results are bitwise the composed kernels'.
 * m' = flush(m + (g - m)·c1); v' = flush(v + (g² - v)·c2); w' = w - (m'·alpha) / (√v' + ε).
 * @example const [m2, v2, w2] = adamLoop(store, [g, m, v, w, alpha], { c1: 0.1, c2: 0.001, epsilon: 1e-7 });
 */
export function adamLoop(
  store: KernelStore,
  inputs: readonly TensorInfo[],
  { c1, c2, epsilon }: AdamAttrs,
): DataId[] {
  const { variables, alpha } = adamList(inputs);
  // NOTE: every output first, views after: on the wasm heap an allocation may grow the memory and
  // detach views taken before it
  const ids = variables.flatMap(({ size }) => [0, 1, 2].map(() => store.alloc('float32', size).id));
  const round = store.precision === 'float32' ? Math.fround : identity;
  // adamComposed writes them as float32 scalars
  const [k1, k2, eps] = [c1, c2, epsilon].map(Math.fround);
  const a = store.values(alpha)[0];
  variables.forEach(({ g, m, v, w, size }, j) => {
    const [G, M, V, W] = [g, m, v, w].map((t) => store.values(t));
    const [mOut, vOut, wOut] = ids.slice(3 * j, 3 * j + 3).map((id) => store.get(id));
    for (let i = 0; i < size; i++) {
      const gi = G[i];
      const mi = M[i];
      const vi = V[i];
      const m1 = round(mi + round(round(gi - mi) * k1));
      const mNew = flush(m1);
      const v1 = round(vi + round(round(round(gi * gi) - vi) * k2));
      const vNew = flush(v1);
      mOut[i] = mNew;
      vOut[i] = vNew;
      wOut[i] = W[i] - round(round(mNew * a) / round(round(Math.sqrt(vNew)) + eps));
    }
  });
  return ids;
}

/** The adamUpdate kernel of the reference table. @example CPU_ADAM.adamUpdate(host, [g, m, v, w, alpha], attrs) */
export const CPU_ADAM = {
  adamUpdate: (h, inputs, a) => adamLoop(h.store, inputs, a),
} satisfies SomeHostKernels<CpuHost>;
