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
  {
    name: 'dilation2d (same padding, stride 1)',
    fn: (a, b) => nr.dilation2d(a, b, 1, 'same'),
    inputs: [
      { shape: [1, 2, 2, 1], values: [1, 4, 2, 3] },
      { shape: [2, 2, 1], values: [0.5, 0.1, 0.2, 0.3] },
    ],
    // out[y][x] = max over taps inside the image of x[y+i][x+j] + f[i][j] (padding is -inf)
    expected: [
      [
        [[Math.max(1.5, 4.1, 2.2, 3.3)], [Math.max(4.5, 3.2)]],
        [[Math.max(2.5, 3.1)], [3.5]],
      ],
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

  it('browser.toPixels gives RGBA bytes; fromPixels reads ImageData-like and canvas-like objects', async () => {
    const gray = await nr.browser.toPixels(nr.tensor([0.2, 1], [2, 1]));
    expect(Array.from(gray)).toEqual([51, 51, 51, 255, 255, 255, 255, 255]);
    const rgb = await nr.browser.toPixels([[[10, 20, 30]]]);
    expect(Array.from(rgb)).toEqual([10, 20, 30, 255]);
    await expect(nr.browser.toPixels(nr.tensor([2], [1, 1]))).rejects.toThrow(nr.ArgumentError);
    await expect(nr.browser.toPixels(nr.tensor([1, 2], [1, 1, 2]))).rejects.toThrow(nr.ShapeError);
    const image = { width: 2, height: 1, data: new Uint8ClampedArray([1, 2, 3, 4, 5, 6, 7, 8]) };
    const t = nr.browser.fromPixels(image);
    expect(t.dtype).toBe('int32');
    expect(await t.array()).toEqual([
      [
        [1, 2, 3],
        [5, 6, 7],
      ],
    ]);
    const canvas = {
      width: 1,
      height: 1,
      getContext: () => ({ getImageData: () => ({ data: [9, 8, 7, 6] }) }),
    };
    expect(await nr.browser.fromPixels(canvas, 4).array()).toEqual([[[9, 8, 7, 6]]]);
    expect(() => nr.browser.fromPixels(5 as never)).toThrow(nr.ArgumentError);
  });

  it('sparseReshape moves each entry to its index in the new shape', async () => {
    const r = nr.sparse.sparseReshape(
      [
        [0, 0],
        [1, 3],
        [4, 5],
      ],
      [5, 6],
      [3, -1],
    );
    expect(await r.outputShape.array()).toEqual([3, 10]);
    expect(await r.outputIndices.array()).toEqual([
      [0, 0],
      [0, 9],
      [2, 9],
    ]);
    expect(() => nr.sparse.sparseReshape([[0, 0]], [5, 6], [-1, -1])).toThrow(
      /only one output dimension may be -1/,
    );
    expect(() => nr.sparse.sparseReshape([[0, 0]], [5, 6], [4, 7])).toThrow(/30 dense values/);
  });

  it('engine() counts data buffers as tfjs tests read them', () => {
    const before = nr.engine().backend.numDataIds();
    const t = nr.ones([2]);
    expect(nr.engine().backend.numDataIds()).toBe(before + 1);
    t.dispose();
    expect(nr.engine().backend.numDataIds()).toBe(before);
    expect(nr.engine().backendName).toBe(nr.getBackend());
  });

  it('sparseFillEmptyRows fills empty rows, sorts by row and maps inputs to outputs', async () => {
    const r = nr.sparse.sparseFillEmptyRows(
      [
        [2, 1],
        [0, 3],
        [2, 0],
      ],
      [7, 8, 9],
      [4, 5],
      -1,
    );
    expect(await r.outputIndices.array()).toEqual([
      [0, 3],
      [1, 0],
      [2, 1],
      [2, 0],
      [3, 0],
    ]);
    expect(await r.outputValues.array()).toEqual([8, -1, 7, 9, -1]);
    expect(r.emptyRowIndicator.dtype).toBe('bool');
    expect(Array.from(await r.emptyRowIndicator.data())).toEqual([0, 1, 0, 1]);
    expect(await r.reverseIndexMap.array()).toEqual([2, 0, 3]);
    expect(() => nr.sparse.sparseFillEmptyRows([[4, 0]], [1], [4, 5], 0)).toThrow(
      /is invalid: 4 >= 4/,
    );
  });

  it('tfjs call forms: plain values in logical ops and any/all are bool, *Like ops take plain values, eye takes nulls', async () => {
    expect(Array.from(await nr.logicalAnd([1, 0, 0, 1], [0, 1, 0, 1]).data())).toEqual([
      0, 0, 0, 1,
    ]);
    expect(Array.from(await nr.logicalNot([1, 0]).data())).toEqual([0, 1]);
    expect(await nr.all([0, 0, 0]).data()).toEqual(new Uint8Array([0]));
    expect(() => nr.all(nr.tensor([1, 2]))).toThrow(nr.DTypeError);
    const o = nr.onesLike([
      [1, 2],
      [3, 4],
    ]);
    expect(o.shape).toEqual([2, 2]);
    expect(Array.from(await nr.zerosLike([1.5]).data())).toEqual([0]);
    const e = nr.eye(2, null, null, 'int32');
    expect(e.dtype).toBe('int32');
    expect(await e.array()).toEqual([
      [1, 0],
      [0, 1],
    ]);
  });

  it('image.threshold: binary against threshValue·255, otsu splits a two-level image between its levels', async () => {
    // gray values: 0.2989·R + 0.587·G + 0.114·B
    const img = nr.tensor(
      [200, 200, 200, 10, 10, 10, 120, 130, 140, 255, 0, 0],
      [2, 2, 3],
      'int32',
    );
    expect(Array.from(await nr.image.threshold(img).data())).toEqual([255, 0, 255, 0]);
    expect(Array.from(await nr.image.threshold(img, 'binary', true, 0.25).data())).toEqual([
      0, 255, 0, 0,
    ]);
    const two = nr.tensor(
      [20, 20, 20, 20, 20, 20, 220, 220, 220, 220, 220, 220],
      [2, 2, 3],
      'int32',
    );
    expect(Array.from(await nr.image.threshold(two, 'otsu').data())).toEqual([0, 0, 255, 255]);
    expect(() => nr.image.threshold(nr.ones([2, 2, 1]))).toThrow(nr.ShapeError);
  });

  it('ensureShape returns x when the shape matches (null matches any size) and throws otherwise', () => {
    const x = nr.ones([2, 3]);
    expect(nr.ensureShape(x, [2, 3])).toBe(x);
    expect(nr.ensureShape(x, [null, 3])).toBe(x);
    expect(() => nr.ensureShape(x, [5, 3])).toThrow(nr.ShapeError);
    expect(() => nr.ensureShape(x, [2, 3, 1])).toThrow(/EnsureShape/);
  });
});
