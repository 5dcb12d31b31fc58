// Bad input to the indexing ops: the right error class, with a message naming the op, the argument and the value.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';

type ErrorClass = typeof nr.NeuriteError;

function expectError(err: unknown, cls: ErrorClass, pattern: RegExp): void {
  expect(err).toBeInstanceOf(cls);
  expect(err instanceof Error ? err.message : String(err)).toMatch(pattern);
}

/** Checks the class and the message of what `fn` throws. */
function throws(fn: () => unknown, cls: ErrorClass, pattern: RegExp): void {
  let err: unknown = null;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expectError(err, cls, pattern);
}

/** The same for a promise that must reject. */
async function rejects(p: () => Promise<unknown>, cls: ErrorClass, pattern: RegExp): Promise<void> {
  let err: unknown = null;
  try {
    await p();
  } catch (e) {
    err = e;
  }
  expectError(err, cls, pattern);
}

const i32 = (values: number[], shape?: number[]) => nr.tensor(values, shape, 'int32');

describe('indexing op errors name the op, the argument and what was received', () => {
  const x = nr.tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);

  it('gather', () => {
    throws(
      () => nr.gather(x, nr.tensor([0, 1])),
      nr.DTypeError,
      /gather: indices must be int32, received 'float32'/,
    );
    throws(
      () => nr.gather(x, [0.5]),
      nr.ArgumentError,
      /gather: indices must be integers, received 0\.5/,
    );
    throws(
      () => nr.gather(x, [true]),
      nr.ArgumentError,
      /gather: indices must be integers, received true/,
    );
    throws(
      () => nr.gather(x, [[0], [1, 2]]),
      nr.ArgumentError,
      /gather: Argument 'indices' passed to 'gather' must be a Tensor or tensor-like values/,
    );
    throws(
      () => nr.gather(x, [0], 2),
      nr.ArgumentError,
      /gather: axis must be an integer in \[-2, 2\), received 2/,
    );
    throws(
      () => nr.gather(nr.scalar(1), [0]),
      nr.ShapeError,
      /gather: x must have rank >= 1, received a scalar/,
    );
    throws(
      () => nr.gather(x, i32([0, 1], [2, 1]), 1, 2),
      nr.ArgumentError,
      /gather: batchDims \(2\) must be less than or equal to axis \(1\)/,
    );
    throws(
      () => nr.gather(x, [0], 0, 3),
      nr.ArgumentError,
      /gather: Expect batchDims in the range of \[-1, 1\] \(indices rank 1\), received 3/,
    );
    throws(
      () => nr.gather(x, i32([0, 1, 2], [3, 1]), 1, 1),
      nr.ShapeError,
      /gather: with batchDims=1, x.shape\[0\] \(2\) should be equal to indices.shape\[0\] \(3\)/,
    );
    const gone = nr.tensor([1, 2]);
    gone.dispose();
    throws(() => nr.gather(gone, [0]), nr.DisposedError, /gather: x was disposed/);
  });

  it('gather out-of-range indices on CPU name the value and the valid range', () => {
    throws(
      () => nr.gather(x, [0, 3], 1),
      nr.ArgumentError,
      /gather: indices contains 3 \(at flat position 1\), outside the valid range \[0, 2\] of axis 1 \(size 3\)/,
    );
    throws(
      () => nr.gather(x, [-1]),
      nr.ArgumentError,
      /gather: indices contains -1 .*\[0, 1\] of axis 0/,
    );
  });

  it('unsortedSegmentSum', () => {
    throws(
      () => nr.unsortedSegmentSum(x, [0, 1], 1.5),
      nr.ArgumentError,
      /unsortedSegmentSum: numSegments must be a non-negative integer, received 1\.5/,
    );
    throws(
      () => nr.unsortedSegmentSum(x, nr.tensor([0, 1]), 2),
      nr.DTypeError,
      /unsortedSegmentSum: segmentIds must be int32, received 'float32'/,
    );
    throws(
      () => nr.unsortedSegmentSum(x, [0, 1, 1], 2),
      nr.ShapeError,
      /unsortedSegmentSum: segmentIds' shape must be a non-empty prefix of x's shape \[2,3\], received \[3\]/,
    );
    throws(
      () => nr.unsortedSegmentSum(nr.tensor([true, false]), [0, 0], 1),
      nr.DTypeError,
      /unsortedSegmentSum: x must be float32 or int32, received 'bool'/,
    );
    throws(
      () => nr.unsortedSegmentSum(x, [0, 2], 2),
      nr.ArgumentError,
      /scatterAdd: indices contains 2 .*\[0, 1\] of axis 0 \(size 2\)/,
    );
  });

  it('gatherND', () => {
    throws(
      () => nr.gatherND(x, nr.tensor([[0, 1]])),
      nr.DTypeError,
      /gatherND: indices must be int32, received 'float32'/,
    );
    throws(
      () => nr.gatherND(x, [[0, 1, 2]]),
      nr.ShapeError,
      /gatherND: the last dimension of indices \(3\) must be <= x's rank \(2\)/,
    );
    throws(
      () => nr.gatherND(x, i32([0], [])),
      nr.ShapeError,
      /gatherND: indices must have rank >= 1, received a scalar/,
    );
    throws(() => nr.gatherND(nr.scalar(1), [0]), nr.ShapeError, /gatherND: x must have rank >= 1/);
    throws(
      () =>
        nr.gatherND(x, [
          [0, 1],
          [1, 3],
        ]),
      nr.ArgumentError,
      /gatherND: index tuple \[1,3\] \(number 1 in indices\) is out of range for shape \[2,3\]: entry 1 is 3, valid range \[0, 2\]/,
    );
  });

  it('scatterND', () => {
    throws(
      () => nr.scatterND(nr.tensor([[0]]), [1], [2]),
      nr.DTypeError,
      /scatterND: indices must be int32, received 'float32'/,
    );
    throws(
      () => nr.scatterND([[0], [1]], [1, 2, 3], [4]),
      nr.ShapeError,
      /scatterND: updates must have shape \[2\] for indices of shape \[2,1\] and output shape \[4\], received \[3\]/,
    );
    throws(
      () => nr.scatterND([[0, 1, 0]], [1], [2, 2]),
      nr.ShapeError,
      /scatterND: the last dimension of indices \(3\) must be <= the output rank \(2\)/,
    );
    throws(
      () => nr.scatterND([[0]], [1], [-2]),
      nr.ShapeError,
      /scatterND: shape must be an array of non-negative integers, received \[-2\]/,
    );
    throws(
      () => nr.scatterND([[0]], [true], [2]),
      nr.DTypeError,
      /scatterND: updates must be float32 or int32, received 'bool'/,
    );
    throws(
      () => nr.scatterND([[0], [5]], [1, 2], [4]),
      nr.ArgumentError,
      /scatterND: index tuple \[5\] \(number 1 in indices\) is out of range for shape \[4\]: entry 0 is 5, valid range \[0, 3\]/,
    );
  });

  it('topk', () => {
    throws(
      () => nr.topk(x, 4),
      nr.ArgumentError,
      /topk: 'k' passed to topk\(\) must be <= the last dimension \(3\), received 4/,
    );
    throws(
      () => nr.topk(x, -1),
      nr.ArgumentError,
      /topk: 'k' passed to topk\(\) must be >= 0, received -1/,
    );
    throws(() => nr.topk(x, 1.5), nr.ArgumentError, /topk: k must be an integer, received 1\.5/);
    throws(
      () => nr.topk(nr.scalar(3)),
      nr.ShapeError,
      /topk: topk\(\) expects the input to be of rank 1 or higher, received a scalar/,
    );
    const sorted: unknown = 'yes';
    throws(
      () => nr.topk(x, 1, sorted as boolean),
      nr.ArgumentError,
      /topk: sorted must be a boolean, received 'yes'/,
    );
  });

  it('booleanMaskAsync', async () => {
    await rejects(
      () => nr.booleanMaskAsync(x, nr.tensor([1, 0])),
      nr.DTypeError,
      /booleanMaskAsync: mask must be bool, received 'float32'/,
    );
    await rejects(
      () => nr.booleanMaskAsync(x, true),
      nr.ShapeError,
      /booleanMaskAsync: mask must have rank >= 1, received a scalar/,
    );
    await rejects(
      () => nr.booleanMaskAsync(x, [true, false, true]),
      nr.ShapeError,
      /booleanMaskAsync: mask's shape \[3\] must match tensor's dimensions 0..0, received tensor shape \[2,3\] with axis 0/,
    );
    await rejects(
      () => nr.booleanMaskAsync(x, [true, false], 2),
      nr.ArgumentError,
      /booleanMaskAsync: axis must be an integer in \[-2, 2\), received 2/,
    );
    await rejects(
      () => nr.booleanMaskAsync(x, [[true], [false, true]]),
      nr.ArgumentError,
      /booleanMaskAsync: Argument 'mask' passed to 'booleanMaskAsync' must be a Tensor or tensor-like values/,
    );
  });

  it('uniqueAsync', async () => {
    await rejects(
      () => nr.uniqueAsync(nr.scalar(1)),
      nr.ShapeError,
      /uniqueAsync: x must have rank >= 1, received a scalar/,
    );
    await rejects(
      () => nr.uniqueAsync(x, 3),
      nr.ArgumentError,
      /uniqueAsync: axis must be an integer in \[-2, 2\), received 3/,
    );
  });

  it('mirrorPad', () => {
    const mode: string = 'wrap';
    throws(
      () =>
        nr.mirrorPad(
          x,
          [
            [0, 0],
            [0, 0],
          ],
          mode as 'reflect',
        ),
      nr.ArgumentError,
      /mirrorPad: mode must be 'reflect' or 'symmetric', received 'wrap'/,
    );
    throws(
      () => nr.mirrorPad(x, [[1, 1]], 'reflect'),
      nr.ArgumentError,
      /mirrorPad: paddings must be 2 pairs of non-negative integers, received \[\[1,1\]\]/,
    );
    throws(
      () =>
        nr.mirrorPad(
          x,
          [
            [0, 0],
            [-1, 0],
          ],
          'reflect',
        ),
      nr.ArgumentError,
      /mirrorPad: paddings must be 2 pairs .* received \[\[0,0\],\[-1,0\]\]/,
    );
    throws(
      () =>
        nr.mirrorPad(
          x,
          [
            [0, 0],
            [3, 0],
          ],
          'reflect',
        ),
      nr.ArgumentError,
      /mirrorPad: in 'reflect' mode each padding of dimension 1 \(size 3\) must be <= 2, received \[3,0\]/,
    );
    throws(
      () =>
        nr.mirrorPad(
          x,
          [
            [0, 3],
            [0, 0],
          ],
          'symmetric',
        ),
      nr.ArgumentError,
      /mirrorPad: in 'symmetric' mode each padding of dimension 0 \(size 2\) must be <= 2, received \[0,3\]/,
    );
    expect(
      nr.mirrorPad(
        x,
        [
          [2, 2],
          [3, 3],
        ],
        'symmetric',
      ).shape,
    ).toEqual([6, 9]);
    throws(
      () => nr.mirrorPad(nr.scalar(1), [], 'reflect'),
      nr.ShapeError,
      /mirrorPad: x must have rank >= 1, received a scalar/,
    );
  });
});
