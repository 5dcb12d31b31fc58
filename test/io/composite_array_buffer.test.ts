// tf.io.CompositeArrayBuffer and concatenateArrayBuffers: slices across shard boundaries, clamping, joins.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';

const shards = [
  new Uint8Array([0, 1, 2]).buffer,
  new Uint8Array([3, 4, 5, 6]),
  new Uint8Array([7]).buffer,
];

describe('CompositeArrayBuffer', () => {
  it('slices across shards and clamps its bounds', () => {
    const c = new nr.io.CompositeArrayBuffer(shards);
    expect(c.byteLength).toBe(8);
    expect(Array.from(new Uint8Array(c.slice(1, 6)))).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(new Uint8Array(c.slice(-3, 2)))).toEqual([0, 1]);
    expect(Array.from(new Uint8Array(c.slice(6, 100)))).toEqual([6, 7]);
    expect(new Uint8Array(c.slice(0, Number.NaN)).length).toBe(0);
    expect(new Uint8Array(new nr.io.CompositeArrayBuffer().slice()).length).toBe(0);
  });

  it('a view shard contributes only its own bytes', () => {
    const base = new Uint8Array([9, 8, 7, 6]);
    const c = new nr.io.CompositeArrayBuffer(base.subarray(1, 3));
    expect(Array.from(new Uint8Array(c.slice()))).toEqual([8, 7]);
  });

  it('concatenateArrayBuffers joins buffers', () => {
    const joined = nr.io.concatenateArrayBuffers([
      new Uint8Array([1, 2]).buffer,
      new Uint8Array([3]).buffer,
    ]);
    expect(Array.from(new Uint8Array(joined))).toEqual([1, 2, 3]);
  });
});
