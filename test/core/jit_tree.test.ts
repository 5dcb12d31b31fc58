// nr.jit's argument signature (flattenArgs): equal for calls a trace serves, different wherever a trace would not fit.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { flattenArgs } from '../../src/core/jit/tree.js';

const key = (...args: unknown[]): string => flattenArgs(args).key;

describe('flattenArgs', () => {
  it('gives the tensors in order and one key for arguments of the same shapes, dtypes and values', () => {
    const [a, b, c] = [nr.ones([2, 3]), nr.zeros([2, 3]), nr.ones([4])];
    const { tensors } = flattenArgs([{ x: a, y: [b, c] }, 0.5]);
    expect(tensors).toEqual([a, b, c]);
    expect(tensors[0]).toBe(a);
    expect(tensors[2]).toBe(c);
    expect(key({ x: a, y: null, sampleWeight: null })).toBe(
      key({ x: b, y: null, sampleWeight: null }),
    );
    expect(key(a, 0.5, 'same', true, undefined)).toBe(key(b, 0.5, 'same', true, undefined));
    nr.dispose([a, b, c]);
  });

  it('tells apart shapes, dtypes, structure, object keys, values and shared buffers', () => {
    const a = nr.ones([2, 3]);
    const b = nr.ones([2, 3]);
    const variants = [
      key(a),
      key(nr.ones([3, 2])),
      key(nr.ones([2, 3], 'int32')),
      key(nr.ones([6])),
      key(nr.scalar(1)),
      key([a]),
      key([[a]]),
      key({ x: a }),
      key({ y: a }),
      key({ 'x y': a }),
      key({ 'x"': a }),
      key({ x: a, y: null }),
      key({ y: null, x: a }),
      key(a, 1),
      key(a, '1'),
      key(a, 2),
      key(a, null),
      key(a, undefined),
      key(a, []),
      key(a, {}),
      key(a, a),
      key(a, b),
    ];
    expect(new Set(variants).size).toBe(variants.length);
    nr.dispose([a, b]);
  });

  it('keys variables by identity and other objects by identity', () => {
    const v = nr.variable(nr.ones([2]));
    const w = nr.variable(nr.ones([2]));
    const f = () => 1;
    const g = () => 1;
    expect(key(v)).toBe(key(v));
    expect(key(v)).not.toBe(key(w));
    expect(key(f)).toBe(key(f));
    expect(key(f)).not.toBe(key(g));
    expect(key(new Map())).not.toBe(key(new Map()));
    nr.dispose([v, w]);
  });

  it('reads own keys of null-prototype objects and keys such as __proto__ as keys', () => {
    const a = nr.ones([1]);
    const bare: Record<string, unknown> = Object.create(null);
    bare.x = a;
    expect(key(bare)).toBe(key({ x: a }));
    const odd = JSON.parse('{"__proto__": 1}') as Record<string, unknown>;
    expect(key(odd)).not.toBe(key({}));
    expect(key(odd)).not.toBe(key(JSON.parse('{"__proto__": 2}')));
    a.dispose();
  });
});
