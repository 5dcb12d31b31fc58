// Format fidelity without Keras: the HDF5 layout of our .keras files, listed by h5py (scripts/keras_h5_layout.py),
// against the paths Keras' saving code writes (rules and expected layouts in test/fixtures/keras_paths.json).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixture = JSON.parse(
  readFileSync(join(repoRoot, 'test', 'fixtures', 'keras_paths.json'), 'utf8'),
) as {
  models: Record<string, { datasets: Record<string, [string, number[]]> }>;
};
const python = '/usr/bin/python3';
const hasH5py = (() => {
  try {
    execFileSync(python, ['-c', 'import h5py'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!hasH5py)
  console.log(
    'keras_format: /usr/bin/python3 with h5py not found; the HDF5 layout checks are skipped',
  );

const dir = mkdtempSync(join(tmpdir(), 'neurite-format-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const models: Record<string, () => Promise<nr.Model>> = {
  mlp_adam: async () => {
    const m = nr.sequential({
      layers: [nr.layers.dense({ units: 4, inputShape: [3] }), nr.layers.dense({ units: 2 })],
    });
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    await m.fit(nr.ones([4, 3]), nr.zeros([4, 2]), { epochs: 1, verbose: 0 });
    return m;
  },
  embedding_lstm: async () =>
    nr.sequential({
      layers: [
        nr.layers.embedding({ inputDim: 10, outputDim: 4, inputShape: [5] }),
        nr.layers.lstm({ units: 3 }),
        nr.layers.dense({ units: 1 }),
      ],
    }),
  functional_conv_bn_nested_sequential: async () => {
    const x = nr.input({ shape: [6, 6, 1] });
    let h = nr.layers.conv2d({ filters: 2, kernelSize: 3 }).apply(x) as nr.SymbolicTensor;
    h = nr.layers.batchNormalization().apply(h) as nr.SymbolicTensor;
    h = nr.layers.flatten().apply(h) as nr.SymbolicTensor;
    const head = nr.sequential({
      layers: [nr.layers.dense({ units: 3, inputShape: [32] }), nr.layers.dense({ units: 1 })],
    });
    return nr.model({ inputs: x, outputs: head.apply(h) as nr.SymbolicTensor });
  },
  mha: async () => {
    const x = nr.input({ shape: [5, 4] });
    return nr.model({
      inputs: x,
      outputs: nr.layers
        .multiHeadAttention({ numHeads: 2, keyDim: 3 })
        .apply([x, x]) as nr.SymbolicTensor,
    });
  },
  bidirectional_gru: async () =>
    nr.sequential({
      layers: [
        nr.layers.bidirectional({ layer: nr.layers.gru({ units: 2 }), inputShape: [4, 3] }),
        nr.layers.dense({ units: 1 }),
      ],
    }),
};

const shared = [resolve(repoRoot, '..', 'shared'), '/work/shared'].find((p) => existsSync(p));
const real = shared ? join(shared, 'real-models', 'keras') : '';
const realFiles = [
  'btc-gru-k3.14/btc_gru_v2.keras',
  'btc-lstm-k3.14/btc_lstm_v1.keras',
  'mnist-cnn-batchnorm-k3.10/mnist_cnn.keras',
  'autompg-normalization-k3.10/dnn_model.keras',
  'email-spam-gru-masked-k3.13/gru_model.keras',
  'sms-spam-embedding-gap-k3.13/spam_model.keras',
  'movie-ncf-two-inputs-k3.13/ncf_model.keras',
  'nifty-bilstm-k3.0.5/bilstm_model.keras',
];

/** Config keys per Keras layer class, from every layer entry (module keras.layers) found in a config. */
function keysByClass(
  config: unknown,
  into = new Map<string, Set<string>>(),
): Map<string, Set<string>> {
  if (Array.isArray(config)) for (const v of config) keysByClass(v, into);
  else if (config !== null && typeof config === 'object') {
    const o = config as Record<string, unknown>;
    const inner = o.config;
    if (
      typeof o.class_name === 'string' &&
      o.module === 'keras.layers' &&
      inner &&
      typeof inner === 'object' &&
      !Array.isArray(inner)
    ) {
      const set = into.get(o.class_name) ?? new Set<string>();
      for (const k of Object.keys(inner)) set.add(k);
      into.set(o.class_name, set);
    }
    for (const v of Object.values(o)) keysByClass(v, into);
  }
  return into;
}

describe('.keras format fidelity', () => {
  it.skipIf(!existsSync(real))(
    'config keys we write are keys Keras 3 writes (classes of the real files)',
    async () => {
      const keras = new Map<string, Set<string>>();
      const ours = new Map<string, Set<string>>();
      for (const f of realFiles) {
        const bytes = readFileSync(join(real, f));
        keysByClass(JSON.parse(new TextDecoder().decode(unzipSync(bytes)['config.json'])), keras);
        const model = await nr.loadModel(bytes);
        const got: Uint8Array[] = [];
        await model.save(nr.io.kerasFormat(async (b) => void got.push(b)));
        keysByClass(JSON.parse(new TextDecoder().decode(unzipSync(got[0])['config.json'])), ours);
        model.dispose();
      }
      expect(ours.size).toBeGreaterThanOrEqual(10);
      for (const [cls, keys] of ours) {
        const theirs = keras.get(cls);
        expect(theirs, cls).toBeDefined();
        expect(
          [...keys].filter((k) => !theirs?.has(k)),
          cls,
        ).toEqual([]);
      }
    },
    120_000,
  );

  for (const [name, make] of Object.entries(models)) {
    it.skipIf(!hasH5py)(`${name}: datasets, dtypes and shapes as Keras writes them`, async () => {
      const model = await make();
      const path = join(dir, `${name}.keras`);
      await model.save(path);
      const listed = JSON.parse(
        execFileSync(python, [join(repoRoot, 'scripts', 'keras_h5_layout.py'), path], {
          encoding: 'utf8',
        }),
      ) as {
        datasets: Record<string, { dtype: string; shape: number[] }>;
        groups: Record<string, Record<string, string>>;
        members: string[];
      };
      const ours = Object.fromEntries(
        Object.entries(listed.datasets).map(([p, d]) => [p, [d.dtype, d.shape]]),
      );
      expect(ours).toEqual(fixture.models[name].datasets);
      expect(listed.members).toEqual(['config.json', 'metadata.json', 'model.weights.h5']);
      // Every vars group carries its object's name, as H5IOStore writes it.
      expect(listed.groups.vars?.name).toBe(model.name);
    });
  }

  it('config.json: Keras 3 serialization (module, class_name, registered_name, DTypePolicy, keras tensors)', async () => {
    const model = await models.functional_conv_bn_nested_sequential();
    const got: Uint8Array[] = [];
    await model.save(nr.io.kerasFormat(async (b) => void got.push(b)));
    const files = unzipSync(got[0]);
    const config = JSON.parse(new TextDecoder().decode(files['config.json']));
    expect(config.class_name).toBe('Functional');
    expect(config.module).toBe('keras.src.models.functional');
    expect(config.build_config).toEqual({ input_shape: [null, 6, 6, 1] });
    const conv = config.config.layers.find(
      (l: { class_name: string }) => l.class_name === 'Conv2D',
    );
    expect(conv.module).toBe('keras.layers');
    expect(conv.config.dtype).toEqual({
      module: 'keras',
      class_name: 'DTypePolicy',
      config: { name: 'float32' },
      registered_name: null,
    });
    expect(conv.config.kernel_initializer.module).toBe('keras.initializers');
    expect(conv.inbound_nodes[0].args[0]).toEqual({
      class_name: '__keras_tensor__',
      config: { keras_history: [config.config.layers[0].name, 0, 0] },
    });
    const seq = config.config.layers.find(
      (l: { class_name: string }) => l.class_name === 'Sequential',
    );
    expect(seq.config.layers[0].class_name).toBe('InputLayer');
    expect(seq.config.layers[0].config.batch_shape).toEqual([null, 32]);
    const meta = JSON.parse(new TextDecoder().decode(files['metadata.json']));
    expect(meta.keras_version).toMatch(/^3\./);
  });
});
