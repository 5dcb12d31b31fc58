// Rescaling and Normalization: the layer protocol, known values, and adapt().
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { checkLayer } from '../helpers/check_layer.js';
import { expectClose } from '../helpers/check_op.js';

describe('Rescaling', () => {
  it('Rescaling by a scalar', async () => {
    await checkLayer({
      name: 'Rescaling',
      make: () => nr.layers.rescaling({ scale: 1 / 255 }),
      inputShape: [2, 4, 4, 3],
      expectedWeightShapes: [],
    });
  });
  it('Rescaling per channel with an offset', async () => {
    await checkLayer({
      name: 'Rescaling per channel',
      make: () => nr.layers.rescaling({ scale: [1, 2, 3], offset: [0, -1, 1] }),
      inputShape: [2, 3],
    });
  });

  it('computes x·scale + offset in float32', async () => {
    const y = nr.layers
      .rescaling({ scale: 1 / 127.5, offset: -1 })
      .apply(nr.tensor([0, 51, 255], [3], 'int32'));
    expect(y.dtype).toBe('float32');
    expectClose(await y.data(), [-1, -0.6, 1], 1e-6, 1e-6);
  });

  it('rejects a missing scale', () => {
    expect(() => nr.layers.rescaling({ scale: Number.NaN })).toThrow(
      /Rescaling: scale must be a finite number or an array of numbers, received NaN/,
    );
  });
});

describe('Normalization', () => {
  it('Normalization with given mean and variance', async () => {
    await checkLayer({
      name: 'Normalization given',
      make: () => nr.layers.normalization({ mean: [1, 2, 3], variance: [1, 4, 9] }),
      inputShape: [4, 3],
      expectedWeightShapes: [],
    });
  });
  it('Normalization with adapt weights (mean, variance, count)', async () => {
    await checkLayer({
      name: 'Normalization adapt',
      make: () => nr.layers.normalization(),
      inputShape: [4, 3],
      expectedWeightShapes: [[3], [3], []],
    });
  });
  it('Normalization with axis null (one mean for everything)', async () => {
    await checkLayer({
      name: 'Normalization axis null',
      make: () => nr.layers.normalization({ axis: null }),
      inputShape: [4, 3],
      expectedWeightShapes: [[], [], []],
    });
  });
  it('Normalization over axes [1, 2] of images', async () => {
    await checkLayer({
      name: 'Normalization axes',
      make: () => nr.layers.normalization({ axis: [1, 2] }),
      inputShape: [2, 3, 4],
      expectedWeightShapes: [[3, 4], [3, 4], []],
    });
  });

  it('normalises with given statistics, and inverts', async () => {
    const x = nr.tensor([[3, 6]]);
    const y = nr.layers.normalization({ mean: [1, 2], variance: [4, 16] }).apply(x);
    expectClose(await y.data(), [1, 1], 1e-6, 1e-6);
    const back = nr.layers
      .normalization({ mean: [1, 2], variance: [4, 16], invert: true })
      .apply(y);
    expectClose(await back.data(), [3, 6], 1e-6, 1e-6);
  });

  it('adapt computes the mean, the biased variance and the count', async () => {
    const layer = nr.layers.normalization();
    const data = nr.tensor([
      [1, 10],
      [3, 30],
      [5, 20],
    ]);
    await layer.adapt(data);
    const [mean, variance, count] = layer.weights;
    expectClose(await mean.data(), [3, 20], 1e-6, 1e-6, 'mean');
    expectClose(await variance.data(), [8 / 3, 200 / 3], 1e-5, 1e-5, 'variance');
    expect((await count.data())[0]).toBe(3);
    expect(mean.trainable).toBe(false);
    const y = layer.apply(data);
    expectClose(await y.mean(0).data(), [0, 0], 1e-6, 1e-6, 'normalised mean');
    expectClose(await y.square().mean(0).data(), [1, 1], 1e-5, 1e-5, 'normalised variance');
  });

  it('adapt on images keeps per-channel statistics', async () => {
    const layer = nr.layers.normalization({ axis: -1 });
    const data = nr.randomNormal([4, 5, 5, 2], 3, 2, 'float32', 7);
    await layer.adapt(data);
    const y = layer.apply(data);
    expectClose(await y.mean([0, 1, 2]).data(), [0, 0], 1e-5, 1e-5);
    expect(layer.weights[0].shape).toEqual([2]);
  });

  it('divides by at least 1e-7 when the variance is zero', async () => {
    const y = nr.layers.normalization({ mean: 1, variance: 0 }).apply(nr.tensor([1, 1]));
    expectClose(await y.data(), [0, 0], 0, 0);
  });

  it('rejects inconsistent statistics and adapt on fixed ones', async () => {
    expect(() => nr.layers.normalization({ mean: [1, 2] })).toThrow(
      /Normalization: give both mean and variance or neither/,
    );
    expect(() => nr.layers.normalization({ mean: [1, 2], variance: [1] })).toThrow(
      /mean and variance must have the same shape/,
    );
    await expect(
      nr.layers.normalization({ mean: 0, variance: 1, name: 'fixed' }).adapt(nr.zeros([2, 2])),
    ).rejects.toThrow(/fixed: adapt cannot be used/);
  });
});
