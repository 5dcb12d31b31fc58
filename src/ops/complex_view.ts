// The complex64 view: complex tensors as float32 pairs [..., 2] without a copy, and primitives on complex inputs as ops on them.
// (ops/complex.ts explains the design.)
import { ENGINE } from '../core/engine.js';
import { DTypeError, show } from '../core/errors.js';
import { tidy } from '../core/memory.js';
import type { Primitive, PrimitiveAttrs, RuleTable } from '../core/primitives.js';
import type { Tensor } from '../core/tensor.js';
// named imports, not ops/all.js: the engine loads this module, and a re-export-all this early would
// be read half-built by CommonJS consumers (require of the sources)
import { onesLike, tensor, zerosLike } from './creation.js';
import { where } from './elementwise.js';
import { expandDims, stack } from './movement.js';
import { complex, imag, real } from './complex.js';

/** The float32 pairs [...s, 2] of a complex64 tensor of shape s (the same buffer). @example pairs(c) */
export function pairs(c: Tensor): Tensor {
  return ENGINE.run1('complexView', [c], { to: 'float32' });
}

/** The complex64 tensor of shape s whose pairs are `p` ([...s, 2], float32; the same buffer). @example fromPairs(p) */
export function fromPairs(p: Tensor): Tensor {
  return ENGINE.run1('complexView', [p], { to: 'complex64' });
}

/**
 * A real tensor as complex64 with a zero imaginary part (complex tensors pass through).
 * @example toComplex(nr.tensor([1, 2])) // 1 + 0j, 2 + 0j
 */
export function toComplex(x: Tensor): Tensor {
  if (x.dtype === 'complex64') return x;
  const re = x.dtype === 'float32' ? x : x.cast('float32');
  return fromPairs(stack([re, zerosLike(re)], -1));
}

/**
 * The complex conjugate a - bi (a real tensor: itself).
 * @example conj(nr.complex([1], [2])) // 1 - 2j
 */
export function conj(x: Tensor): Tensor {
  if (x.dtype !== 'complex64') return x.clone();
  return tidy(() => fromPairs(pairs(x).mul(tensor([1, -1]))));
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
const SUPPORTED =
  'add, sub, mul, div, neg, abs, sum, mean, cast, where, movement ops and the Fourier transforms';
const unsupported = (op: string): DTypeError =>
  new DTypeError(`${op}: not defined for complex64 inputs (complex64 supports ${SUPPORTED})`);

/**
 * |a + bi| = m·sqrt((a/m)² + (b/m)²) with m = max(|a|, |b|): no overflow or underflow of the squares
 * (as tfjs). The gradient through m is exactly 0 (the expression does not depend on m), so max's choice
 * at ties does not matter.
 */
function complexAbs(x: Tensor): Tensor {
  const p = pairs(x).abs();
  const m = p.max(-1);
  const scale = where(m.greater(0), m, onesLike(m));
  return m.mul(p.div(scale.expandDims(-1)).square().sum(-1).sqrt());
}

// (a + bi)(c + di) = (ac - bd) + (ad + bc)i
function complexMul(a: Tensor, b: Tensor): Tensor {
  const [ar, ai] = [real(a), imag(a)];
  const [br, bi] = [real(b), imag(b)];
  return complex(ar.mul(br).sub(ai.mul(bi)), ar.mul(bi).add(ai.mul(br)));
}

// a / b = a·conj(b) / |b|² (a real divisor just divides both parts)
function complexDiv(a: Tensor, b: Tensor): Tensor {
  if (b.dtype !== 'complex64') return fromPairs(pairs(a).div(b.cast('float32').expandDims(-1)));
  const den = real(b).square().add(imag(b).square());
  return fromPairs(pairs(complexMul(toComplex(a), conj(b))).div(den.expandDims(-1)));
}

const COMPLEX_LIFTS: Lifts = {
  cast: ([x], { dtype }) => {
    if (dtype === 'complex64') return toComplex(x).clone();
    // tfjs: a complex tensor cast to a real dtype keeps its real part
    return real(x).cast(dtype);
  },
  unary: ([x], { op }) => {
    if (op === 'neg') return fromPairs(pairs(x).neg());
    if (op === 'abs') return complexAbs(x);
    throw unsupported(op);
  },
  binary: ([a, b], { op }) => {
    if (op === 'add' || op === 'sub')
      return fromPairs(ENGINE.run1('binary', [pair(a), pair(b)], { op }));
    if (op === 'mul') return complexMul(toComplex(a), toComplex(b));
    if (op === 'div') return complexDiv(toComplex(a), b);
    throw unsupported(op);
  },
  where: ([cond, a, b]) =>
    fromPairs(ENGINE.run1('where', [expandDims(cond, -1), pair(a), pair(b)], {})),
  reduce: ([x], { op, axes, keepDims }) => {
    if (op !== 'sum') throw unsupported(op);
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
    if (value !== 0)
      throw new DTypeError(
        `pad: complex64 tensors are padded with 0 only, received constantValue ${show(value)}`,
      );
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
      `${prim}: not defined for complex64 inputs (complex64 supports ${SUPPORTED}); received dtypes ${show(inputs.map((t) => t.dtype))}`,
    );
  return [tidy(() => lift(inputs, attrs))];
}
