// Bidirectional and TimeDistributed: the layer protocol, how outputs are assembled, configs and errors.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { checkLayer } from '../helpers/check_layer.js';
import { expectClose } from '../helpers/check_op.js';

const one = (y: nr.Tensor | nr.Tensor[]) => (Array.isArray(y) ? y[0] : y);
// Layer.apply is typed for one output; multi-output layers return a list at run time.
const many = (y: nr.Tensor | nr.Tensor[]) => (Array.isArray(y) ? y : [y]);

describe('Bidirectional', () => {
  it('Bidirectional LSTM, concat', async () => {
    await checkLayer({
      name: 'Bidirectional concat',
      make: () =>
        nr.layers.bidirectional({ layer: nr.layers.lstm({ units: 3, returnSequences: true }) }),
      inputShape: [2, 4, 2],
      expectedOutputShape: [2, 4, 6],
    });
  });
  it('Bidirectional GRU, sum', async () => {
    await checkLayer({
      name: 'Bidirectional sum',
      make: () => nr.layers.bidirectional({ layer: nr.layers.gru({ units: 3 }), mergeMode: 'sum' }),
      inputShape: [2, 4, 2],
      expectedOutputShape: [2, 3],
    });
  });
  it('Bidirectional SimpleRNN, ave and mul', async () => {
    await checkLayer({
      name: 'Bidirectional ave',
      make: () =>
        nr.layers.bidirectional({ layer: nr.layers.simpleRNN({ units: 3 }), mergeMode: 'ave' }),
      inputShape: [2, 4, 2],
    });
    await checkLayer({
      name: 'Bidirectional mul',
      make: () =>
        nr.layers.bidirectional({
          layer: nr.layers.simpleRNN({ units: 3, returnSequences: true }),
          mergeMode: 'mul',
        }),
      inputShape: [2, 4, 2],
    });
  });
  it('Bidirectional, mergeMode null (two outputs)', async () => {
    await checkLayer({
      name: 'Bidirectional null',
      make: () => nr.layers.bidirectional({ layer: nr.layers.gru({ units: 3 }), mergeMode: null }),
      inputShape: [2, 4, 2],
      expectedOutputShape: [
        [2, 3],
        [2, 3],
      ],
    });
  });
  it('Bidirectional LSTM with returnState', async () => {
    await checkLayer({
      name: 'Bidirectional states',
      make: () =>
        nr.layers.bidirectional({ layer: nr.layers.lstm({ units: 3, returnState: true }) }),
      inputShape: [2, 4, 2],
      expectedOutputShape: [
        [2, 6],
        [2, 3],
        [2, 3],
        [2, 3],
        [2, 3],
      ],
      expectedWeightShapes: [[2, 12], [3, 12], [12], [2, 12], [3, 12], [12]],
    });
  });

  it('concatenates the forward run with the backward run flipped back to time order', async () => {
    const x = nr.randomNormal([2, 5, 3], 0, 1, 'float32', 5);
    const bi = nr.layers.bidirectional({
      layer: nr.layers.gru({ units: 2, returnSequences: true }),
    });
    const y = one(bi.apply(x));
    const fwd = nr.layers.gru({ units: 2, returnSequences: true });
    const bwd = nr.layers.gru({ units: 2, returnSequences: true });
    fwd.apply(x);
    bwd.apply(x);
    const ws = bi.getWeights();
    fwd.setWeights(ws.slice(0, 3));
    bwd.setWeights(ws.slice(3));
    const want = nr.concat([one(fwd.apply(x)), one(bwd.apply(x.reverse(1))).reverse(1)], -1);
    expectClose(await y.data(), await want.data(), 1e-6, 1e-6);
    expect(bi.forwardLayer.name.startsWith('forward_')).toBe(true);
    expect(bi.backwardLayer.goBackwards).toBe(true);
  });

  it('takes initial states for both directions as extra inputs', async () => {
    const x = nr.randomNormal([2, 5, 3], 0, 1, 'float32', 6);
    const bi = nr.layers.bidirectional({
      layer: nr.layers.simpleRNN({ units: 2 }),
      mergeMode: null,
    });
    const [a, b] = many(bi.apply([x, nr.ones([2, 2]), nr.zeros([2, 2])]));
    const [a0, b0] = many(bi.apply(x));
    expect(Array.from(await a.data())).not.toEqual(Array.from(await a0.data()));
    expectClose(await b.data(), await b0.data(), 0, 0, 'backward starts from zeros either way');
  });

  it('zeroes masked outputs of the sequences it merges (Keras)', async () => {
    const x = nr.randomNormal([1, 4, 2], 0, 1, 'float32', 8);
    const bi = nr.layers.bidirectional({
      layer: nr.layers.simpleRNN({ units: 2, returnSequences: true }),
      mergeMode: null,
    });
    const mask = nr.tensor([[true, true, false, false]]);
    const [f, b] = many(bi.apply(x, { mask }));
    expect(((await f.array()) as number[][][])[0][3]).toEqual([0, 0]);
    expect(((await b.array()) as number[][][])[0][2]).toEqual([0, 0]);
  });

  it('rejects layers that are not recurrent and unknown merge modes', () => {
    expect(() =>
      nr.layers.bidirectional({ layer: { className: 'Dense', config: { units: 2 } } }),
    ).toThrow(/Bidirectional: layer must be a recurrent layer .* received Dense/);
    const badMode = 'max' as 'concat'; // an unknown merge mode, as untyped JS could pass
    expect(() =>
      nr.layers.bidirectional({ layer: nr.layers.lstm({ units: 2 }), mergeMode: badMode }),
    ).toThrow(/mergeMode must be one of 'concat', 'sum', 'mul', 'ave' or null, received 'max'/);
    const backwardLayer = nr.layers.lstm({ units: 2 });
    expect(() =>
      nr.layers.bidirectional({ layer: nr.layers.lstm({ units: 2 }), backwardLayer }),
    ).toThrow(/different goBackwards/);
  });
});

describe('TimeDistributed', () => {
  it('TimeDistributed Dense', async () => {
    await checkLayer({
      name: 'TimeDistributed',
      make: () => nr.layers.timeDistributed({ layer: nr.layers.dense({ units: 4 }) }),
      inputShape: [2, 3, 5],
      expectedOutputShape: [2, 3, 4],
      expectedWeightShapes: [[5, 4], [4]],
    });
  });
  it('TimeDistributed over rank-4 steps', async () => {
    await checkLayer({
      name: 'TimeDistributed rank 4',
      make: () => nr.layers.timeDistributed({ layer: nr.layers.flatten() }),
      inputShape: [2, 3, 4, 5],
      expectedOutputShape: [2, 3, 20],
    });
  });

  it('applies the same layer to every step', async () => {
    const x = nr.randomNormal([2, 3, 5], 0, 1, 'float32', 9);
    const td = nr.layers.timeDistributed({
      layer: nr.layers.dense({ units: 2, activation: 'tanh' }),
    });
    const y = one(td.apply(x));
    const dense = td.layer;
    const steps = x.unstack(1).map((s) => one(dense.apply(s)));
    expectClose(await y.data(), await nr.stack(steps, 1).data(), 1e-6, 1e-6);
  });

  it('rejects inputs without a time axis', () => {
    expect(() =>
      nr.layers
        .timeDistributed({ layer: nr.layers.dense({ units: 2 }), name: 'td_bad' })
        .apply(nr.zeros([2, 3])),
    ).toThrow(/td_bad: expected one input of rank >= 3/);
    // @ts-expect-error: not a layer
    expect(() => nr.layers.timeDistributed({ layer: 3 })).toThrow(
      /TimeDistributed: layer must be a Layer or \{className, config\}, received 3/,
    );
  });
});
