// The wasm 'fused' kernel: a fused program run block by block on heap scratch, each step by the SIMD kernel its unfused op would use.
//
// A block of BLOCK floats per step stays in cache, so a chain streams its inputs and outputs through
// memory once instead of once per op, and dispatches once. Each step runs exactly the code its own
// kernel runs on wasm (the f32x4 unary and binary kernels, the broadcast binary kernels for a float32
// broadcast input read in place, the SIMD casts, the predicate kernels for comparisons, bool ops and
// where, otherwise the reference loop), so the fused result is bitwise the unfused one. Other broadcast
// inputs are gathered per block by a wasm copy kernel; a scalar only SIMD binaries read is 4 lanes read
// with stride 0. The blocks run on the calling thread; a program with a step that would split over
// threads runs op by op instead (see `whole`).
import type { DType } from '../../core/dtype.js';
import {
  type FusedProgram,
  type FusedStep,
  inputLayout,
  programOutputs,
} from '../../core/fusion/program.js';
import { BackendError } from '../../core/errors.js';
import { broadcastShapes, sizeOf, type Shape } from '../../core/shape.js';
import type { DataId, KernelTable, TensorInfo } from '../backend.js';
import { broadcastStrides } from '../cpu/elementwise.js';
import { gatherBlock, planScratch, runStep } from '../cpu/fused.js';
import type { SimdBroadcast } from './broadcast.js';
import { isSimdBinaryOp, type SimdElementwise } from './elementwise.js';
import { contiguousStrides, forPieces, smallPlanes, type Walk, walkOf } from './fused_walk.js';
import type { SimdPredicates } from './predicate.js';
import type { WasmStore } from './store.js';

/**
 * Elements per block (a multiple of 64: the SIMD kernels write whole vectors, thread shares start on
 * 16-float boundaries). 128 KB per float32 step stays in L2, and large enough that a block splits over
 * the threads as the unfused op would (a parallelFor costs a few µs).
 */
const BLOCK = 32768;

function bytesOf(dtype: DType): 1 | 4 {
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

/** `bytes` rounded up to 16 (scratch areas start on vector boundaries). */
function padded(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

/**
 * What a run derives from its program alone, once per program object. Slots are the program's:
 * inputs, constants, then steps.
 */
interface Layout {
  nIn: number;
  nc: number;
  /** The dtype of every slot. */
  types: DType[];
  /** The steps written to output buffers, in output order; outputOf[j] is step j's output or -1. */
  written: readonly number[];
  outputOf: number[];
  /** Scratch arrays of the steps (cpu/fused.ts planScratch). */
  plan: { of: number[]; dtypes: DType[] };
  /** Per step: its argument dtypes, and whether it and they are all float32 (the SIMD kernels). */
  argTypes: DType[][];
  floats: boolean[];
  /**
   * Per slot: a scalar (an 's' input or a constant) that only SIMD binary steps read, so 4 lanes
   * read with stride 0 serve a whole block (as the unfused kernel reads a scalar operand).
   */
  lanes: boolean[];
  /**
   * Per input: a float32 broadcast ('b') input that only SIMD binary steps read, so those steps can
   * read it in place with the broadcast kernels instead of a gathered copy (see `pieces`).
   */
  direct: boolean[];
  /** Per step: a float32 binary op with a SIMD kernel. */
  simdBinary: boolean[];
  /** The SIMD ops of the steps, for the thread split test. */
  splitting: ['unary' | 'binary', string][];
}

function makeLayout(program: FusedProgram, simd: boolean): Layout {
  const nIn = program.inputs.length;
  const nc = program.constants.length;
  const types: DType[] = [
    ...program.inputs,
    ...program.constants,
    ...program.steps.map((st) => st.dtype),
  ];
  const written = programOutputs(program);
  const argTypes = program.steps.map((st) => st.args.map((a) => types[a]));
  const floats = program.steps.map(
    (st, j) => st.dtype === 'float32' && argTypes[j].every((t) => t === 'float32'),
  );
  const scalar = (a: number): boolean => (a >= nIn ? a < nIn + nc : program.patterns[a] === 's');
  const lanes = types.map((_, a) => scalar(a) && simd);
  const direct = program.inputs.map((dt, i) => dt === 'float32' && program.patterns[i] === 'b');
  const simdBinary = program.steps.map(
    (st, j) => simd && st.kind === 'binary' && floats[j] && isSimdBinaryOp(st.op),
  );
  program.steps.forEach((st, j) => {
    if (simdBinary[j]) return;
    for (const a of st.args) {
      lanes[a] = false;
      if (a < nIn) direct[a] = false;
    }
  });
  const splitting: ['unary' | 'binary', string][] = [];
  program.steps.forEach((st, j) => {
    if ((st.kind === 'unary' || st.kind === 'binary') && floats[j])
      splitting.push([st.kind, st.op]);
  });
  return {
    nIn,
    nc,
    types,
    written,
    outputOf: program.steps.map((_, j) => written.indexOf(j)),
    plan: planScratch(program),
    argTypes,
    floats,
    lanes,
    direct: direct.map((d) => d && simd),
    simdBinary,
    splitting,
  };
}

/** What a run derives from its program and shapes (cached: nr.jit replays the same ones). */
interface RunPlan {
  /** Elements per block. */
  width: number;
  /** Per input: where a broadcast or view input is read (strides over the output's axes, offset). */
  layouts: ({ strides: number[]; offset: number } | null)[];
  /** Per input: a view with a negative stride (gathered by the reference loop: the walks step forwards). */
  backwards: boolean[];
  bStrides: (number[] | null)[];
  direct: boolean[];
  walks: (Walk | null)[];
  gatherWalks: (Walk | null)[];
  /** Bytes of each scratch area (inputs, constants, then the step arrays), and their sum. */
  sizes: number[];
  total: number;
}

/** At most this many run plans are kept per program (one per input shapes). */
const MAX_PLANS = 8;

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

  private readonly layouts = new WeakMap<FusedProgram, Layout>();
  private readonly plans = new WeakMap<FusedProgram, Map<string, RunPlan>>();

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
        // a step over broadcast inputs or constants alone computes their shape, as its unfused op
        const shape = args.map((a) => a.shape).reduce((x, y) => broadcastShapes('fused', x, y));
        let id: DataId;
        if (st.kind === 'unary') id = table.unary(args, { op: st.op, dtype, alpha: st.alpha });
        else if (st.kind === 'binary')
          id = table.binary(args, { op: st.op, outShape: shape, dtype });
        else if (st.kind === 'cast') id = table.cast(args, { dtype });
        else id = table.where(args, { outShape: shape, dtype });
        slots.push({ dataId: id, shape, dtype });
        const k = written.indexOf(j);
        if (k >= 0)
          outs[k] =
            sizeOf(shape) === sizeOf(outShape) ? id : this.spread(id, shape, dtype, outShape);
        if (k < 0 || outs[k] !== id) made.push(id);
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

  /** A new buffer of `outShape` holding a value of `shape` broadcast to it (an output of `whole`). */
  private spread(id: DataId, shape: Shape, dtype: DType, outShape: Shape): DataId {
    const s = this.store;
    const out = s.allocRaw(dtype, sizeOf(outShape));
    const n = sizeOf(outShape);
    gatherBlock(s.get(id), broadcastStrides(shape, outShape), outShape, 0, n, s.get(out));
    return out;
  }

  /** Whether the program over n elements runs op by op over the threads (see `whole`). */
  threaded(program: FusedProgram, n: number): boolean {
    return this.splitsAt(this.layoutOf(program), n);
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
    const lay = this.layoutOf(program);
    if (!epilogue && this.splitsAt(lay, n)) return this.whole(inputs, program, constants, outShape);
    const { nIn, nc, types } = lay;
    const plan = this.runPlanOf(program, lay, inputs, outShape, epilogue);
    const { width, layouts, backwards, bStrides, direct, walks, sizes, total, gatherWalks } = plan;
    const outs = lay.written.map((j) => s.allocRaw(program.steps[j].dtype, n));
    const scratch = total > 0 ? s.allocRaw('float32', total / 4) : null;
    try {
      const base = scratch === null ? 0 : s.offsetOf(scratch);
      const areaAt = sizes.map(() => 0);
      for (let k = 0, at = base; k < sizes.length; at += sizes[k++]) areaAt[k] = at;
      const srcAt = inputs.map(
        (t, i) => s.offsetOf(t.dataId) + (layouts[i]?.offset ?? 0) * bytesOf(t.dtype),
      );
      const outAt = outs.map((id) => s.offsetOf(id));
      const at = new Array<number>(types.length).fill(0);
      // scalars: filled once (4 lanes or a whole block)
      for (let a = 0; a < nIn + nc; a++) {
        if (a < nIn && program.patterns[a] !== 's') continue;
        const v = a < nIn ? s.get(inputs[a].dataId)[0] : constants[a - nIn];
        s.view(types[a], areaAt[a], lay.lanes[a] ? 4 : width).fill(v);
        at[a] = areaAt[a];
      }
      const slow = (i: number, o: number, len: number, dstAt: number): void => {
        const l = layouts[i];
        if (!l) return;
        const t = inputs[i];
        gatherBlock(
          s.get(t.dataId),
          l.strides,
          outShape,
          o,
          len,
          s.view(t.dtype, dstAt, len),
          l.offset,
        );
      };
      const stepArea = lay.plan.of.map((b) => (b < 0 ? -1 : areaAt[nIn + nc + b]));
      const steps = program.steps;
      for (let o = 0; o < n; o += width) {
        const len = Math.min(width, n - o);
        for (let i = 0; i < nIn; i++) {
          const p = program.patterns[i];
          if (p === 'f') at[i] = srcAt[i] + o * bytesOf(types[i]);
          else if (direct[i]) at[i] = srcAt[i];
          else if (p === 'b') {
            at[i] = areaAt[i];
            if (backwards[i]) slow(i, o, len, at[i]);
            else {
              const off = layouts[i]?.offset ?? 0;
              this.gather(
                inputs[i],
                gatherWalks[i],
                bStrides[i],
                outShape,
                srcAt[i],
                o,
                len,
                at[i],
                off,
              );
            }
          }
        }
        for (let j = 0; j < steps.length; j++) {
          const slot = nIn + nc + j;
          const k = lay.outputOf[j];
          at[slot] = k >= 0 ? outAt[k] + o * bytesOf(types[slot]) : stepArea[j];
          const w = walks[j];
          if (w) this.broadcastStep(steps[j], w, lay, direct, at, slot, o, len);
          else this.step(steps[j], lay, at, slot, len, n);
          // before a later step may take this step's scratch
          if (epilogue && j === epilogue.step) epilogue.fold(at[slot], o, len);
        }
      }
    } finally {
      if (scratch !== null) s.free(scratch);
    }
    return outs;
  }

  /**
   * Which broadcast inputs the SIMD binary steps read in place this run, and each such step's joint
   * walk (null for the other steps). An input whose walk, alone or with a step's other operand,
   * has planes too small for a call each is gathered instead.
   */
  private pieces(
    lay: Layout,
    program: FusedProgram,
    bStrides: readonly (readonly number[] | null)[],
    outShape: Shape,
  ): { direct: boolean[]; walks: (Walk | null)[] } {
    const nIn = lay.nIn;
    const direct = lay.direct.map((d, i) => {
      const st = bStrides[i];
      return d && this.broadcaster !== null && st !== null && !smallPlanes(walkOf([st], outShape));
    });
    const walks: (Walk | null)[] = program.steps.map(() => null);
    if (!direct.some((d) => d)) return { direct, walks };
    const full = contiguousStrides(outShape);
    const zeros = full.map(() => 0);
    // demoting an input changes the walks of the steps that read it: until nothing changes
    for (let changed = true; changed;) {
      changed = false;
      program.steps.forEach((st, j) => {
        walks[j] = null;
        if (!lay.simdBinary[j] || !st.args.some((a) => a < nIn && direct[a])) return;
        const w = walkOf(
          st.args.map((a) => {
            const b = bStrides[a];
            if (a < nIn && direct[a] && b) return b;
            return lay.lanes[a] ? zeros : full;
          }),
          outShape,
        );
        if (!smallPlanes(w)) walks[j] = w;
        else
          for (const a of st.args)
            if (a < nIn && direct[a]) {
              direct[a] = false;
              changed = true;
            }
      });
    }
    return { direct, walks };
  }

  /**
   * A SIMD binary step reading a broadcast input in place: the broadcast kernel over the pieces of
   * the block (whole rows of a plane per call). Operands laid out as the block step from its start,
   * broadcast inputs from their buffer's, scalar lanes stay put.
   */
  private broadcastStep(
    step: FusedStep,
    w: Walk,
    lay: Layout,
    direct: readonly boolean[],
    at: readonly number[],
    slot: number,
    o: number,
    len: number,
  ): void {
    const bc = this.broadcaster;
    if (!bc || step.kind !== 'binary')
      throw new BackendError('fused: a broadcast step needs the broadcast kernels');
    const [a, b] = step.args;
    // each operand's byte address of element 0 of the walk (a block's operands: of element o)
    const baseOf = (x: number): number =>
      (x < lay.nIn && direct[x]) || lay.lanes[x] ? at[x] : at[x] - o * 4;
    const [aBase, bBase] = [baseOf(a), baseOf(b)];
    const outAt = at[slot];
    forPieces(w, o, len, (off, rows, cols, done) => {
      bc.binaryAt(
        step.op,
        [aBase + off[0] * 4, w.colStep[0], w.rowStride[0] * 4],
        [bBase + off[1] * 4, w.colStep[1], w.rowStride[1] * 4],
        outAt + done * 4,
        rows,
        cols,
      );
    });
  }

  /**
   * dst = the block [o, o + len) of a broadcast input: the pieces of its walk copied by the wasm
   * gather kernel (a few calls a block), or the reference gather without it or for walks whose
   * planes are too small for a call each.
   */
  private gather(
    t: TensorInfo,
    w: Walk | null,
    strides: readonly number[] | null,
    outShape: Shape,
    srcAt: number,
    o: number,
    len: number,
    dstAt: number,
    offset: number,
  ): void {
    const bc = this.broadcaster;
    if (!bc || !w || smallPlanes(w)) {
      const s = this.store;
      const st = strides ?? broadcastStrides(t.shape, outShape);
      gatherBlock(s.get(t.dataId), st, outShape, o, len, s.view(t.dtype, dstAt, len), offset);
      return;
    }
    const width = bytesOf(t.dtype);
    forPieces(w, o, len, (off, rows, cols, done) =>
      bc.gatherAt(
        width,
        srcAt + off[0] * width,
        w.colStep[0],
        w.rowStride[0] * width,
        dstAt + done * width,
        rows,
        cols,
      ),
    );
  }

  /**
   * Step `slot` on one block, reading and writing the heap offsets in `at`: the SIMD kernel its
   * unfused op would run, else the reference loop.
   */
  private step(
    step: FusedStep,
    lay: Layout,
    at: readonly number[],
    slot: number,
    len: number,
    total: number,
  ): void {
    const simd = this.simd;
    const outAt = at[slot];
    const types = lay.argTypes[slot - lay.nIn - lay.nc];
    const args = step.args;
    if (simd && lay.floats[slot - lay.nIn - lay.nc]) {
      if (
        step.kind === 'unary' &&
        simd.unaryAt(step.op, at[step.args[0]], outAt, len, step.alpha, total)
      )
        return;
      if (
        step.kind === 'binary' &&
        simd.binaryAt(
          step.op,
          at[step.args[0]],
          at[step.args[1]],
          outAt,
          len,
          total,
          lay.lanes[step.args[0]] ? 0 : 16,
          lay.lanes[step.args[1]] ? 0 : 16,
        )
      )
        return;
    }
    const bc = this.broadcaster;
    if (bc && step.kind === 'cast') {
      const pair = `${types[0]}>${step.dtype}`;
      if (pair === 'float32>int32' || pair === 'int32>float32') {
        bc.castAt(step.dtype === 'int32', at[args[0]], outAt, len);
        return;
      }
    }
    // comparisons, logical ops, class tests, bool casts and where: the predicate kernels
    const op = step.kind === 'unary' || step.kind === 'binary' ? step.op : '';
    const argAt = args.map((a) => at[a]);
    if (this.predicates?.runAt(step.kind, op, types, step.dtype, argAt, outAt, len)) return;
    const s = this.store;
    runStep(
      step,
      args.map((a, i) => s.view(types[i], argAt[i], len)),
      types,
      s.view(step.dtype, outAt, len),
      len,
    );
  }

  /** Whether a step of the program would split over the threads at `total` elements (see `whole`). */
  private splitsAt(lay: Layout, total: number): boolean {
    const simd = this.simd;
    if (!simd) return false;
    return lay.splitting.some(([kind, op]) => simd.splits(kind, op, total));
  }

  /**
   * The run plan of a program over these input shapes: block width, input layouts and walks, scratch
   * sizes. Made once per program and shapes (a replay calls with the same ones: about 20 µs of
   * JavaScript a call on a small program before it was cached).
   */
  private runPlanOf(
    program: FusedProgram,
    lay: Layout,
    inputs: readonly TensorInfo[],
    outShape: Shape,
    epilogue: BlockEpilogue | undefined,
  ): RunPlan {
    const key = `${outShape.join('x')}|${inputs.map((t) => t.shape.join('x')).join(';')}|${epilogue?.align ?? 0}`;
    let plans = this.plans.get(program);
    const known = plans?.get(key);
    if (known) return known;
    const n = sizeOf(outShape);
    const { nIn, nc, types } = lay;
    const width = epilogue
      ? Math.max(1, Math.floor(Math.min(BLOCK, n) / epilogue.align)) * epilogue.align
      : Math.ceil(Math.min(BLOCK, n) / 4) * 4;
    // broadcast inputs and views (strides over the output's axes, and a start offset); a view with a
    // negative stride is gathered by the reference loop (the wasm walks step forwards)
    const layouts = inputs.map((t, i) =>
      program.patterns[i] === 'b' ? inputLayout(program, i, t.shape, outShape) : null,
    );
    const backwards = layouts.map((l) => l !== null && l.strides.some((x) => x < 0));
    const bStrides = layouts.map((l, i) => (l === null || backwards[i] ? null : l.strides));
    const { direct, walks } = this.pieces(lay, program, bStrides, outShape);
    // every scratch area in one heap block, each starting on 16 bytes: gathered broadcast inputs,
    // scalars (4 lanes where only SIMD binaries read them), then the step arrays of planScratch
    const sizes = types.slice(0, nIn + nc).map((dt, a) => {
      if (a < nIn && (program.patterns[a] === 'f' || direct[a])) return 0;
      return lay.lanes[a] ? 16 : padded(width * bytesOf(dt));
    });
    for (const dt of lay.plan.dtypes) sizes.push(padded(width * bytesOf(dt)));
    const total = sizes.reduce((x, y) => x + y, 0);
    const gatherWalks = bStrides.map((st) => (st === null ? null : walkOf([st], outShape)));
    const plan = { width, layouts, backwards, bStrides, direct, walks, gatherWalks, sizes, total };
    if (!plans) {
      plans = new Map();
      this.plans.set(program, plans);
    }
    if (plans.size >= MAX_PLANS) plans.clear();
    plans.set(key, plan);
    return plan;
  }

  /** The program's layout (made once per program object: nr.jit replays the same ones). */
  private layoutOf(program: FusedProgram): Layout {
    let lay = this.layouts.get(program);
    if (!lay) {
      lay = makeLayout(program, this.simd !== null);
      this.layouts.set(program, lay);
    }
    return lay;
  }
}
