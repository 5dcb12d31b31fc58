// nr.jit's tracer: watches the engine while a function runs eagerly and writes down what it did, by buffer.
import type { Backend, DataId, ReduceOp, TensorInfo } from '../../backends/backend.js';
import { ENGINE, type EngineRecorder } from '../engine.js';
import { JitError } from '../errors.js';
import type { DType } from '../dtype.js';
import { describeElementwise, type Elementwise } from '../fusion/lazy.js';
import {
  isReduceAttrs,
  type Primitive,
  type PrimitiveAttrs,
  type Produced,
} from '../primitives.js';
import type { Shape } from '../shape.js';
import { sizeOf } from '../shape.js';
import { broadcastView, sliceView, type StridedView, transposeView } from '../strided.js';
import { type Tensor, Variable } from '../tensor.js';

/** A buffer read by a step, as the kernel sees it (the same buffer may be read under several shapes: views). @example const r: SlotRef = { slot: 0, shape: [2, 3], dtype: 'float32' }; */
export interface SlotRef {
  readonly slot: number;
  readonly shape: Shape;
  readonly dtype: DType;
  /** A fused kernel reads the buffer through this view (a transpose or slice it absorbed); `shape` is the view's. */
  readonly view?: StridedView;
}

/** Where a slot's buffer comes from at replay. @example const s: SlotSource = { kind: 'input', index: 0 }; */
export type SlotSource =
  | { readonly kind: 'input'; readonly index: number }
  | { readonly kind: 'variable'; readonly variable: Variable }
  /** A tensor made outside the recorded primitives (a scalar, a closed-over tensor): a handle jit holds. */
  | { readonly kind: 'constant'; readonly tensor: Tensor }
  | { readonly kind: 'step' };

/** How a step runs at replay: the recorded primitive with its attributes bound; `counter` is this call's random base. @example const exec: StepExec = (b, infos) => ENGINE.forward('unary', b, infos, { op: 'exp', alpha: 0 }); */
export type StepExec = (
  backend: Backend,
  infos: readonly TensorInfo[],
  counter: number,
) => Produced[];

/** One recorded primitive, or (after the fusion pass) a group of them run as one 'fused' kernel. @example rec.steps[0].prim // 'matMul' */
export interface Step {
  readonly prim: Primitive | 'fused' | 'fusedReduce';
  readonly exec: StepExec;
  readonly inputs: readonly SlotRef[];
  readonly outputs: readonly SlotRef[];
  /** Per output: a new buffer (true) or a view of an input's (false). */
  readonly fresh: readonly boolean[];
  /** What the step computes where a fused kernel can run it (an elementwise primitive), else null. */
  readonly elementwise: Elementwise | null;
  /** A 'reduce' step's op and axes (the fusion pass may fold it into the group making its input). */
  readonly reduction?: { readonly op: ReduceOp; readonly axes: readonly number[] };
  /** For a transpose, slice or broadcastTo: where each output element lies in the input's buffer (fusion reads it in place). */
  readonly view?: StridedView;
  /** For a matMul: its attributes (the fusion pass rebuilds its exec to read operands through views). */
  readonly matMul?: PrimitiveAttrs['matMul'];
}

/** The view a movement primitive's output is of its input, or undefined for other primitives. */
function viewOf<P extends Primitive>(
  prim: P,
  input: Shape | undefined,
  attrs: PrimitiveAttrs[P],
  output: Shape | undefined,
): StridedView | undefined {
  if (!input || !output) return undefined;
  if (prim === 'transpose' && 'perm' in attrs) return transposeView(input, attrs.perm);
  if (prim === 'slice' && 'begin' in attrs && 'strides' in attrs)
    return sliceView(input, attrs.begin, attrs.strides);
  if (prim === 'broadcastTo') return broadcastView(input, output);
  return undefined;
}

/**
 * The replay of an elementwise primitive: its kernel with the attributes its forward rule would compute
 * (ops/elementwise.ts), worked out once. A replay then skips the rule's shape inference; float16, which
 * goes through the engine's float16 path, is never elementwise here (describeElementwise).
 */
function elementwiseExec({ op, shape, dtype }: Elementwise): StepExec {
  const out = (dataId: DataId): Produced[] => [{ dataId, shape, dtype }];
  switch (op.kind) {
    case 'unary': {
      const attrs = { op: op.op, dtype, alpha: op.alpha };
      return (b, infos) => out(b.run('unary', infos, attrs));
    }
    case 'binary': {
      const attrs = { op: op.op, outShape: shape, dtype };
      return (b, infos) => out(b.run('binary', infos, attrs));
    }
    case 'cast': {
      const attrs = { dtype };
      return (b, infos) => out(b.run('cast', infos, attrs));
    }
    case 'where': {
      const attrs = { outShape: shape, dtype };
      return (b, infos) => out(b.run('where', infos, attrs));
    }
    default:
      return op satisfies never;
  }
}

/** Whether attributes are a matMul's (the only primitive with `transposeA`). */
function isMatMulAttrs(attrs: object): attrs is PrimitiveAttrs['matMul'] {
  return 'transposeA' in attrs && 'transposeB' in attrs;
}

/** Whether attributes are a random draw's (the only primitive with a `spec`). */
function isRandomAttrs(attrs: object): attrs is PrimitiveAttrs['random'] {
  return 'spec' in attrs && 'shape' in attrs;
}

/**
 * The function that called a value read, for the error message: the first named stack frame outside the
 * tensor class, the engine and jit itself ("unique", "booleanMaskAsync"...).
 */
function callerOp(): string | null {
  const lines = (new Error().stack ?? '').split('\n').slice(1);
  const names: string[] = [];
  for (const line of lines) {
    if (/[\\/]core[\\/](jit[\\/]|tensor\.|engine\.)/.test(line)) continue;
    const m = /at (?:async )?(?:new )?([\w$.]+) \(/.exec(line);
    if (!m) continue;
    const name = m[1].split('.').pop() ?? m[1];
    if (name === '<anonymous>' || name === 'Object' || names.includes(name)) continue;
    names.push(name);
    if (names.length === 2) break;
  }
  if (!names.length) return null;
  return names.length === 1 ? names[0] : `${names[0]} (called from ${names[1]})`;
}

/**
 * Records one run of a function: slots are buffers (keyed by DataId, so a view and its source, or a
 * tape's saved handle and the tensor, share one), steps the primitives in order. `strict` throws at the
 * first thing that cannot be replayed; otherwise the run goes on eagerly and `untraceable` says why.
 * @example const rec = new Recorder([x], true); ENGINE.recorder = rec; f(x); ENGINE.recorder = null;
 */
export class Recorder implements EngineRecorder {
  readonly sources: SlotSource[] = [];
  readonly steps: Step[] = [];
  /** The last slot assigned to each variable the function assigned. */
  readonly assigned = new Map<Variable, number>();
  /** Why the run cannot be replayed (the first reason), or null. */
  untraceable: string | null = null;
  /** The name of a variable the run created, if any: such a run is not kept (see `variable`). */
  madeState: string | null = null;
  /** Global random values drawn by the recorded primitives, and in total. */
  private drawn = 0;
  private readonly counterStart = ENGINE.randomCounter;
  private lastCounter = ENGINE.randomCounter;
  private readonly slotOf = new Map<DataId, number>();
  private readonly variableSlots = new Map<Variable, number>();
  private readonly backend: Backend;

  constructor(
    inputs: readonly Tensor[],
    private readonly strict: boolean,
  ) {
    this.backend = ENGINE.backend();
    inputs.forEach((t, index) => {
      if (t instanceof Variable) this.variableSlot(t);
      else if (!this.slotOf.has(t.dataId))
        this.slotOf.set(t.dataId, this.add({ kind: 'input', index }));
    });
  }

  /** Global random values the function drew (the counter's advance per call). */
  get randomAdvance(): number {
    return this.drawn;
  }

  private add(source: SlotSource): number {
    this.sources.push(source);
    return this.sources.length - 1;
  }

  private variableSlot(v: Variable): number {
    let s = this.variableSlots.get(v);
    if (s === undefined) {
      s = this.add({ kind: 'variable', variable: v });
      this.variableSlots.set(v, s);
      if (!this.slotOf.has(v.dataId)) this.slotOf.set(v.dataId, s);
    }
    return s;
  }

  /** The slot of a tensor the function reads: an input, a variable, a recorded value, else a constant. */
  slotOfTensor(t: Tensor): number {
    if (t instanceof Variable && !this.assigned.has(t)) return this.variableSlot(t);
    const known = this.slotOf.get(t.dataId);
    if (known !== undefined) return known;
    const s = this.add({ kind: 'constant', tensor: ENGINE.share(t) });
    this.slotOf.set(t.dataId, s);
    return s;
  }

  private refuse(reason: string): void {
    this.untraceable ??= reason;
    if (this.strict) throw new JitError(`nr.jit: ${reason}`);
  }

  primitive<P extends Primitive>(
    prim: P,
    inputs: readonly Tensor[],
    attrs: PrimitiveAttrs[P],
    outputs: readonly Tensor[],
  ): void {
    if (outputs.some((t) => t.backend !== this.backend))
      this.refuse(`${prim} ran on another backend than the trace's ('${this.backend.name}')`);
    const ins = inputs.map((t) => ({ slot: this.slotOfTensor(t), shape: t.shape, dtype: t.dtype }));
    const fresh: boolean[] = [];
    const outs = outputs.map((t) => {
      const known = this.slotOf.get(t.dataId);
      fresh.push(known === undefined);
      const slot = known ?? this.add({ kind: 'step' });
      this.slotOf.set(t.dataId, slot);
      return { slot, shape: t.shape, dtype: t.dtype };
    });
    const elementwise = describeElementwise(prim, ins, attrs);
    this.steps.push({
      prim,
      exec: elementwise ? elementwiseExec(elementwise) : this.execOf(prim, attrs),
      inputs: ins,
      outputs: outs,
      fresh,
      elementwise,
      view:
        fresh[0] && outs.length === 1
          ? viewOf(prim, ins[0]?.shape, attrs, outs[0].shape)
          : undefined,
      matMul: prim === 'matMul' && isMatMulAttrs(attrs) ? attrs : undefined,
      reduction: isReduceAttrs(prim, attrs) ? { op: attrs.op, axes: attrs.axes } : undefined,
    });
  }

  /** The replay of one primitive; a draw from the global stream re-derives its seed and counter per call. */
  private execOf<P extends Primitive>(prim: P, attrs: PrimitiveAttrs[P]): StepExec {
    if (isRandomAttrs(attrs)) {
      const { spec, shape, dtype } = attrs;
      const n = sizeOf(shape);
      const global =
        n > 0 &&
        spec.seed === ENGINE.randomSeed &&
        spec.counter === this.lastCounter &&
        ENGINE.randomCounter === this.lastCounter + n;
      if (global) {
        const offset = spec.counter - this.counterStart;
        this.drawn += n;
        this.lastCounter = ENGINE.randomCounter;
        return (b, infos, counter) =>
          ENGINE.forward('random', b, infos, {
            spec: { ...spec, seed: ENGINE.randomSeed, counter: counter + offset },
            shape,
            dtype,
          });
      }
    }
    return (b, infos) => ENGINE.forward(prim, b, infos, attrs);
  }

  assign(v: Variable, value: Tensor): void {
    const slot = this.slotOfTensor(value);
    this.assigned.set(v, slot);
  }

  variable(v: Variable): void {
    // State made on a first call (an optimizer's slots, a layer's weights) must not be made again at
    // replay: such a run stays eager and the next call traces.
    this.madeState ??= v.name;
  }

  read(op: string, t: Tensor): void {
    const by = callerOp();
    this.refuse(
      `${by ?? 'the function'} reads tensor values (${op} of a ${t.dtype} tensor of shape [${t.shape.join(', ')}]) while tracing; a captured function cannot depend on values (data-dependent shapes and reads happen outside nr.jit)`,
    );
  }

  /** Frees the handles on constants (a run that is not kept). */
  release(): void {
    for (const s of this.sources) if (s.kind === 'constant') s.tensor.dispose();
  }

  /** Called once the function returned: checks that every global random draw went through a primitive. */
  finish(): void {
    if (ENGINE.randomCounter - this.counterStart !== this.drawn)
      this.refuse(
        'random values were drawn on the host while tracing (an initializer?); they would repeat at every replay',
      );
  }
}
