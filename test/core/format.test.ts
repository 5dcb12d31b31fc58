// toString()/print() text: tfjs's layout (decimals, column padding, summaries, complex, bool, empty, header).
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';

describe('tensor.toString', () => {
  it('pads every column of a matrix at the end to its widest entry', () => {
    const t = nr.tensor([
      [1.5, 20, 0.25],
      [100, 2, 3],
    ]);
    expect(t.toString()).toBe('Tensor\n    [[1.5, 20, 0.25],\n     [100, 2 , 3   ]]');
  });

  it('prints arrays with at most 7 decimals and scalars in full', () => {
    expect(nr.tensor([1 / 3, 0.5, -2]).toString()).toBe('Tensor\n    [0.3333333, 0.5, -2]');
    expect(nr.scalar(0.5).toString()).toBe('Tensor\n    0.5');
    // a float32 scalar prints its exact value, unrounded
    expect(nr.scalar(0.1).toString()).toBe(`Tensor\n    ${Math.fround(0.1)}`);
  });

  it('summarises axes longer than 20 to three entries at each edge', () => {
    expect(nr.range(0, 30).toString()).toBe('Tensor\n    [0, 1, 2, ..., 27, 28, 29]');
    const rows = nr.range(0, 42).reshape([21, 2]).toString().split('\n');
    expect(rows).toEqual([
      'Tensor',
      '    [[0 , 1 ],',
      '     [2 , 3 ],',
      '     [4 , 5 ],',
      '     ...,',
      '     [36, 37],',
      '     [38, 39],',
      '     [40, 41]]',
    ]);
  });

  it('separates the blocks of a rank-3 tensor with a blank line', () => {
    const t = nr.tensor([
      [[1], [2]],
      [[3], [4]],
    ]);
    expect(t.toString()).toBe('Tensor\n    [[[1],\n      [2]],\n\n     [[3],\n      [4]]]');
  });

  it("keeps tfjs's extra space and trailing comma on a one-row matrix", () => {
    expect(nr.tensor([[1, 2]]).toString()).toBe('Tensor\n     [[1, 2],]');
  });

  it('prints bool, complex and string entries', () => {
    expect(nr.tensor([true, false]).toString()).toBe('Tensor\n    [true, false]');
    expect(nr.complex([1, 2.5], [0, -1]).toString()).toBe('Tensor\n    [1 + 0j, 2.5 + -1j]');
    expect(nr.tensor(['a', 'bcd']).toString()).toBe("Tensor\n    ['a', 'bcd']");
    expect(nr.scalar('hi').toString()).toBe('Tensor\n    hi');
  });

  it('prints empty tensors and the verbose header', () => {
    expect(nr.zeros([0]).toString()).toBe('Tensor\n    []');
    expect(nr.zeros([0, 1]).toString()).toBe('Tensor\n     []');
    expect(nr.zeros([1, 0, 1]).toString()).toBe('Tensor\n     [ []]');
    expect(nr.tensor([1, 2], [2], 'int32').toString(true)).toBe(
      'Tensor\n  dtype: int32\n  rank: 1\n  shape: [2]\n  values:\n    [1, 2]',
    );
  });
});

describe('tensor creation from typed-array rows', () => {
  it("takes nested arrays whose rows are typed arrays, with the first typed array's dtype", () => {
    const t = nr.tensor([
      new Float32Array([1, 2]),
      new Int32Array([3, 4]),
      new Uint8Array([5, 6]),
      [7, 8],
    ]);
    expect(t.dtype).toBe('float32');
    expect(t.shape).toEqual([4, 2]);
    expect(Array.from(t.dataSync())).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(nr.tensor([new Int32Array([1, 2]), [3, 4]]).dtype).toBe('int32');
    // flat rows with a shape: each row holds the remaining axes flattened
    expect(nr.tensor([new Float32Array(6), new Float32Array(6)], [2, 3, 2]).shape).toEqual([
      2, 3, 2,
    ]);
    expect(() => nr.tensor([new Float32Array(6), new Float32Array(6)], [3, 2, 2])).toThrow(
      nr.ShapeError,
    );
  });

  it('names the ragged element', () => {
    expect(() => nr.tensor([new Float32Array([1, 2]), [7, 8, 9, 10]])).toThrow(
      /Element arr\[1\] should have 2 elements, but has 4 elements/,
    );
  });

  it('gives a Uint8Array int32 by default (bool only when named)', () => {
    const t = nr.tensor(new Uint8Array([1, 5, 2]));
    expect(t.dtype).toBe('int32');
    expect(Array.from(t.dataSync())).toEqual([1, 5, 2]);
    expect(nr.tensor(new Uint8Array([1, 0]), [2], 'bool').dtype).toBe('bool');
  });

  it('squeezes every unit axis when the axis list is empty', () => {
    expect(nr.squeeze(nr.zeros([2, 1, 3, 1, 4]), []).shape).toEqual([2, 3, 4]);
  });
});
