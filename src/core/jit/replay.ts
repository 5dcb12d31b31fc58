// nr.jit's replay: a recorded run planned once (dead steps dropped, each buffer freed after its last use), then re-run kernel by kernel.
import type { Backend, DataId, TensorInfo } from '../../backends/backend.js';
import { allocationError, type DType } from '../dtype.js';
import { ENGINE } from '../engine.js';
import { JitError } from '../errors.js';
import type { Shape } from '../shape.js';
import type { Tensor, Variable } from '../tensor.js';
import { jitFusionLimit } from '../fusion/lazy.js';
import { fuseSteps } from './fuse.js';
import type { Recorder, SlotSource, Step } from './recorder.js';

/** A buffer as a kernel reads it; dataId changes per replay (the same objects are reused every call). */
interface MutableInfo {
  dataId: DataId;
  readonly shape: Shape;
  readonly dtype: DType;
}

/** What the function returned, per leaf: a slot (shape, dtype) or the variable object itself. @example const leaf: OutputLeaf = { kind: 'variable', variable: v }; */
export type OutputLeaf =
  | { readonly kind: 'slot'; readonly slot: number; readonly shape: Shape; readonly dtype: DType }
  | { readonly kind: 'variable'; readonly variable: Variable };

/** One planned step: the recorded step, its reused infos, its slots, and the slots to free once it ran. */
interface PlannedStep {
  readonly step: Step;
  readonly infos: MutableInfo[];
  readonly reads: Int32Array;
  readonly writes: Int32Array;
  /** Whether every output is a new buffer (else the view checks run). */
  readonly allFresh: boolean;
  readonly free: Int32Array;
}

/** Whether a step only hands back buffers it read (every output a view of an input). */
function isView(step: Step): boolean {
  return step.outputs.every((o, k) => !step.fresh[k] && step.inputs.some((r) => r.slot === o.slot));
}

/**
 * A recorded run, planned: steps no output or assignment needs are dropped, and each intermediate buffer
 * is freed right after its last reader. `run` replays it with the backend's kernels only: no shape
 * inference, validation, Tensor objects, scopes or tape.
 * @example const plan = new Plan(recorder, outputs, backend); const [y] = plan.run([x]);
 */
export class Plan {
  private readonly sources: readonly SlotSource[];
  private readonly steps: PlannedStep[];
  /** Each assigned variable, its slot, and whether the engine must be told of a buffer only the replay made. */
  private readonly assigns: readonly (readonly [Variable, number, boolean])[];
  private readonly ids: (DataId | null)[];
  /** Slots whose buffers a replay made and has not freed yet (for cleanup after an error). */
  private readonly owned: Uint8Array;
  /** Slots bound at the start of a replay: to an argument (by index), to a variable or constant's buffer. */
  private readonly bindInputs: [number, number][] = [];
  private readonly bindHeld: [number, Tensor][] = [];
  readonly randomAdvance: number;
  /** Kernels (primitives) per replay, after dead steps were dropped. */
  readonly kernels: number;

  constructor(
    rec: Recorder,
    private readonly outputs: readonly OutputLeaf[],
    private readonly backend: Backend,
  ) {
    this.sources = rec.sources;
    this.randomAdvance = rec.randomAdvance;
    const kept = new Set<number>();
    for (const o of outputs) if (o.kind === 'slot') kept.add(o.slot);
    this.assigns = [...rec.assigned].map(
      ([v, s]) => [v, s, rec.sources[s].kind === 'step' && !kept.has(s)] as const,
    );
    for (const [, s] of rec.assigned) kept.add(s);
    // Backwards: a step lives if a live value needs one of its outputs.
    const needed = new Set(kept);
    const live: Step[] = [];
    for (let i = rec.steps.length - 1; i >= 0; i--) {
      const step = rec.steps[i];
      if (!step.outputs.some((o, k) => step.fresh[k] && needed.has(o.slot))) continue;
      live.push(step);
      for (const r of step.inputs) needed.add(r.slot);
    }
    live.reverse();
    // a view (reshape...) hands back its input's buffer: the slot is the same, nothing needs to run
    const working = live.filter((step) => !isView(step));
    // elementwise chains as 'fused' kernels (fuse.ts), where fusion is on for this backend
    const limit = jitFusionLimit();
    const planned =
      limit > 0
        ? fuseSteps(
            working,
            kept,
            this.sources,
            limit,
            backend.maxKernelBuffers ?? Infinity,
            backend.matMulViews ?? false,
          )
        : working;
    const last = new Map<number, number>();
    planned.forEach((step, i) => {
      for (const r of step.outputs) last.set(r.slot, Math.max(last.get(r.slot) ?? -1, i));
      for (const r of step.inputs) last.set(r.slot, i);
    });
    const frees: number[][] = planned.map(() => []);
    for (const [slot, i] of last)
      if (this.sources[slot].kind === 'step' && !kept.has(slot)) frees[i].push(slot);
    this.steps = planned.map((step, i) => ({
      step,
      infos: step.inputs.map((r) => ({ dataId: {}, shape: r.shape, dtype: r.dtype })),
      reads: Int32Array.from(step.inputs, (r) => r.slot),
      writes: Int32Array.from(step.outputs, (r) => r.slot),
      allFresh: step.fresh.every(Boolean),
      free: Int32Array.from(frees[i]),
    }));
    this.sources.forEach((src, slot) => {
      if (src.kind === 'input') this.bindInputs.push([slot, src.index]);
      else if (src.kind === 'variable') this.bindHeld.push([slot, src.variable]);
      else if (src.kind === 'constant') this.bindHeld.push([slot, src.tensor]);
    });
    this.kernels = planned.length;
    this.ids = new Array<DataId | null>(this.sources.length).fill(null);
    this.owned = new Uint8Array(this.sources.length);
  }

  /**
   * Whether the plan still applies on `backend`: the same backend object, and every variable and
   * constant it reads or writes alive (else the caller traces again).
   */
  valid(backend: Backend): boolean {
    if (backend !== this.backend) return false;
    for (const [, t] of this.bindHeld) if (t.isDisposed) return false;
    for (const [v] of this.assigns) if (v.isDisposed) return false;
    return true;
  }

  /** Replays the run on `inputs`; returns one tensor (or variable) per output leaf, owned by the current scope. */
  run(inputs: readonly Tensor[]): Tensor[] {
    const { ids, owned, backend } = this;
    for (const [slot, index] of this.bindInputs) ids[slot] = inputs[index].dataId;
    for (const [slot, t] of this.bindHeld) ids[slot] = t.dataId;
    const counter = ENGINE.randomCounter;
    const steps = this.steps;
    try {
      for (let i = 0; i < steps.length; i++) {
        const { step, infos, reads, writes, allFresh, free } = steps[i];
        for (let k = 0; k < reads.length; k++) infos[k].dataId = this.idOf(reads[k]);
        const produced = step.exec(backend, infos, counter);
        for (let k = 0; k < produced.length; k++) {
          const slot = writes[k];
          const id = produced[k].dataId;
          if (allFresh || step.fresh[k]) {
            for (let j = 0; j < infos.length; j++)
              if (infos[j].dataId === id) throw this.mismatch(step, 'a view');
            ids[slot] = id;
            owned[slot] = 1;
          } else if (id !== ids[slot]) throw this.mismatch(step, 'a new buffer');
        }
        for (let k = 0; k < free.length; k++) this.release(free[k]);
      }
    } catch (e) {
      for (let s = 0; s < owned.length; s++) if (owned[s]) this.release(s);
      // what ENGINE.forward would say of an output too large (the elementwise steps call their kernels directly)
      throw allocationError('nr.jit replay', 'an output', e);
    }
    ENGINE.randomCounter = counter + this.randomAdvance;
    const result = this.outputs.map((o) =>
      o.kind === 'variable'
        ? o.variable
        : ENGINE.makeTensor(this.idOf(o.slot), o.shape, o.dtype, backend),
    );
    for (const [v, slot, unknown] of this.assigns) this.assign(v, slot, unknown);
    owned.fill(0);
    return result;
  }

  private idOf(slot: number): DataId {
    const id = this.ids[slot];
    if (id === null) throw new JitError(`nr.jit: replay read slot ${slot} before it was written`);
    return id;
  }

  private release(slot: number): void {
    const id = this.ids[slot];
    this.owned[slot] = 0;
    this.ids[slot] = null;
    if (id !== null) this.backend.free(id);
  }

  /** Gives a variable its new value; a buffer the engine does not know yet is registered through a handle. */
  private assign(v: Variable, slot: number, unknown: boolean): void {
    const id = this.idOf(slot);
    if (unknown) {
      // NOTE: a second variable given the same buffer finds it registered by the first: refs stay right
      const handle = ENGINE.makeTensor(id, v.shape, v.dtype, this.backend);
      ENGINE.swapBuffer(v, id, this.backend);
      ENGINE.disposeTensor(handle);
    } else ENGINE.swapBuffer(v, id, this.backend);
  }

  private mismatch(step: Step, what: string): JitError {
    return new JitError(
      `nr.jit: at replay, ${step.prim} returned ${what} where the trace saw the opposite; the recorded run cannot be replayed`,
    );
  }

  /** The handles the plan holds on constants (dispose them with the plan). */
  constants(): Tensor[] {
    const out: Tensor[] = [];
    for (const s of this.sources) if (s.kind === 'constant') out.push(s.tensor);
    return out;
  }
}
