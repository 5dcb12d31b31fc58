// The contract's vocabulary: the primitives ops record (PrimitiveAttrs) and the kernels backends run (KernelAttrs).
import type {
  AdamAttrs,
  Backend,
  Conv2DInfo,
  DataId,
  FusedActivation,
  Pool2DInfo,
  RandomSpec,
  ReduceOp,
  TensorInfo,
} from '../backends/backend.js';
import type { BinaryOp, UnaryOp } from './elementwise_table.js';
import type { DType } from './dtype.js';
import type { FusedProgram } from './fusion/program.js';
import type { ReduceEpilogue } from './fusion/fused_reduce.js';
import type { Shape } from './shape.js';
import type { StridedView } from './strided.js';
import type { Tensor } from './tensor.js';

/** Attributes of each primitive. A primitive is what the tape records and a backend (mostly) implements. */
export interface PrimitiveAttrs {
  unary: { op: UnaryOp; alpha: number };
  binary: { op: BinaryOp };
  where: Record<string, never>;
  cast: { dtype: DType };
  /** keepDims leaves the reduced axes as 1s in the output shape (same buffer layout, no reshape op). */
  reduce: { op: ReduceOp; axes: readonly number[]; keepDims?: boolean };
  argReduce: { op: 'argMax' | 'argMin'; axis: number };
  cumulative: { op: 'sum' | 'prod'; axis: number; exclusive: boolean; reverse: boolean };
  reshape: { shape: Shape };
  transpose: { perm: readonly number[] };
  /** out[i] = x[begin + i * strides] with out shape `size` (negative strides reverse). */
  slice: { begin: readonly number[]; size: readonly number[]; strides: readonly number[] };
  /** The adjoint of slice: zeros of `shape` with dy written at the sliced positions. */
  sliceGrad: { shape: Shape; begin: readonly number[]; strides: readonly number[] };
  broadcastTo: { shape: Shape };
  concat: { axis: number };
  padConstant: { paddings: readonly (readonly [number, number])[]; value: number };
  gather: { axis: number; batchDims: number };
  scatterAdd: { axis: number; batchDims: number; shape: Shape };
  gatherND: Record<string, never>;
  scatterND: { shape: Shape };
  topkIndices: { k: number };
  /** With a third input, the bias of the epilogue; `activation` (default linear) is applied last. */
  matMul: { transposeA: boolean; transposeB: boolean; activation?: FusedActivation };
  /** With a third input, the bias of the epilogue (one per output channel). */
  conv2d: { info: Conv2DInfo; activation?: FusedActivation };
  conv2dBackpropInput: { info: Conv2DInfo };
  conv2dBackpropFilter: { info: Conv2DInfo };
  depthwiseConv2d: { info: Conv2DInfo };
  depthwiseConv2dBackpropInput: { info: Conv2DInfo };
  depthwiseConv2dBackpropFilter: { info: Conv2DInfo };
  maxPool: { info: Pool2DInfo };
  maxPoolGrad: { info: Pool2DInfo };
  avgPool: { info: Pool2DInfo };
  avgPoolGrad: { info: Pool2DInfo };
  resizeBilinear: { outH: number; outW: number; alignCorners: boolean; halfPixelCenters: boolean };
  resizeBilinearGrad: { alignCorners: boolean; halfPixelCenters: boolean };
  resizeNearest: { outH: number; outW: number; alignCorners: boolean; halfPixelCenters: boolean };
  resizeNearestGrad: { alignCorners: boolean; halfPixelCenters: boolean };
  random: { spec: RandomSpec; shape: Shape; dtype: DType };
  /** softmax over the last axis (ops/softmax.ts): a fused kernel where the backend has one. */
  softmax: Record<string, never>;
  /**
   * Inputs grad, m, v, w of each of k variables, then alpha: one fused Adam step of all k
   * (ops/optimizer_rules.ts), outputs m', v', w' of each in turn.
   */
  adamUpdate: AdamAttrs;
  /** Inputs x (int32, rank 1 or 2) and optional weights: per row, counts or weight sums of each value in [0, size). */
  bincount: { size: number; binaryOutput: boolean };
  /**
   * A zero-copy view between complex64 [...s] and its float32 pairs [...s, 2] (the same buffer):
   * `to` is the dtype of the output (ops/complex.ts).
   */
  complexView: { to: 'complex64' | 'float32' };
  /** Discrete Fourier transform over the last-but-one axis of float32 pairs [..., n, 2] (ops/spectral.ts). */
  fft: { inverse: boolean };
}

/** Name of a primitive. */
export type Primitive = keyof PrimitiveAttrs;

/** Paddings of padConstant: [before, after] per axis. @example const p: Paddings = [[0, 0], [1, 2]]; */
export type Paddings = readonly (readonly [number, number])[];

/**
 * Attributes of each kernel: the contract's vocabulary. Tensors are never attributes: a kernel's tensors
 * are its `inputs` (listed in each comment), so the engine sees every tensor a kernel reads (the
 * float16 path maps them without guessing). An attribute named `dtype` is the output dtype. A kernel
 * whose attributes are its primitive's says so (`PrimitiveAttrs['cast']`).
 * @example const attrs: KernelAttrs['cast'] = { dtype: 'int32' };
 */
export interface KernelAttrs {
  /** [x] */
  unary: { op: UnaryOp; dtype: DType; alpha: number };
  /** [a, b], broadcast to outShape */
  binary: { op: BinaryOp; outShape: Shape; dtype: DType };
  /** [cond, a, b], broadcast to outShape */
  where: { outShape: Shape; dtype: DType };
  /** [x] */
  cast: PrimitiveAttrs['cast'];
  /** [x]: over sorted `axes`; the output has the reduced axes removed */
  reduce: { op: ReduceOp; axes: readonly number[]; dtype: DType };
  /** [x] */
  argReduce: PrimitiveAttrs['argReduce'];
  /** [x] */
  cumulative: PrimitiveAttrs['cumulative'];
  /** [x]: out[idx] = x.flat[offset + sum_k idx[k] * strides[k]] (transpose, slice, reverse, broadcast) */
  copyStrided: { outShape: Shape; offset: number; strides: readonly number[] };
  /** [dy]: the dual of copyStrided for non-overlapping maps: zeros of `size`, out[offset + idx·strides] = dy[idx] */
  scatterStrided: { size: number; offset: number; strides: readonly number[] };
  /** [...xs] */
  concat: { axis: number; outShape: Shape };
  /** [x] */
  padConstant: { paddings: Paddings; value: number; outShape: Shape };
  /** [x, indices]: slices of x along `axis` by int32 indices; the first `batchDims` dims are batch dims */
  gather: { axis: number; batchDims: number; outShape: Shape };
  /** [updates, indices]: the adjoint of gather, zeros of outShape with updates added at the gathered positions */
  scatterAdd: { axis: number; batchDims: number; outShape: Shape };
  /** [x, indices] */
  gatherND: { outShape: Shape };
  /** [indices, updates]: zeros(outShape), adding `updates` at the index tuples (duplicates accumulate) */
  scatterND: { outShape: Shape };
  /** [x]: indices of the k largest entries along the last axis, sorted descending (ties: lower index first) */
  topkIndices: PrimitiveAttrs['topkIndices'];
  /** [a, b] or [a, b, bias]: batch dims broadcast, outShape = [...batch, m, n]; out = activation(a·b + bias) */
  matMul: {
    transposeA: boolean;
    transposeB: boolean;
    outShape: Shape;
    activation: FusedActivation;
    /**
     * Per operand, where its [...batch, rows, cols] elements lie in its buffer (a transpose or slice
     * nr.jit's fusion pass let the kernel read in place; see strided.ts matrixLayout): only nr.jit's
     * replay sets it, on backends whose Backend.matMulViews is true. Absent or null: row-major.
     */
    views?: readonly [StridedView | null, StridedView | null];
    /**
     * Where C's [...batch, m, n] elements go in the output buffer (a transpose of the product that
     * nr.jit's fusion pass dropped: C is written in the transposed layout); rows of unit stride.
     */
    outView?: StridedView;
  };
  /** [x, filter] or [x, filter, bias], NHWC, filter [fh, fw, inC, outC]; out = activation(conv + bias) */
  conv2d: { info: Conv2DInfo; activation: FusedActivation };
  /** [dy, filter] */
  conv2dBackpropInput: PrimitiveAttrs['conv2dBackpropInput'];
  /** [x, dy] */
  conv2dBackpropFilter: PrimitiveAttrs['conv2dBackpropFilter'];
  /** [x, filter], filter [fh, fw, inC, multiplier] */
  depthwiseConv2d: PrimitiveAttrs['depthwiseConv2d'];
  /** [dy, filter] */
  depthwiseConv2dBackpropInput: PrimitiveAttrs['depthwiseConv2dBackpropInput'];
  /** [x, dy] */
  depthwiseConv2dBackpropFilter: PrimitiveAttrs['depthwiseConv2dBackpropFilter'];
  /** [x] */
  maxPool: PrimitiveAttrs['maxPool'];
  /** [dy, x] */
  maxPoolGrad: PrimitiveAttrs['maxPoolGrad'];
  /** [x] */
  avgPool: PrimitiveAttrs['avgPool'];
  /** [dy] */
  avgPoolGrad: PrimitiveAttrs['avgPoolGrad'];
  /** [x], NHWC */
  resizeBilinear: PrimitiveAttrs['resizeBilinear'];
  /** [dy, x] */
  resizeBilinearGrad: PrimitiveAttrs['resizeBilinearGrad'];
  /** [x], NHWC */
  resizeNearest: PrimitiveAttrs['resizeNearest'];
  /** [dy, x] */
  resizeNearestGrad: PrimitiveAttrs['resizeNearestGrad'];
  /** []: `size` float32 values of the counter-based generator */
  random: { spec: RandomSpec; size: number };
  /**
   * [x]: softmax over the last axis of a float32 tensor. The base kernel composes max, exp, sum and div
   * (softmaxComposed in backends/composed.ts, whose order of operations a fused kernel follows; it may
   * round differently within float32 tolerance).
   */
  softmax: PrimitiveAttrs['softmax'];
  /**
   * [g0, m0, v0, w0, g1, ..., alpha] (4k + 1 inputs, backends/adam_list.ts): one Adam step of k
   * variables in one kernel call, outputs [m0', v0', w0', m1', ...]. Each variable's values must be
   * bitwise those of adamComposed in backends/composed.ts (and so of a call per variable).
   */
  adamUpdate: PrimitiveAttrs['adamUpdate'];
  /**
   * [x] or [x, weights], x int32 viewed as [rows, n]: out[r, v] = the number of x[r, i] == v (or the sum of
   * weights[r, i] over them; 1 if any with binaryOutput), for v in [0, size); other values are ignored.
   */
  bincount: { size: number; binaryOutput: boolean; dtype: DType };
  /**
   * [x], float32 [..., n, 2] (pairs re, im): per row of n complex values, the unnormalised DFT
   * X[k] = sum_j x[j] e^{-2 pi i jk/n}, or with `inverse` (1/n) sum_j x[j] e^{+2 pi i jk/n}. O(n log n)
   * for every n: radix-2 where n is a power of two, Bluestein's chirp-z otherwise.
   */
  fft: PrimitiveAttrs['fft'];
  /**
   * [...inputs]: a chain of elementwise kernels (fusion/program.ts) in one pass, each input broadcast to
   * outShape; a kernel must give every step's value as the step's own kernel would (rounded to its
   * dtype), so results match the unfused chain. Backends cache compiled code by `program.key`.
   */
  fused: {
    program: FusedProgram;
    /** The values of the program's scalar constants (float32 values as stored, int32, bool as 0/1). */
    constants: readonly number[];
    outShape: Shape;
    dtype: DType;
  };
  /**
   * [...inputs]: a fused program (as 'fused', over outShape) whose step `reduce.step` is also reduced
   * in the same pass (fusion/fused_reduce.ts). Outputs: the program's outputs (FusedProgram.outputs,
   * possibly none), then the reduction ([outer, inner] values of `reduce.dtype`). A kernel must give
   * the 'reduce' kernel's result for that value (bitwise where its docs say so).
   */
  fusedReduce: {
    program: FusedProgram;
    constants: readonly number[];
    outShape: Shape;
    reduce: ReduceEpilogue;
  };
}

/** Name of a kernel. @example const k: KernelName = 'matMul'; */
export type KernelName = keyof KernelAttrs;

/** A buffer a forward rule produced (new, or an input's, for views such as reshape). */
export interface Produced {
  readonly dataId: DataId;
  readonly shape: Shape;
  readonly dtype: DType;
}

/**
 * Forward and vector-Jacobian product of one primitive, side by side.
 * `vjp` receives the output cotangents and the saved inputs/outputs and returns one gradient per input
 * (null where none flows); it is written with ops, so gradients are differentiable again. `needs[i]` says
 * whether input i wants a gradient at all, so a rule can skip expensive work (a first conv layer's input).
 * A null `vjp` marks the primitive as not differentiable: gradients stop there.
 */
export interface Rule<P extends Primitive> {
  forward(backend: Backend, inputs: readonly TensorInfo[], attrs: PrimitiveAttrs[P]): Produced[];
  vjp:
    | ((
        dys: readonly Tensor[],
        inputs: readonly Tensor[],
        outputs: readonly Tensor[],
        attrs: PrimitiveAttrs[P],
        needs: readonly boolean[],
      ) => readonly (Tensor | null)[])
    | null;
}

/** One rule per primitive: a missing one is a compile error. */
export type RuleTable = { [P in Primitive]: Rule<P> };

/** The usual forward result: one new buffer. @example return one(b.cast(x, 'int32'), x.shape, 'int32'); */
export function one(dataId: DataId, shape: Shape, dtype: DType): Produced[] {
  return [{ dataId, shape, dtype }];
}

/**
 * Whether a primitive's attributes are a reduction's ('reduce' is the only primitive with op and axes).
 * @example if (isReduceAttrs(prim, attrs)) console.log(attrs.axes);
 */
export function isReduceAttrs(prim: Primitive, attrs: object): attrs is PrimitiveAttrs['reduce'] {
  return prim === 'reduce' && 'op' in attrs && 'axes' in attrs;
}

/** The dtype the 'reduce' primitive gives: bool for any and all, else its input's. @example reduceDType('any', 'float32') // 'bool' */
export function reduceDType(op: ReduceOp, dtype: DType): DType {
  return op === 'any' || op === 'all' ? 'bool' : dtype;
}
