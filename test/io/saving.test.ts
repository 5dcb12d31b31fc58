// Save and load: round trips, TensorFlow.js reading our files and we reading theirs, optimizer resume, hostile files.
import { createRequire } from 'node:module';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { expectClose } from '../helpers/check_op.js';

type Tfjs = typeof import('@tensorflow/tfjs');
const require = createRequire(import.meta.url);
let tf: Tfjs;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'neurite-save-'));
  tf = require('@tensorflow/tfjs') as Tfjs;
  await tf.setBackend('cpu');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function mlp(): nr.Sequential {
  return nr.sequential({
    layers: [
      nr.layers.dense({ units: 6, activation: 'relu', inputShape: [4], kernelRegularizer: 'l2' }),
      nr.layers.dropout({ rate: 0.1 }),
      nr.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
}

const x = () =>
  nr.tensor([
    [0.1, -0.2, 0.3, 0.4],
    [1, 2, -1, 0.5],
  ]);

describe('save and load', () => {
  it('round-trips a Sequential model through file://', async () => {
    const m = mlp();
    const before = (m.predict(x()) as nr.Tensor).dataSync();
    const result = await m.save(`file://${join(dir, 'mlp')}`);
    expect(result.written.some((f) => f.endsWith('model.json'))).toBe(true);
    const loaded = await nr.loadLayersModel(`file://${join(dir, 'mlp')}`);
    expectClose(
      Array.from((loaded.predict(x()) as nr.Tensor).dataSync()),
      Array.from(before),
      1e-6,
      1e-6,
    );
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(['Dense', 'Dropout', 'Dense']);
    m.dispose();
    loaded.dispose();
  });

  it('round-trips a functional model with two inputs and a shared layer', async () => {
    const a = nr.input({ shape: [3] });
    const b = nr.input({ shape: [3] });
    const shared = nr.layers.dense({ units: 2, activation: 'tanh' });
    const out = nr.layers.dense({ units: 1 }).apply(shared.apply(a));
    const out2 = nr.layers.dense({ units: 1 }).apply(shared.apply(b));
    const m = nr.model({ inputs: [a, b], outputs: [out, out2] });
    const xs = [
      nr.ones([2, 3]),
      nr.tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]),
    ];
    const before = (m.predict(xs) as nr.Tensor[]).map((t) => Array.from(t.dataSync()));
    await m.save(join(dir, 'functional'));
    const loaded = await nr.loadLayersModel(join(dir, 'functional'));
    const after = (loaded.predict(xs) as nr.Tensor[]).map((t) => Array.from(t.dataSync()));
    after.forEach((v, i) => expectClose(v, before[i], 1e-6, 1e-6));
    expect(loaded.countParams()).toBe(m.countParams());
  });

  it('TensorFlow.js 4.22 loads our files and predicts the same', async () => {
    const m = mlp();
    await m.save(`file://${join(dir, 'for-tfjs')}`);
    const json = JSON.parse(await readFile(join(dir, 'for-tfjs', 'model.json'), 'utf8'));
    const shard = await readFile(join(dir, 'for-tfjs', json.weightsManifest[0].paths[0]));
    const tm = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: new Uint8Array(shard).buffer,
      }),
    );
    const theirs = (
      tm.predict(tf.tensor(x().arraySync() as number[][])) as import('@tensorflow/tfjs').Tensor
    ).dataSync();
    const ours = (m.predict(x()) as nr.Tensor).dataSync();
    expectClose(Array.from(theirs), Array.from(ours), 1e-6, 1e-5);
    m.dispose();
  });

  it('we load models saved by TensorFlow.js and predict the same', async () => {
    const tm = tf.sequential({
      layers: [
        tf.layers.dense({ units: 5, activation: 'tanh', inputShape: [4] }),
        tf.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    let saved: import('@tensorflow/tfjs').io.ModelArtifacts | null = null;
    await tm.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const a = saved as unknown as {
      modelTopology: object;
      weightSpecs: nr.io.WeightSpec[];
      weightData: ArrayBuffer;
    };
    const folder = join(dir, 'from-tfjs');
    await rm(folder, { recursive: true, force: true });
    await (await import('node:fs/promises')).mkdir(folder);
    await writeFile(join(folder, 'weights.bin'), new Uint8Array(a.weightData));
    await writeFile(
      join(folder, 'model.json'),
      JSON.stringify({
        modelTopology: a.modelTopology,
        format: 'layers-model',
        weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
      }),
    );
    const ours = await nr.loadLayersModel(`file://${folder}`);
    const theirs = (
      tm.predict(tf.tensor(x().arraySync() as number[][])) as import('@tensorflow/tfjs').Tensor
    ).dataSync();
    expectClose(
      Array.from((ours.predict(x()) as nr.Tensor).dataSync()),
      Array.from(theirs),
      1e-6,
      1e-5,
    );
  });

  it('optimizer state resumes: training continued after reload equals uninterrupted training', async () => {
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
        loss: new nr.losses.SparseCategoricalCrossentropy({ fromLogits: true }),
      });
      return m;
    };
    const fitArgs = { epochs: 3, batchSize: 16, shuffle: false, verbose: 0 as const };
    const straight = build();
    await straight.fit(data, labels, { ...fitArgs, epochs: 6 });
    const first = build();
    await first.fit(data, labels, fitArgs);
    await first.save(join(dir, 'resume'), { includeOptimizer: true });
    const resumed = await nr.loadLayersModel(join(dir, 'resume'));
    expect(resumed.isCompiled).toBe(true);
    await resumed.fit(data, labels, fitArgs);
    const w1 = straight.getWeights().map((t) => Array.from(t.dataSync()));
    const w2 = resumed.getWeights().map((t) => Array.from(t.dataSync()));
    w2.forEach((w, i) => expectClose(w, w1[i], 1e-6, 1e-5, `weight ${i}`));
  });

  it('a failed write leaves the previous model intact (atomic writes)', async () => {
    const folder = join(dir, 'atomic');
    const m = mlp();
    await m.save(folder);
    const before = await readFile(join(folder, 'model.json'), 'utf8');
    const failing: nr.io.IOHandler = {
      save: async (artifacts) => {
        const { fileHandler } = await import('../../src/io/handlers/file.js');
        // Corrupt the artifacts so JSON.stringify throws half way: the old file must survive.
        const bad = {
          ...artifacts,
          modelTopology: { ...artifacts.modelTopology, loop: BigInt(1) as unknown as number },
        };
        return fileHandler(folder).save!(bad);
      },
    };
    await expect(m.save(failing)).rejects.toThrow();
    expect(await readFile(join(folder, 'model.json'), 'utf8')).toBe(before);
    expect((await readdir(folder)).some((f) => f.includes('.tmp-'))).toBe(false);
  });

  it('memory, localstorage and indexeddb-style handlers round-trip', async () => {
    const store = new Map<string, string>();
    const storage = {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
      removeItem: (k: string) => void store.delete(k),
    };
    const m = mlp();
    await m.save(nr.io.localStorageHandler('m1', storage));
    const loaded = await nr.loadLayersModel(nr.io.localStorageHandler('m1', storage));
    expectClose(
      Array.from((loaded.predict(x()) as nr.Tensor).dataSync()),
      Array.from((m.predict(x()) as nr.Tensor).dataSync()),
      1e-6,
      1e-6,
    );
    await expect(nr.loadLayersModel(nr.io.localStorageHandler('missing', storage))).rejects.toThrow(
      /no model saved under this name/,
    );
  });
});

describe('hostile or broken files are refused with a typed error', () => {
  let good: { json: Record<string, unknown>; shard: Buffer };
  beforeAll(async () => {
    const m = mlp();
    await m.save(join(dir, 'good'));
    const json = JSON.parse(await readFile(join(dir, 'good', 'model.json'), 'utf8'));
    // Shard names are content-named (group1-shard1of1-<hash>.bin): read the one model.json lists.
    const [path] = (json.weightsManifest as { paths: string[] }[])[0].paths;
    good = { json, shard: await readFile(join(dir, 'good', path)) };
  });

  async function writeCase(name: string, json: unknown, shard: Uint8Array | null): Promise<string> {
    const folder = join(dir, name);
    await (await import('node:fs/promises')).mkdir(folder, { recursive: true });
    await writeFile(
      join(folder, 'model.json'),
      typeof json === 'string' ? json : JSON.stringify(json),
    );
    const listed =
      typeof json === 'object' && json !== null && 'weightsManifest' in json
        ? (json.weightsManifest as { paths: string[] }[])[0].paths[0]
        : 'group1-shard1of1.bin';
    if (shard) await writeFile(join(folder, listed.includes('..') ? 'x.bin' : listed), shard);
    return folder;
  }
  const manifest = (weights: unknown, paths = ['group1-shard1of1.bin']) => [{ paths, weights }];
  const specs = () => (good.json.weightsManifest as { weights: nr.io.WeightSpec[] }[])[0].weights;

  it.each([
    ['truncated model.json', () => JSON.stringify(good.json).slice(0, 50), true, /not valid JSON/],
    [
      'truncated weight shard',
      () => good.json,
      'short',
      /declares \d+ bytes but its shards .* hold \d+/,
    ],
    [
      'manifest disagreeing with shard sizes',
      () => ({ ...good.json, weightsManifest: manifest(specs().slice(1)) }),
      true,
      /declares \d+ bytes but its shards|more than the (limit of )?\d+/,
    ],
    [
      'unknown layer class',
      () => ({
        ...good.json,
        modelTopology: {
          class_name: 'Sequential',
          config: { layers: [{ class_name: 'Dense9000', config: {} }] },
        },
      }),
      true,
      /unknown layer class 'Dense9000'/,
    ],
    [
      'unknown dtype',
      () => ({
        ...good.json,
        weightsManifest: manifest([{ ...specs()[0], dtype: 'complex128' }, ...specs().slice(1)]),
      }),
      true,
      /dtype 'complex128', which neurite does not know/,
    ],
    [
      'absurd shape',
      () => ({
        ...good.json,
        weightsManifest: manifest([{ ...specs()[0], shape: [2 ** 30, 2 ** 30] }]),
      }),
      true,
      /absurd size|invalid shape/,
    ],
    [
      'path escaping the folder',
      () => ({ ...good.json, weightsManifest: manifest(specs(), ['../../etc/passwd']) }),
      true,
      /unsafe shard path/,
    ],
    [
      'missing weights',
      () => ({ ...good.json, weightsManifest: manifest(specs().slice(0, 1)) }),
      'first',
      /weight '.*' of the model is missing/,
    ],
  ] as const)('%s', async (name, makeJson, shardKind, pattern) => {
    const shard =
      shardKind === 'short'
        ? good.shard.subarray(0, 10)
        : shardKind === 'first'
          ? good.shard.subarray(0, specs()[0].shape.reduce((a, b) => a * b, 1) * 4)
          : good.shard;
    const folder = await writeCase(name.replace(/\W+/g, '-'), makeJson(), shard);
    const err = await nr.loadLayersModel(folder).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(nr.IOError);
    expect(String((err as Error).message)).toMatch(pattern);
    expect((err as Error).message).toContain(folder);
  });
});
