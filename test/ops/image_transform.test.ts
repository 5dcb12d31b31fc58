// image.transform: shifts, scales and projective maps against hand-worked samples, each fill mode,
// argument checks, and the gradient to the images against finite differences.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { checkForward, checkGradient, type OpCheck, REFERENCE } from '../helpers/check_op.js';

// one row of 4 pixels [1, 2, 3, 4]: output x samples input x + dx
const row = { shape: [1, 1, 4, 1], values: [1, 2, 3, 4] };
const shift = (dx: number) => nr.tensor2d([[1, 0, dx, 0, 1, 0, 0, 0]]);

const cases: OpCheck[] = [
  {
    name: 'nearest, shift by 1, constant fill 9',
    fn: (a) => nr.image.transform(a, shift(1), 'nearest', 'constant', 9),
    inputs: [row],
    expected: [[[[2], [3], [4], [9]]]],
  },
  {
    // samples at 0.5, 1.5, 2.5, 3.5: 3.5 mixes pixel 3 (value 4) with the fill 0
    name: 'bilinear, shift by 0.5, constant fill',
    fn: (a) => nr.image.transform(a, shift(0.5), 'bilinear'),
    inputs: [row],
    expected: [[[[1.5], [2.5], [3.5], [2]]]],
  },
  {
    // samples at -2, -1, 0, 1 mirror about the left edge: -1 -> 0, -2 -> 1
    name: 'nearest, shift by -2, reflect',
    fn: (a) => nr.image.transform(a, shift(-2), 'nearest', 'reflect'),
    inputs: [row],
    expected: [[[[2], [1], [1], [2]]]],
  },
  {
    name: 'nearest, shift by 3, wrap',
    fn: (a) => nr.image.transform(a, shift(3), 'nearest', 'wrap'),
    inputs: [row],
    expected: [[[[4], [1], [2], [3]]]],
  },
  {
    name: 'nearest, shift by 2, nearest fill',
    fn: (a) => nr.image.transform(a, shift(2), 'nearest', 'nearest'),
    inputs: [row],
    expected: [[[[3], [4], [4], [4]]]],
  },
  {
    // x' = 0.5 x: a 2x zoom into the left half, output width 6
    name: 'bilinear zoom, outputShape [1, 6]',
    fn: (a) =>
      nr.image.transform(
        a,
        nr.tensor2d([[0.5, 0, 0, 0, 1, 0, 0, 0]]),
        'bilinear',
        'constant',
        0,
        [1, 6],
      ),
    inputs: [row],
    expected: [[[[1], [1.5], [2], [2.5], [3], [3.5]]]],
  },
  {
    name: 'bilinear, batch of 2 with one transform each: gradient',
    fn: (a, t) => nr.image.transform(a, t, 'bilinear', 'reflect'),
    inputs: [
      { shape: [2, 3, 4, 2] },
      {
        shape: [2, 8],
        values: [0.9, 0.2, 0.3, -0.1, 1.1, 0.4, 0.01, 0.02, 1, 0, 0.6, 0, 1, -0.7, 0, 0],
      },
    ],
    grad: [0],
  },
];

describe('image.transform', () => {
  for (const c of cases) {
    if (c.expected) it(`${c.name}: values`, async () => checkForward(c, nr.getBackend()));
    it(`${c.name}: gradient`, async () => checkGradient(c, REFERENCE));
  }

  it('a projective row whose denominator is 0 gives the fill value', async () => {
    // k = 1 - x: zero at x = 1
    const t = nr.tensor2d([[1, 0, 0, 0, 1, 0, -1, 0]]);
    const y = nr.image.transform(
      nr.tensor([1, 2, 3, 4], [1, 1, 4, 1]),
      t,
      'nearest',
      'constant',
      7,
    );
    expect(Array.from(await y.data())[1]).toBe(7);
  });

  it('checks dtypes, ranks, the transform shape and the modes', () => {
    const img = nr.ones([1, 2, 2, 1]);
    const t = shift(0);
    expect(() => nr.image.transform(nr.ones([1, 2, 2, 1], 'int32'), t)).toThrow(
      /Argument 'image' passed to 'transform' must be float32/,
    );
    expect(() => nr.image.transform(img, nr.ones([1, 8], 'int32'))).toThrow(
      /Argument 'transforms' passed to 'transform' must be float32/,
    );
    expect(() => nr.image.transform(nr.ones([2, 2, 1]), t)).toThrow(nr.ShapeError);
    expect(() => nr.image.transform(img, nr.ones([1, 6]))).toThrow(/\[batch, 8\]/);
    expect(() => nr.image.transform(img, t, 'cubic' as 'nearest')).toThrow(/interpolation/);
    expect(() => nr.image.transform(img, t, 'nearest', 'mirror' as 'wrap')).toThrow(/fillMode/);
    expect(() => nr.image.transform(img, t, 'nearest', 'constant', 0, [0, 2])).toThrow(
      /outputShape/,
    );
  });
});
