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
import type { Shape } from './shape.js';
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
  /** Inputs grad, m, v, w, alpha: one fused Adam step (ops/optimizer_rules.ts), outputs m', v', w'. */
  adamUpdate: AdamAttrs;
}

/** Name of a primitive. */
export type Primitive = keyof PrimitiveAttrs;

/** Paddings of padConstant: [before, after] per axis. */
export type Paddings = readonly (readonly [number, number])[];

/**
 * Attributes of each kernel: the contract's vocabulary. Tensors are never attributes: a kernel's tensors
 * are its `inputs` (listed in each comment), so the engine sees every tensor a kernel reads (the
 * float16 path maps them without guessing). An attribute named `dtype` is the output dtype.
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
  cast: { dtype: DType };
  /** [x]: over sorted `axes`; the output has the reduced axes removed */
  reduce: { op: ReduceOp; axes: readonly number[]; dtype: DType };
  /** [x] */
  argReduce: { op: 'argMax' | 'argMin'; axis: number };
  /** [x] */
  cumulative: { op: 'sum' | 'prod'; axis: number; exclusive: boolean; reverse: boolean };
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
  topkIndices: { k: number };
  /** [a, b] or [a, b, bias]: batch dims broadcast, outShape = [...batch, m, n]; out = activation(a·b + bias) */
  matMul: {
    transposeA: boolean;
    transposeB: boolean;
    outShape: Shape;
    activation: FusedActivation;
  };
  /** [x, filter] or [x, filter, bias], NHWC, filter [fh, fw, inC, outC]; out = activation(conv + bias) */
  conv2d: { info: Conv2DInfo; activation: FusedActivation };
  /** [dy, filter] */
  conv2dBackpropInput: { info: Conv2DInfo };
  /** [x, dy] */
  conv2dBackpropFilter: { info: Conv2DInfo };
  /** [x, filter], filter [fh, fw, inC, multiplier] */
  depthwiseConv2d: { info: Conv2DInfo };
  /** [dy, filter] */
  depthwiseConv2dBackpropInput: { info: Conv2DInfo };
  /** [x, dy] */
  depthwiseConv2dBackpropFilter: { info: Conv2DInfo };
  /** [x] */
  maxPool: { info: Pool2DInfo };
  /** [dy, x] */
  maxPoolGrad: { info: Pool2DInfo };
  /** [x] */
  avgPool: { info: Pool2DInfo };
  /** [dy] */
  avgPoolGrad: { info: Pool2DInfo };
  /** [x], NHWC */
  resizeBilinear: ResizeAttrs & { outH: number; outW: number };
  /** [dy, x] */
  resizeBilinearGrad: ResizeAttrs;
  /** [x], NHWC */
  resizeNearest: ResizeAttrs & { outH: number; outW: number };
  /** [dy, x] */
  resizeNearestGrad: ResizeAttrs;
  /** []: `size` float32 values of the counter-based generator */
  random: { spec: RandomSpec; size: number };
  /**
   * [x]: softmax over the last axis of a float32 tensor. The base kernel composes max, exp, sum and div
   * (softmaxComposed in backends/composed.ts, whose order of operations a fused kernel follows; it may
   * round differently within float32 tolerance).
   */
  softmax: Record<string, never>;
  /**
   * [grad, m, v, w, alpha]: one Adam step, outputs m', v', w'. A fused kernel must round exactly as
   * adamComposed in backends/composed.ts does.
   */
  adamUpdate: AdamAttrs;
}

/** Coordinate conventions of the resize kernels. */
export interface ResizeAttrs {
  alignCorners: boolean;
  halfPixelCenters: boolean;
}

/** Name of a kernel. */
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
