// tfjs' chained forms of stack, reshapeAs, step, unique and the space/batch/depth ops give what the ops give.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';

describe('chained tensor methods added for tfjs', () => {
  it('stack puts this tensor first, with one tensor or a list', async () => {
    const a = nr.tensor([1, 2]);
    expect(await a.stack(nr.tensor([3, 4])).array()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(await a.stack([nr.tensor([3, 4]), nr.tensor([5, 6])], 1).array()).toEqual([
      [1, 3, 5],
      [2, 4, 6],
    ]);
  });

  it('reshapeAs, step and unique', async () => {
    expect(nr.tensor([1, 2, 3, 4]).reshapeAs(nr.zeros([2, 2])).shape).toEqual([2, 2]);
    expect(await nr.tensor([-1, 0, 2]).step(0.5).array()).toEqual([0.5, 0.5, 1]);
    const u = nr.tensor([3, 1, 3, 2]).unique();
    expect(await u.values.array()).toEqual([3, 1, 2]);
    expect(await u.indices.array()).toEqual([0, 1, 0, 2]);
  });

  it('spaceToBatchND, batchToSpaceND and depthToSpace round-trip', async () => {
    const x = nr.range(0, 16).reshape([1, 4, 4, 1]);
    const b = x.spaceToBatchND(
      [2, 2],
      [
        [0, 0],
        [0, 0],
      ],
    );
    expect(b.shape).toEqual([4, 2, 2, 1]);
    const back = b.batchToSpaceND(
      [2, 2],
      [
        [0, 0],
        [0, 0],
      ],
    );
    expect(await back.array()).toEqual(await x.array());
    expect(nr.ones([1, 1, 1, 4]).depthToSpace(2).shape).toEqual([1, 2, 2, 1]);
  });
});
