// tfjs's creation signatures, tf.util, tf.buffer/TensorBuffer and tfjs's older tensor methods.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';

describe('tfjs creation signatures', () => {
  it('tensor1d(values, dtype) has no shape argument; tensor5d and tensor6d exist', async () => {
    const t = nr.tensor1d([0, 1, 2], 'int32');
    expect(t.dtype).toBe('int32');
    expect(nr.tensor5d([1, 2, 3, 4], [1, 1, 2, 2, 1]).shape).toEqual([1, 1, 2, 2, 1]);
    expect(nr.tensor6d([1, 2], [1, 1, 1, 1, 1, 2]).rank).toBe(6);
    expect(() => nr.tensor2d([1, 2, 3, 4], [4])).toThrow(/tensor2d: shape must have rank 2/);
    expect(
      await nr
        .slice2d(
          nr.tensor2d([
            [1, 2],
            [3, 4],
          ]),
          [1, 0],
          [1, 2],
        )
        .array(),
    ).toEqual([[3, 4]]);
    expect(await nr.concat1d([[1], [2]]).array()).toEqual([1, 2]);
  });
});

describe('tf.util', () => {
  it('assert, sizeFromShape, flatten, arraysEqual, shuffle, createShuffledIndices', () => {
    expect(() => nr.util.assert(false, () => 'bad')).toThrow('bad');
    expect(nr.util.sizeFromShape([2, 3, 4])).toBe(24);
    expect(
      nr.util.flatten([
        [1, 2],
        [3, [4]],
      ]),
    ).toEqual([1, 2, 3, 4]);
    expect(nr.util.arraysEqual([1, 2], [1, 2])).toBe(true);
    const a = [1, 2, 3, 4, 5, 6, 7, 8];
    nr.util.shuffle(a);
    expect([...a].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const idx = nr.util.createShuffledIndices(10);
    expect(Array.from(idx).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(nr.util.toNestedArray([2, 2], [1, 2, 3, 4])).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(nr.util.computeStrides([2, 3, 4])).toEqual([12, 4]);
    expect(nr.util.decodeString(nr.util.encodeString('hé'))).toBe('hé');
    expect(typeof nr.util.now()).toBe('number');
  });
});

describe('tf.buffer and TensorBuffer', () => {
  it('sets, gets and makes a tensor', async () => {
    const b = nr.buffer([2, 3], 'int32');
    b.set(5, 1, 2);
    expect(b.get(1, 2)).toBe(5);
    expect(b.locToIndex([1, 2])).toBe(5);
    expect(b.indexToLoc(5)).toEqual([1, 2]);
    const t = b.toTensor();
    expect(t.dtype).toBe('int32');
    expect(await t.array()).toEqual([
      [0, 0, 0],
      [0, 0, 5],
    ]);
    expect(() => b.get(1)).toThrow(
      /number of provided coordinates \(1\) must match the rank \(2\)/,
    );
    expect(() => nr.buffer([2], 'float32', [1, 2, 3])).toThrow(nr.ShapeError);
  });
});

describe("tfjs's older tensor methods", () => {
  it('asType, toFloat, toInt, toBool, asScalar, as3D..as5D, buffer, bufferSync, variable', async () => {
    const x = nr.tensor([1.5, -2.5, 0, 3]);
    expect(x.asType('int32').dtype).toBe('int32');
    expect(Array.from(await x.toInt().data())).toEqual([1, -2, 0, 3]);
    expect(x.toInt().toFloat().dtype).toBe('float32');
    expect(Array.from(await x.toBool().data())).toEqual([1, 1, 0, 1]);
    expect(nr.tensor([7]).asScalar().shape).toEqual([]);
    expect(() => x.asScalar()).toThrow(/asScalar: the tensor must hold one value/);
    expect(x.as3D(1, 2, 2).shape).toEqual([1, 2, 2]);
    expect(x.as4D(1, 1, 2, 2).shape).toEqual([1, 1, 2, 2]);
    expect(x.as5D(1, 1, 1, 2, 2).shape).toEqual([1, 1, 1, 2, 2]);
    expect((await x.buffer()).get(3)).toBe(3);
    expect(x.bufferSync().get(1)).toBe(-2.5);
    const v = x.variable(false, 'v_from_tensor');
    expect(v).toBeInstanceOf(nr.Variable);
    expect(v.trainable).toBe(false);
    v.dispose();
  });
});

describe('dispose of containers', () => {
  it('frees tensors held under string keys of an array, as tfjs does', () => {
    const before = nr.memory().numTensors;
    const grads = Object.assign([nr.ones([2])], { 'dense/kernel': nr.ones([3]) });
    expect(nr.memory().numTensors).toBe(before + 2);
    nr.dispose(grads);
    expect(nr.memory().numTensors).toBe(before);
  });
});
