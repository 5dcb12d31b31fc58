// The tfjs ops composed in array_ops, space_batch, search, image_ops and nms: values, and gradients against float64 differences.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { checkForward, checkGradient, type OpCheck, REFERENCE } from '../helpers/check_op.js';

const backend = () => nr.getBackend();

const differentiable: OpCheck[] = [
  {
    name: 'addN',
    fn: (a, b, c) => nr.addN([a, b, c]),
    inputs: [
      [1, 2],
      [3, 4],
      [5, 6],
    ],
    expected: [9, 12],
  },
  {
    name: 'diag',
    fn: (x) => nr.diag(x),
    inputs: [[1, 2]],
    expected: [
      [1, 0],
      [0, 2],
    ],
  },
  {
    name: 'euclideanNorm',
    fn: (x) => nr.euclideanNorm(x, 1),
    inputs: [
      [
        [3, 4],
        [6, 8],
      ],
    ],
    expected: [5, 10],
  },
  {
    name: 'spaceToBatchND',
    fn: (x) =>
      nr.spaceToBatchND(
        x,
        [2, 2],
        [
          [0, 0],
          [0, 0],
        ],
      ),
    inputs: [{ shape: [1, 2, 2, 1], values: [1, 2, 3, 4] }],
    expected: [1, 2, 3, 4],
    expectedShape: [4, 1, 1, 1],
  },
  {
    name: 'spaceToBatchND with padding',
    fn: (x) => nr.spaceToBatchND(x, [2], [[1, 1]]),
    inputs: [{ shape: [1, 2, 1], values: [1, 2] }],
    expected: [0, 2, 1, 0],
    expectedShape: [2, 2, 1],
  },
  {
    name: 'batchToSpaceND',
    fn: (x) =>
      nr.batchToSpaceND(
        x,
        [2, 2],
        [
          [0, 0],
          [0, 0],
        ],
      ),
    inputs: [{ shape: [4, 1, 1, 1], values: [1, 2, 3, 4] }],
    expected: [1, 2, 3, 4],
    expectedShape: [1, 2, 2, 1],
  },
  {
    name: 'batchToSpaceND with crops',
    fn: (x) => nr.batchToSpaceND(x, [2], [[1, 0]]),
    inputs: [{ shape: [2, 2, 1], values: [1, 2, 3, 4] }],
    expected: [3, 2, 4],
    expectedShape: [1, 3, 1],
  },
  {
    name: 'depthToSpace',
    fn: (x) => nr.depthToSpace(x, 2),
    inputs: [{ shape: [1, 1, 1, 4], values: [1, 2, 3, 4] }],
    expected: [
      [
        [[1], [2]],
        [[3], [4]],
      ],
    ],
  },
  {
    name: 'depthToSpace NCHW',
    fn: (x) => nr.depthToSpace(x, 2, 'NCHW'),
    inputs: [{ shape: [1, 4, 1, 1], values: [1, 2, 3, 4] }],
    expected: [1, 2, 3, 4],
    expectedShape: [1, 1, 2, 2],
  },
  {
    name: 'movingAverage (zero-debiased)',
    fn: (v, x) => nr.movingAverage(v, x, 0.6, 1),
    inputs: [
      [0, 0],
      [1, 2],
    ],
    expected: [1, 2],
  },
  {
    name: 'image.cropAndResize bilinear',
    fn: (img) => nr.image.cropAndResize(img, [[0, 0, 1, 1]], [0], [3, 3]),
    inputs: [{ shape: [1, 2, 2, 1], values: [0, 2, 4, 6] }],
    expected: [0, 1, 2, 2, 3, 4, 4, 5, 6],
    expectedShape: [1, 3, 3, 1],
  },
  {
    name: 'image.cropAndResize extrapolates outside the image',
    fn: (img) => nr.image.cropAndResize(img, [[0, 0, 2, 2]], [0], [2, 2], 'nearest', -1),
    inputs: [{ shape: [1, 2, 2, 1], values: [0, 2, 4, 6] }],
    expected: [0, -1, -1, -1],
  },
  {
    name: 'image.flipLeftRight',
    fn: (img) => nr.image.flipLeftRight(img),
    inputs: [{ shape: [1, 1, 2, 2], values: [1, 2, 3, 4] }],
    expected: [3, 4, 1, 2],
  },
  {
    name: 'image.rgbToGrayscale',
    fn: (img) => nr.image.rgbToGrayscale(img),
    inputs: [{ shape: [1, 3], values: [1, 1, 1] }],
    expected: [[0.9999]],
    atol: 1e-4,
  },
  {
    name: 'image.grayscaleToRGB',
    fn: (img) => nr.image.grayscaleToRGB(img),
    inputs: [{ shape: [2, 1], values: [1, 2] }],
    expected: [
      [1, 1, 1],
      [2, 2, 2],
    ],
  },
  {
    name: 'conv3d valid',
    fn: (x, f) => nr.conv3d(x, f, 1, 'valid'),
    inputs: [
      { shape: [1, 2, 2, 2, 1], values: [1, 2, 3, 4, 5, 6, 7, 8] },
      { shape: [2, 2, 2, 1, 1], values: [1, 1, 1, 1, 1, 1, 1, 1] },
    ],
    expected: [36],
    expectedShape: [1, 1, 1, 1, 1],
  },
  {
    name: 'conv3d same, strided, two channels',
    fn: (x, f) => nr.conv3d(x, f, [2, 1, 1], 'same'),
    inputs: [{ shape: [1, 3, 2, 2, 2] }, { shape: [2, 2, 2, 2, 3] }],
    expectedShape: [1, 2, 2, 2, 3],
  },
  {
    name: 'maxPool3d',
    fn: (x) => nr.maxPool3d(x, 2, 1, 'valid'),
    inputs: [{ shape: [1, 2, 2, 2, 1], values: [1, 8, 3, 4, 5, 6, 7, 2] }],
    expected: [8],
  },
  {
    name: 'avgPool3d same (divides by the real count)',
    fn: (x) => nr.avgPool3d(x, 2, 2, 'same'),
    inputs: [{ shape: [1, 3, 1, 1, 1], values: [1, 2, 6] }],
    expected: [1.5, 6],
  },
  {
    name: 'linalg.bandPart',
    fn: (x) => nr.linalg.bandPart(x, 1, 0),
    inputs: [
      [
        [1, 2, 3],
        [4, 5, 6],
        [7, 8, 9],
      ],
    ],
    expected: [
      [1, 0, 0],
      [4, 5, 0],
      [0, 8, 9],
    ],
  },
  {
    name: 'linalg.gramSchmidt (matrix)',
    fn: (x) => nr.linalg.gramSchmidt(x) as nr.Tensor,
    inputs: [
      [
        [3, 4],
        [1, 0],
      ],
    ],
    expected: [
      [0.6, 0.8],
      [0.8, -0.6],
    ],
  },
  {
    name: 'signal.frame with padEnd',
    fn: (x) => nr.signal.frame(x, 2, 2, true, 0),
    inputs: [[1, 2, 3, 4, 5]],
    expected: [
      [1, 2],
      [3, 4],
      [5, 0],
    ],
  },
  {
    name: 'pool max, dilation 2',
    fn: (x) => nr.pool(x, [2, 2], 'max', 'valid', 2),
    inputs: [{ shape: [3, 3, 1], values: [1, 2, 3, 4, 5, 6, 7, 8, 9] }],
    expected: [9],
    expectedShape: [1, 1, 1],
  },
  {
    name: 'pool avg, dilation 2, same',
    fn: (x) => nr.pool(x, [2, 2], 'avg', 'same', 2),
    inputs: [{ shape: [1, 4, 4, 1] }],
    expectedShape: [1, 4, 4, 1],
  },
  {
    name: 'basicLSTMCell new h',
    fn: (k, b, x, c, h) => nr.basicLSTMCell(1, k, b, x, c, h)[1],
    inputs: [
      { shape: [3, 8] },
      { shape: [8] },
      { shape: [2, 1] },
      { shape: [2, 2] },
      { shape: [2, 2] },
    ],
    expectedShape: [2, 2],
  },
];

/** conv3d by its definition (NDHWC, stride 1, 'valid'), to check the composition against. */
function naiveConv3d(x: number[], xs: number[], f: number[], fs: number[]): number[] {
  const [, d, h, w, ci] = xs;
  const [fd, fh, fw, , co] = fs;
  const out: number[] = [];
  for (let a = 0; a <= d - fd; a++)
    for (let b = 0; b <= h - fh; b++)
      for (let c = 0; c <= w - fw; c++)
        for (let o = 0; o < co; o++) {
          let s = 0;
          for (let i = 0; i < fd; i++)
            for (let j = 0; j < fh; j++)
              for (let k = 0; k < fw; k++)
                for (let q = 0; q < ci; q++)
                  s +=
                    x[(((a + i) * h + (b + j)) * w + (c + k)) * ci + q] *
                    f[(((i * fh + j) * fw + k) * ci + q) * co + o];
          out.push(s);
        }
  return out;
}

describe('tfjs ops composed from neurite ops', () => {
  it('conv3d agrees with its definition', async () => {
    const xs = [1, 3, 4, 3, 2];
    const fs = [2, 2, 3, 2, 3];
    const x = Array.from({ length: 72 }, (_, i) => Math.sin(i));
    const f = Array.from({ length: 72 }, (_, i) => Math.cos(i));
    const y = nr.conv3d(nr.tensor(x, xs), nr.tensor(f, fs), 1, 'valid');
    const want = naiveConv3d(x, xs, f, fs);
    const got = Array.from(await y.data());
    expect(got.length).toBe(want.length);
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 4));
  });

  for (const c of differentiable) {
    it(`${c.name}: values`, async () => checkForward(c, backend()));
    it(`${c.name}: gradient`, async () => checkGradient(c, REFERENCE));
  }

  it('basicLSTMCell follows its formula; multiRNNCell chains cells; nextFrame resolves', async () => {
    // kernel zeros, bias zeros: every gate is sigmoid(0) = 0.5 except f (sigmoid(forgetBias = 1)) and j (tanh(0) = 0)
    const [c1, h1] = nr.basicLSTMCell(
      1,
      nr.zeros([3, 8]),
      nr.zeros([8]),
      [[1]],
      [[2, 2]],
      [[0, 0]],
    );
    const sig1 = 1 / (1 + Math.exp(-1));
    (await c1.data()).forEach((v) => expect(v).toBeCloseTo(2 * sig1, 5));
    (await h1.data()).forEach((v) => expect(v).toBeCloseTo(Math.tanh(2 * sig1) * 0.5, 5));
    const cellFor = (inputSize: number) => (x: nr.Tensor, c: nr.Tensor, h: nr.Tensor) =>
      nr.basicLSTMCell(1, nr.zeros([inputSize + 2, 8]), nr.zeros([8]), x, c, h);
    const [cs, hs] = nr.multiRNNCell(
      [cellFor(1), cellFor(2)],
      [[1]],
      [[[2, 2]], [[0, 0]]],
      [[[0, 0]], [[0, 0]]],
    );
    expect(cs).toHaveLength(2);
    expect(hs[1].shape).toEqual([1, 2]);
    await nr.nextFrame();
  });

  it('maxPoolWithArgmax gives the flat index of each maximum', async () => {
    const x = nr.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], [1, 4, 4, 1]);
    const { result, indexes } = nr.maxPoolWithArgmax(x, 2, 2, 'valid');
    expect(Array.from(await result.data())).toEqual([6, 8, 14, 16]);
    expect(Array.from(await indexes.data())).toEqual([5, 7, 13, 15]);
    const two = nr.tensor4d([...Array(8).keys()], [2, 2, 2, 1]);
    const withBatch = nr.maxPoolWithArgmax(two, 2, 2, 'valid', true);
    expect(Array.from(await withBatch.indexes.data())).toEqual([3, 7]);
    expect(Array.from(await nr.maxPoolWithArgmax(two, 2, 2, 'valid').indexes.data())).toEqual([
      3, 3,
    ]);
  });

  it('signal windows', async () => {
    expect(Array.from(await nr.signal.hannWindow(4).data())).toEqual([0, 0.5, 1, 0.5]);
    const h = Array.from(await nr.signal.hammingWindow(3).data());
    [0.08, 1, 0.08].forEach((v, i) => expect(h[i]).toBeCloseTo(v, 5));
  });

  it('meshgrid xy and ij', async () => {
    const [X, Y] = nr.meshgrid([1, 2, 3], [4, 5]);
    expect(await X.array()).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
    expect(await Y.array()).toEqual([
      [4, 4, 4],
      [5, 5, 5],
    ]);
    const [I, J] = nr.meshgrid([1, 2], [3, 4, 5], { indexing: 'ij' });
    expect(I.shape).toEqual([2, 3]);
    expect(await J.array()).toEqual([
      [3, 4, 5],
      [3, 4, 5],
    ]);
  });

  it('step keeps NaN and has a zero gradient', async () => {
    expect(Array.from(await nr.step([-1, 0, 2, Number.NaN], 0.5).data())).toEqual([
      0.5,
      0.5,
      1,
      Number.NaN,
    ]);
    const g = nr.grad((x: nr.Tensor) => nr.step(x).sum())(nr.tensor([1, -1]));
    expect(Array.from(await g.data())).toEqual([0, 0]);
  });

  it('unique (sync) matches uniqueAsync', async () => {
    const { values, indices } = nr.unique([1, 1, 2, 4, 4, 4, 7, 8, 8]);
    expect(Array.from(await values.data())).toEqual([1, 2, 4, 7, 8]);
    expect(Array.from(await indices.data())).toEqual([0, 0, 1, 2, 2, 2, 3, 4, 4]);
    const a = await nr.uniqueAsync(
      [
        [1, 0],
        [1, 0],
        [2, 0],
      ],
      0,
    );
    expect(await a.values.array()).toEqual([
      [1, 0],
      [2, 0],
    ]);
  });

  it('broadcastArgs, tensorScatterUpdate, sparseToDense', async () => {
    expect(
      Array.from(
        await nr.broadcastArgs(nr.tensor1d([2, 1], 'int32'), nr.tensor1d([1, 3], 'int32')).data(),
      ),
    ).toEqual([2, 3]);
    const u = nr.tensorScatterUpdate(
      [1, 2, 3, 4],
      nr.tensor2d([[1], [3]], [2, 1], 'int32'),
      [9, 8],
    );
    expect(Array.from(await u.data())).toEqual([1, 9, 3, 8]);
    const d = nr.sparseToDense(nr.tensor1d([0, 2], 'int32'), [5, 6], [4], 1);
    expect(Array.from(await d.data())).toEqual([5, 1, 6, 1]);
  });

  it('searchSorted, lowerBound, upperBound', async () => {
    expect(Array.from(await nr.searchSorted([1, 3, 5], [0, 3, 6]).data())).toEqual([0, 1, 3]);
    expect(Array.from(await nr.lowerBound([[1, 3, 3, 5]], [[3]]).data())).toEqual([1]);
    expect(Array.from(await nr.upperBound([[1, 3, 3, 5]], [[3]]).data())).toEqual([3]);
  });

  it('bincount and denseBincount', async () => {
    const x = nr.tensor1d([1, 1, 3, 7], 'int32');
    expect(Array.from(await nr.bincount(x, [], 4).data())).toEqual([0, 2, 0, 1]);
    expect(Array.from(await nr.bincount(x, [0.5, 1, 2, 9], 4).data())).toEqual([0, 1.5, 0, 2]);
    const m = nr.tensor2d(
      [
        [1, 1],
        [0, 2],
      ],
      [2, 2],
      'int32',
    );
    expect(await nr.denseBincount(m, [], 3).array()).toEqual([
      [0, 2, 0],
      [1, 0, 1],
    ]);
    expect(await nr.denseBincount(m, [], 3, true).array()).toEqual([
      [0, 1, 0],
      [1, 0, 1],
    ]);
  });

  it('whereAsync, setdiff1dAsync, inTopKAsync', async () => {
    expect(
      await (
        await nr.whereAsync([
          [true, false],
          [false, true],
        ])
      ).array(),
    ).toEqual([
      [0, 0],
      [1, 1],
    ]);
    const [out, idx] = await nr.setdiff1dAsync([1, 2, 3, 4], [2, 4]);
    expect(Array.from(await out.data())).toEqual([1, 3]);
    expect(Array.from(await idx.data())).toEqual([0, 2]);
    const hit = await nr.inTopKAsync(
      [
        [0.1, 0.8, 0.1],
        [0.5, 0.2, 0.3],
      ],
      nr.tensor1d([1, 2], 'int32'),
      1,
    );
    expect(Array.from(await hit.data())).toEqual([1, 0]);
  });

  it('image.nonMaxSuppression and its variants', async () => {
    const boxes = [
      [0, 0, 1, 1],
      [0, 0.1, 1, 1.1],
      [0, -0.1, 1, 0.9],
      [0, 10, 1, 11],
      [0, 10.1, 1, 11.1],
      [0, 100, 1, 101],
    ];
    const scores = [0.9, 0.75, 0.6, 0.95, 0.5, 0.3];
    expect(Array.from(await nr.image.nonMaxSuppression(boxes, scores, 3, 0.5).data())).toEqual([
      3, 0, 5,
    ]);
    expect(
      Array.from(await (await nr.image.nonMaxSuppressionAsync(boxes, scores, 2, 0.5)).data()),
    ).toEqual([3, 0]);
    const p = nr.image.nonMaxSuppressionPadded(boxes, scores, 5, 0.5, 0.4, true);
    expect(Array.from(await p.selectedIndices.data())).toEqual([3, 0, 0, 0, 0]);
    expect(await p.validOutputs.array()).toBe(2);
    const s = nr.image.nonMaxSuppressionWithScore(boxes, scores, 6, 1, 0, 0.5);
    expect(Array.from(await s.selectedIndices.data())).toEqual([3, 0, 1, 5, 4, 2]);
    expect((await s.selectedScores.data())[0]).toBeCloseTo(0.95);
  });

  it('errors name the op and the argument', () => {
    expect(() => nr.addN([])).toThrow(
      /addN: Must pass at least one tensor to tf.addN\(\), but got 0/,
    );
    expect(() => nr.spaceToBatchND(nr.zeros([1, 3, 1]), [2], [[0, 0]])).toThrow(nr.ShapeError);
    expect(() => nr.depthToSpace(nr.zeros([1, 1, 1, 3]), 2)).toThrow(
      /depth \(3\) must be divisible/,
    );
    expect(() => nr.bincount(nr.tensor1d([1.5]), [], 2)).toThrow(nr.DTypeError);
    expect(() => nr.image.cropAndResize(nr.zeros([1, 2, 2, 1]), [[0, 0, 1]], [0], [2, 2])).toThrow(
      /boxes must have shape/,
    );
  });
});
