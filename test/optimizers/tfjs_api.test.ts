// tfjs' optimizer surface (tf.train.*, SGDOptimizer, ...): formulas, state names, tensor counts, config, compile.
import { afterEach, describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';

afterEach(() => nr.disposeVariables());

async function values(t: nr.Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

describe('tf.train.* (tfjs semantics)', () => {
  it('sgd: w -= lr·g; iterations is a number; returnCost gives the loss', async () => {
    const opt = nr.train.sgd(0.1);
    const w = nr.scalar(4).variable();
    expect(opt.iterations).toBe(0);
    const cost = opt.minimize(() => w.square(), true);
    expect(cost).not.toBeNull();
    expect(await values(cost!)).toEqual([16]);
    cost!.dispose();
    expect(opt.minimize(() => w.square())).toBeNull();
    expect((await values(w))[0]).toBeCloseTo(4 - 0.8 - 0.1 * 2 * 3.2, 5);
    expect(opt.iterations).toBe(2);
    opt.dispose();
  });

  it('adam adds epsilon to the bias-corrected √v̂ (tfjs), Keras adds it to √v', async () => {
    // one step from m = v = 0 with g = 2: m̂ = 2, v̂ = 4; tfjs: w -= lr·2/(2 + ε); with a large ε the
    // placements differ visibly: Keras gives w -= lr·√(1-β2)/(1-β1) · 0.2/(√0.04 + ε)
    const eps = 0.5;
    const tf = nr.train.adam(0.1, 0.9, 0.99, eps);
    const w1 = nr.scalar(1).variable();
    tf.minimize(() => w1.square());
    expect((await values(w1))[0]).toBeCloseTo(1 - (0.1 * 2) / (2 + eps), 6);
    const keras = new nr.optimizers.Adam({
      learningRate: 0.1,
      beta1: 0.9,
      beta2: 0.99,
      epsilon: eps,
    });
    const w2 = nr.scalar(1).variable();
    keras.minimize(() => w2.square(), false, [w2]);
    const m = 0.1 * 2;
    const v = 0.01 * 4;
    const expected = 1 - ((0.1 * Math.sqrt(1 - 0.99)) / (1 - 0.9)) * (m / (Math.sqrt(v) + eps));
    expect((await values(w2))[0]).toBeCloseTo(expected, 6);
    tf.dispose();
    keras.dispose();
  });

  it('adadelta divides by the mean square before this step (tfjs)', async () => {
    // first step: E[g²] and E[Δ²] are 0, so Δ = -g exactly; w = 1 - lr·2
    const opt = nr.train.adadelta(0.1, 0.95);
    const w = nr.tensor1d([1, 2]).variable();
    opt.minimize(() => w.square().sum());
    const got = await values(w);
    expect(got[0]).toBeCloseTo(0.8, 5);
    expect(got[1]).toBeCloseTo(1.6, 5);
    opt.dispose();
  });

  it('rmsprop with centered momentum matches the formulas', async () => {
    const opt = nr.train.rmsprop(0.1, 0.95, 0.1, 1e-8, true);
    const w = nr.tensor1d([1, 2]).variable();
    opt.minimize(() => w.square().sum());
    // ms = 0.05·g², mg = 0.05·g, step = lr·g/√(ms - mg² + ε)
    const step = (g: number) => (0.1 * g) / Math.sqrt(0.05 * g * g - (0.05 * g) ** 2 + 1e-8);
    const got = await values(w);
    expect(got[0]).toBeCloseTo(1 - step(2), 4);
    expect(got[1]).toBeCloseTo(2 - step(4), 4);
    opt.dispose();
  });

  it('a step adds only the per-variable slots; dispose frees them and the step count', () => {
    const before = nr.memory().numTensors;
    const opt = nr.train.adam(0.1);
    const w = nr.tensor1d([2, 4]).variable();
    const stray = nr.scalar(-1).variable(); // trainable, not used by f: no slots for it
    const afterSetup = nr.memory().numTensors;
    opt.minimize(() => w.square().sum());
    expect(nr.memory().numTensors).toBe(afterSetup + 2);
    opt.minimize(() => w.square().sum());
    expect(nr.memory().numTensors).toBe(afterSetup + 2);
    opt.dispose();
    w.dispose();
    stray.dispose();
    // what stays: the two tensors .variable() was called on
    expect(nr.memory().numTensors).toBe(before + 2);
  });

  it('getWeights names state as tfjs (iter, then slots grouped by kind); setWeights resumes', async () => {
    const opt1 = nr.train.adam(0.1, 0.8, 0.9);
    const a = nr.tensor1d([2, 4]).variable(true, 'tfjs_api_a');
    const b = nr.scalar(1).variable(true, 'tfjs_api_b');
    const f = () => a.square().sum().add(b.square());
    opt1.minimize(f);
    const saved = await opt1.getWeights();
    expect(saved.map((w) => w.name)).toEqual([
      'iter',
      'tfjs_api_a/m',
      'tfjs_api_b/m',
      'tfjs_api_a/v',
      'tfjs_api_b/v',
    ]);
    const opt2 = nr.train.adam(0.1, 0.8, 0.9);
    await opt2.setWeights(saved);
    expect(opt2.iterations).toBe(1);
    // both continue identically from the same state
    const start = [await values(a), await values(b)];
    opt1.minimize(f);
    const next1 = [await values(a), await values(b)];
    a.assign(nr.tensor1d(start[0]));
    b.assign(nr.scalar(start[1][0]));
    opt2.minimize(f);
    expect([await values(a), await values(b)]).toEqual(next1);
    saved[0].tensor.dispose();
    opt1.dispose();
    opt2.dispose();
  });

  it('setWeights rejects entries that are not state of this optimizer', async () => {
    const w = nr.scalar(1).variable(true, 'tfjs_api_w');
    const adagrad = nr.train.adagrad(0.1);
    adagrad.minimize(() => w.square());
    const adam = nr.train.adam(0.1);
    const saved = await adagrad.getWeights();
    await expect(adam.setWeights(saved)).rejects.toThrow(
      /Adam.setWeights: entry 'tfjs_api_w\/accumulator' is not state of Adam/,
    );
    await expect(adam.setWeights([])).rejects.toThrow(/expected \[\{name: 'iter'/);
    saved[0].tensor.dispose();
    adagrad.dispose();
    adam.dispose();
  });

  it('minimize: varList limits the update; non-trainable only, or a non-scalar f, throws', async () => {
    const opt = nr.train.sgd(0.1);
    const x = nr.scalar(4).variable();
    const frozen = nr.scalar(1).variable(false);
    const bias = nr.scalar(1).variable();
    opt.minimize(() => x.square().add(bias), false, [x]);
    expect(await values(bias)).toEqual([1]);
    expect(() => opt.minimize(() => frozen.square(), false, [frozen])).toThrow(
      /at least one variable must be trainable/,
    );
    const v = nr.tensor1d([1, 2]).variable();
    expect(() => opt.minimize(() => v.square())).toThrow(/must return a scalar/);
    opt.dispose();
  });

  it('applyGradients takes a name map or a NamedTensor list', async () => {
    const opt = nr.train.momentum(0.1, 0.5);
    const w = nr.scalar(1).variable(true, 'tfjs_api_m');
    const g = nr.scalar(2);
    opt.applyGradients({ tfjs_api_m: g });
    opt.applyGradients([{ name: 'tfjs_api_m', tensor: g }]);
    // a = 2, w = 1 - 0.2 = 0.8; a = 0.5·2 + 2 = 3, w = 0.8 - 0.3 = 0.5
    expect((await values(w))[0]).toBeCloseTo(0.5, 6);
    expect(opt.iterations).toBe(2);
    g.dispose();
    opt.dispose();
  });

  it('getConfig / fromConfig round trip with tfjs keys', () => {
    const cases = [
      nr.train.sgd(0.1),
      nr.train.momentum(0.1, 0.2, true),
      nr.train.adam(0.1, 0.2, 0.3, 2e-8),
      nr.train.adamax(0.1, 0.2, 0.3, 2e-8, 0.1),
      nr.train.adagrad(0.1, 0.2),
      nr.train.adadelta(0.1, 0.2, 2e-8),
      nr.train.rmsprop(0.1, 0.5, 0.1, 1e-7, true),
    ];
    expect(
      nr.MomentumOptimizer.fromConfig(nr.MomentumOptimizer, cases[1].getConfig()).getConfig(),
    ).toEqual({ learningRate: 0.1, momentum: 0.2, useNesterov: true });
    const back = [
      nr.SGDOptimizer.fromConfig(nr.SGDOptimizer, cases[0].getConfig()),
      nr.MomentumOptimizer.fromConfig(nr.MomentumOptimizer, cases[1].getConfig()),
      nr.AdamOptimizer.fromConfig(nr.AdamOptimizer, cases[2].getConfig()),
      nr.AdamaxOptimizer.fromConfig(nr.AdamaxOptimizer, cases[3].getConfig()),
      nr.AdagradOptimizer.fromConfig(nr.AdagradOptimizer, cases[4].getConfig()),
      nr.AdadeltaOptimizer.fromConfig(nr.AdadeltaOptimizer, cases[5].getConfig()),
      nr.RMSPropOptimizer.fromConfig(nr.RMSPropOptimizer, cases[6].getConfig()),
    ];
    back.forEach((o, i) => {
      expect(o.getConfig()).toEqual(cases[i].getConfig());
      expect(o.getClassName()).toBe(cases[i].getClassName());
      expect(o).toBeInstanceOf(nr.Optimizer);
    });
    expect(cases.map((o) => o.getClassName())).toEqual([
      'SGD',
      'Momentum',
      'Adam',
      'Adamax',
      'Adagrad',
      'Adadelta',
      'RMSProp',
    ]);
    for (const o of [...cases, ...back]) o.dispose();
  });

  it('rmsprop without a learning rate throws, naming it', () => {
    expect(() => Reflect.apply(nr.train.rmsprop, nr.train, [])).toThrow(
      /learningRate for RMSPropOptimizer must be defined/,
    );
  });

  it('model.compile trains with a tf.train optimizer', async () => {
    const model = nr.sequential({ layers: [nr.layers.dense({ units: 1, inputShape: [1] })] });
    const opt = nr.train.sgd(0.05);
    model.compile({ optimizer: opt, loss: 'meanSquaredError' });
    const x = nr.tensor2d([[1], [2], [3], [4]]);
    const y = nr.tensor2d([[2], [4], [6], [8]]);
    const h = await model.fit(x, y, { epochs: 20, verbose: 0 });
    const loss = h.history.loss;
    expect(loss[loss.length - 1]).toBeLessThan(loss[0]);
    expect(opt.iterations).toBe(20);
    x.dispose();
    y.dispose();
    model.dispose();
  });
});

describe('tf.Optimizer subclasses and serialization.registerClass', () => {
  class HalfStep extends nr.Optimizer {
    static readonly className = 'HalfStep';
    getConfig(): Record<string, number> {
      return {};
    }
    override applyGradients(grads: Record<string, nr.Tensor>): void {
      for (const [name, g] of Object.entries(grads)) {
        const target = variables.get(name);
        if (target) nr.tidy(() => target.assign(target.sub(g.mul(0.5))));
      }
      this.incrementIterations();
    }
  }
  const variables = new Map<string, nr.Variable>();

  it('a subclass implementing applyGradients works with minimize and counts steps', async () => {
    const w = nr.scalar(4).variable(true, 'tfjs_api_half');
    variables.set(w.name, w);
    const opt = new HalfStep();
    opt.minimize(() => w.square());
    expect((await w.data())[0]).toBeCloseTo(0, 6); // 4 - 0.5·8
    expect(opt.iterations).toBe(1);
    expect(() => opt.optimizer).toThrow(/implements applyGradients itself/);
    variables.clear();
  });

  it('registerClass records an optimizer class; bad classNames are named', () => {
    nr.serialization.registerClass(HalfStep);
    expect(nr.serialization.SerializationMap.getMap().classNameMap.HalfStep?.[0]).toBe(HalfStep);
    class NoName extends nr.Optimizer {
      getConfig(): Record<string, number> {
        return {};
      }
    }
    expect(() => Reflect.apply(nr.serialization.registerClass, undefined, [NoName])).toThrow(
      /does not have the static className property/,
    );
    expect(() => Reflect.apply(nr.serialization.registerClass, undefined, [Object])).toThrow(
      /expected a Layer or Optimizer subclass/,
    );
  });

  it('SerializationMap rebuilds a tfjs optimizer from its config', () => {
    nr.serialization.registerClass(nr.AdamOptimizer);
    const [, make] = nr.serialization.SerializationMap.getMap().classNameMap.Adam;
    const opt = make({ learningRate: 0.1, beta1: 0.8, beta2: 0.9, epsilon: 1e-6 });
    expect(opt).toBeInstanceOf(nr.AdamOptimizer);
    if (opt instanceof nr.AdamOptimizer) {
      expect(opt.getConfig()).toEqual({ learningRate: 0.1, beta1: 0.8, beta2: 0.9, epsilon: 1e-6 });
      opt.dispose();
    }
  });
});
