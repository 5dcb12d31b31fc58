// tfjs call forms and rules the specs exercise: null dilations, conv1d's 4-pair pad, negative segment ids
// dropped by unsortedSegmentSum (values and gradient), NumPy's negative matrix-norm orders, plain numbers
// given to grad/grads, whereAsync's bool condition, fused.conv2d's NCHW prelu weights.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import {
  checkForward,
  checkGradient,
  expectClose,
  type OpCheck,
  REFERENCE,
} from '../helpers/check_op.js';

const cases: OpCheck[] = [
  {
    // id -1 drops x[1]; ids 0 and 2 collect the rest
    name: 'unsortedSegmentSum drops negative ids',
    fn: (x) => nr.unsortedSegmentSum(x, nr.tensor([0, -1, 2, 0], [4], 'int32'), 3),
    inputs: [
      [
        [1, 2],
        [3, 4],
        [5, 6],
        [7, 8],
      ],
    ],
    expected: [
      [8, 10],
      [0, 0],
      [5, 6],
    ],
  },
  {
    // rows [1, 2], [-3, 1.5], [0.5, 0.7]: row sums of |x| 3, 4.5, 1.2; column sums 4.5, 4.2
    name: 'norm -Infinity over a matrix (smallest row sum)',
    fn: (x) => nr.norm(x, -Infinity, [0, 1]),
    inputs: [
      [
        [1, 2],
        [-3, 1.5],
        [0.5, 0.7],
      ],
    ],
    expected: 1.2,
  },
  {
    name: 'norm -1 over a matrix (smallest column sum)',
    fn: (x) => nr.norm(x, -1, [0, 1]),
    inputs: [
      [
        [1, 2],
        [-3, 1.5],
        [0.5, 0.7],
      ],
    ],
    expected: 4.2,
  },
];

describe('tfjs call forms', () => {
  for (const c of cases) {
    it(`${c.name}: values`, async () => checkForward(c, nr.getBackend()));
    it(`${c.name}: gradient`, async () => checkGradient(c, REFERENCE));
  }

  it('unsortedSegmentSum still refuses ids >= numSegments', () => {
    expect(() => nr.unsortedSegmentSum(nr.ones([2]), nr.tensor([0, 2], [2], 'int32'), 2)).toThrow(
      /outside the valid range/,
    );
  });

  it('conv2d and depthwiseConv2d read null dilations as 1', () => {
    const x = nr.ones([1, 3, 3, 2]);
    expect(nr.depthwiseConv2d(x, nr.ones([2, 2, 2, 3]), 1, 'same', 'NHWC', null).shape).toEqual([
      1, 3, 3, 6,
    ]);
    expect(nr.conv2d(x, nr.ones([2, 2, 2, 4]), 1, 'valid', 'NHWC', null).shape).toEqual([
      1, 2, 2, 4,
    ]);
  });

  it("conv1d takes conv2d's 4-pair explicit pad over its height-1 image", async () => {
    const x = nr.tensor3d([1, 2, 3, 4], [2, 2, 1]);
    const w = nr.tensor3d([3], [1, 1, 1]);
    const pad: [[number, number], [number, number], [number, number], [number, number]] = [
      [0, 0],
      [0, 0],
      [1, 0],
      [0, 0],
    ];
    const y = nr.conv1d(x, w, 1, pad, 'NWC', 1);
    expect(await y.array()).toEqual([
      [[0], [3], [6]],
      [[0], [9], [12]],
    ]);
    const tall = [
      [0, 0],
      [1, 0],
      [0, 0],
      [0, 0],
    ] as typeof pad;
    expect(() => nr.conv1d(x, w, 1, tall, 'NWC', 1)).toThrow(nr.ArgumentError);
  });

  it('grad and grads take plain numbers, and free the tensors they make for them', async () => {
    const before = nr.memory().numTensors;
    const [da, db] = nr.grads((a, b) => nr.div(a, b))([5, 2]);
    expect(await da.data()).toEqual(new Float32Array([0.5]));
    expect(await db.data()).toEqual(new Float32Array([-5 / 4]));
    const g = nr.grad((x) => x.square())([1, -3]);
    expect(Array.from(await g.data())).toEqual([2, -6]);
    expect(nr.memory().numTensors).toBe(before + 3);
    nr.dispose([da, db, g]);
  });

  it('whereAsync reads plain values as bool and refuses a non-bool tensor', async () => {
    expect(await (await nr.whereAsync([0, 3, 0])).array()).toEqual([[1]]);
    await expect(nr.whereAsync(nr.tensor([1, 0]))).rejects.toThrow(
      /Argument 'condition' passed to 'whereAsync' must be bool/,
    );
  });

  it('fused.conv2d in NCHW applies 1-D prelu weights per channel (axis 1)', async () => {
    const xNhwc = nr.randomNormal([1, 3, 3, 2], 0, 1, 'float32', 4);
    const f = nr.randomNormal([2, 2, 2, 3], 0, 1, 'float32', 5);
    const w = nr.tensor([0.1, 0.5, 2]);
    const args = { filter: f, strides: 1, pad: 'valid' as const, activation: 'prelu' as const };
    const nhwc = nr.fused.conv2d({ ...args, x: xNhwc, preluActivationWeights: w });
    const nchw = nr.fused.conv2d({
      ...args,
      x: xNhwc.transpose([0, 3, 1, 2]),
      dataFormat: 'NCHW',
      preluActivationWeights: w,
    });
    expectClose(await nchw.transpose([0, 2, 3, 1]).data(), await nhwc.data(), 1e-5, 1e-5, 'NCHW');
  });
});
