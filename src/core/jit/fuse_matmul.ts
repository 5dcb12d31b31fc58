// nr.jit's fusion pass for matMul: operands read through a transpose's or slice's view, results written in a transpose's layout.
//
// Attention moves heads between [B, T, H, dh] and [B, H, T, dh] around its matMuls, forward and
// backward; each move is a copyStrided pass over the tensor. A matMul kernel with operand views reads
// the source of such a copy in place (a matrix with one unit stride, any batch offsets), and with an
// output view writes C straight into the transposed layout, so the copy is not run at all.
import type { DataId } from '../../backends/backend.js';
import type { PrimitiveAttrs, Produced } from '../primitives.js';
import { type Shape, shapesEqual, stridesOf } from '../shape.js';
import { matrixLayout, reshapeView, type StridedView } from '../strided.js';
import type { SlotRef, Step } from './recorder.js';

/**
 * A recorded copy (transpose, slice, broadcastTo): its step, its source and its output.
 * @example const c: ViewCopy = { step, from: step.inputs[0], to: step.outputs[0] };
 */
export interface ViewCopy {
  readonly step: Step;
  readonly from: SlotRef;
  readonly to: SlotRef;
}

/**
 * A matMul that writes its result in the layout of the transpose that was its only reader: the
 * transpose's step (dropped), its output (the matMul's now) and where C's elements go in it.
 * @example const w: MatMulWrite = { copy, to: copy.outputs[0], view: { offset: 0, strides: [8, 1] } };
 */
export interface MatMulWrite {
  readonly copy: Step;
  readonly to: SlotRef;
  readonly view: StridedView;
}

/** Whether a matMul kernel writes C through `view` (rows of unit stride: strided.ts matrixLayout). */
function writableView(shape: Shape, view: StridedView): boolean {
  const layout = matrixLayout(shape, view);
  return layout !== null && layout.colStride === 1;
}

/**
 * Where element i of a transpose's input (of `inShape`) lies in its row-major output (of `outShape`),
 * from the transpose's view (output index -> input offset), or null when the view is not a permutation
 * of the input's axes.
 * @example transposeWriteView([2, 3], [3, 2], { offset: 0, strides: [1, 3] }) // { offset: 0, strides: [1, 2] }
 */
export function transposeWriteView(
  inShape: Shape,
  outShape: Shape,
  view: StridedView,
): StridedView | null {
  if (inShape.length !== outShape.length || view.offset !== 0) return null;
  const base = stridesOf(inShape);
  const out = stridesOf(outShape);
  // axes of length 1 are never stepped along: stride 0 suits them
  const strides = inShape.map(() => 0);
  const used = new Set<number>();
  for (let k = 0; k < outShape.length; k++) {
    if (outShape[k] === 1) continue;
    const d = inShape.findIndex(
      (n, a) => !used.has(a) && n === outShape[k] && base[a] === view.strides[k],
    );
    if (d < 0) return null;
    used.add(d);
    strides[d] = out[k];
  }
  return { offset: 0, strides };
}

/**
 * The matMul steps whose result only a transpose reads (not kept, not read elsewhere), each with the
 * write that replaces that transpose. `readers` are the step indices reading each slot (fuse.ts
 * readersOf, Infinity for a slot read after the run).
 * @example const writes = matMulWrites(steps, readersOf(steps, kept));
 */
export function matMulWrites(
  steps: readonly Step[],
  readers: ReadonlyMap<number, readonly number[]>,
): Map<Step, MatMulWrite> {
  const writes = new Map<Step, MatMulWrite>();
  for (const step of steps) {
    if (!step.matMul || step.outputs.length !== 1 || !step.fresh[0]) continue;
    const out = step.outputs[0];
    if (out.dtype !== 'float32' && out.dtype !== 'int32') continue;
    const list = readers.get(out.slot) ?? [];
    if (list.length !== 1 || !Number.isFinite(list[0])) continue;
    const copy = steps[list[0]];
    if (copy.prim !== 'transpose' || !copy.view || copy.inputs.length !== 1 || !copy.fresh[0])
      continue;
    const r = copy.inputs[0];
    if (r.view || r.dtype !== out.dtype || !shapesEqual(r.shape, out.shape)) continue;
    const to = copy.outputs[0];
    const view = transposeWriteView(out.shape, to.shape, copy.view);
    if (view && writableView(out.shape, view)) writes.set(step, { copy, to, view });
  }
  return writes;
}

/**
 * A matMul step reading the source of a transpose, slice or broadcastTo of an operand through its view
 * instead of the copy, where the matMul kernel reads that view in place (strided.ts matrixLayout: the
 * matrix has one unit stride), and writing its result through `write` when given, with an exec that
 * passes the views (the epilogue attributes kept); else the step itself.
 * @example const step2 = matMulReadingViews(step, step.matMul, copyOf, writes.get(step));
 */
export function matMulReadingViews(
  step: Step,
  attrs: PrimitiveAttrs['matMul'],
  copyOf: ReadonlyMap<number, ViewCopy>,
  write: MatMulWrite | undefined,
): Step {
  const out = step.outputs[0];
  if (step.outputs.length !== 1 || !step.fresh[0] || step.inputs.length < 2) return step;
  if (out.dtype !== 'float32' && out.dtype !== 'int32') return step;
  const views: [StridedView | null, StridedView | null] = [null, null];
  const inputs = step.inputs.map((r, i): SlotRef => {
    const c = i < 2 ? copyOf.get(r.slot) : undefined;
    if (!c?.step.view || r.view || c.from.dtype !== r.dtype) return r;
    const view = shapesEqual(c.to.shape, r.shape)
      ? c.step.view
      : reshapeView(c.step.view, c.to.shape, r.shape);
    if (!view || !matrixLayout(r.shape, view)) return r;
    views[i] = view;
    return { slot: c.from.slot, shape: r.shape, dtype: r.dtype, view };
  });
  if (!views[0] && !views[1] && !write) return step;
  const kernelAttrs = {
    transposeA: attrs.transposeA,
    transposeB: attrs.transposeB,
    outShape: out.shape,
    activation: attrs.activation ?? 'linear',
    views,
    outView: write?.view,
  };
  const result = write ? write.to : out;
  const produced = (dataId: DataId): Produced[] => [
    { dataId, shape: result.shape, dtype: result.dtype },
  ];
  return {
    ...step,
    inputs,
    outputs: [result],
    exec: (b, infos) => produced(b.run('matMul', infos, kernelAttrs)),
  };
}
