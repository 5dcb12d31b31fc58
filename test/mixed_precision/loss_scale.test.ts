// LossScaleOptimizer: skipped steps and halving on overflow, growth, equivalence, state and config.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';

const { LossScaleOptimizer } = nr.mixedPrecision;

beforeAll(async () => {
  await nr.setBackend('cpu');
});

const value = (t: nr.Tensor) => t.dataSync()[0];

describe('LossScaleOptimizer', () => {
  it('has Keras 3 defaults: scale 2^15, growth every 2000 steps', () => {
    const opt = new LossScaleOptimizer(new nr.optimizers.SGD());
    expect([opt.initialScale, opt.dynamicGrowthSteps]).toEqual([2 ** 15, 2000]);
    expect(value(opt.dynamicScale)).toBe(32768);
    opt.dispose();
  });

  it('skips the step and halves the scale when a gradient is not finite', () => {
    const w = nr.variable(nr.tensor([1, 2]), true, 'lso_skip_w');
    const opt = new LossScaleOptimizer(new nr.optimizers.Adam({ learningRate: 0.1 }), {
      dynamicGrowthSteps: 3,
    });
    opt.applyGradients([[nr.tensor([3, 4]), w]]); // one finite step: counter 1
    const after = Array.from(w.dataSync());
    const state = opt.innerOptimizer.weights().map((v) => Array.from(v.dataSync()));
    opt.applyGradients([[nr.tensor([Infinity, 1]), w]]);
    expect(Array.from(w.dataSync())).toEqual(after);
    expect(opt.innerOptimizer.weights().map((v) => Array.from(v.dataSync()))).toEqual(state);
    expect(value(opt.dynamicScale)).toBe(2 ** 14);
    expect(value(opt.stepCounter)).toBe(0);
    expect(value(opt.iterations)).toBe(1);
    opt.applyGradients([[nr.tensor([NaN, 1]), w]]);
    expect(value(opt.dynamicScale)).toBe(2 ** 13);
    expect(Array.from(w.dataSync())).toEqual(after);
    opt.dispose();
    w.dispose();
  });

  it('skips a step whose float16 gradients overflow under the scale', () => {
    const w = nr.variable(nr.tensor([1]), true, 'lso_f16_w');
    const opt = new LossScaleOptimizer(new nr.optimizers.SGD({ learningRate: 0.01 }));
    // d(scale · 1000 w) / dw = 2^15 · 1000 > 65504: infinite in float16
    const loss = () => w.cast('float16').mul(1000).sum();
    const cost = opt.minimize(loss, true, [w]);
    expect(cost && value(cost)).toBe(1000);
    expect(value(w)).toBe(1);
    expect(value(opt.dynamicScale)).toBe(2 ** 14);
    // every scale down to 2^7 overflows (2^7 · 1000 > 65504): those steps are skipped too
    for (let i = 0; i < 8; i++) opt.minimize(loss, false, [w]);
    expect(value(opt.dynamicScale)).toBe(2 ** 6);
    expect(value(w)).toBe(1);
    expect(value(opt.iterations)).toBe(0);
    // 2^6 · 1000 fits in float16: this step applies, with the unscaled gradient 1000
    opt.minimize(loss, false, [w]);
    expect(value(opt.dynamicScale)).toBe(2 ** 6);
    expect(value(w)).toBeCloseTo(1 - 0.01 * 1000, 5);
    opt.dispose();
    w.dispose();
  });

  it('doubles the scale after dynamicGrowthSteps finite steps', () => {
    const w = nr.variable(nr.tensor([1]), true, 'lso_grow_w');
    const opt = new LossScaleOptimizer(new nr.optimizers.SGD(), {
      initialScale: 4,
      dynamicGrowthSteps: 3,
    });
    const scales: number[] = [];
    for (let i = 0; i < 7; i++) {
      opt.applyGradients([[nr.tensor([1]), w]]);
      scales.push(value(opt.dynamicScale));
    }
    expect(scales).toEqual([4, 4, 8, 8, 8, 16, 16]);
    expect(value(opt.stepCounter)).toBe(1);
    opt.dispose();
    w.dispose();
  });

  it('equals the unscaled optimizer on normal gradients', () => {
    const a = nr.variable(nr.tensor([0.5, -1, 2]), true, 'lso_eq_a');
    const b = nr.variable(nr.tensor([0.5, -1, 2]), true, 'lso_eq_b');
    const plain = new nr.optimizers.Adam({ learningRate: 0.05 });
    const scaled = new LossScaleOptimizer(new nr.optimizers.Adam({ learningRate: 0.05 }));
    for (let i = 0; i < 5; i++) {
      plain.minimize(() => a.sub(3).square().sum(), false, [a]);
      scaled.minimize(() => b.sub(3).square().sum(), false, [b]);
    }
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(value(scaled.iterations)).toBe(5);
    plain.dispose();
    scaled.dispose();
    nr.dispose([a, b]);
  });

  it('saves and restores its state: step counter, scale, then the inner state', () => {
    const w = nr.variable(nr.tensor([1, 1]), true, 'lso_state_w');
    const opt = new LossScaleOptimizer(new nr.optimizers.Adam(), { dynamicGrowthSteps: 5 });
    opt.applyGradients([[nr.tensor([1, 2]), w]]);
    opt.applyGradients([[nr.tensor([Infinity, 2]), w]]);
    opt.applyGradients([[nr.tensor([1, 2]), w]]);
    const saved = opt.weights().map((v) => v.clone());
    expect(saved.length).toBe(2 + opt.innerOptimizer.weights().length);
    const copy = new LossScaleOptimizer(new nr.optimizers.Adam(), { dynamicGrowthSteps: 5 });
    copy.build([w]);
    copy.setWeights(saved);
    expect(copy.weights().map((v) => Array.from(v.dataSync()))).toEqual(
      saved.map((v) => Array.from(v.dataSync())),
    );
    expect(value(copy.dynamicScale)).toBe(2 ** 14);
    expect(value(copy.stepCounter)).toBe(1);
    nr.dispose(saved);
    opt.dispose();
    copy.dispose();
    w.dispose();
  });

  it('config round trips, also through the optimizer registry', () => {
    const opt = new LossScaleOptimizer(new nr.optimizers.SGD({ learningRate: 0.3 }), {
      initialScale: 256,
      dynamicGrowthSteps: 10,
    });
    const config = opt.getConfig();
    expect(config).toMatchObject({ initialScale: 256, dynamicGrowthSteps: 10 });
    const back = LossScaleOptimizer.fromConfig(config);
    expect(back.innerOptimizer.getClassName()).toBe('SGD');
    expect(back.learningRate).toBe(0.3);
    const viaRegistry = nr.optimizers.deserialize(nr.optimizers.serialize(opt));
    expect(viaRegistry).toBeInstanceOf(LossScaleOptimizer);
    const keras = nr.optimizers.getOptimizer({
      class_name: 'LossScaleOptimizer',
      config: {
        name: 'loss_scale_optimizer',
        inner_optimizer: { class_name: 'Adam', config: { learning_rate: 0.01 } },
        initial_scale: 1024,
        dynamic_growth_steps: 100,
      },
    });
    expect(keras).toBeInstanceOf(LossScaleOptimizer);
    for (const o of [opt, back, viaRegistry, keras]) o.dispose();
  });

  it('rejects bad arguments, naming them and the values received', () => {
    const sgd = new nr.optimizers.SGD();
    expect(() => new LossScaleOptimizer(sgd, { initialScale: -1 })).toThrow(
      /LossScaleOptimizer: initialScale must be a number > 0, received -1/,
    );
    expect(() => new LossScaleOptimizer(sgd, { dynamicGrowthSteps: 1.5 })).toThrow(
      /LossScaleOptimizer: dynamicGrowthSteps must be .*received 1.5/,
    );
    const notAnOptimizer: unknown = 'adam';
    expect(() => new LossScaleOptimizer(notAnOptimizer as nr.optimizers.Optimizer)).toThrow(
      /LossScaleOptimizer: innerOptimizer must be an Optimizer, received 'adam'/,
    );
    const lso = new LossScaleOptimizer(sgd);
    expect(() => new LossScaleOptimizer(lso)).toThrow(/already a LossScaleOptimizer/);
    expect(() =>
      LossScaleOptimizer.fromConfig({ innerOptimizer: 'adam', initialScale: 2 }),
    ).toThrow(/innerOptimizer must be \{className, config\}, received 'adam'/);
  });
});
