// The CPU reference backend: plain TypeScript kernels that define the results every backend must match.
import type { DType, TypedArray } from '../../core/dtype.js';
import type { Shape } from '../../core/shape.js';
import type { BinaryOp, UnaryOp } from '../../ops/elementwise_table.js';
import type {
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
import * as conv from './conv.js';
import { applyEpilogue } from './epilogue.js';
import * as ew from './elementwise.js';
import * as gather from './gather.js';
import * as image from './image.js';
import * as mm from './matmul.js';
import * as mv from './movement.js';
import * as pool from './pool.js';
import * as rnd from './random.js';
import * as red from './reduce.js';
import { CpuStore } from './storage.js';

/** Options of the CPU backend. */
export interface CpuBackendOptions {
  /** 'float64' stores float32 tensors in double: the reference for gradient checks. Default 'float32'. */
  precision?: 'float32' | 'float64';
  /** Backend name; defaults to 'cpu' (or 'cpu64' in float64 precision). */
  name?: string;
}

/**
 * The CPU reference backend.
 * @example
 * nr.registerBackend('cpu64', () => createCpuBackend({ precision: 'float64' }));
 */
export class CpuBackend implements Backend {
  readonly name: string;
  readonly canReadSync: boolean = true;
  readonly store: CpuStore;

  constructor(options: CpuBackendOptions = {}) {
    const precision = options.precision ?? 'float32';
    this.name = options.name ?? (precision === 'float64' ? 'cpu64' : 'cpu');
    this.store = new CpuStore(precision);
  }

  write(values: TypedArray, dtype: DType): DataId {
    const arr = this.store.array(dtype, values.length);
    arr.set(values);
    return this.store.put(arr);
  }
  /** Stores raw values (float64 allowed) without rounding: the reference path's input. */
  writeRaw(values: ArrayLike<number>, dtype: DType): DataId {
    const arr = this.store.array(dtype, values.length);
    for (let i = 0; i < values.length; i++) arr[i] = values[i];
    return this.store.put(arr);
  }
  /** The stored values as they are (Float64Array in float64 precision). */
  readRaw(id: DataId): ArrayLike<number> {
    return this.store.get(id);
  }
  async read(id: DataId): Promise<TypedArray> {
    const v = this.store.get(id);
    return v instanceof Float64Array ? Float32Array.from(v) : v.slice();
  }
  /** The stored array itself (lent: see Backend.readSync); float64 storage comes back as float32. */
  readSync(id: DataId): TypedArray {
    const v = this.store.get(id);
    if (v instanceof Float64Array) return Float32Array.from(v);
    return v;
  }
  free(id: DataId): void {
    this.store.free(id);
  }
  memory(): BackendMemory {
    return { numBytes: this.store.numBytes };
  }
  dispose(): void {}

  unary(op: UnaryOp, x: TensorInfo, outDtype: DType, alpha: number): DataId {
    return ew.unary(this.store, op, x, outDtype, alpha);
  }
  binary(op: BinaryOp, a: TensorInfo, b: TensorInfo, outShape: Shape, outDtype: DType): DataId {
    return ew.binary(this.store, op, a, b, outShape, outDtype);
  }
  where(cond: TensorInfo, a: TensorInfo, b: TensorInfo, outShape: Shape, dtype: DType): DataId {
    return ew.where(this.store, cond, a, b, outShape, dtype);
  }
  cast(x: TensorInfo, dtype: DType): DataId {
    return ew.cast(this.store, x, dtype);
  }
  reduce(op: ReduceOp, x: TensorInfo, axes: readonly number[], outDtype: DType): DataId {
    return red.reduce(this.store, op, x, axes, outDtype);
  }
  argReduce(op: 'argMax' | 'argMin', x: TensorInfo, axis: number): DataId {
    return red.argReduce(this.store, op, x, axis);
  }
  cumulative(
    op: 'sum' | 'prod',
    x: TensorInfo,
    axis: number,
    exclusive: boolean,
    reverse: boolean,
  ): DataId {
    return red.cumulative(this.store, op, x, axis, exclusive, reverse);
  }
  copyStrided(x: TensorInfo, outShape: Shape, offset: number, strides: readonly number[]): DataId {
    return mv.copyStrided(this.store, x, outShape, offset, strides);
  }
  scatterStrided(dy: TensorInfo, size: number, offset: number, strides: readonly number[]): DataId {
    return mv.scatterStrided(this.store, dy, size, offset, strides);
  }
  concat(xs: readonly TensorInfo[], axis: number, outShape: Shape): DataId {
    return mv.concat(this.store, xs, axis, outShape);
  }
  padConstant(
    x: TensorInfo,
    paddings: readonly (readonly [number, number])[],
    value: number,
    outShape: Shape,
  ): DataId {
    return mv.padConstant(this.store, x, paddings, value, outShape);
  }
  gather(
    x: TensorInfo,
    indices: TensorInfo,
    axis: number,
    batchDims: number,
    outShape: Shape,
  ): DataId {
    return gather.gather(this.store, x, indices, axis, batchDims, outShape);
  }
  scatterAdd(
    updates: TensorInfo,
    indices: TensorInfo,
    axis: number,
    batchDims: number,
    outShape: Shape,
  ): DataId {
    return gather.scatterAdd(this.store, updates, indices, axis, batchDims, outShape);
  }
  gatherND(x: TensorInfo, indices: TensorInfo, outShape: Shape): DataId {
    return gather.gatherND(this.store, x, indices, outShape);
  }
  scatterND(indices: TensorInfo, updates: TensorInfo, outShape: Shape): DataId {
    return gather.scatterND(this.store, indices, updates, outShape);
  }
  topkIndices(x: TensorInfo, k: number): DataId {
    return gather.topkIndices(this.store, x, k);
  }
  matMul(
    a: TensorInfo,
    b: TensorInfo,
    transposeA: boolean,
    transposeB: boolean,
    outShape: Shape,
    epilogue?: Epilogue,
  ): DataId {
    const id = mm.matMul(this.store, a, b, transposeA, transposeB, outShape);
    return applyEpilogue(this.store, id, outShape[outShape.length - 1], epilogue);
  }
  conv2d(x: TensorInfo, filter: TensorInfo, info: Conv2DInfo, epilogue?: Epilogue): DataId {
    return applyEpilogue(this.store, conv.conv2d(this.store, x, filter, info), info.outC, epilogue);
  }
  conv2dBackpropInput(dy: TensorInfo, filter: TensorInfo, info: Conv2DInfo): DataId {
    return conv.conv2dBackpropInput(this.store, dy, filter, info);
  }
  conv2dBackpropFilter(x: TensorInfo, dy: TensorInfo, info: Conv2DInfo): DataId {
    return conv.conv2dBackpropFilter(this.store, x, dy, info);
  }
  depthwiseConv2d(x: TensorInfo, filter: TensorInfo, info: Conv2DInfo): DataId {
    return conv.depthwiseConv2d(this.store, x, filter, info);
  }
  depthwiseConv2dBackpropInput(dy: TensorInfo, filter: TensorInfo, info: Conv2DInfo): DataId {
    return conv.depthwiseConv2dBackpropInput(this.store, dy, filter, info);
  }
  depthwiseConv2dBackpropFilter(x: TensorInfo, dy: TensorInfo, info: Conv2DInfo): DataId {
    return conv.depthwiseConv2dBackpropFilter(this.store, x, dy, info);
  }
  maxPool(x: TensorInfo, info: Pool2DInfo): DataId {
    return pool.maxPool(this.store, x, info);
  }
  maxPoolGrad(dy: TensorInfo, x: TensorInfo, info: Pool2DInfo): DataId {
    return pool.maxPoolGrad(this.store, dy, x, info);
  }
  avgPool(x: TensorInfo, info: Pool2DInfo): DataId {
    return pool.avgPool(this.store, x, info);
  }
  avgPoolGrad(dy: TensorInfo, info: Pool2DInfo): DataId {
    return pool.avgPoolGrad(this.store, dy, info);
  }
  resizeBilinear(
    x: TensorInfo,
    outH: number,
    outW: number,
    alignCorners: boolean,
    halfPixelCenters: boolean,
  ): DataId {
    return image.resizeBilinear(this.store, x, outH, outW, alignCorners, halfPixelCenters);
  }
  resizeBilinearGrad(
    dy: TensorInfo,
    x: TensorInfo,
    alignCorners: boolean,
    halfPixelCenters: boolean,
  ): DataId {
    return image.resizeBilinearGrad(this.store, dy, x, alignCorners, halfPixelCenters);
  }
  resizeNearest(
    x: TensorInfo,
    outH: number,
    outW: number,
    alignCorners: boolean,
    halfPixelCenters: boolean,
  ): DataId {
    return image.resizeNearest(this.store, x, outH, outW, alignCorners, halfPixelCenters);
  }
  resizeNearestGrad(
    dy: TensorInfo,
    x: TensorInfo,
    alignCorners: boolean,
    halfPixelCenters: boolean,
  ): DataId {
    return image.resizeNearestGrad(this.store, dy, x, alignCorners, halfPixelCenters);
  }
  random(spec: RandomSpec, size: number): DataId {
    return rnd.random(this.store, spec, size);
  }
}

/** Starts a CPU backend (async, as the contract asks). @example await createCpuBackend() */
export async function createCpuBackend(options: CpuBackendOptions = {}): Promise<Backend> {
  return new CpuBackend(options);
}

/** Starts a CPU backend synchronously (the engine's fallback when no backend was chosen). @example createCpuBackendSync({ precision: 'float64' }) */
export function createCpuBackendSync(options: CpuBackendOptions = {}): CpuBackend {
  return new CpuBackend(options);
}
