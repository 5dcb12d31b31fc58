// Child-process script: model-loader bombs and malformed topologies/artifacts, each timed, with peak memory and tensor counts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nr from '../../../src/node.js';
import { measureCases } from '../helpers/child.js';

await nr.setBackend('cpu');
const dir = mkdtempSync(join(tmpdir(), 'neurite-loader-'));

async function artifactsOf(model: nr.Model): Promise<nr.io.ModelArtifacts> {
  let out: nr.io.ModelArtifacts | null = null;
  await model.save(nr.io.withSaveHandler(async (a) => void (out = a)));
  if (!out) throw new Error('no artifacts');
  return out;
}
type Json = Record<string, unknown>;
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

// A functional model: input -> dense 'a' -> dense 'b'.
const x = nr.input({ shape: [3], name: 'in' });
const fa = nr.layers.dense({ units: 4, name: 'a' }).apply(x) as nr.SymbolicTensor;
const fb = nr.layers.dense({ units: 2, name: 'b' }).apply(fa) as nr.SymbolicTensor;
const functional = await artifactsOf(nr.model({ inputs: x, outputs: fb }));
const seq = await artifactsOf(
  nr.sequential({
    layers: [
      nr.layers.dense({ units: 16, inputShape: [8], name: 's1' }),
      nr.layers.dense({ units: 16, name: 's2' }),
    ],
  }),
);

/** The functional topology with layer `i` changed by `edit`. */
function editLayer(i: number, edit: (layer: Json) => void): nr.io.ModelArtifacts {
  const a = clone(functional.modelTopology) as Json;
  const layers = (a.config as Json).layers as Json[];
  edit(layers[i]);
  return { ...functional, modelTopology: a as nr.io.JsonObject };
}

const load = (a: unknown) => nr.loadLayersModel(nr.io.fromMemory(a as nr.io.ModelArtifacts));

/** Runs a failing load `n` times; reports tensors and bytes held before and after. */
async function leakCheck(a: nr.io.ModelArtifacts, n = 5) {
  const before = nr.memory();
  const classes = new Set<string>();
  for (let i = 0; i < n; i++) {
    const e = await thrown(() => load(a));
    classes.add(e instanceof Error ? e.constructor.name : String(e));
  }
  const after = nr.memory();
  return {
    errorClass: [...classes].join(','),
    leakedTensors: after.numTensors - before.numTensors,
    leakedBytes: after.numBytes - before.numBytes,
  };
}

async function thrown(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  return null;
}

const bomb = {
  class_name: 'Sequential',
  config: {
    name: 'bomb',
    layers: [
      { class_name: 'Dense', config: { units: 8192, batch_input_shape: [null, 8192], name: 'd' } },
    ],
  },
};
const bombJson = JSON.stringify({ modelTopology: bomb, weightsManifest: [] });
writeFileSync(join(dir, 'model.json'), bombJson);

const specs = seq.weightSpecs;
const cases: [string, () => Promise<unknown>][] = [
  [
    `Dense 8192x8192 from a ${bombJson.length}-byte model.json with an empty manifest`,
    () => nr.loadLayersModel(dir),
  ],
  [
    'Dense 8192x8192 through io.fromMemory, no weights',
    () => load({ modelTopology: bomb, weightSpecs: [], weightData: new ArrayBuffer(0) }),
  ],
  [
    'failed loads (second layer missing) free what they built',
    () =>
      leakCheck({
        ...seq,
        weightSpecs: specs.slice(0, 2),
        weightData: seq.weightData.slice(0, (8 * 16 + 16) * 4),
      }),
  ],
  [
    'failed loads (second layer of another shape) free what they built',
    () =>
      leakCheck({
        ...seq,
        weightSpecs: specs.map((s, i) => (i === 2 ? { ...s, shape: [16, 4] } : s)),
        weightData: seq.weightData.slice(0, seq.weightData.byteLength - 16 * 12 * 4),
      }),
  ],
  [
    "failed loads (second layer's config invalid, after the first built) free what they built",
    () => {
      const t = clone(seq.modelTopology) as Json;
      const layers = (((t.model_config ?? t) as Json).config as Json).layers as Json[];
      (layers[1].config as Json).units = -5;
      return leakCheck({ ...seq, modelTopology: t as nr.io.JsonObject });
    },
  ],
  [
    'failed loads (bad training config) free the built model',
    () =>
      leakCheck({
        ...seq,
        trainingConfig: {
          optimizer_config: { class_name: 'NoSuchOpt', config: {} },
        } as nr.io.JsonObject,
      }),
  ],
  [
    'int32 manifest over float32 bytes is refused, not reinterpreted',
    () => load({ ...seq, weightSpecs: specs.map((s) => ({ ...s, dtype: 'int32' as const })) }),
  ],
  [
    'two functional layers with the same name',
    () =>
      load(
        editLayer(2, (l) => {
          l.name = 'a';
          (l.config as Json).name = 'a';
        }),
      ),
  ],
  ['inbound_nodes as a string', () => load(editLayer(1, (l) => (l.inbound_nodes = 'in')))],
  ['inbound_nodes as a number', () => load(editLayer(1, (l) => (l.inbound_nodes = 7)))],
  [
    "inbound_nodes in Keras 3's {args, kwargs} form",
    () =>
      load(
        editLayer(
          1,
          (l) => (l.inbound_nodes = [{ args: [{ class_name: '__keras_tensor__' }], kwargs: {} }]),
        ),
      ),
  ],
  [
    'inbound_nodes with a malformed reference',
    () => load(editLayer(1, (l) => (l.inbound_nodes = [[['in']]]))),
  ],
  [
    'output_layers holding null',
    () => {
      const a = clone(functional.modelTopology) as Json;
      (a.config as Json).output_layers = [null];
      return load({ ...functional, modelTopology: a as nr.io.JsonObject });
    },
  ],
  ['fromMemory(null)', () => load(null)],
  ['fromMemory({})', () => load({})],
  ["fromMemory: modelTopology 'x'", () => load({ modelTopology: 'x' })],
  ['fromMemory: weightSpecs an object', () => load({ ...seq, weightSpecs: {} })],
  ["fromMemory: weightData 'abc'", () => load({ ...seq, weightData: 'abc' })],
  ['fromMemory: weightSpecs [null]', () => load({ ...seq, weightSpecs: [null] })],
  ['fromMemory: trainingConfig 5', () => load({ ...seq, trainingConfig: 5 })],
  [
    'control: the same artifacts load, and loading twice leaves no tensor behind',
    async () => {
      const before = nr.memory().numTensors;
      for (let i = 0; i < 2; i++) (await load(seq)).dispose();
      return { leakedTensors: nr.memory().numTensors - before };
    },
  ],
  [
    'Sequential.add of 10,000 layers is linear',
    async () => {
      const time = (n: number) => {
        const t0 = performance.now();
        const m = nr.sequential({ layers: [nr.layers.dense({ units: 2, inputShape: [2] })] });
        for (let i = 0; i < n; i++) m.add(nr.layers.dense({ units: 2 }));
        const ms = performance.now() - t0;
        m.dispose();
        return ms;
      };
      time(200);
      return { ms2000: Math.round(time(2000)), ms10000: Math.round(time(10_000)) };
    },
  ],
];

await measureCases(cases);
rmSync(dir, { recursive: true, force: true });
process.exit(0);
