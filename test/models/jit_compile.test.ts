// compile({ jitCompile: true }): fit, evaluate, predict and an overridden trainStep give what eager steps give.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { jitStepStats } from '../../src/models/training/jit_steps.js';
import { heavyOnDefault } from '../helpers/check_op.js';

const values = async (ts: readonly nr.Tensor[]): Promise<number[][]> =>
  Promise.all(ts.map(async (t) => Array.from(await t.data())));

/** An MLP with dropout (random numbers every step), seeded. */
function mlp(): nr.Sequential {
  return nr.sequential({
    layers: [
      nr.layers.dense({
        units: 16,
        activation: 'relu',
        inputShape: [8],
        kernelInitializer: nr.initializers.glorotUniform({ seed: 1 }),
      }),
      nr.layers.dropout({ rate: 0.3 }),
      nr.layers.dense({
        units: 3,
        activation: 'softmax',
        kernelInitializer: nr.initializers.glorotUniform({ seed: 2 }),
      }),
    ],
  });
}

describe('compile({ jitCompile: true })', () => {
  it('fit gives the history and weights of eager fit (seeded, dropout on), then predict and evaluate agree', async () => {
    const x = nr.randomNormal([50, 8], 0, 1, 'float32', 3);
    const y = nr.randomUniform([50], 0, 3, 'int32', 4);
    const run = async (jitCompile: boolean) => {
      nr.setSeed(7);
      const model = mlp();
      model.compile({
        optimizer: 'adam',
        loss: 'sparseCategoricalCrossentropy',
        metrics: ['accuracy'],
        jitCompile,
      });
      const before = nr.memory().numTensors;
      const h = await model.fit(x, y, {
        epochs: 4,
        batchSize: 16,
        verbose: 0,
        shuffle: false,
        validationSplit: 0.2,
      });
      const weights = await values(model.getWeights());
      const trained = jitStepStats(model);
      const pred = model.predict(x.slice([0, 0], [5, -1]), { batchSize: 2 }) as nr.Tensor;
      const predicted = await values([pred]);
      const evaluated = model.evaluate(x, y, { batchSize: 10 }) as nr.Tensor[];
      const scores = await values(evaluated);
      const stats = jitStepStats(model);
      nr.dispose([pred, evaluated]);
      model.dispose();
      return {
        history: h.history,
        weights,
        predicted,
        scores,
        trained,
        stats,
        grew: nr.memory().numTensors - before,
      };
    };
    const eager = await run(false);
    const jitted = await run(true);
    expect(jitted.history).toEqual(eager.history);
    expect(jitted.weights).toEqual(eager.weights);
    expect(jitted.predicted).toEqual(eager.predicted);
    expect(jitted.scores).toEqual(eager.scores);
    // 4 epochs of 3 batches (16, 16, 8): the first step builds state, each batch size traces once
    expect(jitted.trained?.train).toMatchObject({ traces: 3, replays: 9, eagerCalls: 0 });
    expect(jitted.stats?.predict).toMatchObject({ traces: 2, replays: 1 });
    expect(jitted.stats?.test.replays).toBeGreaterThan(0);
    // model.dispose() frees the constants the traces held
    expect(jitted.grew).toBe(eager.grew);
    nr.dispose([x, y]);
  });

  it.skipIf(heavyOnDefault())(
    'an LSTM and attention model (masking, LayerNorm, GELU) trains as eagerly',
    async () => {
      const tokens = nr.randomUniform([24, 6], 0, 9, 'int32', 31);
      const y = nr.oneHot(nr.randomUniform([24], 0, 4, 'int32', 32), 4);
      const run = async (jitCompile: boolean) => {
        nr.setSeed(3);
        const x = nr.input({ shape: [6], dtype: 'int32' });
        const emb = nr.layers
          .embedding({
            inputDim: 9,
            outputDim: 8,
            maskZero: true,
            embeddingsInitializer: nr.initializers.randomUniform({ seed: 1 }),
          })
          .apply(x) as nr.SymbolicTensor;
        const seq = nr.layers
          .lstm({
            units: 8,
            returnSequences: true,
            kernelInitializer: nr.initializers.glorotUniform({ seed: 2 }),
            recurrentInitializer: nr.initializers.orthogonal({ seed: 3 }),
          })
          .apply(emb) as nr.SymbolicTensor;
        const att = nr.layers
          .multiHeadAttention({
            numHeads: 2,
            keyDim: 4,
            kernelInitializer: nr.initializers.glorotUniform({ seed: 4 }),
          })
          .apply([seq, seq]) as nr.SymbolicTensor;
        const norm = nr.layers.layerNormalization().apply(att) as nr.SymbolicTensor;
        const mlp = nr.layers
          .dense({
            units: 8,
            activation: 'gelu',
            kernelInitializer: nr.initializers.glorotUniform({ seed: 5 }),
          })
          .apply(norm) as nr.SymbolicTensor;
        const pooled = nr.layers.globalAveragePooling1d().apply(mlp) as nr.SymbolicTensor;
        const out = nr.layers
          .dense({
            units: 4,
            activation: 'softmax',
            kernelInitializer: nr.initializers.glorotUniform({ seed: 6 }),
          })
          .apply(pooled) as nr.SymbolicTensor;
        const model = nr.model({ inputs: x, outputs: out });
        model.compile({
          optimizer: 'adam',
          loss: 'categoricalCrossentropy',
          metrics: ['accuracy'],
          jitCompile,
        });
        const h = await model.fit(tokens, y, {
          epochs: 3,
          batchSize: 8,
          verbose: 0,
          shuffle: false,
        });
        const weights = await values(model.getWeights());
        const stats = jitStepStats(model);
        model.dispose();
        return { history: h.history, weights, stats };
      };
      const eager = await run(false);
      const jitted = await run(true);
      expect(jitted.history).toEqual(eager.history);
      expect(jitted.weights).toEqual(eager.weights);
      // 9 steps: the first builds Adam's slots, the second traces, 7 replay
      expect(jitted.stats?.train).toMatchObject({ traces: 2, replays: 7, fallbackReason: null });
      expect(eager.stats).toBeNull();
      nr.dispose([tokens, y]);
    },
  );

  it('replays the steps: later epochs trace nothing new', async () => {
    const model = mlp();
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', jitCompile: true });
    const x = nr.randomNormal([32, 8], 0, 1, 'float32', 5);
    const y = nr.randomUniform([32], 0, 3, 'int32', 6);
    await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    const before = nr.memory();
    await model.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 });
    const after = nr.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    model.dispose();
    nr.dispose([x, y]);
  });

  it.skipIf(heavyOnDefault())(
    "an overridden trainStep (a GAN's two models) is captured and trains as eagerly",
    async () => {
      const run = async (jitCompile: boolean) => {
        nr.setSeed(11);
        const dense = (units: number, seed: number, activation?: 'relu' | 'sigmoid') =>
          nr.layers.dense({
            units,
            activation,
            inputShape: [2],
            kernelInitializer: nr.initializers.glorotUniform({ seed }),
          });
        const generator = nr.sequential({ layers: [dense(2, 21)] });
        const discriminator = nr.sequential({
          layers: [
            dense(8, 22, 'relu'),
            nr.layers.dense({
              units: 1,
              activation: 'sigmoid',
              kernelInitializer: nr.initializers.glorotUniform({ seed: 23 }),
            }),
          ],
        });
        discriminator.compile({
          optimizer: new nr.optimizers.Adam({ learningRate: 0.02 }),
          loss: 'binaryCrossentropy',
        });
        discriminator.trainable = false;
        const combined = nr.sequential({ layers: [generator, discriminator] });
        combined.compile({
          optimizer: new nr.optimizers.Adam({ learningRate: 0.02 }),
          loss: 'binaryCrossentropy',
        });
        class GAN extends nr.Sequential {
          readonly dTracker = new nr.metrics.Mean({ name: 'd_loss' });
          readonly gTracker = new nr.metrics.Mean({ name: 'g_loss' });
          override get metrics() {
            return [this.dTracker, this.gTracker];
          }
          override trainStep(data: nr.StepData): nr.StepLogs {
            const real = data.x as nr.Tensor;
            const n = real.shape[0];
            const fake = generator.apply(nr.randomNormal([n, 2])) as nr.Tensor;
            const labels = nr.concat([nr.ones([n, 1]), nr.zeros([n, 1])], 0);
            const d = discriminator.trainStep({
              x: nr.concat([real, fake], 0),
              y: labels,
              sampleWeight: null,
            });
            const g = combined.trainStep({
              x: nr.randomNormal([n, 2]),
              y: nr.ones([n, 1]),
              sampleWeight: null,
            });
            this.dTracker.updateState(d.loss);
            this.gTracker.updateState(g.loss);
            return { d_loss: this.dTracker.result(), g_loss: this.gTracker.result() };
          }
        }
        const gan = new GAN();
        gan.compile({ optimizer: 'sgd', jitCompile });
        const data = nr.randomNormal([64, 2], 0, 0.2, 'float32', 12).add(nr.tensor([2, -1]));
        const h = await gan.fit(data, null, {
          epochs: 3,
          batchSize: 16,
          verbose: 0,
          shuffle: false,
        });
        const stats = jitStepStats(gan);
        const weights = await values([...generator.getWeights(), ...discriminator.getWeights()]);
        nr.dispose(data);
        for (const m of [gan, combined, discriminator, generator]) m.dispose();
        return { history: h.history, weights, stats };
      };
      const eager = await run(false);
      const jitted = await run(true);
      expect(jitted.history).toEqual(eager.history);
      expect(jitted.weights).toEqual(eager.weights);
      // 12 steps: the first builds both optimizers' slots, the second traces, 10 replay
      expect(jitted.stats?.train).toMatchObject({ traces: 2, replays: 10, fallbackReason: null });
    },
  );

  it('a step that reads values runs eagerly and says why once', async () => {
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (m: string) => void warnings.push(m);
    // the step reads synchronously: a CPU backend
    const previous = nr.getBackend();
    await nr.setBackend('cpu');
    try {
      class Reading extends nr.Sequential {
        override testStep(data: nr.StepData): nr.StepLogs {
          const logs = super.testStep(data);
          // a read inside the step: not capturable
          const first = (logs.loss as nr.Tensor).arraySync();
          return { ...logs, first: typeof first === 'number' ? first : 0 };
        }
      }
      const model = new Reading({ layers: [nr.layers.dense({ units: 1, inputShape: [2] })] });
      model.compile({ optimizer: 'sgd', loss: 'mse', jitCompile: true });
      const x = nr.ones([6, 2]);
      const y = nr.zeros([6, 1]);
      for (let i = 0; i < 3; i++) nr.dispose(model.evaluate(x, y, { batchSize: 2 }));
      expect(warnings.filter((w) => w.includes('jitCompile'))).toHaveLength(1);
      expect(warnings[0]).toMatch(/testStep runs eagerly: .*reads tensor values/);
      model.dispose();
      nr.dispose([x, y]);
    } finally {
      console.warn = warn;
      await nr.setBackend(previous);
    }
  });

  it('rejects a jitCompile that is not a boolean', () => {
    const model = mlp();
    expect(() =>
      model.compile({ optimizer: 'sgd', loss: 'mse', jitCompile: 'yes' as never }),
    ).toThrow(/jitCompile must be a boolean/);
    model.dispose();
  });
});
