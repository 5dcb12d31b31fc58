// tfjs-core's tf.losses: (labels, predictions, weights?, reduction?) against hand-computed values, every reduction.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/index.js';

const { losses } = nr;

async function value(t: nr.Tensor): Promise<number> {
  expect(t.shape).toEqual([]);
  return (await t.data())[0];
}

describe('tf.losses with tfjs signatures', () => {
  it('meanSquaredError reduces to a scalar (SUM_BY_NONZERO_WEIGHTS by default) and honours every reduction', async () => {
    const y = [[0, 1]];
    const p = [[1, 1]];
    expect(await value(losses.meanSquaredError(y, p))).toBeCloseTo(0.5, 6);
    expect(await value(losses.meanSquaredError(y, p, [[1, 0]]))).toBeCloseTo(1, 6);
    expect(await value(losses.meanSquaredError(y, p, null, nr.Reduction.SUM))).toBeCloseTo(1, 6);
    expect(await value(losses.meanSquaredError(y, p, null, nr.Reduction.MEAN))).toBeCloseTo(0.5, 6);
    expect(await value(losses.meanSquaredError(y, p, [[2, 2]], nr.Reduction.MEAN))).toBeCloseTo(
      0.5,
      6,
    );
    const none = losses.meanSquaredError(y, p, [[3, 1]], nr.Reduction.NONE);
    expect(none.shape).toEqual([1, 2]);
    expect(Array.from(await none.data())).toEqual([3, 0]);
    // The Keras object and Keras' per-sample function keep Keras' meaning.
    expect(await value(new losses.MeanSquaredError().call(y, p))).toBeCloseTo(0.5, 6);
    expect(
      Array.from(
        await losses
          .mse(
            [
              [0, 1],
              [1, 1],
            ],
            [
              [1, 1],
              [1, 1],
            ],
          )
          .data(),
      ),
    ).toEqual([0.5, 0]);
  });

  it('computeWeightedLoss: weights that cover several elements, and non-zero counting', async () => {
    expect(await value(losses.computeWeightedLoss([1, 2, 3], [1, 0, 1]))).toBeCloseTo(2, 6);
    const l = nr.tensor([
      [1, 0],
      [4, 0],
    ]);
    const w = nr.tensor([[1], [0]]);
    // MEAN: sum(l·w) / sum(w), divided by the 2 elements each weight covers
    expect(await value(losses.computeWeightedLoss(l, w, nr.Reduction.MEAN))).toBeCloseTo(0.5, 6);
    // SUM_BY_NONZERO_WEIGHTS: the broadcast weights have 2 non-zero entries
    expect(await value(losses.computeWeightedLoss(l, w))).toBeCloseTo(0.5, 6);
    expect(await value(losses.computeWeightedLoss(l))).toBeCloseTo(1.25, 6);
  });

  it('absoluteDifference, cosineDistance, hingeLoss, huberLoss, logLoss', async () => {
    expect(await value(losses.absoluteDifference([1, 2], [2, 4]))).toBeCloseTo(1.5, 6);
    expect(await value(losses.cosineDistance([[0, 1]], [[0, 1]], 1))).toBeCloseTo(0, 6);
    expect(await value(losses.cosineDistance([[1, 0]], [[0, 1]], 1))).toBeCloseTo(1, 6);
    expect(await value(losses.hingeLoss([1, 0], [0.5, -2]))).toBeCloseTo(0.25, 6);
    expect(await value(losses.huberLoss([0, 0], [0.5, 3]))).toBeCloseTo((0.125 + 2.5) / 2, 6);
    expect(await value(losses.huberLoss([0, 0], [0.5, 3], null, 2))).toBeCloseTo(
      (0.125 + 4) / 2,
      6,
    );
    const expected = (-Math.log(0.9 + 1e-7) - Math.log(0.8 + 1e-7)) / 2;
    expect(await value(losses.logLoss([1, 0], [0.9, 0.2]))).toBeCloseTo(expected, 5);
  });

  it('sigmoidCrossEntropy and softmaxCrossEntropy on logits, with label smoothing', async () => {
    const a = Math.log1p(Math.exp(-2));
    const b = Math.log1p(Math.exp(-1));
    expect(await value(losses.sigmoidCrossEntropy([[1, 0]], [[2, -1]]))).toBeCloseTo(
      (a + b) / 2,
      5,
    );
    // smoothing 0.2 moves the labels to [0.9, 0.1]
    const smoothed = (2 - 1.8 + a + (0.1 + b)) / 2;
    expect(await value(losses.sigmoidCrossEntropy([[1, 0]], [[2, -1]], null, 0.2))).toBeCloseTo(
      smoothed,
      5,
    );
    expect(await value(losses.softmaxCrossEntropy([[0, 1]], [[1, 3]]))).toBeCloseTo(a, 5);
    // smoothing 0.2 over 2 classes: labels [0.1, 0.9]
    expect(await value(losses.softmaxCrossEntropy([[0, 1]], [[1, 3]], null, 0.2))).toBeCloseTo(
      0.1 * (2 + a) + 0.9 * a,
      5,
    );
    // one loss per sample before the reduction
    const perSample = losses.softmaxCrossEntropy(
      [
        [0, 1],
        [1, 0],
      ],
      [
        [1, 3],
        [1, 3],
      ],
      null,
      0,
      nr.Reduction.NONE,
    );
    expect(perSample.shape).toEqual([2]);
    // large logits stay finite
    expect(
      Number.isFinite(await value(losses.softmaxCrossEntropy([[0, 1]], [[1000, -1000]]))),
    ).toBe(true);
    expect(Number.isFinite(await value(losses.sigmoidCrossEntropy([[1]], [[-1000]])))).toBe(true);
  });

  it('gradients flow (softmaxCrossEntropy through a variable)', async () => {
    const w = nr.variable(nr.tensor([[1, 3]]));
    const { grads } = nr.variableGrads(() => losses.softmaxCrossEntropy([[0, 1]], w), [w]);
    // d/dlogits = softmax(logits) − labels
    const s = 1 / (1 + Math.exp(2));
    const g = Array.from(await grads[w.name].data());
    expect(g[0]).toBeCloseTo(s, 5);
    expect(g[1]).toBeCloseTo(1 - s - 1, 5);
    w.dispose();
  });

  it('bad arguments name the op and the value', () => {
    expect(() => losses.meanSquaredError([1, 2], [1, 2, 3])).toThrow(
      /meanSquaredError: labels and predictions must have the same shape/,
    );
    expect(() => losses.meanSquaredError([1], [1], null, 7 as nr.Reduction)).toThrow(
      /reduction must be one of/,
    );
    expect(() => losses.huberLoss([1], [1], null, -1)).toThrow(/huberLoss: delta/);
    expect(() => losses.softmaxCrossEntropy([[1, 0]], [[1, 0]], null, 2)).toThrow(/labelSmoothing/);
  });
});
