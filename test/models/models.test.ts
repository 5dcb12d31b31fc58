// Models: Sequential, functional graphs (multi-input/output, shared layers, nesting), subclassing, summary.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { heavyOnDefault } from '../helpers/check_op.js';

const dense = (units: number, activation?: string, extra: Partial<nr.layers.DenseArgs> = {}) =>
  nr.layers.dense({ units, activation, ...extra });

describe('Sequential', () => {
  it('builds from inputShape, counts parameters, predicts with the right shape', async () => {
    const m = nr.sequential({
      layers: [dense(16, 'relu', { inputShape: [784] }), dense(10, 'softmax')],
    });
    expect(m.built).toBe(true);
    expect(m.countParams()).toBe(784 * 16 + 16 + 16 * 10 + 10);
    const y = m.predict(nr.zeros([3, 784])) as nr.Tensor;
    expect(y.shape).toEqual([3, 10]);
    expect(await y.sum(1).array()).toEqual([1, 1, 1].map((v) => expect.closeTo(v, 5)));
    m.dispose();
  });

  it('builds lazily without an input shape, and add() appends layers', () => {
    const m = nr.sequential();
    m.add(dense(4));
    m.add(dense(2));
    expect(m.built).toBe(false);
    const y = m.apply(nr.ones([1, 3])) as nr.Tensor;
    expect(y.shape).toEqual([1, 2]);
    expect(m.weights.map((w) => w.shape)).toEqual([[3, 4], [4], [4, 2], [2]]);
    m.dispose();
  });

  it('summary prints Keras’ table and returns it', () => {
    const lines: string[] = [];
    const m = nr.sequential({
      layers: [
        dense(10, 'relu', { inputShape: [784], name: 'hidden' }),
        dense(10, undefined, { name: 'out' }),
      ],
    });
    const text = m.summary({ printFn: (l) => lines.push(l) });
    expect(lines.join('\n')).toBe(text);
    expect(text).toContain('Layer (type)');
    expect(text).toContain('hidden (Dense)');
    expect(text).toContain('(None, 10)');
    expect(text).toContain('7,850');
    expect(text).toMatch(/Total params: 7,960/);
    expect(text).toMatch(/Non-trainable params: 0/);
    m.dispose();
  });

  it('a wrong input shape names the layer and the received shape', () => {
    const m = nr.sequential({ layers: [dense(2, undefined, { inputShape: [3], name: 'first' })] });
    expect(() => m.predict(nr.zeros([2, 5]))).toThrow(
      /first: expected input with last dimension 3, received shape \(2, 5\)/,
    );
    m.dispose();
  });
});

describe('functional models', () => {
  it('multi-input, multi-output, shared layers', () => {
    const a = nr.input({ shape: [4], name: 'a' });
    const b = nr.input({ shape: [4], name: 'b' });
    const shared = dense(3, 'tanh', { name: 'shared' });
    const ha = shared.apply(a);
    const hb = shared.apply(b);
    const sum = nr.layers.dense({ units: 1, name: 'sum' }).apply(ha);
    const other = nr.layers.dense({ units: 2, name: 'other' }).apply(hb);
    const m = nr.model({ inputs: [a, b], outputs: [sum, other] });
    expect(m.countParams()).toBe(4 * 3 + 3 + 3 + 1 + 3 * 2 + 2);
    const [y1, y2] = m.predict([nr.ones([5, 4]), nr.zeros([5, 4])]) as nr.Tensor[];
    expect(y1.shape).toEqual([5, 1]);
    expect(y2.shape).toEqual([5, 2]);
    m.dispose();
  });

  it('predict of an identity model returns a copy: disposing it leaves the input alive', async () => {
    const a = nr.input({ shape: [2] });
    const m = nr.model({ inputs: a, outputs: a });
    const x = nr.tensor([[1, 2]]);
    const y = m.predict(x) as nr.Tensor;
    expect(y).not.toBe(x);
    y.dispose();
    expect(Array.from(await x.data())).toEqual([1, 2]);
    x.dispose();
  });

  it('nests a model as a layer', () => {
    const inner = nr.sequential({ layers: [dense(3, 'relu', { inputShape: [2] })], name: 'inner' });
    const x = nr.input({ shape: [2] });
    const y = dense(1).apply(inner.apply(x) as nr.SymbolicTensor);
    const outer = nr.model({ inputs: x, outputs: y });
    expect(outer.countParams()).toBe(2 * 3 + 3 + 3 + 1);
    expect((outer.predict(nr.ones([4, 2])) as nr.Tensor).shape).toEqual([4, 1]);
    outer.dispose();
  });

  it('refuses outputs that depend on an input not given', () => {
    const a = nr.input({ shape: [2] });
    const b = nr.input({ shape: [2] });
    const y = nr.layers.dense({ units: 1 }).apply(b);
    expect(() => nr.model({ inputs: a, outputs: y })).toThrow(/depend on input/);
  });
});

describe('subclassed models', () => {
  class TwoLayer extends nr.Model {
    hidden = nr.layers.dense({ units: 8, activation: 'tanh' });
    out = nr.layers.dense({ units: 1 });
    override call(x: nr.Tensor | nr.Tensor[]) {
      return this.out.apply(this.hidden.apply(x as nr.Tensor));
    }
  }

  // 120 Adam steps: a long fit on SwiftShader, left to the CPU backends.
  it.skipIf(heavyOnDefault())('tracks layers held as properties and trains', async () => {
    nr.setSeed(3);
    const m = new TwoLayer();
    const x = nr.randomUniform([32, 2], -1, 1, 'float32', 1);
    const y = x.sum(1, true);
    m.compile({ optimizer: 'adam', loss: 'mse' });
    const h = await m.fit(x, y, { epochs: 30, batchSize: 8, verbose: 0 });
    expect(m.trainableWeights.length).toBe(4);
    expect(h.history.loss.at(-1)).toBeLessThan(h.history.loss[0]);
    m.dispose();
  });
});
