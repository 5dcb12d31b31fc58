// The Loss API: reductions and sample weights, configs and the registry, bad input, sparse label checks, memory.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import * as losses from '../../src/losses/index.js';
import { serialize } from '../../src/core/serialization.js';
import { ASYNC_ONLY, expectClose } from '../helpers/check_op.js';

async function values(t: nr.Tensor): Promise<number[]> {
  const v = Array.from(await t.data());
  t.dispose();
  return v;
}

describe('reductions and sample weights', () => {
  const yTrue = nr.tensor([
    [0, 1],
    [1, 1],
    [2, 0],
  ]);
  const yPred = nr.tensor([
    [1, 1],
    [1, 3],
    [0, 0],
  ]);
  // per-sample MSE: [0.5, 2, 2]

  it('applies each Keras 3 reduction', async () => {
    const run = (reduction: losses.Reduction | null, w?: nr.TensorLike) =>
      new losses.MeanSquaredError({ reduction }).call(
        yTrue,
        yPred,
        w === undefined ? undefined : nr.tensor(w),
      );
    expect(new losses.MeanSquaredError().reduction).toBe('sum_over_batch_size');
    expectClose(await values(run('sum_over_batch_size')), [4.5 / 3]);
    expectClose(await values(run('mean')), [4.5 / 3]);
    expectClose(await values(run('sum')), [4.5]);
    expectClose(await values(run('none')), [0.5, 2, 2]);
    expectClose(await values(run(null)), [0.5, 2, 2]);
    // weights: [2, 0.5, 0] → weighted [1, 1, 0]
    expectClose(await values(run('sum_over_batch_size', [2, 0.5, 0])), [2 / 3]);
    expectClose(await values(run('mean_with_sample_weight', [2, 0.5, 0])), [2 / 2.5]);
    expectClose(await values(run('none', [2, 0.5, 0])), [1, 1, 0]);
    expectClose(await values(run('sum', [[2], [0.5], [0]])), [2]);
    expectClose(await values(run('sum', 3)), [13.5]);
  });

  it('scales every loss of a sample by a [batch] weight, and checks weight shapes', async () => {
    const logits = nr.randomNormal([2, 3, 4], 0, 1, 'float32', 7);
    const labels = nr.tensor(
      [
        [0, 1, 2],
        [3, 2, 1],
      ],
      [2, 3],
      'int32',
    );
    const loss = new losses.SparseCategoricalCrossentropy({ fromLogits: true, reduction: 'sum' });
    const perStep = await values(
      new losses.SparseCategoricalCrossentropy({ fromLogits: true, reduction: 'none' }).call(
        labels,
        logits,
      ),
    );
    expectClose(await values(loss.call(labels, logits, nr.tensor([2, 0.5]))), [
      2 * (perStep[0] + perStep[1] + perStep[2]) + 0.5 * (perStep[3] + perStep[4] + perStep[5]),
    ]);
    expect(() => loss.call(labels, logits, nr.tensor([1, 2, 3]))).toThrow(
      /SparseCategoricalCrossentropy: sampleWeight of shape \[3\] does not broadcast to the per-sample losses of shape \[2,3\]/,
    );
    nr.dispose([logits, labels]);
  });

  it('leaves ignoreClass entries out of the sum and of the mean', async () => {
    const logits = nr.tensor([
      [2, 0, 1],
      [0, 3, 1],
      [1, 1, 1],
      [0, 0, 5],
    ]);
    const labels = nr.tensor([0, 255, 2, 255], [4], 'int32');
    const all = await values(losses.sparseCategoricalCrossentropy([0, 1, 2, 2], logits, true));
    const per = await values(losses.sparseCategoricalCrossentropy(labels, logits, true, -1, 255));
    expectClose(per, [all[0], 0, all[2], 0]);
    const mean = new losses.SparseCategoricalCrossentropy({ fromLogits: true, ignoreClass: 255 });
    expectClose(await values(mean.call(labels, logits)), [(all[0] + all[2]) / 2]);
    expectClose(await values(mean.call(labels, logits, [1, 5, 3, 5])), [(all[0] + 3 * all[2]) / 2]);
    const sum = new losses.SparseCategoricalCrossentropy({
      fromLogits: true,
      ignoreClass: 255,
      reduction: 'sum',
    });
    expectClose(await values(sum.call(labels, logits)), [all[0] + all[2]]);
    nr.dispose([logits, labels]);
  });

  it('matches ranks as Keras does: labels [batch] with predictions [batch, 1]', async () => {
    const t = nr.tensor([1, 0, 1]);
    const p = nr.tensor([[0.9], [0.2], [0.6]]);
    const bce = await values(losses.binaryCrossentropy(t, p));
    expectClose(bce, [-Math.log(0.9), -Math.log(0.8), -Math.log(0.6)]);
    expectClose(
      await values(new losses.MeanAbsoluteError({ reduction: 'none' }).call(p, t)),
      [0.1, 0.2, 0.4],
    );
    nr.dispose([t, p]);
  });

  it('hinge converts {0, 1} labels only when every label is 0 or 1', async () => {
    expectClose(await values(losses.hinge([[0, 1]], [[0.5, 0.5]])), [(1.5 + 0.5) / 2]);
    expectClose(await values(losses.hinge([[-1, 1]], [[0.5, 0.5]])), [(1.5 + 0.5) / 2]);
    expectClose(await values(losses.hinge([[0, 1, -1]], [[0.5, 0.5, 0.5]])), [(1 + 0.5 + 1.5) / 3]);
  });
});

describe('configs, the registry and getLoss', () => {
  const configured: losses.Loss[] = [
    new losses.MeanSquaredError({ reduction: 'sum', name: 'my_mse' }),
    new losses.Huber({ delta: 2.5 }),
    new losses.CosineSimilarity({ axis: 1 }),
    new losses.BinaryCrossentropy({ fromLogits: true, labelSmoothing: 0.1, axis: -1 }),
    new losses.BinaryFocalCrossentropy({
      applyClassBalancing: true,
      alpha: 0.4,
      gamma: 3,
      fromLogits: true,
    }),
    new losses.CategoricalCrossentropy({ labelSmoothing: 0.2, reduction: 'none' }),
    new losses.SparseCategoricalCrossentropy({ fromLogits: true, ignoreClass: -1 }),
    new losses.KLDivergence(),
    new losses.CategoricalHinge({ reduction: 'mean_with_sample_weight' }),
  ];

  it('round-trips getConfig through the registry', () => {
    for (const loss of configured) {
      const back = losses.getLoss(serialize(loss));
      expect(back.getClassName()).toBe(loss.getClassName());
      expect(back.getConfig()).toEqual(loss.getConfig());
      expect(JSON.parse(JSON.stringify(loss.getConfig()))).toEqual(loss.getConfig());
    }
    expect(new losses.Huber().getConfig()).toEqual({
      name: 'huber_loss',
      reduction: 'sum_over_batch_size',
      delta: 1,
    });
    expect(new losses.SparseCategoricalCrossentropy().getConfig()).toEqual({
      name: 'sparse_categorical_crossentropy',
      reduction: 'sum_over_batch_size',
      fromLogits: false,
      axis: -1,
      ignoreClass: null,
    });
  });

  it("reads Keras' snake_case configs", () => {
    const keras = {
      className: 'CategoricalCrossentropy',
      config: {
        name: 'cce',
        reduction: 'sum',
        from_logits: true,
        label_smoothing: 0.1,
        axis: -1,
        dtype: 'float32',
      },
    };
    const loss = losses.getLoss(keras);
    expect(loss).toBeInstanceOf(losses.CategoricalCrossentropy);
    expect(loss.getConfig()).toEqual({
      name: 'cce',
      reduction: 'sum',
      fromLogits: true,
      labelSmoothing: 0.1,
      axis: -1,
    });
    expect(
      losses.SparseCategoricalCrossentropy.fromConfig({ ignore_class: 255 }).options.ignoreClass,
    ).toBe(255);
  });

  it('knows the Keras and tfjs names', () => {
    const names: Record<string, string> = {
      mse: 'MeanSquaredError',
      mean_squared_error: 'MeanSquaredError',
      meanSquaredError: 'MeanSquaredError',
      mae: 'MeanAbsoluteError',
      mape: 'MeanAbsolutePercentageError',
      msle: 'MeanSquaredLogarithmicError',
      meanSquaredLogarithmicError: 'MeanSquaredLogarithmicError',
      categorical_crossentropy: 'CategoricalCrossentropy',
      categoricalCrossentropy: 'CategoricalCrossentropy',
      sparse_categorical_crossentropy: 'SparseCategoricalCrossentropy',
      sparseCategoricalCrossentropy: 'SparseCategoricalCrossentropy',
      binary_crossentropy: 'BinaryCrossentropy',
      binaryCrossentropy: 'BinaryCrossentropy',
      binary_focal_crossentropy: 'BinaryFocalCrossentropy',
      kld: 'KLDivergence',
      kl_divergence: 'KLDivergence',
      kullbackLeiblerDivergence: 'KLDivergence',
      huber: 'Huber',
      huber_loss: 'Huber',
      log_cosh: 'LogCosh',
      logcosh: 'LogCosh',
      poisson: 'Poisson',
      hinge: 'Hinge',
      squared_hinge: 'SquaredHinge',
      squaredHinge: 'SquaredHinge',
      categorical_hinge: 'CategoricalHinge',
      cosine_similarity: 'CosineSimilarity',
      cosineProximity: 'CosineSimilarity',
    };
    for (const [alias, cls] of Object.entries(names))
      expect(losses.getLoss(alias).getClassName(), alias).toBe(cls);
    expect(() => losses.getLoss('meanSqueredError')).toThrow(
      /getLoss: unknown loss 'meanSqueredError'; known: .*MeanSquaredError/,
    );
    expect(() => losses.getLoss(42 as unknown as string)).toThrow(nr.ArgumentError);
  });

  it('passes Loss instances through and wraps plain functions', async () => {
    const mse = new losses.MeanSquaredError();
    expect(losses.getLoss(mse)).toBe(mse);
    const maxAbs = losses.getLoss(function maxAbsError(t: nr.Tensor, p: nr.Tensor) {
      return p.sub(t).abs().max(-1);
    });
    expect(maxAbs).toBeInstanceOf(losses.LossFunctionWrapper);
    expect(maxAbs.name).toBe('maxAbsError');
    expectClose(
      await values(
        maxAbs.call(
          [
            [0, 0],
            [1, 1],
          ],
          [
            [1, -3],
            [1, 2],
          ],
          [1, 2],
        ),
      ),
      [(3 + 2) / 2],
    );
    const wrapped = new losses.LossFunctionWrapper(losses.mse, { reduction: 'sum' });
    const back = losses.getLoss(serialize(wrapped));
    expectClose(await values(back.call([[0, 2]], [[1, 1]])), [1]);
    expect(() => losses.getLoss(serialize(maxAbs))).toThrow(
      /LossFunctionWrapper: fn must name a built-in loss function .* received 'maxAbsError'/,
    );
  });

  it('lets users subclass Loss and register it', async () => {
    class MaxError extends losses.Loss {
      computeLosses(yTrue: nr.Tensor, yPred: nr.Tensor): nr.Tensor {
        return yPred.sub(yTrue).abs().max(-1);
      }
      getClassName(): string {
        return 'MaxError';
      }
    }
    losses.lossRegistry.register('MaxError', (c) => MaxError.fromConfig(c), ['max_error']);
    const loss = losses.getLoss({ className: 'max_error', config: { reduction: 'sum' } });
    expect(loss.name).toBe('max_error');
    expectClose(
      await values(
        loss.call(
          [
            [0, 0],
            [1, 1],
          ],
          [
            [1, -3],
            [1, 2],
          ],
        ),
      ),
      [4],
    );
  });
});

describe('bad input', () => {
  const t = nr.zeros([32, 10]);
  const p = nr.zeros([32, 5]);

  it('mismatched shapes name the loss and both shapes', () => {
    expect(() => new losses.MeanSquaredError().call(t, p)).toThrow(nr.ShapeError);
    expect(() => new losses.MeanSquaredError().call(t, p)).toThrow(
      'MeanSquaredError: yTrue and yPred must have the same shape, received yTrue [32,10] and yPred [32,5]',
    );
    expect(() => losses.categoricalCrossentropy(t, p)).toThrow(
      'categoricalCrossentropy: yTrue and yPred must have the same shape, received yTrue [32,10] and yPred [32,5]',
    );
    expect(() => new losses.CategoricalCrossentropy().call(nr.zeros([32, 1]), p)).toThrow(
      /received yTrue \[32,1\] and yPred \[32,5\]/,
    );
    expect(() => new losses.SparseCategoricalCrossentropy().call(nr.zeros([32, 2]), p)).toThrow(
      /SparseCategoricalCrossentropy: yTrue must be integer labels of shape \[32\] \(yPred's shape \[32,5\] without the class axis\), or that with a trailing 1; received yTrue \[32,2\]/,
    );
    expect(() => losses.mse(nr.scalar(1), nr.scalar(2))).toThrow(/rank >= 1/);
  });

  it('bad options name the loss, the option and the value', () => {
    expect(() => new losses.MeanSquaredError({ reduction: 'avg' as losses.Reduction })).toThrow(
      /MeanSquaredError: reduction must be one of 'sum_over_batch_size', .*received 'avg'/,
    );
    expect(() => new losses.CategoricalCrossentropy({ labelSmoothing: 2 })).toThrow(
      /CategoricalCrossentropy: labelSmoothing must be a finite number in \[0, 1\], received 2/,
    );
    expect(
      () => new losses.BinaryCrossentropy({ fromLogits: 'yes' as unknown as boolean }),
    ).toThrow(/fromLogits must be a boolean, received 'yes'/);
    expect(() => new losses.Huber({ delta: -1 })).toThrow(
      /Huber: delta must be a finite number in \(0, Infinity\), received -1/,
    );
    expect(() => new losses.BinaryFocalCrossentropy({ alpha: 1.5 })).toThrow(
      /alpha must be a finite number in \[0, 1\]/,
    );
    expect(() => new losses.BinaryFocalCrossentropy({ gamma: -1 })).toThrow(
      /gamma must be a finite number in \[0, Infinity\)/,
    );
    expect(() => new losses.SparseCategoricalCrossentropy({ ignoreClass: 1.5 })).toThrow(
      /ignoreClass must be an integer or null, received 1.5/,
    );
    expect(() => losses.cosineSimilarity(t, t, 2)).toThrow(
      /cosineSimilarity: axis must be an integer in \[-2, 2\), received 2/,
    );
    expect(() => losses.huber(t, t, 0)).toThrow(/huber: delta/);
    expect(() => new losses.MeanSquaredError().call(t, 'x' as unknown as number)).toThrow(
      /MeanSquaredError: Argument 'yPred' passed to 'MeanSquaredError' must be numeric tensor, but got string tensor/,
    );
  });

  it('out-of-range or fractional sparse labels give NaN for their sample, never a plausible number', async () => {
    const logits = nr.tensor([
      [2, 0, 1],
      [0, 3, 1],
      [1, 1, 1],
      [0, 0, 5],
    ]);
    for (const bad of [3, -1, 2.5, Number.NaN, 1e10]) {
      const labels = nr.tensor([0, bad, 2, 2]);
      const per = await values(losses.sparseCategoricalCrossentropy(labels, logits, true));
      expect(Number.isNaN(per[1]), `label ${bad}`).toBe(true);
      expect(per.filter((v) => Number.isNaN(v))).toHaveLength(1);
      expect(
        Number.isNaN(
          (await values(new losses.SparseCategoricalCrossentropy().call(labels, logits)))[0],
        ),
      ).toBe(true);
      // the gradient stays finite (zero for that sample), so the NaN shows in the loss without poisoning weights
      const g = nr.grad((p) => losses.sparseCategoricalCrossentropy(labels, p, true).sum())(logits);
      expect((await values(g)).every(Number.isFinite)).toBe(true);
      labels.dispose();
    }
    const intLabels = nr.tensor([0, 7, 2, 2], [4], 'int32');
    expect(
      Number.isNaN((await values(losses.sparseCategoricalCrossentropy(intLabels, logits)))[1]),
    ).toBe(true);
    nr.dispose([logits, intLabels]);
  });

  it('validateSparseLabels reads labels once and names the first bad one', async () => {
    await expect(
      losses.validateSparseLabels(nr.tensor([0, 9, 3], [3], 'int32'), 10),
    ).resolves.toBeUndefined();
    await expect(losses.validateSparseLabels([0, 3, 12, -1], 10)).rejects.toThrow(
      'validateSparseLabels: label 12 at index 2 is out of range [0, 10) (2 bad labels in all); labels must be class indices for 10 classes',
    );
    await expect(
      losses.validateSparseLabels(
        nr.tensor([
          [0, 1, 2],
          [1, 2, 4],
        ]),
        4,
      ),
    ).rejects.toThrow(/label 4 at index \[1,2\] is out of range \[0, 4\)/);
    await expect(losses.validateSparseLabels([0, 1.5], 4)).rejects.toThrow(
      /label 1.5 at index 1 is not a whole number/,
    );
    await expect(losses.validateSparseLabels([0, 255, 1], 4, 255)).resolves.toBeUndefined();
    await expect(losses.validateSparseLabels([0], 0)).rejects.toThrow(nr.ArgumentError);
  });
});

describe('memory and asynchronous backends', () => {
  it('a per-step loss and its gradient inside tidy leave no tensors behind', () => {
    const w = nr.variable(nr.randomNormal([4, 3], 0, 1, 'float32', 1), true, 'losses_test_w');
    const x = nr.randomNormal([8, 4], 0, 1, 'float32', 2);
    const labels = nr.tensor([0, 1, 2, 0, 1, 2, 0, 1], [8], 'int32');
    const oneHot = nr.oneHot(labels, 3, 1, 0, 'float32');
    const sw = nr.tensor([1, 1, 2, 2, 1, 1, 0.5, 0.5]);
    const specs: losses.Loss[] = [
      new losses.SparseCategoricalCrossentropy({ fromLogits: true, ignoreClass: 2 }),
      new losses.CategoricalCrossentropy({ fromLogits: true, labelSmoothing: 0.1 }),
      new losses.BinaryFocalCrossentropy({ fromLogits: true, applyClassBalancing: true }),
      new losses.Huber(),
      new losses.CosineSimilarity(),
      new losses.LossFunctionWrapper(losses.mse),
    ];
    for (const loss of specs) {
      const target = loss instanceof losses.SparseCategoricalCrossentropy ? labels : oneHot;
      const before = nr.memory().numTensors;
      nr.tidy(() => {
        const { value, grads } = nr.variableGrads(() => loss.call(target, x.matMul(w), sw), [w]);
        w.assign(w.sub(grads[w.name].mul(0.1)));
        return value;
      }).dispose();
      expect(nr.memory().numTensors, loss.getClassName()).toBe(before);
    }
    // outside tidy, a loss leaves only its result
    const logits = x.matMul(w);
    const before = nr.memory().numTensors;
    const y = losses.categoricalCrossentropy(oneHot, logits, true, 0.1);
    const z = new losses.SparseCategoricalCrossentropy({ ignoreClass: 0 }).call(
      labels,
      logits.softmax(),
      sw,
    );
    expect(nr.memory().numTensors).toBe(before + 3);
    nr.dispose([w, x, labels, oneHot, sw, logits, y, z]);
  });

  it('runs without synchronous reads (as on WebGPU)', async () => {
    const prev = nr.getBackend();
    await nr.setBackend(ASYNC_ONLY);
    try {
      const logits = nr.tensor([
        [2, 0, 1],
        [0, 3, 1],
      ]);
      const loss = new losses.SparseCategoricalCrossentropy({ fromLogits: true, ignoreClass: 1 });
      const v = await values(loss.call(nr.tensor([0, 1], [2], 'int32'), logits));
      expect(Number.isFinite(v[0])).toBe(true);
      expectClose(await values(losses.hinge([[0, 1]], [[0.5, 0.5]])), [1]);
      await expect(losses.validateSparseLabels([0, 5], 3)).rejects.toThrow(/label 5 at index 1/);
      logits.dispose();
    } finally {
      await nr.setBackend(prev);
    }
  });
});
