// split/unstack/stack gradients: finite differences (unused pieces, uneven sizes, negative axes), kernel counts, memory.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import {
  checkGradient,
  leakedBy,
  type OpCheck,
  REFERENCE,
  testBackends,
} from '../helpers/check_op.js';
import { dispatched } from '../helpers/kernel_calls.js';

const cases: OpCheck[] = [
  {
    name: 'split uneven sizes, negative axis, a piece unused',
    fn: (x) => {
      const [a, , c] = nr.split(x, [2, 1, 3], -1);
      return nr.concat([c, a.mul(a)], -1);
    },
    inputs: [{ shape: [2, 3, 6] }],
  },
  {
    name: 'split with an empty piece, one piece read twice',
    fn: (x) => {
      const [a, empty, b] = nr.split(x, [1, 0, -1], 0);
      expect(empty.shape).toEqual([0, 3]);
      return a.mul(b).add(a);
    },
    inputs: [{ shape: [2, 3] }],
  },
  {
    name: 'split into equal parts, only the last used',
    fn: (x) => nr.split(x, 4, 1)[3].square(),
    inputs: [{ shape: [3, 8] }],
  },
  {
    name: 'unstack negative axis, pieces unused and reused',
    fn: (x) => {
      const ps = nr.unstack(x, -2);
      return ps[0].mul(ps[3]).add(ps[0]).sub(ps[1]);
    },
    inputs: [{ shape: [2, 5, 3] }],
  },
  {
    name: 'stack of unstack (reversed)',
    fn: (x) => nr.stack(nr.unstack(x, 1).reverse(), 1).mul(x),
    inputs: [{ shape: [2, 4, 3] }],
  },
  {
    name: 'stack, several inputs',
    fn: (a, b, c) => nr.stack([a, b.square(), c], -1),
    inputs: [{ shape: [2, 3] }, { shape: [2, 3] }, { shape: [2, 3] }],
  },
];

describe.each(testBackends())('split/unstack gradients on %s', (backend) => {
  for (const c of cases) it(c.name, () => checkGradient(c, backend));
});

describe('split/unstack gradients on the float64 reference', () => {
  for (const c of cases) it(c.name, () => checkGradient(c, REFERENCE));
});

/** Kernels of the backward pass alone: those of grads(f) minus those of f. */
function backwardKernels(f: (x: nr.Tensor) => nr.Tensor, x: nr.Tensor, dy: nr.Tensor): string[] {
  const b = nr.backend();
  const forward = dispatched(b, () => nr.tidy(() => void f(x)));
  const all = dispatched(b, () => nr.tidy(() => void nr.grad(f)(x, dy)));
  // the forward's kernels come first, in the same order
  expect(all.slice(0, forward.length)).toEqual(forward);
  return all.slice(forward.length);
}

describe('split/unstack backward cost', () => {
  it('the backward of a split is one concat however many pieces (no scatters, no adds)', () => {
    for (const n of [2, 8, 32]) {
      const x = nr.randomNormal([4, n, 3], 0, 1, 'float32', 1);
      const dy = nr.randomNormal([4, n, 3], 0, 1, 'float32', 2);
      // reversing the pieces makes the forward one split and one concat: their gradients are one
      // split (n slices) and one concat
      const kernels = backwardKernels((t) => nr.concat(nr.split(t, n, 1).reverse(), 1), x, dy);
      expect(kernels.filter((k) => k === 'copyStrided')).toHaveLength(n);
      expect(kernels.filter((k) => k === 'concat')).toHaveLength(1);
      expect(kernels).toHaveLength(n + 1);
      nr.dispose([x, dy]);
    }
  });

  it('the backward of unstack is one stack; that of stack is one unstack', () => {
    const n = 12;
    const x = nr.randomNormal([3, n, 5], 0, 1, 'float32', 3);
    const dy = nr.randomNormal([3, n, 5], 0, 1, 'float32', 4);
    const kernels = backwardKernels((t) => nr.stack(nr.unstack(t, 1), 1), x, dy);
    expect(kernels.filter((k) => k === 'copyStrided')).toHaveLength(n);
    expect(kernels.filter((k) => k === 'concat')).toHaveLength(1);
    expect(kernels).toHaveLength(n + 1);
    nr.dispose([x, dy]);
  });

  it('pieces without a gradient cost no kernel in the backward', () => {
    const x = nr.randomNormal([6, 4], 0, 1, 'float32', 5);
    const dy = nr.randomNormal([2, 4], 0, 1, 'float32', 6);
    // two used pieces of six: their gradients joined with zeros for the rest, in one concat
    const kernels = backwardKernels(
      (t) => {
        const ps = nr.unstack(t, 0);
        return nr.stack([ps[1], ps[4]], 0);
      },
      x,
      dy,
    );
    expect(kernels).toEqual(['copyStrided', 'copyStrided', 'concat']);
    const g = nr.grad((t: nr.Tensor) => {
      const ps = nr.unstack(t, 0);
      return nr.stack([ps[1], ps[4]], 0);
    })(x, dy);
    const d = Array.from(dy.dataSync());
    const want = [0, 0, 0, 0, ...d.slice(0, 4), 0, 0, 0, 0, 0, 0, 0, 0, ...d.slice(4), 0, 0, 0, 0];
    expect(Array.from(g.dataSync())).toEqual(want);
    nr.dispose([x, dy, g]);
  });
});

describe('split/unstack gradients, other paths', () => {
  it('second derivatives flow through the concat of the backward', () => {
    // f(x) = sum(x0^3) for the first piece x0: d/dx = [3 x0^2, 0], d/dx sum(d/dx) = [6 x0, 0]
    const x = nr.tensor([1, -2, 3, 4]);
    const inner = (t: nr.Tensor) => nr.grad((u: nr.Tensor) => nr.split(u, 2)[0].pow(3).sum())(t);
    const g2 = nr.grad((t: nr.Tensor) => inner(t).sum())(x);
    expect(Array.from(g2.dataSync())).toEqual([6, -12, 0, 0]);
    nr.dispose([x, g2]);
  });

  it('leaves no tensor behind (forward, backward, unused pieces)', () => {
    const x = nr.randomNormal([3, 7, 2], 0, 1, 'float32', 7);
    expect(
      leakedBy(() =>
        nr.tidy(() => {
          const g = nr.grad((t: nr.Tensor) => {
            const ps = nr.unstack(t, 1);
            const [a, b] = nr.split(t, [3, -1], 1);
            return ps[2].sum().add(a.square().sum()).add(b.sum());
          })(x);
          g.dataSync();
        }),
      ),
    ).toBe(0);
    const pieces = nr.split(x, [2, 5], 1);
    nr.dispose(pieces);
    expect(leakedBy(() => nr.dispose(nr.unstack(x, 2)))).toBe(0);
    x.dispose();
  });

  it('integer inputs get float gradients, as before', () => {
    const x = nr.tensor([1, 2, 3, 4], [4], 'int32');
    const g = nr.grad((t: nr.Tensor) => nr.split(t, [1, 3])[1].cast('float32').mul(2).sum())(x);
    expect(Array.from(g.dataSync())).toEqual([0, 2, 2, 2]);
    nr.dispose([x, g]);
  });
});
