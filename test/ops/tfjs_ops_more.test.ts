// tfjs ops added for tfjs-core's specs: fused.depthwiseConv2d, math.confusionMatrix, sparse.sparseSegmentSum/Mean.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { checkForward, checkGradient, type OpCheck, REFERENCE } from '../helpers/check_op.js';

const x = { shape: [1, 3, 3, 2], values: Array.from({ length: 18 }, (_, i) => Math.sin(i + 1)) };
const f = { shape: [2, 2, 2, 1], values: [0.5, -1, 0.25, 2, -0.5, 1, 1.5, -0.75] };

const cases: OpCheck[] = [
  {
    name: 'fused.depthwiseConv2d = relu(depthwiseConv2d + bias)',
    fn: (a, b, c) =>
      nr.fused.depthwiseConv2d({
        x: a,
        filter: b,
        strides: 1,
        pad: 'valid',
        bias: c,
        activation: 'relu',
      }),
    inputs: [x, f, [0.1, -0.2]],
    expected: nr
      .relu(
        nr.add(
          nr.depthwiseConv2d(
            nr.tensor(x.values, x.shape),
            nr.tensor(f.values, f.shape),
            1,
            'valid',
          ),
          [0.1, -0.2],
        ),
      )
      .arraySync() as nr.NestedArray,
  },
  {
    name: 'sparseSegmentSum',
    fn: (d) => nr.sparse.sparseSegmentSum(d, [2, 0, 1], [0, 0, 2]),
    inputs: [
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
    ],
    expected: [
      [6, 8],
      [0, 0],
      [3, 4],
    ],
  },
  {
    name: 'sparseSegmentMean',
    fn: (d) => nr.sparse.sparseSegmentMean(d, [2, 0, 1], [0, 0, 2]),
    inputs: [
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
    ],
    expected: [
      [3, 4],
      [0, 0],
      [3, 4],
    ],
  },
];

describe('tfjs ops: fused depthwise, confusionMatrix, sparse segments', () => {
  for (const c of cases) {
    it(`${c.name}: values`, async () => checkForward(c, nr.getBackend()));
    it(`${c.name}: gradient`, async () => checkGradient(c, REFERENCE));
  }

  it('confusionMatrix counts label/prediction pairs and checks its arguments', async () => {
    const m = nr.math.confusionMatrix([0, 1, 2, 1, 0], [0, 2, 2, 1, 0], 3);
    expect(m.dtype).toBe('int32');
    expect(await m.array()).toEqual([
      [2, 0, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
    expect(() => nr.math.confusionMatrix([0], [0], 2.5)).toThrow(nr.ArgumentError);
    expect(() => nr.math.confusionMatrix([0, 1], [0], 2)).toThrow(nr.ShapeError);
  });

  it('sparse segments refuse unsorted ids and out-of-range indices', () => {
    const d = nr.ones([4, 2]);
    expect(() => nr.sparse.sparseSegmentSum(d, [0, 1], [1, 0])).toThrow(
      /out of range|not increasing/,
    );
    expect(() => nr.sparse.sparseSegmentSum(d, [0, 4], [0, 0])).toThrow(
      /indices\[1\] == 4 out of range \[0, 4\)/,
    );
    expect(() => nr.sparse.sparseSegmentMean(d, [0], [-1])).toThrow(/segment ids must be >= 0/);
  });
});
