// The WebGPU backend: WGSL compute kernels over pooled GPU buffers, batched command encoders, async reads.
import type { DType, TypedArray } from '../../core/dtype.js';
import { BackendError } from '../../core/errors.js';
import type { Shape } from '../../core/shape.js';
import type { BinaryOp, UnaryOp } from '../../ops/elementwise_table.js';
import type {
  AdamAttrs,
  Backend,
  BackendMemory,
  Conv2DInfo,
  DataId,
  Epilogue,
  Pool2DInfo,
  RandomSpec,
  ReduceOp,
  TensorInfo,
} from '../backend.js';
import { adamUpdate } from './adam.js';
import { acquireDevice, type GpuContext, type GpuInfo } from './device.js';
import * as ew from './elementwise.js';
import * as gather from './gather.js';
import * as mv from './movement.js';
import { type GpuProgramHost, type ProgramSpec, Programs } from './program.js';
import * as rnd from './random.js';
import * as red from './reduce.js';
import * as conv from './conv.js';
import * as image from './image.js';
import * as mm from './matmul.js';
import * as pool from './pool.js';

export { GpuData, bufferClass } from './buffers.js';
export type { GpuInfo } from './device.js';
export {
  dispatch1D,
  main1D,
  packUniforms,
  uniformDecl,
  wgslType,
  type GpuProgramHost,
  type ProgramSpec,
} from './program.js';

/**
 * The WebGPU backend. Kernels enqueue work and return at once; `read` is async and `readSync` throws.
 * Registered below cpu: opt in with `await nr.setBackend('webgpu')`.
 * @example
 * await nr.setBackend('webgpu');
 * const y = nr.tensor([1, 2]).mul(2);
 * await y.data(); // Float32Array [2, 4]
 */
export class WebGpuBackend implements Backend, GpuProgramHost {
  readonly name = 'webgpu';
  readonly canReadSync: boolean = false;
  readonly programs: Programs;
  /** The adapter, limits and features. */
  readonly gpu: GpuInfo;
  /** Holds the device and the Dawn instance it depends on (see GpuContext.keepAlive). */
  readonly context: GpuContext;
  private disposed = false;

  constructor(context: GpuContext) {
    this.context = context;
    this.gpu = context.info;
    this.programs = new Programs(context);
  }

  /** What the backend runs on, for `nr.env()` and logs. */
  describe(): Record<string, unknown> {
    const { vendor, architecture, description, isFallbackAdapter, limits, features } = this.gpu;
    return { vendor, architecture, description, isFallbackAdapter, limits, features };
  }

  /** Alias of describe(), the adapter and device as the backend sees them. */
  info(): Record<string, unknown> {
    return this.describe();
  }

  run(spec: ProgramSpec): DataId {
    return this.programs.run(spec);
  }

  write(values: TypedArray, dtype: DType): DataId {
    let words: Float32Array | Int32Array | Uint32Array;
    if (dtype === 'float32')
      words = values instanceof Float32Array ? values : Float32Array.from(values);
    else if (dtype === 'int32')
      words = values instanceof Int32Array ? values : Int32Array.from(values);
    else words = Uint32Array.from(values, (v) => (v ? 1 : 0));
    return this.programs.write(words, dtype);
  }
  async read(id: DataId): Promise<TypedArray> {
    const data = this.programs.data(id, 'read');
    const bytes = await this.programs.read(data);
    if (data.dtype === 'float32') return new Float32Array(bytes, 0, data.size);
    if (data.dtype === 'int32') return new Int32Array(bytes, 0, data.size);
    return Uint8Array.from(new Uint32Array(bytes, 0, data.size));
  }
  readSync(): TypedArray {
    throw new BackendError(
      'webgpu: synchronous reads are not possible on the GPU; use await tensor.data() (or tensor.array()) instead of dataSync()/arraySync()',
    );
  }
  free(id: DataId): void {
    this.programs.free(id);
  }
  memory(): BackendMemory {
    return { numBytes: this.programs.liveBytes, ...this.programs.memory() };
  }
  /** Submits recorded work now (reads do it themselves). */
  flush(): void {
    this.programs.flush();
  }
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.programs.dispose();
    this.programs.markDisposed();
    this.context.device.destroy();
  }

  /** Adam's step in three dispatches (adam.ts) rather than the fourteen composed kernels. */
  adamUpdate(
    g: TensorInfo,
    m: TensorInfo,
    v: TensorInfo,
    w: TensorInfo,
    alpha: TensorInfo,
    attrs: AdamAttrs,
  ): [DataId, DataId, DataId] {
    return adamUpdate(this, g, m, v, w, alpha, attrs);
  }
  unary(op: UnaryOp, x: TensorInfo, outDtype: DType, alpha: number): DataId {
    return ew.unary(this, op, x, outDtype, alpha);
  }
  binary(op: BinaryOp, a: TensorInfo, b: TensorInfo, outShape: Shape, outDtype: DType): DataId {
    return ew.binary(this, op, a, b, outShape, outDtype);
  }
  where(cond: TensorInfo, a: TensorInfo, b: TensorInfo, outShape: Shape, dtype: DType): DataId {
    return ew.where(this, cond, a, b, outShape, dtype);
  }
  cast(x: TensorInfo, dtype: DType): DataId {
    return ew.cast(this, x, dtype);
  }
  reduce(op: ReduceOp, x: TensorInfo, axes: readonly number[], outDtype: DType): DataId {
    return red.reduce(this, op, x, axes, outDtype);
  }
  argReduce(op: 'argMax' | 'argMin', x: TensorInfo, axis: number): DataId {
    return red.argReduce(this, op, x, axis);
  }
  cumulative(
    op: 'sum' | 'prod',
    x: TensorInfo,
    axis: number,
    exclusive: boolean,
    reverse: boolean,
  ): DataId {
    return red.cumulative(this, op, x, axis, exclusive, reverse);
  }
  copyStrided(x: TensorInfo, outShape: Shape, offset: number, strides: readonly number[]): DataId {
    return mv.copyStrided(this, x, outShape, offset, strides);
  }
  scatterStrided(dy: TensorInfo, size: number, offset: number, strides: readonly number[]): DataId {
    return mv.scatterStrided(this, dy, size, offset, strides);
  }
  concat(xs: readonly TensorInfo[], axis: number, outShape: Shape): DataId {
    return mv.concat(this, xs, axis, outShape);
  }
  padConstant(
    x: TensorInfo,
    paddings: readonly (readonly [number, number])[],
    value: number,
    outShape: Shape,
  ): DataId {
    return mv.padConstant(this, x, paddings, value, outShape);
  }
  gather(
    x: TensorInfo,
    indices: TensorInfo,
    axis: number,
    batchDims: number,
    outShape: Shape,
  ): DataId {
    return gather.gather(this, x, indices, axis, batchDims, outShape);
  }
  scatterAdd(
    updates: TensorInfo,
    indices: TensorInfo,
    axis: number,
    batchDims: number,
    outShape: Shape,
  ): DataId {
    return gather.scatterAdd(this, updates, indices, axis, batchDims, outShape);
  }
  gatherND(x: TensorInfo, indices: TensorInfo, outShape: Shape): DataId {
    return gather.gatherND(this, x, indices, outShape);
  }
  scatterND(indices: TensorInfo, updates: TensorInfo, outShape: Shape): DataId {
    return gather.scatterND(this, indices, updates, outShape);
  }
  topkIndices(x: TensorInfo, k: number): DataId {
    return gather.topkIndices(this, x, k);
  }
  matMul(
    a: TensorInfo,
    b: TensorInfo,
    transposeA: boolean,
    transposeB: boolean,
    outShape: Shape,
    epilogue?: Epilogue,
  ): DataId {
    return mm.matMul(this, a, b, transposeA, transposeB, outShape, epilogue);
  }
  conv2d(x: TensorInfo, filter: TensorInfo, info: Conv2DInfo, epilogue?: Epilogue): DataId {
    return conv.conv2d(this, x, filter, info, epilogue);
  }
  conv2dBackpropInput(dy: TensorInfo, filter: TensorInfo, info: Conv2DInfo): DataId {
    return conv.conv2dBackpropInput(this, dy, filter, info);
  }
  conv2dBackpropFilter(x: TensorInfo, dy: TensorInfo, info: Conv2DInfo): DataId {
    return conv.conv2dBackpropFilter(this, x, dy, info);
  }
  depthwiseConv2d(x: TensorInfo, filter: TensorInfo, info: Conv2DInfo): DataId {
    return conv.depthwiseConv2d(this, x, filter, info);
  }
  depthwiseConv2dBackpropInput(dy: TensorInfo, filter: TensorInfo, info: Conv2DInfo): DataId {
    return conv.depthwiseConv2dBackpropInput(this, dy, filter, info);
  }
  depthwiseConv2dBackpropFilter(x: TensorInfo, dy: TensorInfo, info: Conv2DInfo): DataId {
    return conv.depthwiseConv2dBackpropFilter(this, x, dy, info);
  }
  maxPool(x: TensorInfo, info: Pool2DInfo): DataId {
    return pool.maxPool(this, x, info);
  }
  maxPoolGrad(dy: TensorInfo, x: TensorInfo, info: Pool2DInfo): DataId {
    return pool.maxPoolGrad(this, dy, x, info);
  }
  avgPool(x: TensorInfo, info: Pool2DInfo): DataId {
    return pool.avgPool(this, x, info);
  }
  avgPoolGrad(dy: TensorInfo, info: Pool2DInfo): DataId {
    return pool.avgPoolGrad(this, dy, info);
  }
  resizeBilinear(
    x: TensorInfo,
    outH: number,
    outW: number,
    alignCorners: boolean,
    halfPixelCenters: boolean,
  ): DataId {
    return image.resizeBilinear(this, x, outH, outW, alignCorners, halfPixelCenters);
  }
  resizeBilinearGrad(
    dy: TensorInfo,
    x: TensorInfo,
    alignCorners: boolean,
    halfPixelCenters: boolean,
  ): DataId {
    return image.resizeBilinearGrad(this, dy, x, alignCorners, halfPixelCenters);
  }
  resizeNearest(
    x: TensorInfo,
    outH: number,
    outW: number,
    alignCorners: boolean,
    halfPixelCenters: boolean,
  ): DataId {
    return image.resizeNearest(this, x, outH, outW, alignCorners, halfPixelCenters);
  }
  resizeNearestGrad(
    dy: TensorInfo,
    x: TensorInfo,
    alignCorners: boolean,
    halfPixelCenters: boolean,
  ): DataId {
    return image.resizeNearestGrad(this, dy, x, alignCorners, halfPixelCenters);
  }
  random(spec: RandomSpec, size: number): DataId {
    return rnd.random(this, spec, size);
  }
}

/**
 * Starts the WebGPU backend: throws BackendError naming the reason when no adapter is found.
 * @example nr.registerBackend('webgpu', createWebGpuBackend, -1);
 */
export async function createWebGpuBackend(): Promise<WebGpuBackend> {
  return new WebGpuBackend(await acquireDevice());
}
