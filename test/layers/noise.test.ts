// Noise layers and ActivityRegularization: the layer checker, training-only noise statistics, activity losses.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { checkLayer } from '../helpers/check_layer.js';
import { expectClose } from '../helpers/check_op.js';

const L = nr.layers;
const out = (t: nr.Tensor | nr.Tensor[]) => t as nr.Tensor;
const values = async (t: nr.Tensor) => Array.from(await t.data());
const meanOf = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
const stdOf = (v: number[]) => {
  const m = meanOf(v);
  return Math.sqrt(meanOf(v.map((x) => (x - m) ** 2)));
};

describe('noise layers (layer checker)', () => {
  it('GaussianNoise', () =>
    checkLayer({
      name: 'GaussianNoise',
      make: () => L.gaussianNoise({ stddev: 0.3, seed: 1 }),
      inputShape: [2, 5],
    }));
  it('GaussianDropout', () =>
    checkLayer({
      name: 'GaussianDropout',
      make: () => L.gaussianDropout({ rate: 0.4 }),
      inputShape: [2, 3, 4],
    }));
  it('SpatialDropout1D', () =>
    checkLayer({
      name: 'SpatialDropout1D',
      make: () => L.spatialDropout1d({ rate: 0.5, seed: 3 }),
      inputShape: [2, 6, 4],
    }));
  it('SpatialDropout2D channelsFirst', () =>
    checkLayer({
      name: 'SpatialDropout2D',
      make: () => L.spatialDropout2d({ rate: 0.5, dataFormat: 'channelsFirst' }),
      inputShape: [2, 3, 4, 4],
    }));
  it('ActivityRegularization', () =>
    checkLayer({
      name: 'ActivityRegularization',
      make: () => L.activityRegularization({ l1: 0.01, l2: 0.1 }),
      inputShape: [2, 4],
    }));
});

describe('noise layers: training-only noise', () => {
  const x = nr.ones([200, 50]);

  it('GaussianNoise adds N(0, stddev) only while training; a seed repeats the sequence', async () => {
    expect(await out(L.gaussianNoise({ stddev: 0.5 }).apply(x)).array()).toEqual(await x.array());
    const noise = await values(
      out(L.gaussianNoise({ stddev: 0.5, seed: 11 }).apply(x, { training: true })).sub(1),
    );
    expect(Math.abs(meanOf(noise))).toBeLessThan(0.02);
    expect(stdOf(noise)).toBeGreaterThan(0.48);
    expect(stdOf(noise)).toBeLessThan(0.52);
    const a = L.gaussianNoise({ stddev: 1, seed: 5 });
    const b = L.gaussianNoise({ stddev: 1, seed: 5 });
    const a1 = await values(out(a.apply(x, { training: true })));
    expect(await values(out(b.apply(x, { training: true })))).toEqual(a1);
    expect(await values(out(a.apply(x, { training: true })))).not.toEqual(a1);
  });

  it('GaussianDropout multiplies by N(1, sqrt(rate / (1 - rate)))', async () => {
    const y = await values(
      out(L.gaussianDropout({ rate: 0.2, seed: 4 }).apply(x, { training: true })),
    );
    expect(Math.abs(meanOf(y) - 1)).toBeLessThan(0.02);
    expect(stdOf(y)).toBeGreaterThan(0.48);
    expect(stdOf(y)).toBeLessThan(0.52);
  });

  it('SpatialDropout drops whole channels and rescales the rest', async () => {
    const x3 = nr.ones([4, 10, 16]);
    const y = (await out(
      L.spatialDropout1d({ rate: 0.5, seed: 9 }).apply(x3, { training: true }),
    ).array()) as number[][][];
    for (const sample of y) {
      for (let c = 0; c < 16; c++) {
        const col = sample.map((step) => step[c]);
        expect(new Set(col).size).toBe(1);
        expect([0, 2]).toContain(col[0]);
      }
    }
    const x4 = nr.ones([2, 8, 3, 3]);
    const y4 = out(
      L.spatialDropout2d({ rate: 0.5, seed: 2, dataFormat: 'channelsFirst' }).apply(x4, {
        training: true,
      }),
    );
    const mins = await values(y4.reshape([16, 9]).min(1));
    const perMap = (await values(y4.reshape([16, 9]).max(1))).map((m, i) => [m, mins[i]]);
    for (const [mx, mn] of perMap) expect(mx).toBe(mn);
  });

  it('bad options name the layer and the value', () => {
    expect(() => L.gaussianNoise({ stddev: -1 })).toThrow(
      'GaussianNoise: stddev must be a non-negative number, received -1',
    );
    expect(() => L.gaussianDropout({ rate: 1 })).toThrow(
      'GaussianDropout: rate must be a number in [0, 1), received 1',
    );
    expect(() => L.spatialDropout1d({ rate: 0.5, seed: 1.5 })).toThrow(
      'SpatialDropout1D: seed must be an integer, received 1.5',
    );
    expect(() => L.spatialDropout2d({ rate: 0.1, name: 'sd' }).apply(nr.ones([2, 3, 4]))).toThrow(
      'sd: expected input of rank 4, received shape (2, 3, 4)',
    );
    expect(() => L.activityRegularization({ l1: -0.1 })).toThrow(
      'ActivityRegularization: l1 must be a non-negative number, received -0.1',
    );
  });
});

describe('ActivityRegularization: penalties reach the loss', () => {
  it('records l1·sum|x| + l2·sum(x²) and passes the input through', async () => {
    const r = L.activityRegularization({ l1: 0.5, l2: 0.25 });
    const x = nr.tensor([
      [1, -2],
      [3, 0],
    ]);
    expect(await out(r.apply(x)).array()).toEqual(await x.array());
    expect(r.losses).toHaveLength(1);
    expectClose(await r.losses[0].data(), [0.5 * 6 + 0.25 * 14], 1e-6, 1e-6, 'penalty');
    const none = L.activityRegularization();
    none.apply(x);
    expect(L.collectActivityLosses(none)).toEqual([]);
  });

  it('collectActivityLosses finds them inside a model, drains them, and they carry gradients', async () => {
    const inp = nr.input({ shape: [3] });
    const dense = L.dense({ units: 2, useBias: false, kernelInitializer: 'ones' });
    const reg = L.activityRegularization({ l2: 0.1 });
    const model = nr.model({
      inputs: inp,
      outputs: L.dense({ units: 1 }).apply(reg.apply(dense.apply(inp))),
    });
    const x = nr.tensor([
      [1, 2, 3],
      [0, 1, 0],
    ]);
    const kernel = dense.trainableWeights[0];
    const { value, grads } = nr.variableGrads(() => {
      model.apply(x, { training: true });
      const penalties = L.collectActivityLosses(model);
      expect(penalties).toHaveLength(1);
      return penalties[0];
    }, [kernel]);
    // h = x·W (W = ones) = [[6, 6], [1, 1]]; penalty 0.1·sum(h²) = 7.4; dP/dW = 0.2·xᵀh
    expectClose(await value.data(), [7.4], 1e-5, 1e-5, 'penalty');
    expectClose(
      await grads[kernel.name].data(),
      [1.2, 1.2, 2.6, 2.6, 3.6, 3.6],
      1e-5,
      1e-5,
      'dP/dW',
    );
    expect(L.collectActivityLosses(model)).toEqual([]);
  });
});
