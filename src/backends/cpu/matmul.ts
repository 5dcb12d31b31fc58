// CPU matMul: batch dims broadcast, operands and output through strided views, each product by gemm.ts.
import { ArgumentError } from '../../core/errors.js';
import { sizeOf, stridesOf, type Shape } from '../../core/shape.js';
import { matrixLayout, type MatrixLayout, type StridedView } from '../../core/strided.js';
import type { DataId, TensorInfo } from '../backend.js';
import { gemmStrided } from './gemm.js';
import type { KernelStore } from './storage.js';
import { epilogueOf, type SomeHostKernels } from '../kernel_table.js';
import { applyEpilogue } from './epilogue.js';
import type { CpuHost } from './storage.js';
/**
 * For each flat index of `outBatch`, the flat index into `inBatch` that broadcasts to it.
 * @example batchIndex([2, 3], [3]) // Int32Array [0, 1, 2, 0, 1, 2]
 */
export function batchIndex(outBatch: Shape, inBatch: Shape): Int32Array {
  const n = sizeOf(outBatch);
  const map = new Int32Array(n);
  const lead = outBatch.length - inBatch.length;
  const inStrides = stridesOf(inBatch);
  const outStrides = stridesOf(outBatch);
  for (let o = 0; o < n; o++) {
    let idx = 0;
    for (let d = lead; d < outBatch.length; d++) {
      const coord = Math.floor(o / outStrides[d]) % outBatch[d];
      if (inBatch[d - lead] !== 1) idx += coord * inStrides[d - lead];
    }
    map[o] = idx;
  }
  return map;
}

/**
 * Batched matmul: out[..., m, n] = op(a)[..., m, k] · op(b)[..., k, n], batch dims broadcast (numpy rules).
 * int32 inputs accumulate in double and store as int32. `views` read an operand through a strided
 * view of its buffer (KernelAttrs['matMul'].views), bitwise as on a contiguous copy; `outView`
 * writes C into a transposed layout (KernelAttrs['matMul'].outView).
 * @example matMul(store, a, b, false, true, [2, 4, 4])
 */
export function matMul(
  s: KernelStore,
  a: TensorInfo,
  b: TensorInfo,
  transA: boolean,
  transB: boolean,
  outShape: Shape,
  views?: readonly [StridedView | null, StridedView | null],
  outView?: StridedView,
): DataId {
  const rank = outShape.length;
  const m = outShape[rank - 2];
  const n = outShape[rank - 1];
  const k = transA ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
  const { id, values } = s.alloc(a.dtype, sizeOf(outShape));
  const outBatch = outShape.slice(0, -2);
  const aMap = batchIndex(outBatch, a.shape.slice(0, -2));
  const bMap = batchIndex(outBatch, b.shape.slice(0, -2));
  const va = views?.[0] ?? null;
  const vb = views?.[1] ?? null;
  const la = va ? operandLayout('a', a.shape, va) : null;
  const lb = vb ? operandLayout('b', b.shape, vb) : null;
  // op(X)'s strides: a transposed operand swaps its stored row and column strides; without a view,
  // the contiguous [m, k] / [k, n] layout the flags say (as the wasm GEMM derives it)
  const [ar, ac] = la
    ? transA
      ? [la.colStride, la.rowStride]
      : [la.rowStride, la.colStride]
    : transA
      ? [1, m]
      : [k, 1];
  const [br, bc] = lb
    ? transB
      ? [lb.colStride, lb.rowStride]
      : [lb.rowStride, lb.colStride]
    : transB
      ? [1, k]
      : [n, 1];
  const lc = outView ? outputLayout(outShape, outView) : null;
  const ldc = lc ? lc.rowStride : n;
  const av = s.values(a);
  const bv = s.values(b);
  for (let i = 0; i < aMap.length; i++) {
    const aOff = la ? la.offsets[aMap[i]] : aMap[i] * m * k;
    const bOff = lb ? lb.offsets[bMap[i]] : bMap[i] * k * n;
    gemmStrided(
      m,
      n,
      k,
      av,
      aOff,
      ar,
      ac,
      transA,
      bv,
      bOff,
      br,
      bc,
      transB,
      values,
      lc ? lc.offsets[i] : i * m * n,
      ldc,
      false,
    );
  }
  return id;
}

/**
 * Where a matMul writes C ([...batch, m, n]) through `view` (KernelAttrs['matMul'].outView): rows
 * of unit column stride, so each is written as a run (and a bias still lies along the last axis).
 * @example outputLayout([2, 3], { offset: 0, strides: [3, 1] }).rowStride // 3
 */
export function outputLayout(shape: Shape, view: StridedView): MatrixLayout {
  const layout = matrixLayout(shape, view);
  if (!layout || layout.colStride !== 1)
    throw new ArgumentError(
      `matMul: the output view (strides [${view.strides.join(', ')}] over shape [${shape.join(', ')}]) does not write rows of unit stride`,
    );
  return layout;
}

/**
 * A matMul operand's layout (strided.ts matrixLayout); a view no matMul kernel reads in place is
 * the caller's error (the fusion pass only passes supported ones).
 * @example operandLayout('a', [2, 3], null).rowStride // 3
 */
export function operandLayout(name: string, shape: Shape, view: StridedView | null): MatrixLayout {
  const layout = matrixLayout(shape, view);
  if (!layout)
    throw new ArgumentError(
      `matMul: the view of operand ${name} (strides [${view?.strides.join(', ') ?? ''}] over shape [${shape.join(', ')}]) is not a matrix with one unit stride`,
    );
  return layout;
}

/** The matMul kernel of the CPU table (with its bias + activation epilogue). @example CPU_MATMUL.matMul(host, [a, b], attrs) */
export const CPU_MATMUL = {
  matMul: (h, inputs, a) => {
    const id = matMul(
      h.store,
      inputs[0],
      inputs[1],
      a.transposeA,
      a.transposeB,
      a.outShape,
      a.views,
      a.outView,
    );
    const n = a.outShape[a.outShape.length - 1];
    return applyEpilogue(h.store, id, n, epilogueOf(inputs, a.activation));
  },
} satisfies SomeHostKernels<CpuHost>;
