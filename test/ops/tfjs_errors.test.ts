// The validations tfjs has, in neurite's typed errors: each names the op and the argument, and carries tfjs's phrase after the op's name.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';

/** Expects fn to throw an error of class `type` whose message matches `message`. */
function throws(fn: () => unknown, type: new (...args: never[]) => Error, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(type);
  expect(caught instanceof Error ? caught.message : '').toMatch(message);
}

const notTensor = {} as unknown as nr.Tensor;

describe('arguments that are not tensors', () => {
  it('are refused with a typed error naming the op and tfjs’s parameter name', () => {
    const x = nr.tensor([1, 2]);
    throws(
      () => nr.gather(x, notTensor),
      nr.ArgumentError,
      /^gather: Argument 'indices' passed to 'gather' must be a Tensor or tensor-like values \(received \{\}\)$/,
    );
    throws(
      () => nr.zerosLike(notTensor),
      nr.ArgumentError,
      /^zerosLike: Argument 'x' passed to 'zerosLike' must be a Tensor/,
    );
    throws(
      () => nr.onesLike(notTensor),
      nr.ArgumentError,
      /^onesLike: Argument 'x' passed to 'onesLike' must be a Tensor/,
    );
    throws(
      () => nr.pow(notTensor, x),
      nr.ArgumentError,
      /^pow: Argument 'base' passed to 'pow' must be a Tensor/,
    );
    throws(
      () => nr.pow(x, notTensor),
      nr.ArgumentError,
      /^pow: Argument 'exp' passed to 'pow' must be a Tensor/,
    );
    x.dispose();
  });

  it('tfjs losses name the loss the caller called and its parameters', () => {
    const y = nr.tensor([[1, 0]]);
    throws(
      () => nr.losses.meanSquaredError(y, y, notTensor),
      nr.ArgumentError,
      /^meanSquaredError: Argument 'weights' passed to 'meanSquaredError' must be a Tensor/,
    );
    throws(
      () => nr.losses.sigmoidCrossEntropy(notTensor, y),
      nr.ArgumentError,
      /^sigmoidCrossEntropy: Argument 'multiClassLabels' passed to 'sigmoidCrossEntropy'/,
    );
    throws(
      () => nr.losses.softmaxCrossEntropy(y, notTensor),
      nr.ArgumentError,
      /^softmaxCrossEntropy: Argument 'logits' passed to 'softmaxCrossEntropy'/,
    );
    throws(
      () => nr.losses.softmaxCrossEntropy(y, nr.tensor([[1, 0, 0]])),
      nr.ShapeError,
      /^softmaxCrossEntropy: onehotLabels and logits must have the same shape, received \[1,2\] and \[1,3\]$/,
    );
    y.dispose();
  });

  it('multiRNNCell checks each state before counting them', () => {
    const data = nr.zeros([1, 2]);
    const cell: nr.LSTMCellFunc = (d, c, h) => [c, h];
    throws(
      () => nr.multiRNNCell([cell, cell], data, [notTensor], [data, data]),
      nr.ArgumentError,
      /^multiRNNCell: Argument 'c\[0\]' passed to 'multiRNNCell' must be a Tensor/,
    );
    data.dispose();
  });
});

describe('dtype and rank checks', () => {
  it('dtype errors say what was wanted and what came, in tfjs’s words', () => {
    throws(
      () => nr.all(nr.tensor([1, 0])),
      nr.DTypeError,
      /^all: Argument 'x' passed to 'all' must be bool tensor, but got float32 tensor$/,
    );
    throws(
      () => nr.sparseToDense(nr.tensor([1]), nr.tensor([5]), [3]),
      nr.DTypeError,
      /^sparseToDense: Argument 'sparseIndices' passed to 'sparseToDense' must be int32 tensor, but got float32 tensor$/,
    );
  });

  it('ranked aliases check the rank their name promises', () => {
    throws(
      () => nr.reverse2d(nr.tensor([1, 2, 3]), 0),
      nr.ShapeError,
      /^reverse2d: expects a rank-2 tensor, but got a rank-1 tensor \(shape \[3\]\)$/,
    );
    throws(
      () => nr.slice1d(nr.zeros([2, 2]), 0, 1),
      nr.ShapeError,
      /^slice1d: expects a rank-1 tensor/,
    );
    expect(nr.reverse2d(nr.tensor([[1, 2]]), 1).arraySync()).toEqual([[2, 1]]);
  });
});

describe('values tfjs refuses', () => {
  it('broadcastTo needs an integer shape; slice a non-negative begin', () => {
    throws(
      () => nr.broadcastTo(nr.scalar(4.2), [2, 2.22, 3.33]),
      nr.ShapeError,
      /^broadcastTo: shape must be an array of non-negative integers, received \[2,2\.22,3\.33\]$/,
    );
    throws(
      () => nr.slice(nr.zeros([2, 2]), [-1, 1], [1, 1]),
      nr.ArgumentError,
      /slice\(\) does not support negative begin indexing/,
    );
  });

  it('nested values must already have the given shape; only the innermost level may be flat', () => {
    throws(
      () =>
        nr.tensor2d(
          [
            [1, 2, 3],
            [4, 5, 6],
          ],
          [3, 2],
        ),
      nr.ShapeError,
      /^tensor: the values nest as shape \[2,3\], which does not match the given shape \[3,2\]/,
    );
    // a flat array takes any shape of its size, and the innermost level may hold the trailing dimensions
    expect(nr.tensor([1, 2, 3, 4, 5, 6], [3, 2]).shape).toEqual([3, 2]);
    expect(nr.tensor([[1, 2, 3, 4]], [1, 2, 2]).arraySync()).toEqual([
      [
        [1, 2],
        [3, 4],
      ],
    ]);
  });

  it('tidy(name, fn) needs a string name', () => {
    throws(
      () => nr.tidy(4 as unknown as string, () => 1),
      nr.ArgumentError,
      /^tidy: with two arguments the first must be the scope's name \(a string\), received 4$/,
    );
    expect(nr.tidy('named', () => 2)).toBe(2);
  });

  it('topk, addN, einsum, separableConv2d, gramSchmidt and buffers carry tfjs’s phrase', () => {
    const x = nr.tensor([1, 2]);
    throws(
      () => nr.topk(x, -1),
      nr.ArgumentError,
      /'k' passed to topk\(\) must be >= 0, received -1/,
    );
    throws(
      () => nr.topk(x, 3),
      nr.ArgumentError,
      /'k' passed to topk\(\) must be <= the last dimension \(2\)/,
    );
    throws(
      () => nr.topk(nr.scalar(1)),
      nr.ShapeError,
      /topk\(\) expects the input to be of rank 1 or higher/,
    );
    throws(
      () => nr.addN([]),
      nr.ArgumentError,
      /Must pass at least one tensor to tf\.addN\(\), but got 0/,
    );
    throws(
      () => nr.addN(x as unknown as nr.Tensor[]),
      nr.ArgumentError,
      /The argument passed to tf\.addN\(\) must be a list of tensors/,
    );
    throws(
      () => nr.einsum('ij->ji', x, x),
      nr.ArgumentError,
      /^einsum: Expected 1 input tensors, received 2/,
    );
    throws(
      () =>
        nr.separableConv2d(
          nr.zeros([1, 4, 4, 1]),
          nr.zeros([2, 2, 1, 3]),
          nr.zeros([1, 5, 3, 6]),
          1,
          'valid',
        ),
      nr.ShapeError,
      /^separableConv2d: pointwiseFilter\.shape\[1\] must be 1, but got 5/,
    );
    throws(
      () => nr.linalg.gramSchmidt([nr.tensor([1, 0]), nr.tensor([0, 1]), nr.tensor([1, 1])]),
      nr.ArgumentError,
      /^gramSchmidt: Number of vectors \(3\) exceeds number of dimensions \(2\)/,
    );
    throws(
      () => nr.buffer([2]).get(2),
      nr.ArgumentError,
      /^buffer: Requested out of range element/,
    );
    x.dispose();
  });
});
