// The wasm 'fusedReduce' kernel: a fused program's block loop (fused.ts) with the reduce kernel's SIMD row or column loop folded into it.
//
// The program's steps always run as the wasm 'fused' kernel runs them (its SIMD step kernels: the
// reference's JS loops round some functions differently), and the reduction follows the loop the
// plain wasm reduce kernel would run for the same value. Rows (inner 1): each block holds whole rows,
// reduced by the plain kernel's rows loop as soon as the step computes them. Columns (outer 1): each
// block holds whole rows of the [mid, inner] matrix, added into the plain kernel's per-column f64
// accumulators in row order. [outer, mid, inner]: each block holds whole slabs, each one column
// reduction. Other dtypes and any/all, where the plain kernel runs the reference, fold into doubles
// in the reference's order. Sums and products are bitwise the unfused chain's; max/min too but for
// NaN payloads (a column starts at ∓Infinity instead of its first row).
import type { FusedProgram } from '../../core/fusion/program.js';
import { programOutputs } from '../../core/fusion/program.js';
import type { KernelAttrs } from '../../core/primitives.js';
import { reduceIdentity } from '../../core/fusion/fused_reduce.js';
import { sizeOf } from '../../core/shape.js';
import { foldBlock } from '../cpu/fused.js';
import type { DataId, KernelTable, TensorInfo } from '../backend.js';
import type { BlockEpilogue, WasmFused } from './fused.js';
import type { FloatReduceOp, SimdReduce } from './reduce.js';
import type { WasmStore } from './store.js';

function floatOp(op: string): op is FloatReduceOp {
  return op === 'sum' || op === 'prod' || op === 'max' || op === 'min';
}

/**
 * Runs a 'fusedReduce' kernel on the wasm heap (with SIMD: the caller declines without), or returns
 * null for an empty or inconsistent layout (the reference kernel then runs).
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
  const n = sizeOf(outShape);
  if (n === 0 || n !== r.outer * r.mid * r.inner) return null;
  // a program that splits over the threads runs op by op (WasmFused.whole): the reduce kernel after it
  if (fused.threaded(program, n)) return threadedReduce(store, fused, table, inputs, attrs);
  const s = store;
  const op = r.op;
  const outs = r.outer * r.inner;
  const simd = floatOp(op) && r.dtype === 'float32' && program.steps[r.step].dtype === 'float32';
  const id = s.allocRaw(r.dtype, outs);
  const outAt = s.offsetOf(id);
  // sums and products of columns accumulate in doubles (inner of them, on the heap)
  const wide = simd && r.inner > 1 && (op === 'sum' || op === 'prod');
  const acc = wide ? s.heap.alloc(r.inner * 8) : null;
  const accAt = acc ? acc.offset : outAt;
  const start = reduceIdentity(op);
  const slab = r.mid * r.inner;
  /** Starts the accumulators of outer slab `k` (columns only). */
  const begin = (k: number): void => {
    if (acc) new Float64Array(s.heap.memory.buffer, acc.offset, r.inner).fill(start);
    else s.get(id).fill(start, k * r.inner, (k + 1) * r.inner);
  };
  let epilogue: BlockEpilogue;
  // where the plain kernel runs the reference (other dtypes, any/all), its double accumulators
  const host = simd ? null : new Float64Array(outs).fill(start);
  if (host) {
    epilogue = {
      step: r.step,
      align: 1,
      fold: (at, o, len) => {
        const dtype = program.steps[r.step].dtype;
        foldBlock(r, host, s.view(dtype, at, len), o, len);
      },
    };
  } else if (r.inner === 1) {
    // rows: each block holds whole rows, reduced by the plain kernel's rows loop
    epilogue = {
      step: r.step,
      align: r.mid,
      fold: (at, o, len) =>
        reducer.rowsAt(op as FloatReduceOp, at, outAt + (o / r.mid) * 4, len / r.mid, r.mid),
    };
  } else if (r.outer === 1) {
    // columns: blocks of whole rows streamed into the per-column accumulators, in row order
    begin(0);
    epilogue = {
      step: r.step,
      align: r.inner,
      fold: (at, _o, len) => reducer.colsAt(op as FloatReduceOp, at, len / r.inner, r.inner, accAt),
    };
  } else {
    // [outer, mid, inner]: blocks of whole slabs, each reduced as one column reduction
    epilogue = {
      step: r.step,
      align: slab,
      fold: (at, o, len) => {
        for (let k = o / slab; k < (o + len) / slab; k++) {
          begin(k);
          const base = acc ? accAt : outAt + k * r.inner * 4;
          reducer.colsAt(op as FloatReduceOp, at + (k * slab - o) * 4, r.mid, r.inner, base);
          if (acc) reducer.demoteAt(acc.offset, outAt + k * r.inner * 4, r.inner);
        }
      },
    };
  }
  try {
    const ids = fused.run(inputs, program, constants, outShape, epilogue);
    if (host) s.get(id).set(host);
    else if (acc && r.outer === 1) reducer.demoteAt(acc.offset, outAt, r.inner);
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
