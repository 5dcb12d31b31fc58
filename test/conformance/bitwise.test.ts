// Conformance: bitwiseAnd (an elementwise table row over int32) on every backend, and its argument checks.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { checkForward, type InputSpec, type OpCheck, testBackends } from '../helpers/check_op.js';

const int = (shape: number[], values: number[]): InputSpec => ({ shape, dtype: 'int32', values });

const cases: OpCheck[] = [
  {
    name: 'bitwiseAnd of small values',
    fn: (a, b) => nr.bitwiseAnd(a, b),
    inputs: [int([4], [0, 5, 3, 14]), int([4], [5, 0, 7, 11])],
    expected: [0, 0, 3, 10],
  },
  {
    name: 'bitwiseAnd of negative and large values (two’s complement)',
    fn: (a, b) => nr.bitwiseAnd(a, b),
    inputs: [int([2, 2], [-1, -8, 2147483647, -2147483648]), int([2, 2], [255, 12, 65535, -1])],
    expected: [255, 8, 65535, -2147483648],
  },
];

describe.each(testBackends())('bitwiseAnd on %s', (backend) => {
  for (const c of cases) it(c.name, () => checkForward(c, backend));
});

describe('bitwiseAnd arguments', () => {
  it('needs int32 tensors of one shape', () => {
    const a = nr.tensor1d([1, 2], 'int32');
    const b = nr.tensor1d([1, 2, 3], 'int32');
    const f = nr.tensor1d([1, 2]);
    expect(() => nr.bitwiseAnd(a, b)).toThrow(/bitwiseAnd: x and y must have the same shape/);
    expect(() => nr.bitwiseAnd(a, f)).toThrow(/bitwiseAnd: y must be an int32 tensor/);
    nr.dispose([a, b, f]);
  });
});
