// tfjs' tf.metrics functions and metric names in compile, with tfjs' history keys ('acc') beside Keras 3's.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/index.js';

const { metrics } = nr;

async function values(t: nr.Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

describe('tf.metrics functions', () => {
  it('precision, recall and r2Score are batch scalars', async () => {
    expect(await values(metrics.precision([1, 0, 1], [1, 1, 0]))).toEqual([0.5]);
    expect(await values(metrics.recall([1, 0, 1], [1, 1, 0]))).toEqual([0.5]);
    expect(await values(metrics.precision([1, 0], [0, 0]))).toEqual([0]);
    expect((await values(metrics.r2Score([1, 2, 3], [1, 2, 4])))[0]).toBeCloseTo(0.5, 6);
  });

  it('per-sample functions under tfjs names', async () => {
    expect(await values(metrics.cosineProximity([[0, 1]], [[0, 3]]))).toEqual([-1]);
    expect((await values(metrics.MAPE([[2, 4]], [[1, 4]])))[0]).toBeCloseTo(25, 4);
    expect((await values(metrics.mape([[2, 4]], [[1, 4]])))[0]).toBeCloseTo(25, 4);
    expect(await values(metrics.MSE([[0, 1]], [[1, 1]]))).toEqual([0.5]);
    expect(await values(metrics.binaryAccuracy([[1, 0]], [[0.9, 0.7]]))).toEqual([0.5]);
    expect(await values(metrics.categoricalAccuracy([[0, 1]], [[0.2, 0.8]]))).toEqual([1]);
    const ce = await values(metrics.categoricalCrossentropy([[0, 1]], [[0.5, 0.5]]));
    expect(ce[0]).toBeCloseTo(Math.log(2), 5);
  });
});

describe('compile accepts tfjs metric names', () => {
  it("logs 'acc' beside 'accuracy' (tfjs reads h.history.acc, Keras h.history.accuracy)", async () => {
    nr.setSeed(1);
    const m = nr.sequential({
      layers: [nr.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [2] })],
    });
    m.compile({
      optimizer: 'adam',
      loss: 'binaryCrossentropy',
      metrics: ['accuracy', 'mape', 'ce'],
    });
    const x = nr.tensor([
      [0, 1],
      [1, 0],
      [1, 1],
      [0, 0],
    ]);
    const y = nr.tensor([[1], [0], [1], [0]]);
    const seen: Record<string, number | undefined>[] = [];
    const h = await m.fit(x, y, {
      epochs: 2,
      verbose: 0,
      validationData: [x, y],
      callbacks: {
        onEpochEnd: (_e, logs) => void seen.push({ acc: logs?.acc, val_acc: logs?.val_acc }),
      },
    });
    expect(Object.keys(h.history).sort()).toEqual([
      'accuracy',
      'ce',
      'loss',
      'mape',
      'val_accuracy',
      'val_ce',
      'val_loss',
      'val_mape',
    ]);
    expect(h.history.acc).toEqual(h.history.accuracy);
    expect(h.history.val_acc).toEqual(h.history.val_accuracy);
    expect(h.history.crossentropy).toEqual(h.history.ce);
    expect(seen.map((s) => s.acc)).toEqual(h.history.accuracy);
    expect(seen.map((s) => s.val_acc)).toEqual(h.history.val_accuracy);
    // binary crossentropy metric equals the loss here (no regularization)
    expect(h.history.ce[1]).toBeCloseTo(h.history.loss[1], 4);
    m.dispose();
  });

  it("'categoricalCrossentropy', 'MAPE', 'cosineProximity', 'msle' and friends", () => {
    const m = nr.sequential({
      layers: [nr.layers.dense({ units: 3, activation: 'softmax', inputShape: [2] })],
    });
    for (const name of [
      'categoricalCrossentropy',
      'MAPE',
      'cosineProximity',
      'msle',
      'kld',
      'poisson',
      'logcosh',
      'precision',
      'recall',
    ])
      expect(() =>
        m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: [name] }),
      ).not.toThrow();
    m.dispose();
  });
});
