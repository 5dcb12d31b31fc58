// Reshaping layers: the layer checker for every configuration, known values, and errors.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { checkLayer } from '../helpers/check_layer.js';
import { expectClose } from '../helpers/check_op.js';

const L = nr.layers;

describe('reshaping layers (layer checker)', () => {
  it('ZeroPadding2D', () =>
    checkLayer({
      name: 'ZeroPadding2D',
      make: () => L.zeroPadding2d(),
      inputShape: [2, 3, 4, 2],
      expectedOutputShape: [2, 5, 6, 2],
    }));
  it('ZeroPadding2D asymmetric, channelsFirst', () =>
    checkLayer({
      name: 'ZeroPadding2D cf',
      make: () =>
        L.zeroPadding2d({
          padding: [
            [1, 0],
            [2, 3],
          ],
          dataFormat: 'channelsFirst',
        }),
      inputShape: [2, 2, 3, 4],
      expectedOutputShape: [2, 2, 4, 9],
    }));
  it('Cropping2D', () =>
    checkLayer({
      name: 'Cropping2D',
      make: () =>
        L.cropping2D({
          cropping: [
            [1, 0],
            [1, 2],
          ],
        }),
      inputShape: [2, 5, 6, 2],
      expectedOutputShape: [2, 4, 3, 2],
    }));
  it('Cropping2D symmetric, channelsFirst', () =>
    checkLayer({
      name: 'Cropping2D cf',
      make: () => L.cropping2d({ cropping: [1, 2], dataFormat: 'channelsFirst' }),
      inputShape: [1, 3, 5, 6],
      expectedOutputShape: [1, 3, 3, 2],
    }));
  it('UpSampling2D nearest', () =>
    checkLayer({
      name: 'UpSampling2D',
      make: () => L.upSampling2d({ size: [2, 3] }),
      inputShape: [2, 2, 3, 2],
      expectedOutputShape: [2, 4, 9, 2],
    }));
  it('UpSampling2D bilinear, channelsFirst', () =>
    checkLayer({
      name: 'UpSampling2D bilinear',
      make: () => L.upSampling2d({ interpolation: 'bilinear', dataFormat: 'channelsFirst' }),
      inputShape: [1, 2, 3, 3],
      expectedOutputShape: [1, 2, 6, 6],
    }));
  it('Permute', () =>
    checkLayer({
      name: 'Permute',
      make: () => L.permute({ dims: [2, 3, 1] }),
      inputShape: [2, 3, 4, 5],
      expectedOutputShape: [2, 4, 5, 3],
    }));
  it('RepeatVector', () =>
    checkLayer({
      name: 'RepeatVector',
      make: () => L.repeatVector({ n: 3 }),
      inputShape: [2, 4],
      expectedOutputShape: [2, 3, 4],
    }));
});

describe('reshaping layers: values and errors', () => {
  const img = nr.tensor([1, 2, 3, 4], [1, 2, 2, 1]);

  it('ZeroPadding2D and Cropping2D undo each other', async () => {
    const padded = L.zeroPadding2d({
      padding: [
        [1, 2],
        [0, 1],
      ],
    }).apply(img) as nr.Tensor;
    expect(await padded.reshape([5, 3]).array()).toEqual([
      [0, 0, 0],
      [1, 2, 0],
      [3, 4, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
    const back = L.cropping2D({
      cropping: [
        [1, 2],
        [0, 1],
      ],
    }).apply(padded) as nr.Tensor;
    expect(await back.array()).toEqual(await img.array());
  });

  it('UpSampling2D nearest repeats pixels, bilinear uses half-pixel centres', async () => {
    const near = L.upSampling2d({ size: 2 }).apply(img) as nr.Tensor;
    expect(await near.reshape([4, 4]).array()).toEqual([
      [1, 1, 2, 2],
      [1, 1, 2, 2],
      [3, 3, 4, 4],
      [3, 3, 4, 4],
    ]);
    const lin = L.upSampling2d({ size: 2, interpolation: 'bilinear' }).apply(
      nr.tensor([0, 4], [1, 1, 2, 1]),
    ) as nr.Tensor;
    // tf.image.resize: source x = (i + 0.5) / 2 - 0.5, clamped -> 0, 1, 3, 4
    expectClose(await lin.data(), [0, 1, 3, 4, 0, 1, 3, 4], 1e-6, 1e-6, 'bilinear');
    const g = nr.grad((x) => (L.upSampling2d({ size: 2 }).apply(x) as nr.Tensor).sum())(img);
    expect(Array.from(await g.data())).toEqual([4, 4, 4, 4]);
  });

  it('Permute and RepeatVector known values', async () => {
    const x = nr.tensor([
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
    ]);
    expect(await (L.permute({ dims: [2, 1] }).apply(x) as nr.Tensor).array()).toEqual([
      [
        [1, 4],
        [2, 5],
        [3, 6],
      ],
    ]);
    expect(
      await (L.repeatVector({ n: 2 }).apply(nr.tensor([[1, 2]])) as nr.Tensor).array(),
    ).toEqual([
      [
        [1, 2],
        [1, 2],
      ],
    ]);
  });

  it('bad options and inputs name the layer and the value', () => {
    expect(() => L.zeroPadding2d({ padding: -1 })).toThrow(
      'ZeroPadding2D: padding must be a non-negative integer or an array of 2 of them, received -1',
    );
    expect(() =>
      L.cropping2D({
        cropping: [
          [1, 2, 3],
          [0, 0],
        ] as unknown as [[number, number], [number, number]],
      }),
    ).toThrow(/Cropping2D: cropping\[0\] must be/);
    expect(() =>
      L.cropping2D({ cropping: 2, name: 'crop_all' }).apply(nr.zeros([1, 4, 6, 1])),
    ).toThrow(/crop_all: cropping \[\[2,2\],\[2,2\]\] removes all of dimension 1/);
    expect(() => L.upSampling2d({ interpolation: 'bicubic' as 'bilinear' })).toThrow(
      "UpSampling2D: interpolation must be 'nearest' or 'bilinear', received 'bicubic'",
    );
    expect(() => L.permute({ dims: [1, 3] })).toThrow(
      'Permute: dims must be a permutation of 1..n (the batch axis is not included), received [1,3]',
    );
    expect(() => L.permute({ dims: [2, 1], name: 'perm' }).apply(nr.zeros([2, 3]))).toThrow(
      'perm: expected input of rank 3, received shape (2, 3)',
    );
    expect(() => L.repeatVector({ n: 0 })).toThrow(
      'RepeatVector: n must be a positive integer, received 0',
    );
  });
});
