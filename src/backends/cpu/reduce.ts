// CPU reductions: axes are moved last by a strided copy, then each row is reduced in a tight loop.
import type { DType } from '../../core/dtype.js';
import { sizeOf, stridesOf } from '../../core/shape.js';
import type { DataId, ReduceOp, TensorInfo } from '../backend.js';
import { gatherStrided } from './movement.js';
import type { KernelStore, Storage } from './storage.js';
import type { SomeHostKernels } from '../kernel_table.js';
import type { CpuHost } from './storage.js';

/** x's values with `axes` moved last, as [outer, inner] rows. */
function rowsWithAxesLast(
  s: KernelStore,
  x: TensorInfo,
  axes: readonly number[],
): { rows: Storage; outer: number; inner: number } {
  const xv = s.values(x);
  const rest = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const inner = sizeOf(axes.map((a) => x.shape[a]));
  const outer = sizeOf(rest.map((a) => x.shape[a]));
  const tail = axes.every((a, i) => a === x.shape.length - axes.length + i);
  if (tail) return { rows: xv, outer, inner };
  const perm = [...rest, ...axes];
  const base = stridesOf(x.shape);
  const rows = s.array(x.dtype, xv.length);
  gatherStrided(
    xv,
    rows,
    perm.map((p) => x.shape[p]),
    0,
    perm.map((p) => base[p]),
  );
  return { rows, outer, inner };
}

export function reduce(
  s: KernelStore,
  op: ReduceOp,
  x: TensorInfo,
  axes: readonly number[],
  outDtype: DType,
): DataId {
  const { rows, outer, inner } = rowsWithAxesLast(s, x, axes);
  const { id, values } = s.alloc(outDtype, outer);
  for (let o = 0; o < outer; o++) {
    const start = o * inner;
    let acc: number;
    switch (op) {
      case 'sum':
        acc = 0;
        for (let i = 0; i < inner; i++) acc += rows[start + i];
        break;
      case 'prod':
        acc = 1;
        for (let i = 0; i < inner; i++) acc *= rows[start + i];
        break;
      case 'max':
        acc = -Infinity;
        for (let i = 0; i < inner; i++) {
          const v = rows[start + i];
          if (v > acc || Number.isNaN(v)) acc = v;
          if (Number.isNaN(acc)) break;
        }
        break;
      case 'min':
        acc = Infinity;
        for (let i = 0; i < inner; i++) {
          const v = rows[start + i];
          if (v < acc || Number.isNaN(v)) acc = v;
          if (Number.isNaN(acc)) break;
        }
        break;
      case 'any':
        acc = 0;
        for (let i = 0; i < inner && !acc; i++) if (rows[start + i]) acc = 1;
        break;
      case 'all':
        acc = 1;
        for (let i = 0; i < inner && acc; i++) if (!rows[start + i]) acc = 0;
        break;
      default:
        return op satisfies never;
    }
    values[o] = acc;
  }
  return id;
}

export function argReduce(
  s: KernelStore,
  op: 'argMax' | 'argMin',
  x: TensorInfo,
  axis: number,
): DataId {
  const { rows, outer, inner } = rowsWithAxesLast(s, x, [axis]);
  const { id, values } = s.alloc('int32', outer);
  const better =
    op === 'argMax' ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
  for (let o = 0; o < outer; o++) {
    const start = o * inner;
    let best = 0;
    let bestV = rows[start];
    for (let i = 1; i < inner && !Number.isNaN(bestV); i++) {
      const v = rows[start + i];
      // NaN wins, as in numpy: it is the first NaN's index.
      if (Number.isNaN(v) || better(v, bestV)) {
        best = i;
        bestV = v;
      }
    }
    values[o] = best;
  }
  return id;
}

export function cumulative(
  s: KernelStore,
  op: 'sum' | 'prod',
  x: TensorInfo,
  axis: number,
  exclusive: boolean,
  reverse: boolean,
): DataId {
  const xv = s.values(x);
  const { id, values } = s.alloc(x.dtype, xv.length);
  const n = x.shape[axis];
  const inner = sizeOf(x.shape.slice(axis + 1));
  const outer = sizeOf(x.shape.slice(0, axis));
  const init = op === 'sum' ? 0 : 1;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let acc = init;
      for (let k = 0; k < n; k++) {
        const j = base + (reverse ? n - 1 - k : k) * inner;
        if (exclusive) {
          values[j] = acc;
          acc = op === 'sum' ? acc + xv[j] : acc * xv[j];
        } else {
          acc = op === 'sum' ? acc + xv[j] : acc * xv[j];
          values[j] = acc;
        }
      }
    }
  }
  return id;
}

/** The reduction kernels of the CPU table. @example CPU_REDUCE.argReduce(host, [x], { op: 'argMax', axis: 0 }) */
export const CPU_REDUCE = {
  reduce: (h, [x], a) => reduce(h.store, a.op, x, a.axes, a.dtype),
  argReduce: (h, [x], a) => argReduce(h.store, a.op, x, a.axis),
  cumulative: (h, [x], a) => cumulative(h.store, a.op, x, a.axis, a.exclusive, a.reverse),
} satisfies SomeHostKernels<CpuHost>;
