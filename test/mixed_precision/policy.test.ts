// Dtype policies: Keras' mixed_float16 on layers and models (autocast, float32 variables, config, fit).
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';

const mp = nr.mixedPrecision;

beforeAll(async () => {
  await nr.setBackend('cpu');
});
afterEach(() => {
  mp.setGlobalPolicy('float32');
});

describe('DTypePolicy', () => {
  it('names its compute and variable dtypes', () => {
    const mixed = new mp.DTypePolicy('mixed_float16');
    expect([mixed.name, mixed.computeDtype, mixed.variableDtype, mixed.isMixed]).toEqual([
      'mixed_float16',
      'float16',
      'float32',
      true,
    ]);
    const half = new mp.DTypePolicy('float16');
    expect([half.computeDtype, half.variableDtype, half.isMixed]).toEqual([
      'float16',
      'float16',
      false,
    ]);
    expect(String(mixed)).toBe('<DTypePolicy "mixed_float16">');
    expect(mp.DTypePolicy.fromConfig(mixed.getConfig()).name).toBe('mixed_float16');
  });

  it('sets and gets the global policy', () => {
    expect(mp.getGlobalPolicy().name).toBe('float32');
    mp.setGlobalPolicy('mixed_float16');
    expect(mp.getGlobalPolicy().name).toBe('mixed_float16');
    mp.setGlobalPolicy(new mp.DTypePolicy('float16'));
    expect(mp.getGlobalPolicy().computeDtype).toBe('float16');
  });

  it('rejects unknown policy names, naming the argument and the value', () => {
    expect(() => mp.setGlobalPolicy('mixed_bfloat16' as nr.mixedPrecision.PolicyName)).toThrow(
      /setGlobalPolicy: policy must be a dtype policy name .*received 'mixed_bfloat16'/,
    );
    expect(() => new mp.DTypePolicy('half' as nr.mixedPrecision.PolicyName)).toThrow(
      /DTypePolicy: name must be one of .*received 'half'/,
    );
    expect(() =>
      nr.layers.dense({ units: 2, dtype: 'float64' as nr.mixedPrecision.PolicyName }),
    ).toThrow(/Dense: dtype must be a dtype policy name .*received 'float64'/);
    expect(mp.getGlobalPolicy().name).toBe('float32');
  });
});

describe('layers under mixed_float16', () => {
  it('Dense keeps float32 variables and outputs float16; a float32 layer outputs float32', () => {
    mp.setGlobalPolicy('mixed_float16');
    const dense = nr.layers.dense({ units: 3, activation: 'relu' });
    const softmax = nr.layers.activation({ activation: 'softmax', dtype: 'float32' });
    const x = nr.randomNormal([2, 4], 0, 1, 'float32', 1);
    const h = dense.apply(x);
    expect(dense.dtypePolicy.name).toBe('mixed_float16');
    expect([dense.dtype, dense.computeDtype]).toEqual(['float32', 'float16']);
    expect(dense.weights.map((w) => w.dtype)).toEqual(['float32', 'float32']);
    expect(h.dtype).toBe('float16');
    // the float16 result is the float16 computation: inputs and weights rounded, then the product
    const [k, b] = dense.weights;
    const ref = nr.relu(x.cast('float16').matMul(k.cast('float16')).add(b.cast('float16')));
    expect(Array.from(h.dataSync())).toEqual(Array.from(ref.dataSync()));
    const y = softmax.apply(h);
    expect(y.dtype).toBe('float32');
  });

  it('Conv2D keeps float32 variables and outputs float16; gradients reach them in float32', () => {
    const conv = nr.layers.conv2d({ filters: 2, kernelSize: 3, dtype: 'mixed_float16' });
    const x = nr.randomNormal([1, 5, 5, 1], 0, 1, 'float32', 2);
    expect(conv.apply(x).dtype).toBe('float16');
    expect(conv.weights.map((w) => w.dtype)).toEqual(['float32', 'float32']);
    const { grads } = nr.variableGrads(
      () => conv.apply(x).cast('float32').square().sum(),
      conv.trainableWeights,
    );
    expect(Object.values(grads).map((g) => g.dtype)).toEqual(['float32', 'float32']);
  });

  it('BatchNormalization keeps float32 moving statistics and outputs float16', () => {
    const bn = nr.layers.batchNormalization({ dtype: 'mixed_float16' });
    const x = nr.randomNormal([8, 3], 2, 1, 'float32', 3);
    const y = bn.apply(x, { training: true });
    expect(y.dtype).toBe('float16');
    expect(bn.weights.map((w) => w.dtype)).toEqual(['float32', 'float32', 'float32', 'float32']);
    expect(bn.weights[2].dataSync()[0]).not.toBe(0); // the moving mean moved
  });

  it('layers that compute parts in float32 (LSTM, LayerNormalization) still output float16', () => {
    mp.setGlobalPolicy('mixed_float16');
    const x = nr.randomNormal([2, 5, 3], 0, 1, 'float32', 4);
    for (const layer of [
      nr.layers.lstm({ units: 4 }),
      nr.layers.layerNormalization({}),
      nr.layers.globalAveragePooling1d({}),
    ]) {
      expect(layer.apply(x).dtype, layer.getClassName()).toBe('float16');
      expect(layer.weights.every((w) => w.dtype === 'float32')).toBe(true);
    }
  });

  it("the 'float16' policy makes float16 variables", () => {
    const dense = nr.layers.dense({ units: 2, dtype: 'float16' });
    const y = dense.apply(nr.ones([1, 3]));
    expect(dense.weights.map((w) => w.dtype)).toEqual(['float16', 'float16']);
    expect(y.dtype).toBe('float16');
  });

  it('config round trips: the policy name, or a Keras policy config', () => {
    mp.setGlobalPolicy('mixed_float16');
    const dense = nr.layers.dense({ units: 2 });
    const config = dense.getConfig();
    expect(config.dtype).toBe('mixed_float16');
    mp.setGlobalPolicy('float32');
    const again = nr.layers.deserializeLayer({ className: 'Dense', config });
    expect(again.dtypePolicy.name).toBe('mixed_float16');
    const keras = nr.layers.deserializeLayer({
      className: 'Dense',
      config: {
        units: 2,
        dtype: {
          module: 'keras',
          class_name: 'DTypePolicy',
          config: { name: 'mixed_float16' },
          registered_name: null,
        },
      },
    });
    expect(keras.computeDtype).toBe('float16');
    expect(nr.layers.dense({ units: 1 }).getConfig().dtype).toBe('float32');
  });
});

describe('training under mixed_float16', () => {
  it('compile wraps the optimizer in a LossScaleOptimizer and fit lowers the loss', async () => {
    mp.setGlobalPolicy('mixed_float16');
    const model = nr.sequential({
      layers: [
        nr.layers.dense({ units: 16, activation: 'tanh', inputShape: [2] }),
        nr.layers.dense({ units: 1 }),
        nr.layers.activation({ activation: 'linear', dtype: 'float32' }),
      ],
    });
    const adam = new nr.optimizers.Adam({ learningRate: 0.02 });
    model.compile({ optimizer: adam, loss: 'meanSquaredError' });
    expect(model.optimizer).toBeInstanceOf(mp.LossScaleOptimizer);
    const lso = model.optimizer as InstanceType<typeof mp.LossScaleOptimizer>;
    expect(lso.innerOptimizer).toBe(adam);
    // recompiling with the same optimizer keeps the wrapper (and its state)
    model.compile({ optimizer: adam, loss: 'meanSquaredError' });
    expect(model.optimizer).toBe(lso);
    const x = nr.randomUniform([64, 2], -1, 1, 'float32', 7);
    const y = x
      .slice([0, 0], [64, 1])
      .mul(x.slice([0, 1], [64, 1]))
      .add(0.5);
    const history = await model.fit(x, y, { epochs: 30, batchSize: 16, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] * 0.5);
    expect((model.predict(x) as nr.Tensor).dtype).toBe('float32');
    expect(model.weights.every((w) => w.dtype === 'float32')).toBe(true);
    expect(lso.iterations.dataSync()[0]).toBeGreaterThan(100);
  });

  it('a float32 model compiles without loss scaling', () => {
    const model = nr.sequential({ layers: [nr.layers.dense({ units: 1, inputShape: [2] })] });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    expect(model.optimizer).not.toBeInstanceOf(mp.LossScaleOptimizer);
  });
});
