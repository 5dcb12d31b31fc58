// Save and load models in TensorFlow.js' layers format (model.json + weight shards), optimizer state included.
import { ArgumentError, IOError, NeuriteError, show } from '../core/errors.js';
import { dispose } from '../core/memory.js';
import type { Config, ConfigValue } from '../core/serialization.js';
import type { Tensor } from '../core/tensor.js';
import { getConstraint } from '../constraints/index.js';
import { getInitializer } from '../initializers/index.js';
import { getRegularizer } from '../regularizers/index.js';
import type { IOHandler, JsonObject, JsonValue, SaveResult, WeightSpec } from '../io/artifacts.js';
import { GENERATED_BY } from '../io/model_json.js';
import { convertKeys, toCamel, toSnake } from '../io/pythonic.js';
import { getHandler } from '../io/router.js';
import { decodeWeights, encodeWeights } from '../io/weights.js';
import { InputLayer } from '../layers/input.js';
import type { Layer, LayerWeight } from '../layers/layer.js';
import { layerRegistry, registerLayer } from '../layers/registry.js';
import type { SymbolicTensor } from '../layers/symbolic.js';
import { Model } from './model.js';
import { Sequential } from './sequential.js';

/** Options of `save`. */
export interface SaveOptions {
  /** Also save the optimizer's state (slots and iteration count) so training can resume. Default false. */
  includeOptimizer?: boolean;
}

/** Options of `loadLayersModel`. */
export interface LoadOptions {
  /** Refuse files whose weights do not match the model exactly (default true). */
  strict?: boolean;
}

const pythonic = (config: Config): JsonValue =>
  convertKeys(resolveSpecs(config), toSnake) as JsonValue;

/**
 * Writes initializer/regularizer/constraint options as {className, config}, as Keras and tfjs files do,
 * in the spelling TensorFlow.js reads (its regularizer class is L1L2; its Lecun initializers are 'LeCun').
 */
function resolveSpecs(config: Config): Config {
  const out: Config = {};
  for (const [k, v] of Object.entries(config)) {
    const spec =
      typeof v === 'string' ||
      (v !== null && typeof v === 'object' && !Array.isArray(v) && 'className' in v)
        ? (v as string | { className: string; config: Config })
        : null;
    if (spec && /Initializer$/.test(k)) out[k] = tfjsSpelling(serialized(getInitializer(spec)));
    else if (spec && /Regularizer$/.test(k))
      out[k] = tfjsSpelling(serialized(getRegularizer(spec)));
    else if (spec && /Constraint$/.test(k)) out[k] = tfjsSpelling(serialized(getConstraint(spec)));
    else out[k] = v;
  }
  return out;
}

function serialized(o: { getClassName(): string; getConfig(): Config }): {
  className: string;
  config: Config;
} {
  return { className: o.getClassName(), config: o.getConfig() };
}

/** Class names and configs as TensorFlow.js 4.22 registers them; neurite reads both spellings. */
function tfjsSpelling(s: { className: string; config: Config }): ConfigValue {
  switch (s.className) {
    case 'L1':
      return { className: 'L1L2', config: { l1: s.config.l1 ?? 0.01, l2: 0 } };
    case 'L2':
      return { className: 'L1L2', config: { l1: 0, l2: s.config.l2 ?? 0.01 } };
    case 'LecunNormal':
      return { className: 'LeCunNormal', config: s.config };
    case 'LecunUniform':
      return { className: 'LeCunUniform', config: s.config };
    default:
      return s;
  }
}

function layerEntry(layer: Layer): JsonObject {
  if (layer instanceof Model)
    return {
      class_name: layer instanceof Sequential ? 'Sequential' : 'Model',
      config: modelConfig(layer),
    };
  return {
    class_name: layer.getClassName(),
    config: pythonic({ ...layer.getConfig(), name: layer.name }),
  };
}

/** A functional model's layers with inbound nodes, and its input/output layer references. */
function modelConfig(model: Model): JsonObject {
  if (model instanceof Sequential) {
    const layers = model.layers.map(layerEntry);
    const first = layers[0]?.config;
    if (
      first &&
      typeof first === 'object' &&
      !Array.isArray(first) &&
      first.batch_input_shape === undefined &&
      model.batchShape
    )
      first.batch_input_shape = model.batchShape;
    return { name: model.name, layers };
  }
  if (!model.outputs.length)
    throw new ArgumentError(
      `${model.name}: a subclassed model has no layer graph to save; rebuild it in code and load weights with setWeights`,
    );
  const nodes = model.graphNodes;
  const nodeIndex = (t: SymbolicTensor): [string, number, number] => {
    const node = t.node;
    if (!node) throw new ArgumentError(`${model.name}: tensor '${t.name}' has no producing layer`);
    const own = nodes.filter((n) => n.layer === node.layer);
    return [node.layer.name, own.indexOf(node), node.outputs.indexOf(t)];
  };
  const layers = model.layers.map((layer) => {
    const entry = layerEntry(layer);
    const inbound = nodes
      .filter((n) => n.layer === layer && n.inputs.length)
      .map((n) => n.inputs.map((t) => [...nodeIndex(t), {}] as JsonValue));
    return { name: layer.name, ...entry, inbound_nodes: inbound };
  });
  return {
    name: model.name,
    layers,
    input_layers: model.inputs.map(nodeIndex),
    output_layers: model.outputs.map(nodeIndex),
  };
}

/**
 * The model's topology as it appears in model.json (Keras/tfjs pythonic form).
 * @example const topology = modelTopology(model);
 */
export function modelTopology(model: Model): JsonObject {
  const entry = layerEntry(model);
  return {
    ...entry,
    keras_version: `tfjs-layers 4.22.0 (${GENERATED_BY})`,
    backend: 'tensor_flow.js',
  };
}

/**
 * The name a weight is saved under: `<layer>/<weight>`, where a recurrent cell ('lstm/lstm_cell') counts
 * as its layer ('lstm'), which is how TensorFlow.js names RNN weights ('lstm/kernel').
 */
function savedName(w: LayerWeight): string {
  return `${w.layer.name.split('/')[0]}/${w.name}`;
}

/** Finds a weight in a file: its saved name, older spellings, or a unique match of the name's tail (wrappers prefix it in tfjs). */
function findWeight(tensors: Map<string, Tensor>, w: LayerWeight): Tensor | undefined {
  for (const key of [savedName(w), `${w.layer.name}/${w.name}`, w.variable.name]) {
    const t = tensors.get(key);
    if (t) return t;
  }
  const tail = `/${savedName(w)}`;
  const matches = [...tensors.keys()].filter((k) => k.endsWith(tail));
  return matches.length === 1 ? tensors.get(matches[0]) : undefined;
}

/** Weights to save: each under `<layer name>/<weight name>`; optimizer state in its own group. */
function weightEntries(
  model: Model,
  includeOptimizer: boolean,
): { name: string; tensor: Tensor; group?: WeightSpec['group'] }[] {
  const records = model.weightRecords();
  const counts = new Map<string, number>();
  for (const w of records) counts.set(savedName(w), (counts.get(savedName(w)) ?? 0) + 1);
  // Two weights that would share a short name keep their full owner path instead.
  const entries: { name: string; tensor: Tensor; group?: WeightSpec['group'] }[] = records.map(
    (w) => ({
      name: (counts.get(savedName(w)) ?? 0) > 1 ? `${w.layer.name}/${w.name}` : savedName(w),
      tensor: w.variable,
    }),
  );
  if (includeOptimizer && model.optimizer)
    for (const v of model.optimizer.weights())
      entries.push({ name: v.name, tensor: v, group: 'optimizer' });
  return entries;
}

/**
 * Saves a model (topology, weights, and training config) through a URL's handler.
 * @example await nr.saveModel(model, 'file://./fashion-mlp', { includeOptimizer: true });
 */
export async function saveModel(
  model: Model,
  urlOrHandler: string | IOHandler,
  options: SaveOptions = {},
): Promise<SaveResult> {
  const keras = await import('../io/keras/index.js');
  if (keras.isKerasTarget(urlOrHandler)) return keras.saveKerasModel(model, urlOrHandler, options);
  const handler = await getHandler(urlOrHandler, 'save');
  if (!handler.save)
    throw new ArgumentError(`save: the handler for ${show(urlOrHandler)} cannot save`);
  const { specs, data } = await encodeWeights(
    weightEntries(model, options.includeOptimizer ?? false),
  );
  const trainingConfig = model.isCompiled ? model.trainingConfig() : undefined;
  return handler.save({
    modelTopology: modelTopology(model),
    weightSpecs: specs,
    weightData: data,
    trainingConfig: trainingConfig ?? undefined,
    format: 'layers-model',
    generatedBy: GENERATED_BY,
    convertedBy: null,
  });
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

let modelClassesRegistered = false;

/** Sequential and functional models as layers of other models. */
function registerModelClasses(): void {
  if (modelClassesRegistered) return;
  modelClassesRegistered = true;
  registerLayer('Sequential', (c) => sequentialFromConfig(c, 'model'));
  const functional = (c: Config) => functionalFromConfig(c, 'model');
  registerLayer('Model', functional);
  registerLayer('Functional', functional);
}

function layerFromEntry(entry: unknown, where: string): Layer {
  if (!isObj(entry) || typeof entry.class_name !== 'string')
    throw new IOError(`${where}: a layer entry has no class_name: ${show(entry)}`);
  const config = convertKeys(entry.config ?? {}, toCamel) as Config;
  if (!layerRegistry().has(entry.class_name))
    throw new IOError(
      `${where}: unknown layer class '${entry.class_name}' (register custom layers with nr.layers.registerLayer)`,
    );
  try {
    return layerRegistry().get({ className: entry.class_name, config }, where);
  } catch (e) {
    if (e instanceof NeuriteError && !(e instanceof IOError))
      throw new IOError(
        `${where}: layer '${String(config.name)}' (${entry.class_name}): ${e.message}`,
      );
    throw e;
  }
}

function sequentialFromConfig(config: Config, where: string): Sequential {
  const layers = Array.isArray(config.layers)
    ? config.layers
    : Array.isArray(config)
      ? config
      : null;
  if (!layers) throw new IOError(`${where}: a Sequential config needs a 'layers' array`);
  // The entries were camel-cased by the caller; layerFromEntry expects file form, so convert back.
  const model = new Sequential({ name: typeof config.name === 'string' ? config.name : undefined });
  for (const l of layers) model.add(layerFromEntry(convertKeys(l, toSnake), where));
  return model;
}

type NodeRef = [string, number, number];

function functionalFromConfig(config: Config, where: string): Model {
  const entries = Array.isArray(config.layers) ? config.layers : null;
  if (!entries) throw new IOError(`${where}: a functional model config needs a 'layers' array`);
  const layers = new Map<string, Layer>();
  const outputs = new Map<string, SymbolicTensor[][]>();
  const pending: { name: string; inbound: NodeRef[][] }[] = [];
  for (const raw of entries) {
    const e = convertKeys(raw, toSnake) as Record<string, unknown>;
    const layer = layerFromEntry(e, where);
    const name = typeof e.name === 'string' ? e.name : layer.name;
    layers.set(name, layer);
    outputs.set(name, []);
    if (layer instanceof InputLayer) outputs.set(name, [[layer.output]]);
    const inbound = (Array.isArray(e.inbound_nodes) ? e.inbound_nodes : []) as NodeRef[][];
    if (inbound.length) pending.push({ name, inbound });
  }
  const refTensor = (ref: NodeRef): SymbolicTensor | null =>
    outputs.get(String(ref[0]))?.[Number(ref[1])]?.[Number(ref[2])] ?? null;
  // Calls layers whose inputs exist, until none is left (configs list layers in call order, mostly).
  let progress = true;
  while (pending.length && progress) {
    progress = false;
    for (let i = 0; i < pending.length; i++) {
      const p = pending[i];
      const node = p.inbound[0];
      const ins = node.map(refTensor);
      if (ins.some((t) => t === null)) continue;
      const layer = layers.get(p.name) as Layer;
      const list = ins as SymbolicTensor[];
      const out = layer.apply(list.length === 1 ? list[0] : list);
      outputs.get(p.name)?.push(Array.isArray(out) ? out : [out]);
      p.inbound.shift();
      if (!p.inbound.length) pending.splice(i--, 1);
      progress = true;
    }
  }
  if (pending.length)
    throw new IOError(
      `${where}: layers ${pending.map((p) => `'${p.name}'`).join(', ')} have inputs that no layer produces`,
    );
  const refs = (v: unknown, what: string): SymbolicTensor[] => {
    if (!Array.isArray(v)) throw new IOError(`${where}: '${what}' must be an array`);
    return v.map((r) => {
      const t = refTensor(r as NodeRef);
      if (!t) throw new IOError(`${where}: '${what}' names ${show(r)}, which no layer produces`);
      return t;
    });
  };
  const ins = refs(config.inputLayers, 'input_layers');
  const outs = refs(config.outputLayers, 'output_layers');
  return new Model({
    inputs: ins.length === 1 ? ins[0] : ins,
    outputs: outs.length === 1 ? outs[0] : outs,
    name: typeof config.name === 'string' ? config.name : undefined,
  });
}

/**
 * Rebuilds a model (without weights) from a model.json topology.
 * @example const model = modelFromTopology(json.modelTopology, 'model.json');
 */
export function modelFromTopology(topology: JsonObject, where: string): Model {
  registerModelClasses();
  const top = isObj(topology.model_config) ? topology.model_config : topology;
  if (typeof top.class_name !== 'string' || (!isObj(top.config) && !Array.isArray(top.config)))
    throw new IOError(`${where}: modelTopology needs 'class_name' and 'config'`);
  const config = convertKeys(top.config, toCamel) as Config;
  if (top.class_name === 'Sequential') return sequentialFromConfig(config, where);
  if (top.class_name === 'Model' || top.class_name === 'Functional')
    return functionalFromConfig(config, where);
  throw new IOError(
    `${where}: modelTopology class '${top.class_name}' is not a model (expected Sequential, Model or Functional)`,
  );
}

/**
 * Loads a model saved by `save` (or by TensorFlow.js) and its weights; compiles it when the file has a
 * training config, restoring the optimizer state if it was saved.
 * @example const model = await nr.loadLayersModel('file://./fashion-mlp');
 */
export async function loadLayersModel(
  urlOrHandler: string | IOHandler,
  options: LoadOptions = {},
): Promise<Model> {
  const handler = await getHandler(urlOrHandler, 'loadLayersModel');
  if (!handler.load)
    throw new ArgumentError(`loadLayersModel: the handler for ${show(urlOrHandler)} cannot load`);
  const where = typeof urlOrHandler === 'string' ? urlOrHandler : 'loadLayersModel';
  const a = await handler.load();
  const model = modelFromTopology(a.modelTopology, where);
  const tensors = decodeWeights(a.weightSpecs, a.weightData, where);
  try {
    const records = model.weightRecords();
    for (const w of records) {
      const key = savedName(w);
      const t = findWeight(tensors, w);
      if (!t) {
        if (options.strict ?? true)
          throw new IOError(`${where}: weight '${key}' of the model is missing from the file`);
        continue;
      }
      if (
        t.shape.length !== w.variable.shape.length ||
        t.shape.some((d, i) => d !== w.variable.shape[i])
      ) {
        throw new IOError(
          `${where}: weight '${key}' has shape ${show(t.shape)} in the file but ${show(w.variable.shape)} in the model`,
        );
      }
      w.variable.assign(t.dtype === w.variable.dtype ? t : t.cast(w.variable.dtype));
    }
    if (a.trainingConfig) {
      model.compileFromTrainingConfig(a.trainingConfig);
      const optSpecs = a.weightSpecs.filter((s) => s.group === 'optimizer');
      if (optSpecs.length && model.optimizer) {
        model.optimizer.build(model.trainableWeights);
        model.optimizer.setWeights(optSpecs.map((s) => tensors.get(s.name) as Tensor));
      }
    }
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    dispose([...tensors.values()]);
  }
  return model;
}
