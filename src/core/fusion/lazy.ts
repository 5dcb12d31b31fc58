// Lazy elementwise fusion: elementwise primitives are recorded as pending nodes, and a chain runs as one 'fused' kernel when its values are needed.
//
// The engine calls `recordPending` for unary/binary/cast/where; the tensor it returns holds a
// PendingBuffer instead of a backend buffer. Reading the tensor's `dataId` (what every kernel, read and
// move does) materialises it: the expression is flattened into a FusedProgram and run as one kernel.
// The engine keeps a reference on every real buffer an unmaterialised expression reads (its leaves),
// and drops them when it runs or when its last tensor is disposed before it ever ran.
import type { Backend, DataId, ReduceOp, TensorInfo } from '../../backends/backend.js';
import { broadcastShapes, type Shape, sizeOf } from '../shape.js';
import { reduceLayout } from './fused_reduce.js';
import type { DType } from '../dtype.js';
import { BINARY, outDType, UNARY } from '../elementwise_table.js';
import { ArgumentError, BackendError, show } from '../errors.js';
import {
  type BuiltProgram,
  buildProgram,
  PendingBuffer,
  type PendingOp,
  type PendingOperand,
} from './program.js';

/** The primitives that are recorded instead of run. @example const p: FusiblePrimitive = 'unary'; */
export type FusiblePrimitive = 'unary' | 'binary' | 'cast' | 'where';

const FUSIBLE = new Set<string>(['unary', 'binary', 'cast', 'where']);
/** Dtypes a fused kernel handles (float16 is emulated around kernels, strings and complex are not elementwise). */
const FUSIBLE_DTYPES = new Set<DType>(['float32', 'int32', 'bool']);
/** At most this many distinct input buffers per fused kernel (WebGPU guarantees 8 storage buffers a stage, one is the output). @example if (inputs.length > MAX_FUSED_INPUTS) runFirst(); */
export const MAX_FUSED_INPUTS = 6;
/** At most this many steps per fused kernel: the expression runs at this size. @example if (nodes > MAX_FUSED_STEPS) runFirst(); */
export const MAX_FUSED_STEPS = 48;

/** Whether a primitive is elementwise and may be recorded. @example isFusible('unary') // true */
export function isFusible(prim: string): prim is FusiblePrimitive {
  return FUSIBLE.has(prim);
}

/**
 * When fusion records: `true` always, `false` never, `'auto'` (the default) on the backends where it was
 * measured to pay. On webgpu a dispatch costs tens of microseconds, so one kernel for a chain wins; on
 * cpu and wasm a kernel call costs about a microsecond and the SIMD kernels already stream memory, and
 * the bench measured fused chains no faster there (LSTM fit about 1.5x slower: a state read by two
 * later chains is recomputed), so 'auto' leaves them unfused. nr.jit's fusion pass, which computes
 * nothing twice, fuses under 'auto' on every backend (see jitFusionLimit).
 */
export type FusionMode = boolean | 'auto';

/** Backends on which `'auto'` fuses. */
const AUTO_FUSED = new Set(['webgpu']);
function fusionFromEnvironment(): FusionMode {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const flag = proc?.env?.NEURITE_FUSION;
  if (flag === '0' || flag === 'false' || flag === 'off') return false;
  if (flag === '1' || flag === 'true' || flag === 'on') return true;
  return 'auto';
}

let enabled: FusionMode = fusionFromEnvironment();

/** Values of one-element buffers written from the host, by buffer: scalar operands become program constants. */
const constants = new WeakMap<DataId, number>();
/** At most this many scalar constants per fused kernel. */
const MAX_FUSED_CONSTANTS = 16;

/**
 * Notes the value of a buffer the engine wrote from host values, when it is one fusible element.
 * @example noteConstant(id, new Float32Array([2]), 'float32')
 */
export function noteConstant(id: DataId, values: ArrayLike<number>, dtype: DType): void {
  if (values.length === 1 && FUSIBLE_DTYPES.has(dtype)) constants.set(id, values[0]);
}

/**
 * Turns lazy elementwise fusion on (`true`), off (`false`) or to `'auto'`, the default: on for webgpu,
 * off for cpu and wasm (see FusionMode for the measurements). The environment variable NEURITE_FUSION
 * (`1`/`0`) sets the starting mode. Tensors already pending stay pending and run when read.
 * @example nr.setFusion(false); // every op runs at once, one kernel each
 */
export function setFusion(on: FusionMode): void {
  if (on !== true && on !== false && on !== 'auto')
    throw new ArgumentError(`setFusion: on must be true, false or 'auto', received ${show(on)}`);
  enabled = on;
}

/** The fusion mode: true, false or 'auto'. @example if (nr.getFusion() !== false) console.log('may fuse'); */
export function getFusion(): FusionMode {
  return enabled;
}

/** What fusion needs of the engine's buffer table (the Engine implements it). @example connectFusion(engine); */
export interface FusionHost {
  /** One more internal reference to a real buffer (a pending expression reads it). */
  hold(id: DataId): void;
  /** Drops an internal reference; the buffer is freed with its last reference. */
  release(id: DataId): void;
  /** Whether the engine still holds this real buffer. */
  isAlive(id: DataId): boolean;
  /** A pending buffer has run: its record moves to the real buffer. */
  settle(p: PendingBuffer, real: DataId): void;
}

let host: FusionHost | null = null;

/** Connects the engine (done once, by the engine). @example connectFusion(engine) */
export function connectFusion(h: FusionHost): void {
  host = h;
}

function requireHost(): FusionHost {
  if (!host) throw new BackendError('fusion: no engine is connected');
  return host;
}

/**
 * The key the engine files a buffer under: a pending buffer that has run is its real buffer.
 * @example canonicalId(t.rawId)
 */
export function canonicalId(id: DataId): DataId {
  return id instanceof PendingBuffer && id.real !== null ? id.real : id;
}

/** The real buffer behind a handle, running a pending expression now if needed. @example resolveDataId(t.rawId) */
export function resolveDataId(id: DataId): DataId {
  return id instanceof PendingBuffer ? (id.real ?? materialize(id)) : id;
}

/** Runs a pending expression as one kernel on the backend it was recorded on; returns the real buffer. */
function materialize(p: PendingBuffer): DataId {
  const h = requireHost();
  const built = buildProgram(p, (id) => h.isAlive(id));
  const real = runProgram(p.backend, built, p.shape, p.dtype);
  p.real = real;
  h.settle(p, real);
  for (const leaf of p.leaves) h.release(leaf.id);
  return real;
}

/**
 * A reduction of a pending expression in one 'fusedReduce' kernel: the expression's values are
 * written (the pending tensor has run, as if read) and reduced in the same pass, the reduction
 * bitwise the 'reduce' kernel's on those values. Null where it does not apply: the expression has run,
 * is empty, or the reduced axes are not one run (the caller reduces as usual).
 * @example const r = reducePending(p, 'sum', [1], 'float32'); // r?.reduced is [outer, inner]
 */
export function reducePending(
  p: PendingBuffer,
  op: ReduceOp,
  axes: readonly number[],
  dtype: DType,
): DataId | null {
  if (p.real !== null || sizeOf(p.shape) === 0) return null;
  const layout = reduceLayout(p.shape, axes);
  if (!layout || layout.mid === 0) return null;
  const h = requireHost();
  const { program, inputs, constants } = buildProgram(p, (id) => h.isAlive(id));
  const reduce = { op, step: program.steps.length - 1, ...layout, dtype };
  const [real, reduced] = p.backend.run('fusedReduce', inputs, {
    program,
    constants,
    outShape: p.shape,
    reduce,
  });
  p.real = real;
  h.settle(p, real);
  for (const leaf of p.leaves) h.release(leaf.id);
  return reduced;
}

/** One step runs as its own kernel (the backend's plain elementwise kernel); longer programs as 'fused'. */
function runProgram(b: Backend, built: BuiltProgram, outShape: Shape, dtype: DType): DataId {
  const { program, inputs, constants } = built;
  if (program.steps.length > 1)
    return b.run('fused', inputs, { program, constants, outShape, dtype })[0];
  const s = program.steps[0];
  const slots: TensorInfo[] = [...inputs, ...built.constantInputs];
  const args = s.args.map((a) => slots[a]);
  switch (s.kind) {
    case 'unary':
      return b.run('unary', args, { op: s.op, dtype, alpha: s.alpha });
    case 'binary':
      return b.run('binary', args, { op: s.op, outShape, dtype });
    case 'cast':
      return b.run('cast', args, { dtype });
    case 'where':
      return b.run('where', args, { outShape, dtype });
    default:
      return s satisfies never;
  }
}

/** A tensor as the recorder sees it (the engine passes Tensors). @example recordPending('unary', [tensor], attrs, backend) */
export interface FusibleInput {
  readonly rawId: DataId;
  readonly shape: Shape;
  readonly dtype: DType;
  readonly backend: Backend;
}

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function isFusibleDType(d: unknown): d is DType {
  return typeof d === 'string' && FUSIBLE_DTYPES.has(d as DType);
}

function isUnaryOp(op: unknown): op is keyof typeof UNARY {
  return typeof op === 'string' && op in UNARY;
}

function isBinaryOp(op: unknown): op is keyof typeof BINARY {
  return typeof op === 'string' && op in BINARY;
}

/** What an elementwise primitive computes: its op, output shape and dtype. @example const e: Elementwise = { op: { kind: 'cast' }, shape: [3], dtype: 'int32' }; */
export interface Elementwise {
  readonly op: PendingOp;
  readonly shape: Shape;
  readonly dtype: DType;
}

/**
 * The op, output shape and dtype of a fusible primitive from its attributes (PrimitiveAttrs of
 * unary/binary/cast/where, checked here), or null where fusion does not apply.
 */
function describe(
  prim: FusiblePrimitive,
  inputs: readonly { readonly shape: Shape; readonly dtype: DType }[],
  attrs: object,
): Elementwise | null {
  const op = 'op' in attrs ? attrs.op : undefined;
  switch (prim) {
    case 'unary': {
      if (!isUnaryOp(op) || !('alpha' in attrs) || typeof attrs.alpha !== 'number') return null;
      const x = inputs[0];
      return {
        op: { kind: 'unary', op, alpha: attrs.alpha },
        shape: x.shape,
        dtype: outDType(UNARY[op].dtype, x.dtype),
      };
    }
    case 'binary': {
      if (!isBinaryOp(op)) return null;
      const [a, b] = inputs;
      return {
        op: { kind: 'binary', op },
        shape: broadcastShapes(op, a.shape, b.shape),
        dtype: outDType(BINARY[op].dtype, a.dtype),
      };
    }
    case 'cast': {
      const dtype = 'dtype' in attrs ? attrs.dtype : undefined;
      return isFusibleDType(dtype) ? { op: { kind: 'cast' }, shape: inputs[0].shape, dtype } : null;
    }
    case 'where': {
      const [c, a, b] = inputs;
      const shape = broadcastShapes('where', broadcastShapes('where', c.shape, a.shape), b.shape);
      return { op: { kind: 'where' }, shape, dtype: a.dtype };
    }
    default:
      return prim satisfies never;
  }
}

/**
 * What a primitive computes when a fused kernel can run it (an elementwise primitive whose inputs and
 * output have dtypes the fused kernels handle), else null. nr.jit's fusion pass reads it per step.
 * @example describeElementwise('unary', [{ shape: [3], dtype: 'float32' }], { op: 'exp', alpha: 0 })
 */
export function describeElementwise(
  prim: string,
  inputs: readonly { readonly shape: Shape; readonly dtype: DType }[],
  attrs: object,
): Elementwise | null {
  if (!isFusible(prim)) return null;
  for (const t of inputs) if (!FUSIBLE_DTYPES.has(t.dtype)) return null;
  const d = describe(prim, inputs, attrs);
  return d && FUSIBLE_DTYPES.has(d.dtype) ? d : null;
}

/**
 * The value of a one-element buffer written from host values (a scalar operand), if known.
 * @example scalarConstant(nr.scalar(2).dataId) // 2
 */
export function scalarConstant(id: DataId): number | undefined {
  return constants.get(id);
}

/**
 * The largest group (in output elements) nr.jit's fusion pass forms: 0 with fusion off, else
 * unbounded, with 'auto' too, on every backend. Nothing is computed twice there (a value read
 * outside its group is one of the kernel's outputs), and on cpu and wasm a fused kernel runs each step
 * as its unfused kernel does, block by block in cache (wasm: the SIMD kernels, broadcast inputs read in
 * place), so large groups cost about what their ops do: the transformer block's [64, 32, 128] GELU
 * gradient measured 2.48 ms fused against 2.81 ms op by op, its [64, 32, 64] LayerNorm groups
 * 0.84-1.28x (wasm, one thread, best of 40 interleaved). A transformer fit step on wasm (both plans in
 * one process, 24 steps, either built first) measured best 22.2-34.5 ms capped against 23.5-36.0 ms
 * not, medians 0-14% apart either way, about the spread of two identical plans on this loaded machine,
 * with 127 kernels instead of 164; on cpu 424.5 against 511.7 ms. Groups were capped at 65,536
 * elements on cpu and wasm while the wasm kernel gathered broadcast inputs in JS (2-4x slower groups).
 * @example if (jitFusionLimit() > 0) steps = fuseSteps(steps, kept, sources, limit);
 */
export function jitFusionLimit(): number {
  return enabled === false ? 0 : Number.POSITIVE_INFINITY;
}

/** An input as an operand: a pending one of the output's shape is inlined, any other one is a leaf. */
function operandOf(t: FusibleInput, shape: Shape): PendingOperand {
  const raw = t.rawId;
  if (!(raw instanceof PendingBuffer)) {
    const value = constants.get(raw);
    return value === undefined
      ? { id: raw, shape: t.shape, dtype: t.dtype }
      : { id: raw, shape: t.shape, dtype: t.dtype, value };
  }
  if (raw.real === null && sameShape(t.shape, shape) && sameShape(raw.shape, shape))
    return { id: raw, shape: t.shape, dtype: t.dtype };
  return { id: resolveDataId(raw), shape: t.shape, dtype: t.dtype };
}

function addLeaf(out: PendingOperand[], l: PendingOperand): void {
  for (const o of out)
    if (o.id === l.id && o.dtype === l.dtype && sameShape(o.shape, l.shape)) return;
  out.push(l);
}

function leavesOf(operands: readonly PendingOperand[]): PendingOperand[] {
  const out: PendingOperand[] = [];
  for (const o of operands) {
    if (o.id instanceof PendingBuffer) for (const l of o.id.leaves) addLeaf(out, l);
    else addLeaf(out, o);
  }
  return out;
}

/** Whether an expression over these leaves and steps is past a cap (equal constants share a slot). */
function tooBig(leaves: readonly PendingOperand[], nodes: number): boolean {
  if (nodes > MAX_FUSED_STEPS) return true;
  let buffers = 0;
  let constantCount = 0;
  for (const l of leaves)
    if (l.value === undefined) buffers++;
    else constantCount++;
  if (buffers > MAX_FUSED_INPUTS) return true;
  if (constantCount <= MAX_FUSED_CONSTANTS) return false;
  // every x.add(1) writes its own 1: count distinct values only when it matters
  const values = new Set<string>();
  for (const l of leaves) if (l.value !== undefined) values.add(`${l.dtype}:${l.value}`);
  return values.size > MAX_FUSED_CONSTANTS;
}

function nodesOf(operands: readonly PendingOperand[]): number {
  let n = 1;
  for (const o of operands) if (o.id instanceof PendingBuffer) n += o.id.nodes;
  return n;
}

/**
 * Records an elementwise primitive as a pending node instead of running it, or returns null when it
 * must run now (fusion off, a dtype no fused kernel handles, an input on another backend). Operands
 * that would make the expression too large run first. The engine wraps the node in a tensor.
 * @example const p = recordPending('unary', [x], { op: 'exp', alpha: 0 }, backend);
 */
export function recordPending(
  prim: FusiblePrimitive,
  inputs: readonly FusibleInput[],
  attrs: object,
  backend: Backend,
): PendingBuffer | null {
  if (enabled === false || (enabled === 'auto' && !AUTO_FUSED.has(backend.name))) return null;
  for (const t of inputs) if (t.backend !== backend || !FUSIBLE_DTYPES.has(t.dtype)) return null;
  const d = describe(prim, inputs, attrs);
  if (!d || !isFusibleDType(d.dtype)) return null;
  const operands = inputs.map((t) => operandOf(t, d.shape));
  // A pending expression a second node reads runs now, so it is computed once: inlined into every
  // reader, a state carried across steps (an RNN's c = f·c + i·g, read by h = o·tanh(c) too) would be
  // recomputed inside each later step. A single op is cheap enough to recompute.
  const seen = new Set<PendingBuffer>();
  for (let i = 0; i < operands.length; i++) {
    const id = operands[i].id;
    if (!(id instanceof PendingBuffer)) continue;
    if (id.uses > 0 && id.nodes > 1 && !seen.has(id))
      operands[i] = { ...operands[i], id: resolveDataId(id) };
    else {
      if (!seen.has(id)) id.uses++;
      seen.add(id);
    }
  }
  for (let i = 0; i < operands.length; i++) {
    const id = operands[i].id;
    // the same pending operand twice in one node, once run above
    if (id instanceof PendingBuffer && id.real !== null)
      operands[i] = { ...operands[i], id: id.real };
  }
  let leaves = leavesOf(operands);
  let nodes = nodesOf(operands);
  while (tooBig(leaves, nodes)) {
    // run the largest pending operand first; it becomes a leaf
    let big = -1;
    for (let i = 0; i < operands.length; i++) {
      const id = operands[i].id;
      if (!(id instanceof PendingBuffer)) continue;
      const bigId = big >= 0 ? operands[big].id : null;
      if (!(bigId instanceof PendingBuffer) || id.nodes > bigId.nodes) big = i;
    }
    if (big < 0) break;
    const o = operands[big];
    operands[big] = { ...o, id: resolveDataId(o.id) };
    leaves = leavesOf(operands);
    nodes = nodesOf(operands);
  }
  const h = requireHost();
  for (const l of leaves) h.hold(l.id);
  return new PendingBuffer(d.op, operands, d.shape, d.dtype, backend, leaves, nodes);
}

/** Drops the references of a pending buffer that never ran (its last tensor was disposed). @example dropPending(p) */
export function dropPending(p: PendingBuffer): void {
  if (p.real !== null) return;
  const h = requireHost();
  for (const leaf of p.leaves) h.release(leaf.id);
}
