// Positional calls of a backend's kernels through its one entry point, for the kernel-level tests; kernel counting.
import type {
  AdamAttrs,
  Backend,
  Conv2DInfo,
  DataId,
  Epilogue,
  KernelAttrs,
  KernelName,
  Pool2DInfo,
  ReduceOp,
  TensorInfo,
} from '../../src/backends/backend.js';
import type { DType } from '../../src/core/dtype.js';
import type { Shape } from '../../src/core/shape.js';
import type { BinaryOp, UnaryOp } from '../../src/core/elementwise_table.js';

/** A matMul/conv2d epilogue as kernel inputs and activation. */
function withEpilogue(
  inputs: TensorInfo[],
  epilogue: Epilogue | undefined,
): [TensorInfo[], Epilogue['activation']] {
  return [epilogue?.bias ? [...inputs, epilogue.bias] : inputs, epilogue?.activation ?? 'linear'];
}

/**
 * The kernels of `b` with the positional signatures the kernel tests were written against.
 * @example calls(backend).cast(x, 'int32')
 */
export function calls(b: Backend) {
  return {
    unary: (op: UnaryOp, x: TensorInfo, dtype: DType, alpha: number): DataId =>
      b.run('unary', [x], { op, dtype, alpha }),
    binary: (op: BinaryOp, x: TensorInfo, y: TensorInfo, outShape: Shape, dtype: DType): DataId =>
      b.run('binary', [x, y], { op, outShape, dtype }),
    cast: (x: TensorInfo, dtype: DType): DataId => b.run('cast', [x], { dtype }),
    reduce: (op: ReduceOp, x: TensorInfo, axes: readonly number[], dtype: DType): DataId =>
      b.run('reduce', [x], { op, axes, dtype }),
    argReduce: (op: 'argMax' | 'argMin', x: TensorInfo, axis: number): DataId =>
      b.run('argReduce', [x], { op, axis }),
    copyStrided: (x: TensorInfo, outShape: Shape, offset: number, strides: readonly number[]) =>
      b.run('copyStrided', [x], { outShape, offset, strides }),
    concat: (xs: readonly TensorInfo[], axis: number, outShape: Shape): DataId =>
      b.run('concat', xs, { axis, outShape }),
    matMul: (
      x: TensorInfo,
      y: TensorInfo,
      transposeA: boolean,
      transposeB: boolean,
      outShape: Shape,
      epilogue?: Epilogue,
    ): DataId => {
      const [inputs, activation] = withEpilogue([x, y], epilogue);
      return b.run('matMul', inputs, { transposeA, transposeB, outShape, activation });
    },
    conv2d: (x: TensorInfo, w: TensorInfo, info: Conv2DInfo, epilogue?: Epilogue): DataId => {
      const [inputs, activation] = withEpilogue([x, w], epilogue);
      return b.run('conv2d', inputs, { info, activation });
    },
    conv2dBackpropInput: (dy: TensorInfo, w: TensorInfo, info: Conv2DInfo): DataId =>
      b.run('conv2dBackpropInput', [dy, w], { info }),
    conv2dBackpropFilter: (x: TensorInfo, dy: TensorInfo, info: Conv2DInfo): DataId =>
      b.run('conv2dBackpropFilter', [x, dy], { info }),
    depthwiseConv2d: (x: TensorInfo, w: TensorInfo, info: Conv2DInfo): DataId =>
      b.run('depthwiseConv2d', [x, w], { info }),
    depthwiseConv2dBackpropInput: (dy: TensorInfo, w: TensorInfo, info: Conv2DInfo): DataId =>
      b.run('depthwiseConv2dBackpropInput', [dy, w], { info }),
    depthwiseConv2dBackpropFilter: (x: TensorInfo, dy: TensorInfo, info: Conv2DInfo): DataId =>
      b.run('depthwiseConv2dBackpropFilter', [x, dy], { info }),
    maxPool: (x: TensorInfo, info: Pool2DInfo): DataId => b.run('maxPool', [x], { info }),
    maxPoolGrad: (dy: TensorInfo, x: TensorInfo, info: Pool2DInfo): DataId =>
      b.run('maxPoolGrad', [dy, x], { info }),
    avgPool: (x: TensorInfo, info: Pool2DInfo): DataId => b.run('avgPool', [x], { info }),
    avgPoolGrad: (dy: TensorInfo, info: Pool2DInfo): DataId => b.run('avgPoolGrad', [dy], { info }),
    softmax: (x: TensorInfo): DataId => b.run('softmax', [x], {}),
    adamUpdate: (
      g: TensorInfo,
      m: TensorInfo,
      v: TensorInfo,
      w: TensorInfo,
      alpha: TensorInfo,
      attrs: AdamAttrs,
    ): DataId[] => b.run('adamUpdate', [g, m, v, w, alpha], attrs),
    /** adamUpdate over several variables: [g, m, v, w] each, one alpha; m', v', w' of each in turn. */
    adamUpdateMany: (
      vars: readonly (readonly [TensorInfo, TensorInfo, TensorInfo, TensorInfo])[],
      alpha: TensorInfo,
      attrs: AdamAttrs,
    ): DataId[] => b.run('adamUpdate', [...vars.flat(), alpha], attrs),
  };
}

/**
 * Wraps backend `b`'s one entry point so `onRun` sees every kernel it dispatches (name and attributes);
 * returns the function that puts the entry point back.
 * @example const restore = interceptKernels(b, (k) => seen.push(k)); try { f(); } finally { restore(); }
 */
export function interceptKernels(
  b: Backend,
  onRun: (kernel: KernelName, attrs: object) => void,
): () => void {
  const run = b.run;
  const bound = run.bind(b);
  b.run = <K extends KernelName>(
    kernel: K,
    inputs: readonly TensorInfo[],
    attrs: KernelAttrs[K],
  ) => {
    onRun(kernel, attrs);
    return bound(kernel, inputs, attrs);
  };
  return () => {
    b.run = run;
  };
}

/**
 * The kernels `fn` dispatches on backend `b`, by name, in order (the backend's one entry point wrapped
 * meanwhile): for tests of how many kernels an op or a gradient costs.
 * @example const seen = dispatched(nr.backend(), () => x.neg()); // ['unary']
 */
export function dispatched(b: Backend, fn: () => void): string[] {
  const seen: string[] = [];
  const restore = interceptKernels(b, (kernel) => seen.push(kernel));
  try {
    fn();
  } finally {
    restore();
  }
  return seen;
}

/**
 * `dispatched` for a function that awaits (reads values): the entry point stays wrapped until it settles.
 * @example const seen = await dispatchedAsync(nr.backend(), async () => { await x.neg().data(); });
 */
export async function dispatchedAsync(
  b: Backend,
  fn: () => void | Promise<void>,
): Promise<string[]> {
  const seen: string[] = [];
  const restore = interceptKernels(b, (kernel) => seen.push(kernel));
  try {
    await fn();
  } finally {
    restore();
  }
  return seen;
}
