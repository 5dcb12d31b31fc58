// The backend contract: memory plus a short list of primitive kernels. Shapes are decided by the engine;
// a backend only computes values, so every backend agrees on shapes by construction.
import type { DType, TypedArray } from '../core/dtype.js';
import type { Shape } from '../core/shape.js';
import type { BinaryOp, UnaryOp } from '../ops/elementwise_table.js';

/** Opaque handle of a buffer owned by a backend. */
export type DataId = object;

/** What a kernel sees of a tensor. */
export interface TensorInfo {
  readonly dataId: DataId;
  readonly shape: Shape;
  readonly dtype: DType;
}

/** Reductions a backend implements. `mean` is composed as sum / n in the frontend. */
export type ReduceOp = 'sum' | 'prod' | 'max' | 'min' | 'any' | 'all';

/** Geometry of a 2-D convolution in NHWC, computed once by the frontend (ops/conv_util.ts). */
export interface Conv2DInfo {
  readonly batch: number;
  readonly inH: number;
  readonly inW: number;
  readonly inC: number;
  readonly outH: number;
  readonly outW: number;
  readonly outC: number;
  readonly filterH: number;
  readonly filterW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly dilationH: number;
  readonly dilationW: number;
  readonly padTop: number;
  readonly padLeft: number;
  /** Depthwise only: output channels per input channel (outC = inC * multiplier). 1 otherwise. */
  readonly channelMultiplier: number;
}

/** Geometry of a 2-D pooling window in NHWC. */
export interface Pool2DInfo {
  readonly batch: number;
  readonly inH: number;
  readonly inW: number;
  readonly channels: number;
  readonly outH: number;
  readonly outW: number;
  readonly filterH: number;
  readonly filterW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padTop: number;
  readonly padLeft: number;
}

/** Activations a matMul/conv2d epilogue applies; each one's derivative is a function of its output. */
export type FusedActivation = 'linear' | 'relu' | 'relu6' | 'sigmoid' | 'tanh';

/**
 * What a backend applies to a product before storing it: out = activation(out + bias), the bias broadcast
 * along the last axis (a matMul's columns, a conv's output channels). Fusing saves two passes over memory.
 * @example const epilogue: Epilogue = { bias: null, activation: 'relu' };
 */
export interface Epilogue {
  readonly bias: TensorInfo | null;
  readonly activation: FusedActivation;
}

/** Distributions of the counter-based generator. */
export type RandomDist = 'uniform' | 'normal' | 'truncatedNormal';

/** Parameters of a random draw: values are a transform of Philox4x32-10 at (seed, counter + i). */
export interface RandomSpec {
  readonly dist: RandomDist;
  readonly seed: number;
  readonly counter: number;
  /** uniform: [a, b); normal / truncatedNormal: mean a, stddev b. */
  readonly a: number;
  readonly b: number;
}

/** Memory a backend holds. */
export interface BackendMemory {
  numBytes: number;
  /** Backend-specific extras (pool sizes, GPU bytes...). */
  [key: string]: number;
}

/**
 * Constants of a fused Adam step: c1 = 1 - β1 and c2 = 1 - β2 (as float32 scalars), and ε.
 * @example const attrs: AdamAttrs = { c1: 0.1, c2: 0.001, epsilon: 1e-7 };
 */
export interface AdamAttrs {
  c1: number;
  c2: number;
  epsilon: number;
}

/**
 * The contract every backend implements. All kernels return a new buffer; none mutates its inputs.
 * @example
 * const b = await createCpuBackend();
 * const id = b.write(new Float32Array([1, 2]), 'float32');
 */
export interface Backend {
  readonly name: string;
  /** Whether `readSync` works (false for WebGPU). */
  readonly canReadSync: boolean;
  /** What the backend runs on (adapter, limits, features...), shown by `nr.env()`; optional. */
  describe?(): Record<string, unknown>;
  /**
   * One Adam step fused into one pass, returning new m, v and w buffers; optional (without it the
   * engine composes unary/binary kernels). It must round exactly as adamComposed in
   * ops/optimizer_rules.ts does.
   */
  /**
   * Softmax over the last axis of a float32 tensor in one pass; optional (without it the engine
   * composes max, exp, sum and div kernels: softmaxComposed in ops/softmax.ts, whose order of
   * operations it follows; a fused kernel may round differently within float32 tolerance).
   */
  softmax?(x: TensorInfo): DataId;
  adamUpdate?(
    grad: TensorInfo,
    m: TensorInfo,
    v: TensorInfo,
    w: TensorInfo,
    alpha: TensorInfo,
    attrs: AdamAttrs,
  ): [DataId, DataId, DataId];

  // memory
  write(values: TypedArray, dtype: DType): DataId;
  /** The values as a new array the caller owns (Tensor.data hands it to the user as is). */
  read(id: DataId): Promise<TypedArray>;
  /**
   * The values, possibly as a view of backend memory: valid only until the next call into the
   * backend, so a caller that keeps them copies them (Tensor.dataSync does). Saves a copy for callers
   * that only look (printing, moving a tensor to another backend).
   */
  readSync(id: DataId): TypedArray;
  free(id: DataId): void;
  memory(): BackendMemory;
  dispose(): void;

  // elementwise
  unary(op: UnaryOp, x: TensorInfo, outDtype: DType, alpha: number): DataId;
  binary(op: BinaryOp, a: TensorInfo, b: TensorInfo, outShape: Shape, outDtype: DType): DataId;
  where(cond: TensorInfo, a: TensorInfo, b: TensorInfo, outShape: Shape, dtype: DType): DataId;
  cast(x: TensorInfo, dtype: DType): DataId;

  // reductions over sorted `axes`; the output has the reduced axes removed
  reduce(op: ReduceOp, x: TensorInfo, axes: readonly number[], outDtype: DType): DataId;
  argReduce(op: 'argMax' | 'argMin', x: TensorInfo, axis: number): DataId;
  cumulative(
    op: 'sum' | 'prod',
    x: TensorInfo,
    axis: number,
    exclusive: boolean,
    reverse: boolean,
  ): DataId;

  // movement
  /** out[idx] = x.flat[offset + sum_k idx[k] * strides[k]]: transpose, slice with steps, reverse, broadcast. */
  copyStrided(x: TensorInfo, outShape: Shape, offset: number, strides: readonly number[]): DataId;
  /** The dual of copyStrided for non-overlapping maps: zeros of `size`, with out[offset + idx·strides] = dy[idx]. */
  scatterStrided(dy: TensorInfo, size: number, offset: number, strides: readonly number[]): DataId;
  concat(xs: readonly TensorInfo[], axis: number, outShape: Shape): DataId;
  padConstant(
    x: TensorInfo,
    paddings: readonly (readonly [number, number])[],
    value: number,
    outShape: Shape,
  ): DataId;
  /** Gathers slices of x along `axis` by int32 indices; the first `batchDims` dims of x and indices are batch dims. */
  gather(
    x: TensorInfo,
    indices: TensorInfo,
    axis: number,
    batchDims: number,
    outShape: Shape,
  ): DataId;
  /** The adjoint of gather: zeros of outShape, adding updates into the gathered positions. */
  scatterAdd(
    updates: TensorInfo,
    indices: TensorInfo,
    axis: number,
    batchDims: number,
    outShape: Shape,
  ): DataId;
  gatherND(x: TensorInfo, indices: TensorInfo, outShape: Shape): DataId;
  /** zeros(outShape), adding `updates` at the index tuples of `indices` (duplicates accumulate). */
  scatterND(indices: TensorInfo, updates: TensorInfo, outShape: Shape): DataId;
  /** Indices of the k largest entries along the last axis, sorted descending (ties: lower index first). */
  topkIndices(x: TensorInfo, k: number): DataId;

  // linear algebra: batch dims broadcast; outShape = [...batch, m, n]
  matMul(
    a: TensorInfo,
    b: TensorInfo,
    transposeA: boolean,
    transposeB: boolean,
    outShape: Shape,
    epilogue?: Epilogue,
  ): DataId;

  // convolution and pooling, NHWC; filters [fh, fw, inC, outC] (depthwise: [fh, fw, inC, multiplier])
  conv2d(x: TensorInfo, filter: TensorInfo, info: Conv2DInfo, epilogue?: Epilogue): DataId;
  conv2dBackpropInput(dy: TensorInfo, filter: TensorInfo, info: Conv2DInfo): DataId;
  conv2dBackpropFilter(x: TensorInfo, dy: TensorInfo, info: Conv2DInfo): DataId;
  depthwiseConv2d(x: TensorInfo, filter: TensorInfo, info: Conv2DInfo): DataId;
  depthwiseConv2dBackpropInput(dy: TensorInfo, filter: TensorInfo, info: Conv2DInfo): DataId;
  depthwiseConv2dBackpropFilter(x: TensorInfo, dy: TensorInfo, info: Conv2DInfo): DataId;
  maxPool(x: TensorInfo, info: Pool2DInfo): DataId;
  maxPoolGrad(dy: TensorInfo, x: TensorInfo, info: Pool2DInfo): DataId;
  avgPool(x: TensorInfo, info: Pool2DInfo): DataId;
  avgPoolGrad(dy: TensorInfo, info: Pool2DInfo): DataId;

  // images, NHWC
  resizeBilinear(
    x: TensorInfo,
    outH: number,
    outW: number,
    alignCorners: boolean,
    halfPixelCenters: boolean,
  ): DataId;
  resizeBilinearGrad(
    dy: TensorInfo,
    x: TensorInfo,
    alignCorners: boolean,
    halfPixelCenters: boolean,
  ): DataId;
  resizeNearest(
    x: TensorInfo,
    outH: number,
    outW: number,
    alignCorners: boolean,
    halfPixelCenters: boolean,
  ): DataId;
  resizeNearestGrad(
    dy: TensorInfo,
    x: TensorInfo,
    alignCorners: boolean,
    halfPixelCenters: boolean,
  ): DataId;

  // random
  random(spec: RandomSpec, size: number): DataId;
}

/** Creates a backend; async because GPU and wasm backends must probe the platform. */
export type BackendFactory = () => Promise<Backend>;
