// MultiHeadAttention and Attention: the layer protocol, torch references, masks and Keras' score modes.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import type { AttentionCallArgs } from '../../src/layers/attention.js';
import { checkLayer } from '../helpers/check_layer.js';
import { expectClose } from '../helpers/check_op.js';

interface Values {
  shape: number[];
  values: number[];
}
interface MhaCase {
  name: string;
  numHeads: number;
  keyDim: number;
  causal: boolean;
  query: Values;
  key: Values;
  value: Values;
  w: Values;
  y: Values;
  scores: Values;
  weights: Values[];
  dquery: Values;
  dkey: Values;
  dvalue: Values;
  dweights: Values[];
  attentionMask?: Values;
}
const fixtures = JSON.parse(
  readFileSync(
    join(dirname(fileURLToPath(import.meta.url)), '../fixtures/layers_seq.json'),
    'utf8',
  ),
) as { mha: MhaCase[] };
const t = (v: Values) => nr.tensor(v.values, v.shape);
const TOL = 1e-4;
const close = async (y: nr.Tensor, want: Values, what: string) => {
  expect(y.shape, `${what}: shape`).toEqual(want.shape);
  expectClose(await y.data(), want.values, TOL, TOL, what);
};
const one = (y: nr.Tensor | nr.Tensor[]) => (Array.isArray(y) ? y[0] : y);
// Layer.apply is typed for one output; multi-output layers return a list at run time.
const many = (y: nr.Tensor | nr.Tensor[]) => (Array.isArray(y) ? y : [y]);

describe('MultiHeadAttention: the layer protocol', () => {
  it('MultiHeadAttention [query, value]', async () => {
    await checkLayer({
      name: 'MultiHeadAttention',
      make: () => nr.layers.multiHeadAttention({ numHeads: 2, keyDim: 3 }),
      inputShape: [
        [2, 4, 6],
        [2, 5, 6],
      ],
      expectedOutputShape: [2, 4, 6],
      expectedWeightShapes: [
        [6, 2, 3],
        [2, 3],
        [6, 2, 3],
        [2, 3],
        [6, 2, 3],
        [2, 3],
        [2, 3, 6],
        [6],
      ],
    });
  });
  it('MultiHeadAttention [query, value, key] with valueDim and outputShape', async () => {
    await checkLayer({
      name: 'MultiHeadAttention key',
      make: () =>
        nr.layers.multiHeadAttention({ numHeads: 2, keyDim: 3, valueDim: 4, outputShape: 5 }),
      inputShape: [
        [2, 4, 6],
        [2, 5, 7],
        [2, 5, 2],
      ],
      expectedOutputShape: [2, 4, 5],
      expectedWeightShapes: [
        [6, 2, 3],
        [2, 3],
        [2, 2, 3],
        [2, 3],
        [7, 2, 4],
        [2, 4],
        [2, 4, 5],
        [5],
      ],
    });
  });
  it('MultiHeadAttention self-attention on one tensor, causal, no bias', async () => {
    await checkLayer({
      name: 'MultiHeadAttention self',
      make: () =>
        nr.layers.multiHeadAttention({
          numHeads: 1,
          keyDim: 4,
          useBias: false,
          useCausalMask: true,
        }),
      inputShape: [2, 3, 4],
      expectedOutputShape: [2, 3, 4],
    });
  });
  it('MultiHeadAttention returning attention scores', async () => {
    await checkLayer({
      name: 'MultiHeadAttention scores',
      make: () =>
        nr.layers.multiHeadAttention({ numHeads: 3, keyDim: 2, returnAttentionScores: true }),
      inputShape: [
        [2, 4, 6],
        [2, 5, 6],
      ],
      expectedOutputShape: [
        [2, 4, 6],
        [2, 3, 4, 5],
      ],
    });
  });
  it('MultiHeadAttention over axis 2 of rank-4 inputs (axis 1 acts as batch)', async () => {
    await checkLayer({
      name: 'MultiHeadAttention axes',
      make: () =>
        nr.layers.multiHeadAttention({
          numHeads: 2,
          keyDim: 2,
          attentionAxes: [2],
          returnAttentionScores: true,
        }),
      inputShape: [
        [2, 3, 4, 5],
        [2, 3, 6, 5],
      ],
      expectedOutputShape: [
        [2, 3, 4, 5],
        [2, 3, 2, 4, 6],
      ],
    });
  });
  it('MultiHeadAttention over axes [1, 2] of rank-4 inputs (default)', async () => {
    await checkLayer({
      name: 'MultiHeadAttention 2d',
      make: () =>
        nr.layers.multiHeadAttention({ numHeads: 2, keyDim: 2, returnAttentionScores: true }),
      inputShape: [
        [2, 2, 3, 4],
        [2, 3, 2, 4],
      ],
      expectedOutputShape: [
        [2, 2, 3, 4],
        [2, 2, 2, 3, 3, 2],
      ],
    });
  });
});

describe('MultiHeadAttention: attention axes', () => {
  it('non-attended axes act as batch axes', async () => {
    const q = nr.randomNormal([2, 3, 4, 5], 0, 1, 'float32', 12);
    const v = nr.randomNormal([2, 3, 6, 5], 0, 1, 'float32', 13);
    const axis2 = nr.layers.multiHeadAttention({ numHeads: 2, keyDim: 3, attentionAxes: 2 });
    const flat = nr.layers.multiHeadAttention({ numHeads: 2, keyDim: 3 });
    const y = one(axis2.apply([q, v]));
    flat.apply([q.reshape([6, 4, 5]), v.reshape([6, 6, 5])]);
    flat.setWeights(axis2.getWeights());
    const want = one(flat.apply([q.reshape([6, 4, 5]), v.reshape([6, 6, 5])]));
    expectClose(await y.data(), await want.data(), 1e-5, 1e-5);
  });
});

describe('MultiHeadAttention: torch references', () => {
  for (const c of fixtures.mha) {
    it(`matches torch nn.MultiheadAttention (${c.name}): output, per-head scores, gradients`, async () => {
      const layer = nr.layers.multiHeadAttention({ numHeads: c.numHeads, keyDim: c.keyDim });
      const [q, k, v] = [nr.variable(t(c.query)), nr.variable(t(c.key)), nr.variable(t(c.value))];
      layer.build([q.shape.slice(), v.shape.slice(), k.shape.slice()]);
      layer.setWeights(c.weights.map(t));
      const options: AttentionCallArgs = { useCausalMask: c.causal, returnAttentionScores: true };
      const inputs = c.attentionMask ? [q, v, k, t(c.attentionMask)] : [q, v, k];
      const [y, scores] = many(layer.apply(inputs, options));
      await close(y, c.y, 'y');
      await close(scores, c.scores, 'scores');
      const w = t(c.w);
      const weights = layer.weights;
      const outputOnly: AttentionCallArgs = { ...options, returnAttentionScores: false };
      const { grads } = nr.variableGrads(
        () => one(layer.apply(inputs, outputOnly)).mul(w).sum(),
        [q, k, v, ...weights],
      );
      await close(grads[q.name], c.dquery, 'dquery');
      await close(grads[k.name], c.dkey, 'dkey');
      await close(grads[v.name], c.dvalue, 'dvalue');
      for (const [i, wt] of weights.entries())
        await close(grads[wt.name], c.dweights[i], `d${wt.name}`);
    });
  }
});

describe('MultiHeadAttention: masks', () => {
  const q = nr.randomNormal([2, 3, 4], 0, 1, 'float32', 1);
  const v = nr.randomNormal([2, 4, 4], 0, 1, 'float32', 2);

  it('gives masked keys zero weight, via the list or the attentionMask option', async () => {
    const layer = nr.layers.multiHeadAttention({
      numHeads: 2,
      keyDim: 2,
      returnAttentionScores: true,
    });
    const mask = nr.tensor([1, 1, 0, 1], [1, 1, 4]).broadcastTo([2, 3, 4]);
    const [y1, s1] = many(layer.apply([q, v, v, mask]));
    const options: AttentionCallArgs = { attentionMask: mask };
    const [y2] = many(layer.apply([q, v], options));
    expectClose(await y1.data(), await y2.data(), 0, 0, 'same output either way');
    const scores = (await s1.array()) as number[][][][];
    for (const row of scores.flat(2)) {
      expect(row[2]).toBe(0);
      expectClose([row.reduce((a, b) => a + b)], [1], 1e-6, 1e-6, 'rows sum to 1');
    }
  });

  it('fully masked rows give zero weights (Keras), and the value mask of the inputs is used', async () => {
    const layer = nr.layers.multiHeadAttention({
      numHeads: 1,
      keyDim: 2,
      returnAttentionScores: true,
    });
    const vMask = nr.tensor([
      [false, false, false, false],
      [true, true, false, false],
    ]);
    const [, scores] = many(layer.apply([q, v], { mask: [null, vMask] }));
    const s = (await scores.array()) as number[][][][];
    expect(s[0][0][0]).toEqual([0, 0, 0, 0]);
    expect(s[1][0][1][2]).toBe(0);
  });

  it('useCausalMask lets position i attend to positions <= i only', async () => {
    const layer = nr.layers.multiHeadAttention({ numHeads: 1, keyDim: 2 });
    const options: AttentionCallArgs = { useCausalMask: true, returnAttentionScores: true };
    const [, scores] = many(layer.apply([q, q], options));
    const s = ((await scores.array()) as number[][][][])[0][0];
    expect([s[0][1], s[0][2], s[1][2]]).toEqual([0, 0, 0]);
    // changing a later position leaves earlier outputs unchanged
    const q2 = nr.concat([q.slice([0, 0, 0], [2, 2, 4]), nr.ones([2, 1, 4])], 1);
    const causalOnly: AttentionCallArgs = { useCausalMask: true };
    const a = one(layer.apply([q, q], causalOnly)).slice([0, 0, 0], [2, 2, 4]);
    const b = one(layer.apply([q2, q2], causalOnly)).slice([0, 0, 0], [2, 2, 4]);
    expectClose(await a.data(), await b.data(), 1e-6, 1e-6);
  });

  it('rejects bad options, naming the argument and value', () => {
    expect(() => nr.layers.multiHeadAttention({ numHeads: 0, keyDim: 2 })).toThrow(
      /MultiHeadAttention: numHeads must be a positive integer, received 0/,
    );
    expect(() => nr.layers.multiHeadAttention({ numHeads: 2, keyDim: 2, dropout: 1 })).toThrow(
      /dropout must be a number in \[0, 1\), received 1/,
    );
    expect(() =>
      nr.layers
        .multiHeadAttention({ numHeads: 2, keyDim: 2, name: 'mha_bad' })
        .apply([nr.zeros([2, 3]), nr.zeros([2, 3])]),
    ).toThrow(/mha_bad: query must have rank >= 3/);
  });
});

describe('Attention', () => {
  it('Attention (dot product, no weights)', async () => {
    await checkLayer({
      name: 'Attention',
      make: () => nr.layers.attention(),
      inputShape: [
        [2, 3, 4],
        [2, 5, 4],
      ],
      expectedOutputShape: [2, 3, 4],
      expectedWeightShapes: [],
    });
  });
  it('Attention with useScale and a key', async () => {
    await checkLayer({
      name: 'Attention scaled',
      make: () => nr.layers.attention({ useScale: true }),
      inputShape: [
        [2, 3, 4],
        [2, 5, 6],
        [2, 5, 4],
      ],
      expectedOutputShape: [2, 3, 6],
      expectedWeightShapes: [[]],
    });
  });
  it('Attention concat (additive) with scores', async () => {
    await checkLayer({
      name: 'Attention concat',
      make: () =>
        nr.layers.attention({ scoreMode: 'concat', useScale: true, returnAttentionScores: true }),
      inputShape: [
        [2, 3, 4],
        [2, 5, 4],
      ],
      expectedOutputShape: [
        [2, 3, 4],
        [2, 3, 5],
      ],
      expectedWeightShapes: [[], []],
    });
  });

  it('computes softmax(q·kᵀ)·v', async () => {
    const q = nr.tensor([[[1, 0]]]);
    const v = nr.tensor([
      [
        [1, 2],
        [0, 1],
      ],
    ]);
    const y = one(nr.layers.attention().apply([q, v]));
    // scores [1, 0] -> weights [e/(e+1), 1/(e+1)]
    const a = Math.E / (Math.E + 1);
    expectClose(await y.data(), [a * 1 + (1 - a) * 0, a * 2 + (1 - a) * 1], 1e-6, 1e-6);
  });

  it('concat mode scores sum(tanh(q + k)) times a learned weight', async () => {
    const q = nr.tensor([[[0.5, -0.5]]]);
    const k = nr.tensor([
      [
        [1, 1],
        [0, 0],
      ],
    ]);
    const v = nr.tensor([[[1], [0]]]);
    const [, w] = many(
      nr.layers.attention({ scoreMode: 'concat', returnAttentionScores: true }).apply([q, v, k]),
    );
    const s = [Math.tanh(1.5) + Math.tanh(0.5), Math.tanh(0.5) + Math.tanh(-0.5)];
    const e = s.map(Math.exp);
    expectClose(
      await w.data(),
      e.map((x) => x / (e[0] + e[1])),
      1e-6,
      1e-6,
    );
  });

  it('honours the value mask, the query mask and useCausalMask', async () => {
    const q = nr.randomNormal([1, 3, 2], 0, 1, 'float32', 4);
    const layer = nr.layers.attention({ returnAttentionScores: true });
    const qMask = nr.tensor([[true, true, false]]);
    const vMask = nr.tensor([[true, false, true]]);
    const [y, w] = many(layer.apply([q, q], { mask: [qMask, vMask] }));
    const weights = ((await w.array()) as number[][][])[0];
    for (const row of weights) expect(row[1]).toBeLessThan(1e-6);
    expect(((await y.array()) as number[][][])[0][2]).toEqual([0, 0]);
    expect(nr.layers.getMask(y)).toBe(qMask);
    const options: AttentionCallArgs = { useCausalMask: true };
    const [, causal] = many(layer.apply([q, q], options));
    const c = ((await causal.array()) as number[][][])[0];
    expect(c[0][1] + c[0][2] + c[1][2]).toBeLessThan(1e-6);
  });

  it('rejects one tensor and unknown score modes', () => {
    expect(() => nr.layers.attention({ name: 'att_bad' }).apply(nr.zeros([1, 2, 2]))).toThrow(
      /att_bad: expects a list \[query, value\] or \[query, value, key\]/,
    );
    // @ts-expect-error: an unknown score mode
    expect(() => nr.layers.attention({ scoreMode: 'general' })).toThrow(
      /Attention: scoreMode must be 'dot' or 'concat', received 'general'/,
    );
  });
});
