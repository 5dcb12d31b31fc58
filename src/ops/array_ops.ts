// tfjs array ops composed from existing ones: addN, diag, meshgrid, step, euclideanNorm, broadcastArgs,
// unique, tensorScatterUpdate, sparseToDense, movingAverage. Gradients come from the composition.
import { stopGradient } from '../autograd/grad.js';
import type { DType, TensorLike } from '../core/dtype.js';
import { ArgumentError, DTypeError, ShapeError, show } from '../core/errors.js';
import { tidy } from '../core/memory.js';
import { broadcastShapes, shapesEqual } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import * as ops from './all.js';
import { argDTypeError, toTensor, toTensorAny, toTensorAs } from './convert.js';

type Operand = Tensor | TensorLike;

/**
 * Element-wise sum of tensors of the same shape and dtype.
 * @example nr.addN([a, b, c]) // a + b + c
 */
export function addN(tensors: readonly Operand[]): Tensor {
  // tfjs's wording after the op's name, so code that matches on tfjs's messages keeps working
  if (!Array.isArray(tensors))
    throw new ArgumentError(
      `addN: The argument passed to tf.addN() must be a list of tensors, received ${show(tensors)}`,
    );
  if (tensors.length === 0)
    throw new ArgumentError('addN: Must pass at least one tensor to tf.addN(), but got 0');
  return tidy(() => {
    const ts = tensors.map((t, i) => toTensor(t, 'addN', `tensors[${i}]`));
    for (const [i, t] of ts.entries()) {
      if (!shapesEqual(t.shape, ts[0].shape))
        throw new ShapeError(
          `addN: All tensors passed to tf.addN() must have the same shape; tensors[${i}] has ${show(t.shape)}, tensors[0] ${show(ts[0].shape)}`,
        );
      if (t.dtype !== ts[0].dtype)
        throw new DTypeError(
          `addN: All tensors passed to tf.addN() must have the same dtype; tensors[${i}] is ${t.dtype}, tensors[0] ${ts[0].dtype}`,
        );
    }
    return ts.slice(1).reduce((acc, t) => ops.add(acc, t), ops.clone(ts[0]));
  });
}

/**
 * A tensor of shape [...x.shape, ...x.shape] with x on its diagonal and zeros elsewhere.
 * @example nr.diag([1, 2]) // [[1, 0], [0, 2]]
 */
export function diag(x: Operand): Tensor {
  return tidy(() => {
    const xt = toTensor(x, 'diag', 'x');
    if (xt.rank === 0) throw new ShapeError('diag: x must have rank >= 1, received a scalar');
    const n = xt.size;
    const column = ops.reshape(xt, [n, 1]);
    const out = ops.reshape(ops.mul(column, ops.eye(n, n, [], xt.dtype)), [
      ...xt.shape,
      ...xt.shape,
    ]);
    return xt.dtype === 'bool' ? ops.cast(out, 'bool') : out;
  });
}

/**
 * Coordinate grids from two vectors: 'xy' (default) gives [y.size, x.size] grids, 'ij' [x.size, y.size].
 * @example const [X, Y] = nr.meshgrid([1, 2, 3], [4, 5]) // X [[1,2,3],[1,2,3]], Y [[4,4,4],[5,5,5]]
 */
export function meshgrid(
  x?: Operand,
  y?: Operand,
  { indexing = 'xy' }: { indexing?: 'xy' | 'ij' } = {},
): Tensor[] {
  if (indexing !== 'xy' && indexing !== 'ij')
    throw new ArgumentError(`meshgrid: indexing must be 'xy' or 'ij', received ${show(indexing)}`);
  if (x === undefined) return [];
  const xt = toTensor(x, 'meshgrid', 'x');
  const xf = xt.rank === 1 ? xt : ops.reshape(xt, [xt.size]);
  if (y === undefined) return [xf === xt ? ops.clone(xt) : xf];
  return tidy(() => {
    const yt = toTensor(y, 'meshgrid', 'y');
    const yf = ops.reshape(yt, [yt.size]);
    const xv = ops.reshape(xf, [xf.size]);
    if (indexing === 'xy') {
      const shape = [yf.size, xv.size];
      return [
        ops.broadcastTo(ops.reshape(xv, [1, xv.size]), shape),
        ops.broadcastTo(ops.reshape(yf, [yf.size, 1]), shape),
      ];
    }
    const shape = [xv.size, yf.size];
    return [
      ops.broadcastTo(ops.reshape(xv, [xv.size, 1]), shape),
      ops.broadcastTo(ops.reshape(yf, [1, yf.size]), shape),
    ];
  });
}

/**
 * Heaviside step: 1 where x > 0, alpha elsewhere, NaN stays NaN; its gradient is zero.
 * @example nr.step([-1, 0, 2], 0.5) // [0.5, 0.5, 1]
 */
export function step(x: Operand, alpha = 0): Tensor {
  return tidy(() => {
    const xt = toTensor(x, 'step', 'x');
    const stepped = ops.where(
      ops.greater(xt, 0),
      ops.onesLike(xt),
      ops.fill(xt.shape, alpha, xt.dtype),
    );
    const out =
      xt.dtype === 'float32' || xt.dtype === 'float16'
        ? ops.where(ops.isNaN(xt), xt, stepped)
        : stepped;
    return stopGradient(out);
  });
}

/**
 * The Euclidean (L2) norm over axes (all by default).
 * @example nr.euclideanNorm([[3, 4]], 1) // [5]
 */
export function euclideanNorm(
  x: Operand,
  axis?: number | readonly number[],
  keepDims = false,
): Tensor {
  return ops.norm(x, 'euclidean', axis, keepDims);
}

/**
 * The broadcast of two shapes given as int32 vectors, as an int32 vector.
 * @example nr.broadcastArgs([2, 1], [1, 3]) // [2, 3]
 */
export function broadcastArgs(s0: Operand, s1: Operand): Tensor {
  const read = (s: Operand, arg: string): number[] => {
    const t = toTensor(s, 'broadcastArgs', arg);
    if (t.dtype !== 'int32')
      throw new DTypeError(`broadcastArgs: ${arg} must be int32, received ${t.dtype}`);
    if (t.rank !== 1)
      throw new ShapeError(
        `broadcastArgs: ${arg} must have rank 1, received shape ${show(t.shape)}`,
      );
    const v = Array.from(t.dataSync());
    if (t !== s) t.dispose();
    return v;
  };
  return ops.tensor(
    broadcastShapes('broadcastArgs', read(s0, 's0'), read(s1, 's1')),
    undefined,
    'int32',
  );
}

/**
 * The distinct slices of x along axis and, per position, its slice's index (tfjs's synchronous unique).
 * @example const { values, indices } = nr.unique([1, 1, 2]) // [1, 2], [0, 0, 1]
 */
export function unique(x: Operand, axis = 0): { values: Tensor; indices: Tensor } {
  return ops.uniqueFromValues('unique', x, axis, (t) => t.dataSync<DType>());
}

/**
 * A copy of tensor with the slices at indices replaced by updates (tfjs tensorScatterUpdate).
 * @example nr.tensorScatterUpdate([1, 2, 3, 4], [[1], [3]], [9, 8]) // [1, 9, 3, 8]
 */
export function tensorScatterUpdate(tensor: Operand, indices: Operand, updates: Operand): Tensor {
  return tidy(() => {
    const tt = toTensor(tensor, 'tensorScatterUpdate', 'tensor');
    const ut = toTensor(updates, 'tensorScatterUpdate', 'updates', tt.dtype);
    if (ut.dtype !== tt.dtype)
      throw new DTypeError(
        `tensorScatterUpdate: updates must have tensor's dtype ${tt.dtype}, received ${ut.dtype}`,
      );
    const hit = ops.greater(ops.scatterND(indices, ops.onesLike(ut).cast('float32'), tt.shape), 0);
    return ops.where(hit, ops.scatterND(indices, ut, tt.shape), tt);
  });
}

/**
 * A dense tensor of outputShape with sparseValues at sparseIndices and defaultValue elsewhere.
 * @example nr.sparseToDense([[0], [2]], [5, 6], [4]) // [5, 0, 6, 0]
 */
export function sparseToDense(
  sparseIndices: Operand,
  sparseValues: Operand,
  outputShape: readonly number[],
  defaultValue: Operand = 0,
): Tensor {
  return tidy(() => {
    // plain values are parsed as int32 (as tfjs does); a tensor of another dtype is refused
    let idx = toTensorAs(sparseIndices, 'sparseToDense', 'sparseIndices', 'int32');
    if (idx.dtype !== 'int32')
      throw argDTypeError('sparseToDense', 'sparseIndices', 'int32', idx.dtype);
    if (idx.rank <= 1) idx = ops.reshape(idx, [idx.size, 1]);
    const n = idx.shape[0];
    const vals = toTensorAny(sparseValues, 'sparseToDense', 'sparseValues');
    if (vals.dtype === 'string') {
      // strings: the same op on their positions in a pool of the values and the default, then a gather
      const def = toTensorAny(defaultValue, 'sparseToDense', 'defaultValue', 'string');
      if (def.dtype !== 'string' || def.size !== 1)
        throw new DTypeError(
          `sparseToDense: defaultValue must be one string like sparseValues, received ${def.dtype} shape ${show(def.shape)}`,
        );
      const v = vals.rank === 0 ? ops.broadcastTo(vals, [n]) : vals;
      const pool = ops.concat([ops.reshape(v, [v.size]), ops.reshape(def, [1])]);
      const positions = ops.range(0, v.size, 1, 'int32');
      const at = sparseToDense(idx, positions, outputShape, ops.scalar(v.size, 'int32'));
      return ops.gather(pool, at);
    }
    // a scalar value is broadcast on the backend: no read, so it works where reads are async (webgpu)
    const v = vals.rank === 0 ? ops.broadcastTo(vals, [n]) : vals;
    const def = toTensor(defaultValue, 'sparseToDense', 'defaultValue', v.dtype);
    if (def.dtype !== v.dtype)
      throw new DTypeError(
        `sparseToDense: defaultValue must have sparseValues' dtype ${v.dtype}, received ${def.dtype}`,
      );
    const hit = ops.greater(ops.scatterND(idx, ops.ones([n]), outputShape), 0);
    return ops.where(hit, ops.scatterND(idx, v, outputShape), ops.broadcastTo(def, outputShape));
  });
}

/**
 * The exponential moving average update v + (1 - decay)(x - v), divided by 1 - decay^step when
 * zeroDebias (tfjs movingAverage; step required then).
 * @example nr.movingAverage(v, x, 0.9, 1) // zero-debiased at step 1: x
 */
export function movingAverage(
  v: Operand,
  x: Operand,
  decay: number | Tensor,
  step?: number | Tensor,
  zeroDebias = true,
): Tensor {
  return tidy(() => {
    const vt = toTensor(v, 'movingAverage', 'v');
    const xt = toTensor(x, 'movingAverage', 'x');
    if (!shapesEqual(vt.shape, xt.shape))
      throw new ShapeError(
        `movingAverage: v and x must have the same shape, received ${show(vt.shape)} and ${show(xt.shape)}`,
      );
    const d = toTensor(decay, 'movingAverage', 'decay');
    let update = ops.mul(ops.sub(xt, vt), ops.sub(1, d));
    if (zeroDebias) {
      if (step === undefined || step === null)
        throw new ArgumentError(
          'movingAverage: step must be given when zeroDebias is true, received undefined',
        );
      update = ops.div(update, ops.sub(1, ops.pow(d, toTensor(step, 'movingAverage', 'step'))));
    }
    return ops.add(vt, update);
  });
}

/**
 * Returns x itself when its shape matches `shape` (a null or -1 entry matches any size), else throws.
 * @example nr.ensureShape(x, [null, 3]) // x, when x has 3 columns
 */
export function ensureShape(x: Tensor, shape: readonly (number | null)[]): Tensor {
  const xt = toTensor(x, 'ensureShape', 'x');
  const ok =
    xt.rank === shape.length && shape.every((d, i) => d === null || d === -1 || d === xt.shape[i]);
  if (!ok)
    throw new ShapeError(
      `ensureShape: EnsureShape: the shape of x ${show(xt.shape)} is not compatible with the expected shape ${show(shape)}`,
    );
  return xt;
}
