// tfjs recurrent behaviour: stateful RNNs in models with resetStates, no leak when building, GRU from a real tfjs file.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { expectClose } from '../helpers/check_op.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const shared = [path.resolve(repoRoot, '..', 'shared'), '/work/shared'].find((p) => existsSync(p));

describe.each([
  ['SimpleRNN', (a: nr.layers.SimpleRNNArgs) => nr.layers.simpleRNN(a)],
  ['GRU', (a: nr.layers.GRUArgs) => nr.layers.gru(a)],
  ['LSTM', (a: nr.layers.LSTMArgs) => nr.layers.lstm(a)],
] as const)('stateful %s in a Sequential model', (_name, make) => {
  it('carries states across predict calls, and model.resetStates() starts over', async () => {
    const x = nr.randomNormal([2, 6, 3], 0, 1, 'float32', 7);
    const stateful = nr.sequential({
      layers: [make({ units: 4, stateful: true, batchInputShape: [2, 3, 3] })],
    });
    const plain = nr.sequential({ layers: [make({ units: 4, inputShape: [6, 3] })] });
    plain.setWeights(stateful.getWeights());
    const whole = plain.predict(x) as nr.Tensor;
    const first = stateful.predict(x.slice([0, 0, 0], [2, 3, 3])) as nr.Tensor;
    const second = stateful.predict(x.slice([0, 3, 0], [2, 3, 3])) as nr.Tensor;
    // the second half, started from the first half's states, ends where the whole sequence ends
    expectClose(
      Array.from(await second.data()),
      Array.from(await whole.data()),
      1e-5,
      1e-5,
      'carried',
    );
    stateful.resetStates();
    const again = stateful.predict(x.slice([0, 0, 0], [2, 3, 3])) as nr.Tensor;
    expectClose(
      Array.from(await again.data()),
      Array.from(await first.data()),
      1e-6,
      1e-6,
      'reset',
    );
    // the batch size comes from batchInputShape
    expect(() => stateful.predict(nr.zeros([3, 3, 3]), { batchSize: 3 })).toThrow(/batch/);
    nr.dispose([x, whole, first, second, again]);
    stateful.dispose();
    plain.dispose();
  });
});

describe('recurrent layers free what building makes', () => {
  it.each([
    ['LSTM', () => nr.layers.lstm({ units: 3 })],
    ['GRU', () => nr.layers.gru({ units: 3 })],
    ['SimpleRNN', () => nr.layers.simpleRNN({ units: 3 })],
  ] as const)('%s: build leaves only its weights', (_name, make) => {
    const before = nr.memory().numTensors;
    const l = make();
    l.build([null, 4, 2]);
    expect(nr.memory().numTensors - before).toBe(l.weights.length);
    l.dispose();
  });
});

describe('GRU from a TensorFlow.js file', () => {
  const dir = shared && path.join(shared, 'real-models', 'tfjs-embedding-gru');
  const present = !!dir && existsSync(path.join(dir, 'model.json'));
  if (!present) console.log('skip: ../shared/real-models/tfjs-embedding-gru is not here');
  it.runIf(present)(
    'loads with tfjs semantics (no reset_after key = resetAfter false)',
    async () => {
      const d = dir as string;
      const m = await nr.loadLayersModel(`file://${path.join(d, 'model.json')}`);
      const gru = m.layers[1] as nr.layers.GRU;
      expect(gru.getClassName()).toBe('GRU');
      expect(gru.getConfig().resetAfter).toBe(false);
      expect(gru.weights.map((w) => w.shape)).toEqual([[20, 12], [4, 12], [12]]);
      const expected = JSON.parse(readFileSync(path.join(d, 'expected.json'), 'utf8')) as {
        input: number[][];
        output: number[][];
      };
      const x = nr.tensor(expected.input);
      const y = m.predict(x) as nr.Tensor;
      expect(y.shape).toEqual([3, 4]);
      // The file's GRU uses 'hard_sigmoid', which tfjs (and Keras 2) define as clip(0.2x + 0.5) while Keras 3
      // uses relu6(x + 3) / 6: the tfjs reader loads tfjs' meaning.
      expect(gru.getConfig().recurrentActivation).toBe('hard_sigmoid_legacy');
      expectClose(Array.from(await y.data()), expected.output.flat(), 1e-6, 0, 'tfjs predictions');
      nr.dispose([x, y]);
      m.dispose();
    },
  );
});
