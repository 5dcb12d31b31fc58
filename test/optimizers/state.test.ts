// Optimizer state and identity: memory over many steps, weights()/setWeights() resume, configs, registry, train.*.
import { afterEach, describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import type { Config } from '../../src/core/serialization.js';
import * as optimizers from '../../src/optimizers/index.js';
import {
  ExponentialDecay,
  getOptimizer,
  InverseTimeDecay,
  Optimizer,
  serialize,
  train,
  TfjsOptimizer,
} from '../../src/optimizers/index.js';

let counter = 0;
const live: { dispose(): void }[] = [];
function v(values: number[], shape = [values.length]): nr.Variable {
  const t = nr.tensor(values, shape);
  const out = nr.variable(t, true, `opt_state_${counter++}`);
  t.dispose();
  live.push(out);
  return out;
}
function track<T extends { dispose(): void }>(o: T): T {
  live.push(o);
  return o;
}
afterEach(() => {
  for (const o of live.splice(0)) o.dispose();
});

/** Every optimizer with its non-default options switched on. */
const CONFIGS: [string, Config][] = [
  ['SGD', { learningRate: 0.05, momentum: 0.9, nesterov: true, clipnorm: 1 }],
  [
    'Adam',
    {
      learningRate: 0.01,
      beta1: 0.8,
      beta2: 0.99,
      epsilon: 1e-6,
      amsgrad: true,
      weightDecay: 0.01,
    },
  ],
  ['AdamW', { learningRate: 0.01, weightDecay: 0.1, globalClipnorm: 2 }],
  ['RMSprop', { learningRate: 0.01, rho: 0.8, momentum: 0.5, centered: true, clipvalue: 0.5 }],
  ['Adagrad', { learningRate: 0.1, initialAccumulatorValue: 0.2, epsilon: 1e-6 }],
  ['Adadelta', { learningRate: 1, rho: 0.9, epsilon: 1e-6 }],
  ['Adamax', { learningRate: 0.01, beta1: 0.8, beta2: 0.99 }],
  ['Nadam', { learningRate: 0.01, beta2: 0.99 }],
  ['Lion', { learningRate: 0.01, beta1: 0.95, beta2: 0.98, weightDecay: 0.5 }],
];

const X = [
  [0.5, -1, 2],
  [1.5, 0.3, -0.7],
];
const Y = [
  [1, 0],
  [0, 1],
];

/** A tiny linear model and its loss, with its own variables. */
function model(w0: number[] = [0.1, -0.2, 0.3, 0.4, -0.5, 0.6], b0: number[] = [0.05, -0.05]) {
  const w = v(w0, [3, 2]);
  const b = v(b0);
  const x = track(nr.tensor(X));
  const y = track(nr.tensor(Y));
  return { w, b, loss: () => x.matMul(w).add(b).sub(y).square().mean() };
}

describe('memory', () => {
  it.each(CONFIGS)('%s: 100 steps inside tidy do not grow the tensor count', (name, config) => {
    const { w, b, loss } = model();
    const opt = track(getOptimizer({ className: name, config }));
    const step = () =>
      nr.tidy(() => {
        const { value, grads } = nr.variableGrads(loss, [w, b]);
        opt.applyGradients(grads);
        return value;
      });
    step().dispose();
    const before = nr.memory().numTensors;
    for (let i = 0; i < 100; i++) step().dispose();
    expect(nr.memory().numTensors).toBe(before);
  });

  it('dispose() frees iterations and every slot', () => {
    const { w, b } = model();
    const before = nr.memory().numTensors;
    const opt = new optimizers.Nadam();
    opt.build([w, b]);
    expect(nr.memory().numTensors).toBe(before + 6);
    opt.dispose();
    opt.dispose();
    expect(nr.memory().numTensors).toBe(before);
    expect(() => opt.weights()).toThrow(/Nadam.weights: the optimizer was disposed/);
  });
});

describe('weights() / setWeights()', () => {
  it.each(CONFIGS)(
    '%s resumes from saved state exactly as if never interrupted',
    async (name, config) => {
      const a = model();
      const optA = track(getOptimizer({ className: name, config }));
      for (let i = 0; i < 3; i++) optA.minimize(a.loss, false, [a.w, a.b]);
      const savedState = optA.weights().map((s) => track(s.clone()));
      const savedW = Array.from(await a.w.data());
      const savedB = Array.from(await a.b.data());
      for (let i = 0; i < 3; i++) optA.minimize(a.loss, false, [a.w, a.b]);

      const b = model(savedW, savedB);
      const optB = track(getOptimizer(serialize(optA)));
      optB.build([b.w, b.b]);
      optB.setWeights(savedState);
      for (let i = 0; i < 3; i++) optB.minimize(b.loss, false, [b.w, b.b]);
      expect(Array.from(await b.w.data())).toEqual(Array.from(await a.w.data()));
      expect(Array.from(await b.b.data())).toEqual(Array.from(await a.b.data()));
      expect(Array.from(await optB.iterations.data())).toEqual([6]);
    },
  );

  it('Nadam keeps its momentum product last, after the slots (Keras order)', () => {
    const { w } = model();
    const opt = track(new optimizers.Nadam());
    opt.build([w]);
    expect(opt.weights().map((s) => s.name.replace(/_\d+$/, '').split('/')[1])).toEqual([
      'iteration',
      `${w.name}_momentum`,
      `${w.name}_velocity`,
      'u_product',
    ]);
  });

  it('checks count and shapes', () => {
    const { w } = model();
    const opt = track(new optimizers.Adam());
    expect(() => opt.setWeights([])).toThrow(
      /Adam.setWeights: the optimizer has no state yet; call build\(variables\) first/,
    );
    opt.build([w]);
    const it0 = track(nr.scalar(0, 'int32'));
    expect(() => opt.setWeights([it0])).toThrow(
      /Adam.setWeights: expected 3 tensors \(iterations and slots\), received 1/,
    );
    const bad = track(nr.zeros([2, 3]));
    expect(() => opt.setWeights([it0, bad, bad])).toThrow(
      /Adam.setWeights: entry 1 \('adam\/.*_momentum_\d+'\) must have shape \[3,2\], received \[2,3\]/,
    );
  });

  it('accepts a float iteration count (as loaded from a file)', async () => {
    const { w } = model();
    const opt = track(new optimizers.SGD());
    opt.build([w]);
    const t = track(nr.scalar(7));
    opt.setWeights([t]);
    expect(opt.iterations.dtype).toBe('int32');
    expect(Array.from(await opt.iterations.data())).toEqual([7]);
  });
});

describe('config', () => {
  it.each(CONFIGS)('%s round-trips through serialize / getOptimizer', (name, config) => {
    const opt = track(getOptimizer({ className: name, config }));
    const back = track(getOptimizer(serialize(opt)));
    expect(back).toBeInstanceOf(Optimizer);
    expect(back.getClassName()).toBe(name);
    expect(back.getConfig()).toEqual(opt.getConfig());
    for (const [k, val] of Object.entries(config)) expect(opt.getConfig()[k], k).toEqual(val);
  });

  it('keeps a schedule as {className, config}', () => {
    const opt = track(
      new optimizers.Adam({ learningRate: new ExponentialDecay(0.1, 100, 0.9, true) }),
    );
    const config = opt.getConfig();
    expect(config.learningRate).toEqual({
      className: 'ExponentialDecay',
      config: {
        initialLearningRate: 0.1,
        decaySteps: 100,
        decayRate: 0.9,
        staircase: true,
        name: 'ExponentialDecay',
      },
    });
    const back = track(optimizers.Adam.fromConfig(config));
    expect(back.learningRate).toBeInstanceOf(ExponentialDecay);
    expect(back.getConfig()).toEqual(config);
  });

  it('reads Keras 3 configs (snake_case, class_name, nested schedule)', () => {
    const keras = {
      module: 'keras.optimizers',
      class_name: 'Adam',
      config: {
        name: 'adam',
        learning_rate: {
          module: 'keras.optimizers.schedules',
          class_name: 'CosineDecay',
          config: {
            initial_learning_rate: 0.0,
            decay_steps: 1000,
            alpha: 0.1,
            name: 'CosineDecay',
            warmup_target: 0.001,
            warmup_steps: 100,
          },
          registered_name: null,
        },
        weight_decay: null,
        clipnorm: null,
        global_clipnorm: 1.0,
        clipvalue: null,
        use_ema: false,
        ema_momentum: 0.99,
        ema_overwrite_frequency: null,
        loss_scale_factor: null,
        gradient_accumulation_steps: null,
        beta_1: 0.8,
        beta_2: 0.99,
        epsilon: 1e-7,
        amsgrad: false,
      },
      registered_name: null,
    };
    const opt = track(getOptimizer(keras));
    expect(opt).toBeInstanceOf(optimizers.Adam);
    expect(opt.getConfig()).toMatchObject({
      beta1: 0.8,
      beta2: 0.99,
      globalClipnorm: 1,
      weightDecay: null,
    });
    expect(opt.learningRate).toMatchObject({ warmupTarget: 0.001, warmupSteps: 100, alpha: 0.1 });
  });

  it('refuses Keras options neurite does not implement', () => {
    expect(() => getOptimizer({ class_name: 'SGD', config: { use_ema: true } })).toThrow(
      /SGD.fromConfig: useEma=true is not supported/,
    );
    expect(() => getOptimizer({ className: 'SGD', config: { lr: 1 } })).toThrow(
      /SGD.fromConfig: unknown config key 'lr'/,
    );
  });

  it('reads tfjs configs (Momentum, RMSProp decay, Adamax decay)', () => {
    const m = track(
      getOptimizer({
        className: 'Momentum',
        config: { learningRate: 0.1, momentum: 0.9, useNesterov: true },
      }),
    );
    expect(m.getConfig()).toMatchObject({ momentum: 0.9, nesterov: true, learningRate: 0.1 });
    const r = track(
      getOptimizer({
        className: 'RMSProp',
        config: { learningRate: 0.1, decay: 0.8, momentum: 0, epsilon: 1e-6, centered: false },
      }),
    );
    expect(r.getConfig()).toMatchObject({ rho: 0.8, epsilon: 1e-6 });
    const a = track(
      getOptimizer({
        className: 'Adamax',
        config: { learningRate: 0.002, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, decay: 0.5 },
      }),
    );
    expect(a.learningRate).toBeInstanceOf(InverseTimeDecay);
  });
});

describe('registry', () => {
  it.each(['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad', 'adadelta', 'adamax', 'nadam', 'lion'])(
    '%s by name gives Keras defaults',
    (name) => {
      const opt = track(getOptimizer(name));
      expect(opt.getClassName().toLowerCase()).toBe(name);
      expect(opt.name).toBe(name);
      expect(opt.learningRate).toBe(name === 'sgd' ? 0.01 : 0.001);
    },
  );

  it('passes instances through and names the known optimizers for unknown names', () => {
    const opt = track(new optimizers.Lion());
    expect(getOptimizer(opt)).toBe(opt);
    expect(optimizers.get('Lion')).toBeInstanceOf(optimizers.Lion);
    expect(() => getOptimizer('adamz')).toThrow(
      /getOptimizer: unknown optimizer 'adamz'; known: Adadelta, Adagrad, Adam, AdamW, Adamax, Lion, Nadam, RMSprop, SGD/,
    );
  });

  it("deserialize(serialize(opt)) is Keras' pair", () => {
    const opt = track(new optimizers.RMSprop({ rho: 0.5 }));
    const back = track(optimizers.deserialize(serialize(opt)));
    expect(back.getConfig()).toEqual(opt.getConfig());
  });
});

describe('train.* (tfjs factories)', () => {
  it('build the matching neurite optimizers with tfjs arguments', () => {
    const cases: [TfjsOptimizer, string, Config][] = [
      [train.sgd(0.1), 'SGD', { learningRate: 0.1, momentum: 0 }],
      [train.momentum(0.1, 0.9, true), 'SGD', { momentum: 0.9, nesterov: true }],
      [
        train.adam(0.01, 0.8, 0.99, 1e-6),
        'Adam',
        { learningRate: 0.01, beta1: 0.8, beta2: 0.99, epsilon: 1e-6 },
      ],
      [train.adam(), 'Adam', { learningRate: 0.001, epsilon: 1e-7 }],
      [train.adagrad(0.1, 0.3), 'Adagrad', { initialAccumulatorValue: 0.3 }],
      [train.adadelta(1, 0.9), 'Adadelta', { learningRate: 1, rho: 0.9, epsilon: 1e-7 }],
      [train.adamax(), 'Adamax', { learningRate: 0.002, beta1: 0.9 }],
      [
        train.rmsprop(0.01, 0.8, 0.5, null, true),
        'RMSprop',
        { rho: 0.8, momentum: 0.5, centered: true },
      ],
    ];
    for (const [opt, cls, expected] of cases) {
      track(opt.optimizer);
      expect(opt.optimizer.getClassName()).toBe(cls);
      expect(opt.optimizer.getConfig()).toMatchObject(expected);
    }
  });

  it('adamax decay becomes lr / (1 + decay·t)', async () => {
    const opt = train.adamax(0.002, 0.9, 0.999, null, 0.5);
    track(opt.optimizer);
    const schedule = opt.optimizer.learningRate;
    expect(schedule).toBeInstanceOf(InverseTimeDecay);
    if (!(schedule instanceof InverseTimeDecay)) return;
    const step = track(nr.scalar(2, 'int32'));
    const lr = track(schedule.call(step));
    expect((await lr.data())[0]).toBeCloseTo(0.002 / 2, 9);
  });
});
