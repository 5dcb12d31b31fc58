// Convolution layers: the layer checker for every configuration, known values, errors, and torch fixtures.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import type { Config } from '../../src/core/serialization.js';
import { deserializeLayer } from '../../src/layers/registry.js';
import { checkLayer } from '../helpers/check_layer.js';
import { expectClose } from '../helpers/check_op.js';

const L = nr.layers;

describe('convolution layers (layer checker)', () => {
  it('Conv1D valid', () =>
    checkLayer({
      name: 'Conv1D',
      make: () => L.conv1d({ filters: 4, kernelSize: 3 }),
      inputShape: [2, 7, 3],
      expectedOutputShape: [2, 5, 4],
      expectedWeightShapes: [[3, 3, 4], [4]],
    }));
  it('Conv1D same, stride 2, channelsFirst', () =>
    checkLayer({
      name: 'Conv1D cf',
      make: () =>
        L.conv1d({
          filters: 2,
          kernelSize: 3,
          strides: 2,
          padding: 'same',
          dataFormat: 'channelsFirst',
        }),
      inputShape: [2, 3, 7],
      expectedOutputShape: [2, 2, 4],
    }));
  it('Conv1D causal, dilation 2', () =>
    checkLayer({
      name: 'Conv1D causal',
      make: () =>
        L.conv1d({
          filters: 2,
          kernelSize: 2,
          padding: 'causal',
          dilationRate: 2,
          activation: 'tanh',
        }),
      inputShape: [2, 6, 2],
      expectedOutputShape: [2, 6, 2],
    }));
  it('Conv2D valid', () =>
    checkLayer({
      name: 'Conv2D',
      make: () => L.conv2d({ filters: 3, kernelSize: 3 }),
      inputShape: [2, 6, 5, 2],
      expectedOutputShape: [2, 4, 3, 3],
      expectedWeightShapes: [[3, 3, 2, 3], [3]],
    }));
  it('Conv2D same, stride 2, no bias, regularized', () =>
    checkLayer({
      name: 'Conv2D same',
      make: () =>
        L.conv2d({
          filters: 2,
          kernelSize: [3, 2],
          strides: 2,
          padding: 'same',
          useBias: false,
          kernelRegularizer: 'l2',
          kernelConstraint: 'maxNorm',
          kernelInitializer: 'heNormal',
        }),
      inputShape: [2, 7, 6, 2],
      expectedOutputShape: [2, 4, 3, 2],
      expectedWeightShapes: [[3, 2, 2, 2]],
    }));
  it('Conv2D channelsFirst, dilation 2', () =>
    checkLayer({
      name: 'Conv2D cf',
      make: () =>
        L.conv2d({ filters: 2, kernelSize: 3, dilationRate: 2, dataFormat: 'channels_first' }),
      inputShape: [2, 3, 7, 7],
      expectedOutputShape: [2, 2, 3, 3],
    }));
  it('Conv2DTranspose same, stride 2', () =>
    checkLayer({
      name: 'Conv2DTranspose',
      make: () => L.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' }),
      inputShape: [2, 3, 4, 3],
      expectedOutputShape: [2, 6, 8, 2],
      expectedWeightShapes: [[3, 3, 2, 3], [2]],
    }));
  it('Conv2DTranspose valid, channelsFirst', () =>
    checkLayer({
      name: 'Conv2DTranspose cf',
      make: () =>
        L.conv2dTranspose({ filters: 3, kernelSize: 2, strides: 2, dataFormat: 'channelsFirst' }),
      inputShape: [1, 2, 3, 3],
      expectedOutputShape: [1, 3, 6, 6],
    }));
  it('Conv2DTranspose with outputPadding', () =>
    checkLayer({
      name: 'Conv2DTranspose op',
      make: () =>
        L.conv2dTranspose({
          filters: 2,
          kernelSize: 3,
          strides: 2,
          padding: 'same',
          outputPadding: 0,
        }),
      inputShape: [1, 4, 4, 2],
      expectedOutputShape: [1, 7, 7, 2],
    }));
  it('DepthwiseConv2D multiplier 2', () =>
    checkLayer({
      name: 'DepthwiseConv2D',
      make: () => L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same' }),
      inputShape: [2, 5, 5, 3],
      expectedOutputShape: [2, 5, 5, 6],
      expectedWeightShapes: [[3, 3, 3, 2], [6]],
    }));
  it('DepthwiseConv2D channelsFirst, stride 2', () =>
    checkLayer({
      name: 'DepthwiseConv2D cf',
      make: () =>
        L.depthwiseConv2d({
          kernelSize: 2,
          strides: 2,
          dataFormat: 'channelsFirst',
          depthwiseInitializer: 'heUniform',
        }),
      inputShape: [1, 2, 6, 6],
      expectedOutputShape: [1, 2, 3, 3],
    }));
  it('SeparableConv2D', () =>
    checkLayer({
      name: 'SeparableConv2D',
      make: () =>
        L.separableConv2d({
          filters: 4,
          kernelSize: 3,
          depthMultiplier: 2,
          activation: 'relu',
          pointwiseInitializer: 'glorotNormal',
        }),
      inputShape: [2, 6, 6, 2],
      expectedOutputShape: [2, 4, 4, 4],
      expectedWeightShapes: [[3, 3, 2, 2], [1, 1, 4, 4], [4]],
    }));
  it('SeparableConv2D channelsFirst, same', () =>
    checkLayer({
      name: 'SeparableConv2D cf',
      make: () =>
        L.separableConv2d({
          filters: 2,
          kernelSize: 3,
          padding: 'same',
          dataFormat: 'channelsFirst',
        }),
      inputShape: [1, 3, 5, 5],
      expectedOutputShape: [1, 2, 5, 5],
    }));
});

describe('convolution layers: values and errors', () => {
  it('Conv2D with a ones kernel sums each window', async () => {
    const c = L.conv2d({ filters: 1, kernelSize: 2, kernelInitializer: 'ones' });
    const x = nr.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    expect(await (c.apply(x) as nr.Tensor).array()).toEqual([
      [
        [[12], [16]],
        [[24], [28]],
      ],
    ]);
  });

  it('Conv1D causal output at t sees only inputs <= t', async () => {
    const c = L.conv1d({
      filters: 1,
      kernelSize: 2,
      padding: 'causal',
      kernelInitializer: 'ones',
      useBias: false,
    });
    const y = c.apply(nr.tensor([1, 2, 4, 8], [1, 4, 1])) as nr.Tensor;
    expect(Array.from(await y.data())).toEqual([1, 3, 6, 12]);
  });

  it('accepts Keras spellings and writes tfjs ones in the config', () => {
    const c = L.conv2d({
      filters: 2,
      kernelSize: 3,
      dataFormat: 'channels_first',
      padding: 'SAME' as 'same',
    });
    const config = c.getConfig();
    expect(config).toMatchObject({
      filters: 2,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dataFormat: 'channelsFirst',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: true,
    });
    expect(config.kernelInitializer).toMatchObject({ className: 'GlorotUniform' });
  });

  it('bad options name the layer, the option and the value', () => {
    expect(() => L.conv2d({ filters: 0, kernelSize: 3 })).toThrow(
      'Conv2D: filters must be a positive integer, received 0',
    );
    expect(() => L.conv1d({ filters: 2.5, kernelSize: 3 })).toThrow(
      'Conv1D: filters must be a positive integer, received 2.5',
    );
    expect(() => L.conv2d({ filters: 2, kernelSize: [3, 3, 3] })).toThrow(
      /Conv2D: kernelSize must be a positive integer or an array of 2 of them, received \[3,3,3\]/,
    );
    expect(() => L.conv2d({ filters: 2, kernelSize: 3, padding: 'full' as 'same' })).toThrow(
      /Conv2D: padding must be 'valid' or 'same', received 'full'/,
    );
    expect(() => L.conv2d({ filters: 2, kernelSize: 3, padding: 'causal' })).toThrow(
      /Conv2D: padding must be 'valid' or 'same'/,
    );
    expect(() =>
      L.conv2d({ filters: 2, kernelSize: 3, dataFormat: 'NHWC' as 'channelsLast' }),
    ).toThrow(/Conv2D: dataFormat must be 'channelsLast' or 'channelsFirst', received 'NHWC'/);
    expect(() => L.conv2d({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 })).toThrow(
      /Conv2D: strides > 1 cannot be combined with dilationRate > 1/,
    );
    expect(() => L.conv2dTranspose({ filters: 2, kernelSize: 3, dilationRate: 2 })).toThrow(
      /Conv2DTranspose: dilationRate other than 1 is not supported/,
    );
    expect(() =>
      L.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, outputPadding: 2 }),
    ).toThrow(/Conv2DTranspose: outputPadding must be smaller than strides/);
    expect(() => L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 0 })).toThrow(
      'DepthwiseConv2D: depthMultiplier must be a positive integer, received 0',
    );
    expect(() => L.separableConv2d({ filters: -1, kernelSize: 3 })).toThrow(
      'SeparableConv2D: filters must be a positive integer, received -1',
    );
  });

  it('checks the input channels on every call, naming the layer', () => {
    const c = L.conv2d({ filters: 2, kernelSize: 3, name: 'conv_rgb' });
    c.apply(nr.zeros([1, 5, 5, 3]));
    expect(() => c.apply(nr.zeros([1, 28, 28, 1]))).toThrow(
      'conv_rgb: expected input with last dimension 3, received shape (1, 28, 28, 1)',
    );
    const sym = nr.input({ shape: [28, 28, 1] });
    expect(() => c.apply(sym)).toThrow(
      'conv_rgb: expected input with last dimension 3, received shape (None, 28, 28, 1)',
    );
    expect(() =>
      L.conv2d({ filters: 2, kernelSize: 3, name: 'conv_rank' }).apply(nr.zeros([5, 5, 3])),
    ).toThrow('conv_rank: expected input of rank 4, received shape (5, 5, 3)');
    const cf = L.depthwiseConv2d({ kernelSize: 1, dataFormat: 'channelsFirst', name: 'dw_cf' });
    cf.apply(nr.zeros([1, 3, 4, 4]));
    expect(() => cf.apply(nr.zeros([1, 2, 4, 4]))).toThrow(
      'dw_cf: expected input with channel dimension (axis 1) 3, received shape (1, 2, 4, 4)',
    );
  });

  it('computes symbolic shapes with unknown spatial sizes', () => {
    const y = L.conv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'same' }).apply(
      nr.input({ shape: [null, 9, 3] }),
    );
    expect(y.shape).toEqual([null, null, 5, 5]);
    const t = L.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2 }).apply(
      nr.input({ shape: [5, null, 3] }),
    );
    expect(t.shape).toEqual([null, 11, null, 4]);
  });
});

interface FixtureTensor {
  shape: number[];
  values: number[];
}
interface FixtureCase {
  name: string;
  className: string;
  config: Config;
  x: FixtureTensor;
  weights: (FixtureTensor & { name: string })[];
  r: FixtureTensor;
  y: FixtureTensor;
  dx: FixtureTensor;
  dweights: FixtureTensor[];
}

const fixtures = JSON.parse(
  readFileSync(new URL('../fixtures/layers_conv.json', import.meta.url), 'utf8'),
) as { cases: FixtureCase[] };
const toTensor = (t: FixtureTensor) => nr.tensor(t.values, t.shape);

describe('convolution layers against PyTorch (float64) fixtures', () => {
  it.each(fixtures.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const layer = deserializeLayer({ className: c.className, config: c.config });
    const x = toTensor(c.x);
    const r = toTensor(c.r);
    layer.apply(x);
    expect(layer.weights.map((w) => w.shape.slice())).toEqual(c.weights.map((w) => w.shape));
    layer.setWeights(c.weights.map(toTensor));
    const y = layer.apply(x) as nr.Tensor;
    expect(y.shape).toEqual(c.y.shape);
    expectClose(await y.data(), c.y.values, 1e-4, 1e-4, `${c.name}: output`);

    const loss = (input: nr.Tensor) => (layer.apply(input) as nr.Tensor).mul(r).sum();
    const [dx] = nr.grads((input) => loss(input))([x]);
    expectClose(await dx.data(), c.dx.values, 1e-4, 1e-4, `${c.name}: d/dx`);
    const { grads } = nr.variableGrads(() => loss(x), layer.trainableWeights);
    for (const [i, w] of layer.trainableWeights.entries())
      expectClose(
        await grads[w.name].data(),
        c.dweights[i].values,
        1e-4,
        1e-4,
        `${c.name}: d/d${c.weights[i].name}`,
      );
    layer.dispose();
  });
});
