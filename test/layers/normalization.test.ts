// BatchNormalization and LayerNormalization: the layer protocol, moving statistics, and torch references.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { BatchNormalization, LayerNormalization } from '../../src/layers/normalization.js';
import { checkLayer } from '../helpers/check_layer.js';
import { expectClose } from '../helpers/check_op.js';

interface Values {
  shape: number[];
  values: number[];
}
type Case = Record<string, Values> & { momentum: number; epsilon: number };
const fixtures = JSON.parse(
  readFileSync(
    join(dirname(fileURLToPath(import.meta.url)), '../fixtures/layers_seq.json'),
    'utf8',
  ),
) as Record<string, Case>;
const t = (v: Values) => nr.tensor(v.values, v.shape);
const TOL = 1e-4;
const close = async (y: nr.Tensor, want: Values, what: string) => {
  expect(y.shape, `${what}: shape`).toEqual(want.shape);
  expectClose(await y.data(), want.values, TOL, TOL, what);
};

describe('BatchNormalization', () => {
  it('BatchNormalization on features (rank 2)', async () => {
    await checkLayer({
      name: 'BatchNormalization',
      make: () => nr.layers.batchNormalization(),
      inputShape: [4, 3],
      expectedWeightShapes: [[3], [3], [3], [3]],
    });
  });
  it('BatchNormalization channels-first (axis 1, rank 4)', async () => {
    await checkLayer({
      name: 'BatchNormalization axis 1',
      make: () => nr.layers.batchNormalization({ axis: 1 }),
      inputShape: [2, 3, 4, 4],
      expectedWeightShapes: [[3], [3], [3], [3]],
    });
  });
  it('BatchNormalization in training mode (NHWC)', async () => {
    await checkLayer({
      name: 'BatchNormalization training',
      make: () => nr.layers.batchNormalization({ momentum: 0.5 }),
      inputShape: [2, 3, 3, 4],
      callArgs: { training: true },
    });
  });
  it('BatchNormalization without center and scale', async () => {
    await checkLayer({
      name: 'BatchNormalization plain',
      make: () => nr.layers.batchNormalization({ center: false, scale: false }),
      inputShape: [4, 5],
      expectedWeightShapes: [[5], [5]],
    });
  });

  it('matches torch in training mode, and updates the moving statistics like Keras', async () => {
    const c = fixtures.batchNormTraining;
    const layer = new BatchNormalization({ momentum: c.momentum, epsilon: c.epsilon });
    layer.build([null, 2, 2, 4]);
    layer.setWeights([t(c.gamma), t(c.beta), t(c.movingMean), t(c.movingVariance)]);
    const x = nr.variable(t(c.x));
    const w = t(c.w);
    const seen: nr.Tensor[] = [];
    const { grads } = nr.variableGrads(() => {
      const out = layer.apply(x, { training: true });
      seen.push(nr.keep(out.clone()));
      return out.mul(w).sum();
    }, [x, layer.gamma as nr.Variable, layer.beta as nr.Variable]);
    await close(seen[0], c.y, 'y');
    await close(grads[x.name], c.dx, 'dx');
    await close(grads[(layer.gamma as nr.Variable).name], c.dgamma, 'dgamma');
    await close(grads[(layer.beta as nr.Variable).name], c.dbeta, 'dbeta');
    await close(layer.movingMean as nr.Variable, c.newMovingMean, 'moving mean');
    await close(layer.movingVariance as nr.Variable, c.newMovingVariance, 'moving variance');
    layer.dispose();
  });

  it('matches torch at inference, using the moving statistics', async () => {
    const c = fixtures.batchNormInference;
    const layer = new BatchNormalization({ momentum: c.momentum, epsilon: c.epsilon });
    layer.build([null, 2, 2, 4]);
    layer.setWeights([t(c.gamma), t(c.beta), t(c.movingMean), t(c.movingVariance)]);
    const x = nr.variable(t(c.x));
    const w = t(c.w);
    await close(layer.apply(x, { training: false }), c.y, 'y');
    const { grads } = nr.variableGrads(
      () => layer.apply(x).mul(w).sum(),
      [x, layer.gamma as nr.Variable, layer.beta as nr.Variable],
    );
    await close(grads[x.name], c.dx, 'dx');
    await close(grads[(layer.gamma as nr.Variable).name], c.dgamma, 'dgamma');
    await close(grads[(layer.beta as nr.Variable).name], c.dbeta, 'dbeta');
    await close(layer.movingMean as nr.Variable, c.movingMean, 'moving mean unchanged');
    layer.dispose();
  });

  it('runs in inference mode when not trainable, even with training: true (Keras)', async () => {
    const layer = nr.layers.batchNormalization({ trainable: false });
    const x = nr.tensor([
      [1, 2],
      [3, 4],
    ]);
    const y = layer.apply(x, { training: true });
    // moving mean 0 and variance 1: y = x / sqrt(1 + 1e-3), and the statistics do not move
    expectClose(
      await y.data(),
      [1, 2, 3, 4].map((v) => v / Math.sqrt(1.001)),
      1e-6,
      1e-6,
    );
    expect(Array.from(await layer.weights[2].data())).toEqual([0, 0]);
  });

  it('weights the moments by a mask of the samples', async () => {
    const layer = nr.layers.batchNormalization({ momentum: 0 });
    const x = nr.tensor([
      [[1], [2], [100]],
      [[3], [4], [5]],
    ]);
    const mask = nr.tensor([
      [true, true, false],
      [true, true, true],
    ]);
    layer.apply(x, { training: true, mask });
    // the masked 100 is left out: mean of 1, 2, 3, 4, 5 = 3, variance 2
    expectClose(await layer.weights[2].data(), [3], 1e-5, 1e-5, 'moving mean');
    expectClose(await layer.weights[3].data(), [2], 1e-5, 1e-5, 'moving variance');
  });

  it('does not leak tensors in a training step', () => {
    const layer = nr.layers.batchNormalization();
    const x = nr.randomNormal([4, 3]);
    nr.tidy(() => layer.apply(x, { training: true }));
    const before = nr.memory().numTensors;
    nr.tidy(() => {
      const v = layer.trainableWeights;
      nr.variableGrads(() => layer.apply(x, { training: true }).square().sum(), v);
    });
    expect(nr.memory().numTensors).toBe(before);
  });

  it('rejects bad options, naming the layer and the value', () => {
    expect(() => nr.layers.batchNormalization({ momentum: 2 })).toThrow(
      /BatchNormalization: momentum must be a number in \[0, 1\], received 2/,
    );
    expect(() => nr.layers.batchNormalization({ epsilon: -1 })).toThrow(
      /epsilon must be a number >= 0, received -1/,
    );
    const layer = nr.layers.batchNormalization({ axis: 3, name: 'bn_bad' });
    expect(() => layer.apply(nr.zeros([2, 3]))).toThrow(/bn_bad: axis 3 is out of range/);
  });
});

describe('LayerNormalization', () => {
  it('LayerNormalization on the last axis', async () => {
    await checkLayer({
      name: 'LayerNormalization',
      make: () => nr.layers.layerNormalization(),
      inputShape: [2, 3, 6],
      expectedWeightShapes: [[6], [6]],
    });
  });
  it('LayerNormalization over axes [1, 2]', async () => {
    await checkLayer({
      name: 'LayerNormalization axes',
      make: () => nr.layers.layerNormalization({ axis: [1, 2] }),
      inputShape: [2, 3, 4],
      expectedWeightShapes: [
        [3, 4],
        [3, 4],
      ],
    });
  });
  it('LayerNormalization over a middle axis', async () => {
    await checkLayer({
      name: 'LayerNormalization axis 1',
      make: () => nr.layers.layerNormalization({ axis: 1, center: false }),
      inputShape: [2, 3, 4],
      expectedWeightShapes: [[3]],
    });
  });

  it('matches torch layer_norm with its gradients', async () => {
    const c = fixtures.layerNorm;
    const layer = new LayerNormalization({ epsilon: c.epsilon });
    layer.build([null, 3, 6]);
    layer.setWeights([t(c.gamma), t(c.beta)]);
    const x = nr.variable(t(c.x));
    const w = t(c.w);
    await close(layer.apply(x), c.y, 'y');
    const [gamma, beta] = layer.weights;
    const { grads } = nr.variableGrads(() => layer.apply(x).mul(w).sum(), [x, gamma, beta]);
    await close(grads[x.name], c.dx, 'dx');
    await close(grads[gamma.name], c.dgamma, 'dgamma');
    await close(grads[beta.name], c.dbeta, 'dbeta');
  });

  it('normalises each sample over its axes', async () => {
    const y = nr.layers.layerNormalization({ epsilon: 0 }).apply(
      nr.tensor([
        [1, 3],
        [10, 30],
      ]),
    );
    expectClose(await y.data(), [-1, 1, -1, 1], 1e-5, 1e-5);
  });

  it('rejects bad axes', () => {
    expect(() => nr.layers.layerNormalization({ axis: [] })).toThrow(
      /LayerNormalization: axis must be an integer or a non-empty array of integers/,
    );
    expect(() => nr.layers.layerNormalization({ axis: [1, 1] }).apply(nr.zeros([2, 3]))).toThrow(
      /duplicate axes/,
    );
  });
});
