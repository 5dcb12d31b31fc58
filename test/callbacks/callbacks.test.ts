// Callbacks: hooks order, stopTraining, EarlyStopping, ReduceLROnPlateau, LearningRateScheduler, CSVLogger.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';

function tiny(lr = 0.1) {
  const m = nr.sequential({ layers: [nr.layers.dense({ units: 1, inputShape: [1] })] });
  m.compile({ optimizer: new nr.optimizers.SGD({ learningRate: lr }), loss: 'mse' });
  return m;
}
const x = nr.tensor([[1], [2], [3], [4]]);
const y = nr.tensor([[2], [4], [6], [8]]);

describe('callbacks', () => {
  it('object-literal hooks run in order, and stopTraining from a callback ends fit', async () => {
    const events: string[] = [];
    const m = tiny();
    const h = await m.fit(x, y, {
      epochs: 10,
      batchSize: 2,
      verbose: 0,
      callbacks: {
        onTrainBegin: () => void events.push('train'),
        onEpochBegin: (e) => void events.push(`epoch${e}`),
        onBatchEnd: (b, logs) => void events.push(`batch${b}:${typeof logs?.loss}`),
        onEpochEnd: (e) => {
          events.push(`end${e}`);
          if (e === 1) m.stopTraining = true;
        },
        onTrainEnd: () => void events.push('done'),
      },
    });
    expect(events).toEqual([
      'train',
      'epoch0',
      'batch0:number',
      'batch1:number',
      'end0',
      'epoch1',
      'batch0:number',
      'batch1:number',
      'end1',
      'done',
    ]);
    expect(h.epoch).toEqual([0, 1]);
  });

  it('EarlyStopping stops after patience and restores the best weights', async () => {
    const m = tiny(0.5); // a learning rate that diverges: the loss rises after the first epochs
    const es = new nr.callbacks.EarlyStopping({
      monitor: 'loss',
      patience: 2,
      restoreBestWeights: true,
    });
    const seen: number[][] = [];
    const firstValues = () => Promise.all(m.getWeights().map(async (w) => (await w.data())[0]));
    const h = await m.fit(x, y, {
      epochs: 50,
      batchSize: 4,
      verbose: 0,
      callbacks: [es, { onEpochEnd: async () => void seen.push(await firstValues()) }],
    });
    expect(h.epoch.length).toBeLessThan(50);
    const best = h.history.loss.indexOf(Math.min(...h.history.loss));
    expect(es.bestEpoch).toBe(best);
    expect(await firstValues()).toEqual(seen[best]);
  });

  it('EarlyStopping resolves the mode from the metric name', () => {
    expect(new nr.callbacks.EarlyStopping({ monitor: 'val_accuracy' }).mode).toBe('max');
    expect(new nr.callbacks.EarlyStopping({ monitor: 'val_loss' }).mode).toBe('min');
  });

  it('ReduceLROnPlateau lowers the learning rate when the loss stalls', async () => {
    const r = new nr.callbacks.ReduceLROnPlateau({ monitor: 'loss', patience: 1, factor: 0.5 });
    // Zero inputs give zero kernel gradients and no bias: the loss cannot move, so it stalls every epoch.
    const flat = nr.sequential({
      layers: [
        nr.layers.dense({ units: 1, inputShape: [1], kernelInitializer: 'zeros', useBias: false }),
      ],
    });
    flat.compile({ optimizer: new nr.optimizers.SGD({ learningRate: 0.2 }), loss: 'mse' });
    const h = await flat.fit(nr.zeros([4, 1]), nr.ones([4, 1]), {
      epochs: 4,
      verbose: 0,
      callbacks: [r],
    });
    // Each epoch logs the rate it trained with; the reduction applies from the next epoch (as in Keras).
    expect(h.history.learning_rate.map((v) => Number(v.toFixed(6)))).toEqual([0.2, 0.2, 0.1, 0.05]);
  });

  it('LearningRateScheduler sets the rate each epoch', async () => {
    const m = tiny();
    const h = await m.fit(x, y, {
      epochs: 3,
      verbose: 0,
      callbacks: [new nr.callbacks.LearningRateScheduler((epoch) => 0.01 * (epoch + 1))],
    });
    expect(h.history.learning_rate.map((v) => Number(v.toFixed(6)))).toEqual([0.01, 0.02, 0.03]);
  });

  it('CSVLogger writes one row per epoch', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'neurite-csv-'));
    const file = join(dir, 'log.csv');
    await tiny().fit(x, y, {
      epochs: 3,
      verbose: 0,
      callbacks: [new nr.callbacks.CSVLogger(file)],
    });
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('epoch,loss');
    expect(lines.length).toBe(4);
    expect(lines[3].startsWith('2,')).toBe(true);
    await rm(dir, { recursive: true });
  });
});

describe('ModelCheckpoint', () => {
  it('saves every epoch with {epoch} in the path, or only the best', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'neurite-ckpt-'));
    const every = new nr.callbacks.ModelCheckpoint(join(dir, 'e{epoch}'), { monitor: 'loss' });
    const best = new nr.callbacks.ModelCheckpoint(join(dir, 'best'), {
      monitor: 'loss',
      saveBestOnly: true,
    });
    const m = tiny(0.01);
    await m.fit(x, y, { epochs: 3, verbose: 0, callbacks: [every, best] });
    expect(every.saved).toEqual([1, 2, 3].map((e) => join(dir, `e${e}`)));
    expect(best.saved.length).toBe(3); // the loss falls every epoch at this rate
    const reloaded = await nr.loadLayersModel(join(dir, 'best'));
    expect(await (reloaded.predict(x) as nr.Tensor).array()).toEqual(
      await (m.predict(x) as nr.Tensor).array(),
    );
    await rm(dir, { recursive: true });
  });
});
