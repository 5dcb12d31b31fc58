// EinsumDense, AdditiveAttention, CategoryEncoding, IntegerLookup, StringLookup: layer checks and known values.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { checkLayer } from '../helpers/check_layer.js';
import { checkGradient, expectClose, testBackends } from '../helpers/check_op.js';

describe('EinsumDense', () => {
  it.each([
    ['ab,bc->ac', () => nr.layers.einsumDense({ equation: 'ab,bc->ac', outputShape: 4, biasAxes: 'c' }), [2, 3], [2, 4], [[3, 4], [4]]],
    ['abc,cd->abd', () => nr.layers.einsumDense({ equation: 'abc,cd->abd', outputShape: [null, 5], biasAxes: 'd', activation: 'tanh' }), [2, 3, 4], [2, 3, 5], [[4, 5], [5]]],
    ['abc,cde->abde (heads)', () => nr.layers.einsumDense({ equation: 'abc,cde->abde', outputShape: [null, 2, 3], biasAxes: 'de' }), [2, 3, 4], [2, 3, 2, 3], [[4, 2, 3], [2, 3]]],
    ['...b,bc->...c', () => nr.layers.einsumDense({ equation: '...b,bc->...c', outputShape: 2 }), [2, 3, 4], [2, 3, 2], [[4, 2]]],
  ] as const)('%s', (name, make, inputShape, expectedOutputShape, expectedWeightShapes) =>
    checkLayer({
      name,
      make,
      inputShape: inputShape.slice(),
      expectedOutputShape: expectedOutputShape.slice(),
      expectedWeightShapes: expectedWeightShapes.map((s) => s.slice()),
    }),
  );
  it('computes einsum(x, kernel) + bias', async () => {
    const l = nr.layers.einsumDense({ equation: 'abc,cd->abd', outputShape: [null, 2], biasAxes: 'd' });
    const x = nr.tensor([[[1, 2], [3, 4]]]);
    l.build(x.shape.slice());
    l.setWeights([nr.tensor([[1, 0], [1, 1]]), nr.tensor([10, 20])]);
    expect(await (l.apply(x) as nr.Tensor).array()).toEqual([[[13, 22], [17, 24]]]);
    expect(() => nr.layers.einsumDense({ equation: 'ab->a', outputShape: 1 })).toThrow(/equation/);
    expect(() => nr.layers.einsumDense({ equation: 'ab,bc->ac', outputShape: 2, biasAxes: 'z' })).toThrow(/biasAxes/);
  });
});

describe('AdditiveAttention', () => {
  it('layer check, [query, value] and [query, value, key]', async () => {
    await checkLayer({ name: 'AdditiveAttention', make: () => nr.layers.additiveAttention(), inputShape: [[2, 3, 4], [2, 5, 4]], expectedOutputShape: [2, 3, 4], expectedWeightShapes: [[4]] });
    await checkLayer({ name: 'AdditiveAttention no scale', make: () => nr.layers.additiveAttention({ useScale: false }), inputShape: [[2, 3, 4], [2, 5, 6], [2, 5, 4]], expectedOutputShape: [2, 3, 6] });
  });
  it('scores = sum(scale · tanh(q + k)), softmax over keys, times values', async () => {
    const l = nr.layers.additiveAttention();
    const q = nr.tensor([[[0.5, -1]]]);
    const v = nr.tensor([[[1, 2], [3, 4]]]);
    const k = nr.tensor([[[1, 0], [0, 1]]]);
    l.build([q.shape.slice(), v.shape.slice(), k.shape.slice()]);
    l.setWeights([nr.tensor([2, 0.5])]);
    const s = [0, 1].map((j) => {
      const kj = j === 0 ? [1, 0] : [0, 1];
      return 2 * Math.tanh(0.5 + kj[0]) + 0.5 * Math.tanh(-1 + kj[1]);
    });
    const e = s.map(Math.exp);
    const w = e.map((x) => x / (e[0] + e[1]));
    const y = l.apply([q, v, k]) as nr.Tensor;
    expectClose(Array.from(await y.data()), [w[0] * 1 + w[1] * 3, w[0] * 2 + w[1] * 4], 1e-5, 1e-5);
    expect(l.getConfig().useScale).toBe(true);
    expect(l.getConfig().scoreMode).toBeUndefined();
  });
});

describe('CategoryEncoding and lookups', () => {
  const ids = () => nr.tensor([[0, 1, 1], [3, 3, 2]], undefined, 'int32');
  it('CategoryEncoding: multi_hot, count, one_hot', async () => {
    await checkLayer({ name: 'CategoryEncoding', make: () => nr.layers.categoryEncoding({ numTokens: 5, outputMode: 'count' }), inputShape: [2, 3], inputDtype: 'int32', inputRange: [0, 5] });
    expect(await (nr.layers.categoryEncoding({ numTokens: 4 }).apply(ids()) as nr.Tensor).array()).toEqual([[1, 1, 0, 0], [0, 0, 1, 1]]);
    expect(await (nr.layers.categoryEncoding({ numTokens: 4, outputMode: 'count' }).apply(ids()) as nr.Tensor).array()).toEqual([[1, 2, 0, 0], [0, 0, 1, 2]]);
    const oh = nr.layers.categoryEncoding({ numTokens: 3, outputMode: 'oneHot' });
    expect(await (oh.apply(nr.tensor([[2], [0]], undefined, 'int32')) as nr.Tensor).array()).toEqual([[0, 0, 1], [1, 0, 0]]);
    expect(oh.getConfig().outputMode).toBe('one_hot');
  });
  it('IntegerLookup: OOV index, mask token, invert', async () => {
    await checkLayer({ name: 'IntegerLookup', make: () => nr.layers.integerLookup({ vocabulary: [2, 4, 6] }), inputShape: [2, 3], inputDtype: 'int32', inputRange: [0, 8] });
    const x = nr.tensor([[12, 1138], [7, 36]], undefined, 'int32');
    const l = nr.layers.integerLookup({ vocabulary: [12, 36, 1138] });
    expect(await (l.apply(x) as nr.Tensor).array()).toEqual([[1, 3], [0, 2]]);
    const masked = nr.layers.integerLookup({ vocabulary: [12, 36], maskToken: 0 });
    expect(await (masked.apply(nr.tensor([0, 12, 5, 36], undefined, 'int32')) as nr.Tensor).array()).toEqual([0, 2, 1, 3]);
    expect(masked.getVocabulary()).toEqual([0, -1, 12, 36]);
    const inv = nr.layers.integerLookup({ vocabulary: [12, 36, 1138], invert: true });
    expect(await (inv.apply(nr.tensor([1, 3, 0], undefined, 'int32')) as nr.Tensor).array()).toEqual([12, 1138, -1]);
    const hot = nr.layers.integerLookup({ vocabulary: [12, 36], outputMode: 'multi_hot' });
    expect(await (hot.apply(nr.tensor([[12, 99]], undefined, 'int32')) as nr.Tensor).array()).toEqual([[1, 1, 0]]);
    expect(() => nr.layers.integerLookup({ vocabulary: [1, 1] })).toThrow(/repeated/);
    expect(() => nr.layers.integerLookup({ vocabulary: [1], numOovIndices: 3 })).toThrow(/numOovIndices/);
  });
  it('StringLookup maps JS strings where the data is prepared', async () => {
    const l = nr.layers.stringLookup({ vocabulary: ['a', 'b', 'c'] });
    expect(await l.apply([['a', 'x'], ['c', 'b']]).array()).toEqual([[1, 0], [3, 2]]);
    expect(await l.apply(['__proto__', 'c']).array()).toEqual([0, 3]);
    const counts = nr.layers.stringLookup({ vocabulary: ['a', 'b'], outputMode: 'count', maskToken: '' });
    expect(await counts.apply([['a', 'a', '', 'zz']]).array()).toEqual([[1, 1, 2, 0]]);
    const copy = nr.layers.deserializeLayer({ className: 'StringLookup', config: JSON.parse(JSON.stringify(l.getConfig())) });
    expect(copy.getConfig().vocabulary).toEqual(['a', 'b', 'c']);
    expect(() => nr.layers.stringLookup({ vocabulary: ['a'], numOovIndices: 0 }).apply(['b'])).toThrow(/not in the vocabulary/);
    expect(() => l.apply(nr.tensor([1]))).toThrow(/array of strings/);
  });
});

describe.each(testBackends())('gradients through the input on %s', (backend) => {
  // layers made inside fn with fixed weights, so every evaluation sees the same function
  it('EinsumDense', () =>
    checkGradient(
      {
        name: 'EinsumDense',
        fn: (x) =>
          nr.layers
            .einsumDense({ equation: 'abc,cd->abd', outputShape: [null, 2], kernelInitializer: 'ones', activation: 'tanh' })
            .apply(x) as nr.Tensor,
        inputs: [{ shape: [2, 3, 4], min: -0.5, max: 0.5 }],
      },
      backend,
    ));
  it('AdditiveAttention (query and value)', () =>
    checkGradient(
      {
        name: 'AdditiveAttention',
        fn: (q, v) => nr.layers.additiveAttention({ useScale: false }).apply([q, v]) as nr.Tensor,
        inputs: [{ shape: [1, 2, 3] }, { shape: [1, 4, 3] }],
      },
      backend,
    ));
});
