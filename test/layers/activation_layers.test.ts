// Activation layers (ReLU, LeakyReLU, PReLU, ELU, Softmax, ThresholdedReLU, Identity): layer checks, known values, gradients.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { checkLayer } from '../helpers/check_layer.js';
import { checkGradient, testBackends } from '../helpers/check_op.js';

const X = [-3, -1, -0.25, 0, 0.5, 1, 2, 7];

async function values(layer: nr.layers.Layer, x: number[] = X): Promise<number[]> {
  const t = nr.tensor([x]);
  const y = layer.apply(t) as nr.Tensor;
  const out = Array.from(await y.data());
  nr.dispose([t, y]);
  return out;
}

const close = (a: number[], b: number[]) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 5));

describe('activation layers: the layer check', () => {
  it.each([
    ['ReLU', () => nr.layers.reLU({ maxValue: 6, negativeSlope: 0.1, threshold: 0.2 })],
    ['LeakyReLU', () => nr.layers.leakyReLU({ alpha: 0.2 })],
    ['PReLU', () => nr.layers.prelu({ alphaInitializer: 'ones', sharedAxes: [1] })],
    ['ELU', () => nr.layers.elu({ alpha: 0.7 })],
    ['Softmax', () => nr.layers.softmax({ axis: 1 })],
    ['Softmax over two axes', () => nr.layers.softmax({ axis: [1, 2] })],
    ['ThresholdedReLU', () => nr.layers.thresholdedReLU({ theta: 0.3 })],
    ['Identity', () => nr.layers.identity()],
  ] as const)('%s', (name, make) =>
    checkLayer({ name, make, inputShape: [2, 3, 4] }),
  );
  it('PReLU weight shape: one slope per feature, 1 on shared axes', () =>
    checkLayer({
      name: 'PReLU shared',
      make: () => nr.layers.prelu({ sharedAxes: [1, 2], alphaInitializer: 'ones' }),
      inputShape: [2, 3, 4, 5],
      expectedWeightShapes: [[1, 1, 5]],
    }));
});

describe('activation layers: known values (Keras 3 formulas)', () => {
  it('ReLU: plain, clipped, with slope and threshold', async () => {
    close(await values(nr.layers.reLU()), X.map((v) => Math.max(v, 0)));
    close(await values(nr.layers.reLU({ maxValue: 1 })), X.map((v) => Math.min(Math.max(v, 0), 1)));
    const ref = (v: number) => Math.min(v >= 1 ? v : 0.5 * (v - 1), 6);
    close(await values(nr.layers.reLU({ maxValue: 6, negativeSlope: 0.5, threshold: 1 })), X.map(ref));
    expect(() => nr.layers.reLU({ maxValue: -1 })).toThrow(/maxValue/);
  });
  it('LeakyReLU: tfjs alpha and Keras negativeSlope (default 0.3)', async () => {
    close(await values(nr.layers.leakyReLU()), X.map((v) => (v >= 0 ? v : 0.3 * v)));
    close(await values(nr.layers.leakyReLU({ alpha: 0.1 })), X.map((v) => (v >= 0 ? v : 0.1 * v)));
    expect(nr.layers.leakyReLU({ alpha: 0.1 }).getConfig().negativeSlope).toBe(0.1);
  });
  it('PReLU: learned slopes', async () => {
    const l = nr.layers.prelu();
    await values(l);
    l.setWeights([nr.tensor([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])]);
    close(await values(l), X.map((v, i) => (v >= 0 ? v : (i + 1) * 0.1 * v)));
  });
  it('ELU, ThresholdedReLU, Identity', async () => {
    close(await values(nr.layers.elu({ alpha: 0.5 })), X.map((v) => (v > 0 ? v : 0.5 * Math.expm1(v))));
    close(await values(nr.layers.thresholdedReLU({ theta: 0.5 })), X.map((v) => (v > 0.5 ? v : 0)));
    close(await values(nr.layers.identity()), X);
  });
  it('Softmax, and a mask that zeroes positions', async () => {
    const e = X.map(Math.exp);
    const s = e.reduce((a, b) => a + b);
    close(await values(nr.layers.softmax()), e.map((v) => v / s));
    const x = nr.tensor([[1, 2, 3]]);
    const y = nr.layers.softmax().apply(x, { mask: nr.tensor([[1, 0, 1]], undefined, 'bool') }) as nr.Tensor;
    const d = Math.exp(1) + Math.exp(3);
    close(Array.from(await y.data()), [Math.exp(1) / d, 0, Math.exp(3) / d]);
  });
});

describe.each(testBackends())('activation layers: gradients on %s', (backend) => {
  it.each([
    ['ReLU', () => nr.layers.reLU({ maxValue: 1.5, negativeSlope: 0.2, threshold: 0.1 })],
    ['LeakyReLU', () => nr.layers.leakyReLU({ alpha: 0.2 })],
    ['ELU', () => nr.layers.elu({ alpha: 0.7 })],
    ['Softmax', () => nr.layers.softmax()],
    ['ThresholdedReLU', () => nr.layers.thresholdedReLU({ theta: 0.3 })],
  ] as const)('%s', (name, make) =>
    checkGradient(
      {
        name,
        fn: (x) => make().apply(x) as nr.Tensor,
        // away from the kinks, where central differences straddle two slopes
        inputs: [{ shape: [2, 5], awayFrom: [0, 0.1, 0.3, 1.5] }],
      },
      backend,
    ),
  );
});
