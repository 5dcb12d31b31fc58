// Conformance: every elementwise op's forward values and gradient, on every backend.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import {
  checkForward,
  checkGradient,
  type OpCheck,
  REFERENCE,
  testBackends,
} from '../helpers/check_op.js';

const X = [-1.5, -0.5, 0.25, 2];
const POS = [0.5, 1, 2, 3.5];
const UNIT = [-0.9, -0.3, 0.2, 0.7];
const any4 = { shape: [2, 3], awayFrom: [0] };
const pos = { shape: [2, 3], min: 0.2, max: 3 };
const unit = { shape: [2, 3], min: -0.9, max: 0.9 };
const map = (xs: number[], f: (v: number) => number) => xs.map(f);
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const erf = (v: number) => {
  // Reference values from tables (Abramowitz & Stegun) for the four points used below.
  const table: Record<string, number> = {
    '-1.5': -0.9661051464753108,
    '-0.5': -0.5204998778130465,
    '0.25': 0.2763263901682369,
    '2': 0.9953222650189527,
  };
  return table[String(v)];
};

const unaryCases: OpCheck[] = [
  { name: 'abs', fn: (x) => x.abs(), inputs: [X], expected: [1.5, 0.5, 0.25, 2] },
  { name: 'neg', fn: (x) => x.neg(), inputs: [X], expected: [1.5, 0.5, -0.25, -2] },
  { name: 'exp', fn: (x) => x.exp(), inputs: [X], expected: map(X, Math.exp) },
  { name: 'expm1', fn: (x) => x.expm1(), inputs: [[1e-10, 1]], expected: [1e-10, Math.E - 1] },
  { name: 'log', fn: (x) => x.log(), inputs: [POS], expected: map(POS, Math.log) },
  { name: 'log1p', fn: (x) => x.log1p(), inputs: [[1e-10, 1]], expected: [1e-10, Math.LN2] },
  {
    name: 'sqrt',
    fn: (x) => x.sqrt(),
    inputs: [[0, 1, 4, 9]],
    expected: [0, 1, 2, 3],
    grad: false,
  },
  { name: 'rsqrt', fn: (x) => x.rsqrt(), inputs: [[1, 4, 0.25]], expected: [1, 0.5, 2] },
  { name: 'square', fn: (x) => x.square(), inputs: [X], expected: [2.25, 0.25, 0.0625, 4] },
  {
    name: 'reciprocal',
    fn: (x) => x.reciprocal(),
    inputs: [[2, -4, 0.5]],
    expected: [0.5, -0.25, 2],
  },
  { name: 'sin', fn: (x) => x.sin(), inputs: [[0, Math.PI / 2]], expected: [0, 1] },
  { name: 'cos', fn: (x) => x.cos(), inputs: [[0, Math.PI]], expected: [1, -1] },
  { name: 'tan', fn: (x) => x.tan(), inputs: [[0, Math.PI / 4]], expected: [0, 1] },
  { name: 'asin', fn: (x) => x.asin(), inputs: [[0, 1]], expected: [0, Math.PI / 2] },
  { name: 'acos', fn: (x) => x.acos(), inputs: [[1, 0]], expected: [0, Math.PI / 2] },
  { name: 'atan', fn: (x) => x.atan(), inputs: [[0, 1]], expected: [0, Math.PI / 4] },
  { name: 'sinh', fn: (x) => x.sinh(), inputs: [[0, 1]], expected: [0, 1.1752011936438014] },
  { name: 'cosh', fn: (x) => x.cosh(), inputs: [[0, 1]], expected: [1, 1.5430806348152437] },
  {
    name: 'tanh',
    fn: (x) => x.tanh(),
    inputs: [[0, 1, -20]],
    expected: [0, 0.7615941559557649, -1],
  },
  { name: 'asinh', fn: (x) => x.asinh(), inputs: [[0, 1]], expected: [0, 0.881373587019543] },
  { name: 'acosh', fn: (x) => x.acosh(), inputs: [[1, 2]], expected: [0, 1.3169578969248166] },
  { name: 'atanh', fn: (x) => x.atanh(), inputs: [[0, 0.5]], expected: [0, 0.5493061443340549] },
  {
    name: 'sigmoid',
    fn: (x) => x.sigmoid(),
    inputs: [[0, 100, -100]],
    expected: [0.5, 1, 3.720075976020836e-44],
    atol: 1e-30,
  },
  {
    name: 'logSigmoid',
    fn: (x) => x.logSigmoid(),
    inputs: [[0, -100, 100]],
    expected: [-Math.LN2, -100, -3.720075976020836e-44],
    atol: 1e-30,
  },
  { name: 'relu', fn: (x) => x.relu(), inputs: [X], expected: [0, 0, 0.25, 2] },
  { name: 'relu6', fn: (x) => x.relu6(), inputs: [[-1, 3, 7]], expected: [0, 3, 6] },
  {
    name: 'flushSubnormal (optimizers.flushSubnormals)',
    fn: (x) => nr.optimizers.flushSubnormals(x),
    inputs: [[1e-39, -1e-40, 1.2e-38, -3, 0, NaN]],
    expected: [0, 0, 1.2e-38, -3, 0, NaN],
    atol: 0,
    rtol: 1e-6,
    grad: false,
  },
  { name: 'elu', fn: (x) => x.elu(), inputs: [[-1, 2]], expected: [Math.expm1(-1), 2] },
  {
    name: 'selu',
    fn: (x) => x.selu(),
    inputs: [[-1, 2]],
    expected: [1.0507009873554805 * 1.6732632423543772 * Math.expm1(-1), 2 * 1.0507009873554805],
  },
  { name: 'leakyRelu', fn: (x) => x.leakyRelu(0.1), inputs: [[-2, 3]], expected: [-0.2, 3] },
  {
    name: 'softplus',
    fn: (x) => x.softplus(),
    inputs: [[0, 100, -100]],
    expected: [Math.LN2, 100, 3.720075976020836e-44],
    atol: 1e-30,
  },
  { name: 'softsign', fn: (x) => x.softsign(), inputs: [[-1, 3]], expected: [-0.5, 0.75] },
  {
    name: 'gelu',
    fn: (x) => x.gelu(),
    inputs: [[0, 1, -1]],
    expected: [0, 0.8413447460685429, -0.15865525393145707],
  },
  {
    name: 'gelu (tanh)',
    fn: (x) => x.gelu(true),
    inputs: [[0, 1]],
    expected: [0, 0.8411919906082768],
  },
  { name: 'silu', fn: (x) => x.silu(), inputs: [X], expected: map(X, (v) => v * sigmoid(v)) },
  { name: 'mish', fn: (x) => x.mish(), inputs: [[0, 1]], expected: [0, 0.8650983882673103] },
  { name: 'erf', fn: (x) => x.erf(), inputs: [X], expected: map(X, erf) },
  { name: 'sign', fn: (x) => x.sign(), inputs: [[-3, 0, 2]], expected: [-1, 0, 1] },
  { name: 'floor', fn: (x) => x.floor(), inputs: [[-1.5, 1.5]], expected: [-2, 1] },
  { name: 'ceil', fn: (x) => x.ceil(), inputs: [[-1.5, 1.5]], expected: [-1, 2] },
  {
    name: 'round',
    fn: (x) => x.round(),
    inputs: [[0.5, 1.5, 2.5, -0.5, 1.2]],
    expected: [0, 2, 2, -0, 1],
  },
  {
    name: 'isNaN',
    fn: (x) => x.isNaN(),
    inputs: [[NaN, 1, Infinity]],
    expected: [1, 0, 0],
    expectedDtype: 'bool',
    grad: false,
  },
  {
    name: 'isInf',
    fn: (x) => x.isInf(),
    inputs: [[NaN, 1, -Infinity]],
    expected: [0, 0, 1],
    expectedDtype: 'bool',
    grad: false,
  },
  {
    name: 'isFinite',
    fn: (x) => x.isFinite(),
    inputs: [[NaN, 1, Infinity]],
    expected: [0, 1, 0],
    expectedDtype: 'bool',
    grad: false,
  },
  {
    name: 'logicalNot',
    fn: (x) => x.logicalNot(),
    inputs: [[true, false]],
    expected: [0, 1],
    expectedDtype: 'bool',
    grad: false,
  },
];

// Gradient inputs: random values in each op's smooth domain.
const gradDomain: Record<string, OpCheck['inputs']> = {
  log: [pos],
  log1p: [pos],
  sqrt: [pos],
  rsqrt: [pos],
  reciprocal: [pos],
  asin: [unit],
  acos: [unit],
  atanh: [unit],
  acosh: [{ shape: [2, 3], min: 1.2, max: 3 }],
  abs: [any4],
  relu: [any4],
  relu6: [{ shape: [2, 3], min: -2, max: 8, awayFrom: [0, 6] }],
  elu: [any4],
  selu: [any4],
  leakyRelu: [any4],
  tan: [unit],
  sign: [any4],
  floor: [{ shape: [4], values: [0.3, 1.5, -0.7, 2.2] }],
  ceil: [{ shape: [4], values: [0.3, 1.5, -0.7, 2.2] }],
  round: [{ shape: [4], values: [0.3, 1.2, -0.7, 2.2] }],
};

const binaryCases: OpCheck[] = [
  {
    name: 'add',
    fn: (a, b) => a.add(b),
    inputs: [
      [
        [1, 2],
        [3, 4],
      ],
      [10, 20],
    ],
    expected: [11, 22, 13, 24],
  },
  {
    name: 'sub',
    fn: (a, b) => a.sub(b),
    inputs: [
      [5, 6],
      [[1], [2]],
    ],
    expected: [4, 5, 3, 4],
  },
  { name: 'mul', fn: (a, b) => a.mul(b), inputs: [[1, 2, 3], [2]], expected: [2, 4, 6] },
  {
    name: 'div',
    fn: (a, b) => a.div(b),
    inputs: [
      [1, 3],
      [2, 4],
    ],
    expected: [0.5, 0.75],
  },
  {
    name: 'divNoNan',
    fn: (a, b) => a.divNoNan(b),
    inputs: [
      [1, 3],
      [0, 4],
    ],
    expected: [0, 0.75],
    grad: false,
  },
  {
    name: 'floorDiv',
    fn: (a, b) => a.floorDiv(b),
    inputs: [
      [-7, 7],
      [2, 2],
    ],
    expected: [-4, 3],
    grad: false,
  },
  {
    name: 'mod',
    fn: (a, b) => a.mod(b),
    inputs: [
      [-7, 7, 7.5],
      [3, -3, 2],
    ],
    expected: [2, -2, 1.5],
  },
  {
    name: 'pow',
    fn: (a, b) => a.pow(b),
    inputs: [
      [2, 3, 4],
      [3, 2, 0.5],
    ],
    expected: [8, 9, 2],
  },
  {
    name: 'maximum',
    fn: (a, b) => a.maximum(b),
    inputs: [
      [1, 5],
      [3, 2],
    ],
    expected: [3, 5],
  },
  {
    name: 'minimum',
    fn: (a, b) => a.minimum(b),
    inputs: [
      [1, 5],
      [3, 2],
    ],
    expected: [1, 2],
  },
  {
    name: 'squaredDifference',
    fn: (a, b) => a.squaredDifference(b),
    inputs: [
      [1, 5],
      [3, 2],
    ],
    expected: [4, 9],
  },
  {
    name: 'atan2',
    fn: (a, b) => a.atan2(b),
    inputs: [
      [1, 1],
      [1, -1],
    ],
    expected: [Math.PI / 4, (3 * Math.PI) / 4],
  },
  {
    name: 'equal',
    fn: (a, b) => a.equal(b),
    inputs: [
      [1, 2],
      [1, 3],
    ],
    expected: [1, 0],
    expectedDtype: 'bool',
    grad: false,
  },
  {
    name: 'notEqual',
    fn: (a, b) => a.notEqual(b),
    inputs: [
      [1, 2],
      [1, 3],
    ],
    expected: [0, 1],
    grad: false,
  },
  {
    name: 'less',
    fn: (a, b) => a.less(b),
    inputs: [[1, 2, 3], [2]],
    expected: [1, 0, 0],
    grad: false,
  },
  {
    name: 'lessEqual',
    fn: (a, b) => a.lessEqual(b),
    inputs: [[1, 2, 3], [2]],
    expected: [1, 1, 0],
    grad: false,
  },
  {
    name: 'greater',
    fn: (a, b) => a.greater(b),
    inputs: [[1, 2, 3], [2]],
    expected: [0, 0, 1],
    grad: false,
  },
  {
    name: 'greaterEqual',
    fn: (a, b) => a.greaterEqual(b),
    inputs: [[1, 2, 3], [2]],
    expected: [0, 1, 1],
    grad: false,
  },
  {
    name: 'logicalAnd',
    fn: (a, b) => a.logicalAnd(b),
    inputs: [
      [true, true, false],
      [true, false, false],
    ],
    expected: [1, 0, 0],
    grad: false,
  },
  {
    name: 'logicalOr',
    fn: (a, b) => a.logicalOr(b),
    inputs: [
      [true, true, false],
      [true, false, false],
    ],
    expected: [1, 1, 0],
    grad: false,
  },
  {
    name: 'logicalXor',
    fn: (a, b) => a.logicalXor(b),
    inputs: [
      [true, true, false],
      [true, false, false],
    ],
    expected: [0, 1, 0],
    grad: false,
  },
];

const binaryGradInputs: Record<string, OpCheck['inputs']> = {
  div: [{ shape: [2, 3] }, { shape: [3], min: 0.5, max: 2 }],
  mod: [
    { shape: [2, 3], min: 0.1, max: 0.9 },
    { shape: [3], min: 1.1, max: 2 },
  ],
  pow: [
    { shape: [2, 3], min: 0.5, max: 2 },
    { shape: [2, 1], min: -1, max: 2 },
  ],
  maximum: [
    { shape: [2, 3], values: [1, 5, -2, 0.5, 3, 4] },
    { shape: [3], values: [2, 1, 0] },
  ],
  minimum: [
    { shape: [2, 3], values: [1, 5, -2, 0.5, 3, 4] },
    { shape: [3], values: [2, 1, 0] },
  ],
};

const otherCases: OpCheck[] = [
  {
    name: 'where',
    fn: (c, a, b) => nr.where(c, a, b),
    inputs: [
      [true, false, true],
      [1, 2, 3],
      [[10], [20]],
    ],
    expected: [1, 10, 3, 1, 20, 3],
    expectedShape: [2, 3],
    grad: [1, 2],
  },
  {
    name: 'cast',
    fn: (x) => x.cast('int32'),
    inputs: [[1.7, -1.7, 0]],
    expected: [1, -1, 0],
    expectedDtype: 'int32',
    grad: false,
  },
  {
    name: 'cast to bool',
    fn: (x) => x.cast('bool'),
    inputs: [[0.5, 0, -2]],
    expected: [1, 0, 1],
    grad: false,
  },
  {
    name: 'clipByValue',
    fn: (x) => x.clipByValue(-1, 1),
    inputs: [[-3, 0.5, 2]],
    expected: [-1, 0.5, 1],
  },
  {
    name: 'prelu',
    fn: (x, a) => x.prelu(a),
    inputs: [
      [-2, 3, -1],
      [0.1, 0.2, 0.3],
    ],
    expected: [-0.2, 3, -0.3],
  },
  {
    name: 'oneHot',
    fn: (i) => nr.oneHot(i, 3),
    inputs: [{ shape: [3], dtype: 'int32', values: [0, 2, 5] }],
    expected: [1, 0, 0, 0, 0, 1, 0, 0, 0],
    expectedDtype: 'int32',
    grad: false,
  },
];
const otherGradInputs: Record<string, OpCheck['inputs']> = {
  clipByValue: [{ shape: [2, 3], min: -2, max: 2, awayFrom: [-1, 1] }],
  prelu: [
    { shape: [2, 3], awayFrom: [0] },
    { shape: [3], min: 0, max: 0.5 },
  ],
};

const withGradInputs = (
  cases: OpCheck[],
  domains: Record<string, OpCheck['inputs']>,
  fallback: OpCheck['inputs'],
): OpCheck[] =>
  cases
    .filter((c) => c.grad !== false)
    .map((c) => ({
      ...c,
      inputs:
        domains[c.name] ?? (c.name === 'where' ? c.inputs : fallback.slice(0, c.inputs.length)),
    }));

const gradCases = [
  ...withGradInputs(unaryCases, gradDomain, [{ shape: [2, 3] }]),
  ...withGradInputs(binaryCases, binaryGradInputs, [{ shape: [2, 3] }, { shape: [3] }]),
  ...withGradInputs(otherCases, otherGradInputs, [{ shape: [2, 3] }]),
];

describe.each(testBackends())('elementwise ops on %s', (backend) => {
  for (const c of [...unaryCases, ...binaryCases, ...otherCases])
    it(`${c.name} forward`, () => checkForward(c, backend));
  for (const c of gradCases) it(`${c.name} gradient`, () => checkGradient(c, backend));
});

describe('elementwise gradients on the float64 reference', () => {
  for (const c of gradCases) it(`${c.name} gradient (float64)`, () => checkGradient(c, REFERENCE));
});

describe('elementwise dtypes', () => {
  it('int32 arithmetic stays int32 and int division floors, as in tfjs', () => {
    const a = nr.tensor([7, -7], [2], 'int32');
    expect(a.add(1).dtype).toBe('int32');
    expect(Array.from(a.div(2).dataSync())).toEqual([3, -4]);
    expect(a.mul(a).dtype).toBe('int32');
  });
  it('int32 and float32 operands promote to float32', () => {
    expect(nr.tensor([1], [1], 'int32').add(nr.tensor([0.5])).dtype).toBe('float32');
    expect(nr.tensor([1], [1], 'int32').add(0.5).dataSync()[0]).toBe(1.5);
  });
  it('transcendental ops on int32 compute in float32', () => {
    expect(nr.tensor([0], [1], 'int32').exp().dtype).toBe('float32');
  });
  it('second derivative of tanh is -2 tanh (1 - tanh^2)', () => {
    const d2 = nr.grad((x) => nr.grad((y) => y.tanh())(x));
    const v = 0.7;
    const t = Math.tanh(v);
    expect(d2(nr.tensor([v])).dataSync()[0]).toBeCloseTo(-2 * t * (1 - t * t), 5);
  });
});
