// Overridable steps (Keras 3's train_step): a GAN, a VAE (addLoss and an overridden trainStep), callbacks around them.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';

/** A stream that records what a progress bar writes. */
function recorder() {
  const out: string[] = [];
  return { out, stream: { write: (s: string) => void out.push(s), isTTY: false } };
}

/** The one tensor of a single-input batch. */
function one(x: nr.Tensor | nr.Tensor[]): nr.Tensor {
  if (Array.isArray(x)) throw new Error('expected one tensor');
  return x;
}

async function valuesOf(ws: nr.Tensor[]): Promise<number[][]> {
  return Promise.all(ws.map(async (w) => Array.from(await w.data())));
}

/** Real data: points around (2, -1). */
function realPoints(n: number): nr.Tensor {
  return nr.tidy(() => nr.randomNormal([n, 2], 0, 0.2).add(nr.tensor([2, -1])));
}

describe('GAN: discriminator.trainable = false after compile (the tfjs/Keras pattern)', () => {
  function gan() {
    // An affine generator: enough to move and stretch the noise onto the real points, and stable.
    const generator = nr.sequential({ layers: [nr.layers.dense({ units: 2, inputShape: [2] })] });
    const discriminator = nr.sequential({
      layers: [
        nr.layers.dense({ units: 16, activation: 'relu', inputShape: [2] }),
        nr.layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    discriminator.compile({
      optimizer: new nr.optimizers.Adam({ learningRate: 0.02 }),
      loss: 'binaryCrossentropy',
    });
    discriminator.trainable = false;
    const z = nr.input({ shape: [2] });
    const combined = nr.model({ inputs: z, outputs: discriminator.apply(generator.apply(z)) });
    combined.compile({
      optimizer: new nr.optimizers.Adam({ learningRate: 0.02 }),
      loss: 'binaryCrossentropy',
    });
    return { generator, discriminator, combined };
  }

  it('the discriminator keeps training on its own; the combined model trains only the generator', async () => {
    nr.setSeed(1);
    const { generator, discriminator, combined } = gan();
    expect(combined.trainableWeights).toHaveLength(generator.trainableWeights.length);
    const noise = nr.randomNormal([8, 2]);
    const real = realPoints(8);
    const fake = generator.predict(noise) as nr.Tensor;
    const x = nr.concat([real, fake], 0);
    const y = nr.concat([nr.ones([8, 1]), nr.zeros([8, 1])], 0);
    const dBefore = await valuesOf(discriminator.getWeights());
    // One loss, no metrics: a number, as in tfjs and Keras.
    const dLoss = await discriminator.trainOnBatch(x, y);
    expect(typeof dLoss).toBe('number');
    expect(Number.isFinite(dLoss)).toBe(true);
    const dAfter = await valuesOf(discriminator.getWeights());
    expect(dAfter).not.toEqual(dBefore);
    const gBefore = await valuesOf(generator.getWeights());
    await combined.trainOnBatch(noise, nr.ones([8, 1]));
    expect(await valuesOf(discriminator.getWeights())).toEqual(dAfter);
    expect(await valuesOf(generator.getWeights())).not.toEqual(gBefore);
    nr.dispose([noise, real, fake, x, y]);
    combined.dispose();
  });

  it('trains through fit with an overridden trainStep: callbacks, progress and history come free', async () => {
    nr.setSeed(2);
    const parts = gan();
    class GAN extends nr.Model {
      readonly dTracker = new nr.metrics.Mean({ name: 'd_loss' });
      readonly gTracker = new nr.metrics.Mean({ name: 'g_loss' });
      override get metrics() {
        return [this.dTracker, this.gTracker];
      }
      override trainStep(data: nr.StepData): nr.StepLogs {
        const real = one(data.x);
        const n = real.shape[0];
        const fake = parts.generator.apply(nr.randomNormal([n, 2]));
        const labels = nr.concat([nr.ones([n, 1]), nr.zeros([n, 1])], 0);
        const d = parts.discriminator.trainStep({
          x: nr.concat([real, fake], 0),
          y: labels,
          sampleWeight: null,
        });
        const g = parts.combined.trainStep({
          x: nr.randomNormal([n, 2]),
          y: nr.ones([n, 1]),
          sampleWeight: null,
        });
        this.dTracker.updateState(d.loss);
        this.gTracker.updateState(g.loss);
        return { d_loss: this.dTracker.result(), g_loss: this.gTracker.result() };
      }
    }
    const model = new GAN();
    model.compile({ optimizer: 'sgd' });
    const data = realPoints(256);
    const meanOfFakes = async () => {
      const fakes = nr.tidy(() =>
        (parts.generator.predict(nr.randomNormal([512, 2])) as nr.Tensor).mean(0),
      );
      const v = Array.from(await fakes.data());
      fakes.dispose();
      return v;
    };
    const distance = (m: number[]) => Math.hypot(m[0] - 2, m[1] + 1);
    const before = distance(await meanOfFakes());
    const epochsSeen: number[] = [];
    const { out, stream } = recorder();
    const h = await model.fit(data, null, {
      epochs: 12,
      batchSize: 32,
      verbose: 2,
      stream,
      callbacks: { onEpochEnd: async (epoch) => void epochsSeen.push(epoch) },
    });
    const after = distance(await meanOfFakes());
    expect(epochsSeen).toEqual([...Array(12).keys()]);
    expect(Object.keys(h.history).sort()).toEqual(['d_loss', 'g_loss']);
    expect(h.history.d_loss).toHaveLength(12);
    expect(h.history.g_loss.every(Number.isFinite)).toBe(true);
    expect(out.join('')).toMatch(/Epoch 12\/12\n8\/8 .* - d_loss: \d\.\d{4} - g_loss: \d\.\d{4}\n/);
    // The generator moved its samples toward the real data.
    expect(after).toBeLessThan(before * 0.5);
    data.dispose();
    parts.combined.dispose();
  });
});

/** z = mean + exp(logVar / 2)·ε, adding the KL term with addLoss (Keras' VAE sampling layer). */
class Sampling extends nr.layers.Layer {
  static readonly className = 'Sampling';
  override getClassName(): string {
    return Sampling.className;
  }
  override call(inputs: nr.Tensor | nr.Tensor[]): nr.Tensor {
    if (!Array.isArray(inputs)) throw new Error('Sampling takes [mean, logVar]');
    const [mean, logVar] = inputs;
    // KL(q(z|x) || N(0, 1)) = -0.5 · mean over the batch of sum(1 + logVar - mean² - exp(logVar))
    const kl = logVar.add(1).sub(mean.square()).sub(logVar.exp()).sum(-1).mean().mul(-0.5);
    this.addLoss(kl.mul(0.01));
    return mean.add(logVar.mul(0.5).exp().mul(nr.randomNormal(mean.shape)));
  }
  override computeOutputShape(shape: nr.SymbolicShape | nr.SymbolicShape[]): nr.SymbolicShape {
    return Array.isArray(shape[0]) ? (shape[0] as nr.SymbolicShape) : (shape as nr.SymbolicShape);
  }
}

/** Data on a line in 4-D: x = t·[1, 2, -1, 0.5], t in [-1, 1]. */
function lineData(n: number): nr.Tensor {
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = -1 + (2 * i) / (n - 1);
    values.push(t, 2 * t, -t, 0.5 * t);
  }
  return nr.tensor(values, [n, 4]);
}

describe('VAE with a custom loss', () => {
  it('adds its KL term with addLoss and trains through fit, the loss decreasing', async () => {
    nr.setSeed(3);
    const x = nr.input({ shape: [4] });
    const h = nr.layers.dense({ units: 16, activation: 'tanh' }).apply(x);
    const mean = nr.layers.dense({ units: 2 }).apply(h);
    const logVar = nr.layers.dense({ units: 2 }).apply(h);
    const sampling = new Sampling();
    const z = sampling.apply([mean, logVar]);
    const out = nr.layers
      .dense({ units: 4 })
      .apply(nr.layers.dense({ units: 16, activation: 'tanh' }).apply(z));
    const vae = nr.model({ inputs: x, outputs: out });
    vae.compile({ optimizer: new nr.optimizers.Adam({ learningRate: 0.01 }), loss: 'mse' });
    const data = lineData(128);
    // The KL term reaches the loss: model.losses holds it after a forward pass.
    nr.tidy(() => {
      vae.apply(data, { training: true });
      expect(vae.losses).toHaveLength(1);
    });
    const hist = await vae.fit(data, data, { epochs: 30, batchSize: 32, verbose: 0 });
    expect(hist.history.loss.at(-1)).toBeLessThan(hist.history.loss[0] * 0.5);
    data.dispose();
    vae.dispose();
  });

  it('trains through fit with an overridden trainStep returning its own logs', async () => {
    nr.setSeed(4);
    const encoder = nr.sequential({
      layers: [
        nr.layers.dense({ units: 16, activation: 'tanh', inputShape: [4] }),
        nr.layers.dense({ units: 4 }),
      ],
    });
    const decoder = nr.sequential({
      layers: [
        nr.layers.dense({ units: 16, activation: 'tanh', inputShape: [2] }),
        nr.layers.dense({ units: 4 }),
      ],
    });
    class VAE extends nr.Model {
      readonly encoder = encoder;
      readonly decoder = decoder;
      readonly total = new nr.metrics.Mean({ name: 'loss' });
      readonly kl = new nr.metrics.Mean({ name: 'kl' });
      override get metrics() {
        return [this.total, this.kl];
      }
      override trainStep(data: nr.StepData): nr.StepLogs {
        const x = one(data.x);
        const optimizer = this.optimizer;
        if (!optimizer) throw new Error('compile first');
        const parts: { kl: nr.Tensor | null } = { kl: null };
        const { value, grads } = nr.variableGrads(() => {
          const stats = this.encoder.apply(x) as nr.Tensor;
          const mean = stats.slice([0, 0], [-1, 2]);
          const logVar = stats.slice([0, 2], [-1, 2]);
          const zs = mean.add(logVar.mul(0.5).exp().mul(nr.randomNormal(mean.shape)));
          const recon = (this.decoder.apply(zs) as nr.Tensor).sub(x).square().sum(-1).mean();
          const kl = logVar.add(1).sub(mean.square()).sub(logVar.exp()).sum(-1).mean().mul(-0.5);
          parts.kl = nr.keep(nr.stopGradient(kl));
          return recon.add(kl.mul(0.01));
        }, this.trainableWeights);
        optimizer.applyGradients(grads);
        this.total.updateState(value);
        if (parts.kl) this.kl.updateState(parts.kl);
        nr.dispose(parts.kl);
        return { loss: this.total.result(), kl: this.kl.result() };
      }
    }
    const vae = new VAE();
    vae.compile({ optimizer: new nr.optimizers.Adam({ learningRate: 0.01 }) });
    const data = lineData(128);
    const batches: number[] = [];
    const before = nr.memory().numTensors;
    const hist = await vae.fit(data, null, {
      epochs: 30,
      batchSize: 32,
      verbose: 0,
      callbacks: [{ onBatchEnd: (b, logs) => void batches.push(logs?.loss ?? NaN) }],
    });
    expect(Object.keys(hist.history).sort()).toEqual(['kl', 'loss']);
    expect(hist.history.loss.at(-1)).toBeLessThan(hist.history.loss[0] * 0.5);
    expect(batches).toHaveLength(30 * 4);
    expect(batches.every(Number.isFinite)).toBe(true);
    // No step leaves tensors behind (the optimizer's slots are created on the first step).
    const afterFirst = nr.memory().numTensors;
    await vae.fit(data, null, { epochs: 2, batchSize: 32, verbose: 0 });
    expect(nr.memory().numTensors).toBe(afterFirst);
    expect(afterFirst).toBeGreaterThanOrEqual(before);
    data.dispose();
    vae.dispose();
  });
});

describe('default steps are public', () => {
  it('testStep and predictStep give what evaluate and predict use', async () => {
    nr.setSeed(5);
    const m = nr.sequential({ layers: [nr.layers.dense({ units: 1, inputShape: [2] })] });
    m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'] });
    const x = nr.tensor([
      [1, 2],
      [3, 4],
    ]);
    const y = nr.tensor([[1], [0]]);
    const logs = nr.tidy(() => m.testStep({ x, y, sampleWeight: null }));
    expect(Object.keys(logs)).toEqual(['loss', 'mae']);
    const [loss, mae] = m.evaluate(x, y) as nr.Tensor[];
    const read = async (v: nr.Tensor | number) => (typeof v === 'number' ? v : (await v.data())[0]);
    expect(await read(logs.loss)).toBeCloseTo((await loss.data())[0], 5);
    expect(await read(logs.mae)).toBeCloseTo((await mae.data())[0], 5);
    const p = m.predictStep({ x, y: null, sampleWeight: null }) as nr.Tensor;
    expect(Array.from(await p.data())).toEqual(
      Array.from(await (m.predict(x) as nr.Tensor).data()),
    );
    expect(m.metrics).toHaveLength(2);
    expect(m.metrics[0].name).toBe('loss');
  });
});

describe('the layer loss protocol', () => {
  it("tfjs' addLoss(() => scalar) joins the loss at every step; tensors added in call last one pass", async () => {
    const dense = nr.layers.dense({ units: 1, inputShape: [1], kernelInitializer: 'zeros' });
    const m = nr.sequential({ layers: [dense] });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    dense.addLoss(() => nr.scalar(5));
    const x = nr.tensor([[1], [2]]);
    const y = nr.tensor([[0], [0]]);
    const loss = m.evaluate(x, y) as nr.Tensor;
    // mse is 0 (zero kernel and bias), the added loss 5
    expect((await loss.data())[0]).toBeCloseTo(5, 6);
    const penalties = m.losses;
    expect(penalties).toHaveLength(1);
    nr.dispose([loss, penalties, x, y]);
    expect(() => dense.addLoss(3 as never)).toThrow(/addLoss expects a tensor or a function/);
    m.dispose();
  });
});
