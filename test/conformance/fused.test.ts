// Conformance: fused.matMul and fused.conv2d (bias + activation epilogue) forward against plain loops, and gradients.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import {
  checkForward,
  checkGradient,
  type OpCheck,
  REFERENCE,
  rng,
  testBackends,
} from '../helpers/check_op.js';

type Act = 'linear' | 'relu' | 'relu6' | 'sigmoid' | 'tanh';
const ACTS: Act[] = ['linear', 'relu', 'relu6', 'sigmoid', 'tanh'];
const apply: Record<Act, (z: number) => number> = {
  linear: (z) => z,
  relu: (z) => Math.max(z, 0),
  relu6: (z) => Math.min(Math.max(z, 0), 6),
  sigmoid: (z) => 1 / (1 + Math.exp(-z)),
  tanh: Math.tanh,
};

function values(n: number, r: () => number, scale: number): number[] {
  return Array.from({ length: n }, () => Math.fround((r() * 2 - 1) * scale));
}

/**
 * Random a, b, bias whose pre-activations stay 0.05 away from relu's and relu6's kinks, where central
 * differences would straddle the corner. Deterministic: the first seed that qualifies.
 */
function matMulCase(m: number, n: number, k: number, tA: boolean, tB: boolean, act: Act): OpCheck {
  for (let seed = 1; ; seed++) {
    const r = rng(seed);
    const a = values(m * k, r, 2);
    const b = values(k * n, r, 2);
    const bias = values(n, r, 1);
    const z: number[] = [];
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = bias[j];
        for (let p = 0; p < k; p++)
          s += (tA ? a[p * m + i] : a[i * k + p]) * (tB ? b[j * k + p] : b[p * n + j]);
        z.push(s);
      }
    if (z.some((v) => Math.abs(v) < 0.05 || Math.abs(v - 6) < 0.05)) continue;
    return {
      name: `fused.matMul ${m}x${k}·${k}x${n} tA=${tA} tB=${tB} ${act}`,
      fn: (x, y, c) =>
        nr.fused.matMul({ a: x, b: y, transposeA: tA, transposeB: tB, bias: c, activation: act }),
      inputs: [
        { shape: tA ? [k, m] : [m, k], values: a },
        { shape: tB ? [n, k] : [k, n], values: b },
        { shape: [n], values: bias },
      ],
      expected: z.map(apply[act]),
      expectedShape: [m, n],
      atol: 1e-4,
      rtol: 1e-4,
    };
  }
}

const cases: OpCheck[] = [
  ...ACTS.map((act) => matMulCase(3, 5, 4, false, false, act)),
  matMulCase(4, 3, 5, true, false, 'relu'),
  matMulCase(4, 3, 5, false, true, 'sigmoid'),
  matMulCase(4, 3, 5, true, true, 'tanh'),
  // big enough for the packed GEMM paths, with sizes off the register tile
  { ...matMulCase(37, 19, 23, false, false, 'relu'), grad: false },
  { ...matMulCase(21, 45, 33, true, true, 'relu6'), grad: false },
  {
    name: 'fused.matMul batched, no bias, relu',
    fn: (x, y) => nr.fused.matMul({ a: x, b: y, activation: 'relu' }),
    inputs: [
      { values: [1, -2, 3, -4, 5, -6, 7, -8], shape: [2, 2, 2] },
      [
        [1, 0],
        [0, 1],
      ],
    ],
    expected: [1, 0, 3, 0, 5, 0, 7, 0],
    expectedShape: [2, 2, 2],
    grad: false,
  },
  {
    name: 'fused.matMul with a full-shape bias (added after the kernel) and elu',
    fn: (x, y, c) => nr.fused.matMul({ a: x, b: y, bias: c, activation: 'elu' }),
    inputs: [[[1, 2]], [[1], [-1]], [[-1.5]]],
    expected: [Math.expm1(-2.5)],
  },
  {
    name: 'fused.matMul leakyrelu',
    fn: (x, y) => nr.fused.matMul({ a: x, b: y, activation: 'leakyrelu', leakyreluAlpha: 0.1 }),
    inputs: [[[1, -2]], [[1], [1]]],
    expected: [-0.1],
    grad: false,
  },
  ...ACTS.map((act): OpCheck => ({
    name: `fused.conv2d same, stride 1, ${act}`,
    fn: (x, w, c) =>
      nr.fused.conv2d({ x, filter: w, strides: 1, pad: 'same', bias: c, activation: act }),
    inputs: [
      { shape: [1, 4, 4, 2], values: values(32, rng(7), 1) },
      { shape: [3, 3, 2, 3], values: values(54, rng(8), 1) },
      { shape: [3], values: [0.3, -0.2, 0.1] },
    ],
    expectedShape: [1, 4, 4, 3],
    // the relu kinks are avoided by checking gradients only where the activation is smooth
    grad: act === 'relu' || act === 'relu6' ? false : undefined,
  })),
];

describe.each(testBackends())('fused ops on %s', (backend) => {
  it.each(cases.map((c) => [c.name, c] as const))('%s forward', async (_n, c) => {
    await checkForward(c, backend);
  });
  it.each(cases.filter((c) => c.grad !== false).map((c) => [c.name, c] as const))(
    '%s gradient',
    async (_n, c) => {
      await checkGradient(c, backend);
    },
  );

  it('fused.conv2d equals conv2d + bias + activation', async () => {
    const prev = nr.getBackend();
    await nr.setBackend(backend);
    try {
      const x = nr.tensor(values(2 * 5 * 5 * 3, rng(3), 1), [2, 5, 5, 3]);
      const w = nr.tensor(values(2 * 2 * 3 * 4, rng(4), 1), [2, 2, 3, 4]);
      const bias = nr.tensor([0.1, -0.2, 0.3, -0.4]);
      for (const act of ACTS) {
        const y = nr.fused.conv2d({
          x,
          filter: w,
          strides: 2,
          pad: 'valid',
          bias,
          activation: act,
        });
        const z = nr.conv2d(x, w, 2, 'valid').add(bias);
        const ref = act === 'linear' ? z : (z as unknown as Record<Act, () => nr.Tensor>)[act]();
        const [got, want] = [await y.data(), await ref.data()];
        for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 5);
        nr.dispose([y, z, ref]);
      }
      nr.dispose([x, w, bias]);
    } finally {
      await nr.setBackend(prev);
    }
  });

  it('rejects an unknown activation by name', () => {
    expect(() => nr.fused.matMul({ a: [[1]], b: [[1]], activation: 'swish' as 'relu' })).toThrow(
      /fused.matMul: unknown activation 'swish'/,
    );
  });
});

it('the reference backend is not among the tested ones', () => {
  expect(testBackends()).not.toContain(REFERENCE);
});

describe('layers use the fused kernels', () => {
  it('dense and conv2d pass bias and a fusable activation to the backend as one epilogue', () => {
    const b = nr.backend();
    const seen: string[] = [];
    const run = b.run.bind(b);
    // the epilogue a matMul/conv2d kernel receives: bias as a third input, the activation attribute
    const epilogue = (inputs: readonly nr.TensorInfo[], attrs: object): string => {
      const activation = 'activation' in attrs ? attrs.activation : 'linear';
      const act = inputs.length > 2 || activation !== 'linear' ? String(activation) : 'none';
      return `${act} ${inputs.length > 2 ? 'bias' : 'no-bias'}`;
    };
    b.run = (kernel, inputs, attrs) => {
      if (kernel === 'matMul' || kernel === 'conv2d')
        seen.push(`${kernel} ${epilogue(inputs, attrs)}`);
      return run(kernel, inputs, attrs);
    };
    try {
      const dense = nr.layers.dense({ units: 3, activation: 'relu' });
      const conv = nr.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'tanh' });
      const softmaxDense = nr.layers.dense({ units: 2, activation: 'softmax', useBias: false });
      nr.tidy(() => {
        dense.apply(nr.ones([2, 4]));
        conv.apply(nr.ones([1, 5, 5, 1]));
        softmaxDense.apply(nr.ones([2, 4]));
      });
      expect(seen).toEqual(['matMul relu bias', 'conv2d tanh bias', 'matMul none no-bias']);
    } finally {
      b.run = run;
    }
  });
});
