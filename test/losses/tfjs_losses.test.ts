// tfjs-core's losses (tf.losses.absoluteDifference ... softmaxCrossEntropy) and tf.Reduction: values, gradients.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { checkForward, checkGradient, type OpCheck, REFERENCE } from '../helpers/check_op.js';

const L = nr.losses;
const t = [0.3, -0.6, -0.1];
const p = [1, 2, 3];
const w = [0.1, 0, 0.5];

const cases: OpCheck[] = [
  {
    name: 'absoluteDifference (default: sum / count)',
    fn: (a, b) => L.absoluteDifference(a, b),
    inputs: [t, p],
    expected: (0.7 + 2.6 + 3.1) / 3,
    grad: [1],
  },
  {
    name: 'absoluteDifference weighted, SUM_BY_NONZERO_WEIGHTS',
    fn: (a, b, c) => L.absoluteDifference(a, b, c),
    inputs: [t, p, w],
    expected: (0.7 * 0.1 + 3.1 * 0.5) / 2,
    grad: [1],
  },
  {
    name: 'computeWeightedLoss MEAN divides by the weights sum',
    fn: (a, c) => L.computeWeightedLoss(a, c, nr.Reduction.MEAN),
    inputs: [[1, 2, 3], w],
    expected: (0.1 + 1.5) / 0.6,
  },
  {
    name: 'computeWeightedLoss NONE',
    fn: (a, c) => L.computeWeightedLoss(a, c, nr.Reduction.NONE),
    inputs: [[1, 2, 3], w],
    expected: [0.1, 0, 1.5],
  },
  {
    name: 'computeWeightedLoss SUM',
    fn: (a) => L.computeWeightedLoss(a, null, nr.Reduction.SUM),
    inputs: [[1, 2, 3]],
    expected: 6,
  },
  {
    name: 'cosineDistance',
    fn: (a, b) => L.cosineDistance(a, b, 1, null, nr.Reduction.NONE),
    inputs: [
      [
        [1, 0],
        [0.6, 0.8],
      ],
      [
        [0.6, 0.8],
        [0.6, 0.8],
      ],
    ],
    expected: [[0.4], [0]],
  },
  {
    name: 'hingeLoss',
    fn: (a, b) => L.hingeLoss(a, b, null, nr.Reduction.NONE),
    inputs: [
      [1, 0, 1],
      [0.5, -0.5, 2],
    ],
    expected: [0.5, 0.5, 0],
    grad: [1],
  },
  {
    name: 'huberLoss',
    fn: (a, b) => L.huberLoss(a, b, null, 1, nr.Reduction.NONE),
    inputs: [
      [0, 0],
      [0.5, 2],
    ],
    expected: [0.125, 1.5],
    grad: [1],
  },
  {
    name: 'logLoss',
    fn: (a, b) => L.logLoss(a, b, null, 1e-7, nr.Reduction.NONE),
    inputs: [
      [1, 0],
      [0.5, 0.25],
    ],
    expected: [-Math.log(0.5 + 1e-7), -Math.log(0.75 + 1e-7)],
    grad: [1],
  },
  {
    name: 'sigmoidCrossEntropy',
    fn: (a, b) => L.sigmoidCrossEntropy(a, b, null, 0, nr.Reduction.NONE),
    inputs: [
      [1, 0],
      [0.5, -2],
    ],
    expected: [Math.log1p(Math.exp(-0.5)), Math.log1p(Math.exp(-2))],
  },
  {
    name: 'softmaxCrossEntropy',
    fn: (a, b) => L.softmaxCrossEntropy(a, b, null, 0, nr.Reduction.NONE),
    inputs: [[[0, 1]], [[1, 2]]],
    expected: [Math.log1p(Math.exp(-1))],
  },
];

describe("tfjs-core's losses", () => {
  for (const c of cases) {
    it(`${c.name}: values`, async () => checkForward(c, nr.getBackend()));
    if (c.grad !== false) it(`${c.name}: gradient`, async () => checkGradient(c, REFERENCE));
  }

  it('refuses non-tensor arguments and shape mismatches with tfjs wording', () => {
    expect(() => L.absoluteDifference({} as never, [1])).toThrow(
      /Argument 'labels' passed to 'absoluteDifference' must be a Tensor/,
    );
    expect(() => L.hingeLoss([1, 2], [1])).toThrow(nr.ShapeError);
    expect(() => L.computeWeightedLoss([1], null, 7 as never)).toThrow(/Unknown reduction/);
  });
});
