// TextVectorization: vocabulary from adapt, int ids with padding and OOV, bag-of-words modes, config round trip.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { deserializeLayer } from '../../src/layers/registry.js';

const texts = ['The cat sat on the mat.', 'The dog sat!', 'A cat and a dog'];

describe('TextVectorization', () => {
  it('learns a vocabulary like Keras: specials first, then by count', async () => {
    const tv = nr.layers.textVectorization();
    await tv.adapt(texts);
    const vocab = tv.getVocabulary();
    expect(vocab.slice(0, 2)).toEqual(['', '[UNK]']);
    expect(vocab.slice(2, 3)).toEqual(['the']); // 3 occurrences
    expect(new Set(vocab.slice(3, 7))).toEqual(new Set(['sat', 'dog', 'cat', 'a'])); // 2 each
  });

  it('maps texts to ids with padding (0) and unknown words (1)', async () => {
    const tv = nr.layers.textVectorization({ outputSequenceLength: 6 });
    await tv.adapt(texts);
    const ids = (await tv
      .apply(['the cat', 'zebra the cat sat on the mat and more'])
      .array()) as number[][];
    const id = (w: string) => tv.getVocabulary().indexOf(w);
    expect(ids[0]).toEqual([id('the'), id('cat'), 0, 0, 0, 0]);
    expect(ids[1][0]).toBe(1);
    expect(ids[1].length).toBe(6);
  });

  it('multi_hot, count and tf_idf modes', async () => {
    for (const outputMode of ['multi_hot', 'count', 'tf_idf'] as const) {
      const tv = nr.layers.textVectorization({ outputMode, maxTokens: 5 });
      await tv.adapt(texts);
      const y = tv.apply(['the the cat']);
      expect(y.shape).toEqual([1, 5]);
      const the = tv.getVocabulary().indexOf('the');
      const v = (await y.data())[the];
      if (outputMode === 'multi_hot') expect(v).toBe(1);
      if (outputMode === 'count') expect(v).toBe(2);
      if (outputMode === 'tf_idf') expect(v).toBeCloseTo(2 * Math.log(1 + 3 / (1 + 2)), 5);
    }
  });

  it('adapts from an async iterable of batches and survives a config round trip', async () => {
    async function* batches() {
      yield texts.slice(0, 2);
      yield texts.slice(2);
    }
    const tv = nr.layers.textVectorization({ maxTokens: 8, outputSequenceLength: 4 });
    await tv.adapt(batches());
    const copy = deserializeLayer({
      className: 'TextVectorization',
      config: JSON.parse(JSON.stringify({ ...tv.getConfig(), name: 'tv_copy' })),
    });
    expect(await (copy as nr.layers.TextVectorization).apply(texts).array()).toEqual(
      await tv.apply(texts).array(),
    );
  });

  it('bad input', async () => {
    const tv = nr.layers.textVectorization();
    expect(() => tv.apply(['x'])).toThrow(/no vocabulary/);
    await tv.adapt(texts);
    expect(() => tv.apply(nr.ones([2, 2]))).toThrow(/takes an array of strings/);
    expect(() => nr.layers.textVectorization({ outputMode: 'bag' as 'int' })).toThrow(
      /outputMode must be one of/,
    );
    expect(() =>
      nr.layers.textVectorization({ outputMode: 'count', outputSequenceLength: 3 }),
    ).toThrow(/only applies to outputMode 'int'/);
  });
});
