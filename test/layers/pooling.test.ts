// Pooling layers: the layer checker for every configuration, known values, masks for the 1-D globals, errors.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { checkLayer } from '../helpers/check_layer.js';

const L = nr.layers;

describe('pooling layers (layer checker)', () => {
  it('MaxPooling1D', () =>
    checkLayer({
      name: 'MaxPooling1D',
      make: () => L.maxPooling1d(),
      inputShape: [2, 7, 3],
      expectedOutputShape: [2, 3, 3],
    }));
  it('MaxPooling1D same, channelsFirst', () =>
    checkLayer({
      name: 'MaxPooling1D cf',
      make: () =>
        L.maxPooling1d({ poolSize: 3, strides: 2, padding: 'same', dataFormat: 'channelsFirst' }),
      inputShape: [2, 3, 7],
      expectedOutputShape: [2, 3, 4],
    }));
  it('MaxPooling2D', () =>
    checkLayer({
      name: 'MaxPooling2D',
      make: () => L.maxPooling2d({ poolSize: [2, 3] }),
      inputShape: [2, 6, 7, 2],
      expectedOutputShape: [2, 3, 2, 2],
    }));
  it('MaxPooling2D same, stride 1', () =>
    checkLayer({
      name: 'MaxPooling2D same',
      make: () => L.maxPooling2d({ poolSize: 3, strides: 1, padding: 'same' }),
      inputShape: [1, 5, 5, 2],
      expectedOutputShape: [1, 5, 5, 2],
    }));
  it('AveragePooling1D same', () =>
    checkLayer({
      name: 'AveragePooling1D',
      make: () => L.averagePooling1d({ poolSize: 3, strides: 1, padding: 'same' }),
      inputShape: [2, 5, 2],
      expectedOutputShape: [2, 5, 2],
    }));
  it('AveragePooling2D', () =>
    checkLayer({
      name: 'AveragePooling2D',
      make: () => L.averagePooling2d({ poolSize: 2, strides: 1 }),
      inputShape: [2, 4, 4, 3],
      expectedOutputShape: [2, 3, 3, 3],
    }));
  it('AveragePooling2D channelsFirst', () =>
    checkLayer({
      name: 'AveragePooling2D cf',
      make: () => L.averagePooling2d({ dataFormat: 'channels_first' }),
      inputShape: [2, 3, 4, 6],
      expectedOutputShape: [2, 3, 2, 3],
    }));
  it('GlobalAveragePooling1D', () =>
    checkLayer({
      name: 'GlobalAveragePooling1D',
      make: () => L.globalAveragePooling1d(),
      inputShape: [2, 5, 3],
      expectedOutputShape: [2, 3],
    }));
  it('GlobalMaxPooling1D keepdims, channelsFirst', () =>
    checkLayer({
      name: 'GlobalMaxPooling1D',
      make: () => L.globalMaxPooling1d({ keepdims: true, dataFormat: 'channelsFirst' }),
      inputShape: [2, 3, 5],
      expectedOutputShape: [2, 3, 1],
    }));
  it('GlobalAveragePooling2D keepdims', () =>
    checkLayer({
      name: 'GlobalAveragePooling2D',
      make: () => L.globalAveragePooling2d({ keepdims: true }),
      inputShape: [2, 4, 3, 5],
      expectedOutputShape: [2, 1, 1, 5],
    }));
  it('GlobalMaxPooling2D channelsFirst', () =>
    checkLayer({
      name: 'GlobalMaxPooling2D',
      make: () => L.globalMaxPooling2d({ dataFormat: 'channelsFirst' }),
      inputShape: [2, 5, 4, 3],
      expectedOutputShape: [2, 5],
    }));
});

describe('pooling layers: values, masks and errors', () => {
  const grid = nr.tensor(
    Array.from({ length: 16 }, (_, i) => i),
    [1, 4, 4, 1],
  );

  it('MaxPooling2D and AveragePooling2D known values', async () => {
    expect(Array.from(await (L.maxPooling2d().apply(grid) as nr.Tensor).data())).toEqual([
      5, 7, 13, 15,
    ]);
    expect(Array.from(await (L.averagePooling2d().apply(grid) as nr.Tensor).data())).toEqual([
      2.5, 4.5, 10.5, 12.5,
    ]);
  });

  it('AveragePooling1D with same padding divides by the real window size', async () => {
    const y = L.averagePooling1d({ poolSize: 3, strides: 1, padding: 'same' }).apply(
      nr.tensor([3, 6, 9], [1, 3, 1]),
    ) as nr.Tensor;
    expect(Array.from(await y.data())).toEqual([4.5, 6, 7.5]);
  });

  it('channelsFirst gives the transposed channelsLast result', async () => {
    const x = nr.randomNormal([2, 6, 5, 3], 0, 1, 'float32', 7);
    const last = L.maxPooling2d({ poolSize: 2, strides: 1 }).apply(x) as nr.Tensor;
    const first = L.maxPooling2d({ poolSize: 2, strides: 1, dataFormat: 'channelsFirst' }).apply(
      x.transpose([0, 3, 1, 2]),
    ) as nr.Tensor;
    expect(await first.transpose([0, 2, 3, 1]).array()).toEqual(await last.array());
  });

  it('global 1-D pooling leaves masked steps out (Embedding maskZero)', async () => {
    const emb = L.embedding({ inputDim: 5, outputDim: 1, embeddingsInitializer: 'ones' });
    emb.build([null, 4]);
    emb.setWeights([nr.tensor([[100], [1], [2], [3], [4]])]);
    const masked = L.embedding({ inputDim: 5, outputDim: 1, maskZero: true });
    masked.build([null, 4]);
    masked.setWeights(emb.getWeights());
    const ids = nr.tensor(
      [
        [1, 3, 0, 0],
        [4, 2, 2, 0],
        [0, 0, 0, 0],
      ],
      [3, 4],
      'int32',
    );
    const e = masked.apply(ids) as nr.Tensor;
    expect(await nr.layers.getMask(e)?.cast('int32').array()).toEqual([
      [1, 1, 0, 0],
      [1, 1, 1, 0],
      [0, 0, 0, 0],
    ]);
    expect(Array.from(await (L.globalAveragePooling1d().apply(e) as nr.Tensor).data())).toEqual(
      [2, 8 / 3, 0].map(Math.fround),
    );
    expect(Array.from(await (L.globalMaxPooling1d().apply(e) as nr.Tensor).data())).toEqual([
      3, 4, 0,
    ]);
    const pooled = L.globalAveragePooling1d({ keepdims: true }).apply(e) as nr.Tensor;
    expect(pooled.shape).toEqual([3, 1, 1]);
    expect(nr.layers.getMask(pooled)).toBeNull();
    // without the mask the padding steps (embedding of id 0 = 100) count
    expect(
      Array.from(
        await (L.globalMaxPooling1d().apply(emb.apply(ids) as nr.Tensor) as nr.Tensor).data(),
      ),
    ).toEqual([100, 100, 100]);
  });

  it('masked global pooling has gradients only through unmasked steps', async () => {
    const x = nr.tensor([[[1], [2], [3]]]);
    const mask = nr.tensor([[true, false, true]]);
    const g = nr.grad((t) => (L.globalAveragePooling1d().apply(t, { mask }) as nr.Tensor).sum())(x);
    expect(Array.from(await g.data())).toEqual([0.5, 0, 0.5]);
    const gm = nr.grad((t) => (L.globalMaxPooling1d().apply(t, { mask }) as nr.Tensor).sum())(x);
    expect(Array.from(await gm.data())).toEqual([0, 0, 1]);
  });

  it('bad options and inputs name the layer', () => {
    expect(() => L.maxPooling2d({ poolSize: 0 })).toThrow(
      'MaxPooling2D: poolSize must be a positive integer or an array of 2 of them, received 0',
    );
    expect(() => L.averagePooling1d({ padding: 'causal' as 'same' })).toThrow(
      /AveragePooling1D: padding must be 'valid' or 'same', received 'causal'/,
    );
    expect(() => L.globalAveragePooling2d({ keepdims: 1 as unknown as boolean })).toThrow(
      'GlobalAveragePooling2D: keepdims must be a boolean, received 1',
    );
    expect(() => L.maxPooling2d({ name: 'pool_r' }).apply(nr.zeros([4, 4, 1]))).toThrow(
      'pool_r: expected input of rank 4, received shape (4, 4, 1)',
    );
  });
});
