// The wasm 'fusedReduce' kernel: a fused program's block loop (fused.ts) with the reduce kernel's SIMD row or column loop folded into it.
//
// Rows (inner 1): each block holds whole rows of the reduced step, reduced by the plain kernel's
// rows loop as soon as the step computes them. Columns (outer 1): each block holds whole rows of the
// [mid, inner] matrix, added into the plain kernel's per-column f64 accumulators in row order. Either
// way every output sees the same operations in the same order as the unfused reduce: sums and
// products are bitwise the unfused chain's; max/min too but for NaN payloads (the column start is
// ∓Infinity instead of the first row).
import type { FusedProgram } from '../../core/fusion/program.js';
import { programOutputs } from '../../core/fusion/program.js';
import type { KernelAttrs } from '../../core/primitives.js';
import { sizeOf } from '../../core/shape.js';
import type { DataId, KernelTable, TensorInfo } from '../backend.js';
import type { WasmFused } from './fused.js';
import type { FloatReduceOp, SimdReduce } from './reduce.js';
import type { WasmStore } from './store.js';

function floatOp(op: string): op is FloatReduceOp {
  return op === 'sum' || op === 'prod' || op === 'max' || op === 'min';
}

/**
 * Runs a 'fusedReduce' kernel on the wasm heap, or returns null where the reference kernel must run
 * (not float32, not rows or columns, no SIMD).
 * @example const ids = fusedReduce(store, fused, reducer, table, inputs, attrs) ?? DECLINE;
 */
export function fusedReduce(
  store: WasmStore,
  fused: WasmFused,
  reducer: SimdReduce,
  table: () => KernelTable,
  inputs: readonly TensorInfo[],
  attrs: KernelAttrs['fusedReduce'],
): DataId[] | null {
  const { program, constants, outShape, reduce: r } = attrs;
  const op = r.op;
  const n = sizeOf(outShape);
  const rows = r.inner === 1;
  if (
    !floatOp(op) ||
    r.dtype !== 'float32' ||
    program.steps[r.step].dtype !== 'float32' ||
    n === 0 ||
    n !== r.outer * r.mid * r.inner ||
    !(rows || r.outer === 1)
  )
    return null;
  // a program that splits over the threads runs op by op (WasmFused.whole): the reduce kernel after it
  if (fused.threaded(n)) return threadedReduce(store, fused, table, inputs, attrs);
  const s = store;
  const outs = r.outer * r.inner;
  const id = s.allocRaw('float32', outs);
  const outAt = s.offsetOf(id);
  if (rows) {
    const epilogue = {
      step: r.step,
      align: r.mid,
      fold: (at: number, o: number, len: number) =>
        reducer.rowsAt(op, at, outAt + (o / r.mid) * 4, len / r.mid, r.mid),
    };
    try {
      return [...fused.run(inputs, program, constants, outShape, epilogue), id];
    } catch (e) {
      s.free(id);
      throw e;
    }
  }
  // columns: f64 accumulators for sum/prod, the output itself for max/min
  const wide = op === 'sum' || op === 'prod';
  const acc = wide ? s.heap.alloc(r.inner * 8) : null;
  const accAt = acc ? acc.offset : outAt;
  try {
    const start = op === 'sum' ? 0 : op === 'prod' ? 1 : op === 'max' ? -Infinity : Infinity;
    if (acc) new Float64Array(s.heap.memory.buffer, acc.offset, r.inner).fill(start);
    else s.get(id).fill(start);
    const epilogue = {
      step: r.step,
      align: r.inner,
      fold: (at: number, _o: number, len: number) =>
        reducer.colsAt(op, at, len / r.inner, r.inner, accAt),
    };
    const ids = fused.run(inputs, program, constants, outShape, epilogue);
    if (acc) reducer.demoteAt(acc.offset, outAt, r.inner);
    return [...ids, id];
  } catch (e) {
    s.free(id);
    throw e;
  } finally {
    if (acc) s.heap.free(acc);
  }
}

/**
 * The threaded case: the program op by op with the reduced step's value kept, then the plain reduce
 * kernel on it (both split over the threads as unfused), the kept value freed unless it is an output.
 */
function threadedReduce(
  store: WasmStore,
  fused: WasmFused,
  table: () => KernelTable,
  inputs: readonly TensorInfo[],
  attrs: KernelAttrs['fusedReduce'],
): DataId[] {
  const { program, constants, outShape, reduce: r } = attrs;
  const written = programOutputs(program);
  const k = written.indexOf(r.step);
  const keep: FusedProgram = k >= 0 ? program : { ...program, outputs: [...written, r.step] };
  const ids = fused.run(inputs, keep, constants, outShape);
  const value = ids[k >= 0 ? k : written.length];
  try {
    const x = {
      dataId: value,
      shape: [r.outer, r.mid, r.inner],
      dtype: program.steps[r.step].dtype,
    };
    const y = table().reduce([x], { op: r.op, axes: [1], dtype: r.dtype });
    return [...ids.slice(0, written.length), y];
  } finally {
    if (k < 0) store.free(value);
  }
}
