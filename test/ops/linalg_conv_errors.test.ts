// Bad input to matMul, dot, einsum, convolutions and pooling: the right error class, naming op, argument and value.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';

type ErrorClass = typeof nr.NeuriteError;

/** Checks the class and the message of what `fn` throws. */
function throws(fn: () => unknown, cls: ErrorClass, pattern: RegExp): void {
  let err: unknown = null;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(cls);
  expect(err instanceof Error ? err.message : String(err)).toMatch(pattern);
}

/** The op with its argument types erased, to pass what a plain JavaScript caller could. */
function untyped(fn: (...args: never[]) => unknown): (...args: unknown[]) => unknown {
  return fn as (...args: unknown[]) => unknown;
}

describe('linear algebra errors', () => {
  const a23 = nr.ones([2, 3]);
  const b45 = nr.ones([4, 5]);

  it('matMul', () => {
    throws(
      () => nr.matMul(a23, b45),
      nr.ShapeError,
      /matMul: inner dimensions differ: a is \[2,3\], b is \[4,5\] \(transposeA=false, transposeB=false\)/,
    );
    throws(
      () => nr.matMul(a23, a23, true, true),
      nr.ShapeError,
      /matMul: inner dimensions differ: a is \[2,3\], b is \[2,3\] \(transposeA=true, transposeB=true\)/,
    );
    throws(
      () => nr.matMul(nr.ones([3]), a23),
      nr.ShapeError,
      /matMul: a must have rank >= 2, received rank 1 \(shape \[3\]\); use dot/,
    );
    throws(
      () => nr.matMul(a23, nr.ones([3])),
      nr.ShapeError,
      /matMul: b must have rank >= 2, received rank 1 \(shape \[3\]\)/,
    );
    throws(
      () => nr.matMul(nr.ones([2, 2, 3]), nr.ones([3, 3, 2])),
      nr.ShapeError,
      /matMul: batch dimensions do not broadcast: a is \[2,2,3\], b is \[3,3,2\]/,
    );
    throws(
      () => nr.matMul(nr.tensor([[true]]), nr.tensor([[false]])),
      nr.DTypeError,
      /matMul: expects float32 or int32 inputs, received 'bool' and 'bool'/,
    );
    throws(
      () => untyped(nr.matMul)(a23, b45, 'yes'),
      nr.ArgumentError,
      /matMul: transposeA must be a boolean, received 'yes'/,
    );
    throws(
      () => untyped(nr.matMul)(a23, 'x'),
      nr.DTypeError,
      /matMul: Argument 'b' passed to 'matMul' must be numeric tensor, but got string tensor/,
    );
    const gone = nr.ones([3, 2]);
    gone.dispose();
    throws(() => nr.matMul(a23, gone), nr.DisposedError, /matMul: .* was disposed/);
  });

  it('dot and outerProduct', () => {
    throws(
      () => nr.dot(nr.ones([2, 2, 2]), a23),
      nr.ShapeError,
      /dot: t1 must be rank 1 or 2, received rank 3 \(shape \[2,2,2\]\)/,
    );
    throws(
      () => nr.dot(a23, nr.ones([2])),
      nr.ShapeError,
      /dot: inner dimensions differ: t1 is \[2,3\], t2 is \[2\]/,
    );
    throws(
      () => nr.outerProduct(a23, nr.ones([2])),
      nr.ShapeError,
      /outerProduct: v1 must be rank 1, received rank 2 \(shape \[2,3\]\)/,
    );
  });

  it('einsum', () => {
    throws(
      () => nr.einsum('ii->i', nr.ones([2, 2])),
      nr.ArgumentError,
      /einsum: repeated index 'i' in operand 0 \('ii'\) \(diagonals and traces\) is not implemented yet, received 'ii->i'/,
    );
    throws(
      () => nr.einsum('...ij->...ji', nr.ones([2, 2])),
      nr.ArgumentError,
      /einsum: ellipsis \('...'\) is not supported, received '...ij->...ji'/,
    );
    throws(
      () => nr.einsum('i,i,i->', nr.ones([2]), nr.ones([2]), nr.ones([2])),
      nr.ArgumentError,
      /einsum: Expecting 1 or 2 input tensors \(more are not supported\), received 3/,
    );
    throws(
      () => nr.einsum('ij,jk->ik', a23),
      nr.ArgumentError,
      /einsum: Expected 2 input tensors, received 1, for equation 'ij,jk->ik'/,
    );
    throws(
      () => nr.einsum('ij,jk->ik', a23, b45),
      nr.ShapeError,
      /einsum: index 'j' needs dimension 3 at axis 0 of the input shaped \[4,5\] \(operand 1\), but got 4/,
    );
    throws(
      () => nr.einsum('ijk->k', a23),
      nr.ShapeError,
      /einsum: operand 0 \('ijk'\) needs rank 3, received rank 2 \(shape \[2,3\]\)/,
    );
    throws(
      () => nr.einsum('ij->z', a23),
      nr.ArgumentError,
      /einsum: output index 'z' appears in no operand/,
    );
    throws(
      () => nr.einsum('ij->ii', a23),
      nr.ArgumentError,
      /einsum: output index 'i' is repeated/,
    );
    throws(
      () => nr.einsum('i j-k', a23),
      nr.ArgumentError,
      /einsum: equation must look like 'ij,jk->ik'.*received 'i j-k'/,
    );
  });
});

describe('convolution errors', () => {
  const x = nr.ones([1, 5, 5, 3]);
  const w = nr.ones([3, 3, 3, 4]);

  it('conv2d shapes and dtypes', () => {
    throws(
      () => nr.conv2d(x, nr.ones([3, 3, 1]), 1, 'same'),
      nr.ShapeError,
      /conv2d: filter must be rank 4 .*received rank 3 \(shape \[3,3,1\]\)/,
    );
    throws(
      () => nr.conv2d(nr.ones([5, 5]), w, 1, 'same'),
      nr.ShapeError,
      /conv2d: x must be rank 4 or 3, received rank 2 \(shape \[5,5\]\)/,
    );
    throws(
      () => nr.conv2d(x, nr.ones([3, 3, 4, 4]), 1, 'same'),
      nr.ShapeError,
      /conv2d: x has 3 input channels \(dimension 3 of shape \[1,5,5,3\]\) but filter expects 4/,
    );
    throws(
      () => nr.conv2d(x, w, 1, 'same', 'NCHW'),
      nr.ShapeError,
      /conv2d: x has 5 input channels \(dimension 1 of shape \[1,5,5,3\]\)/,
    );
    throws(
      () => nr.conv2d(nr.ones([1, 5, 5, 3], 'int32'), w, 1, 'same'),
      nr.DTypeError,
      /conv2d: Argument 'x' passed to 'conv2d' must be float32 tensor, but got int32 tensor/,
    );
    throws(
      () => nr.conv2d(nr.ones([1, 2, 2, 3]), w, 1, 'valid'),
      nr.ShapeError,
      /conv2d: the output would be empty \(0x0\): input \[1,2,2,3\] is smaller than the filter \[3,3,3,4\]/,
    );
  });

  it('conv2d strides, pad, format, dilations, rounding', () => {
    throws(
      () => nr.conv2d(x, w, 0, 'same'),
      nr.ArgumentError,
      /conv2d: strides must be a positive integer or a pair of them, received 0/,
    );
    throws(
      () => untyped(nr.conv2d)(x, w, [1, 2, 3], 'same'),
      nr.ArgumentError,
      /conv2d: strides must be .* received \[1,2,3\]/,
    );
    throws(
      () => untyped(nr.conv2d)(x, w, 1, 'sam'),
      nr.ArgumentError,
      /conv2d: pad must be 'same', 'valid', a non-negative integer or explicit padding .*received 'sam'/,
    );
    throws(() => nr.conv2d(x, w, 1, -1), nr.ArgumentError, /conv2d: pad must be .*received -1/);
    throws(
      () =>
        nr.conv2d(x, w, 1, [
          [1, 0],
          [1, 1],
          [1, 1],
          [0, 0],
        ]),
      nr.ArgumentError,
      /conv2d: explicit pad must be \[\[0,0\],\[top,bottom\],\[left,right\],\[0,0\]\] .*received \[\[1,0\],\[1,1\],\[1,1\],\[0,0\]\]/,
    );
    throws(
      () => untyped(nr.conv2d)(x, w, 1, 'same', 'NWHC'),
      nr.ArgumentError,
      /conv2d: dataFormat must be 'NHWC' or 'NCHW', received 'NWHC'/,
    );
    throws(
      () => nr.conv2d(x, w, 1, 'same', 'NHWC', [0, 1]),
      nr.ArgumentError,
      /conv2d: dilations must be a positive integer or a pair of them, received \[0,1\]/,
    );
    throws(
      () => untyped(nr.conv2d)(x, w, 1, 1, 'NHWC', 1, 'up'),
      nr.ArgumentError,
      /conv2d: dimRoundingMode must be 'floor', 'round' or 'ceil', received 'up'/,
    );
    throws(
      () => nr.conv2d(x, w, 1, 'same', 'NHWC', 1, 'ceil'),
      nr.ArgumentError,
      /conv2d: dimRoundingMode 'ceil' needs a numeric or explicit pad, received pad 'same'/,
    );
  });

  it('conv1d', () => {
    throws(
      () => nr.conv1d(nr.ones([1, 8, 2]), nr.ones([3, 2, 4, 1]), 1, 'valid'),
      nr.ShapeError,
      /conv1d: filter must be rank 3 .*received rank 4 \(shape \[3,2,4,1\]\)/,
    );
    throws(
      () => nr.conv1d(nr.ones([1, 8, 2]), nr.ones([3, 3, 4]), 1, 'valid'),
      nr.ShapeError,
      /conv1d: x has 2 input channels .* but filter expects 3/,
    );
    throws(
      () => nr.conv1d(nr.ones([1, 8, 2]), nr.ones([3, 2, 4]), 0, 'valid'),
      nr.ArgumentError,
      /conv1d: stride must be a positive integer, received 0/,
    );
    throws(
      () =>
        nr.conv1d(nr.ones([1, 8, 2]), nr.ones([3, 2, 4]), 1, [
          [0, 0],
          [1, 1],
        ]),
      nr.ArgumentError,
      /conv1d: explicit pad must be \[\[0,0\],\[left,right\],\[0,0\]\], received \[\[0,0\],\[1,1\]\]/,
    );
    throws(
      () => untyped(nr.conv1d)(nr.ones([1, 8, 2]), nr.ones([3, 2, 4]), 1, 'valid', 'NHWC'),
      nr.ArgumentError,
      /conv1d: dataFormat must be 'NWC' or 'NCW', received 'NHWC'/,
    );
  });

  it('conv2dTranspose', () => {
    const xt = nr.ones([1, 2, 2, 4]);
    const f = nr.ones([2, 2, 3, 4]);
    throws(
      () => nr.conv2dTranspose(xt, f, [1, 6, 6, 3], 2, 'valid'),
      nr.ShapeError,
      /conv2dTranspose: outputShape \[1,6,6,3\] with strides \[2,2\] and pad 'valid' corresponds to an input of 3x3, but x is 2x2 \(shape \[1,2,2,4\]\)/,
    );
    throws(
      () => nr.conv2dTranspose(xt, f, [1, 4, 4, 2], 2, 'valid'),
      nr.ShapeError,
      /conv2dTranspose: outputShape \[1,4,4,2\] has 2 channels but the filter makes 3/,
    );
    throws(
      () => nr.conv2dTranspose(xt, nr.ones([2, 2, 3, 5]), [1, 4, 4, 3], 2, 'valid'),
      nr.ShapeError,
      /conv2dTranspose: x has 4 input channels .* but filter expects 5 \(dimension 3/,
    );
    throws(
      () => nr.conv2dTranspose(xt, f, [4, 4, 3], 2, 'valid'),
      nr.ArgumentError,
      /conv2dTranspose: outputShape must be 4 positive integers \(like x\), received \[4,4,3\]/,
    );
    throws(
      () => nr.conv2dTranspose(xt, f, [2, 4, 4, 3], 2, 'valid'),
      nr.ShapeError,
      /conv2dTranspose: outputShape \[2,4,4,3\] has batch 2 but x has 1/,
    );
  });

  it('depthwise and separable', () => {
    throws(
      () => nr.depthwiseConv2d(x, nr.ones([3, 3, 2, 2]), 1, 'same'),
      nr.ShapeError,
      /depthwiseConv2d: x has 3 input channels .* but filter expects 2/,
    );
    throws(
      () => nr.depthwiseConv2d(x, nr.ones([3, 3, 3]), 1, 'same'),
      nr.ShapeError,
      /depthwiseConv2d: filter must be rank 4 \[filterHeight, filterWidth, inChannels, multiplier\], received rank 3/,
    );
    throws(
      () => nr.separableConv2d(x, nr.ones([3, 3, 3, 2]), nr.ones([1, 1, 5, 8]), 1, 'same'),
      nr.ShapeError,
      /separableConv2d: pointwiseFilter.shape\[2\] \(its input channels\) must be 6, but got 5/,
    );
    throws(
      () => nr.separableConv2d(x, nr.ones([3, 3, 3, 2]), nr.ones([2, 1, 6, 8]), 1, 'same'),
      nr.ShapeError,
      /separableConv2d: pointwiseFilter.shape\[0\] must be 1, but got 2 \(shape \[2,1,6,8\]\)/,
    );
    throws(
      () => nr.separableConv2d(x, nr.ones([3, 3, 4, 2]), nr.ones([1, 1, 8, 8]), 1, 'same'),
      nr.ShapeError,
      /separableConv2d: x has 3 input channels .* but depthwiseFilter expects 4/,
    );
  });
});

describe('pooling errors', () => {
  const x = nr.ones([1, 4, 4, 2]);

  it('maxPool and avgPool', () => {
    throws(
      () => nr.maxPool(nr.ones([4, 4]), 2, 2, 'valid'),
      nr.ShapeError,
      /maxPool: x must be rank 4 \[batch, height, width, channels\] or rank 3, received rank 2 \(shape \[4,4\]\)/,
    );
    throws(
      () => nr.avgPool(x, 0, 2, 'valid'),
      nr.ArgumentError,
      /avgPool: filterSize must be a positive integer or a pair of them, received 0/,
    );
    throws(
      () => nr.maxPool(x, 2, [2, 0], 'valid'),
      nr.ArgumentError,
      /maxPool: strides must be .* received \[2,0\]/,
    );
    throws(
      () => untyped(nr.maxPool)(x, 2, 2, 'full'),
      nr.ArgumentError,
      /maxPool: pad must be 'same', 'valid'.*received 'full'/,
    );
    throws(
      () => nr.maxPool(nr.ones([1, 4, 4, 1], 'bool'), 2, 2, 'valid'),
      nr.DTypeError,
      /maxPool: x must be float32 or int32, received 'bool'/,
    );
    throws(
      () => nr.avgPool(x, 2, 1, 2),
      nr.ArgumentError,
      /avgPool: padding must be smaller than the window \[2,2\] on every side, received pad 2/,
    );
    throws(
      () => nr.maxPool(x, 5, 1, 'valid'),
      nr.ShapeError,
      /maxPool: the output would be empty \(0x0\): input \[1,4,4,2\] is smaller than the window \[5,5\]/,
    );
  });

  it('1-D pooling', () => {
    throws(
      () => nr.maxPool1d(nr.ones([1, 4, 1]), 0, 1, 'valid'),
      nr.ArgumentError,
      /maxPool1d: poolSize must be a positive integer, received 0/,
    );
    throws(
      () => nr.avgPool1d(nr.ones([4]), 2, 1, 'valid'),
      nr.ShapeError,
      /avgPool1d: x must be rank 3 \[batch, width, channels\] or rank 2, received rank 1 \(shape \[4\]\)/,
    );
    throws(
      () => untyped(nr.avgPool1d)(nr.ones([1, 4, 1]), 2, 1, 'causal'),
      nr.ArgumentError,
      /avgPool1d: pad must be 'same', 'valid' or a non-negative integer, received 'causal'/,
    );
  });
});
