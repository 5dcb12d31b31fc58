// neurite models saved as .keras and loaded back: same predictions, and training resumes from the saved optimizer state.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { kerasPaths } from '../../src/io/keras/paths.js';
import { expectClose } from '../helpers/check_op.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'neurite-keras-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function values(t: nr.Tensor | nr.Tensor[]): Promise<number[]> {
  const list = Array.isArray(t) ? t : [t];
  const out: number[] = [];
  for (const x of list) out.push(...(await x.data()));
  nr.dispose(list);
  return out;
}

/** Saves to a .keras file, loads it back, compares predictions on the same inputs. */
async function roundTrip(
  name: string,
  model: nr.Model,
  inputs: () => nr.Tensor | nr.Tensor[],
): Promise<nr.Model> {
  const path = join(dir, `${name}.keras`);
  await model.save(path);
  const loaded = await nr.loadModel(path);
  const a = await values(model.predict(inputs()) as nr.Tensor | nr.Tensor[]);
  const b = await values(loaded.predict(inputs()) as nr.Tensor | nr.Tensor[]);
  expectClose(b, a, 1e-6, 1e-5, name);
  expect(kerasPaths(loaded).map((p) => p.path)).toEqual(kerasPaths(model).map((p) => p.path));
  return loaded;
}

const rand = (shape: number[], seed: number) => () => nr.randomNormal(shape, 0, 1, 'float32', seed);
const ints = (shape: number[], max: number) => () =>
  nr.tensor(
    Array.from({ length: shape.reduce((x, y) => x * y, 1) }, (_, i) => (i * 7) % max),
    shape,
  );

describe('.keras round trips', () => {
  it('Sequential MLP with dropout and regularizer', async () => {
    const m = nr.sequential({
      layers: [
        nr.layers.dense({ units: 6, activation: 'relu', inputShape: [4], kernelRegularizer: 'l2' }),
        nr.layers.dropout({ rate: 0.1 }),
        nr.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    await roundTrip('mlp', m, rand([5, 4], 1));
  });

  it('conv + batch normalization + pooling', async () => {
    const m = nr.sequential({
      layers: [
        nr.layers.conv2d({ filters: 4, kernelSize: 3, inputShape: [8, 8, 2], padding: 'same' }),
        nr.layers.batchNormalization(),
        nr.layers.maxPooling2d({ poolSize: 2 }),
        nr.layers.depthwiseConv2d({ kernelSize: 3 }),
        nr.layers.separableConv2d({ filters: 3, kernelSize: 1 }),
        nr.layers.flatten(),
        nr.layers.dense({ units: 2 }),
      ],
    });
    await roundTrip('conv', m, rand([2, 8, 8, 2], 2));
  });

  it('recurrent: LSTM, GRU, Bidirectional, embedding with masking', async () => {
    const m = nr.sequential({
      layers: [
        nr.layers.embedding({ inputDim: 20, outputDim: 5, maskZero: true, inputShape: [6] }),
        nr.layers.bidirectional({ layer: nr.layers.lstm({ units: 4, returnSequences: true }) }),
        nr.layers.gru({ units: 3 }),
        nr.layers.dense({ units: 1 }),
      ],
    });
    await roundTrip('rnn', m, ints([3, 6], 20));
  });

  it('functional: two inputs, two outputs, layer normalization, attention', async () => {
    const a = nr.input({ shape: [5, 4] });
    const b = nr.input({ shape: [5, 4] });
    const att = nr.layers
      .multiHeadAttention({ numHeads: 2, keyDim: 3 })
      .apply([a, b]) as nr.SymbolicTensor;
    const n = nr.layers.layerNormalization().apply(att) as nr.SymbolicTensor;
    const pooled = nr.layers.globalAveragePooling1d().apply(n) as nr.SymbolicTensor;
    const c = nr.layers
      .concatenate()
      .apply([
        pooled,
        nr.layers.globalMaxPooling1d().apply(b) as nr.SymbolicTensor,
      ]) as nr.SymbolicTensor;
    const o1 = nr.layers.dense({ units: 2 }).apply(c) as nr.SymbolicTensor;
    const o2 = nr.layers
      .dense({ units: 1, activation: 'sigmoid' })
      .apply(pooled) as nr.SymbolicTensor;
    const m = nr.model({ inputs: [a, b], outputs: [o1, o2] });
    await roundTrip('functional', m, () => [rand([2, 5, 4], 3)(), rand([2, 5, 4], 4)()]);
  });

  it('nested: a Sequential inside a functional model, and a shared submodel called twice', async () => {
    const inner = nr.sequential({
      layers: [
        nr.layers.dense({ units: 4, activation: 'relu', inputShape: [3] }),
        nr.layers.dense({ units: 2 }),
      ],
    });
    const x1 = nr.input({ shape: [3] });
    const x2 = nr.input({ shape: [3] });
    const h1 = inner.apply(x1) as nr.SymbolicTensor;
    const h2 = inner.apply(x2) as nr.SymbolicTensor;
    const out = nr.layers
      .dense({ units: 1 })
      .apply(nr.layers.subtract().apply([h1, h2]) as nr.SymbolicTensor) as nr.SymbolicTensor;
    const m = nr.model({ inputs: [x1, x2], outputs: out });
    const loaded = await roundTrip('nested', m, () => [rand([2, 3], 5)(), rand([2, 3], 6)()]);
    expect(kerasPaths(loaded).map((p) => p.path)).toContain('layers/sequential/layers/dense_1');
  });

  it('training resumes: optimizer state (Adam) saved in optimizer/vars and restored', async () => {
    const data = nr.randomNormal([16, 4], 0, 1, 'float32', 9);
    const labels = nr.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0], [16], 'int32');
    const build = () => {
      nr.setSeed(21);
      const m = nr.sequential({
        layers: [
          nr.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }),
          nr.layers.dense({ units: 3 }),
        ],
      });
      m.compile({
        optimizer: new nr.optimizers.Adam({ learningRate: 0.01 }),
        loss: 'sparseCategoricalCrossentropy',
        metrics: ['accuracy'],
      });
      return m;
    };
    const fitArgs = { epochs: 3, batchSize: 16, shuffle: false, verbose: 0 as const };
    const straight = build();
    await straight.fit(data, labels, { ...fitArgs, epochs: 6 });
    const first = build();
    await first.fit(data, labels, fitArgs);
    const path = join(dir, 'resume.keras');
    await first.save(path);
    const resumed = await nr.loadModel(path);
    expect(resumed.isCompiled).toBe(true);
    expect(Number((await resumed.optimizer?.iterations.data())?.[0])).toBe(3);
    await resumed.fit(data, labels, fitArgs);
    const w1 = straight.getWeights().map((t) => Array.from(t.dataSync()));
    const w2 = resumed.getWeights().map((t) => Array.from(t.dataSync()));
    w2.forEach((w, i) => expectClose(w, w1[i], 1e-6, 1e-5, `weight ${i}`));
  });

  it('kerasFormat hands the bytes to a function; a .keras path is written atomically', async () => {
    const m = nr.sequential({ layers: [nr.layers.dense({ units: 2, inputShape: [3] })] });
    const got: Uint8Array[] = [];
    await m.save(nr.io.kerasFormat(async (b) => void got.push(b)));
    expect(got.length).toBe(1);
    const bytes = got[0];
    expect(nr.io.sniffFormat(bytes)).toBe('keras-zip');
    const back = await nr.loadModel(bytes);
    expect(back.layers.length).toBe(1);
    await m.save(join(dir, 'atomic.keras'));
    expect((await readdir(dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const blob = new Blob([Uint8Array.from(bytes)]);
    expect((await nr.loadModel(blob)).layers.length).toBe(1);
  });
});

/** One layer after an input of `shape`, saved to .keras and loaded back. */
const single: [string, number[], () => nr.layers.Layer][] = [
  ['conv1d', [8, 3], () => nr.layers.conv1d({ filters: 2, kernelSize: 3 })],
  [
    'conv2dTranspose',
    [4, 4, 2],
    () => nr.layers.conv2dTranspose({ filters: 3, kernelSize: 2, strides: 2 }),
  ],
  ['averagePooling2d', [4, 4, 2], () => nr.layers.averagePooling2d({ poolSize: 2 })],
  ['maxPooling1d', [6, 2], () => nr.layers.maxPooling1d({ poolSize: 2 })],
  ['upSampling2d', [3, 3, 2], () => nr.layers.upSampling2d({ size: [2, 2] })],
  ['zeroPadding2d', [3, 3, 2], () => nr.layers.zeroPadding2d({ padding: 1 })],
  ['cropping2d', [5, 5, 2], () => nr.layers.cropping2d({ cropping: 1 })],
  ['permute', [3, 4], () => nr.layers.permute({ dims: [2, 1] })],
  ['repeatVector', [4], () => nr.layers.repeatVector({ n: 3 })],
  ['reshape', [6], () => nr.layers.reshape({ targetShape: [2, 3] })],
  ['simpleRNN', [5, 3], () => nr.layers.simpleRNN({ units: 4, returnSequences: true })],
  [
    'timeDistributed',
    [5, 3],
    () => nr.layers.timeDistributed({ layer: nr.layers.dense({ units: 2 }) }),
  ],
  ['layerNormalization', [5, 3], () => nr.layers.layerNormalization()],
  ['rescaling', [4], () => nr.layers.rescaling({ scale: 0.5, offset: -1 })],
  ['activation', [4], () => nr.layers.activation({ activation: 'tanh' })],
  ['masking', [5, 3], () => nr.layers.masking({ maskValue: 0 })],
  ['gaussianNoise', [4], () => nr.layers.gaussianNoise({ stddev: 0.1 })],
  ['spatialDropout1d', [5, 3], () => nr.layers.spatialDropout1d({ rate: 0.2 })],
];

describe('.keras round trips, one layer each', () => {
  for (const [name, shape, make] of single)
    it(name, async () => {
      const x = nr.input({ shape });
      const m = nr.model({ inputs: x, outputs: make().apply(x) as nr.SymbolicTensor });
      await roundTrip(`one-${name}`, m, rand([2, ...shape], 11));
    });

  it('merge layers and dot/attention on two inputs', async () => {
    const a = nr.input({ shape: [4, 3] });
    const b = nr.input({ shape: [4, 3] });
    const outs = [
      nr.layers.add().apply([a, b]),
      nr.layers.multiply().apply([a, b]),
      nr.layers.average().apply([a, b]),
      nr.layers.maximum().apply([a, b]),
      nr.layers.minimum().apply([a, b]),
      nr.layers.attention().apply([a, b]),
    ] as nr.SymbolicTensor[];
    const m = nr.model({ inputs: [a, b], outputs: outs });
    await roundTrip('merge', m, () => [rand([2, 4, 3], 12)(), rand([2, 4, 3], 13)()]);
  });
});

describe('loadModel sources and legacy weight matching', () => {
  it('http(s) URL: bytes fetched with a cap, format sniffed', async () => {
    const { createServer } = await import('node:http');
    const m = nr.sequential({ layers: [nr.layers.dense({ units: 2, inputShape: [3] })] });
    const got: Uint8Array[] = [];
    await m.save(nr.io.kerasFormat(async (b) => void got.push(b)));
    const server = createServer((_, res) => res.end(Buffer.from(got[0])));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const back = await nr.loadModel(`http://127.0.0.1:${port}/model.bin`);
      expect(back.layers.length).toBe(1);
    } finally {
      server.close();
    }
  });

  it('legacy .h5 names: exact <layer>/<weight> first, else the k-th weight of a name takes the k-th entry', async () => {
    const { matchByName } = await import('../../src/io/keras/legacy_h5.js');
    const bn = nr.layers.batchNormalization({ name: 'bn' });
    const conv = nr.layers.conv2d({ filters: 2, kernelSize: 1, name: 'conv' });
    const x = nr.input({ shape: [2, 2, 1] });
    bn.apply(conv.apply(x) as nr.SymbolicTensor);
    const weights = [...conv.weightRecords(), ...bn.weightRecords()];
    // Keras 2 lists a nested model's moving statistics after all trainable weights.
    const file = [
      'conv/kernel:0',
      'conv/bias:0',
      'bn/gamma:0',
      'bn/beta:0',
      'bn/moving_mean:0',
      'bn/moving_variance:0',
    ];
    expect(matchByName(weights, [...file].reverse())).toEqual(file);
    const renamed = [
      'model/conv_9/kernel:0',
      'model/conv_9/bias:0',
      'x/bn_2/gamma:0',
      'x/bn_2/beta:0',
      'x/bn_2/moving_mean:0',
      'x/bn_2/moving_variance:0',
    ];
    expect(matchByName(weights, renamed)).toEqual(renamed);
  });
});

describe('legacy .h5 written here with h5wasm', () => {
  it('model_config + model_weights, weight_names split in chunks, BN statistics listed last', async () => {
    const h5wasm = await import('h5wasm');
    const { FS } = await h5wasm.ready;
    const config = {
      class_name: 'Sequential',
      config: {
        name: 'sequential',
        layers: [
          {
            class_name: 'Dense',
            config: { name: 'dense', units: 2, batch_input_shape: [null, 3] },
          },
          { class_name: 'BatchNormalization', config: { name: 'bn', axis: [1] } },
        ],
      },
    };
    const f = new h5wasm.File('/legacy-chunks.h5', 'w');
    f.create_attribute('model_config', JSON.stringify(config));
    f.create_attribute('keras_version', '2.4.0');
    const mw = f.create_group('model_weights');
    mw.create_attribute('layer_names', ['dense', 'bn']);
    const values: Record<string, [number[], number[]]> = {
      'dense/kernel:0': [
        [3, 2],
        [1, 2, 3, 4, 5, 6],
      ],
      'dense/bias:0': [[2], [0.5, -0.5]],
      'bn/gamma:0': [[2], [2, 3]],
      'bn/beta:0': [[2], [0.1, 0.2]],
      'bn/moving_mean:0': [[2], [1, -1]],
      'bn/moving_variance:0': [[2], [4, 9]],
    };
    for (const layer of ['dense', 'bn']) {
      const g = mw.create_group(layer);
      const names = Object.keys(values).filter((n) => n.startsWith(`${layer}/`));
      // Keras splits a long attribute as weight_names0, weight_names1, ...; the moving statistics come last.
      const order = layer === 'bn' ? [names[2], names[3], names[0], names[1]] : names;
      g.create_attribute('weight_names0', order.slice(0, 1));
      g.create_attribute('weight_names1', order.slice(1));
      g.create_group(layer);
      for (const n of names) {
        const sub = g.get(layer);
        if (!(sub instanceof h5wasm.Group)) throw new Error('test setup');
        sub.create_dataset({
          name: n.split('/')[1],
          data: Float32Array.from(values[n][1]),
          shape: values[n][0],
          dtype: '<f',
        });
      }
    }
    f.close();
    const bytes = FS?.readFile('/legacy-chunks.h5') ?? new Uint8Array();
    FS?.unlink('/legacy-chunks.h5');
    const model = await nr.loadModel(bytes);
    const w = model.getWeights();
    const got = await Promise.all(w.map(async (t) => Array.from(await t.data())));
    nr.dispose(w);
    // Keras order: kernel, bias, gamma, beta, moving_mean, moving_variance.
    expect(got).toEqual([
      [1, 2, 3, 4, 5, 6],
      [0.5, -0.5],
      [2, 3],
      expect.anything(),
      [1, -1],
      [4, 9],
    ]);
    expectClose(got[3], [0.1, 0.2], 1e-7, 1e-6, 'beta');
  });
});
