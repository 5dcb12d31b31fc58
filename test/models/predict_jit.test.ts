// predict with and without jitCompile: the same bits for one and several inputs/outputs and any batchSize, the same errors, no leaks.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { jitStepStats } from '../../src/models/training/jit_steps.js';

/** The bytes of each tensor's values: equal bytes are equal bits (-0, NaN payloads included). */
const bytes = async (ts: nr.Tensor | nr.Tensor[]): Promise<Uint8Array[]> =>
  Promise.all(
    (Array.isArray(ts) ? ts : [ts]).map(async (t) => {
      const v = await t.data();
      return new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice();
    }),
  );

const seeded = (seed: number) => nr.initializers.glorotUniform({ seed });

/** An MLP 6-16-16-3 (ReLU, softmax), seeded. */
function mlp(): nr.Sequential {
  return nr.sequential({
    layers: [
      nr.layers.dense({
        units: 16,
        activation: 'relu',
        inputShape: [6],
        kernelInitializer: seeded(1),
        name: 'hidden1', // the same names in both models: the same error messages
      }),
      nr.layers.dense({ units: 16, activation: 'relu', kernelInitializer: seeded(2) }),
      nr.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: seeded(3) }),
    ],
  });
}

/** Two inputs (float features, int32 tokens) and two outputs (softmax, linear), seeded. */
function twoByTwo(): nr.Model {
  const a = nr.input({ shape: [5], name: 'a' });
  const b = nr.input({ shape: [3], dtype: 'int32', name: 'b' });
  const embedded = nr.layers
    .embedding({ inputDim: 7, outputDim: 4, embeddingsInitializer: seeded(4) })
    .apply(b) as nr.SymbolicTensor;
  const flat = nr.layers.flatten().apply(embedded) as nr.SymbolicTensor;
  const joined = nr.layers.concatenate().apply([a, flat]) as nr.SymbolicTensor;
  const hidden = nr.layers
    .dense({ units: 8, activation: 'tanh', kernelInitializer: seeded(5) })
    .apply(joined) as nr.SymbolicTensor;
  const probs = nr.layers
    .dense({ units: 3, activation: 'softmax', kernelInitializer: seeded(6) })
    .apply(hidden) as nr.SymbolicTensor;
  const value = nr.layers
    .dense({ units: 1, kernelInitializer: seeded(7) })
    .apply(hidden) as nr.SymbolicTensor;
  return nr.model({ inputs: [a, b], outputs: [probs, value] });
}

/** The model compiled with jitCompile (predict needs no compile; the eager twin stays uncompiled). */
function jitted<M extends nr.Model>(model: M): M {
  model.compile({ optimizer: 'sgd', loss: 'meanSquaredError', jitCompile: true });
  return model;
}

describe('predict under compile({ jitCompile: true })', () => {
  it('gives the bits of eager predict, one input and output, for batchSize 1, 2, 5, 7 and the default', async () => {
    const x = nr.randomNormal([5, 6], 0, 1, 'float32', 8);
    const eager = mlp();
    const jit = jitted(mlp());
    for (const batchSize of [1, 2, 5, 7, undefined]) {
      const args = batchSize === undefined ? {} : { batchSize };
      // twice: the first call traces, the second replays
      for (let call = 0; call < 2; call++) {
        const e = eager.predict(x, args) as nr.Tensor;
        const j = jit.predict(x, args) as nr.Tensor;
        expect(j.shape).toEqual([5, 3]);
        expect(await bytes(j)).toEqual(await bytes(e));
        nr.dispose([e, j]);
      }
    }
    // one row per call replays one trace
    const one = x.slice(0, 1);
    for (let i = 0; i < 4; i++) nr.dispose(jit.predict(one, { batchSize: 1 }));
    expect(jitStepStats(jit)?.predict.fallbackReason).toBeNull();
    expect(jitStepStats(jit)?.predict.replays).toBeGreaterThanOrEqual(3);
    nr.dispose([x, one]);
    eager.dispose();
    jit.dispose();
  });

  it('gives the bits of eager predict with two inputs (float32, int32) and two outputs', async () => {
    const a = nr.randomNormal([6, 5], 0, 1, 'float32', 9);
    const b = nr.randomUniform([6, 3], 0, 7, 'int32', 10);
    const eager = twoByTwo();
    const jit = jitted(twoByTwo());
    for (const batchSize of [1, 4, 6, 32]) {
      for (let call = 0; call < 2; call++) {
        const e = eager.predict([a, b], { batchSize }) as nr.Tensor[];
        const j = jit.predict([a, b], { batchSize }) as nr.Tensor[];
        expect(j.map((t) => t.shape)).toEqual([
          [6, 3],
          [6, 1],
        ]);
        expect(await bytes(j)).toEqual(await bytes(e));
        nr.dispose([e, j]);
      }
    }
    nr.dispose([a, b]);
    eager.dispose();
    jit.dispose();
  });

  it('hands inputs that fit in one batch to predictStep as they are (no slices), in batches otherwise', () => {
    const seen: (nr.Tensor | nr.Tensor[])[] = [];
    class Watching extends nr.Sequential {
      override predictStep(data: nr.StepData): nr.Tensor | nr.Tensor[] {
        seen.push(data.x);
        expect(data.y).toBeNull();
        expect(data.sampleWeight).toBeNull();
        return super.predictStep(data);
      }
    }
    const model = new Watching({ layers: [nr.layers.dense({ units: 2, inputShape: [3] })] });
    const x = nr.ones([4, 3]);
    nr.dispose(model.predict(x, { batchSize: 4 }));
    nr.dispose(model.predict([x], { batchSize: 8 }));
    expect(seen).toEqual([x, x]);
    expect(seen[0]).toBe(x);
    expect(seen[1]).toBe(x);
    nr.dispose(model.predict(x, { batchSize: 3 }));
    expect(seen.slice(2).map((t) => (t as nr.Tensor).shape)).toEqual([
      [3, 3],
      [1, 3],
    ]);
    x.dispose();
    model.dispose();
  });

  it('raises the errors eager predict raises', () => {
    const x = nr.ones([3, 6]);
    const wrong = nr.ones([3, 4]);
    const eager = mlp();
    const jit = jitted(mlp());
    const message = (f: () => unknown): string => {
      try {
        nr.dispose(f() as nr.Tensor);
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}`;
      }
      return 'no error';
    };
    for (const batchSize of [0, -1, 1.5, Number.NaN]) {
      const m = message(() => eager.predict(x, { batchSize }));
      expect(m).toMatch(/predict: batchSize must be a positive integer/);
      expect(message(() => jit.predict(x, { batchSize }))).toBe(m);
    }
    for (const batchSize of [1, 32]) {
      const m = message(() => eager.predict(wrong, { batchSize }));
      expect(m).not.toBe('no error');
      expect(message(() => jit.predict(wrong, { batchSize }))).toBe(m);
    }
    nr.dispose([x, wrong]);
    eager.dispose();
    jit.dispose();
  });

  it('leaves numTensors and numBytes as they were over repeated calls, one batch or several', () => {
    const x = nr.randomNormal([5, 6], 0, 1, 'float32', 11);
    for (const jitCompile of [false, true]) {
      const model = jitCompile ? jitted(mlp()) : mlp();
      // warm: traces (and their constants) exist before counting
      for (const batchSize of [1, 2, 5]) nr.dispose(model.predict(x, { batchSize }));
      const before = nr.memory();
      for (let i = 0; i < 20; i++)
        for (const batchSize of [1, 2, 5]) nr.dispose(model.predict(x, { batchSize }));
      const after = nr.memory();
      expect(after.numTensors).toBe(before.numTensors);
      expect(after.numBytes).toBe(before.numBytes);
      model.dispose();
    }
    x.dispose();
  });

  it('an identity model under jitCompile returns a tensor whose disposal leaves the input alive', async () => {
    const a = nr.input({ shape: [2] });
    const model = jitted(nr.model({ inputs: a, outputs: a }));
    const x = nr.tensor([[1, 2]]);
    for (let i = 0; i < 3; i++) {
      const y = model.predict(x) as nr.Tensor;
      expect(y).not.toBe(x);
      expect(Array.from(await y.data())).toEqual([1, 2]);
      y.dispose();
      expect(x.isDisposed).toBe(false);
    }
    expect(Array.from(await x.data())).toEqual([1, 2]);
    x.dispose();
    model.dispose();
  });
});
