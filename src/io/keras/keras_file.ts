// The .keras format (Keras 3 saving_lib): a zip of config.json, metadata.json and model.weights.h5, read
// and written from bytes; weights sit at object-tree paths (paths.ts), not under layer names.
import { IOError, show } from '../../core/errors.js';
import { tensor } from '../../ops/creation.js';
import type { Layer, LayerWeight } from '../../layers/layer.js';
import { Model } from '../../models/model.js';
import { modelFromTopology, modelTopology } from '../../models/saving.js';
import type { JsonObject, JsonValue } from '../artifacts.js';
import { isObj, readModelConfig, writeLayerEntry } from './config.js';
import { H5Reader, type H5WriteDataset, writeH5 } from './hdf5.js';
import { kerasPaths } from './paths.js';
import { DEFAULT_ZIP_LIMITS, readZip, writeZip, type ZipLimits } from './zip.js';
import { compileConfigOf, restoreCompile } from './compile.js';
import { isLegacyKeras, useLegacyActivations } from '../legacy_semantics.js';

/** Options of the Keras readers. */
export interface KerasLoadOptions {
  /** Refuse Lambda layers and serialized Python code (Keras' safe_mode; default true). */
  safeMode?: boolean;
  /** Compile the model from the file's compile_config and restore the optimizer's state (default true). */
  compile?: boolean;
  /** Zip limits (member size, total size, expansion ratio). */
  zipLimits?: Partial<ZipLimits>;
}

/** The Keras version whose file layout neurite writes (metadata.json's keras_version). @example KERAS_FORMAT_VERSION // '3.10.0' */
export const KERAS_FORMAT_VERSION = '3.10.0';
/** config.json and metadata.json are refused above this size (they hold no weights). */
const MAX_CONFIG_BYTES = 64 * 1024 * 1024;

function parseJson(bytes: Uint8Array | undefined, name: string, where: string): unknown {
  if (!bytes) throw new IOError(`${where}: the archive has no ${name}`);
  if (bytes.byteLength > MAX_CONFIG_BYTES)
    throw new IOError(
      `${where}: ${name} is ${bytes.byteLength} bytes, more than ${MAX_CONFIG_BYTES}`,
    );
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new IOError(
      `${where}: ${name} is not valid JSON (${e instanceof Error ? e.message : show(e)})`,
    );
  }
}

/**
 * Each functional model's layers in the order its config lists them: Keras numbers the weight paths of a
 * container in that order, which may differ from the order neurite calls the layers in.
 * @example kerasPaths(model, configOrder(model, topology))
 */
export function configOrder(
  model: Layer,
  topology: JsonObject,
  out = new Map<Layer, Layer[]>(),
): Map<Layer, Layer[]> {
  if (!(model instanceof Model)) return out;
  const config = isObj(topology.config) ? topology.config : {};
  const entries: Record<string, unknown>[] = Array.isArray(config.layers)
    ? config.layers.filter((x): x is JsonObject => isObj(x))
    : [];
  const byName = new Map(model.layers.map((l) => [l.name, l]));
  const ordered: Layer[] = [];
  for (const e of entries) {
    const name =
      typeof e.name === 'string'
        ? e.name
        : isObj(e.config) && typeof e.config.name === 'string'
          ? e.config.name
          : '';
    const layer = byName.get(name);
    if (layer && !ordered.includes(layer)) {
      ordered.push(layer);
      configOrder(layer, e as JsonObject, out);
    }
  }
  // Sequential's layers exclude its InputLayer in Keras as here; keep neurite's list when names do not line up.
  const own = model.layers;
  if (ordered.length === own.length) out.set(model, ordered);
  else if (model.constructor.name === 'Sequential') {
    own.forEach((l, i) => {
      const e = entries.filter((x) => x.class_name !== 'InputLayer')[i];
      if (e) configOrder(l, e as JsonObject, out);
    });
  }
  return out;
}

/**
 * Reads a dataset into a weight after checking its shape against the weight's (nothing is read otherwise).
 * @example assignDataset(weight, h5, 'layers/dense/vars/0');
 */
export function assignDataset(w: LayerWeight, h5: H5Reader, path: string): void {
  const { shape, values } = h5.read(path, w.variable.shape);
  const t = tensor(values, shape, values instanceof Int32Array ? 'int32' : 'float32');
  const cast = t.dtype === w.variable.dtype ? t : t.cast(w.variable.dtype);
  try {
    w.variable.assign(cast);
  } finally {
    if (cast !== t) cast.dispose();
    t.dispose();
  }
}

/**
 * Assigns the weights of `model.weights.h5` to a model built from the same config: every variable of every
 * saveable is looked up at `<path>/vars/<i>`, its shape checked against the model before it is read.
 * @example assignKerasWeights(model, h5, configOrder(model, topology), 'model.keras');
 */
export function assignKerasWeights(
  model: Model,
  h5: H5Reader,
  order: Map<Layer, Layer[]>,
  where: string,
): void {
  for (const { path, layer, vars } of kerasPaths(model, order)) {
    let group = path ? `${path}/vars` : 'vars';
    // Keras 2.13-2.15 wrote `_layer_checkpoint_dependencies` where later versions write `layers`.
    if (
      !h5.children(group) &&
      h5.children(group.replace(/(^|\/)layers\//g, '$1_layer_checkpoint_dependencies/'))
    )
      group = group.replace(/(^|\/)layers\//g, '$1_layer_checkpoint_dependencies/');
    const present = h5.children(group);
    const count = present ? [...present.values()].filter((k) => k === 'dataset').length : 0;
    if (count !== vars.length)
      throw new IOError(
        `${where}: layer '${layer.name}' (${layer.getClassName()}) has ${vars.length} weights but the file has ${count} at '${group}'`,
      );
    vars.forEach((w, i) => assignDataset(w, h5, `${group}/${i}`));
  }
}

/**
 * A model from the bytes of a .keras file (Keras 3, or tf.keras 2.13+ zips).
 * @example const model = await loadKerasBytes(bytes, 'model.keras');
 */
export async function loadKerasBytes(
  bytes: Uint8Array,
  where: string,
  options: KerasLoadOptions = {},
): Promise<Model> {
  const members = readZip(bytes, where, { ...DEFAULT_ZIP_LIMITS, ...options.zipLimits });
  const config = parseJson(members.get('config.json'), 'config.json', where);
  const metadata = members.has('metadata.json')
    ? parseJson(members.get('metadata.json'), 'metadata.json', where)
    : null;
  const topology = readModelConfig(config, where, { safeMode: options.safeMode ?? true });
  // tf.keras 2.13+ also wrote .keras zips; they mean Keras 2's hard sigmoid by 'hard_sigmoid'.
  if (isObj(metadata) && isLegacyKeras(metadata.keras_version)) useLegacyActivations(topology);
  const model = buildModel(topology, where);
  try {
    const weights = members.get('model.weights.h5');
    if (!weights) {
      if (model.weights.length)
        throw new IOError(
          `${where}: the archive has no model.weights.h5${members.has('model.weights.npz') ? ' (npz weights are not read)' : ''}`,
        );
      return model;
    }
    const h5 = await H5Reader.open(weights, `${where}: model.weights.h5`);
    try {
      assignKerasWeights(model, h5, configOrder(model, topology), `${where}: model.weights.h5`);
      if ((options.compile ?? true) && isObj(config) && isObj(config.compile_config))
        restoreCompile(model, config.compile_config as JsonObject, h5, where);
    } finally {
      h5.close();
    }
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

/**
 * Builds the model of a checked topology; an allocation the engine cannot make (a config that sizes
 * layers too large for memory) becomes an IOError instead of a crash.
 * @example const model = buildModel(readModelConfig(config, 'm.keras', { safeMode: true }), 'm.keras');
 */
export function buildModel(topology: JsonObject, where: string): Model {
  try {
    return modelFromTopology(topology, where);
  } catch (e) {
    if (e instanceof RangeError)
      throw new IOError(
        `${where}: the model's weights do not fit in memory (${e.message}); refused`,
      );
    throw e;
  }
}

/** A layer's `build_config` as Keras writes it (the input shape it was built for). */
function buildConfigOf(model: Model): JsonObject {
  const shapes = model.inputs.map((t) => t.shape as JsonValue);
  return { input_shape: shapes.length === 1 ? shapes[0] : shapes };
}

/**
 * The bytes of a .keras file for a model: config.json as Keras 3 writes it, metadata.json, and
 * model.weights.h5 with Keras' object-tree paths (optimizer state under optimizer/vars when compiled).
 * @example const bytes = await saveKerasBytes(model);
 */
export async function saveKerasBytes(
  model: Model,
  options: { includeOptimizer?: boolean } = {},
): Promise<Uint8Array> {
  const topo = modelTopology(model);
  const entry = writeLayerEntry({ class_name: topo.class_name, config: topo.config });
  delete entry.name;
  if (model.inputs.length) entry.build_config = buildConfigOf(model);
  const compile = model.isCompiled ? compileConfigOf(model) : null;
  if (compile) entry.compile_config = compile;
  const datasets: H5WriteDataset[] = [];
  const attrs = new Map<string, Record<string, string>>();
  const values: { path: string; t: import('../../core/tensor.js').Tensor }[] = [];
  for (const { path, layer, vars } of kerasPaths(model)) {
    const group = path ? `${path}/vars` : 'vars';
    attrs.set(group, { name: layer.name });
    vars.forEach((w, i) => values.push({ path: `${group}/${i}`, t: w.variable }));
  }
  const opt = (options.includeOptimizer ?? true) && model.isCompiled ? model.optimizer : null;
  const optState = opt ? opt.weights() : [];
  if (opt && optState.length) {
    attrs.set('optimizer/vars', {
      name:
        opt.getConfig().name === undefined
          ? opt.getClassName().toLowerCase()
          : String(opt.getConfig().name),
    });
  }
  for (const { path, t } of values) {
    const data = await t.data();
    datasets.push({
      path,
      shape: [...t.shape],
      dtype: t.dtype === 'int32' ? 'int32' : 'float32',
      values: data instanceof Int32Array ? data : Float32Array.from(data as ArrayLike<number>),
    });
  }
  if (opt && optState.length) {
    // Keras' optimizer.variables: iterations (int64), learning_rate (float32), then the slots.
    const [iterations, ...slots] = optState;
    const it = await iterations.data();
    datasets.push({
      path: 'optimizer/vars/0',
      shape: [],
      dtype: 'int64',
      values: Int32Array.from(it as ArrayLike<number>),
    });
    const lr = opt.getConfig().learningRate;
    datasets.push({
      path: 'optimizer/vars/1',
      shape: [],
      dtype: 'float32',
      values: Float32Array.of(typeof lr === 'number' ? lr : 0),
    });
    for (let i = 0; i < slots.length; i++) {
      const d = await slots[i].data();
      datasets.push({
        path: `optimizer/vars/${i + 2}`,
        shape: [...slots[i].shape],
        dtype: 'float32',
        values: Float32Array.from(d as ArrayLike<number>),
      });
    }
  }
  const h5 = await writeH5(datasets, attrs);
  const metadata = {
    keras_version: KERAS_FORMAT_VERSION,
    date_saved: new Date().toISOString().replace('T', '@').slice(0, 19),
    generated_by: 'neurite',
  };
  const enc = new TextEncoder();
  return writeZip(
    new Map([
      ['metadata.json', enc.encode(JSON.stringify(metadata))],
      ['config.json', enc.encode(JSON.stringify(entry))],
      ['model.weights.h5', h5],
    ]),
  );
}
