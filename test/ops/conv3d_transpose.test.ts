// conv3dTranspose: a single voxel spreads the filter, the adjoint identity <T(x), z> = <x, conv3d(z)>
// for valid and same padding with strides, shape checks, and gradients against finite differences.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import {
  checkForward,
  checkGradient,
  expectClose,
  type OpCheck,
  REFERENCE,
} from '../helpers/check_op.js';

const cases: OpCheck[] = [
  {
    // one voxel of value 2 under a 2x2x2 filter: the output is 2·filter
    name: 'one voxel, valid',
    fn: (x, f) => nr.conv3dTranspose(x, f, [2, 2, 2, 1], 1, 'valid'),
    inputs: [
      { shape: [1, 1, 1, 1], values: [2] },
      { shape: [2, 2, 2, 1, 1], values: [5, 4, 8, 7, 1, 2, 6, 3] },
    ],
    expected: [10, 8, 16, 14, 2, 4, 12, 6],
  },
  {
    name: 'strides 2, same, 2 -> 3 channels',
    fn: (x, f) => nr.conv3dTranspose(x, f, [1, 4, 3, 4, 3], [2, 1, 2], 'same'),
    inputs: [{ shape: [1, 2, 3, 2, 2] }, { shape: [2, 2, 3, 3, 2] }],
  },
];

describe('conv3dTranspose', () => {
  for (const c of cases) {
    if (c.expected) it(`${c.name}: values`, async () => checkForward(c, nr.getBackend()));
    it(`${c.name}: gradient`, async () => checkGradient(c, REFERENCE));
  }

  for (const [pad, strides, zShape] of [
    ['valid', [1, 1, 1], [2, 4, 5, 4, 3]],
    ['same', [2, 2, 1], [2, 5, 4, 3, 3]],
    ['valid', [2, 1, 2], [1, 5, 4, 6, 3]],
  ] as const) {
    it(`is the adjoint of conv3d (${pad}, strides ${strides.join('x')})`, async () => {
      const f = nr.randomNormal([2, 3, 2, 3, 2], 0, 1, 'float32', 1);
      const z = nr.randomNormal([...zShape], 0, 1, 'float32', 2);
      const y = nr.conv3d(z, f, [...strides], pad);
      const x = nr.randomNormal(y.shape, 0, 1, 'float32', 3);
      const t = nr.conv3dTranspose(x, f, [...zShape], [...strides], pad);
      expect(t.shape).toEqual(zShape);
      const lhs = await nr.sum(nr.mul(t, z)).data();
      const rhs = await nr.sum(nr.mul(x, y)).data();
      expectClose(lhs, rhs, 1e-3, 1e-4, '<T(x), z> vs <x, conv3d(z)>');
    });
  }

  it('checks the output shape, channels and pad', () => {
    const x = nr.ones([1, 2, 2, 2, 1]);
    const f = nr.ones([2, 2, 2, 3, 1]);
    expect(nr.conv3dTranspose(x, f, [1, 3, 3, 3, 3], 1, 'valid').shape).toEqual([1, 3, 3, 3, 3]);
    expect(() => nr.conv3dTranspose(x, f, [1, 5, 3, 3, 3], 1, 'valid')).toThrow(/input depth of 4/);
    expect(() => nr.conv3dTranspose(x, f, [1, 3, 3, 3, 2], 1, 'valid')).toThrow(nr.ShapeError);
    expect(() =>
      nr.conv3dTranspose(x, nr.ones([2, 2, 2, 3, 2]), [1, 3, 3, 3, 3], 1, 'valid'),
    ).toThrow(/channels/);
    expect(() => nr.conv3dTranspose(x, f, [1, 3, 3, 3, 3], 1, 2 as never)).toThrow(
      nr.ArgumentError,
    );
  });
});
