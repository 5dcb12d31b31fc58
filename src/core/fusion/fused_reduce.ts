// A fused program's reduction epilogue: which step's value is reduced, how its elements group into output rows, and the CPU order of accumulation.
import type { ReduceOp } from '../../backends/backend.js';
import type { DType } from '../dtype.js';
import type { Shape } from '../shape.js';

/**
 * The reduction a 'fusedReduce' kernel applies to one step of its program: the step's value, viewed as
 * [outer, mid, inner] (flat order), reduced over mid to an [outer, inner] output of `dtype`. Rows
 * (LayerNorm, softmax, losses) have inner 1; columns (bias gradients) have outer 1.
 * @example const r: ReduceEpilogue = { op: 'sum', step: 2, outer: 1, mid: 2048, inner: 64, dtype: 'float32' };
 */
export interface ReduceEpilogue {
  readonly op: ReduceOp;
  /** The program step whose value is reduced. */
  readonly step: number;
  readonly outer: number;
  readonly mid: number;
  readonly inner: number;
  /** The reduction's output dtype (the 'reduce' kernel's `dtype`). */
  readonly dtype: DType;
}

/**
 * The [outer, mid, inner] view of reducing `shape` over `axes`, size-1 dims dropped and neighbouring
 * kept or reduced dims merged; null where the reduced dims are not one run (they cannot be read as
 * one [outer, mid, inner] block). The wasm reduce kernel and nr.jit's fusion pass share it.
 * @example reduceLayout([2, 3, 4], [1]) // { outer: 2, mid: 3, inner: 4 }
 */
export function reduceLayout(
  shape: Shape,
  axes: readonly number[],
): { outer: number; mid: number; inner: number } | null {
  const runs: { reduced: boolean; size: number }[] = [];
  shape.forEach((d, i) => {
    if (d === 1) return;
    const reduced = axes.includes(i);
    const last = runs[runs.length - 1];
    if (last && last.reduced === reduced) last.size *= d;
    else runs.push({ reduced, size: d });
  });
  const r = runs.findIndex((run) => run.reduced);
  if (r < 0 || runs.slice(r + 1).some((run) => run.reduced)) return null;
  return {
    outer: r > 0 ? runs[0].size : 1,
    mid: runs[r].size,
    inner: r + 1 < runs.length ? runs[r + 1].size : 1,
  };
}

/**
 * The start value of a reduction's accumulator (as the CPU reduce kernel starts it).
 * @example reduceIdentity('max') // -Infinity
 */
export function reduceIdentity(op: ReduceOp): number {
  switch (op) {
    case 'sum':
    case 'any':
      return 0;
    case 'prod':
    case 'all':
      return 1;
    case 'max':
      return Number.NEGATIVE_INFINITY;
    case 'min':
      return Number.POSITIVE_INFINITY;
    default:
      return op satisfies never;
  }
}

/**
 * One value folded into a reduction's accumulator by the CPU reduce kernel's rule for each op: a
 * double accumulator for sum and prod, the first NaN sticking in max and min, any/all as 0/1.
 * @example acc = combine('sum', acc, 2.5);
 */
export function combine(op: ReduceOp, acc: number, v: number): number {
  switch (op) {
    case 'sum':
      return acc + v;
    case 'prod':
      return acc * v;
    case 'max':
      return Number.isNaN(acc) || !(v > acc || Number.isNaN(v)) ? acc : v;
    case 'min':
      return Number.isNaN(acc) || !(v < acc || Number.isNaN(v)) ? acc : v;
    case 'any':
      return acc || v ? 1 : 0;
    case 'all':
      return acc && v ? 1 : 0;
    default:
      return op satisfies never;
  }
}
