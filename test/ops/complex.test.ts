// complex64: construction, the interleaved layout and its zero-copy view, memory accounting, ops on complex tensors, gradients.
import { describe, expect, it } from 'vitest';
import { ENGINE } from '../../src/core/engine.js';
import * as nr from '../../src/node.js';
import {
  checkForward,
  checkGradient,
  expectClose,
  type OpCheck,
  testBackends,
} from '../helpers/check_op.js';

const c = (re: nr.NestedArray, im: nr.NestedArray): nr.Tensor => nr.complex(re, im);

describe('complex64 tensors', () => {
  it('complex/real/imag, and dataSync() interleaves [re, im]', () => {
    const z = c([1, 2, 3], [4, 5, 6]);
    expect(z.dtype).toBe('complex64');
    expect(z.shape).toEqual([3]);
    expect(Array.from(z.dataSync())).toEqual([1, 4, 2, 5, 3, 6]);
    expect(nr.real(z).dtype).toBe('float32');
    expect(Array.from(nr.real(z).dataSync())).toEqual([1, 2, 3]);
    expect(Array.from(nr.imag(z).dataSync())).toEqual([4, 5, 6]);
    // a real tensor is its own real part, with a zero imaginary part
    expect(Array.from(nr.real(nr.tensor([7])).dataSync())).toEqual([7]);
    expect(Array.from(nr.imag(nr.tensor([7])).dataSync())).toEqual([0]);
    // int32 parts become float32
    expect(Array.from(nr.complex(nr.tensor([1], [1], 'int32'), [2]).dataSync())).toEqual([1, 2]);
  });

  it('arraySync keeps pairs along the doubled last axis; toString prints a + bj', () => {
    const z = c(
      [
        [1, 2],
        [3, 4],
      ],
      [
        [11, 12],
        [13, 14],
      ],
    );
    expect(z.arraySync()).toEqual([
      [1, 11, 2, 12],
      [3, 13, 4, 14],
    ]);
    expect(nr.complex(5, 4).arraySync()).toEqual([5, 4]);
    expect(nr.complex(5, 4).toString()).toBe('Tensor\n    5 + 4j');
    expect(c([0, 1, 2], [3, 2, 1]).toString()).toBe('Tensor\n    [0 + 3j, 1 + 2j, 2 + 1j]');
    expect(c([[1]], [[2]]).toString(true)).toContain('dtype: complex64');
  });

  it('counts 8 bytes an element, and its float32 view shares the buffer (no copy)', () => {
    const before = nr.memory();
    const z = nr.tidy(() => nr.complex(nr.zeros([10]), nr.zeros([10])));
    const after = nr.memory();
    expect(after.numBytes - before.numBytes).toBe(80);
    expect(after.numDataBuffers - before.numDataBuffers).toBe(1);
    const view = ENGINE.run1('complexView', [z], { to: 'float32' });
    expect(view.shape).toEqual([10, 2]);
    expect(view.dtype).toBe('float32');
    expect(view.dataId).toBe(z.dataId);
    expect(nr.memory().numDataBuffers).toBe(after.numDataBuffers);
    nr.dispose([view, z]);
    expect(nr.memory().numBytes).toBe(before.numBytes);
  });

  it('ops on complex tensors leave only their result (the pairs and temporaries are freed)', () => {
    const z = c([1, 2, 3, 4], [5, 6, 7, 8]);
    const before = nr.memory();
    const results = [
      z.add(z),
      z.mul(z),
      z.abs(),
      z.transpose(),
      z.slice([1], [2]),
      nr.spectral.fft(z),
      nr.spectral.rfft(nr.real(z)),
      nr.spectral.irfft(z),
    ];
    // real(z) above is the one extra tensor the test made itself
    expect(nr.memory().numTensors - before.numTensors).toBe(results.length + 1);
    nr.dispose(results);
    const grads = nr.grads((re: nr.Tensor, im: nr.Tensor) =>
      nr.real(nr.spectral.fft(nr.complex(re, im).mul(z))).sum(),
    )([nr.real(z), nr.imag(z)]);
    nr.dispose(grads);
    expect(nr.memory().numTensors - before.numTensors).toBe(3);
    // plain values given to complex and the transforms are converted and freed inside the op
    const fromPlain = [nr.complex([1, 2], [3, 4]), nr.spectral.rfft([1, 2, 3]), nr.real([1, 2])];
    expect(nr.memory().numTensors - before.numTensors).toBe(3 + fromPlain.length);
    nr.dispose(fromPlain);
  });

  it('refuses complex64 from plain values and names nr.complex', () => {
    expect(() => nr.tensor([1, 2], [2], 'complex64')).toThrow(nr.DTypeError);
    expect(() => nr.tensor([1, 2], [2], 'complex64')).toThrow(/nr\.complex\(real, imag\)/);
    expect(() => nr.buffer([2], 'complex64')).toThrow(nr.DTypeError);
    expect(() => c([1], [2]).bufferSync()).toThrow(/buffer: complex64 buffers are not supported/);
  });

  it('refuses mismatched parts and complex parts with typed errors', () => {
    expect(() => nr.complex([1, 2], [1, 2, 3])).toThrow(nr.ShapeError);
    expect(() => nr.complex([1, 2], [1, 2, 3])).toThrow(
      /real and imag shapes, 2 and 3, must match/,
    );
    expect(() => nr.complex(c([1], [1]), [1])).toThrow(nr.DTypeError);
  });

  it('says which op has no complex64 meaning instead of reading pairs as reals', () => {
    const z = c([1], [1]);
    expect(() => nr.exp(z)).toThrow(nr.DTypeError);
    expect(() => nr.exp(z)).toThrow(/exp: not defined for complex64 inputs/);
    expect(() => nr.softmax(z)).toThrow(/softmax: logits must be real, received 'complex64'/);
    expect(() => nr.max(z)).toThrow(/max: not defined for complex64/);
    expect(() => nr.matMul(c([[1]], [[1]]), c([[1]], [[1]]))).toThrow(
      /matMul: not defined for complex64 inputs/,
    );
    expect(() => nr.pad(z, [[1, 1]], 2)).toThrow(/pad: complex64 tensors are padded with 0 only/);
  });

  it('ones/zeros/fill with complex64 set the real part only', () => {
    expect(Array.from(nr.ones([2, 2], 'complex64').dataSync())).toEqual([1, 0, 1, 0, 1, 0, 1, 0]);
    expect(Array.from(nr.zeros([2], 'complex64').dataSync())).toEqual([0, 0, 0, 0]);
    expect(Array.from(nr.onesLike(c([1, 2], [3, 4])).dataSync())).toEqual([1, 0, 1, 0]);
    expect(nr.zerosLike(c([1, 2], [3, 4])).dtype).toBe('complex64');
  });
});

const z23 = (re: nr.Tensor, im: nr.Tensor): nr.Tensor => nr.complex(re, im);
const parts = (t: nr.Tensor): nr.Tensor => nr.stack([nr.real(t), nr.imag(t)]);
const A = [
  [1, 2, 3],
  [4, 5, 6],
];
const B = [
  [-1, 0.5, 2],
  [3, -2, 1],
];

const forwardCases: OpCheck[] = [
  {
    name: 'add and sub (broadcast, and with a real operand promoted)',
    fn: (re, im) => {
      const z = z23(re, im);
      return parts(nr.concat([z.add(z.slice([0, 0], [1, 3])), z.sub(2)]));
    },
    inputs: [A, B],
    expected: [
      [2, 4, 6, 5, 7, 9, -1, 0, 1, 2, 3, 4],
      [-2, 1, 4, 2, -1.5, 3, -1, 0.5, 2, 3, -2, 1],
    ].flat(),
  },
  {
    name: 'mul: (a + bi)(c + di) = (ac - bd) + (ad + bc)i, and by a real scalar',
    fn: (re, im) => {
      const z = z23(re, im);
      return parts(nr.concat([z.mul(z), z.mul(2)]));
    },
    inputs: [[[1, 2]], [[3, -1]]],
    // (1+3i)² = -8 + 6i; (2-i)² = 3 - 4i
    expected: [-8, 3, 2, 4, 6, -4, 6, -2],
  },
  {
    name: 'div: a·conj(b) / |b|², by a real divisor, of a real dividend; mean',
    fn: (re, im) => {
      const a = z23(re, im);
      const b = nr.complex([2, 0.5], [-1, 4]);
      return parts(nr.concat([a.div(b), a.div(2), nr.div(2, a), nr.mean(a).reshape([1])]));
    },
    inputs: [
      [1, 2],
      [3, -1],
    ],
    // numpy: a / b, a / 2, 2 / a, a.mean()
    expected: [
      [-0.2, -0.18461538, 0.5, 1, 0.2, 0.8, 1.5],
      [1.4, -0.52307692, 1.5, -0.5, -0.6, 0.4, 1],
    ].flat(),
  },
  {
    name: 'abs, neg, sum over an axis',
    fn: (re, im) => {
      const z = z23(re, im);
      return nr.concat([
        z.abs().reshape([2]),
        nr.real(z.neg()).reshape([2]),
        parts(z.sum(1)).reshape([2]),
      ]);
    },
    inputs: [[[3, 1]], [[4, -1]]],
    expected: [5, Math.SQRT2, -3, -1, 4, 3],
  },
  {
    name: 'movement: transpose, conjugate transpose, reverse, gather, stack, pad, tile',
    fn: (re, im) => {
      const z = z23(re, im);
      const ops = [
        z.transpose(),
        nr.transpose(z, [1, 0], true),
        nr.reverse(z, 1).transpose(),
        nr
          .gather(z, nr.tensor([2, 0], [2], 'int32'), 1)
          .reshape([2, 2])
          .pad([
            [0, 0],
            [0, 1],
          ]),
        nr
          .stack([z.slice([0, 0], [1, 1]).reshape([]), z.slice([1, 2], [1, 1]).reshape([])])
          .tile([3]),
      ];
      return nr.concat(ops.map((o) => parts(o).reshape([-1])));
    },
    inputs: [A, B],
    expected: [
      // transpose
      [1, 4, 2, 5, 3, 6, -1, 3, 0.5, -2, 2, 1],
      // conjugate transpose
      [1, 4, 2, 5, 3, 6, 1, -3, -0.5, 2, -2, -1],
      // reverse along 1, then transpose
      [3, 6, 2, 5, 1, 4, 2, 1, 0.5, -2, -1, 3],
      // gather columns [2, 0], padded with a zero column
      [3, 1, 0, 6, 4, 0, 2, -1, 0, 1, 3, 0],
      // stack of z[0,0] and z[1,2], tiled 3 times
      [1, 6, 1, 6, 1, 6, -1, 1, -1, 1, -1, 1],
    ].flat(),
  },
  {
    name: 'cast: complex → float32/int32 keeps the real part; float32 → complex has zero imaginary',
    fn: (re, im) => {
      const z = z23(re, im);
      return nr.concat([
        z.cast('float32').reshape([-1]),
        z.cast('int32').cast('float32').reshape([-1]),
        parts(nr.tensor([[7, 8]]).cast('complex64')).reshape([-1]),
      ]);
    },
    inputs: [[[1.5, -2]], [[3, 4]]],
    expected: [1.5, -2, 1, -2, 7, 8, 0, 0],
  },
  {
    name: 'where picks whole complex values',
    fn: (re, im) =>
      parts(nr.where(nr.tensor([true, false]), z23(re, im), nr.complex([9, 9], [8, 8]))),
    inputs: [
      [1, 2],
      [3, 4],
    ],
    expected: [1, 9, 3, 8],
  },
  {
    name: 'abs does not underflow or overflow',
    fn: (re, im) => z23(re, im).abs(),
    inputs: [
      [1e-30, 3e30, 0],
      [1e-30, 4e30, 0],
    ],
    expected: [Math.SQRT2 * 1e-30, 5e30, 0],
  },
];

const gradCases: OpCheck[] = [
  {
    name: 'gradient through complex, real and imag',
    fn: (re, im) => parts(z23(re, im).transpose()),
    inputs: [{ shape: [2, 3] }, { shape: [2, 3] }],
  },
  {
    name: 'gradient of complex mul and add',
    fn: (a, b, cc, d) => {
      const x = z23(a, b);
      const y = z23(cc, d);
      return parts(x.mul(y).add(x));
    },
    inputs: [{ shape: [4] }, { shape: [4] }, { shape: [4] }, { shape: [4] }],
  },
  {
    name: 'gradient of complex div and mean',
    fn: (a, b, cc, d) =>
      parts(
        z23(a, b)
          .div(z23(cc, d))
          .add(nr.mean(z23(a, d))),
      ),
    inputs: [
      { shape: [3] },
      { shape: [3] },
      { shape: [3], min: 0.5, max: 2 },
      { shape: [3], min: 0.5, max: 2 },
    ],
  },
  {
    name: 'gradient of abs (away from 0)',
    fn: (re, im) => z23(re, im).abs(),
    inputs: [
      { shape: [5], min: 0.5, max: 2 },
      { shape: [5], min: -2, max: -0.5 },
    ],
  },
  {
    name: 'gradient of slice, concat and gather of complex tensors',
    fn: (re, im) => {
      const z = z23(re, im);
      const g = nr.gather(z, nr.tensor([1, 1, 0], [3], 'int32'));
      return parts(nr.concat([g.slice([1], [2]), z.neg()]));
    },
    inputs: [{ shape: [3] }, { shape: [3] }],
  },
];

describe.each(testBackends())('complex64 ops on %s', (backend) => {
  for (const t of forwardCases) it(t.name, () => checkForward(t, backend));
  for (const t of gradCases) it(t.name, () => checkGradient(t, backend));
});

describe('complex64 clones and reshapes', () => {
  it('clone, reshape and squeeze keep dtype and values', () => {
    const z = c([[4], [1], [5]], [[2], [3], [6]]);
    const s = z.squeeze();
    expect(s.shape).toEqual([3]);
    expect(s.dtype).toBe('complex64');
    expectClose(s.dataSync(), [4, 2, 1, 3, 5, 6], 0, 0);
    expect(z.clone().dtype).toBe('complex64');
    expect(z.reshape([1, 3]).shape).toEqual([1, 3]);
  });
});
