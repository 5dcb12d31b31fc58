// The Metric contract: no leaks over 1,000 updates, no synchronous reads (async-only backend), dispose, tape paused.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import * as metrics from '../../src/metrics/index.js';
import { ASYNC_ONLY, expectClose, onBackend } from '../helpers/check_op.js';

const count = () => nr.memory().numTensors;

/** One metric of each kind with a batch it accepts. */
function zoo(): {
  metric: metrics.Metric;
  yTrue: nr.Tensor;
  yPred: nr.Tensor;
  weights: nr.Tensor;
  uses: nr.Tensor[];
}[] {
  const probs = nr.tensor([
    [0.1, 0.7, 0.2],
    [0.5, 0.3, 0.2],
    [0.2, 0.2, 0.6],
    [0.3, 0.4, 0.3],
  ]);
  const oneHot = nr.tensor([
    [0, 1, 0],
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ]);
  const ids = nr.tensor([1, 0, 1, 2], [4], 'int32');
  const binaryTrue = nr.tensor([[1], [0], [1], [1]]);
  const binaryPred = nr.tensor([[0.8], [0.3], [0.4], [0.9]]);
  const weights = nr.tensor([1, 0.5, 2, 1]);
  const uses = [probs, oneHot, ids, binaryTrue, binaryPred, weights];
  const pairs: [metrics.Metric, nr.Tensor, nr.Tensor][] = [
    [new metrics.Accuracy(), binaryTrue, binaryTrue],
    [new metrics.BinaryAccuracy(), binaryTrue, binaryPred],
    [new metrics.CategoricalAccuracy(), oneHot, probs],
    [new metrics.SparseCategoricalAccuracy(), ids, probs],
    [new metrics.TopKCategoricalAccuracy({ k: 2 }), oneHot, probs],
    [new metrics.SparseTopKCategoricalAccuracy({ k: 2 }), ids, probs],
    [new metrics.AutoAccuracy(), ids, probs],
    [new metrics.Precision({ thresholds: [0.3, 0.5] }), binaryTrue, binaryPred],
    [new metrics.Recall({ topK: 1, classId: 1 }), oneHot, probs],
    [new metrics.AUC(), binaryTrue, binaryPred],
    [new metrics.AUC({ curve: 'PR', multiLabel: true }), oneHot, probs],
    [new metrics.F1Score({ average: 'weighted' }), oneHot, probs],
    [new metrics.F1Score({ threshold: 0.5 }), oneHot, probs],
    [new metrics.MeanIoU({ numClasses: 3, sparseYPred: false }), ids, probs],
    [new metrics.MeanSquaredError(), oneHot, probs],
    [new metrics.RootMeanSquaredError(), oneHot, probs],
    [new metrics.MeanAbsoluteError(), oneHot, probs],
    [new metrics.Mean(), probs, weights],
    [new metrics.Sum(), probs, weights],
  ];
  return pairs.map(([metric, yTrue, yPred]) => ({ metric, yTrue, yPred, weights, uses }));
}

function update(m: metrics.Metric, yTrue: nr.Tensor, yPred: nr.Tensor, weights: nr.Tensor): void {
  // Mean and Sum take (values, sampleWeight).
  if (m instanceof metrics.Mean && !(m instanceof metrics.MeanMetricWrapper))
    m.updateState(yTrue, weights);
  else if (m instanceof metrics.Sum) m.updateState(yTrue, weights);
  else m.updateState(yTrue, yPred, weights);
}

describe('Metric memory', () => {
  it('1,000 updateState calls keep the tensor count flat, for every metric', () => {
    const cases = zoo();
    for (const { metric, yTrue, yPred, weights } of cases) {
      update(metric, yTrue, yPred, weights); // builds lazily created state
      const before = count();
      for (let i = 0; i < 1000; i++) update(metric, yTrue, yPred, weights);
      expect(count(), metric.getClassName()).toBe(before);
      const r = metric.result();
      expect(count()).toBe(before + 1);
      r.dispose();
      metric.resetState();
      expect(count(), `${metric.getClassName()} resetState`).toBe(before);
    }
    for (const c of cases) c.metric.dispose();
    nr.dispose(cases[0].uses);
  });

  it('dispose frees the state variables; a disposed metric refuses work', () => {
    const before = count();
    const m = new metrics.AUC();
    expect(count()).toBe(before + 4);
    m.updateState([1, 0], [0.7, 0.2]);
    m.dispose();
    m.dispose();
    expect(count()).toBe(before);
    expect(m.isDisposed).toBe(true);
    expect(() => m.updateState([1], [0.5])).toThrow(/AUC.updateState: metric 'auc' was disposed/);
    expect(() => m.result()).toThrow(nr.DisposedError);
  });

  it('gives state variables unique names and keeps them out of training', () => {
    const a = new metrics.Mean({ name: 'loss' });
    const b = new metrics.Mean({ name: 'loss' });
    const names = [...a.variables, ...b.variables].map((v) => v.name);
    expect(new Set(names).size).toBe(4);
    expect(names[0]).toMatch(/^loss\/total/);
    expect([...a.variables, ...b.variables].some((v) => v.trainable)).toBe(false);
    a.dispose();
    b.dispose();
  });

  it('does not record on the gradient tape when updated inside a gradient function', async () => {
    const m = new metrics.BinaryAccuracy();
    const x = nr.tensor([0.5, -2]);
    const g = nr.grad((t: nr.Tensor) => {
      m.updateState([1, 0], t.sigmoid());
      return t.square().sum();
    })(x);
    expectClose(Array.from(await g.data()), [1, -4]);
    const r = m.result();
    expectClose(Array.from(await r.data()), [1]);
    nr.dispose([x, g, r]);
    m.dispose();
  });
});

describe('Metrics on a backend without synchronous reads (as WebGPU)', () => {
  onBackend(ASYNC_ONLY);

  it('update, result and reset with tensor ops only', async () => {
    expect(nr.getBackend()).toBe(ASYNC_ONLY);
    const cases = zoo();
    for (const { metric, yTrue, yPred, weights } of cases) {
      update(metric, yTrue, yPred, weights);
      update(metric, yTrue, yPred, weights);
      const r = metric.result();
      const v = Array.from(await r.data());
      expect(
        v.every((x) => Number.isFinite(x)),
        metric.getClassName(),
      ).toBe(true);
      r.dispose();
      metric.resetState();
      metric.dispose();
    }
    nr.dispose(cases[0].uses);
  });

  it('gives the same numbers as the CPU backend', async () => {
    const m = new metrics.AUC({ curve: 'PR' });
    m.updateState([0, 1, 1, 0, 1], [0.3, 0.6, 0.55, 0.7, 0.9], [1, 2, 1, 1, 0.5]);
    const r = m.result();
    const onAsync = Array.from(await r.data());
    r.dispose();
    m.dispose();
    await nr.setBackend('cpu');
    const c = new metrics.AUC({ curve: 'PR' });
    c.updateState([0, 1, 1, 0, 1], [0.3, 0.6, 0.55, 0.7, 0.9], [1, 2, 1, 1, 0.5]);
    const rc = c.result();
    expectClose(onAsync, Array.from(await rc.data()), 1e-7, 1e-7);
    rc.dispose();
    c.dispose();
    await nr.setBackend(ASYNC_ONLY);
  });
});
