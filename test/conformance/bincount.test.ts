// Conformance: the bincount primitive (counts, weight sums, binary output, rows) on every backend, and its gradient.
import { describe, expect, it } from 'vitest';
import { ENGINE } from '../../src/core/engine.js';
import * as nr from '../../src/node.js';
import {
  checkForward,
  checkGradient,
  type InputSpec,
  type OpCheck,
  testBackends,
} from '../helpers/check_op.js';

const int = (shape: number[], values: number[]): InputSpec => ({ shape, dtype: 'int32', values });

const forwardCases: OpCheck[] = [
  {
    name: 'bincount counts, values out of range ignored',
    fn: (x) => nr.bincount(x, [], 5),
    inputs: [int([7], [1, 1, 3, 0, -2, 5, 9])],
    expected: [1, 2, 0, 1, 0],
    expectedShape: [5],
    expectedDtype: 'float32',
  },
  {
    name: 'bincount sums float weights',
    fn: (x, w) => nr.bincount(x, w, 4),
    inputs: [int([5], [2, 0, 2, 3, 7]), [0.5, 1.5, 2.25, -1, 10]],
    expected: [1.5, 0, 2.75, -1],
  },
  {
    name: 'bincount sums int32 weights into int32',
    fn: (x, w) => nr.bincount(x, w, 3),
    inputs: [int([4], [0, 0, 2, 1]), int([4], [3, 4, 5, 6])],
    expected: [7, 6, 5],
    expectedDtype: 'int32',
  },
  {
    name: 'bincount of an empty vector and size 0',
    fn: (x) => nr.bincount(x, [], 0),
    inputs: [int([3], [0, 1, 2])],
    expected: [],
    expectedShape: [0],
  },
  {
    name: 'bincount primitive: rows and binary output',
    fn: (x, w) => ENGINE.run1('bincount', [x, w], { size: 3, binaryOutput: true }),
    inputs: [
      int([2, 3], [1, 1, 4, 0, 2, 2]),
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
    ],
    expected: [0, 1, 0, 1, 0, 1],
    expectedShape: [2, 3],
  },
  {
    name: 'bincount primitive: rows, counted',
    fn: (x) => ENGINE.run1('bincount', [x], { size: 4, binaryOutput: false }),
    inputs: [int([2, 3], [3, 3, 3, 0, 1, -1])],
    expected: [0, 0, 0, 3, 1, 1, 0, 0],
  },
];

const gradCases: OpCheck[] = [
  {
    name: 'bincount gradient to the weights (repeats and out-of-range values)',
    fn: (x, w) => nr.bincount(x, w, 4),
    inputs: [int([6], [3, 1, 3, 0, 8, -1]), { shape: [6] }],
    grad: [1],
  },
];

describe.each(testBackends())('bincount on %s', (backend) => {
  for (const c of forwardCases) it(c.name, () => checkForward(c, backend));
  for (const c of gradCases) it(c.name, () => checkGradient(c, backend));
});

describe('bincount arguments', () => {
  it('names the argument that is wrong', () => {
    const x = nr.tensor([1, 2], [2], 'int32');
    expect(() => nr.bincount(nr.tensor([1, 2]), [], 3)).toThrow(/bincount: x must be int32/);
    expect(() => nr.bincount(nr.tensor([[1]], [1, 1], 'int32'), [], 3)).toThrow(
      /bincount: x must have rank 1/,
    );
    expect(() => nr.bincount(x, [1, 2, 3], 3)).toThrow(/bincount: weights must be empty/);
    expect(() => nr.bincount(x, [], -1)).toThrow(/bincount: size must be a non-negative integer/);
    x.dispose();
  });
});
