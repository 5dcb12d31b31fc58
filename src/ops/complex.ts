// complex64: tf.complex, tf.real and tf.imag, and the design of the complex dtype (views in ops/complex_view.ts).
//
// Design. A complex64 tensor of shape s is ONE backend buffer of 2·size(s) float32 values, interleaved
// [re, im, re, im, ...] (what tfjs's dataSync() returns, so reads need no conversion), counted as 8 bytes
// an element in memory(). The primitive `complexView` re-labels that buffer, without a copy, as a
// float32 tensor of shape [...s, 2] and back (the engine makes a second tensor on the same buffer, as
// reshape does). Every complex op is then an op on the pairs with existing primitives: movement ops
// (transpose, slice, concat, gather, broadcast, pad ...) act on [...s, 2] with the pair axis carried
// along, add/sub/neg act on the pairs directly, mul and abs are short compositions. So backends have no
// complex kernels at all except the one new primitive, `fft` (ops/spectral.ts). The engine sends any
// primitive that reads a complex64 tensor (or casts to one) to `liftComplex` (ops/complex_view.ts); a
// primitive with no entry in its COMPLEX_LIFTS is a typed DTypeError, never a silent reading of the pairs as reals.
// Gradients: a complex tensor's cotangent is complex too, holding (dL/dre, dL/dim), so the view's
// VJP is the opposite view and every lifted op differentiates through the float32 ops it is made of.
import type { TensorLike } from '../core/dtype.js';
import { DTypeError, ShapeError, show } from '../core/errors.js';
import { tidy } from '../core/memory.js';
import { shapesEqual } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import * as ops from './all.js';
import { fromPairs, pairs } from './complex_view.js';
import { toTensor } from './convert.js';

type Operand = Tensor | TensorLike;

/**
 * A complex64 tensor from its real and imaginary parts (same shape).
 * @example nr.complex([1, 2], [3, 4]).dataSync() // Float32Array [1, 3, 2, 4]
 */
export function complex(real: Operand, imag: Operand): Tensor {
  // one scope: parts given as plain values become tensors that are freed with it
  return tidy(() => {
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
    return fromPairs(ops.stack([re.cast('float32'), im.cast('float32')], -1));
  });
}

function part(op: string, x: Operand, index: 0 | 1): Tensor {
  return tidy(() => {
    const xt = toTensor(x, op, 'input');
    if (xt.dtype !== 'complex64') return index === 0 ? xt.clone() : ops.zerosLike(xt);
    const p = pairs(xt);
    return ops.reshape(ops.slice(p, [...xt.shape.map(() => 0), index], [...xt.shape, 1]), xt.shape);
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
