// Bad input to creation, elementwise, reduction and movement ops: the right error class, naming op, argument and value.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';

describe('errors name the op, the argument and what was received', () => {
  const x = nr.tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);

  it('creation', () => {
    expect(() => nr.tensor([[1, 2], [3]])).toThrow(nr.ShapeError);
    expect(() => nr.tensor([1, 2, 3], [2, 2])).toThrow(/shape \[2,2\] has 4 elements but 3 values/);
    expect(() => nr.tensor([1], [1], 'float64' as nr.DType)).toThrow(/unknown dtype 'float64'/);
    expect(() => nr.tensor([{}] as unknown as number[])).toThrow(nr.ArgumentError);
    expect(() => nr.zeros([2, -1])).toThrow(
      /shape must be an array of non-negative integers, received \[2,-1\]/,
    );
    expect(() => nr.range(0, 1, 0)).toThrow(/step must not be 0/);
    expect(() => nr.linspace(0, 1, 0)).toThrow(/num must be a positive integer, received 0/);
    expect(() => nr.eye(-1)).toThrow(/numRows/);
    expect(() => nr.tensor1d([[1]])).toThrow(/rank 1/);
    expect(() => nr.oneHot(nr.tensor([1.5]), 3)).toThrow(
      /oneHot: indices must be int32, received 'float32'/,
    );
  });

  it('elementwise', () => {
    expect(() => nr.add(x, nr.tensor([1, 2]))).toThrow(
      /add: shapes \[2,3\] and \[2\] cannot be broadcast/,
    );
    expect(() => nr.logicalAnd(x, x)).toThrow(
      /logicalAnd: expects bool inputs, received 'float32'/,
    );
    expect(() => nr.where(x, x, x)).toThrow(/where: condition must be bool, received 'float32'/);
    expect(() => nr.clipByValue(x, 2, 1)).toThrow(/min must be <= max, received min=2, max=1/);
    expect(() => nr.leakyRelu(x, Number.NaN)).toThrow(/alpha must be a finite number/);
    expect(() => nr.cast(x, 'float64' as nr.DType)).toThrow(nr.DTypeError);
    // a string is a string tensor, which no numeric op takes
    expect(() => nr.add(x, 'a')).toThrow(nr.DTypeError);
    expect(() => nr.add(x, 'a')).toThrow(
      /add: Argument 'b' passed to 'add' must be numeric tensor, but got string tensor/,
    );
  });

  it('reductions', () => {
    expect(() => x.sum(2)).toThrow(/sum: axis must be an integer in \[-2, 2\), received 2/);
    expect(() => x.any()).toThrow(
      /any: Argument 'x' passed to 'any' must be bool tensor, but got float32 tensor/,
    );
    expect(() => nr.argMax(nr.scalar(1))).toThrow(/argMax: x must have rank >= 1/);
    expect(() => x.norm(2, [0, 1])).toThrow(/norm: unsupported order 2 for a matrix norm/);
    expect(() => nr.cumsum(x, 5)).toThrow(/cumsum: axis/);
  });

  it('movement', () => {
    expect(() => x.reshape([4, 2])).toThrow(/reshape: cannot reshape 6 elements into \[4,2\]/);
    expect(() => x.reshape([-1, -1])).toThrow(/only one dimension may be -1/);
    expect(() => x.transpose([0, 0])).toThrow(
      /perm must be a permutation of 0..1, received \[0,0\]/,
    );
    expect(() => x.slice([0, 2], [2, 2])).toThrow(
      /slice: begin \[0,2\] and size \[2,2\] do not fit in shape \[2,3\]/,
    );
    expect(() => x.stridedSlice([0], [1], [0])).toThrow(/strides must be non-zero/);
    expect(() => x.squeeze([0])).toThrow(/squeeze: dimension 0 has size 2, not 1/);
    expect(() => x.broadcastTo([3, 3])).toThrow(nr.ShapeError);
    expect(() => x.tile([2])).toThrow(
      /tile: reps must have one non-negative integer per dimension \(rank 2\), received \[2\]/,
    );
    expect(() => x.pad([[1, 1]])).toThrow(/pad: paddings must be 2 pairs/);
    expect(() => nr.concat([x, nr.ones([2, 2, 2])])).toThrow(
      /concat: tensors\[1\] has shape \[2,2,2\]/,
    );
    expect(() => nr.concat([])).toThrow(/non-empty/);
    expect(() => nr.stack([x, nr.ones([3, 2])])).toThrow(
      /stack: tensors\[1\] has shape \[3,2\], expected \[2,3\]/,
    );
    expect(() => nr.split(x, 2, 1)).toThrow(
      /split: 2 does not evenly divide dimension 1 of size 3/,
    );
    expect(() => nr.split(x, [1, 1], 1)).toThrow(/adding up to 3/);
  });
});
