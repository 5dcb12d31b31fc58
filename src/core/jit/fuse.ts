// nr.jit's fusion pass: elementwise steps of a planned run grouped into 'fused' kernels, every value read outside its group written once.
//
// Lazy fusion of eager ops (core/fusion/lazy.ts) sees one op at a time and cannot know who will read a
// value later, so a value read by two chains is computed twice. A recorded run knows every reader of
// every buffer: a group here writes each value that something outside it reads (another group, a
// non-elementwise step, an output, a variable's new value) as one of its kernel's outputs, and nothing
// is computed twice. A group runs where its last step ran; a step joins the groups that made its
// operands only if no outside reader of theirs comes before it, so every reader still finds its buffer.
import type { Backend, DataId, TensorInfo } from '../../backends/backend.js';
import type { DType } from '../dtype.js';
import { JitError } from '../errors.js';
import { type Elementwise, MAX_FUSED_STEPS, scalarConstant } from '../fusion/lazy.js';
import { type ReduceEpilogue, reduceLayout } from '../fusion/fused_reduce.js';
import { type FusedProgram, type FusedStep, fusedStep, makeProgram } from '../fusion/program.js';
import type { Produced } from '../primitives.js';
import { type Shape, shapesEqual, sizeOf } from '../shape.js';
import type { SlotRef, SlotSource, Step } from './recorder.js';
import { reshapeView } from '../strided.js';
import {
  type MatMulWrite,
  matMulReadingViews,
  matMulWrites,
  type ViewCopy,
} from './fuse_matmul.js';

/** At most this many distinct scalar constants per program (as lazy fusion). */
const MAX_CONSTANTS = 16;
/** A reader past the last step: the value is a result or a variable's new value. */
const OUTSIDE = Number.POSITIVE_INFINITY;

/** At most this many output elements per element of a smaller value a group recomputes at each of them. */
const MAX_REPEAT = 1024;

/**
 * Whether a value of shape `small` broadcasts to `shape` (numpy rules, aligned right) with few enough
 * repeats to be computed at every output element instead of on its own (a LayerNorm's per-row scale,
 * a [n, 1] column of a loss): one kernel less, each repeat a few flops.
 */
function cheapBroadcast(small: Shape, shape: Shape): boolean {
  const lead = shape.length - small.length;
  if (lead < 0 || sizeOf(small) === 0) return false;
  for (let i = 0; i < small.length; i++)
    if (small[i] !== 1 && small[i] !== shape[lead + i]) return false;
  return sizeOf(shape) <= MAX_REPEAT * sizeOf(small);
}

/** A step a fused kernel can run: elementwise, one new buffer of a fusible dtype, not empty. */
function fusible(step: Step): step is Step & { readonly elementwise: Elementwise } {
  const e = step.elementwise;
  if (!e || step.outputs.length !== 1 || !step.fresh[0]) return false;
  const out = step.outputs[0];
  return out.dtype === e.dtype && shapesEqual(out.shape, e.shape) && sizeOf(e.shape) > 0;
}

/** The readers of each slot: step indices in order (OUTSIDE last for kept slots). */
function readersOf(steps: readonly Step[], kept: ReadonlySet<number>): Map<number, number[]> {
  const readers = new Map<number, number[]>();
  steps.forEach((step, i) => {
    for (const r of step.inputs) {
      const list = readers.get(r.slot) ?? [];
      if (list[list.length - 1] !== i) list.push(i);
      readers.set(r.slot, list);
    }
  });
  for (const s of kept) {
    const list = readers.get(s) ?? [];
    list.push(OUTSIDE);
    readers.set(s, list);
  }
  return readers;
}

/** A value a program reads from outside: a buffer (as a kernel input) or a scalar constant (as an attribute). */
type Operand =
  | { readonly kind: 'input'; readonly ref: SlotRef }
  | { readonly kind: 'constant'; readonly value: number; readonly dtype: DType };

/** Whether two refs read the same values: one buffer, under one shape, dtype and view. */
function sameRef(a: SlotRef, b: SlotRef): boolean {
  if (a.slot !== b.slot || a.dtype !== b.dtype || !shapesEqual(a.shape, b.shape)) return false;
  if (!a.view || !b.view) return a.view === b.view;
  return (
    a.view.offset === b.view.offset && a.view.strides.every((s, k) => s === b.view?.strides[k])
  );
}

/** A ref's identity as a string (for counting distinct inputs). */
function refKey(r: SlotRef): string {
  const view = r.view ? `@${r.view.offset}/${r.view.strides.join(',')}` : '';
  return `${r.slot}:${r.dtype}:${r.shape.join('x')}${view}`;
}

/**
 * The steps with each elementwise step reading the source of a broadcastTo, transpose or slice instead
 * of its copy (a fused kernel reads a broadcast or a strided view of its input itself), and the copies
 * nothing reads any more dropped; with `matMulViews`, so does a matMul step (matMulReadingViews), and
 * one in `writes` writes its result in its dropped transpose's layout.
 * `absorbed` gets the indices (in the returned list) of the elementwise
 * steps that were changed: their recorded kernel no longer applies, they must run as fused programs.
 */
function absorbViews(
  steps: readonly Step[],
  kept: ReadonlySet<number>,
  absorbed: Set<number>,
  maxElements: number,
  matMulViews: boolean,
  writes: ReadonlyMap<Step, MatMulWrite>,
): Step[] {
  const copyOf = new Map<number, ViewCopy>();
  for (const step of steps)
    if (step.view && step.fresh[0] && step.inputs.length === 1 && !step.inputs[0].view)
      copyOf.set(step.outputs[0].slot, { step, from: step.inputs[0], to: step.outputs[0] });
  if (!copyOf.size && !writes.size) return [...steps];
  const rewritten = steps.map((step): Step => {
    if (matMulViews && step.matMul)
      return matMulReadingViews(step, step.matMul, copyOf, writes.get(step));
    if (!fusible(step) || sizeOf(step.outputs[0].shape) > maxElements) return step;
    let changed = false;
    const inputs = step.inputs.map((r): SlotRef => {
      const c = copyOf.get(r.slot);
      if (!c || c.from.dtype !== r.dtype || !c.step.view) return r;
      const same = shapesEqual(c.to.shape, r.shape);
      // a broadcast's source broadcasts by shape alone; a transpose or slice is read through its
      // view, also under a shape with axes of length 1 added or dropped
      if (same && c.step.prim === 'broadcastTo') {
        changed = true;
        return c.from;
      }
      if (c.step.prim === 'broadcastTo') return r;
      const view = same ? c.step.view : reshapeView(c.step.view, c.to.shape, r.shape);
      if (!view) return r;
      changed = true;
      return { slot: c.from.slot, shape: r.shape, dtype: r.dtype, view };
    });
    return changed ? { ...step, inputs } : step;
  });
  const read = new Set(kept);
  for (const step of rewritten) for (const r of step.inputs) read.add(r.slot);
  const out: Step[] = [];
  rewritten.forEach((step, i) => {
    if (copyOf.has(step.outputs[0]?.slot ?? -1) && !read.has(step.outputs[0].slot)) return;
    if (step !== steps[i]) absorbed.add(out.length);
    out.push(step);
  });
  return out;
}

/**
 * Groups the elementwise steps of a planned run (dead steps already dropped) into 'fused' kernels and
 * returns the new step list; a group of one stays its own step. `kept` are the slots the caller reads
 * after the run (outputs, variables' new values); steps with more than `maxElements` output elements
 * are left unfused. A group's kernel binds at most `maxBuffers` buffers, inputs and outputs together
 * (Backend.maxKernelBuffers: WebGPU's storage buffers per stage; cpu and wasm have no limit).
 * With `matMulViews` (Backend.matMulViews), matMuls also read transposed or sliced operands in place.
 * @example const steps = fuseSteps(live, kept, rec.sources, Infinity, 8);
 */
export function fuseSteps(
  given: readonly Step[],
  kept: ReadonlySet<number>,
  sources: readonly SlotSource[],
  maxElements: number,
  maxBuffers = Infinity,
  matMulViews = false,
): Step[] {
  const absorbed = new Set<number>();
  // a matMul read only by a transpose writes the transpose's layout itself: that copy goes first
  const writes = matMulViews ? matMulWrites(given, readersOf(given, kept)) : new Map();
  const dropped = new Set([...writes.values()].map((w) => w.copy));
  const pre = dropped.size ? given.filter((step) => !dropped.has(step)) : given;
  const steps = absorbViews(pre, kept, absorbed, maxElements, matMulViews, writes);
  const readers = readersOf(steps, kept);
  const producer = new Map<number, number>();
  const groupOf = new Int32Array(steps.length).fill(-1);
  const groups: number[][] = [];
  const operandOf = (r: SlotRef): Operand => {
    const src = sources[r.slot];
    if (src.kind === 'constant' && sizeOf(r.shape) === 1) {
      const value = scalarConstant(src.tensor.dataId);
      if (value !== undefined) return { kind: 'constant', value, dtype: r.dtype };
    }
    return { kind: 'input', ref: r };
  };

  /**
   * Whether `members` (sorted, the last one at index `at`) can run as one kernel at `at`; with
   * `epilogue`, the reduce step of that index reads the group's value inside it (one more output).
   */
  const canRun = (members: readonly number[], shape: Shape, epilogue = -1): boolean => {
    if (members.length > MAX_FUSED_STEPS) return false;
    const inside = new Set(members);
    if (epilogue >= 0) inside.add(epilogue);
    const at = members[members.length - 1];
    const inputs = new Set<string>();
    const values = new Set<string>();
    let outputs = epilogue >= 0 ? 1 : 0;
    for (const m of members) {
      const step = steps[m];
      const { slot, shape: own } = step.outputs[0];
      // a smaller value is computed at every output element it broadcasts to: read inside only
      const full = sizeOf(own) === sizeOf(shape);
      if (!full && !cheapBroadcast(own, shape)) return false;
      // a step of another shape of the same size (reached through a reshape) reads its inputs by
      // position only: an input it broadcasts would be broadcast against the group's shape instead
      if (full && !shapesEqual(own, shape))
        for (const r of step.inputs) {
          const n = sizeOf(r.shape);
          // (a view is indexed by the group's axes, not by position)
          if (r.view || (n !== 1 && n !== sizeOf(shape))) return false;
        }
      let outside = false;
      for (const reader of readers.get(slot) ?? []) {
        if (inside.has(reader)) {
          // read inside: only as the value itself (a view under another shape needs the buffer)
          for (const r of steps[reader].inputs)
            if (
              r.slot === slot &&
              (full ? sizeOf(r.shape) !== sizeOf(shape) : !shapesEqual(r.shape, own))
            )
              return false;
        } else if (reader < at || !full) return false;
        else outside = true;
      }
      if (outside) outputs++;
      for (const r of step.inputs) {
        const p = producer.get(r.slot);
        if (p !== undefined && inside.has(p)) continue;
        const o = operandOf(r);
        if (o.kind === 'constant') values.add(`${o.dtype}:${o.value}`);
        else inputs.add(refKey(r));
      }
    }
    return inputs.size + outputs <= maxBuffers && values.size <= MAX_CONSTANTS;
  };

  // the reduce step each group took as its epilogue (it runs with the group, where the group ran:
  // it reads nothing else, and its value is only read later); nothing joins such a group any more,
  // which would move it past the reduce's readers
  const epilogueOf = new Map<number, number>();
  /** A reduce step joins the group making its input as the group's epilogue, where the rules allow. */
  const joinReduce = (step: Step, i: number): void => {
    const reduction = step.reduction;
    if (!reduction || step.inputs.length !== 1 || step.outputs.length !== 1 || !step.fresh[0])
      return;
    const r = step.inputs[0];
    const p = producer.get(r.slot);
    const g = p === undefined ? -1 : groupOf[p];
    if (p === undefined || g < 0 || epilogueOf.has(g)) return;
    const members = groups[g];
    const shape = steps[members[members.length - 1]].outputs[0].shape;
    const n = sizeOf(shape);
    const layout = reduceLayout(r.shape, reduction.axes);
    if (!layout || layout.mid === 0 || n === 0 || sizeOf(r.shape) !== n) return;
    if (sizeOf(steps[p].outputs[0].shape) !== n || !canRun(members, shape, i)) return;
    epilogueOf.set(g, i);
  };

  steps.forEach((step, i) => {
    if (step.reduction) joinReduce(step, i);
    if (!fusible(step) || sizeOf(step.outputs[0].shape) > maxElements) return;
    const shape = step.outputs[0].shape;
    let members = [i];
    for (const r of step.inputs) {
      const p = producer.get(r.slot);
      if (p === undefined || (sizeOf(r.shape) !== sizeOf(shape) && !cheapBroadcast(r.shape, shape)))
        continue;
      const g = groupOf[p];
      if (g < 0 || epilogueOf.has(g) || members.includes(groups[g][0])) continue;
      const joined = [...groups[g], ...members].sort((a, b) => a - b);
      if (canRun(joined, shape)) members = joined;
    }
    const g = groups.length;
    groups.push(members);
    for (const m of members) groupOf[m] = g;
    producer.set(step.outputs[0].slot, i);
  });

  const folded = new Set(epilogueOf.values());
  const out: Step[] = [];
  steps.forEach((step, i) => {
    if (folded.has(i)) return;
    const g = groupOf[i];
    const red = g < 0 ? undefined : epilogueOf.get(g);
    if (g < 0 || (groups[g].length === 1 && !absorbed.has(i) && red === undefined)) out.push(step);
    else if (groups[g][groups[g].length - 1] === i)
      out.push(fusedGroup(groups[g], steps, readers, operandOf, red ?? -1));
  });
  return out;
}

/**
 * The 'fused' step of a group: its program, the buffers it reads and the values it writes; with an
 * `epilogue` (the index of a reduce step reading the group's value) a 'fusedReduce' step writing the
 * reduction too.
 */
function fusedGroup(
  members: readonly number[],
  steps: readonly Step[],
  readers: ReadonlyMap<number, readonly number[]>,
  operandOf: (r: SlotRef) => Operand,
  epilogue: number,
): Step {
  const inside = new Set(members);
  if (epilogue >= 0) inside.add(epilogue);
  const stepOf = new Map<number, number>();
  members.forEach((m, j) => stepOf.set(steps[m].outputs[0].slot, j));
  const inputs: SlotRef[] = [];
  const constants: { value: number; dtype: DType }[] = [];
  // input k is slot k, constant k is -(1 + k), step j is STEP + j until the counts are known
  const STEP = 1 << 20;
  const raw = members.map((m) => {
    const step = steps[m];
    const args = step.inputs.map((r) => {
      const j = stepOf.get(r.slot);
      if (j !== undefined) return STEP + j;
      const o = operandOf(r);
      if (o.kind === 'constant') {
        let k = constants.findIndex((c) => c.dtype === o.dtype && Object.is(c.value, o.value));
        if (k < 0) k = constants.push({ value: o.value, dtype: o.dtype }) - 1;
        return -(1 + k);
      }
      let k = inputs.findIndex((x) => sameRef(x, r));
      if (k < 0) k = inputs.push(r) - 1;
      return k;
    });
    return { e: step.elementwise, args };
  });
  const n = inputs.length;
  const nc = constants.length;
  const flat: FusedStep[] = raw.map(({ e, args }) => {
    if (!e) throw new JitError('nr.jit: a fused group holds a step that is not elementwise');
    const fixed = args.map((a) => (a >= STEP ? n + nc + a - STEP : a < 0 ? n - a - 1 : a));
    return fusedStep(e.op, e.dtype, fixed);
  });
  // the values read after the group (the last step's always, but for a reduction's: the step is live)
  const written: number[] = [];
  members.forEach((m, j) => {
    const list = readers.get(steps[m].outputs[0].slot) ?? [];
    if ((epilogue < 0 && j === members.length - 1) || list.some((r) => !inside.has(r)))
      written.push(j);
  });
  const last = steps[members[members.length - 1]].outputs[0];
  const shape = last.shape;
  const program = makeProgram(
    inputs,
    constants.map((c) => c.dtype),
    flat,
    shape,
    written,
  );
  const values = constants.map((c) => c.value);
  const outputs = written.map((j) => steps[members[j]].outputs[0]);
  if (epilogue >= 0)
    return reduceGroup(steps[epilogue], stepOf, program, values, shape, inputs, outputs);
  const attrs = { program, constants: values, outShape: shape, dtype: last.dtype };
  return kernelStep('fused', (b, infos) => b.run('fused', infos, attrs), inputs, outputs);
}

/** A step running one multi-output kernel whose k-th buffer is the k-th of `outputs`. */
function kernelStep(
  prim: 'fused' | 'fusedReduce',
  run: (b: Backend, infos: readonly TensorInfo[]) => DataId[],
  inputs: readonly SlotRef[],
  outputs: readonly SlotRef[],
): Step {
  return {
    prim,
    exec: (b, infos): Produced[] => {
      const ids = run(b, infos);
      return outputs.map((o, k) => ({ dataId: ids[k], shape: o.shape, dtype: o.dtype }));
    },
    inputs,
    outputs,
    fresh: outputs.map(() => true),
    elementwise: null,
  };
}

/**
 * The 'fusedReduce' step of a group whose epilogue is the reduce step `red`: the program's outputs,
 * then the reduction (the layout was checked when the step joined: see joinReduce).
 */
function reduceGroup(
  red: Step,
  stepOf: ReadonlyMap<number, number>,
  program: FusedProgram,
  constants: readonly number[],
  shape: Shape,
  inputs: readonly SlotRef[],
  written: readonly SlotRef[],
): Step {
  const r = red.inputs[0];
  const step = stepOf.get(r.slot);
  const layout = red.reduction ? reduceLayout(r.shape, red.reduction.axes) : null;
  if (step === undefined || !layout || !red.reduction)
    throw new JitError('nr.jit: a fused reduction reads no value of its group');
  const result = red.outputs[0];
  const reduce: ReduceEpilogue = { op: red.reduction.op, step, ...layout, dtype: result.dtype };
  const attrs = { program, constants, outShape: shape, reduce };
  const outputs = [...written, result];
  return kernelStep(
    'fusedReduce',
    (b, infos) => b.run('fusedReduce', infos, attrs),
    inputs,
    outputs,
  );
}
