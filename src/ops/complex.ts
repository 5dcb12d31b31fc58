// complex64: tf.complex / real / imag, the zero-copy view to float32 pairs, and how primitives run on complex inputs.
//
// Design. A complex64 tensor of shape s is ONE backend buffer of 2·size(s) float32 values, interleaved
// [re, im, re, im, ...] (what tfjs's dataSync() returns, so reads need no conversion), counted as 8 bytes
// an element in memory(). The primitive `complexView` re-labels that buffer, without a copy, as a
// float32 tensor of shape [...s, 2] and back (the engine makes a second tensor on the same buffer, as
// reshape does). Every complex op is then an op on the pairs with existing primitives: movement ops
// (transpose, slice, concat, gather, broadcast, pad ...) act on [...s, 2] with the pair axis carried
// along, add/sub/neg act on the pairs directly, mul and abs are short compositions. So backends have no
// complex kernels at all except the one new primitive, `fft` (ops/spectral.ts). The engine sends any
// primitive that reads a complex64 tensor (or casts to one) to `liftComplex` below; a primitive with no
// entry in COMPLEX_LIFTS is a typed DTypeError, never a silent reading of the pairs as reals.
// Gradients: a complex tensor's cotangent is complex too, holding (dL/dre, dL/dim), so the view's
// VJP is the opposite view and every lifted op differentiates through the float32 ops it is made of.
import type { TensorLike } from '../core/dtype.js';
import { ENGINE } from '../core/engine.js';
import { DTypeError, ShapeError, show } from '../core/errors.js';
import { tidy } from '../core/memory.js';
import type { Primitive, PrimitiveAttrs, RuleTable } from '../core/primitives.js';
import { shapesEqual } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import * as ops from './all.js';
import { toTensor } from './convert.js';

type Operand = Tensor | TensorLike;

/** The float32 pairs [...s, 2] of a complex64 tensor of shape s (the same buffer). @example pairs(c) */
export function pairs(c: Tensor): Tensor {
  return ENGINE.run1('complexView', [c], { to: 'float32' });
}

/** The complex64 tensor of shape s whose pairs are `p` ([...s, 2], float32; the same buffer). @example fromPairs(p) */
export function fromPairs(p: Tensor): Tensor {
  return ENGINE.run1('complexView', [p], { to: 'complex64' });
}

/** A real tensor as complex64 with a zero imaginary part (complex tensors pass through). */
function toComplex(x: Tensor): Tensor {
  if (x.dtype === 'complex64') return x;
  const re = x.dtype === 'float32' ? x : x.cast('float32');
  return fromPairs(ops.stack([re, ops.zerosLike(re)], -1));
}

/**
 * A complex64 tensor from its real and imaginary parts (same shape).
 * @example nr.complex([1, 2], [3, 4]).dataSync() // Float32Array [1, 3, 2, 4]
 */
export function complex(real: Operand, imag: Operand): Tensor {
  const re = toTensor(real, 'complex', 'real');
  const im = toTensor(imag, 'complex', 'imag');
  if (!shapesEqual(re.shape, im.shape))
    throw new ShapeError(
      `complex: real and imag shapes, ${re.shape.join(',')} and ${im.shape.join(',')}, must match in call to tf.complex() (received real ${show(re.shape)} and imag ${show(im.shape)})`,
    );
  for (const [arg, t] of [
    ['real', re],
    ['imag', im],
  ] as const)
    if (t.dtype === 'complex64')
      throw new DTypeError(`complex: ${arg} must be a real tensor, received dtype 'complex64'`);
  return tidy(() => fromPairs(ops.stack([re.cast('float32'), im.cast('float32')], -1)));
}

function part(op: string, x: Operand, index: 0 | 1): Tensor {
  const xt = toTensor(x, op, 'input');
  if (xt.dtype !== 'complex64') return index === 0 ? xt.clone() : ops.zerosLike(xt);
  return tidy(() => {
    const p = pairs(xt);
    return ops.reshape(
      ops.slice(p, [...xt.shape.map(() => 0), index], [...xt.shape, 1]),
      xt.shape,
    );
  });
}

/**
 * The real part of a complex tensor, as float32 (a real tensor: itself).
 * @example nr.real(nr.complex([1, 2], [3, 4])) // [1, 2]
 */
export function real(input: Operand): Tensor {
  return part('real', input, 0);
}

/**
 * The imaginary part of a complex tensor, as float32 (a real tensor: zeros).
 * @example nr.imag(nr.complex([1, 2], [3, 4])) // [3, 4]
 */
export function imag(input: Operand): Tensor {
  return part('imag', input, 1);
}

/**
 * The complex conjugate a - bi (a real tensor: itself).
 * @example conj(nr.complex([1], [2])) // 1 - 2j
 */
export function conj(x: Tensor): Tensor {
  if (x.dtype !== 'complex64') return x.clone();
  return tidy(() => fromPairs(pairs(x).mul(ops.tensor([1, -1]))));
}

/** The view rule: the same buffer under the other label; its VJP is the opposite view. */
export const complexRules = {
  complexView: {
    forward: (_b, [x], { to }) => {
      if (to === 'float32') {
        if (x.dtype !== 'complex64')
          throw new DTypeError(`complexView: input must be complex64, received '${x.dtype}'`);
        return [{ dataId: x.dataId, shape: [...x.shape, 2], dtype: 'float32' }];
      }
      if (x.dtype !== 'float32' || x.shape[x.shape.length - 1] !== 2)
        throw new DTypeError(
          `complexView: pairs must be float32 [..., 2], received ${x.dtype} ${show(x.shape)}`,
        );
      return [{ dataId: x.dataId, shape: x.shape.slice(0, -1), dtype: 'complex64' }];
    },
    vjp: ([dy], _x, _y, { to }) => [
      ENGINE.run1('complexView', [dy], { to: to === 'float32' ? 'complex64' : 'float32' }),
    ],
  },
} satisfies Pick<RuleTable, 'complexView'>;

/** How one primitive runs when an input is complex64: ops on the float32 pairs. */
type Lift<P extends Primitive> = (inputs: readonly Tensor[], attrs: PrimitiveAttrs[P]) => Tensor;
type Lifts = { [P in Primitive]?: Lift<P> };

const pair = (t: Tensor): Tensor => pairs(toComplex(t));
const unsupported = (prim: string, what: string): DTypeError =>
  new DTypeError(`${prim}: ${what} is not defined for complex64 inputs`);

// (a + bi)(c + di) = (ac - bd) + (ad + bc)i
function complexMul(a: Tensor, b: Tensor): Tensor {
  const [ar, ai] = [real(a), imag(a)];
  const [br, bi] = [real(b), imag(b)];
  return complex(ar.mul(br).sub(ai.mul(bi)), ar.mul(bi).add(ai.mul(br)));
}

const COMPLEX_LIFTS: Lifts = {
  cast: ([x], { dtype }) => {
    if (dtype === 'complex64') return toComplex(x).clone();
    // tfjs: a complex tensor cast to a real dtype keeps its real part
    return real(x).cast(dtype);
  },
  unary: ([x], { op }) => {
    if (op === 'neg') return fromPairs(pairs(x).neg());
    // |a + bi| = sqrt(a² + b²)
    if (op === 'abs') return pairs(x).square().sum(-1).sqrt();
    throw unsupported('unary', `'${op}'`);
  },
  binary: ([a, b], { op }) => {
    if (op === 'add' || op === 'sub') return fromPairs(ENGINE.run1('binary', [pair(a), pair(b)], { op }));
    if (op === 'mul') return complexMul(toComplex(a), toComplex(b));
    throw unsupported('binary', `'${op}'`);
  },
  where: ([cond, a, b]) =>
    fromPairs(ENGINE.run1('where', [ops.expandDims(cond, -1), pair(a), pair(b)], {})),
  reduce: ([x], { op, axes, keepDims }) => {
    if (op !== 'sum') throw unsupported('reduce', `'${op}'`);
    return fromPairs(ENGINE.run1('reduce', [pairs(x)], { op, axes, keepDims }));
  },
  transpose: ([x], { perm }) =>
    fromPairs(ENGINE.run1('transpose', [pairs(x)], { perm: [...perm, perm.length] })),
  slice: ([x], { begin, size, strides }) =>
    fromPairs(
      ENGINE.run1('slice', [pairs(x)], {
        begin: [...begin, 0],
        size: [...size, 2],
        strides: [...strides, 1],
      }),
    ),
  sliceGrad: ([dy], { shape, begin, strides }) =>
    fromPairs(
      ENGINE.run1('sliceGrad', [pairs(dy)], {
        shape: [...shape, 2],
        begin: [...begin, 0],
        strides: [...strides, 1],
      }),
    ),
  broadcastTo: ([x], { shape }) =>
    fromPairs(ENGINE.run1('broadcastTo', [pairs(x)], { shape: [...shape, 2] })),
  concat: (xs, { axis }) => fromPairs(ENGINE.run1('concat', xs.map(pair), { axis })),
  padConstant: ([x], { paddings, value }) => {
    if (value !== 0) throw unsupported('pad', `a constant value ${show(value)} other than 0`);
    return fromPairs(
      ENGINE.run1('padConstant', [pairs(x)], { paddings: [...paddings, [0, 0]], value }),
    );
  },
  gather: ([x, indices], attrs) => fromPairs(ENGINE.run1('gather', [pairs(x), indices], attrs)),
  scatterAdd: ([updates, indices], { axis, batchDims, shape }) =>
    fromPairs(
      ENGINE.run1('scatterAdd', [pairs(updates), indices], {
        axis,
        batchDims,
        shape: [...shape, 2],
      }),
    ),
  gatherND: ([x, indices]) => fromPairs(ENGINE.run1('gatherND', [pairs(x), indices], {})),
  scatterND: ([indices, updates], { shape }) =>
    fromPairs(ENGINE.run1('scatterND', [indices, pairs(updates)], { shape: [...shape, 2] })),
};

/**
 * Whether `prim` must run through liftComplex: it reads a complex64 tensor, or casts to complex64.
 * reshape (which keeps the buffer and the dtype) and the view itself run as they are.
 * @example touchesComplex('binary', [c, c], { op: 'add' }) // true
 */
export function touchesComplex<P extends Primitive>(
  prim: P,
  inputs: readonly Tensor[],
  attrs: PrimitiveAttrs[P],
): boolean {
  if (prim === 'complexView' || prim === 'reshape') return false;
  if (inputs.some((t) => t.dtype === 'complex64')) return true;
  return 'dtype' in attrs && attrs.dtype === 'complex64';
}

/**
 * Runs a primitive with complex64 inputs as ops on their float32 pairs (recorded on the tape as
 * those ops, so gradients need no rule of their own).
 * @example liftComplex('transpose', [c], { perm: [1, 0] })
 */
export function liftComplex<P extends Primitive>(
  prim: P,
  inputs: readonly Tensor[],
  attrs: PrimitiveAttrs[P],
): Tensor[] {
  const lift: Lift<P> | undefined = COMPLEX_LIFTS[prim];
  if (!lift)
    throw new DTypeError(
      `${prim}: complex64 inputs are not supported (supported: add, sub, mul, neg, abs, sum, cast, movement ops and fft); received dtypes ${show(inputs.map((t) => t.dtype))}`,
    );
  return [tidy(() => lift(inputs, attrs))];
}
