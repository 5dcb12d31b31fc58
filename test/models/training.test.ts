// Training: models learn known problems, fit never leaks, progress display, validation, weights, bad input.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { shuffled } from '../../src/models/loop.js';
import { heavyOnDefault } from '../helpers/check_op.js';

function twoSpirals(n: number, seed: number): { x: nr.Tensor; y: nr.Tensor } {
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    const cls = i % 2;
    const t = 0.25 + 2.75 * Math.PI * (Math.floor(i / 2) / (n / 2));
    const r = t / (3 * Math.PI);
    const sign = cls ? -1 : 1;
    xs.push(
      sign * r * Math.cos(t) + (rand() - 0.5) * 0.02,
      sign * r * Math.sin(t) + (rand() - 0.5) * 0.02,
    );
    ys.push(cls);
  }
  return { x: nr.tensor(xs, [n, 2]), y: nr.tensor(ys, [n, 1]) };
}

/** A stream that records what a progress bar writes. */
function recorder(isTTY: boolean) {
  const out: string[] = [];
  return { stream: { write: (s: string) => out.push(s), isTTY }, text: () => out.join('') };
}

describe('training reaches known results', () => {
  it.skipIf(heavyOnDefault())('an MLP learns XOR to 100 %', async () => {
    nr.setSeed(7);
    const x = nr.tensor([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ]);
    const y = nr.tensor([[0], [1], [1], [0]]);
    const m = nr.sequential({
      layers: [
        nr.layers.dense({ units: 8, activation: 'tanh', inputShape: [2] }),
        nr.layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    m.compile({
      optimizer: new nr.optimizers.Adam({ learningRate: 0.05 }),
      loss: 'binaryCrossentropy',
      metrics: ['accuracy'],
    });
    const h = await m.fit(x, y, { epochs: 150, batchSize: 4, verbose: 0 });
    expect(h.history.accuracy.at(-1)).toBe(1);
    m.dispose();
  });

  it.skipIf(heavyOnDefault())('an MLP learns two spirals to >= 99 %', async () => {
    nr.setSeed(11);
    const { x, y } = twoSpirals(200, 3);
    const m = nr.sequential({
      layers: [
        nr.layers.dense({ units: 32, activation: 'relu', inputShape: [2] }),
        nr.layers.dense({ units: 32, activation: 'relu' }),
        nr.layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    m.compile({
      optimizer: new nr.optimizers.Adam({ learningRate: 0.01 }),
      loss: 'binaryCrossentropy',
      metrics: ['accuracy'],
    });
    await m.fit(x, y, { epochs: 150, batchSize: 32, verbose: 0 });
    const [, acc] = m.evaluate(x, y) as nr.Tensor[];
    expect((await acc.data())[0]).toBeGreaterThanOrEqual(0.99);
    m.dispose();
  });
});

describe('fit', () => {
  it.skipIf(heavyOnDefault())(
    'never leaks: 1,000 steps keep tensors and bytes flat after the first epoch',
    async () => {
      nr.setSeed(1);
      const x = nr.randomNormal([400, 8]);
      const y = nr.randomUniform([400], 0, 3, 'int32').cast('float32');
      const m = nr.sequential({
        layers: [
          nr.layers.dense({ units: 16, activation: 'relu', inputShape: [8] }),
          nr.layers.dense({ units: 3, activation: 'softmax' }),
        ],
      });
      m.compile({
        optimizer: 'adam',
        loss: 'sparseCategoricalCrossentropy',
        metrics: ['accuracy'],
      });
      const seen: { numTensors: number; numBytes: number }[] = [];
      await m.fit(x, y, {
        epochs: 10,
        batchSize: 4,
        verbose: 0,
        callbacks: {
          onEpochEnd: () =>
            void seen.push({ numTensors: nr.memory().numTensors, numBytes: nr.memory().numBytes }),
        },
      });
      expect(seen.length).toBe(10);
      for (const s of seen.slice(1)) expect(s).toEqual(seen[0]);
      m.dispose();
    },
  );

  it('shows Keras’ progress: redrawn on a TTY, one line per epoch otherwise, nothing with verbose 0', async () => {
    const x = nr.ones([8, 2]);
    const y = nr.zeros([8, 1]);
    const m = nr.sequential({ layers: [nr.layers.dense({ units: 1, inputShape: [2] })] });
    m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'] });
    const plain = recorder(false);
    await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 1, stream: plain.stream });
    const lines = plain.text().trim().split('\n');
    expect(lines[0]).toBe('Epoch 1/2');
    expect(lines[1]).toMatch(/^2\/2 ━{20} \S+ \S+\/step - loss: \S+ - mae: \S+$/);
    expect(lines.length).toBe(4);
    const tty = recorder(true);
    await m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 1, stream: tty.stream });
    expect(tty.text()).toContain('\r\x1b[K');
    const quiet = recorder(false);
    await m.fit(x, y, { epochs: 1, verbose: 0, stream: quiet.stream });
    expect(quiet.text()).toBe('');
    m.dispose();
  });

  it('validationSplit and validationData report val_ metrics', async () => {
    const x = nr.randomNormal([20, 3], 0, 1, 'float32', 2);
    const y = x.sum(1, true);
    const m = nr.sequential({ layers: [nr.layers.dense({ units: 1, inputShape: [3] })] });
    m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'] });
    const h1 = await m.fit(x, y, { epochs: 2, validationSplit: 0.25, verbose: 0 });
    expect(Object.keys(h1.history).sort()).toEqual(['loss', 'mae', 'val_loss', 'val_mae']);
    const h2 = await m.fit(x, y, { epochs: 1, validationData: [x, y], verbose: 0 });
    expect(h2.history.val_loss[0]).toBeGreaterThan(0);
    m.dispose();
  });

  it('sampleWeight and classWeight change the loss', async () => {
    const x = nr.tensor([[1], [2]]);
    const y = nr.tensor([[0], [0]]);
    const make = () => {
      const m = nr.sequential({
        layers: [
          nr.layers.dense({
            units: 1,
            inputShape: [1],
            kernelInitializer: 'ones',
            biasInitializer: 'zeros',
          }),
        ],
      });
      m.compile({ optimizer: new nr.optimizers.SGD({ learningRate: 0 }), loss: 'mse' });
      return m;
    };
    const plain = await make().fit(x, y, { epochs: 1, batchSize: 2, verbose: 0, shuffle: false });
    const weighted = await make().fit(x, y, {
      epochs: 1,
      batchSize: 2,
      verbose: 0,
      shuffle: false,
      sampleWeight: nr.tensor([1, 0]),
    });
    expect(plain.history.loss[0]).toBeCloseTo(2.5, 5); // (1 + 4) / 2
    expect(weighted.history.loss[0]).toBeCloseTo(0.5, 5); // (1*1 + 0*4) / 2
    const classes = nr.tensor([0, 1], [2], 'int32');
    const clf = nr.sequential({
      layers: [nr.layers.dense({ units: 2, inputShape: [1], kernelInitializer: 'zeros' })],
    });
    clf.compile({
      optimizer: new nr.optimizers.SGD({ learningRate: 0 }),
      loss: new nr.losses.SparseCategoricalCrossentropy({ fromLogits: true }),
    });
    const cw = await clf.fit(x, classes, {
      epochs: 1,
      batchSize: 2,
      verbose: 0,
      classWeight: { 0: 1, 1: 3 },
    });
    expect(cw.history.loss[0]).toBeCloseTo(Math.LN2 * 2, 4); // (1 + 3) * ln2 / 2
  });

  it('evaluate, predict in batches, trainOnBatch and testOnBatch', async () => {
    const x = nr.randomNormal([10, 2], 0, 1, 'float32', 5);
    const y = x.sum(1, true);
    const m = nr.sequential({ layers: [nr.layers.dense({ units: 1, inputShape: [2] })] });
    m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mse'] });
    const p = m.predict(x, { batchSize: 3 }) as nr.Tensor;
    expect(p.shape).toEqual([10, 1]);
    expect(Array.from(await p.data())).toEqual(
      Array.from(await (m.predictOnBatch(x) as nr.Tensor).data()),
    );
    // one batch (batchSize >= rows) runs on the input itself: same values, nothing left behind
    const before1 = nr.memory().numTensors;
    const whole = m.predict(x, { batchSize: 10 }) as nr.Tensor;
    expect(Array.from(await whole.data())).toEqual(Array.from(await p.data()));
    whole.dispose();
    expect(nr.memory().numTensors).toBe(before1);
    const [loss, mse] = m.evaluate(x, y, { batchSize: 4 }) as nr.Tensor[];
    expect((await loss.data())[0]).toBeCloseTo((await mse.data())[0], 5);
    // With a metric: [loss, mse]; with the loss alone: a number (tfjs and Keras return the same shapes).
    const tested = await m.testOnBatch(x, y);
    if (!Array.isArray(tested)) throw new Error('testOnBatch with a metric must give a list');
    expect(tested).toHaveLength(2);
    for (let i = 0; i < 20; i++) await m.trainOnBatch(x, y);
    const after = await m.testOnBatch(x, y);
    expect(Array.isArray(after) ? after[0] : after).toBeLessThan(tested[0]);
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    expect(typeof (await m.trainOnBatch(x, y))).toBe('number');
    expect(typeof (await m.testOnBatch(x, y))).toBe('number');
    m.dispose();
  });

  it('trains a multi-output model with per-output losses and loss weights', async () => {
    const inp = nr.input({ shape: [2] });
    const h = nr.layers.dense({ units: 4, activation: 'relu' }).apply(inp);
    const a = nr.layers.dense({ units: 1, name: 'reg' }).apply(h);
    const b = nr.layers.dense({ units: 2, activation: 'softmax', name: 'cls' }).apply(h);
    const m = nr.model({ inputs: inp, outputs: [a, b] });
    m.compile({
      optimizer: 'adam',
      loss: { reg: 'mse', cls: 'sparseCategoricalCrossentropy' },
      metrics: { cls: ['accuracy'] },
      lossWeights: { reg: 1, cls: 0.5 },
    });
    const x = nr.randomNormal([16, 2], 0, 1, 'float32', 4);
    const hist = await m.fit(x, [x.sum(1, true), nr.zeros([16], 'int32')], {
      epochs: 2,
      verbose: 0,
    });
    expect(Object.keys(hist.history).sort()).toEqual(['cls_accuracy', 'loss']);
    m.dispose();
  });
});

describe('bad input gives clear errors', () => {
  const m = nr.sequential({
    layers: [nr.layers.dense({ units: 3, activation: 'softmax', inputShape: [2], name: 'probs' })],
  });

  it('unknown loss, optimizer and activation strings', () => {
    expect(() => m.compile({ optimizer: 'adamz', loss: 'mse' })).toThrow(
      /unknown optimizer 'adamz'/,
    );
    expect(() => m.compile({ optimizer: 'adam', loss: 'msee' })).toThrow(/unknown loss 'msee'/);
    expect(() => nr.layers.dense({ units: 2, activation: 'rellu' })).toThrow(/rellu/);
    expect(() => nr.layers.dense({ units: -1 })).toThrow(
      /Dense: units must be a positive integer, received -1/,
    );
  });

  it('fit before compile, mismatched x/y lengths, sparse labels out of range', async () => {
    const fresh = nr.sequential({ layers: [nr.layers.dense({ units: 1, inputShape: [2] })] });
    await expect(fresh.fit(nr.ones([2, 2]), nr.ones([2, 1]))).rejects.toThrow(
      /call compile\(\) before fit\(\)/,
    );
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    await expect(m.fit(nr.ones([4, 2]), nr.zeros([3]), { verbose: 0 })).rejects.toThrow(
      /x and y must have the same number of samples: x\[0\] has 4, y\[0\] has shape \[3\]/,
    );
    await expect(m.fit(nr.ones([3, 2]), nr.tensor([0, 1, 7]), { verbose: 0 })).rejects.toThrow(
      /label 7 at index 2 is out of range \[0, 3\)/,
    );
  });

  it('NaN in the data stops training with TerminateOnNaN', async () => {
    const stop = new nr.callbacks.TerminateOnNaN();
    const warn = console.warn;
    console.warn = () => {};
    const r = nr.sequential({ layers: [nr.layers.dense({ units: 1, inputShape: [1] })] });
    r.compile({ optimizer: 'sgd', loss: 'mse' });
    const h = await r.fit(nr.tensor([[1], [NaN], [2], [3]]), nr.ones([4, 1]), {
      epochs: 5,
      batchSize: 1,
      shuffle: false,
      verbose: 0,
      callbacks: [stop],
    });
    console.warn = warn;
    expect(stop.stoppedAtBatch).toBe(1);
    expect(h.epoch.length).toBe(1);
    r.dispose();
  });
});

describe('fitDataset', () => {
  it('trains from a neurite dataset of {xs, ys} batches, with validation, and leaks nothing across epochs', async () => {
    nr.setSeed(5);
    const xs = Array.from({ length: 64 }, (_, i) => [i / 64, (i % 8) / 8]);
    const ds = nr.data
      .array(xs)
      .map((v) => ({
        xs: nr.tensor(v as number[]),
        ys: nr.tensor([(v as number[])[0] + (v as number[])[1]]),
      }))
      .batch(16);
    const m = nr.sequential({
      layers: [
        nr.layers.dense({ units: 8, activation: 'relu', inputShape: [2] }),
        nr.layers.dense({ units: 1 }),
      ],
    });
    m.compile({
      optimizer: new nr.optimizers.Adam({ learningRate: 0.02 }),
      loss: 'mse',
      metrics: ['mae'],
    });
    const counts: number[] = [];
    const h = await m.fitDataset(ds, {
      epochs: 6,
      verbose: 0,
      validationData: ds,
      callbacks: { onEpochEnd: () => void counts.push(nr.memory().numTensors) },
    });
    expect(Object.keys(h.history).sort()).toEqual(['loss', 'mae', 'val_loss', 'val_mae']);
    expect(h.history.loss.at(-1)).toBeLessThan(h.history.loss[0]);
    for (const c of counts.slice(1)) expect(c).toBe(counts[0]);
    const [loss] = (await m.evaluateDataset(ds)) as nr.Tensor[];
    expect((await loss.data())[0]).toBeCloseTo(h.history.val_loss.at(-1) as number, 4);
    m.dispose();
  });

  it('accepts [xs, ys] batches and batchesPerEpoch', async () => {
    const col = (vals: number[]) => nr.data.array(vals).map((v) => nr.tensor([v as number]));
    const ds = nr.data.zip([col([1, 2, 3, 4]), col([2, 4, 6, 8])]).batch(2);
    const m = nr.sequential({ layers: [nr.layers.dense({ units: 1, inputShape: [1] })] });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const h = await m.fitDataset(ds.repeat(), { epochs: 2, batchesPerEpoch: 3, verbose: 0 });
    expect(h.epoch).toEqual([0, 1]);
    await expect(m.fitDataset([1, 2] as unknown as nr.BatchSource, { verbose: 0 })).rejects.toThrow(
      /expected a Dataset/,
    );
  });
});

describe('fit with a global seed', () => {
  // Small and fast on every backend: 64 rows, batches of 8, three shuffled epochs.
  async function trainedWeights(seed: number, shuffle: boolean): Promise<number[]> {
    nr.setSeed(seed);
    const x = nr.randomNormal([64, 3]);
    const y = x.sum(1, true).tanh();
    const m = nr.sequential({
      layers: [
        nr.layers.dense({ units: 4, activation: 'tanh', inputShape: [3] }),
        nr.layers.dense({ units: 1 }),
      ],
    });
    m.compile({ optimizer: nr.train.sgd(0.1), loss: 'meanSquaredError' });
    await m.fit(x, y, { epochs: 3, batchSize: 8, shuffle, verbose: 0 });
    const out: number[] = [];
    for (const w of m.getWeights()) out.push(...(await w.data()));
    m.dispose();
    nr.dispose([x, y]);
    return out;
  }

  it('setSeed makes shuffled fits repeat: the same seed gives equal weights', async () => {
    const a = await trainedWeights(5, true);
    const b = await trainedWeights(5, true);
    expect(b).toEqual(a);
  });

  it('the shuffle draws from the seed: another seed, or no shuffle, trains differently', async () => {
    const a = await trainedWeights(5, true);
    const other = await trainedWeights(6, true);
    const unshuffled = await trainedWeights(5, false);
    expect(other).not.toEqual(a);
    // Same seed and data as `a`: the shuffle is what makes the difference.
    expect(unshuffled).not.toEqual(a);
  });

  it('each epoch gets a new order, and the shuffle moves the counter of later random ops', async () => {
    nr.setSeed(9);
    const first = Array.from(shuffled(10));
    const second = Array.from(shuffled(10));
    expect(first).not.toEqual(second);
    expect([...first].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    nr.setSeed(9);
    expect(Array.from(shuffled(10))).toEqual(first);
    // A draw after a shuffle is not the draw the shuffle's seed gives first.
    const afterShuffle = await nr.randomUniform([4]).data();
    nr.setSeed(9);
    expect(Array.from(await nr.randomUniform([4]).data())).not.toEqual(Array.from(afterShuffle));
  });
});
