// The backend contract: memory plus one entry point over a kernel table typed per kernel. Shapes are decided by the engine;
// a backend only computes values, so every backend agrees on shapes by construction.
import type { DType, TypedArray } from '../core/dtype.js';
import type { Shape } from '../core/shape.js';
import type { KernelAttrs, KernelName } from '../core/primitives.js';

export type { KernelAttrs, KernelName, Paddings } from '../core/primitives.js';

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

/** Kernels with several outputs and their output lists; every other kernel returns one new buffer. @example const [m, v, w]: MultiOutputs['adamUpdate'] = b.run('adamUpdate', inputs, attrs); */
export interface MultiOutputs {
  /** m', v', w' of each variable in turn: 3k buffers for the k variables of the inputs. */
  adamUpdate: DataId[];
  /** One buffer per program output (FusedProgram.outputs; the last step's alone by default). */
  fused: DataId[];
  /** The program's outputs, then the reduction. */
  fusedReduce: DataId[];
}

/** What kernel K returns: one new buffer, or for a kernel of MultiOutputs its list. @example const id: KernelOutput<'cast'> = b.run('cast', [x], { dtype: 'int32' }); */
export type KernelOutput<K extends KernelName> = K extends keyof MultiOutputs
  ? MultiOutputs[K]
  : DataId;

/**
 * A kernel: reads its inputs, returns new buffers; never mutates an input.
 * @example const negate: Kernel<'unary'> = ([x], a) => store.unary(a.op, x);
 */
export type Kernel<K extends KernelName> = (
  inputs: readonly TensorInfo[],
  attrs: KernelAttrs[K],
) => KernelOutput<K>;

/** What an accelerated kernel returns for a case it does not handle: the base table's kernel runs it. @example return simd.cast(x, a.dtype) ?? DECLINE; */
export const DECLINE: unique symbol = Symbol('neurite.decline');
/** The type of DECLINE. @example const out: DataId | Declined = DECLINE; */
export type Declined = typeof DECLINE;

/**
 * A kernel that handles some cases and declines the others (a SIMD kernel for float32 only, say).
 * @example const fast: PartialKernel<'cast'> = ([x], a) => (x.dtype === 'float32' ? simdCast(x, a.dtype) : DECLINE);
 */
export type PartialKernel<K extends KernelName> = (
  inputs: readonly TensorInfo[],
  attrs: KernelAttrs[K],
) => KernelOutput<K> | Declined;

/** A complete kernel table: a missing kernel is a compile error naming it. @example const table: KernelTable = bindKernels(CPU_KERNELS, host); */
export type KernelTable = { [K in KernelName]: Kernel<K> };

/** Accelerated kernels laid over a base table (backends/kernel_table.ts, overrideKernels). @example const over: KernelOverrides = { cast: () => DECLINE }; */
export type KernelOverrides = { [K in KernelName]?: PartialKernel<K> };

/**
 * tfjs' epsilon for a float precision: 1e-7 at 32 bits, 1e-4 at 16 (what `backend().epsilon()` gives).
 * @example precisionEpsilon(32) // 1e-7
 */
export function precisionEpsilon(bits: 16 | 32): number {
  return bits === 32 ? 1e-7 : 1e-4;
}

/**
 * The contract every backend implements: memory, and one entry point over its kernel table. Kernels
 * return new buffers; none mutates its inputs.
 * @example
 * const b = await createCpuBackend();
 * const x = { dataId: b.write(new Float32Array([1, -2]), 'float32'), shape: [2], dtype: 'float32' } as const;
 * const y = b.run('unary', [x], { op: 'abs', dtype: 'float32', alpha: 0 });
 */
export interface Backend {
  readonly name: string;
  /** Whether `readSync` works (false for WebGPU). */
  readonly canReadSync: boolean;
  /** Bits of float precision its float32 tensors keep (32; 16 on a float16-only device); optional, as tfjs' KernelBackend has it. */
  floatPrecision?(): 16 | 32;
  /** The smallest safe epsilon for that precision (1e-7 at 32 bits, 1e-4 at 16), as tfjs' KernelBackend.epsilon(); optional. */
  epsilon?(): number;
  /**
   * The most buffers (inputs and outputs together) one kernel may bind, where the platform limits it
   * (WebGPU: storage buffers per shader stage); absent: no limit. nr.jit's fusion sizes groups by it.
   */
  readonly maxKernelBuffers?: number;
  /**
   * Whether its matMul kernel reads operands through KernelAttrs['matMul'].views (a transpose or slice
   * in place); nr.jit's fusion pass then drops the copies that only feed matMuls. Absent: false.
   */
  readonly matMulViews?: boolean;
  /** What the backend runs on (adapter, limits, features...), shown by `nr.env()`; optional. */
  describe?(): Record<string, unknown>;
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
  /** Runs one kernel of the backend's table. */
  run<K extends KernelName>(
    kernel: K,
    inputs: readonly TensorInfo[],
    attrs: KernelAttrs[K],
  ): KernelOutput<K>;
}

/** Creates a backend; async because GPU and wasm backends must probe the platform. */
export type BackendFactory = () => Promise<Backend>;
