// Tensor and Variable: immutable n-d arrays on a backend, with chainable methods that call the op functions.
import type { Backend, DataId } from '../backends/backend.js';
import * as ops from '../ops/all.js';
import { assertAssignable } from '../ops/convert.js';
import type { DataTypeMap, TensorLike, DType, NumericDType, TypedArray } from './dtype.js';
import { ENGINE } from './engine.js';
import { resolveDataId } from './fusion/lazy.js';
import { BackendError, ShapeError, show } from './errors.js';
import { TensorBuffer } from './tensor_buffer.js';
import { variable as makeVariable } from './backends_api.js';
import { formatTensor } from './format.js';
import type { Scope } from './scope.js';
import { sizeOf, type Shape } from './shape.js';
import { decodeString } from './strings.js';

/**
 * The values of t by a synchronous read. A backend with canReadSync false (webgpu) can still answer for
 * some tensors (small ones written from JS) and throws BackendError for the rest, named here by `op`.
 */
function readNow(op: string, t: Tensor): TypedArray {
  try {
    return t.backend.readSync(t.dataId);
  } catch (e) {
    if (t.backend.canReadSync || !(e instanceof BackendError)) throw e;
    throw new BackendError(
      `${op}: backend '${t.backend.name}' reads asynchronously; use 'await tensor.data()' instead (${e.message})`,
    );
  }
}
/** Nested array returned by `array()` (strings for a string tensor). */
export type ArrayData = number | string | ArrayData[];

type Operand = Tensor | TensorLike;
type Axis = number | readonly number[];
/** The parameters of an op after its first (the tensor a method is called on). */
type Rest<F> = F extends (x: never, ...rest: infer R) => unknown ? R : never;

/**
 * An immutable n-dimensional array on a backend. Create with `nr.tensor`; free with `dispose()`,
 * `tidy`, or `using`.
 * @example
 * const x = nr.tensor([[1, 2], [3, 4]]);
 * x.square().sum().print(); // 30
 */
export class Tensor {
  /** Element count. */
  readonly size: number;
  readonly shape: readonly number[];
  /** Identity on the gradient tape; shared by the handles the tape saves. */
  tapeKey: number;
  isDisposed = false;
  /** The scope that owns this tensor, if any. */
  scope: Scope | null = null;
  /** @internal Registered for the leak report: no scope owned it at some point (see Engine.own). */
  leakWatched = false;

  constructor(
    readonly id: number,
    shape: Shape,
    readonly dtype: DType,
    dataId: DataId,
    /** @internal */
    public backend: Backend,
  ) {
    this.rawId = dataId;
    this.shape = Object.freeze(shape.slice());
    this.size = sizeOf(shape);
    this.tapeKey = id;
  }

  /** @internal the buffer handle as held: a backend buffer, or a pending fused expression (core/fusion) */
  rawId: DataId;

  /**
   * @internal buffer handle on `backend`; a pending elementwise expression runs here first, so every
   * kernel, read and move sees computed values
   */
  get dataId(): DataId {
    return resolveDataId(this.rawId);
  }
  set dataId(id: DataId) {
    this.rawId = id;
  }

  /** Number of dimensions. @example nr.zeros([2, 3]).rank // 2 */
  get rank(): number {
    return this.shape.length;
  }

  /**
   * Reads the values (works on every backend); a string tensor reads as string[] (name the dtype
   * to type it, as tfjs: `data<'string'>()`).
   * @example await nr.tensor([1, 2]).data() // Float32Array [1, 2]
   * @example await nr.tensor(['a', 'b']).data<'string'>() // ['a', 'b']
   */
  async data<D extends DType = NumericDType>(): Promise<DataTypeMap[D]> {
    ENGINE.assertAlive('data', 'tensor', this);
    ENGINE.recorder?.read('data', this);
    if (this.dtype === 'string') return this.decodedStrings('data') as DataTypeMap[D];
    // read() hands over a fresh array: no second copy
    return (await this.backend.read(this.dataId)) as DataTypeMap[D];
  }

  /**
   * Reads the values synchronously; backends that read asynchronously (WebGPU) throw (string
   * tensors live on the host and read synchronously everywhere).
   * @example nr.scalar(3).dataSync() // Float32Array [3]
   */
  dataSync<D extends DType = NumericDType>(): DataTypeMap[D] {
    ENGINE.assertAlive('dataSync', 'tensor', this);
    ENGINE.recorder?.read('dataSync', this);
    if (this.dtype === 'string') return this.decodedStrings('dataSync') as DataTypeMap[D];
    return this.readNumbersSync() as DataTypeMap[D];
  }

  /**
   * The UTF-8 bytes of a string tensor's values, one Uint8Array per element (copies); for a numeric
   * tensor, the bytes of its values' storage array, as tfjs.
   * @example await nr.tensor(['hé']).bytes() // [Uint8Array [104, 195, 169]]
   */
  async bytes(): Promise<Uint8Array[] | Uint8Array> {
    if (this.dtype === 'string') return this.bytesSync();
    const v = await this.data();
    return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  }

  /** bytes(), synchronously. @example nr.tensor(['a']).bytesSync() // [Uint8Array [97]] */
  bytesSync(): Uint8Array[] | Uint8Array {
    if (this.dtype === 'string') return ENGINE.stringValues('bytes', this).map((b) => b.slice());
    const v = this.dataSync();
    return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  }

  private decodedStrings(op: string): string[] {
    return ENGINE.stringValues(op, this).map(decodeString);
  }

  private readNumbersSync(): TypedArray {
    // readSync may lend a view of backend memory: the caller gets its own copy
    return readNow('dataSync', this).slice();
  }

  /** Values as nested arrays. @example await nr.tensor([[1, 2]]).array() // [[1, 2]] */
  async array(): Promise<ArrayData> {
    return toNested(await this.data<DType>(), this.shape, this.dtype);
  }

  /** Values as nested arrays, synchronously. @example nr.tensor([[1, 2]]).arraySync() // [[1, 2]] */
  arraySync(): ArrayData {
    return toNested(this.dataSync<DType>(), this.shape, this.dtype);
  }

  /** tfjs's text for the tensor (axes over 20 long summarised). @example nr.tensor([1, 2]).toString() // 'Tensor\n    [1, 2]' */
  toString(verbose = false): string {
    if (this.isDisposed) return `Tensor (disposed) shape ${JSON.stringify(this.shape)}`;
    if (this.dtype === 'string')
      return formatTensor(this.decodedStrings('toString'), this.shape, this.dtype, verbose);
    let values: TypedArray;
    try {
      values = readNow('toString', this);
    } catch (e) {
      if (!(e instanceof BackendError)) throw e;
      return `Tensor shape [${this.shape.join(',')}] ${this.dtype} on ${this.backend.name} (use await t.data())`;
    }
    return formatTensor(values, this.shape, this.dtype, verbose);
  }

  /** Prints `toString()` to the console. @example nr.tensor([1, 2]).print() */
  print(verbose = false): void {
    console.log(this.toString(verbose));
  }

  /** A new tensor with the same values (shares the buffer; tensors are immutable). @example const y = x.clone() */
  clone(): Tensor {
    return ops.clone(this);
  }

  // ---- tfjs's older methods, kept for ported programs ----

  /** tfjs's name for cast. @example x.asType('int32') */
  asType(dtype: DType): Tensor {
    return ops.cast(this, dtype);
  }
  /** cast to float32. @example x.toFloat() */
  toFloat(): Tensor {
    return ops.cast(this, 'float32');
  }
  /** cast to int32 (truncating). @example x.toInt() */
  toInt(): Tensor {
    return ops.cast(this, 'int32');
  }
  /** cast to bool. @example x.toBool() */
  toBool(): Tensor {
    return ops.cast(this, 'bool');
  }
  /** Reshaped to rank 0 (the tensor must hold one value). @example nr.tensor([7]).asScalar() */
  asScalar(): Tensor {
    if (this.size !== 1)
      throw new ShapeError(
        `asScalar: the tensor must hold one value, received shape ${show(this.shape)}`,
      );
    return ops.reshape(this, []);
  }
  /** Reshaped to rank 3. @example x.as3D(1, 2, 3) */
  as3D(rows: number, columns: number, depth: number): Tensor {
    return ops.reshape(this, [rows, columns, depth]);
  }
  /** Reshaped to rank 4. @example x.as4D(1, 2, 3, 1) */
  as4D(rows: number, columns: number, depth: number, depth2: number): Tensor {
    return ops.reshape(this, [rows, columns, depth, depth2]);
  }
  /** Reshaped to rank 5. @example x.as5D(1, 1, 2, 3, 1) */
  as5D(rows: number, columns: number, depth: number, depth2: number, depth3: number): Tensor {
    return ops.reshape(this, [rows, columns, depth, depth2, depth3]);
  }
  /** A TensorBuffer with a copy of the values. @example const b = await x.buffer(); b.get(0) */
  async buffer(): Promise<TensorBuffer> {
    return new TensorBuffer(this.shape, this.dtype, await this.data());
  }
  /** A TensorBuffer with a copy of the values, read synchronously. @example x.bufferSync().get(0, 1) */
  bufferSync(): TensorBuffer {
    return new TensorBuffer(this.shape, this.dtype, this.dataSync());
  }
  /** A Variable initialised with these values. @example const w = nr.zeros([2]).variable() */
  variable(trainable = true, name?: string, dtype?: DType): Variable {
    return makeVariable(this, trainable, name, dtype);
  }

  /** Frees this tensor's reference to its buffer. Idempotent. @example x.dispose() */
  dispose(): void {
    ENGINE.disposeTensor(this);
  }

  /** `using x = nr.tensor(...)` frees x at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  // ---- spectral (ops/spectral.ts) ----
  /** The DFT over the innermost axis of a complex64 tensor. @example nr.complex([1, 2], [0, 0]).fft() */
  fft(): Tensor {
    return ops.fft(this);
  }
  /** The inverse DFT over the innermost axis. @example c.fft().ifft() // c */
  ifft(): Tensor {
    return ops.ifft(this);
  }
  /** The DFT of a real signal: its n/2 + 1 non-redundant bins. @example nr.tensor([1, 2, 3]).rfft() */
  rfft(fftLength?: number): Tensor {
    return ops.rfft(this, fftLength);
  }
  /** The real signal of an rfft spectrum. @example x.rfft().irfft() // x (even length) */
  irfft(): Tensor {
    return ops.irfft(this);
  }

  // ---- elementwise ----
  abs(): Tensor {
    return ops.abs(this);
  }
  neg(): Tensor {
    return ops.neg(this);
  }
  exp(): Tensor {
    return ops.exp(this);
  }
  expm1(): Tensor {
    return ops.expm1(this);
  }
  log(): Tensor {
    return ops.log(this);
  }
  log1p(): Tensor {
    return ops.log1p(this);
  }
  sqrt(): Tensor {
    return ops.sqrt(this);
  }
  rsqrt(): Tensor {
    return ops.rsqrt(this);
  }
  square(): Tensor {
    return ops.square(this);
  }
  reciprocal(): Tensor {
    return ops.reciprocal(this);
  }
  sin(): Tensor {
    return ops.sin(this);
  }
  cos(): Tensor {
    return ops.cos(this);
  }
  tan(): Tensor {
    return ops.tan(this);
  }
  asin(): Tensor {
    return ops.asin(this);
  }
  acos(): Tensor {
    return ops.acos(this);
  }
  atan(): Tensor {
    return ops.atan(this);
  }
  sinh(): Tensor {
    return ops.sinh(this);
  }
  cosh(): Tensor {
    return ops.cosh(this);
  }
  tanh(): Tensor {
    return ops.tanh(this);
  }
  asinh(): Tensor {
    return ops.asinh(this);
  }
  acosh(): Tensor {
    return ops.acosh(this);
  }
  atanh(): Tensor {
    return ops.atanh(this);
  }
  sigmoid(): Tensor {
    return ops.sigmoid(this);
  }
  logSigmoid(): Tensor {
    return ops.logSigmoid(this);
  }
  relu(): Tensor {
    return ops.relu(this);
  }
  relu6(): Tensor {
    return ops.relu6(this);
  }
  elu(): Tensor {
    return ops.elu(this);
  }
  selu(): Tensor {
    return ops.selu(this);
  }
  leakyRelu(alpha?: number): Tensor {
    return ops.leakyRelu(this, alpha);
  }
  prelu(alpha: Operand): Tensor {
    return ops.prelu(this, alpha);
  }
  softplus(): Tensor {
    return ops.softplus(this);
  }
  softsign(): Tensor {
    return ops.softsign(this);
  }
  gelu(approximate = false): Tensor {
    return ops.gelu(this, approximate);
  }
  silu(): Tensor {
    return ops.silu(this);
  }
  swish(): Tensor {
    return ops.swish(this);
  }
  mish(): Tensor {
    return ops.mish(this);
  }
  erf(): Tensor {
    return ops.erf(this);
  }
  sign(): Tensor {
    return ops.sign(this);
  }
  floor(): Tensor {
    return ops.floor(this);
  }
  ceil(): Tensor {
    return ops.ceil(this);
  }
  round(): Tensor {
    return ops.round(this);
  }
  isNaN(): Tensor {
    return ops.isNaN(this);
  }
  isInf(): Tensor {
    return ops.isInf(this);
  }
  isFinite(): Tensor {
    return ops.isFinite(this);
  }
  logicalNot(): Tensor {
    return ops.logicalNot(this);
  }
  add(b: Operand): Tensor {
    return ops.add(this, b);
  }
  sub(b: Operand): Tensor {
    return ops.sub(this, b);
  }
  mul(b: Operand): Tensor {
    return ops.mul(this, b);
  }
  div(b: Operand): Tensor {
    return ops.div(this, b);
  }
  divNoNan(b: Operand): Tensor {
    return ops.divNoNan(this, b);
  }
  floorDiv(b: Operand): Tensor {
    return ops.floorDiv(this, b);
  }
  mod(b: Operand): Tensor {
    return ops.mod(this, b);
  }
  pow(b: Operand): Tensor {
    return ops.pow(this, b);
  }
  maximum(b: Operand): Tensor {
    return ops.maximum(this, b);
  }
  minimum(b: Operand): Tensor {
    return ops.minimum(this, b);
  }
  squaredDifference(b: Operand): Tensor {
    return ops.squaredDifference(this, b);
  }
  atan2(b: Operand): Tensor {
    return ops.atan2(this, b);
  }
  equal(b: Operand): Tensor {
    return ops.equal(this, b);
  }
  notEqual(b: Operand): Tensor {
    return ops.notEqual(this, b);
  }
  less(b: Operand): Tensor {
    return ops.less(this, b);
  }
  lessEqual(b: Operand): Tensor {
    return ops.lessEqual(this, b);
  }
  greater(b: Operand): Tensor {
    return ops.greater(this, b);
  }
  greaterEqual(b: Operand): Tensor {
    return ops.greaterEqual(this, b);
  }
  logicalAnd(b: Operand): Tensor {
    return ops.logicalAnd(this, b);
  }
  logicalOr(b: Operand): Tensor {
    return ops.logicalOr(this, b);
  }
  logicalXor(b: Operand): Tensor {
    return ops.logicalXor(this, b);
  }
  /** Bitwise AND with an int32 tensor of the same shape. @example nr.tensor1d([5], 'int32').bitwiseAnd(nr.tensor1d([3], 'int32')) // [1] */
  bitwiseAnd(b: Tensor): Tensor {
    return ops.bitwiseAnd(this, b);
  }
  /** Uses this (bool) tensor as the condition: `cond.where(a, b)`. */
  where(a: Operand, b: Operand): Tensor {
    return ops.where(this, a, b);
  }
  clipByValue(min: number, max: number): Tensor {
    return ops.clipByValue(this, min, max);
  }
  cast(dtype: DType): Tensor {
    return ops.cast(this, dtype);
  }
  zerosLike(): Tensor {
    return ops.zerosLike(this);
  }
  onesLike(): Tensor {
    return ops.onesLike(this);
  }

  // ---- reductions ----
  sum(axis?: Axis, keepDims = false): Tensor {
    return ops.sum(this, axis, keepDims);
  }
  mean(axis?: Axis, keepDims = false): Tensor {
    return ops.mean(this, axis, keepDims);
  }
  prod(axis?: Axis, keepDims = false): Tensor {
    return ops.prod(this, axis, keepDims);
  }
  max(axis?: Axis, keepDims = false): Tensor {
    return ops.max(this, axis, keepDims);
  }
  min(axis?: Axis, keepDims = false): Tensor {
    return ops.min(this, axis, keepDims);
  }
  any(axis?: Axis, keepDims = false): Tensor {
    return ops.any(this, axis, keepDims);
  }
  all(axis?: Axis, keepDims = false): Tensor {
    return ops.all(this, axis, keepDims);
  }
  argMax(axis?: number): Tensor {
    return ops.argMax(this, axis);
  }
  argMin(axis?: number): Tensor {
    return ops.argMin(this, axis);
  }
  logSumExp(axis?: Axis, keepDims = false): Tensor {
    return ops.logSumExp(this, axis, keepDims);
  }
  norm(ord?: ops.NormOrd, axis?: Axis, keepDims = false): Tensor {
    return ops.norm(this, ord, axis, keepDims);
  }
  cumsum(axis?: number, exclusive?: boolean, reverse?: boolean): Tensor {
    return ops.cumsum(this, axis, exclusive, reverse);
  }
  cumprod(axis?: number, exclusive?: boolean, reverse?: boolean): Tensor {
    return ops.cumprod(this, axis, exclusive, reverse);
  }

  // ---- movement ----
  reshape(shape: readonly number[]): Tensor {
    return ops.reshape(this, shape);
  }
  flatten(): Tensor {
    return ops.reshape(this, [-1]);
  }
  transpose(perm?: readonly number[], conjugate = false): Tensor {
    return ops.transpose(this, perm, conjugate);
  }
  slice(begin: number | readonly number[], size?: number | readonly number[]): Tensor {
    return ops.slice(this, begin, size);
  }
  stridedSlice(
    begin: readonly number[],
    end: readonly number[],
    strides?: readonly number[],
    beginMask?: number,
    endMask?: number,
    ellipsisMask?: number,
    newAxisMask?: number,
    shrinkAxisMask?: number,
  ): Tensor {
    return ops.stridedSlice(
      this,
      begin,
      end,
      strides,
      beginMask,
      endMask,
      ellipsisMask,
      newAxisMask,
      shrinkAxisMask,
    );
  }
  reverse(axis?: Axis): Tensor {
    return ops.reverse(this, axis);
  }
  expandDims(axis = 0): Tensor {
    return ops.expandDims(this, axis);
  }
  squeeze(axis?: readonly number[]): Tensor {
    return ops.squeeze(this, axis);
  }
  broadcastTo(shape: readonly number[]): Tensor {
    return ops.broadcastTo(this, shape);
  }
  tile(reps: readonly number[]): Tensor {
    return ops.tile(this, reps);
  }
  pad(paddings: readonly (readonly [number, number])[], constantValue = 0): Tensor {
    return ops.pad(this, paddings, constantValue);
  }
  concat(others: Tensor | readonly Tensor[], axis = 0): Tensor {
    return ops.concat([this, ...(Array.isArray(others) ? others : [others])], axis);
  }
  split(numOrSizeSplits: number | readonly number[], axis = 0): Tensor[] {
    return ops.split(this, numOrSizeSplits, axis);
  }
  unstack(axis = 0): Tensor[] {
    return ops.unstack(this, axis);
  }
  gather(indices: Operand, axis = 0, batchDims = 0): Tensor {
    return ops.gather(this, indices, axis, batchDims);
  }
  as1D(): Tensor {
    return ops.reshape(this, [this.size]);
  }
  as2D(rows: number, cols: number): Tensor {
    return ops.reshape(this, [rows, cols]);
  }

  gatherND(indices: Operand): Tensor {
    return ops.gatherND(this, indices);
  }
  topk(...args: Rest<typeof ops.topk>): { values: Tensor; indices: Tensor } {
    return ops.topk(this, ...args);
  }
  mirrorPad(...args: Rest<typeof ops.mirrorPad>): Tensor {
    return ops.mirrorPad(this, ...args);
  }
  unsortedSegmentSum(...args: Rest<typeof ops.unsortedSegmentSum>): Tensor {
    return ops.unsortedSegmentSum(this, ...args);
  }
  booleanMaskAsync(...args: Rest<typeof ops.booleanMaskAsync>): Promise<Tensor> {
    return ops.booleanMaskAsync(this, ...args);
  }
  /** One-hot encoding of these int32 indices. */
  oneHot(...args: Rest<typeof ops.oneHot>): Tensor {
    return ops.oneHot(this, ...args);
  }
  moments(...args: Rest<typeof ops.moments>): { mean: Tensor; variance: Tensor } {
    return ops.moments(this, ...args);
  }

  // ---- linear algebra and nn ----
  matMul(b: Operand, transposeA = false, transposeB = false): Tensor {
    return ops.matMul(this, b, transposeA, transposeB);
  }
  dot(b: Operand): Tensor {
    return ops.dot(this, b);
  }
  outerProduct(b: Operand): Tensor {
    return ops.outerProduct(this, b);
  }
  conv1d(...args: Rest<typeof ops.conv1d>): Tensor {
    return ops.conv1d(this, ...args);
  }
  conv2d(...args: Rest<typeof ops.conv2d>): Tensor {
    return ops.conv2d(this, ...args);
  }
  conv2dTranspose(...args: Rest<typeof ops.conv2dTranspose>): Tensor {
    return ops.conv2dTranspose(this, ...args);
  }
  depthwiseConv2d(...args: Rest<typeof ops.depthwiseConv2d>): Tensor {
    return ops.depthwiseConv2d(this, ...args);
  }
  separableConv2d(...args: Rest<typeof ops.separableConv2d>): Tensor {
    return ops.separableConv2d(this, ...args);
  }
  maxPool(...args: Rest<typeof ops.maxPool>): Tensor {
    return ops.maxPool(this, ...args);
  }
  avgPool(...args: Rest<typeof ops.avgPool>): Tensor {
    return ops.avgPool(this, ...args);
  }
  pool(...args: Rest<typeof ops.pool>): Tensor {
    return ops.pool(this, ...args);
  }
  dilation2d(...args: Rest<typeof ops.dilation2d>): Tensor {
    return ops.dilation2d(this, ...args);
  }
  softmax(axis = -1): Tensor {
    return ops.softmax(this, axis);
  }
  logSoftmax(axis = -1): Tensor {
    return ops.logSoftmax(this, axis);
  }
  batchNorm(...args: Rest<typeof ops.batchNorm>): Tensor {
    return ops.batchNorm(this, ...args);
  }
  dropout(...args: Rest<typeof ops.dropout>): Tensor {
    return ops.dropout(this, ...args);
  }
  localResponseNormalization(...args: Rest<typeof ops.localResponseNormalization>): Tensor {
    return ops.localResponseNormalization(this, ...args);
  }
  resizeBilinear(...args: Rest<typeof ops.image.resizeBilinear>): Tensor {
    return ops.image.resizeBilinear(this, ...args);
  }
  resizeNearestNeighbor(...args: Rest<typeof ops.image.resizeNearestNeighbor>): Tensor {
    return ops.image.resizeNearestNeighbor(this, ...args);
  }
  /** Samples class indices from these logits. */
  multinomial(...args: Rest<typeof ops.multinomial>): Tensor {
    return ops.multinomial(this, ...args);
  }
  /** tfjs' chained stack: this tensor first, then `x` (one tensor or several). */
  stack(x: Tensor | Tensor[], axis = 0): Tensor {
    return ops.stack(x instanceof Tensor ? [this, x] : [this, ...x], axis);
  }
  /** This tensor in `x`'s shape. */
  reshapeAs(x: Tensor): Tensor {
    return ops.reshape(this, x.shape);
  }
  step(...args: Rest<typeof ops.step>): Tensor {
    return ops.step(this, ...args);
  }
  unique(...args: Rest<typeof ops.unique>): { values: Tensor; indices: Tensor } {
    return ops.unique(this, ...args);
  }
  spaceToBatchND(...args: Rest<typeof ops.spaceToBatchND>): Tensor {
    return ops.spaceToBatchND(this, ...args);
  }
  batchToSpaceND(...args: Rest<typeof ops.batchToSpaceND>): Tensor {
    return ops.batchToSpaceND(this, ...args);
  }
  depthToSpace(...args: Rest<typeof ops.depthToSpace>): Tensor {
    return ops.depthToSpace(this, ...args);
  }
}

/**
 * Trainable, assignable state: a tensor whose buffer `assign` replaces. Variables are not owned by
 * scopes; free them with `dispose()`.
 * @example
 * const w = nr.variable(nr.zeros([2]));
 * w.assign(nr.ones([2]));
 */
export class Variable extends Tensor {
  /**
   * Whether a layer computing in float16 under a mixed policy reads this float32 variable as float16
   * (Keras' `autocast`); off for state such as BatchNormalization's moving statistics.
   */
  autocast = true;

  constructor(
    id: number,
    initial: Tensor,
    public trainable: boolean,
    readonly name: string,
  ) {
    super(id, initial.shape, initial.dtype, initial.dataId, initial.backend);
  }

  /** Replaces the value; shape and dtype must match. @example v.assign(v.add(1)) */
  assign(value: Tensor): void {
    assertAssignable(this, value);
    ENGINE.recorder?.assign(this, value);
    ENGINE.swapBuffer(this, value.dataId, value.backend);
  }
}

/**
 * Values as nested arrays of `shape`. A complex64 tensor's pairs stay interleaved along the last axis,
 * which doubles (tfjs's layout: [[re, im, re, im], ...]); a complex scalar gives [re, im].
 */
function toNested(
  values: ArrayLike<number | string>,
  given: readonly number[],
  dtype: DType,
): ArrayData {
  const shape =
    dtype !== 'complex64'
      ? given
      : given.length === 0
        ? [2]
        : [...given.slice(0, -1), 2 * given[given.length - 1]];
  if (shape.length === 0) return values[0];
  const build = (offset: number, dim: number): ArrayData[] => {
    const n = shape[dim];
    const out: ArrayData[] = new Array(n);
    if (dim === shape.length - 1) {
      for (let i = 0; i < n; i++) out[i] = values[offset + i];
      return out;
    }
    let stride = 1;
    for (let d = dim + 1; d < shape.length; d++) stride *= shape[d];
    for (let i = 0; i < n; i++) out[i] = build(offset + i * stride, dim + 1);
    return out;
  };
  return build(0, 0);
}
