// linalg.qr: q·r rebuilds x, q has orthonormal columns, r is upper triangular, tfjs' signs on a known
// case, the reduced and full shapes, and gradients of q and r against finite differences.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import {
  checkForward,
  checkGradient,
  expectClose,
  type OpCheck,
  REFERENCE,
} from '../helpers/check_op.js';

const s5 = Math.sqrt(5);
const cases: OpCheck[] = [
  {
    // x = [[1, 3], [-2, -4]]: first reflection maps column [1, -2] to -√5·e1 (x00 > 0 gives a negative r00)
    name: 'qr 2x2 r',
    fn: (a) => nr.linalg.qr(a)[1],
    inputs: [
      [
        [1, 3],
        [-2, -4],
      ],
    ],
    expected: [
      [-s5, -11 / s5],
      [0, -2 / s5],
    ],
  },
  {
    name: 'qr 2x2 q',
    fn: (a) => nr.linalg.qr(a)[0],
    inputs: [
      [
        [1, 3],
        [-2, -4],
      ],
    ],
    expected: [
      [-1 / s5, -2 / s5],
      [2 / s5, -1 / s5],
    ],
  },
  { name: 'qr 4x3 q (reduced)', fn: (a) => nr.linalg.qr(a)[0], inputs: [{ shape: [4, 3] }] },
  { name: 'qr 4x3 r (reduced)', fn: (a) => nr.linalg.qr(a)[1], inputs: [{ shape: [4, 3] }] },
  { name: 'qr 2x3x3 r (batch)', fn: (a) => nr.linalg.qr(a)[1], inputs: [{ shape: [2, 3, 3] }] },
  { name: 'qr 2x4 q (wide)', fn: (a) => nr.linalg.qr(a)[0], inputs: [{ shape: [2, 4] }] },
];

describe('linalg.qr', () => {
  for (const c of cases) {
    if (c.expected) it(`${c.name}: values`, async () => checkForward(c, nr.getBackend()));
    it(`${c.name}: gradient`, async () => checkGradient(c, REFERENCE));
  }

  for (const [shape, full, qShape, rShape] of [
    [[5, 3], false, [5, 3], [3, 3]],
    [[5, 3], true, [5, 5], [5, 3]],
    [[3, 5], false, [3, 3], [3, 5]],
    [[2, 1, 4, 4], false, [2, 1, 4, 4], [2, 1, 4, 4]],
  ] as const) {
    it(`shape ${shape.join('x')} fullMatrices=${full}: q·r = x, qᵀq = I, r upper triangular`, async () => {
      const x = nr.randomNormal([...shape], 0, 1, 'float32', 7);
      const [q, r] = nr.linalg.qr(x, full);
      expect(q.shape).toEqual(qShape);
      expect(r.shape).toEqual(rShape);
      expectClose(await nr.matMul(q, r).data(), await x.data(), 1e-4, 1e-4, 'q·r');
      const k = q.shape[q.rank - 1];
      const eye = nr.broadcastTo(nr.eye(k), [...q.shape.slice(0, -2), k, k]);
      expectClose(await nr.matMul(q, q, true).data(), await eye.data(), 1e-5, 0, 'qᵀq');
      const rows = r.shape[r.rank - 2];
      const flatMats = r.reshape([-1, rows, r.shape[r.rank - 1]]).arraySync() as number[][][];
      for (const mat of flatMats)
        mat.forEach((row, i) => row.forEach((v, j) => j < i && expect(v).toBe(0)));
    });
  }

  it('a zero column gives no NaN; rank < 2 is refused', async () => {
    const [q, r] = nr.linalg.qr(
      nr.tensor2d([
        [0, 1],
        [0, 2],
      ]),
    );
    expect((await q.data()).every(Number.isFinite)).toBe(true);
    expectClose(await nr.matMul(q, r).data(), [0, 1, 0, 2], 1e-6, 0, 'q·r');
    expect(() => nr.linalg.qr(nr.tensor1d([1, 2]))).toThrow(/rank >= 2, got rank 1/);
    expect(() => nr.linalg.qr(nr.scalar(3))).toThrow(nr.ShapeError);
  });

  it('leaves only q and r', () => {
    const x = nr.tensor2d([
      [1, 3],
      [-2, -4],
    ]);
    const before = nr.memory().numTensors;
    const out = nr.linalg.qr(x);
    expect(nr.memory().numTensors).toBe(before + 2);
    nr.dispose([x, ...out]);
  });
});
