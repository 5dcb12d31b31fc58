// Embedding and Masking: the layer checker, lookups and their gradient, masks, config, errors.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { checkLayer } from '../helpers/check_layer.js';

const L = nr.layers;

describe('embedding and masking layers (layer checker)', () => {
  it('Embedding', () =>
    checkLayer({
      name: 'Embedding',
      make: () => L.embedding({ inputDim: 10, outputDim: 4 }),
      inputShape: [2, 5],
      inputDtype: 'int32',
      inputRange: [0, 10],
      expectedOutputShape: [2, 5, 4],
      expectedWeightShapes: [[10, 4]],
    }));
  it('Embedding maskZero, float ids, rank-3 ids', () =>
    checkLayer({
      name: 'Embedding maskZero',
      make: () =>
        L.embedding({ inputDim: 6, outputDim: 3, maskZero: true, embeddingsRegularizer: 'l2' }),
      inputShape: [2, 3, 2],
      inputRange: [0, 6],
      expectedOutputShape: [2, 3, 2, 3],
    }));
  it('Masking', () =>
    checkLayer({
      name: 'Masking',
      make: () => L.masking({ maskValue: 0.5 }),
      inputShape: [2, 4, 3],
    }));
});

describe('embedding and masking layers: values, masks, errors', () => {
  it('Embedding looks rows up and scatters gradients back (repeated ids add up)', async () => {
    const e = L.embedding({ inputDim: 3, outputDim: 2 });
    e.build([null, 3]);
    e.setWeights([
      nr.tensor([
        [0, 1],
        [2, 3],
        [4, 5],
      ]),
    ]);
    const ids = nr.tensor([[2, 0, 2]], [1, 3], 'int32');
    expect(await (e.apply(ids) as nr.Tensor).array()).toEqual([
      [
        [4, 5],
        [0, 1],
        [4, 5],
      ],
    ]);
    expect(L.getMask(e.apply(ids) as nr.Tensor)).toBeNull();
    const { grads } = nr.variableGrads(() => (e.apply(ids) as nr.Tensor).sum(), e.trainableWeights);
    expect(await grads[e.trainableWeights[0].name].array()).toEqual([
      [1, 1],
      [0, 0],
      [2, 2],
    ]);
  });

  it('Embedding maskZero attaches ids != 0 as the mask', async () => {
    const e = L.embedding({ inputDim: 4, outputDim: 2, maskZero: true });
    const y = e.apply(nr.tensor([[3, 1, 0]], [1, 3], 'int32')) as nr.Tensor;
    expect(await L.getMask(y)?.cast('int32').array()).toEqual([[1, 1, 0]]);
  });

  it('Embedding inputLength declares the input shape; config round trip keeps it', () => {
    const e = L.embedding({ inputDim: 100, outputDim: 8, inputLength: 12 });
    expect(e.batchInputShape).toEqual([null, 12]);
    const config = e.getConfig();
    expect(config).toMatchObject({
      inputDim: 100,
      outputDim: 8,
      maskZero: false,
      inputLength: 12,
      batchInputShape: [null, 12],
    });
    expect(config.embeddingsInitializer).toMatchObject({ className: 'RandomUniform' });
  });

  it('Masking zeroes the masked steps and sets the mask', async () => {
    const x = nr.tensor([
      [
        [1, 2],
        [0, 0],
        [0, 3],
      ],
    ]);
    const y = L.masking().apply(x) as nr.Tensor;
    expect(await y.array()).toEqual([
      [
        [1, 2],
        [0, 0],
        [0, 3],
      ],
    ]);
    expect(await L.getMask(y)?.cast('int32').array()).toEqual([[1, 0, 1]]);
    const m = L.masking({ maskValue: -1 }).apply(
      nr.tensor([
        [
          [-1, -1],
          [5, -1],
        ],
      ]),
    ) as nr.Tensor;
    expect(await m.array()).toEqual([
      [
        [0, 0],
        [5, -1],
      ],
    ]);
    expect(await L.getMask(m)?.cast('int32').array()).toEqual([[0, 1]]);
  });

  it('bad options name the layer and the value', () => {
    expect(() => L.embedding({ inputDim: 0, outputDim: 2 })).toThrow(
      'Embedding: inputDim must be a positive integer, received 0',
    );
    expect(() => L.embedding({ inputDim: 3, outputDim: 1.5 })).toThrow(
      'Embedding: outputDim must be a positive integer, received 1.5',
    );
    expect(() =>
      L.embedding({ inputDim: 3, outputDim: 2, maskZero: 'yes' as unknown as boolean }),
    ).toThrow("Embedding: maskZero must be a boolean, received 'yes'");
    expect(() => L.masking({ maskValue: 'x' as unknown as number })).toThrow(
      "Masking: maskValue must be a number, received 'x'",
    );
  });
});
