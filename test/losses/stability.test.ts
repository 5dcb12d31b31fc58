// Numerics: gradients against float64 finite differences, and finite values and gradients at extreme logits and probabilities.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import * as losses from '../../src/losses/index.js';
import { checkGradient, expectClose, type OpCheck } from '../helpers/check_op.js';

const probs = { shape: [3, 4], min: 0.05, max: 0.95 };
const binary = { shape: [3, 4], values: [1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 0, 0] };
const oneHot = { shape: [3, 4], values: [0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1] };
const reals = { shape: [3, 4], min: -2, max: 2 };

// yTrue is data; the gradient is checked with respect to yPred (input 1).
const checks: OpCheck[] = [
  {
    name: 'meanSquaredError',
    fn: (t, p) => losses.mse(t, p),
    inputs: [reals, reals],
    grad: [1],
  },
  {
    name: 'meanAbsolutePercentageError',
    fn: (t, p) => losses.meanAbsolutePercentageError(t, p),
    inputs: [
      { ...reals, min: 0.5 },
      { ...reals, awayFrom: [0.5, 1, 1.5, 2] },
    ],
    grad: [1],
  },
  {
    name: 'meanSquaredLogarithmicError',
    fn: (t, p) => losses.meanSquaredLogarithmicError(t, p),
    inputs: [probs, { ...probs, max: 3 }],
    grad: [1],
  },
  {
    name: 'huber delta 0.7',
    fn: (t, p) => losses.huber(t, p, 0.7),
    inputs: [
      { ...reals, values: new Array<number>(12).fill(0) },
      { ...reals, awayFrom: [-0.7, 0.7] },
    ],
    grad: [1],
  },
  {
    name: 'logCosh',
    fn: (t, p) => losses.logCosh(t, p),
    inputs: [reals, { ...reals, min: -30, max: 30 }],
    grad: [1],
  },
  {
    name: 'cosineSimilarity',
    fn: (t, p) => losses.cosineSimilarity(t, p),
    inputs: [reals, reals],
    grad: [1],
  },
  {
    name: 'kullbackLeiblerDivergence',
    fn: (t, p) => losses.kullbackLeiblerDivergence(t, p),
    inputs: [probs, probs],
    grad: [1],
  },
  {
    name: 'poisson',
    fn: (t, p) => losses.poisson(t, p),
    inputs: [
      { ...reals, min: 0, max: 4 },
      { ...probs, max: 3 },
    ],
    grad: [1],
  },
  {
    name: 'squaredHinge',
    fn: (t, p) => losses.squaredHinge(t, p),
    inputs: [binary, reals],
    grad: [1],
  },
  {
    name: 'categoricalHinge',
    fn: (t, p) => losses.categoricalHinge(t, p),
    inputs: [
      oneHot,
      { shape: [3, 4], values: [0.1, 0.9, -0.3, 0.4, 1.2, 0.2, 0.7, -1, 0.3, 0.5, 0.1, 0.2] },
    ],
    grad: [1],
  },
  {
    name: 'binaryCrossentropy probabilities',
    fn: (t, p) => losses.binaryCrossentropy(t, p, false, 0.1),
    inputs: [binary, probs],
    grad: [1],
  },
  {
    name: 'binaryCrossentropy logits',
    fn: (t, p) => losses.binaryCrossentropy(t, p, true, 0.1),
    inputs: [binary, { ...reals, min: -8, max: 8 }],
    grad: [1],
  },
  {
    name: 'binaryFocalCrossentropy probabilities',
    fn: (t, p) => losses.binaryFocalCrossentropy(t, p, true, 0.3, 2),
    inputs: [binary, probs],
    grad: [1],
  },
  {
    name: 'binaryFocalCrossentropy logits',
    fn: (t, p) => losses.binaryFocalCrossentropy(t, p, false, 0.25, 1.5, true),
    inputs: [binary, { ...reals, min: -6, max: 6 }],
    grad: [1],
  },
  {
    name: 'categoricalCrossentropy probabilities',
    fn: (t, p) => losses.categoricalCrossentropy(t, p, false, 0.1),
    inputs: [oneHot, probs],
    grad: [1],
  },
  {
    name: 'categoricalCrossentropy logits',
    fn: (t, p) => losses.categoricalCrossentropy(t, p, true, 0.1),
    inputs: [oneHot, { ...reals, min: -5, max: 5 }],
    grad: [1],
  },
  {
    name: 'sparseCategoricalCrossentropy logits',
    fn: (t, p) => losses.sparseCategoricalCrossentropy(t, p, true),
    inputs: [[1, 0, 3], { ...reals, min: -5, max: 5 }],
    grad: [1],
  },
  {
    name: 'sparseCategoricalCrossentropy probabilities',
    fn: (t, p) => losses.sparseCategoricalCrossentropy(t, p),
    inputs: [[1, 0, 3], probs],
    grad: [1],
  },
  {
    name: 'CategoricalCrossentropy.call with sample weights',
    fn: (t, p, w) => new losses.CategoricalCrossentropy({ fromLogits: true }).call(t, p, w),
    inputs: [oneHot, reals, { shape: [3], values: [0.5, 2, 1] }],
    grad: [1, 2],
  },
];

describe('loss gradients match float64 central differences', () => {
  for (const c of checks) it(c.name, () => checkGradient(c, 'cpu'));
});

/** The loss and d loss / d yPred, both read back. */
async function valueAndGrad(
  f: (p: nr.Tensor) => nr.Tensor,
  yPred: nr.Tensor,
): Promise<{ value: number[]; grad: number[] }> {
  const { value, grad } = nr.valueAndGrad((p) => f(p).sum())(yPred);
  const out = { value: Array.from(await value.data()), grad: Array.from(await grad.data()) };
  nr.dispose([value, grad]);
  return out;
}

function expectFinite(values: number[], what: string): void {
  values.forEach((v, i) => expect(Number.isFinite(v), `${what}[${i}] = ${v}`).toBe(true));
}

describe('finite values and gradients at extreme logits', () => {
  const extreme = nr.tensor([
    [1000, -1000, 0],
    [-1000, 1000, 0],
    [1e4, -1e4, 0],
    [-1e4, 1e4, 3],
  ]);
  const hot = nr.tensor([
    [1, 0, 0],
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ]);
  const labels = nr.tensor([0, 0, 1, 2], [4], 'int32');

  it('binaryCrossentropy from logits: exact, finite, gradient sigmoid(x) - t', async () => {
    const { value, grad } = await valueAndGrad(
      (p) => losses.binaryCrossentropy(hot, p, true),
      extreme,
    );
    expectFinite(value, 'loss');
    expectFinite(grad, 'grad');
    // per element softplus(x) - t·x: rows give ln2, 2000 + ln2, 2e4 + ln2 and 1e4 + log1p(e^-3), each over 3 columns
    expectClose(
      value,
      [(3 * Math.LN2 + 2000 + 2e4 + 1e4 + Math.log1p(Math.exp(-3))) / 3],
      1e-3,
      1e-6,
    );
    const sig = (x: number) => 1 / (1 + Math.exp(-x));
    const want = (await extreme.data()).map(
      (x, i) => (sig(x) - [1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1][i]) / 3,
    );
    expectClose(grad, Array.from(want), 1e-6, 1e-5, 'grad');
  });

  it('categoricalCrossentropy and sparseCategoricalCrossentropy from logits', async () => {
    const want = [0, 2000, 2e4, 1e4 - 3 + Math.log1p(Math.exp(-1e4 - 3))];
    for (const f of [
      (p: nr.Tensor) => losses.categoricalCrossentropy(hot, p, true),
      (p: nr.Tensor) => losses.sparseCategoricalCrossentropy(labels, p, true),
    ]) {
      const perSample = f(extreme);
      expectClose(await perSample.data(), want, 1e-3, 1e-6, 'loss');
      perSample.dispose();
      const { grad } = await valueAndGrad(f, extreme);
      expectFinite(grad, 'grad');
      // softmax - onehot: each row's gradient sums to 0 and stays in [-1, 1]
      for (let r = 0; r < 4; r++)
        expect(Math.abs(grad[3 * r] + grad[3 * r + 1] + grad[3 * r + 2])).toBeLessThan(1e-6);
    }
  });

  it('binaryFocalCrossentropy from logits and label smoothing', async () => {
    for (const f of [
      (p: nr.Tensor) => losses.binaryFocalCrossentropy(hot, p, true, 0.25, 2, true),
      (p: nr.Tensor) => losses.binaryFocalCrossentropy(hot, p, false, 0.25, 0, true, 0.1),
      (p: nr.Tensor) => losses.categoricalCrossentropy(hot, p, true, 0.2),
      (p: nr.Tensor) => losses.binaryCrossentropy(hot, p, true, 0.2),
    ]) {
      const { value, grad } = await valueAndGrad(f, extreme);
      expectFinite(value, 'loss');
      expectFinite(grad, 'grad');
    }
  });

  it('probability paths clip 0 and 1 to [1e-7, 1 - 1e-7]', async () => {
    const p = nr.tensor([
      [0, 1, 0],
      [1, 0, 0],
    ]);
    const t = nr.tensor([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    for (const f of [
      (x: nr.Tensor) => losses.binaryCrossentropy(t, x),
      (x: nr.Tensor) => losses.binaryFocalCrossentropy(t, x, true),
      (x: nr.Tensor) => losses.categoricalCrossentropy(t, x),
      (x: nr.Tensor) => losses.sparseCategoricalCrossentropy([0, 1], x),
      (x: nr.Tensor) => losses.kullbackLeiblerDivergence(t, x),
      (x: nr.Tensor) => losses.poisson(t, x),
    ]) {
      const { value, grad } = await valueAndGrad(f, p);
      expectFinite(value, 'loss');
      expectFinite(grad, 'grad');
    }
    // -log(1e-7) for the missed target, in float32
    const cce = losses.categoricalCrossentropy(t, p);
    expectClose(await cce.data(), [16.118095, 16.118095], 0, 1e-5);
    nr.dispose([p, t, cce]);
  });

  it('logCosh of huge errors and cosineSimilarity of zero vectors', async () => {
    const big = nr.tensor([[1e4, -1e4, 100]]);
    const { value, grad } = await valueAndGrad((p) => losses.logCosh(nr.zeros([1, 3]), p), big);
    expectClose(value, [(1e4 - Math.LN2 + 1e4 - Math.LN2 + 100 - Math.LN2) / 3], 1e-3, 1e-6);
    expectClose(grad, [1 / 3, -1 / 3, 1 / 3], 1e-6, 1e-5);
    const zero = nr.zeros([2, 3]);
    const cos = await valueAndGrad(
      (p) =>
        losses.cosineSimilarity(
          nr.tensor([
            [1, 2, 3],
            [0, 0, 0],
          ]),
          p,
        ),
      zero,
    );
    expectClose(cos.value, [0], 0, 0);
    expectFinite(cos.grad, 'cosine grad');
    nr.dispose([big, zero]);
  });
});
