// The wasm 'fused' kernel: a fused program run block by block on heap scratch, each step by the SIMD kernel its unfused op would use.
//
// A block of BLOCK floats per step stays in L1, so a chain streams its inputs and output through
// memory once instead of once per op, and dispatches once. Each step runs exactly the code its own
// kernel runs on wasm (the f32x4 unary and binary kernels, the SIMD casts, the predicate kernels for
// comparisons, bool ops and where, otherwise the reference loop), so the fused result is bitwise the
// unfused one. The blocks run on the calling thread.
import type { DType } from '../../core/dtype.js';
import {
  type FusedProgram,
  type FusedStep,
  inputLayout,
  programOutputs,
} from '../../core/fusion/program.js';
import { BackendError } from '../../core/errors.js';
import { sizeOf, type Shape } from '../../core/shape.js';
import type { DataId, KernelTable, TensorInfo } from '../backend.js';
import { gatherBlock, planScratch, runStep } from '../cpu/fused.js';
import type { Storage } from '../cpu/storage.js';
import type { SimdBroadcast } from './broadcast.js';
import type { SimdElementwise } from './elementwise.js';
import type { SimdPredicates } from './predicate.js';
import type { WasmStore } from './store.js';

/**
 * Elements per block (a multiple of 64: the SIMD kernels write whole vectors, thread shares start on
 * 16-float boundaries). 128 KB per float32 step stays in L2, and large enough that a block splits over
 * the threads as the unfused op would (a parallelFor costs a few µs).
 */
const BLOCK = 32768;

/** A slot's values in the current block: a view and its heap byte offset. */
interface Slot {
  view: Storage;
  at: number;
}

function bytesOf(dtype: DType): number {
  return dtype === 'bool' ? 1 : 4;
}

/**
 * What a reduction epilogue (fused_reduce.ts) asks of the block loop: blocks of whole multiples of
 * `align` elements, and `fold(at, o, len)` on each block of step `step`'s values (heap byte offset
 * `at`, elements [o, o + len)).
 * @example const e: BlockEpilogue = { step: 1, align: 64, fold: (at, o, len) => {} };
 */
export interface BlockEpilogue {
  readonly step: number;
  readonly align: number;
  fold(at: number, o: number, len: number): void;
}

/**
 * The fused kernel of one wasm heap.
 * @example const k = new WasmFused(store, simd, broadcaster); k.run(inputs, program, [], shape, 'float32');
 */
export class WasmFused {
  /**
   * @param table the backend's kernel table (read when a program runs), for chains whose ops split
   *   over threads: those run op by op with the plain kernels (see `whole`)
   */
  constructor(
    private readonly store: WasmStore,
    private readonly simd: SimdElementwise | null,
    private readonly broadcaster: SimdBroadcast | null,
    private readonly table: () => KernelTable,
    private readonly predicates: SimdPredicates | null = null,
  ) {}

  /**
   * A chain whose ops would split over the threads runs op by op with the backend's own kernels (so
   * exactly the unfused work and thread hand-offs, each costing µs, far more on a busy core), in one
   * dispatch, each temporary freed after its last use. Returns the output buffers.
   */
  private whole(
    inputs: readonly TensorInfo[],
    program: FusedProgram,
    constants: readonly number[],
    outShape: Shape,
  ): DataId[] {
    const s = this.store;
    const table = this.table();
    const base = inputs.length + constants.length;
    const made: DataId[] = [];
    // an input read through a view (an absorbed transpose or slice) is copied out first
    const slots: TensorInfo[] = inputs.map((t, i) => {
      const v = program.views?.[i];
      if (!v) return t;
      const id = table.copyStrided([t], {
        outShape: v.shape,
        offset: v.view.offset,
        strides: v.view.strides,
      });
      made.push(id);
      return { dataId: id, shape: v.shape, dtype: t.dtype };
    });
    program.constants.forEach((dt, k) => {
      const id = s.allocRaw(dt, 1);
      s.get(id)[0] = constants[k];
      made.push(id);
      slots.push({ dataId: id, shape: [], dtype: dt });
    });
    const lastUse = program.steps.map(() => -1);
    program.steps.forEach((st, j) => {
      for (const a of st.args) if (a >= base) lastUse[a - base] = j;
    });
    const written = programOutputs(program);
    const outs: (DataId | null)[] = written.map(() => null);
    try {
      for (let j = 0; j < program.steps.length; j++) {
        const st = program.steps[j];
        const args = st.args.map((a) => slots[a]);
        const dtype = st.dtype;
        let id: DataId;
        if (st.kind === 'unary') id = table.unary(args, { op: st.op, dtype, alpha: st.alpha });
        else if (st.kind === 'binary') id = table.binary(args, { op: st.op, outShape, dtype });
        else if (st.kind === 'cast') id = table.cast(args, { dtype });
        else id = table.where(args, { outShape, dtype });
        slots.push({ dataId: id, shape: outShape, dtype });
        const k = written.indexOf(j);
        if (k >= 0) outs[k] = id;
        else made.push(id);
        for (const a of new Set(st.args))
          if (a >= base && lastUse[a - base] === j && !written.includes(a - base))
            s.free(slots[a].dataId);
      }
    } catch (e) {
      for (const id of outs) if (id !== null) s.free(id);
      throw e;
    } finally {
      // every temporary (freeing one twice is a no-op in the store)
      for (const id of made) s.free(id);
    }
    return outs.map((id) => {
      if (id === null) throw new BackendError('fused: a program output no step wrote');
      return id;
    });
  }

  /** Whether a program over n elements runs op by op over the threads (see `whole`). */
  threaded(n: number): boolean {
    return this.simd?.threaded(n) ?? false;
  }

  /**
   * Runs a fused program (see KernelAttrs['fused']); returns one buffer per program output. With an
   * epilogue (fused_reduce.ts), blocks hold a whole multiple of `epilogue.align` elements and
   * `epilogue.fold` sees each block of step `epilogue.step` right after it is computed.
   */
  run(
    inputs: readonly TensorInfo[],
    program: FusedProgram,
    constants: readonly number[],
    outShape: Shape,
    epilogue?: BlockEpilogue,
  ): DataId[] {
    const s = this.store;
    const n = sizeOf(outShape);
    if (!epilogue && this.simd?.threaded(n))
      return this.whole(inputs, program, constants, outShape);
    const align = epilogue?.align ?? 1;
    const width = epilogue
      ? Math.max(1, Math.floor(Math.min(BLOCK, n) / align)) * align
      : Math.ceil(Math.min(BLOCK, n) / 4) * 4;
    // scratch in whole vectors
    const room = Math.ceil(width / 4) * 4;
    const written = programOutputs(program);
    const outs = written.map((j) => s.allocRaw(program.steps[j].dtype, n));
    const nIn = inputs.length;
    const nc = constants.length;
    const plan = planScratch(program);
    // scratch on the heap (the SIMD kernels read and write it): broadcast inputs, constants, steps
    const scratch: (DataId | null)[] = [
      ...inputs.map((t, i) => (program.patterns[i] === 'f' ? null : s.allocRaw(t.dtype, room))),
      ...program.constants.map((dt) => s.allocRaw(dt, room)),
      ...plan.dtypes.map((dt) => s.allocRaw(dt, room)),
    ];
    try {
      // NOTE: views only after every allocation: a heap grow detaches earlier ones
      const view = (id: DataId | null): Slot | null =>
        id === null ? null : { view: s.get(id), at: s.offsetOf(id) };
      const fixed = scratch.map(view);
      const stepSlot = plan.of.map((b) => (b < 0 ? null : fixed[nIn + nc + b]));
      const srcs = inputs.map((t) => s.get(t.dataId));
      const srcAt = inputs.map((t) => s.offsetOf(t.dataId));
      const outOf = new Map(
        written.map((j, k) => [j, { view: s.get(outs[k]), at: s.offsetOf(outs[k]) }] as const),
      );
      const types: DType[] = [
        ...program.inputs,
        ...program.constants,
        ...program.steps.map((st) => st.dtype),
      ];
      const layouts = inputs.map((t, i) =>
        program.patterns[i] === 'b' ? inputLayout(program, i, t.shape, outShape) : null,
      );
      inputs.forEach((_, i) => {
        const f = fixed[i];
        if (f && program.patterns[i] === 's') f.view.fill(srcs[i][0]);
      });
      constants.forEach((v, k) => fixed[nIn + k]?.view.fill(v));
      const slots: Slot[] = new Array<Slot>(types.length);
      for (let k = 0; k < nc; k++) {
        const c = fixed[nIn + k];
        if (c) slots[nIn + k] = c;
      }
      const last = program.steps.length - 1;
      for (let o = 0; o < n; o += width) {
        const len = Math.min(width, n - o);
        for (let i = 0; i < nIn; i++) {
          const f = fixed[i];
          if (!f) {
            const b = bytesOf(program.inputs[i]);
            slots[i] = { view: srcs[i].subarray(o, o + len), at: srcAt[i] + o * b };
          } else {
            const at = layouts[i];
            if (at) gatherBlock(srcs[i], at.strides, outShape, o, len, f.view, at.offset);
            slots[i] = f;
          }
        }
        for (let j = 0; j <= last; j++) {
          const step = program.steps[j];
          const target = stepSlot[j] ?? this.outBlock(outOf.get(j), step.dtype, o, len);
          this.step(
            step,
            step.args.map((a) => slots[a]),
            step.args.map((a) => types[a]),
            target,
            len,
            n,
          );
          slots[nIn + nc + j] = target;
          // before a later step may take this step's scratch
          if (epilogue && j === epilogue.step) epilogue.fold(target.at, o, len);
        }
      }
    } finally {
      for (const id of scratch) if (id !== null) s.free(id);
    }
    return outs;
  }

  /** The block [o, o + len) of an output buffer, as a slot. */
  private outBlock(out: Slot | undefined, dtype: DType, o: number, len: number): Slot {
    if (!out) throw new BackendError('fused: a step has neither scratch nor an output');
    return { view: out.view.subarray(o, o + len), at: out.at + o * bytesOf(dtype) };
  }

  /** One step on one block: the SIMD kernel the unfused op would run, else the reference loop. */
  private step(
    step: FusedStep,
    args: readonly Slot[],
    types: readonly DType[],
    out: Slot,
    len: number,
    total: number,
  ): void {
    const simd = this.simd;
    const allFloat = step.dtype === 'float32' && types.every((t) => t === 'float32');
    if (simd && allFloat) {
      if (
        step.kind === 'unary' &&
        simd.unaryAt(step.op, args[0].at, out.at, len, step.alpha, total)
      )
        return;
      if (
        step.kind === 'binary' &&
        simd.binaryAt(step.op, args[0].at, args[1].at, out.at, len, total)
      )
        return;
    }
    const bc = this.broadcaster;
    if (bc && step.kind === 'cast') {
      const pair = `${types[0]}>${step.dtype}`;
      if (pair === 'float32>int32' || pair === 'int32>float32') {
        bc.castAt(step.dtype === 'int32', args[0].at, out.at, len);
        return;
      }
    }
    // comparisons, logical ops, class tests, bool casts and where: the predicate kernels
    const op = step.kind === 'unary' || step.kind === 'binary' ? step.op : '';
    const at = args.map((a) => a.at);
    if (this.predicates?.runAt(step.kind, op, types, step.dtype, at, out.at, len)) return;
    runStep(
      step,
      args.map((a) => a.view),
      types,
      out.view,
      len,
    );
  }
}
