// Every loss against float64 torch/numpy references with Keras' formulas: per-sample values and each reduction with sample weights.
import { readFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import * as nr from '../../src/node.js';
import * as losses from '../../src/losses/index.js';
import { expectClose } from '../helpers/check_op.js';

interface Case {
  name: string;
  fn: string;
  args: (number | boolean)[];
  className: string;
  config: Record<string, number | boolean>;
  yTrue: number[];
  yTrueShape: number[];
  yTrueDtype: 'float32' | 'int32';
  yPred: number[];
  yPredShape: number[];
  expected: number[];
  expectedShape: number[];
  sampleWeight: number[] | null;
  sampleWeightShape: number[] | null;
  reduced: Record<losses.Reduction, number[]>;
  unweighted: Record<losses.Reduction, number[]>;
}

const fixtures = JSON.parse(
  readFileSync(new URL('../fixtures/losses.json', import.meta.url), 'utf8'),
) as { cases: Case[] };

type AnyLossFn = (yTrue: nr.Tensor, yPred: nr.Tensor, ...args: (number | boolean)[]) => nr.Tensor;
const FUNCTIONS: Record<string, AnyLossFn> = {
  meanSquaredError: losses.mse,
  meanAbsoluteError: losses.meanAbsoluteError,
  meanAbsolutePercentageError: losses.meanAbsolutePercentageError,
  meanSquaredLogarithmicError: losses.meanSquaredLogarithmicError,
  huber: (t, p, ...a) => losses.huber(t, p, ...(a as [number])),
  logCosh: losses.logCosh,
  cosineSimilarity: (t, p, ...a) => losses.cosineSimilarity(t, p, ...(a as [number])),
  kullbackLeiblerDivergence: losses.kullbackLeiblerDivergence,
  poisson: losses.poisson,
  hinge: losses.hinge,
  squaredHinge: losses.squaredHinge,
  categoricalHinge: losses.categoricalHinge,
  binaryCrossentropy: (t, p, ...a) => losses.binaryCrossentropy(t, p, ...(a as [boolean, number])),
  binaryFocalCrossentropy: (t, p, ...a) =>
    losses.binaryFocalCrossentropy(t, p, ...(a as [boolean, number, number, boolean, number])),
  categoricalCrossentropy: (t, p, ...a) =>
    losses.categoricalCrossentropy(t, p, ...(a as [boolean, number, number])),
  sparseCategoricalCrossentropy: (t, p, ...a) =>
    losses.sparseCategoricalCrossentropy(t, p, ...(a as [boolean, number, number])),
};

// float32 inputs, float64 references: 1e-5 relative, with a small absolute floor for values near 0
const RTOL = 1e-5;
const ATOL = 1e-6;

function inputs(c: Case): [nr.Tensor, nr.Tensor] {
  return [nr.tensor(c.yTrue, c.yTrueShape, c.yTrueDtype), nr.tensor(c.yPred, c.yPredShape)];
}

describe('losses match the float64 reference', () => {
  it('covers every loss class', () => {
    const covered = new Set(fixtures.cases.map((c) => c.className));
    const all = losses.lossRegistry.names().filter((n) => n !== 'LossFunctionWrapper');
    for (const n of all) if (!covered.has(n)) throw new Error(`no fixture for ${n}`);
  });

  for (const c of fixtures.cases) {
    it(`${c.name}: functional form`, async () => {
      const [t, p] = inputs(c);
      const y = FUNCTIONS[c.fn](t, p, ...c.args);
      expectClose(y.shape, c.expectedShape, 0, 0, `${c.name} shape`);
      expectClose(await y.data(), c.expected, ATOL, RTOL, c.name);
      nr.dispose([t, p, y]);
    });

    it(`${c.name}: ${c.className} with every reduction, weighted and not`, async () => {
      const [t, p] = inputs(c);
      const sw =
        c.sampleWeight && c.sampleWeightShape
          ? nr.tensor(c.sampleWeight, c.sampleWeightShape)
          : null;
      for (const reduction of losses.REDUCTIONS) {
        const loss = losses.getLoss({ className: c.className, config: { ...c.config, reduction } });
        const weighted = loss.call(t, p, sw);
        const plain = loss.call(t, p);
        expectClose(
          await weighted.data(),
          c.reduced[reduction],
          ATOL,
          RTOL,
          `${c.name} ${reduction} weighted`,
        );
        expectClose(
          await plain.data(),
          c.unweighted[reduction],
          ATOL,
          RTOL,
          `${c.name} ${reduction}`,
        );
        nr.dispose([weighted, plain]);
      }
      nr.dispose([t, p, sw]);
    });
  }
});
