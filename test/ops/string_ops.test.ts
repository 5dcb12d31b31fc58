// tf.string ops: n-grams, split, hash buckets (FarmHash Fingerprint64) and regex replace: values, shapes, errors, memory.
import { describe, expect, it } from 'vitest';
import { fingerprint64 } from '../../src/core/fingerprint64.js';
import * as nr from '../../src/node.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('string.stringNGrams', () => {
  it('pads fully with padWidth -1 and gives row splits', () => {
    const { nGrams, nGramsSplits } = nr.string.stringNGrams(
      ['a', 'b', 'c', 'd', 'e', 'f'],
      nr.tensor1d([0, 4, 6], 'int32'),
      '|',
      [3],
      'LP',
      'RP',
      -1,
      false,
    );
    expect(nGrams.dtype).toBe('string');
    expect(nGrams.dataSync<'string'>()).toEqual([
      'LP|LP|a',
      'LP|a|b',
      'a|b|c',
      'b|c|d',
      'c|d|RP',
      'd|RP|RP',
      'LP|LP|e',
      'LP|e|f',
      'e|f|RP',
      'f|RP|RP',
    ]);
    expect(nGramsSplits.dtype).toBe('int32');
    expect(Array.from(nGramsSplits.dataSync())).toEqual([0, 6, 10]);
    nr.dispose([nGrams, nGramsSplits]);
  });

  it('unpadded widths, preserving short rows, and empty rows', () => {
    const r = nr.string.stringNGrams(
      ['a', 'b', 'c', 'd', 'e', 'f'],
      nr.tensor1d([0, 4, 4, 6], 'int32'),
      ' ',
      [3],
      '',
      '',
      0,
      true,
    );
    // 'e f' is shorter than 3 tokens: preserved whole; the empty row gives nothing
    expect(r.nGrams.dataSync<'string'>()).toEqual(['a b c', 'b c d', 'e f']);
    expect(Array.from(r.nGramsSplits.dataSync())).toEqual([0, 2, 2, 3]);
    const two = nr.string.stringNGrams(['x', 'y', 'z'], [0, 3], '', [1, 2], '', '', 0, false);
    expect(two.nGrams.dataSync<'string'>()).toEqual(['x', 'y', 'z', 'xy', 'yz']);
    nr.dispose([r.nGrams, r.nGramsSplits, two.nGrams, two.nGramsSplits]);
  });

  it('checks the row splits as TensorFlow does', () => {
    const call = (splits: number[]) => () =>
      nr.string.stringNGrams(['a'], nr.tensor1d(splits, 'int32'), '|', [3], '', '', 0, false);
    expect(call([1, 1, 1])).toThrow(/First split value must be 0/);
    expect(call([0, 1, 0])).toThrow(/must be in \[1, 1\]/);
    expect(call([0, 2, 1])).toThrow(/must be in \[0, 1\]/);
    expect(call([0, 0])).toThrow(/Last split value must be data size/);
    expect(() => nr.string.stringNGrams(['a'], [0, 1], '|', [0], '', '', 0, false)).toThrow(
      nr.ArgumentError,
    );
    expect(() => nr.string.stringNGrams([1, 2], [0, 2], '|', [1], '', '', 0, false)).toThrow(
      nr.DTypeError,
    );
  });
});

describe('string.stringSplit', () => {
  it('splits at any delimiter character into a sparse result', () => {
    const r = nr.string.stringSplit(['hello.cruel,world', 'hello cruel world'], '.,');
    expect(r.values.dataSync<'string'>()).toEqual(['hello', 'cruel', 'world', 'hello cruel world']);
    expect(r.indices.shape).toEqual([4, 2]);
    expect(Array.from(r.indices.dataSync())).toEqual([0, 0, 0, 1, 0, 2, 1, 0]);
    expect(Array.from(r.shape.dataSync())).toEqual([2, 3]);
    nr.dispose([r.values, r.indices, r.shape]);
  });

  it('keeps empty tokens when asked; an empty delimiter splits characters', () => {
    const keep = nr.string.stringSplit(['#a', 'b#'], '#', false);
    expect(keep.values.dataSync<'string'>()).toEqual(['', 'a', 'b', '']);
    const chars = nr.string.stringSplit(['hé', ''], '');
    expect(chars.values.dataSync<'string'>()).toEqual(['h', 'é']);
    expect(Array.from(chars.shape.dataSync())).toEqual([2, 2]);
    expect(() => nr.string.stringSplit([['a']], ' ')).toThrow(/rank 1/);
    nr.dispose([keep.values, keep.indices, keep.shape, chars.values, chars.indices, chars.shape]);
  });
});

describe('string.stringToHashBucketFast', () => {
  it("gives TensorFlow's buckets (its published Fingerprint64 values)", () => {
    expect(fingerprint64(utf8('a'))).toBe(12917804110809363939n);
    expect(fingerprint64(utf8('b'))).toBe(11795596070477164822n);
    expect(fingerprint64(utf8('c'))).toBe(11430444447143000872n);
    expect(fingerprint64(utf8('d'))).toBe(4470636696479570465n);
    const t = nr.string.stringToHashBucketFast(
      [
        [['a'], ['b']],
        [['c'], ['d']],
      ],
      10,
    );
    expect(t.dtype).toBe('int32');
    expect(t.shape).toEqual([2, 2, 1]);
    expect(Array.from(t.dataSync())).toEqual([9, 2, 2, 5]);
    t.dispose();
  });

  it('agrees with tfjs on every length class (0-16, 17-32, 33-64, 64-byte blocks)', async () => {
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-cpu');
    await tf.setBackend('cpu');
    const words: string[] = [];
    for (let n = 0; n <= 200; n += 7)
      words.push(
        Array.from({ length: n }, (_, i) => String.fromCharCode(97 + ((i * 7 + n) % 26))).join(''),
      );
    words.push(
      'даниел'.repeat(30),
      'x'.repeat(64),
      'x'.repeat(65),
      'x'.repeat(128),
      'x'.repeat(129),
    );
    for (const buckets of [2147483647, 1000003, 2]) {
      const ours = nr.string.stringToHashBucketFast(words, buckets);
      const theirs = tf.string.stringToHashBucketFast(words, buckets);
      expect(Array.from(ours.dataSync())).toEqual(Array.from(theirs.dataSync()));
      ours.dispose();
      theirs.dispose();
    }
  });

  it('refuses fewer than one bucket', () => {
    expect(() => nr.string.stringToHashBucketFast(['a'], 0)).toThrow(/must be at least 1/);
    expect(() => nr.string.stringToHashBucketFast(['a'], -1)).toThrow(nr.ArgumentError);
    const empty = nr.string.stringToHashBucketFast(nr.tensor1d([], 'string'), 5);
    expect(empty.shape).toEqual([0]);
    empty.dispose();
  });
});

describe('string.staticRegexReplace', () => {
  it('replaces globally or once, with RE2-style group references', () => {
    const all = nr.string.staticRegexReplace(['a  b   c', 'test test'], ' +', ' ');
    expect(all.dataSync<'string'>()).toEqual(['a b c', 'test test']);
    const once = nr.string.staticRegexReplace(['test test'], 'test', 'x', false);
    expect(once.dataSync<'string'>()).toEqual(['x test']);
    const groups = nr.string.staticRegexReplace(['ab12'], '([a-z]+)(\\d+)', '\\2-\\1 $\\0');
    expect(groups.dataSync<'string'>()).toEqual(['12-ab $ab12']);
    expect(() => nr.string.staticRegexReplace(['a'], '(', 'x')).toThrow(/invalid pattern/);
    nr.dispose([all, once, groups]);
  });
});

describe('tf.string ops and memory', () => {
  it('free their temporaries: only the outputs stay', () => {
    const before = nr.memory();
    const r = nr.string.stringSplit(['a b', 'c'], ' ');
    const h = nr.string.stringToHashBucketFast(['a', 'b'], 3);
    const g = nr.string.stringNGrams(['a', 'b'], [0, 2], ' ', [2], '', '', 0, false);
    const s = nr.string.staticRegexReplace(['ab'], 'b', 'c');
    expect(nr.memory().numTensors - before.numTensors).toBe(3 + 1 + 2 + 1);
    nr.dispose([r.indices, r.values, r.shape, h, g.nGrams, g.nGramsSplits, s]);
    expect(nr.memory().numTensors).toBe(before.numTensors);
    expect(nr.memory().numBytes).toBe(before.numBytes);
  });
});
