// The reference 'fused' kernel: a chain of elementwise steps run block by block, each step a tight loop over typed scratch arrays.
//
// Every step stores into an array of its own dtype (Float32Array for float32), so each value is
// rounded exactly where the unfused kernel would round it: the result is bitwise the unfused chain's.
// Blocks of BLOCK elements keep the scratch arrays in cache, so a chain reads its inputs and writes
// its output once instead of once per step.
import type { DType } from '../../core/dtype.js';
import { BINARY, UNARY } from '../../core/elementwise_table.js';
import {
  type FusedProgram,
  type FusedStep,
  inputLayout,
  programOutputs,
} from '../../core/fusion/program.js';
import { BackendError } from '../../core/errors.js';
import { combine, type ReduceEpilogue, reduceIdentity } from '../../core/fusion/fused_reduce.js';
import { sizeOf, type Shape } from '../../core/shape.js';
import type { DataId, TensorInfo } from '../backend.js';
import type { SomeHostKernels } from '../kernel_table.js';
import type { CpuHost, KernelStore, Storage } from './storage.js';

/** Elements per block: 4 KB per float32 scratch array. */
const BLOCK = 1024;

/**
 * The two broadcasts most programs have, without per-run bookkeeping: src repeats each of its values
 * over the trailing dims (a [128, 1] column against [128, 10]), or src is the trailing dims repeated
 * over the leading ones (a bias row). Returns false for any other broadcast.
 */
function gatherSimple(
  src: Storage,
  strides: readonly number[],
  outShape: Shape,
  o: number,
  len: number,
  dst: Storage,
): boolean {
  const rank = outShape.length;
  // split at the first dim from the right whose broadcast status differs from the last dim's
  const lastBroadcast = strides[rank - 1] === 0;
  let d = rank - 1;
  let tail = 1;
  while (d >= 0 && (strides[d] === 0 || outShape[d] === 1) === lastBroadcast) {
    // the copied tail must be contiguous (a transpose or slice view is not)
    if (!lastBroadcast && outShape[d] !== 1 && strides[d] !== tail) return false;
    tail *= outShape[d--];
  }
  // the leading dims must all be of the other status (contiguous, or all broadcast)
  let expected = lastBroadcast ? 1 : tail;
  for (let k = d; k >= 0; k--) {
    if (outShape[k] === 1) continue;
    if (lastBroadcast ? strides[k] !== expected : strides[k] !== 0) return false;
    if (lastBroadcast) expected *= outShape[k];
  }
  if (lastBroadcast) {
    // each src value repeated `tail` times
    let i = 0;
    let at = Math.floor(o / tail);
    let left = tail - (o % tail);
    while (i < len) {
      const run = Math.min(left, len - i);
      const v = src[at++];
      for (let k = 0; k < run; k++) dst[i + k] = v;
      i += run;
      left = tail;
    }
  } else {
    // src (tail values) repeated
    let i = 0;
    let at = o % tail;
    while (i < len) {
      const run = Math.min(tail - at, len - i);
      dst.set(src.subarray(at, at + run), i);
      i += run;
      at = 0;
    }
  }
  return true;
}

/**
 * dst[0, len) = src at the output positions [o, o + len) of a general broadcast or strided view
 * (strides over the output's axes and a start offset: inputLayout); the wasm fused kernel uses it too.
 * @example gatherBlock(src, [1, 0], [3, 4], 0, 12, dst); // a [3, 1] column repeated over 4 columns
 */
export function gatherBlock(
  src: Storage,
  strides: readonly number[],
  outShape: Shape,
  o: number,
  len: number,
  dst: Storage,
  offset = 0,
): void {
  const rank = outShape.length;
  if (rank === 0) {
    dst.fill(src[offset], 0, len);
    return;
  }
  if (offset === 0 && gatherSimple(src, strides, outShape, o, len, dst)) return;
  // runs along the innermost dim: a fill where it broadcasts, a copy where it is contiguous
  const inner = outShape[rank - 1];
  const step = strides[rank - 1];
  const idx = new Array<number>(rank).fill(0);
  let rest = o;
  let off = offset;
  for (let d = rank - 1; d >= 0; d--) {
    idx[d] = rest % outShape[d];
    rest = Math.floor(rest / outShape[d]);
    off += idx[d] * strides[d];
  }
  let i = 0;
  while (i < len) {
    const run = Math.min(inner - idx[rank - 1], len - i);
    if (step === 0) dst.fill(src[off], i, i + run);
    else if (step === 1) dst.set(src.subarray(off, off + run), i);
    else for (let k = 0; k < run; k++) dst[i + k] = src[off + k * step];
    i += run;
    // to the start of the next run
    off += (run - 1) * step;
    idx[rank - 1] += run - 1;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      off += strides[d];
      if (idx[d] < outShape[d]) break;
      off -= strides[d] * outShape[d];
      idx[d] = 0;
    }
  }
}

/**
 * One step over `len` elements of its argument arrays into `out`, as the step's own reference kernel
 * computes it (the wasm fused kernel runs the steps it has no SIMD kernel for with it).
 * @example runStep(step, [x], ['float32'], out, 1024);
 */
export function runStep(
  step: FusedStep,
  args: readonly Storage[],
  argTypes: readonly DType[],
  out: Storage,
  len: number,
): void {
  switch (step.kind) {
    case 'unary': {
      const x = args[0];
      const fn = UNARY[step.op].fn;
      const alpha = step.alpha;
      for (let i = 0; i < len; i++) out[i] = fn(x[i], alpha);
      return;
    }
    case 'binary': {
      const [a, b] = args;
      const row = BINARY[step.op];
      const fn = argTypes[0] === 'int32' && 'intFn' in row && row.intFn ? row.intFn : row.fn;
      for (let i = 0; i < len; i++) out[i] = fn(a[i], b[i]);
      return;
    }
    case 'cast': {
      const x = args[0];
      // as the cast kernel: NaN casts to true; int32 truncates
      if (step.dtype === 'bool') for (let i = 0; i < len; i++) out[i] = x[i] !== 0 ? 1 : 0;
      else if (step.dtype === 'int32') for (let i = 0; i < len; i++) out[i] = Math.trunc(x[i]);
      else for (let i = 0; i < len; i++) out[i] = x[i];
      return;
    }
    case 'where': {
      const [c, a, b] = args;
      for (let i = 0; i < len; i++) out[i] = c[i] ? a[i] : b[i];
      return;
    }
    default:
      return step satisfies never;
  }
}

/**
 * Scratch arrays for the steps of a program: step j (all but the outputs, which write their output
 * buffers) stores into array `of[j]`; an array is reused once no later step reads its value, so a
 * chain needs two whatever its length.
 * @example const { of, dtypes } = planScratch(program);
 */
export function planScratch(program: FusedProgram): { of: number[]; dtypes: DType[] } {
  const known = scratchPlans.get(program);
  if (known) return known;
  const plan = makeScratchPlan(program);
  scratchPlans.set(program, plan);
  return plan;
}

/** Scratch plans by program (nr.jit replays the same program objects at every call). */
const scratchPlans = new WeakMap<FusedProgram, { of: number[]; dtypes: DType[] }>();

function makeScratchPlan(program: FusedProgram): { of: number[]; dtypes: DType[] } {
  const base = program.inputs.length + program.constants.length;
  const steps = program.steps;
  const written = new Set(programOutputs(program));
  const lastUse = steps.map(() => -1);
  steps.forEach((st, j) => {
    for (const a of st.args) if (a >= base) lastUse[a - base] = j;
  });
  const dtypes: DType[] = [];
  const free: number[] = [];
  const of = steps.map(() => -1);
  steps.forEach((st, j) => {
    if (!written.has(j)) {
      const k = free.findIndex((b) => dtypes[b] === st.dtype);
      if (k >= 0) of[j] = free.splice(k, 1)[0];
      else {
        dtypes.push(st.dtype);
        of[j] = dtypes.length - 1;
      }
    }
    // arrays whose value step j read last are free for the next steps
    for (const a of new Set(st.args))
      if (a >= base && lastUse[a - base] === j && of[a - base] >= 0) free.push(of[a - base]);
  });
  return { of, dtypes };
}

/**
 * Folds a block of a reduced step's values (flat positions [p, p + len) of the [outer, mid, inner]
 * view) into the double accumulators `acc` ([outer, inner]), each in flat order: the order in which
 * the reduce kernel's loop meets them, so the result is bitwise the reduce kernel's (the wasm fused
 * reduction uses it where the reference reduce would run).
 * @example foldBlock(reduce, acc, values, 0, 1024);
 */
export function foldBlock(r: ReduceEpilogue, acc: Float64Array, v: Storage, p: number, len: number): void {
  const { op, mid, inner } = r;
  let q = p % inner;
  const k = Math.floor(p / inner);
  let m = k % mid;
  let base = Math.floor(k / mid) * inner;
  for (let i = 0; i < len; i++) {
    const at = base + q;
    acc[at] = op === 'sum' ? acc[at] + v[i] : combine(op, acc[at], v[i]);
    if (++q === inner) {
      q = 0;
      if (++m === mid) {
        m = 0;
        base += inner;
      }
    }
  }
}

/**
 * Runs a fused program over inputs broadcast to `outShape` (see KernelAttrs['fused']); returns one
 * buffer per program output, then with `reduce` (KernelAttrs['fusedReduce']) the reduction of the
 * step it names, folded block by block as the step computes.
 * @example const [id] = fused(store, [x], program, [], [4]);
 */
export function fused(
  s: KernelStore,
  inputs: readonly TensorInfo[],
  program: FusedProgram,
  constants: readonly number[],
  outShape: Shape,
  reduce?: ReduceEpilogue,
): DataId[] {
  const n = sizeOf(outShape);
  // NOTE: the outputs first: on the wasm heap an allocation may move the views taken before it
  const written = programOutputs(program);
  const outs = written.map((j) => s.alloc(program.steps[j].dtype, n));
  const reduced = reduce ? s.alloc(reduce.dtype, reduce.outer * reduce.inner) : null;
  const acc = reduce
    ? new Float64Array(reduce.outer * reduce.inner).fill(reduceIdentity(reduce.op))
    : null;
  const outOf = new Map(written.map((j, k) => [j, outs[k].values] as const));
  const srcs = inputs.map((t) => s.values(t));
  const nIn = inputs.length;
  const nc = constants.length;
  const types: DType[] = [
    ...program.inputs,
    ...program.constants,
    ...program.steps.map((st) => st.dtype),
  ];
  const width = Math.min(BLOCK, n);
  // scratch: scalars filled once, general broadcasts gathered per block, one array per step
  const scratch: (Storage | null)[] = inputs.map((t, i) => {
    const p = program.patterns[i];
    if (p === 'f') return null;
    const a = s.array(t.dtype, width);
    if (p === 's') a.fill(srcs[i][0]);
    return a;
  });
  const layouts = inputs.map((t, i) =>
    program.patterns[i] === 'b' ? inputLayout(program, i, t.shape, outShape) : null,
  );
  const last = program.steps.length - 1;
  const plan = planScratch(program);
  const arrays = plan.dtypes.map((dt) => s.array(dt, width));
  const stepOut = plan.of.map((b) => (b < 0 ? null : arrays[b]));
  const slots: Storage[] = new Array<Storage>(nIn + nc + program.steps.length);
  program.constants.forEach((dt, k) => {
    slots[nIn + k] = s.array(dt, width).fill(constants[k]);
  });
  for (let o = 0; o < n; o += BLOCK) {
    const len = Math.min(BLOCK, n - o);
    for (let i = 0; i < nIn; i++) {
      const p = program.patterns[i];
      const tmp = scratch[i];
      if (p === 'f' || !tmp) slots[i] = srcs[i].subarray(o, o + len);
      else {
        const at = layouts[i];
        if (at) gatherBlock(srcs[i], at.strides, outShape, o, len, tmp, at.offset);
        slots[i] = tmp;
      }
    }
    for (let j = 0; j <= last; j++) {
      const step = program.steps[j];
      const target = stepOut[j] ?? outOf.get(j)?.subarray(o, o + len);
      if (!target) throw new BackendError(`fused: step ${j} has neither scratch nor an output`);
      runStep(
        step,
        step.args.map((a) => slots[a]),
        step.args.map((a) => types[a]),
        target,
        len,
      );
      slots[nIn + nc + j] = target;
      // before a later step may take this step's scratch array
      if (reduce && acc && j === reduce.step) foldBlock(reduce, acc, target, o, len);
    }
  }
  if (!reduced || !acc) return outs.map((o) => o.id);
  reduced.values.set(acc);
  return [...outs.map((o) => o.id), reduced.id];
}

/** The fused kernel of the CPU table. @example CPU_FUSED.fused(host, inputs, { program, constants: [], outShape, dtype: 'float32' }) */
export const CPU_FUSED = {
  fused: (h, inputs, a) => fused(h.store, inputs, a.program, a.constants, a.outShape),
  fusedReduce: (h, inputs, a) =>
    fused(h.store, inputs, a.program, a.constants, a.outShape, a.reduce),
} satisfies SomeHostKernels<CpuHost>;
