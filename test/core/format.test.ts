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
    const t = nr.tensor([[[1], [2]], [[3], [4]]]);
    expect(t.toString()).toBe('Tensor\n    [[[1],\n      [2]],\n\n     [[3],\n      [4]]]');
  });

  it('keeps tfjs\'s extra space and trailing comma on a one-row matrix', () => {
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
