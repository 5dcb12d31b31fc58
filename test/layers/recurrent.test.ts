// SimpleRNN, LSTM, GRU and RNN over cells: the layer protocol, Keras' masking/state semantics, torch references, learning.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { RNNCell } from '../../src/layers/recurrent.js';
import { checkLayer } from '../helpers/check_layer.js';
import { expectClose, heavyOnDefault } from '../helpers/check_op.js';

interface Values {
  shape: number[];
  values: number[];
}
type RnnCase = Record<
  | 'x'
  | 'h0'
  | 'w'
  | 'y'
  | 'kernel'
  | 'recurrentKernel'
  | 'bias'
  | 'dx'
  | 'dh0'
  | 'dkernel'
  | 'drecurrentKernel'
  | 'dbias',
  Values
> & { units: number; c0?: Values; dc0?: Values };
const fixtures = JSON.parse(
  readFileSync(
    join(dirname(fileURLToPath(import.meta.url)), '../fixtures/layers_seq.json'),
    'utf8',
  ),
) as Record<'SimpleRNN' | 'LSTM' | 'GRU', RnnCase>;
const t = (v: Values) => nr.tensor(v.values, v.shape);
const TOL = 1e-4;
const close = async (y: nr.Tensor, want: Values, what: string) => {
  expect(y.shape, `${what}: shape`).toEqual(want.shape);
  expectClose(await y.data(), want.values, TOL, TOL, what);
};
const one = (y: nr.Tensor | nr.Tensor[]) => (Array.isArray(y) ? y[0] : y);
// Layer.apply is typed for one output; multi-output layers return a list at run time.
const many = (y: nr.Tensor | nr.Tensor[]) => (Array.isArray(y) ? y : [y]);

describe('recurrent layers: the layer protocol', () => {
  it('SimpleRNN (last output)', async () => {
    await checkLayer({
      name: 'SimpleRNN',
      make: () => nr.layers.simpleRNN({ units: 4 }),
      inputShape: [2, 5, 3],
      expectedOutputShape: [2, 4],
      expectedWeightShapes: [[3, 4], [4, 4], [4]],
    });
  });
  it('SimpleRNN returnSequences with relu', async () => {
    await checkLayer({
      name: 'SimpleRNN sequences',
      make: () => nr.layers.simpleRNN({ units: 4, activation: 'relu', returnSequences: true }),
      inputShape: [2, 5, 3],
      expectedOutputShape: [2, 5, 4],
    });
  });
  it('LSTM (last output)', async () => {
    await checkLayer({
      name: 'LSTM',
      make: () => nr.layers.lstm({ units: 4 }),
      inputShape: [2, 5, 3],
      expectedWeightShapes: [[3, 16], [4, 16], [16]],
    });
  });
  it('LSTM returnSequences and returnState', async () => {
    await checkLayer({
      name: 'LSTM states',
      make: () => nr.layers.lstm({ units: 4, returnSequences: true, returnState: true }),
      inputShape: [2, 5, 3],
      expectedOutputShape: [
        [2, 5, 4],
        [2, 4],
        [2, 4],
      ],
    });
  });
  it('LSTM with initial states as extra inputs', async () => {
    await checkLayer({
      name: 'LSTM initial state',
      make: () => nr.layers.lstm({ units: 4 }),
      inputShape: [
        [2, 5, 3],
        [2, 4],
        [2, 4],
      ],
      expectedOutputShape: [2, 4],
    });
  });
  it('GRU (resetAfter, bias [2, 3u])', async () => {
    await checkLayer({
      name: 'GRU',
      make: () => nr.layers.gru({ units: 4 }),
      inputShape: [2, 5, 3],
      expectedWeightShapes: [
        [3, 12],
        [4, 12],
        [2, 12],
      ],
    });
  });
  it('GRU resetAfter false, goBackwards, returnState', async () => {
    await checkLayer({
      name: 'GRU v1',
      make: () =>
        nr.layers.gru({ units: 4, resetAfter: false, goBackwards: true, returnState: true }),
      inputShape: [2, 5, 3],
      expectedWeightShapes: [[3, 12], [4, 12], [12]],
    });
  });
  it('GRU without bias', async () => {
    await checkLayer({
      name: 'GRU no bias',
      make: () => nr.layers.gru({ units: 3, useBias: false }),
      inputShape: [2, 4, 2],
      expectedWeightShapes: [
        [2, 9],
        [3, 9],
      ],
    });
  });
  it('RNN over an LSTMCell', async () => {
    await checkLayer({
      name: 'RNN',
      make: () => nr.layers.rnn({ cell: nr.layers.lstmCell({ units: 3 }), returnSequences: true }),
      inputShape: [2, 4, 2],
      expectedOutputShape: [2, 4, 3],
    });
  });
  it('LSTMCell (one step: [x, h, c] -> [output, h, c])', async () => {
    await checkLayer({
      name: 'LSTMCell',
      make: () => nr.layers.lstmCell({ units: 3 }),
      inputShape: [
        [2, 2],
        [2, 3],
        [2, 3],
      ],
      expectedOutputShape: [
        [2, 3],
        [2, 3],
        [2, 3],
      ],
    });
  });
  it('GRUCell and SimpleRNNCell (one step)', async () => {
    await checkLayer({
      name: 'GRUCell',
      make: () => nr.layers.gruCell({ units: 3 }),
      inputShape: [
        [2, 2],
        [2, 3],
      ],
    });
    await checkLayer({
      name: 'SimpleRNNCell',
      make: () => nr.layers.simpleRNNCell({ units: 3 }),
      inputShape: [
        [2, 2],
        [2, 3],
      ],
    });
  });
});

describe('recurrent layers: torch references', () => {
  const makers = {
    SimpleRNN: (units: number) => nr.layers.simpleRNN({ units, returnSequences: true }),
    LSTM: (units: number) => nr.layers.lstm({ units, returnSequences: true }),
    GRU: (units: number) => nr.layers.gru({ units, returnSequences: true }),
  };
  for (const kind of ['SimpleRNN', 'LSTM', 'GRU'] as const) {
    it(`${kind} matches torch: outputs and gradients of inputs, initial states and weights`, async () => {
      const c = fixtures[kind];
      const layer = makers[kind](c.units);
      const x = nr.variable(t(c.x));
      const states = [nr.variable(t(c.h0)), ...(c.c0 ? [nr.variable(t(c.c0))] : [])];
      layer.build([[null, 5, 3], ...states.map(() => [null, c.units])]);
      layer.setWeights([t(c.kernel), t(c.recurrentKernel), t(c.bias)]);
      await close(one(layer.apply([x, ...states])), c.y, 'y');
      const w = t(c.w);
      const [kernel, recurrent, bias] = layer.weights;
      const { grads } = nr.variableGrads(
        () =>
          one(layer.apply([x, ...states]))
            .mul(w)
            .sum(),
        [x, ...states, kernel, recurrent, bias],
      );
      await close(grads[x.name], c.dx, 'dx');
      await close(grads[states[0].name], c.dh0, 'dh0');
      if (c.dc0) await close(grads[states[1].name], c.dc0, 'dc0');
      await close(grads[kernel.name], c.dkernel, 'dkernel');
      await close(grads[recurrent.name], c.drecurrentKernel, 'drecurrentKernel');
      await close(grads[bias.name], c.dbias, 'dbias');
    });
  }
});

describe('recurrent layers: Keras semantics', () => {
  const x = nr.randomNormal([2, 5, 3], 0, 1, 'float32', 3);

  it('goBackwards processes the reversed sequence and returns outputs in processing order', async () => {
    const back = nr.layers.lstm({ units: 4, goBackwards: true, returnSequences: true });
    const fwd = nr.layers.lstm({ units: 4, returnSequences: true });
    back.apply(x);
    fwd.apply(x);
    fwd.setWeights(back.getWeights());
    expectClose(
      await one(back.apply(x)).data(),
      await one(fwd.apply(x.reverse(1))).data(),
      1e-6,
      1e-6,
    );
  });

  it('a masked step keeps the previous output and states', async () => {
    const layer = nr.layers.gru({ units: 4, returnSequences: true, returnState: true });
    const mask = nr.tensor([
      [true, true, true, true, true],
      [true, false, true, false, false],
    ]);
    const [seq, state] = many(layer.apply(x, { mask }));
    // sample 1 sees steps 0 and 2 only
    const ref = many(
      layer.apply(
        nr
          .stack([x.slice([1, 0, 0], [1, 1, 3]), x.slice([1, 2, 0], [1, 1, 3])], 1)
          .reshape([1, 2, 3]),
        { mask: null },
      ),
    );
    const s = (await seq.array()) as number[][][];
    const r = (await ref[0].array()) as number[][][];
    expectClose(s[1][1], s[1][0], 0, 0, 'masked step 1 repeats output 0');
    expectClose(s[1][2], r[0][1], 1e-6, 1e-6, 'step 2 continues from step 0');
    expectClose(s[1][4], r[0][1], 0, 0, 'trailing masked steps repeat the last output');
    expectClose(
      await state.slice([1, 0], [1, 4]).data(),
      await ref[1].data(),
      1e-6,
      1e-6,
      'final state',
    );
  });

  it('zeroOutputForMask gives zeros at masked steps', async () => {
    const layer = nr.layers.simpleRNN({ units: 2, returnSequences: true, zeroOutputForMask: true });
    const mask = nr.tensor([
      [true, true, false, true, false],
      [true, true, true, true, true],
    ]);
    const y = (await one(layer.apply(x, { mask })).array()) as number[][][];
    expect(y[0][2]).toEqual([0, 0]);
    expect(y[0][4]).toEqual([0, 0]);
    expect(y[0][3].some((v) => v !== 0)).toBe(true);
  });

  it('the mask passes on with returnSequences only', () => {
    const mask = nr.tensor([
      [1, 1, 0, 0, 0],
      [1, 1, 1, 1, 1],
    ]);
    expect(
      nr.layers.getMask(
        one(nr.layers.lstm({ units: 2, returnSequences: true }).apply(x, { mask })),
      ),
    ).toBe(mask);
    expect(nr.layers.getMask(one(nr.layers.lstm({ units: 2 }).apply(x, { mask })))).toBeNull();
  });

  it('initialState can also be given as a call option', async () => {
    const layer = nr.layers.simpleRNN({ units: 2 });
    const h0 = nr.ones([2, 2]);
    const a = one(layer.apply([x, h0]));
    const options: nr.layers.RecurrentCallArgs = { initialState: [h0] };
    const b = one(layer.apply(x, options));
    expectClose(await a.data(), await b.data(), 0, 0);
    expect(() => layer.apply([x, nr.ones([2, 3])])).toThrow(
      /initial state 0 must have shape \[2, 2\], received \[2,3\]/,
    );
  });

  it('stateful layers carry states across calls until resetStates', async () => {
    const stateful = nr.layers.lstm({ units: 3, stateful: true });
    const plain = nr.layers.lstm({ units: 3 });
    const first = one(stateful.apply(x.slice([0, 0, 0], [2, 3, 3])));
    plain.apply(x);
    plain.setWeights(stateful.getWeights());
    const second = one(stateful.apply(x.slice([0, 3, 0], [2, 2, 3])));
    expectClose(
      await second.data(),
      await one(plain.apply(x)).data(),
      1e-6,
      1e-6,
      'two halves = whole sequence',
    );
    (stateful as nr.layers.LSTM).resetStates();
    expectClose(
      await one(stateful.apply(x.slice([0, 0, 0], [2, 3, 3]))).data(),
      await first.data(),
      0,
      0,
      'after reset',
    );
    expect(() => stateful.apply(nr.zeros([3, 2, 3]))).toThrow(/fixed batch size/);
    stateful.dispose();
  });

  it('LSTM starts with forget-gate biases of 1 (unitForgetBias)', async () => {
    const layer = nr.layers.lstm({ units: 2 });
    layer.apply(x);
    expect(Array.from(await layer.weights[2].data())).toEqual([0, 0, 1, 1, 0, 0, 0, 0]);
    const plain = nr.layers.lstm({ units: 2, unitForgetBias: false });
    plain.apply(x);
    expect(Array.from(await plain.weights[2].data())).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('dropout and recurrentDropout act while training only', async () => {
    const layer = nr.layers.lstm({ units: 4, dropout: 0.5, recurrentDropout: 0.5, seed: 1 });
    const plain = nr.layers.lstm({ units: 4 });
    const inference = one(layer.apply(x));
    plain.apply(x);
    plain.setWeights(layer.getWeights());
    expectClose(
      await inference.data(),
      await one(plain.apply(x)).data(),
      0,
      0,
      'inference ignores dropout',
    );
    const training = one(layer.apply(x, { training: true }));
    expect(Array.from(await training.data())).not.toEqual(Array.from(await inference.data()));
  });

  it('a custom RNNCell runs in the RNN loop', async () => {
    class Accumulate extends RNNCell {
      override getClassName() {
        return 'Accumulate';
      }
      get stateSize() {
        return [3];
      }
      override call(inputs: nr.Tensor | nr.Tensor[]) {
        const [input, h] = many(inputs);
        const next = h.add(input);
        return [next, next];
      }
    }
    const y = one(nr.layers.rnn({ cell: new Accumulate() }).apply(x));
    expectClose(await y.data(), await x.sum(1).data(), 1e-6, 1e-6);
  });

  it('a training step does not leak tensors', () => {
    const layer = nr.layers.gru({ units: 3, returnSequences: true });
    nr.tidy(() => layer.apply(x));
    const before = nr.memory().numTensors;
    nr.tidy(() => {
      nr.variableGrads(
        () =>
          one(layer.apply(x, { training: true }))
            .square()
            .mean(),
        layer.trainableWeights,
      );
    });
    expect(nr.memory().numTensors).toBe(before);
  });

  it('rejects bad options and inputs, naming the layer', () => {
    expect(() => nr.layers.lstm({ units: 0 })).toThrow(
      /LSTM: units must be a positive integer, received 0/,
    );
    expect(() => nr.layers.gru({ units: 2, dropout: 1 })).toThrow(
      /GRUCell: dropout must be a number in \[0, 1\), received 1/,
    );
    expect(() =>
      nr.layers.simpleRNN({ units: 2, name: 'rnn_bad' }).apply(nr.zeros([2, 3])),
    ).toThrow(/rnn_bad: expected a sequence of rank 3/);
    expect(() => nr.layers.rnn({ cell: { className: 'Dense', config: { units: 2 } } })).toThrow(
      /RNN: cell must be an RNN cell, received a Dense/,
    );
  });
});

describe('LSTM learns', () => {
  it.skipIf(heavyOnDefault())(
    'to sum a sequence of 8 values in [0, 1] (Adam, fixed seed)',
    async () => {
      const steps = 8;
      const xs = nr.randomUniform([64, steps, 1], 0, 1, 'float32', 11);
      const ys = xs.sum(1);
      const rnn = nr.layers.lstm({
        units: 8,
        kernelInitializer: nr.initializers.glorotUniform({ seed: 1 }),
        recurrentInitializer: nr.initializers.orthogonal({ seed: 2 }),
      });
      const head = nr.layers.dense({
        units: 1,
        kernelInitializer: nr.initializers.glorotUniform({ seed: 3 }),
      });
      // The LSTM's outputs lie in (-1, 1); a fixed factor 4 lets the head reach sums up to 8 without a long climb.
      const loss = () =>
        head
          .apply(one(rnn.apply(xs)))
          .mul(4)
          .sub(ys)
          .square()
          .mean();
      nr.tidy(loss);
      const vars = [...rnn.trainableWeights, ...head.trainableWeights];
      const [lr, b1, b2, eps] = [0.05, 0.9, 0.999, 1e-7];
      let m = vars.map((v) => nr.zerosLike(v));
      let s = vars.map((v) => nr.zerosLike(v));
      const initial = (await nr.tidy(loss).data())[0];
      for (let step = 1; step <= 150; step++) {
        nr.tidy(() => {
          const { grads } = nr.variableGrads(loss, vars);
          const nextM = vars.map((v, i) => nr.keep(m[i].mul(b1).add(grads[v.name].mul(1 - b1))));
          const nextS = vars.map((v, i) =>
            nr.keep(s[i].mul(b2).add(grads[v.name].square().mul(1 - b2))),
          );
          nr.dispose([m, s]);
          [m, s] = [nextM, nextS];
          const correction = Math.sqrt(1 - b2 ** step) / (1 - b1 ** step);
          vars.forEach((v, i) =>
            v.assign(v.sub(m[i].div(s[i].sqrt().add(eps)).mul(lr * correction))),
          );
        });
      }
      const final = (await nr.tidy(loss).data())[0];
      expect(initial).toBeGreaterThan(1);
      expect(final).toBeLessThan(0.01);
    },
  );
});
