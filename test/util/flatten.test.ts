// tf.util.flatten (typed arrays of every kind, index-keyed objects) and bytesFromStringArray.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';

describe('util.flatten', () => {
  it('flattens nested arrays and every typed array kind unless skipTypedArray', () => {
    expect(
      nr.util.flatten([
        [1, 2],
        [3, [4]],
      ]),
    ).toEqual([1, 2, 3, 4]);
    // typed arrays outside neurite's dtypes are not in flatten's type; JS callers pass them anyway
    const others = [new Int8Array([1, 2]), new Float64Array([3])];
    expect(Reflect.apply(nr.util.flatten, undefined, [others])).toEqual([1, 2, 3]);
    const bytes = [new Uint8Array([1, 2]), new Uint8Array([3])];
    expect(nr.util.flatten(bytes, [], true)).toEqual(bytes);
  });

  it('walks an index-keyed object from 0 to its largest index, ignoring other keys', () => {
    const data: Record<string, number> = { 0: 1, 1: 2, '-1': -1, '3.2': 4, name: 9 };
    expect(Reflect.apply(nr.util.flatten, undefined, [data])).toEqual([1, 2]);
  });

  it('keeps strings, numbers and promises as leaves', () => {
    const p = Promise.resolve(1);
    expect(Reflect.apply(nr.util.flatten, undefined, [[['a', ['b']], 3, [p]]])).toEqual([
      'a',
      'b',
      3,
      p,
    ]);
  });
});

describe('util.bytesFromStringArray', () => {
  it('counts UTF-8 bytes', () => {
    const enc = (xs: string[]) => xs.map((x) => nr.util.encodeString(x));
    expect(nr.util.bytesFromStringArray(enc(['a', 'bb', 'ccc']))).toBe(6);
    expect(nr.util.bytesFromStringArray(enc(['даниел']))).toBe(12);
  });
});
