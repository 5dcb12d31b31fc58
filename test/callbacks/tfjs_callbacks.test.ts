// tfjs' callback forms: tf.CustomCallback, plain hook objects (awaited), tf.callbacks.earlyStopping on 'val_acc'.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/index.js';

function data() {
  const x = nr.tensor([
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ]);
  const y = nr.tensor([[0], [1], [1], [1]]);
  return { x, y };
}

describe('tfjs callbacks', () => {
  it('CustomCallback and plain objects: every hook runs, async hooks are awaited in order', async () => {
    nr.setSeed(1);
    const { x, y } = data();
    const m = nr.sequential({
      layers: [nr.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [2] })],
    });
    m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['acc'] });
    const events: string[] = [];
    const custom = new nr.CustomCallback({
      onTrainBegin: () => void events.push('trainBegin'),
      onEpochBegin: (e) => void events.push(`epochBegin ${e}`),
      onBatchEnd: async (b) => {
        await new Promise((r) => setTimeout(r, 1));
        events.push(`batchEnd ${b}`);
      },
      onTrainEnd: () => void events.push('trainEnd'),
    });
    const seen: number[] = [];
    await m.fit(x, y, {
      epochs: 2,
      batchSize: 2,
      verbose: 0,
      callbacks: [custom, { onEpochEnd: async (_e, logs) => void seen.push(logs?.acc ?? NaN) }],
    });
    expect(events).toEqual([
      'trainBegin',
      'epochBegin 0',
      'batchEnd 0',
      'batchEnd 1',
      'epochBegin 1',
      'batchEnd 0',
      'batchEnd 1',
      'trainEnd',
    ]);
    expect(seen.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(custom).toBeInstanceOf(nr.Callback);
    m.dispose();
  });

  it("tf.callbacks.earlyStopping watches tfjs' 'val_acc' (maximised)", async () => {
    nr.setSeed(2);
    const { x, y } = data();
    const m = nr.sequential({
      layers: [nr.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [2] })],
    });
    // learning rate 0: nothing improves, so patience 1 stops after epoch 2
    m.compile({
      optimizer: new nr.optimizers.SGD({ learningRate: 0 }),
      loss: 'binaryCrossentropy',
      metrics: ['accuracy'],
    });
    const stop = nr.callbacks.earlyStopping({ monitor: 'val_acc', patience: 1 });
    expect(stop).toBeInstanceOf(nr.EarlyStopping);
    const h = await m.fit(x, y, {
      epochs: 10,
      verbose: 0,
      validationData: [x, y],
      callbacks: stop,
    });
    expect(h.epoch).toEqual([0, 1]);
    expect(h.history.val_acc).toHaveLength(2);
    m.dispose();
  });
});
