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
import { isLegacyKeras, useLegacyActivations } from '../io/legacy_semantics.js';
import { getHandler } from '../io/router.js';
import { encodeWeights } from '../io/weight_codec.js';
import { WeightFile } from '../io/weights.js';
import type { HttpOptions } from '../io/handlers/http.js';
import { ENGINE } from '../core/engine.js';
import type { Variable } from '../core/tensor.js';
import { InputLayer } from '../layers/input.js';
import { type Layer, type LayerWeight, withWeightSupply } from '../layers/layer.js';
import {
  type NodeRef,
  checkArtifacts,
  fileWeightSupply,
  findInFile,
  inboundNodes,
  nodeRef,
} from './load_checks.js';
import { layerRegistry, registerLayer } from '../layers/registry.js';
import type { SymbolicTensor } from '../layers/symbolic.js';
import { Model } from './model.js';
import { Sequential } from './sequential.js';

/** Options of `save`. */
export interface SaveOptions {
  /** Also save the optimizer's state (slots and iteration count) so training can resume. Default false. */
  includeOptimizer?: boolean;
}

/**
 * Options of `loadLayersModel`. For an http(s) URL, `requestInit`, `fetchFunc` and the limits
 * (`maxBytes` of model.json, `idleTimeoutMs`, `totalTimeoutMs`, `signal`) go to `io.httpHandler`.
 */
export interface LoadOptions extends HttpOptions {
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
  const names = new Set<string>();
  for (const l of layers) {
    const layer = layerFromEntry(convertKeys(l, toSnake), where);
    // Two layers of one name would save and load their weights under one name: refused, as Keras does.
    if (names.has(layer.name))
      throw new IOError(`${where}: two layers of the model are named '${layer.name}'`);
    names.add(layer.name);
    model.add(layer);
  }
  return model;
}

function functionalFromConfig(config: Config, where: string): Model {
  const entries = Array.isArray(config.layers) ? config.layers : null;
  if (!entries) throw new IOError(`${where}: a functional model config needs a 'layers' array`);
  const layers = new Map<string, Layer>();
  const outputs = new Map<string, SymbolicTensor[][]>();
  const pending: { name: string; inbound: NodeRef[][] }[] = [];
  for (const raw of entries) {
    const e = convertKeys(raw, toSnake) as Record<string, unknown>;
    const name = typeof e.name === 'string' ? e.name : isObj(e.config) ? String(e.config.name) : '';
    // Checked before the layer is built: a name used twice would silently share one layer.
    if (layers.has(name))
      throw new IOError(`${where}: two layers of the model are named '${name}'`);
    const inbound = inboundNodes(e.inbound_nodes, name, where);
    const layer = layerFromEntry(e, where);
    if (layers.has(layer.name) && layer.name !== name)
      throw new IOError(`${where}: two layers of the model are named '${layer.name}'`);
    layers.set(name, layer);
    outputs.set(name, []);
    if (layer instanceof InputLayer) outputs.set(name, [[layer.output]]);
    if (inbound.length) pending.push({ name, inbound });
  }
  const refTensor = (ref: NodeRef): SymbolicTensor | null =>
    outputs.get(ref[0])?.[ref[1]]?.[ref[2]] ?? null;
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
    return v.map((r, i) => {
      const t = refTensor(nodeRef(r, `${what}[${i}]`, where));
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
  // tfjs and Keras 2 files mean Keras 2's hard sigmoid by 'hard_sigmoid' (a fresh copy is rewritten).
  if (isLegacyKeras(topology.keras_version)) useLegacyActivations(config);
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
  const handler = await getHandler(urlOrHandler, 'loadLayersModel', options);
  if (!handler.load)
    throw new ArgumentError(`loadLayersModel: the handler for ${show(urlOrHandler)} cannot load`);
  const where = typeof urlOrHandler === 'string' ? urlOrHandler : 'loadLayersModel';
  const a = checkArtifacts(await handler.load(), where);
  // Sizes checked against the bytes; nothing decoded yet.
  const file = new WeightFile(a.weightSpecs, a.weightData, where);
  const supply = fileWeightSupply(file, options.strict ?? true, where);
  // Each weight is checked against the manifest and takes the file's values as the layer creates
  // it, so a topology asking for weights the file lacks fails before allocating them; whatever was
  // created before a failure is freed.
  const scope = ENGINE.newScope();
  let model: Model;
  try {
    model = scope.run(() =>
      withWeightSupply(supply, () => modelFromTopology(a.modelTopology, where)),
    );
  } catch (e) {
    scope.dispose();
    dispose(supply.created);
    throw e;
  }
  scope.dispose(scope.tensors);
  const fromFile = new Set<Variable>(supply.created);
  try {
    // Weights built outside the supply (a layer built after construction) are matched here.
    for (const w of model.weightRecords()) {
      if (fromFile.has(w.variable)) continue;
      const key = savedName(w);
      const found = findInFile(file.names(), (n) => file.spec(n) !== undefined, [
        key,
        `${w.layer.name}/${w.name}`,
        w.variable.name,
      ]);
      if (found === null) {
        if (options.strict ?? true)
          throw new IOError(`${where}: weight '${key}' of the model is missing from the file`);
        continue;
      }
      const t = supply.supply(w.layer, w.name, w.variable.shape, w.variable.dtype);
      if (t) {
        w.variable.assign(t);
        t.dispose();
      }
    }
    if (a.trainingConfig) {
      try {
        model.compileFromTrainingConfig(a.trainingConfig);
      } catch (e) {
        if (e instanceof NeuriteError && !(e instanceof IOError))
          throw new IOError(`${where}: trainingConfig: ${e.message}`, { cause: e });
        throw e;
      }
      const optSpecs = a.weightSpecs.filter((s) => s.group === 'optimizer');
      if (optSpecs.length && model.optimizer) {
        model.optimizer.build(model.trainableWeights);
        const values = optSpecs.map((s) => file.tensor(s.name));
        try {
          model.optimizer.setWeights(values);
        } finally {
          dispose(values);
        }
      }
    }
  } catch (e) {
    model.dispose();
    dispose(supply.created);
    throw e;
  }
  return model;
}
