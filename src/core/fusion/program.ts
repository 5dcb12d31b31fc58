// Fused elementwise programs: the pending expression nodes the engine records, and the flat program ('fused' kernel) built from them.
import type { Backend, DataId, TensorInfo } from '../../backends/backend.js';
import type { DType } from '../dtype.js';
import type { BinaryOp, UnaryOp } from '../elementwise_table.js';
import { sizeOf, type Shape, stridesOf } from '../shape.js';
import { type StridedView, viewStridesFor } from '../strided.js';

/**
 * One step of a fused program. `args` are slots: the inputs, then the scalar constants, then the
 * steps (slot inputs.length + constants.length + j is step j's value). `dtype` is the step's output dtype (the argument dtypes are the
 * slots'); the last step is the program's result.
 * @example const s: FusedStep = { kind: 'unary', op: 'exp', alpha: 0, dtype: 'float32', args: [0] };
 */
export type FusedStep =
  | { kind: 'unary'; op: UnaryOp; alpha: number; dtype: DType; args: readonly [number] }
  | { kind: 'binary'; op: BinaryOp; dtype: DType; args: readonly [number, number] }
  | { kind: 'cast'; dtype: DType; args: readonly [number] }
  | { kind: 'where'; dtype: DType; args: readonly [number, number, number] };

/** How a fused input reads: f = one value per output element, s = one value for all, b = a general broadcast. @example const p: InputPattern = 'f'; */
export type InputPattern = 'f' | 's' | 'b';

/**
 * A chain of elementwise kernels compiled into one: what the 'fused' kernel runs. `key` names its
 * structure, dtypes and input broadcast patterns (never values), so backends cache compiled code by it.
 * @example const p: FusedProgram = { key, inputs: ['float32'], patterns: ['f'], steps: [exp] };
 */
export interface FusedProgram {
  readonly key: string;
  /** The dtype of each input (the kernel's inputs, in order). */
  readonly inputs: readonly DType[];
  /** How each input broadcasts to the output shape. */
  readonly patterns: readonly InputPattern[];
  /**
   * The dtype of each scalar constant (slots inputs.length ... + constants.length - 1); their values
   * come with the kernel's attributes, so one compiled program serves every value.
   */
  readonly constants: readonly DType[];
  readonly steps: readonly FusedStep[];
  /**
   * The steps whose values the kernel writes, one output buffer each, in this order (absent: the last
   * step only). nr.jit's fusion writes every value a group computes that is read outside it, so
   * nothing is computed twice; the lazy fusion of eager ops writes one.
   */
  readonly outputs?: readonly number[];
  /**
   * Per input, the strided view it is read through (nr.jit's fusion absorbs a transpose or slice into
   * its readers), or null: the input's own shape broadcast to the output. Inputs with a view have the
   * pattern 'b'; the view's shape broadcasts to the output's (numpy rules).
   */
  readonly views?: readonly ({ readonly shape: Shape; readonly view: StridedView } | null)[];
}

/** What a pending node computes from its operands. @example const op: PendingOp = { kind: 'binary', op: 'add' }; */
export type PendingOp =
  | { kind: 'unary'; op: UnaryOp; alpha: number }
  | { kind: 'binary'; op: BinaryOp }
  | { kind: 'cast' }
  | { kind: 'where' };

/** An operand of a pending node: a real buffer (a leaf) or another pending node, as the consumer saw it. @example const o: PendingOperand = { id: t.rawId, shape: t.shape, dtype: t.dtype }; */
export interface PendingOperand {
  readonly id: DataId;
  readonly shape: Shape;
  readonly dtype: DType;
  /** The value of a one-element buffer written from the host (a scalar operand such as the 2 of x.mul(2)). */
  readonly value?: number;
}

/**
 * The buffer handle of a tensor whose values are not computed yet: one elementwise op over operands
 * that are real buffers or other pending nodes of the same shape. `real` is set once it has run.
 * The engine keeps references on `leaves` (every real buffer the expression reads) until then.
 * @example if (t.rawId instanceof PendingBuffer) console.log(t.rawId.nodes);
 */
export class PendingBuffer {
  /** The computed buffer, once materialised. */
  real: DataId | null = null;
  /** How many recorded nodes inline this one (a second one makes it run instead: see recordPending). */
  uses = 0;
  constructor(
    readonly op: PendingOp,
    readonly operands: readonly PendingOperand[],
    readonly shape: Shape,
    readonly dtype: DType,
    readonly backend: Backend,
    /** The distinct real buffers the inlined expression reads (held by the engine until it runs). */
    readonly leaves: readonly PendingOperand[],
    /** Steps of the inlined expression (an upper bound: shared nodes count once per use). */
    readonly nodes: number,
  ) {}
}

/** The runnable form of a pending node: a program and the kernel inputs it reads. @example const { program, inputs } = buildProgram(p, isAlive); */
export interface BuiltProgram {
  program: FusedProgram;
  inputs: TensorInfo[];
  /** The constants' values, and their buffers (a one-step program runs its plain kernel on them). */
  constants: number[];
  constantInputs: TensorInfo[];
}

function patternOf(shape: Shape, outSize: number): InputPattern {
  const n = sizeOf(shape);
  return n === outSize ? 'f' : n === 1 ? 's' : 'b';
}

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function stepKey(s: FusedStep): string {
  const head =
    s.kind === 'unary'
      ? `u.${s.op}.${s.alpha}`
      : s.kind === 'binary'
        ? `b.${s.op}`
        : s.kind === 'cast'
          ? 'c'
          : 'w';
  return `${head}.${s.dtype}(${s.args.join(',')})`;
}

/**
 * Flattens the expression of `root` into a program: shared nodes become one step, pending operands
 * that have run meanwhile (and whose buffer is still alive) are read as inputs instead of recomputed.
 * @example const { program, inputs } = buildProgram(p, (id) => engineHas(id));
 */
export function buildProgram(root: PendingBuffer, isAlive: (id: DataId) => boolean): BuiltProgram {
  const outSize = sizeOf(root.shape);
  const inputs: TensorInfo[] = [];
  const steps: { op: PendingOp; dtype: DType; args: number[] }[] = [];
  // input slots are i, step slots are -(j + 1) until the inputs are counted
  const stepOf = new Map<PendingBuffer, number>();
  const inputOf = new Map<DataId, { shape: Shape; dtype: DType; slot: number }[]>();
  const constants: number[] = [];
  const constantInputs: TensorInfo[] = [];
  // constant slots are encoded as -(1e9 + k) until the inputs are counted
  const CONST = 1e9;
  const inputSlot = (o: PendingOperand): number => {
    if (o.value !== undefined) {
      // equal constants share a slot (every x.add(1) writes its own 1)
      let k = constantInputs.findIndex((c, i) => c.dtype === o.dtype && constants[i] === o.value);
      if (k < 0) {
        constants.push(o.value);
        constantInputs.push({ dataId: o.id, shape: o.shape, dtype: o.dtype });
        k = constants.length - 1;
      }
      return -(CONST + k);
    }
    const list = inputOf.get(o.id) ?? [];
    const hit = list.find((e) => e.dtype === o.dtype && sameShape(e.shape, o.shape));
    if (hit) return hit.slot;
    inputs.push({ dataId: o.id, shape: o.shape, dtype: o.dtype });
    list.push({ shape: o.shape, dtype: o.dtype, slot: inputs.length - 1 });
    inputOf.set(o.id, list);
    return inputs.length - 1;
  };
  const visit = (o: PendingOperand): number => {
    const p = o.id;
    if (!(p instanceof PendingBuffer)) return inputSlot(o);
    if (p.real !== null && isAlive(p.real))
      return inputSlot({ id: p.real, shape: o.shape, dtype: o.dtype });
    const known = stepOf.get(p);
    if (known !== undefined) return known;
    const args = p.operands.map(visit);
    steps.push({ op: p.op, dtype: p.dtype, args });
    const slot = -steps.length;
    stepOf.set(p, slot);
    return slot;
  };
  const rootArgs = root.operands.map(visit);
  steps.push({ op: root.op, dtype: root.dtype, args: rootArgs });
  const n = inputs.length;
  const nc = constants.length;
  const fix = (a: number): number =>
    a >= 0 ? a : a <= -CONST ? n + (-a - CONST) : n + nc + (-a - 1);
  const flat = steps.map(({ op, dtype, args }) => fusedStep(op, dtype, args.map(fix)));
  return {
    program: makeProgram(
      inputs,
      constantInputs.map((c) => c.dtype),
      flat,
      root.shape,
    ),
    inputs,
    constants,
    constantInputs,
  };
}

/**
 * A program step computing `op` into `dtype` from the slots `args` (one per operand of the op).
 * @example fusedStep({ kind: 'unary', op: 'exp', alpha: 0 }, 'float32', [0])
 */
export function fusedStep(op: PendingOp, dtype: DType, args: readonly number[]): FusedStep {
  switch (op.kind) {
    case 'unary':
      return { kind: 'unary', op: op.op, alpha: op.alpha, dtype, args: [args[0]] };
    case 'binary':
      return { kind: 'binary', op: op.op, dtype, args: [args[0], args[1]] };
    case 'cast':
      return { kind: 'cast', dtype, args: [args[0]] };
    case 'where':
      return { kind: 'where', dtype, args: [args[0], args[1], args[2]] };
    default:
      return op satisfies never;
  }
}

/**
 * A program from its parts: each input's broadcast pattern against `outShape`, and the cache key.
 * `outputs` lists the steps whose values the kernel writes (default: the last step only; see
 * FusedProgram.outputs). nr.jit's fusion pass (core/jit/fuse.ts) builds its programs with it too.
 * @example const p = makeProgram([{ shape: [4], dtype: 'float32' }], [], [exp], [4]);
 */
export function makeProgram(
  inputs: readonly { readonly shape: Shape; readonly dtype: DType; readonly view?: StridedView }[],
  constants: readonly DType[],
  steps: readonly FusedStep[],
  outShape: Shape,
  outputs?: readonly number[],
): FusedProgram {
  const outSize = sizeOf(outShape);
  const patterns = inputs.map((t) => (t.view ? 'b' : patternOf(t.shape, outSize)));
  const viewKey = (v: StridedView | undefined): string =>
    v ? `@${v.offset}/${v.strides.join(',')}` : '';
  const general = patterns.includes('b')
    ? `@${outShape.join('x')}:${inputs.map((t) => t.shape.join('x') + viewKey(t.view)).join(';')}`
    : '';
  const written = outputs && !isLastOnly(outputs, steps.length) ? `>${outputs.join(',')}` : '';
  const key = `${inputs.map((t, i) => `${t.dtype}.${patterns[i]}`).join(',')};${constants.join(',')}|${steps.map(stepKey).join(' ')}${general}${written}`;
  const program: FusedProgram = {
    key,
    inputs: inputs.map((t) => t.dtype),
    patterns,
    constants,
    steps,
  };
  const views = inputs.some((t) => t.view)
    ? inputs.map((t) => (t.view ? { shape: t.shape, view: t.view } : null))
    : undefined;
  const withViews = views ? { ...program, views } : program;
  return written ? { ...withViews, outputs } : withViews;
}

/**
 * Where a program's input i is read, over the output's axes: strides (0 where it broadcasts) and a
 * start offset into its buffer (`shape` is the buffer's shape as the kernel is given it).
 * @example inputLayout(p, 0, [3, 1], [3, 4]) // { strides: [1, 0], offset: 0 } for an input without a view
 */
export function inputLayout(
  program: FusedProgram,
  i: number,
  shape: Shape,
  outShape: Shape,
): { strides: number[]; offset: number } {
  const v = program.views?.[i];
  if (!v)
    return {
      strides: viewStridesFor(shape, { offset: 0, strides: stridesOf(shape) }, outShape),
      offset: 0,
    };
  return { strides: viewStridesFor(v.shape, v.view, outShape), offset: v.view.offset };
}

function isLastOnly(outputs: readonly number[], steps: number): boolean {
  return outputs.length === 1 && outputs[0] === steps - 1;
}

/**
 * The steps whose values a program's kernel writes, in the order of the kernel's outputs.
 * @example programOutputs(p) // [p.steps.length - 1] for a single-output program
 */
export function programOutputs(program: FusedProgram): readonly number[] {
  return program.outputs ?? [program.steps.length - 1];
}
