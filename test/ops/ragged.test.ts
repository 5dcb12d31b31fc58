// Ragged ops: raggedGather, raggedRange, raggedTensorToTensor against hand-worked results, their argument
// checks, and gradients (to the values) against finite differences.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { checkForward, checkGradient, type OpCheck, REFERENCE } from '../helpers/check_op.js';

const splits = (v: number[]) => nr.tensor1d(v, 'int32');

const cases: OpCheck[] = [
  {
    // params [[a, b], [], [c, d, e]]: rows 2, 0, 2
    name: 'raggedGather values',
    fn: (v) =>
      nr.raggedGather([splits([0, 2, 2, 5])], v, nr.tensor([2, 0, 2], [3], 'int32'), 1)
        .outputDenseValues,
    inputs: [{ shape: [5, 2], values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }],
    expected: [5, 6, 7, 8, 9, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  },
  {
    // rows: [a, b, c] -> [[a, b, d], [c, d, d]] with default d
    name: 'raggedTensorToTensor from row splits',
    fn: (v, d) => nr.raggedTensorToTensor([2, 3], v, d, [splits([0, 2, 3])], ['ROW_SPLITS']),
    inputs: [[1, 2, 3], [9]],
    expected: [
      [1, 2, 9],
      [3, 9, 9],
    ],
  },
  {
    // 3 rows from row ids [0, 0, 2]: row 1 is empty; shape -1 takes 3 rows and the longest row (2)
    name: 'raggedTensorToTensor from value row ids, inferred shape',
    fn: (v) =>
      nr.raggedTensorToTensor(
        [-1, -1, 2],
        v,
        0,
        [nr.scalar(3, 'int32'), splits([0, 0, 2])],
        ['FIRST_DIM_SIZE', 'VALUE_ROWIDS'],
      ),
    inputs: [{ shape: [3, 2], values: [1, 2, 3, 4, 5, 6] }],
    expected: [
      [
        [1, 2],
        [3, 4],
      ],
      [
        [0, 0],
        [0, 0],
      ],
      [
        [5, 6],
        [0, 0],
      ],
    ],
  },
];

describe('ragged ops', () => {
  for (const c of cases) {
    it(`${c.name}: values`, async () => checkForward(c, nr.getBackend()));
    it(`${c.name}: gradient`, async () => checkGradient(c, REFERENCE));
  }

  it('raggedGather keeps nested levels and turns 2-D indices into a uniform level', async () => {
    // params [[[1], [2, 3]], [], [[4, 5, 6]]]
    const p = [splits([0, 2, 2, 3]), splits([0, 1, 3, 6])];
    const r = nr.raggedGather(
      p,
      nr.tensor([1, 2, 3, 4, 5, 6]),
      nr.tensor([[2, 0]], [1, 2], 'int32'),
      3,
    );
    expect(await Promise.all(r.outputNestedSplits.map((s) => s.array()))).toEqual([
      [0, 2],
      [0, 1, 3],
      [0, 3, 4, 6],
    ]);
    expect(await r.outputDenseValues.array()).toEqual([4, 5, 6, 1, 2, 3]);
    const scalar = nr.raggedGather([splits([0, 2, 2, 5])], nr.tensor([1, 2, 3, 4, 5]), 2, 0);
    expect(scalar.outputNestedSplits).toEqual([]);
    expect(await scalar.outputDenseValues.array()).toEqual([3, 4, 5]);
  });

  it('raggedGather checks splits, indices and the output ragged rank', () => {
    const v = nr.tensor([1, 2, 3]);
    const idx = nr.tensor([0], [1], 'int32');
    expect(() => nr.raggedGather([splits([0, 2, 1])], v, idx, 1)).toThrow(/sorted in ascending/);
    expect(() => nr.raggedGather([splits([-1, 3])], v, idx, 1)).toThrow(/non-negative/);
    expect(() => nr.raggedGather([splits([0, 4])], v, idx, 1)).toThrow(/point past values/);
    expect(() => nr.raggedGather([splits([])], v, idx, 1)).toThrow(/may not be empty/);
    expect(() => nr.raggedGather([splits([0, 3])], v, [1], 1)).toThrow(
      /indices\[0\] = 1 is not in \[0, 1\)/,
    );
    expect(() => nr.raggedGather([splits([0, 3])], v, idx, 2)).toThrow(
      /outputRaggedRank must be 1/,
    );
    expect(() => nr.raggedGather([splits([0, 1])], nr.scalar(1), idx, 1)).toThrow(nr.ShapeError);
  });

  it('raggedRange builds rows of ranges, broadcasting scalars, in the dtype of starts', async () => {
    const r = nr.raggedRange(
      nr.tensor1d([0, 5, 3], 'int32'),
      nr.tensor1d([4, 2, 3], 'int32'),
      nr.tensor1d([2, -2, 1], 'int32'),
    );
    expect(await r.rtNestedSplits.array()).toEqual([0, 2, 4, 4]);
    expect(await r.rtDenseValues.array()).toEqual([0, 2, 5, 3]);
    expect(r.rtDenseValues.dtype).toBe('int32');
    const f = nr.raggedRange(nr.scalar(0.5), nr.tensor1d([1.5, 2]), nr.scalar(0.5));
    expect(await f.rtNestedSplits.array()).toEqual([0, 2, 5]);
    expect(await f.rtDenseValues.array()).toEqual([0.5, 1, 0.5, 1, 1.5]);
    expect(f.rtDenseValues.dtype).toBe('float32');
  });

  it('raggedRange refuses zero deltas, ranks above 1, mismatched lengths and huge ranges', () => {
    expect(() => nr.raggedRange([0, 1], [2, 3], [1, 0])).toThrow(/Requires delta != 0/);
    expect(() => nr.raggedRange([[0]], [2], [1])).toThrow(/starts must be a scalar or vector/);
    expect(() => nr.raggedRange([0, 1], [2, 3, 4], 1)).toThrow(/must have the same shape/);
    expect(() => nr.raggedRange(0, 1e10, 1e-10)).toThrow(/<= 2147483647/);
  });

  it('raggedTensorToTensor drops what falls outside the shape and checks its arguments', async () => {
    // [[1, 2, 3], [4]] into [1, 2]
    const t = nr.raggedTensorToTensor([1, 2], [1, 2, 3, 4], 0, [splits([0, 3, 4])], ['ROW_SPLITS']);
    expect(await t.array()).toEqual([[1, 2]]);
    expect(() =>
      nr.raggedTensorToTensor([2, 2, 2], [1, 2], 0, [splits([0, 1, 2])], ['ROW_SPLITS']),
    ).toThrow(/are incompatible/);
    expect(() =>
      nr.raggedTensorToTensor([2, 2], [1, 2], 0, [splits([0, 1, 2])], ['VALUE_ROWIDS']),
    ).toThrow(/FIRST_DIM_SIZE/);
    expect(() =>
      nr.raggedTensorToTensor([2, 2], [1, 2], 0, [splits([0, 1, 3])], ['ROW_SPLITS']),
    ).toThrow(/point past values/);
  });

  it('raggedTensorToTensor sizes its work by the output, not by untrusted row counts', async () => {
    // a billion declared rows, two kept: no billion-entry array is built
    const ids = splits([0, 1]);
    const t = nr.raggedTensorToTensor(
      [2, 1],
      [7, 8],
      0,
      [nr.scalar(1e9, 'int32'), ids],
      ['FIRST_DIM_SIZE', 'VALUE_ROWIDS'],
    );
    expect(await t.array()).toEqual([[7], [8]]);
    expect(() =>
      nr.raggedTensorToTensor([1e6, 1e6], [1], 0, [splits([0, 1])], ['ROW_SPLITS']),
    ).toThrow(nr.ShapeError);
  });

  it('no tensors are left behind', () => {
    const before = nr.memory().numTensors;
    const s = splits([0, 1, 3]);
    const r = nr.raggedRange([0, 2], 4, 1);
    const g = nr.raggedGather([s], [1, 2, 3], [1], 1);
    const d = nr.raggedTensorToTensor(-1, [1, 2, 3], 0, [s], ['ROW_SPLITS']);
    // the splits, and the outputs only: 2 + 2 + 1
    expect(nr.memory().numTensors).toBe(before + 1 + 5);
    s.dispose();
    nr.dispose([r.rtNestedSplits, r.rtDenseValues, g.outputDenseValues, d]);
    nr.dispose(g.outputNestedSplits);
  });
});
