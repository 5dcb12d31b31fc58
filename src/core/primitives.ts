// The primitive ops the engine runs and records, with their attributes; rules are checked for completeness.
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
import type { BinaryOp, UnaryOp } from '../ops/elementwise_table.js';
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
