// The engine: chooses backends, creates and frees tensors, runs primitives and records them on active tapes.
import type { Backend, BackendFactory, DataId, TensorInfo } from '../backends/backend.js';
import { liftComplex, touchesComplex } from '../ops/complex_view.js';
import { ruleFor } from '../ops/rules.js';
import {
  allocationError,
  type DType,
  storageBytesPerElement,
  storageDType,
  type TypedArray,
} from './dtype.js';
import { BackendRegistry } from './backend_registry.js';
import {
  ArgumentError,
  BackendError,
  DisposedError,
  DTypeError,
  NumericError,
  show,
} from './errors.js';
import { roundToFloat16 } from './float16.js';
import { forwardFloat16, touchesFloat16 } from './float16_dispatch.js';
import {
  isReduceAttrs,
  type Produced,
  type Primitive,
  type PrimitiveAttrs,
  reduceDType,
} from './primitives.js';
import { getScopeContext, Scope, setUnownedHandler } from './scope.js';
import { TapeStack } from './tape_stack.js';
import { runStringPrimitive, type StringPrimInput } from './strings.js';
import {
  canonicalId,
  connectFusion,
  dropPending,
  type FusiblePrimitive,
  type FusionHost,
  isFusible,
  noteConstant,
  recordPending,
  reducePending,
  resolveDataId,
} from './fusion/lazy.js';
import { PendingBuffer } from './fusion/program.js';
import { reducedShape, type Shape } from './shape.js';
import { Tensor, Variable } from './tensor.js';

/**
 * What watches the engine while nr.jit traces a function (core/jit/recorder.ts): each primitive run, each
 * variable made or assigned, each read of values. Null outside a trace, so eager runs pay one check.
 * @example ENGINE.recorder = { primitive() {}, assign() {}, variable() {}, read() {} };
 */
export interface EngineRecorder {
  primitive<P extends Primitive>(
    prim: P,
    inputs: readonly Tensor[],
    attrs: PrimitiveAttrs[P],
    outputs: readonly Tensor[],
  ): void;
  /** `v.assign(value)`, before the variable takes value's buffer. */
  assign(v: Variable, value: Tensor): void;
  variable(v: Variable): void;
  /** A read of values (`data`, `dataSync`...) of `t`; may throw. */
  read(op: string, t: Tensor): void;
}

interface BufferRecord {
  /** Tensors holding the buffer: only these count in memory(). */
  refs: number;
  /** Pending fused expressions that read the buffer (fusion/lazy.ts); it is freed when both are 0. */
  held: number;
  bytes: number;
  backend: Backend;
  /** A string tensor's values (UTF-8, one array per element), kept here and never in `backend`. */
  strings: readonly Uint8Array[] | null;
}

/** Per-backend memory figures. */
export interface MemoryInfo {
  /** Live tensor objects (views that share a buffer count separately). */
  numTensors: number;
  /** Distinct buffers. */
  numDataBuffers: number;
  /** Bytes of those buffers. */
  numBytes: number;
  /** Tensors reported by the leak detector: garbage-collected without dispose(). */
  numLeaked: number;
  /**
   * The same figures for each backend that holds tensors, with the backend's own: `backendBytes` (what
   * it holds for live tensors) and extras such as the wasm `heapBytes` or the GPU's `gpuBytes` and
   * `pooledBytes`.
   */
  backends: Record<
    string,
    { numTensors: number; numBytes: number; backendBytes: number; [extra: string]: number }
  >;
}

let nextTensorId = 0;

/** What the leak report says about a tensor (it must not reference the tensor itself). */
type LeakInfo =
  | { kind: 'tensor'; id: number; shape: Shape; dtype: DType }
  | { kind: 'variable'; name: string; shape: Shape };

function leakText(held: LeakInfo): string {
  return held.kind === 'tensor'
    ? `id ${held.id}, shape ${show(held.shape)}, ${held.dtype}`
    : `variable '${held.name}', shape ${show(held.shape)}`;
}

/** The single engine instance behind the public API. */
export class Engine implements FusionHost {
  /** The registered backends, those started, and the current one. */
  private readonly backends = new BackendRegistry();
  private readonly buffers = new Map<DataId, BufferRecord>();
  /** Live tensors per backend name: counts only, so that forgotten tensors can be garbage-collected. */
  private readonly liveCount = new Map<string, number>();
  private numLive = 0;
  /** The active gradient tapes (autograd/grad.ts pushes and pauses them through its API). */
  readonly tapeStack = new TapeStack();
  numLeaked = 0;
  leakReporter: ((info: string) => void) | null = (info) => console.warn(`neurite: ${info}`);
  // The held value is a small record, formatted only when a leak is reported: building the text for
  // every tensor cost more than the registration itself (about 0.3 us a tensor).
  private readonly finalizer = new FinalizationRegistry<LeakInfo>((held) => {
    this.numLeaked++;
    if (this.leakReporter && this.numLeaked <= 10)
      this.leakReporter(
        `tensor garbage-collected without dispose(): ${leakText(held)}${this.numLeaked === 10 ? ' (further reports suppressed)' : ''}`,
      );
  });
  /**
   * While a layer with a mixed dtype policy runs: float32 variables that feed a primitive are cast to
   * this dtype first (Keras' autocast scope); null otherwise. Set by Layer.apply.
   */
  autocastDtype: DType | null = null;
  /** Global seed and draw counter for random ops called without a seed. */
  randomSeed = Math.floor(Math.random() * 0x7fffffff);
  randomCounter = 0;
  /** The active nr.jit trace, if any (see EngineRecorder). */
  recorder: EngineRecorder | null = null;

  constructor() {
    connectFusion(this);
    setUnownedHandler((t) => this.watch(t));
  }

  // ---- backends (backend_registry.ts) ----

  registerBackend(name: string, factory: BackendFactory, priority = 0): void {
    this.backends.register(name, factory, priority);
  }

  registeredBackends(): string[] {
    return this.backends.names();
  }

  initBackend(name: string): Promise<Backend> {
    return this.backends.init(name);
  }

  async setBackend(name: string): Promise<boolean> {
    await this.backends.select(name);
    return true;
  }

  /** Initialises the highest-priority backend that starts on this platform. */
  ready(): Promise<void> {
    return this.backends.ready();
  }

  /** Resolves when a backend start in flight ends (never rejects); see BackendRegistry.settled. */
  backendSettled(): Promise<void> {
    return this.backends.settled();
  }

  /** The current backend; the CPU backend is started synchronously if none was chosen yet. */
  backend(): Backend {
    return this.backends.current();
  }

  findBackend(name: string): Backend | undefined {
    return this.backends.find(name);
  }

  removeBackend(name: string): void {
    this.backends.remove(name);
  }

  // ---- tensors and memory ----

  /** Wraps a buffer in a new tensor owned by the current scope (one more reference to the buffer). */
  makeTensor(given: DataId, shape: Shape, dtype: DType, backend: Backend): Tensor {
    const dataId = canonicalId(given);
    let rec = this.buffers.get(dataId);
    const t = new Tensor(nextTensorId++, shape, dtype, dataId, backend);
    if (!rec) {
      // float16 is stored as float32 today: memory() reports the bytes really held (a pending
      // buffer counts what it will hold, so the figures do not depend on fusion)
      const bytes = t.size * storageBytesPerElement(dtype);
      rec = { refs: 0, held: 0, bytes, backend, strings: null };
      this.buffers.set(dataId, rec);
    }
    rec.refs++;
    this.countLive(backend, 1);
    this.own(t);
    return t;
  }

  /**
   * Gives a tensor to the current scope, or, outside any, watches it for the leak report. A scope frees
   * what it owns, so only a tensor no scope owns can be garbage-collected undisposed; registering every
   * tensor cost 0.45 µs of an eager add's 2.2 (measured), most of it on tensors a tidy frees anyway.
   */
  own(t: Tensor): void {
    const scope = getScopeContext().current();
    if (scope) scope.track(t);
    else this.watch(t);
  }

  /** Registers a tensor no scope owns for the leak report (once). */
  watch(t: Tensor): void {
    if (t.leakWatched || t.isDisposed) return;
    t.leakWatched = true;
    // t.shape is frozen and owned by t: the record may hold it
    this.finalizer.register(t, { kind: 'tensor', id: t.id, shape: t.shape, dtype: t.dtype }, t);
  }

  /** Creates a tensor from values already in a typed array of the right dtype (float16: rounded here). */
  fromValues(values: TypedArray, shape: Shape, dtype: DType): Tensor {
    const b = this.backend();
    const stored =
      dtype === 'float16' && values instanceof Float32Array ? roundToFloat16(values) : values;
    const id = b.write(stored, storageDType(dtype));
    noteConstant(id, stored, dtype);
    return this.makeTensor(id, shape, dtype, b);
  }

  /**
   * Creates a string tensor from UTF-8 values, one per element (core/strings.ts): they stay on the
   * host, counted in memory() by their byte lengths, on the current backend's line.
   */
  fromStrings(values: readonly Uint8Array[], shape: Shape): Tensor {
    const dataId = {};
    let bytes = 0;
    for (const v of values) bytes += v.length;
    this.buffers.set(dataId, { refs: 0, held: 0, bytes, backend: this.backend(), strings: values });
    return this.makeTensor(dataId, shape, 'string', this.backend());
  }

  /** A string tensor's UTF-8 values (shared: callers must not mutate them). */
  stringValues(op: string, t: Tensor): readonly Uint8Array[] {
    this.assertAlive(op, 'tensor', t);
    const values = this.buffers.get(t.dataId)?.strings;
    if (!values)
      throw new DTypeError(`${op}: expected a string tensor, received dtype '${t.dtype}'`);
    return values;
  }

  private readonly variables = new Map<string, Variable>();
  private variableCounter = 0;

  /** A unique default variable name. */
  uniqueVariableName(prefix = 'variable'): string {
    let name: string;
    do name = `${prefix}_${this.variableCounter++}`;
    while (this.variables.has(name));
    return name;
  }

  /** Whether a live variable has this name. */
  hasVariable(name: string): boolean {
    return this.variables.has(name);
  }

  /** Live trainable variables, in creation order. */
  trainableVariables(): Variable[] {
    return [...this.variables.values()].filter((v) => v.trainable);
  }

  /** Disposes every live variable (trainable or not); tfjs' `disposeVariables`. */
  disposeVariables(): void {
    for (const v of [...this.variables.values()]) this.disposeTensor(v);
  }

  /** A variable holding its own reference to `initial`'s buffer; variables belong to no scope. */
  makeVariable(initial: Tensor, trainable: boolean, name: string): Variable {
    this.assertAlive('variable', 'initialValue', initial);
    const rec = this.buffers.get(initial.dataId);
    if (!rec) throw new BackendError('variable: the initial value has no live buffer');
    if (this.variables.has(name))
      throw new ArgumentError(
        `variable: a live variable is already named '${name}'; names must be unique`,
      );
    rec.refs++;
    const v = new Variable(nextTensorId++, initial, trainable, name);
    this.variables.set(name, v);
    this.countLive(v.backend, 1);
    v.leakWatched = true;
    this.finalizer.register(v, { kind: 'variable', name, shape: v.shape }, v);
    this.recorder?.variable(v);
    return v;
  }

  /** A second handle on t's buffer, outside any scope: what the tape saves. Keeps t's tape identity. */
  share(t: Tensor): Tensor {
    this.assertAlive('share', 'tensor', t);
    const h = this.makeTensor(t.rawId, t.shape, t.dtype, t.backend);
    h.scope?.untrack(h);
    this.watch(h);
    h.tapeKey = t.tapeKey;
    return h;
  }

  /** Drops a tensor's reference to its buffer; the buffer is freed with its last reference. */
  disposeTensor(t: Tensor): void {
    if (t.isDisposed) return;
    t.isDisposed = true;
    t.scope?.untrack(t);
    if (t instanceof Variable && this.variables.get(t.name) === t) this.variables.delete(t.name);
    this.countLive(t.backend, -1);
    if (t.leakWatched) this.finalizer.unregister(t);
    this.releaseBuffer(canonicalId(t.rawId));
  }

  /** Points a variable at a new buffer (one reference taken), releasing the old one. */
  swapBuffer(t: Tensor, dataId: DataId, backend: Backend): void {
    const rec = this.buffers.get(dataId);
    if (!rec) throw new BackendError('assign: the new value has no live buffer');
    rec.refs++;
    this.releaseBuffer(canonicalId(t.rawId));
    t.dataId = dataId;
    t.backend = backend;
  }

  private countLive(backend: Backend, delta: number): void {
    this.numLive += delta;
    this.liveCount.set(backend.name, (this.liveCount.get(backend.name) ?? 0) + delta);
  }

  private releaseBuffer(dataId: DataId): void {
    const rec = this.buffers.get(dataId);
    if (!rec) return;
    rec.refs--;
    this.freeUnused(dataId, rec);
  }

  private freeUnused(dataId: DataId, rec: BufferRecord): void {
    if (rec.refs + rec.held > 0) return;
    this.buffers.delete(dataId);
    // a pending buffer never ran: nothing to free but its hold on the buffers it would read
    if (dataId instanceof PendingBuffer) dropPending(dataId);
    // string values live in the record itself, not in the backend
    else if (rec.strings === null) rec.backend.free(dataId);
  }

  // ---- fusion's view of the buffer table (FusionHost, fusion/lazy.ts) ----

  /** @internal one more reference from a pending expression */
  hold(dataId: DataId): void {
    const rec = this.buffers.get(dataId);
    if (!rec) throw new BackendError('fusion: a pending expression reads a freed buffer');
    rec.held++;
  }

  /** @internal a pending expression no longer reads the buffer */
  release(dataId: DataId): void {
    const rec = this.buffers.get(dataId);
    if (!rec) return;
    rec.held--;
    this.freeUnused(dataId, rec);
  }

  /** @internal whether the buffer is still held */
  isAlive(dataId: DataId): boolean {
    return this.buffers.has(dataId);
  }

  /** @internal a pending buffer ran: its record now keys the real buffer */
  settle(p: PendingBuffer, real: DataId): void {
    const rec = this.buffers.get(p);
    if (!rec) return;
    this.buffers.delete(p);
    this.buffers.set(real, rec);
  }

  assertAlive(op: string, arg: string, t: Tensor): void {
    if (t.isDisposed)
      throw new DisposedError(
        `${op}: ${arg} was disposed (tensor id ${t.id}, shape ${show(t.shape)}); it can no longer be used`,
      );
  }

  memory(): MemoryInfo {
    const backends: MemoryInfo['backends'] = {};
    for (const [name, b] of this.backends.started()) {
      const { numBytes: backendBytes, ...extra } = b.memory();
      backends[name] = { ...extra, numTensors: 0, numBytes: 0, backendBytes };
    }
    for (const [name, n] of this.liveCount) {
      const entry = backends[name];
      if (entry) entry.numTensors = n;
    }
    let numBytes = 0;
    let numDataBuffers = 0;
    for (const rec of this.buffers.values()) {
      // buffers only pending expressions read are not the program's: the unfused run has freed them
      if (rec.refs === 0) continue;
      numDataBuffers++;
      numBytes += rec.bytes;
      const entry = backends[rec.backend.name];
      if (entry) entry.numBytes += rec.bytes;
    }
    return {
      numTensors: this.numLive,
      numDataBuffers,
      numBytes,
      numLeaked: this.numLeaked,
      backends,
    };
  }

  // ---- running primitives ----

  /** Moves a tensor's values to another backend (async: the source may read asynchronously). */
  async moveTo(t: Tensor, backend: Backend): Promise<void> {
    this.assertAlive('moveToBackend', 'tensor', t);
    if (t.backend === backend) return;
    const rec = this.buffers.get(t.dataId);
    if (rec?.strings) {
      // host values: only the backend they are counted under changes
      this.rebind(t, t.dataId, rec.strings, rec.bytes, backend);
      return;
    }
    const values = await t.backend.read(t.dataId);
    if (t.isDisposed) return;
    this.rebind(t, backend.write(values, storageDType(t.dtype)), null, values.byteLength, backend);
  }

  /** Points t at a fresh buffer of `backend` that holds its values (a string tensor: a fresh record). */
  private rebind(
    t: Tensor,
    dataId: DataId,
    strings: readonly Uint8Array[] | null,
    bytes: number,
    backend: Backend,
  ): void {
    // string values stay on the host: a fresh record (its own key) over the same values
    const id = strings === null ? dataId : {};
    this.buffers.set(id, { refs: 1, held: 0, bytes, backend, strings });
    this.releaseBuffer(canonicalId(t.rawId));
    this.countLive(t.backend, -1);
    this.countLive(backend, 1);
    t.dataId = id;
    t.backend = backend;
  }

  /**
   * A primitive's input as `backend` sees it. The policy (as in tfjs): a tensor read by a primitive on
   * another backend MOVES to that backend (its buffer is copied over and the old one freed; the tensor
   * object stays the same), so a model keeps its weights where it runs. Only a backend that reads
   * synchronously can be moved from here; from WebGPU the move is explicit and async
   * (`await nr.moveToBackend(t, name)`), and a BackendError says so.
   */
  private migrate(op: string, t: Tensor, backend: Backend): TensorInfo {
    this.assertAlive(op, 'input', t);
    // a pending input runs now, before the kernel that reads it starts (a kernel may retry itself)
    if (t.rawId instanceof PendingBuffer) resolveDataId(t.rawId);
    if (t.backend === backend) return t;
    let values: TypedArray;
    try {
      // an async backend still answers for tensors it keeps a host copy of (webgpu: small ones from JS)
      values = t.backend.readSync(t.dataId);
    } catch (e) {
      if (t.backend.canReadSync || !(e instanceof BackendError)) throw e;
      throw new BackendError(
        `${op}: input lives on backend '${t.backend.name}', which cannot be read synchronously; move it with await nr.moveToBackend(t, '${backend.name}')`,
      );
    }
    this.rebind(t, backend.write(values, storageDType(t.dtype)), null, values.byteLength, backend);
    return t;
  }

  /** Set by the DEBUG flag (nr.enableDebugMode): every primitive's float outputs are checked for NaN/Infinity. */
  debugChecks = false;
  /** Set while nr.profile runs: told of every primitive run, with its inputs, outputs and milliseconds. */
  profiler: KernelListener | null = null;

  /** Runs a primitive on the current backend and records it on every tape that watches an input. */
  run<P extends Primitive>(prim: P, given: readonly Tensor[], attrs: PrimitiveAttrs[P]): Tensor[] {
    if (given.some((t) => t.dtype === 'string')) return this.runOnStrings(prim, given, attrs);
    const inputs =
      this.autocastDtype === null ? given : given.map((t) => this.autocastRead(prim, t));
    // complex64 runs as ops on its float32 pairs (ops/complex.ts), recorded as those ops
    if (touchesComplex(prim, inputs, attrs)) return liftComplex(prim, inputs, attrs);
    const backend = this.backend();
    // nr.jit records primitives one by one and replays them: no pending chains inside a trace;
    // debug checks and tf.profile look at each primitive's values: those run one by one too
    if (this.recorder === null && !this.debugChecks && !this.profiler && isFusible(prim)) {
      const fused = this.recordFused(prim, inputs, attrs, backend);
      if (fused) return fused;
    }
    if (
      isReduceAttrs(prim, attrs) &&
      this.recorder === null &&
      !this.debugChecks &&
      !this.profiler
    ) {
      const reduced = this.reduceFused(inputs, attrs, backend);
      if (reduced) return reduced;
    }
    const infos = inputs.map((t) => this.migrate(prim, t, backend));
    const started = this.profiler ? performance.now() : 0;
    const produced = this.forward(prim, backend, infos, attrs);
    const outputs = produced.map((p) => this.makeTensor(p.dataId, p.shape, p.dtype, backend));
    if (this.debugChecks) assertFinite(prim, attrs, outputs);
    this.profiler?.(prim, attrs, inputs, outputs, performance.now() - started);
    this.recordVjp(prim, inputs, outputs, attrs);
    this.recorder?.primitive(prim, inputs, attrs, outputs);
    return outputs;
  }

  private recordVjp<P extends Primitive>(
    prim: P,
    inputs: readonly Tensor[],
    outputs: Tensor[],
    attrs: PrimitiveAttrs[P],
  ): void {
    const vjp = ruleFor(prim).vjp;
    if (vjp && this.tapeStack.recording)
      this.tapeStack.record(inputs, outputs, (dys, ins, outs, _extra, needs) =>
        vjp(dys, ins, outs, attrs, needs),
      );
    // an op without a gradient still reads its inputs: grad() tells "unread" from "zero gradient" by it
    else this.tapeStack.touch(inputs);
  }

  /**
   * A reduction of a pending tensor (a fused chain not yet run) as one kernel with it (fusion/lazy.ts
   * reducePending), or null when it reduces as usual.
   */
  private reduceFused(
    inputs: readonly Tensor[],
    attrs: PrimitiveAttrs['reduce'],
    backend: Backend,
  ): Tensor[] | null {
    const x = inputs[0];
    const raw = x?.rawId;
    if (!(raw instanceof PendingBuffer) || raw.real !== null || raw.backend !== backend)
      return null;
    this.assertAlive('reduce', 'x', x);
    const dtype = reduceDType(attrs.op, x.dtype);
    const id = reducePending(raw, attrs.op, attrs.axes, dtype);
    if (id === null) return null;
    const shape = reducedShape(x.shape, attrs.axes, attrs.keepDims ?? false);
    const outputs = [this.makeTensor(id, shape, dtype, backend)];
    this.recordVjp('reduce', inputs, outputs, attrs);
    return outputs;
  }

  /** An elementwise primitive recorded as a pending tensor (fusion/lazy.ts), or null when it runs now. */
  private recordFused<P extends Primitive>(
    prim: P & FusiblePrimitive,
    inputs: readonly Tensor[],
    attrs: PrimitiveAttrs[P],
    backend: Backend,
  ): Tensor[] | null {
    for (const t of inputs) this.assertAlive(prim, 'input', t);
    const p = recordPending(prim, inputs, attrs, backend);
    if (!p) return null;
    const outputs = [this.makeTensor(p, p.shape, p.dtype, backend)];
    this.recordVjp(prim, inputs, outputs, attrs);
    return outputs;
  }

  /**
   * The kernel-level entry of one primitive: its rule's forward on `backend` (through the float16 path
   * where a float16 tensor is involved), no tensors, scopes or tapes. `run` and nr.jit's replay both call it.
   * @example ENGINE.forward('unary', b, [x], { op: 'exp', alpha: 0 })
   */
  forward<P extends Primitive>(
    prim: P,
    backend: Backend,
    infos: readonly TensorInfo[],
    attrs: PrimitiveAttrs[P],
  ): Produced[] {
    const rule = ruleFor(prim);
    try {
      return touchesFloat16(infos, attrs)
        ? forwardFloat16(prim, backend, infos, (b) => rule.forward(b, infos, attrs))
        : rule.forward(backend, infos, attrs);
    } catch (e) {
      // An output too large for V8 (or for memory) is a typed error naming the primitive and its inputs.
      throw allocationError(prim, `the output for inputs ${show(infos.map((t) => t.shape))}`, e);
    }
  }

  /**
   * A primitive with a string input: only movement primitives are defined (core/strings.ts runs them on
   * index tensors); the output shares its input's values when the primitive made a view. Not recorded
   * on tapes: strings have no gradient.
   */
  private runOnStrings<P extends Primitive>(
    prim: P,
    inputs: readonly Tensor[],
    attrs: PrimitiveAttrs[P],
  ): Tensor[] {
    // strings live on the host: a traced function (nr.jit) cannot replay them, so the trace says so
    const first = inputs.find((t) => t.dtype === 'string');
    if (first) this.recorder?.read(`${prim} on a string tensor`, first);
    this.tapeStack.touch(inputs);
    const given: StringPrimInput[] = inputs.map((t) => {
      this.assertAlive(prim, 'input', t);
      return t.dtype === 'string'
        ? { kind: 'string', values: this.stringValues(prim, t), shape: t.shape }
        : { kind: 'numeric', info: t, backend: t.backend };
    });
    const out = runStringPrimitive(prim, given, attrs);
    if (out.kind === 'new') return [this.fromStrings(out.values, out.shape)];
    const src = inputs[out.shares];
    return [this.makeTensor(src.dataId, out.shape, 'string', src.backend)];
  }

  /**
   * `t` as `op` reads it: inside an autocast scope a float32 variable is cast to the compute dtype (a
   * recorded cast, so gradients reach the float32 variable); an explicit cast reads it as it is. Ops
   * call it through toTensor, before they promote dtypes; `run` for variables passed straight to a
   * primitive.
   */
  autocastRead(op: string, t: Tensor): Tensor {
    const dtype = this.autocastDtype;
    if (dtype === null || dtype === 'float32' || op === 'cast') return t;
    return t instanceof Variable && t.autocast && t.dtype === 'float32'
      ? this.run1('cast', [t], { dtype })
      : t;
  }

  /** Runs one-output primitive. */
  run1<P extends Primitive>(prim: P, inputs: readonly Tensor[], attrs: PrimitiveAttrs[P]): Tensor {
    return this.run(prim, inputs, attrs)[0];
  }

  /** A fresh scope under the current one. */
  newScope(): Scope {
    return new Scope(getScopeContext().current());
  }
}

/** What nr.profile hears of each primitive run (core/profile.ts). */
export type KernelListener = (
  prim: Primitive,
  attrs: unknown,
  inputs: readonly Tensor[],
  outputs: readonly Tensor[],
  ms: number,
) => void;

/**
 * Debug mode's check: a float output holding NaN or Infinity is a NumericError naming the primitive (and
 * its op, for the elementwise families). Backends that cannot read synchronously (webgpu) are not checked.
 */
function assertFinite(prim: Primitive, attrs: unknown, outputs: readonly Tensor[]): void {
  outputs.forEach((t, i) => {
    if ((t.dtype !== 'float32' && t.dtype !== 'float16') || !t.backend.canReadSync) return;
    const values = t.backend.readSync(t.dataId);
    for (let k = 0; k < values.length; k++) {
      if (Number.isFinite(values[k])) continue;
      const op =
        typeof attrs === 'object' && attrs !== null && 'op' in attrs && typeof attrs.op === 'string'
          ? ` (${attrs.op})`
          : '';
      throw new NumericError(
        `${prim}${op}: debug mode found ${values[k]} in output ${i} at flat index ${k} (shape ${show(t.shape)})`,
      );
    }
  });
}

/** The process-wide engine. */
export const ENGINE = new Engine();
