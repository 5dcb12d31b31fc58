// Core layers through the layer checker, plus known values for Dense and the behaviour of Dropout.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { checkLayer } from '../helpers/check_layer.js';

describe('core layers', () => {
  it('Dense', () =>
    checkLayer({
      name: 'Dense',
      make: () => nr.layers.dense({ units: 3, activation: 'tanh' }),
      inputShape: [2, 4],
      expectedOutputShape: [2, 3],
      expectedWeightShapes: [[4, 3], [3]],
    }));
  it('Dense on rank-3 input, no bias', () =>
    checkLayer({
      name: 'Dense rank 3',
      make: () => nr.layers.dense({ units: 2, useBias: false }),
      inputShape: [2, 5, 4],
      expectedOutputShape: [2, 5, 2],
      expectedWeightShapes: [[4, 2]],
    }));
  it('Dense with regularizer and constraint', () =>
    checkLayer({
      name: 'Dense regularized',
      make: () =>
        nr.layers.dense({
          units: 2,
          kernelRegularizer: 'l2',
          kernelConstraint: 'nonNeg',
          kernelInitializer: 'heNormal',
        }),
      inputShape: [3, 4],
    }));
  it('Activation', () =>
    checkLayer({
      name: 'Activation',
      make: () => nr.layers.activation({ activation: 'relu' }),
      inputShape: [2, 3],
    }));
  it('Dropout', () =>
    checkLayer({
      name: 'Dropout',
      make: () => nr.layers.dropout({ rate: 0.3 }),
      inputShape: [2, 3],
    }));
  it('Flatten', () =>
    checkLayer({
      name: 'Flatten',
      make: () => nr.layers.flatten(),
      inputShape: [2, 3, 4],
      expectedOutputShape: [2, 12],
    }));
  it('Reshape', () =>
    checkLayer({
      name: 'Reshape',
      make: () => nr.layers.reshape({ targetShape: [2, -1] }),
      inputShape: [3, 6],
      expectedOutputShape: [3, 2, 3],
    }));

  it('Dense computes x·W + b', async () => {
    const d = nr.layers.dense({ units: 2, kernelInitializer: 'ones', biasInitializer: 'zeros' });
    const y = d.apply(nr.tensor([[1, 2, 3]])) as nr.Tensor;
    expect(await y.array()).toEqual([[6, 6]]);
    d.setWeights([
      nr.tensor([
        [1, 0],
        [0, 1],
        [1, 1],
      ]),
      nr.tensor([10, 20]),
    ]);
    expect(await (d.apply(nr.tensor([[1, 2, 3]])) as nr.Tensor).array()).toEqual([[14, 25]]);
  });

  it('Dropout drops only while training and keeps the expected value', async () => {
    const d = nr.layers.dropout({ rate: 0.5, seed: 3 });
    const x = nr.ones([1000]).reshape([10, 100]);
    expect((await (d.apply(x, { training: false }) as nr.Tensor).sum().data())[0]).toBe(1000);
    const y = d.apply(x, { training: true }) as nr.Tensor;
    const values = new Set(Array.from(await y.data()));
    expect([...values].sort()).toEqual([0, 2]);
    expect((await y.mean().data())[0]).toBeGreaterThan(0.85);
    expect((await y.mean().data())[0]).toBeLessThan(1.15);
  });

  it('bad configs name the layer and the value', () => {
    expect(() => nr.layers.dropout({ rate: 1 })).toThrow(
      /Dropout: rate must be in \[0, 1\), received 1/,
    );
    expect(() => nr.layers.reshape({ targetShape: 3 as unknown as number[] })).toThrow(
      /Reshape: targetShape must be an array/,
    );
    expect(() => nr.layers.activation({ activation: 'nope' })).toThrow(/nope/);
  });
});

describe('layer calls outside tidy', () => {
  it('leave only their outputs', () => {
    const d = nr.layers.dense({ units: 3, activation: 'relu' });
    const x = nr.ones([2, 4]);
    d.apply(x); // builds
    const before = nr.memory().numTensors;
    const y = d.apply(x) as nr.Tensor;
    expect(nr.memory().numTensors - before).toBe(1);
    nr.dispose([x, y]);
  });
});
