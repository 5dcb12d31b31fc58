// The per-step work of recurrent layers: masked loops and cells bit for bit against plain formulas, gradients, kernel counts.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import type { RecurrentLayer } from '../../src/layers/recurrent.js';
import {
  checkGradient,
  expectClose,
  leakedBy,
  REFERENCE,
  testBackends,
} from '../helpers/check_op.js';
import { dispatched } from '../helpers/kernel_calls.js';

const B = 3;
const T = 6;
const F = 2;
const U = 3;
// leading masked steps (row 1), a row masked everywhere (row 2), gaps
const MASK = [
  [true, true, false, true, false, true],
  [false, false, true, false, true, true],
  [false, false, false, false, false, false],
];

type Kind = 'SimpleRNN' | 'LSTM' | 'GRU' | 'GRU resetAfter false';
const KINDS: readonly Kind[] = ['SimpleRNN', 'LSTM', 'GRU', 'GRU resetAfter false'];

function make(kind: Kind, opts: nr.layers.LSTMArgs): RecurrentLayer {
  if (kind === 'SimpleRNN') return nr.layers.simpleRNN(opts);
  if (kind === 'LSTM') return nr.layers.lstm(opts);
  return nr.layers.gru({ ...opts, resetAfter: kind === 'GRU' });
}

/**
 * Keras' masked loop written plainly over the layer's own cell: a where per output and per state, the
 * output starting as zeros; zeroOutputForMask zeroes the kept output at masked steps.
 */
function plainLoop(
  layer: RecurrentLayer,
  x: nr.Tensor,
  mask: nr.Tensor,
  initial: nr.Tensor[] | null,
): nr.Tensor[] {
  const run = layer.cell.prepare(x, false);
  const inputs = run.inputs.unstack(1);
  const masks = mask.reshape([B, T, 1]).unstack(1);
  if (layer.goBackwards) {
    inputs.reverse();
    masks.reverse();
  }
  let states = initial ?? layer.cell.stateSize.map((s) => nr.zeros([B, s]));
  let prev: nr.Tensor | null = null;
  const outputs: nr.Tensor[] = [];
  for (let t = 0; t < T; t++) {
    const r = run.step(inputs[t], states);
    const m = masks[t];
    prev = nr.where(m, r.output, prev ?? r.output.zerosLike());
    states = r.states.map((s, i) => nr.where(m, s, states[i]));
    outputs.push(layer.zeroOutputForMask ? nr.where(m, prev, 0) : prev);
  }
  return [nr.stack(outputs, 1), ...states];
}

const listOf = (y: nr.Tensor | nr.Tensor[]) => (Array.isArray(y) ? y : [y]);

describe('masked recurrent layers agree with the plain loop', () => {
  const x = nr.randomNormal([B, T, F], 0, 1, 'float32', 11);
  const mask = nr.tensor(MASK);
  for (const kind of KINDS) {
    for (const given of [false, true]) {
      for (const zeroOutputForMask of [false, true]) {
        for (const goBackwards of [false, true]) {
          const name = `${kind}${given ? ', initial states given' : ''}${zeroOutputForMask ? ', zeroOutputForMask' : ''}${goBackwards ? ', goBackwards' : ''}`;
          it(`${name}: same values bit for bit, same gradients`, () => {
            const layer = make(kind, {
              units: U,
              returnSequences: true,
              returnState: true,
              zeroOutputForMask,
              goBackwards,
              seed: 5,
            });
            const n = kind === 'LSTM' ? 2 : 1;
            const initial = given
              ? Array.from({ length: n }, (_, i) =>
                  nr.randomNormal([B, U], 0, 1, 'float32', 20 + i),
                )
              : null;
            const ins = initial ? [x, ...initial] : [x];
            const got = listOf(layer.apply(ins, { mask }));
            const want = plainLoop(layer, x, mask, initial);
            expect(got).toHaveLength(want.length);
            got.forEach((g, i) =>
              expect(Array.from(g.dataSync()), `output ${i}`).toEqual(
                Array.from(want[i].dataSync()),
              ),
            );
            // gradients of a weighted sum of every output, with respect to inputs, states and weights
            const ws = want.map((w, i) => nr.randomNormal(w.shape, 0, 1, 'float32', 30 + i));
            const loss = (outs: nr.Tensor[]) =>
              outs.map((o, i) => o.mul(ws[i]).sum()).reduce((a, b) => a.add(b));
            const gotG = nr.grads((...s: nr.Tensor[]) => loss(listOf(layer.apply(s, { mask }))))(
              ins,
            );
            const wantG = nr.grads((...s: nr.Tensor[]) =>
              loss(plainLoop(layer, s[0], mask, s.length > 1 ? s.slice(1) : null)),
            )(ins);
            gotG.forEach((g, i) =>
              expectClose(g.dataSync(), wantG[i].dataSync(), 1e-6, 1e-6, `d input ${i}`),
            );
            const wg = (f: () => nr.Tensor) =>
              Object.values(nr.variableGrads(f, layer.trainableWeights).grads);
            const gotW = wg(() => loss(listOf(layer.apply(ins, { mask }))));
            const wantW = wg(() => loss(plainLoop(layer, x, mask, initial)));
            gotW.forEach((g, i) =>
              expectClose(g.dataSync(), wantW[i].dataSync(), 1e-6, 1e-6, `d weight ${i}`),
            );
            nr.dispose([got, want, ws, gotG, wantG, gotW, wantW]);
            if (initial) nr.dispose(initial);
            layer.dispose();
          });
        }
      }
    }
  }
});

describe('masked recurrent layers: gradients against finite differences', () => {
  const weights = (shape: number[], seed: number) =>
    nr.randomNormal(shape, 0, 0.6, 'float32', seed);
  for (const kind of ['LSTM', 'GRU'] as const) {
    for (const given of [false, true]) {
      const n = kind === 'LSTM' ? 2 : 1;
      const name = `${kind} masked${given ? ', initial states given' : ''}`;
      it(name, () =>
        checkGradient(
          {
            name,
            fn: (x, ...initial) => {
              const layer = make(kind, { units: U, returnSequences: true, returnState: true });
              const ins = given ? [x, ...initial] : [x];
              layer.build(given ? [[B, T, F], ...initial.map(() => [B, U])] : [B, T, F]);
              layer.setWeights(layer.weights.map((w, i) => weights(w.shape.slice(), 40 + i)));
              const mask = nr.tensor(MASK);
              const outs = listOf(layer.apply(ins, { mask }));
              const y = nr.concat(
                outs.map((o) => o.reshape([B, -1])),
                1,
              );
              mask.dispose();
              layer.dispose();
              return y;
            },
            inputs: [
              { shape: [B, T, F], min: -1, max: 1 },
              ...(given
                ? Array.from({ length: n }, () => ({ shape: [B, U], min: -1, max: 1 }))
                : []),
            ],
            gradTol: 2e-2,
          },
          REFERENCE,
        ),
      );
    }
  }
});

describe('masked recurrent layers: kernels per step', () => {
  const x = nr.randomNormal([B, T, F], 0, 1, 'float32', 12);
  const mask = nr.tensor(MASK);
  const wheres = (kind: Kind) => {
    const layer = make(kind, { units: U, returnSequences: true });
    // the ops the layer calls, counted unfused (the suite also runs with NEURITE_FUSION=1)
    const fusion = nr.getFusion();
    nr.setFusion(false);
    try {
      nr.tidy(() => void layer.apply(x, { mask }));
      const seen = dispatched(nr.backend(), () => nr.tidy(() => void layer.apply(x, { mask })));
      return seen.filter((k) => k === 'where').length;
    } finally {
      nr.setFusion(fusion);
      layer.dispose();
    }
  };
  it('a masked training step leaves no tensor behind', () => {
    for (const kind of KINDS) {
      const layer = make(kind, { units: U, returnSequences: true, returnState: true });
      nr.tidy(() => void layer.apply(x, { mask }));
      const n = kind === 'LSTM' ? 2 : 1;
      const h0 = Array.from({ length: n }, () => nr.zeros([B, U]));
      for (const ins of [[x], [x, ...h0]]) {
        const leaked = leakedBy(() =>
          nr.tidy(() => {
            const { value, grads } = nr.variableGrads(
              () =>
                listOf(layer.apply(ins, { mask, training: true }))
                  .map((o) => o.square().mean())
                  .reduce((a, b) => a.add(b)),
              layer.trainableWeights,
            );
            value.dataSync();
            Object.values(grads).forEach((g) => g.dataSync());
          }),
        );
        expect(leaked, kind).toBe(0);
      }
      nr.dispose(h0);
      layer.dispose();
    }
  });

  it('with zero initial states, the kept output is the kept first state: one where per state', () => {
    expect(wheres('LSTM')).toBe(2 * T);
    expect(wheres('GRU')).toBe(T);
    expect(wheres('SimpleRNN')).toBe(T);
  });
});

/**
 * One gate activation per gate, the recurrent weights sliced per step: the cells' arithmetic written
 * plainly (Keras' formulas), over the layer's weights. Returns the outputs of every step, [B, T, U].
 */
function plainCells(kind: Kind, x: nr.Tensor, w: nr.Tensor[]): nr.Tensor {
  const [kernel, rec, bias] = w;
  const u = U;
  const sig = (t: nr.Tensor) => nr.sigmoid(t);
  const inBias = kind === 'GRU' ? bias.slice([0, 0], [1, 3 * u]).reshape([3 * u]) : bias;
  const gates = kind === 'LSTM' ? 4 : kind === 'SimpleRNN' ? 1 : 3;
  const p = x
    .reshape([B * T, F])
    .matMul(kernel)
    .add(inBias)
    .reshape([B, T, gates * u]);
  let h = nr.zeros([B, u]);
  let c = nr.zeros([B, u]);
  const outs: nr.Tensor[] = [];
  for (let t = 0; t < T; t++) {
    const pt = p.slice([0, t, 0], [B, 1, gates * u]).reshape([B, gates * u]);
    if (kind === 'SimpleRNN') {
      h = pt.add(h.matMul(rec)).tanh();
    } else if (kind === 'LSTM') {
      const [zi, zf, zc, zo] = pt.add(h.matMul(rec)).split(4, -1);
      c = sig(zf).mul(c).add(sig(zi).mul(zc.tanh()));
      h = sig(zo).mul(c.tanh());
    } else {
      const [xz, xr, xh] = pt.split(3, -1);
      let hh: nr.Tensor;
      let z: nr.Tensor;
      if (kind === 'GRU') {
        const [rz, rr, rh] = h
          .matMul(rec)
          .add(bias.slice([1, 0], [1, 3 * u]))
          .split(3, -1);
        z = sig(xz.add(rz));
        hh = xh.add(sig(xr.add(rr)).mul(rh)).tanh();
      } else {
        const [uzr, uh] = rec.split([2 * u, u], 1);
        const [rz, rr] = h.matMul(uzr).split(2, -1);
        z = sig(xz.add(rz));
        hh = xh.add(sig(xr.add(rr)).mul(h).matMul(uh)).tanh();
      }
      h = hh.add(z.mul(h.sub(hh)));
    }
    outs.push(h);
  }
  return nr.stack(outs, 1);
}

describe.each(testBackends())(
  'recurrent cells on %s: one gate activation per gate, bit for bit',
  (backend) => {
    // a function of the user's (not known to be elementwise) keeps one activation call per gate
    const own = (t: nr.Tensor) => nr.sigmoid(t);
    type Variant = [Kind, string | ((t: nr.Tensor) => nr.Tensor)];
    const variants = KINDS.flatMap((k): Variant[] =>
      k === 'SimpleRNN'
        ? [[k, 'sigmoid']]
        : [
            [k, 'sigmoid'],
            [k, own],
          ],
    );
    for (const [kind, recurrentActivation] of variants) {
      it(`${kind}${recurrentActivation === own ? ', recurrentActivation a function' : ''}`, async () => {
        const prev = nr.getBackend();
        await nr.setBackend(backend);
        try {
          const x = nr.randomNormal([B, T, F], 0, 1, 'float32', 13);
          const layer = make(kind, { units: U, returnSequences: true, recurrentActivation });
          layer.build([B, T, F]);
          // a non-zero bias everywhere, so that every bias path shows
          layer.setWeights(
            layer.weights.map((v, i) =>
              nr.randomNormal(v.shape.slice(), 0, 0.7, 'float32', 60 + i),
            ),
          );
          const w = layer.getWeights();
          const got = listOf(layer.apply(x))[0];
          const want = plainCells(kind, x, w);
          expect(Array.from(await got.data())).toEqual(Array.from(await want.data()));
          const dy = nr.randomNormal([B, T, U], 0, 1, 'float32', 14);
          // gradients through the weights as plain tensors: the plain cells against the layer's cells
          const wantG = nr.grads((...s: nr.Tensor[]) =>
            plainCells(kind, s[0], s.slice(1)).mul(dy).sum(),
          )([x, ...w]);
          const layerG = nr.grads((xx: nr.Tensor) => listOf(layer.apply(xx))[0].mul(dy).sum())([x]);
          expectClose(await layerG[0].data(), await wantG[0].data(), 1e-6, 1e-6, 'dx');
          const { grads } = nr.variableGrads(
            () => listOf(layer.apply(x))[0].mul(dy).sum(),
            layer.trainableWeights,
          );
          const byWeight = layer.trainableWeights.map((v) => grads[v.name]);
          for (let i = 0; i < byWeight.length; i++)
            expectClose(
              await byWeight[i].data(),
              await wantG[i + 1].data(),
              1e-6,
              1e-6,
              `d weight ${i}`,
            );
          nr.dispose([x, w, got, want, dy, wantG, layerG, byWeight]);
          layer.dispose();
        } finally {
          await nr.setBackend(prev);
        }
      });
    }
  },
);
