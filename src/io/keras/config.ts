// config.json of .keras files and model_config of legacy .h5: Keras 3 / Keras 2 form <-> the topology form
// neurite's model builder reads (TensorFlow.js' pythonic form), with safe-mode checks on the way in.
import { IOError, show } from '../../core/errors.js';
import { layerRegistry } from '../../layers/registry.js';
import type { JsonObject, JsonValue } from '../artifacts.js';
import { type FileConfig, KERAS_ONLY_KEYS, mappingFor } from './mapping.js';

/** True for a JSON object (not an array, not null). @example isObj({}) // true */
export const isObj = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Keys that would reach object prototypes if copied onto a plain object. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MODEL_CLASSES = new Set(['Sequential', 'Functional', 'Model']);
const DTYPE_POLICIES = new Set(['DTypePolicy', 'Policy', 'FloatDTypePolicy', 'DTypePolicyMap']);
/** Keys of a Keras object that are about the Python side, not the value. */
const OBJECT_META = new Set(['module', 'registered_name', 'shared_object_id']);
/** Config keys that hold a whole layer (wrappers, RNN cells). */
const LAYER_KEYS = new Set(['layer', 'backward_layer', 'forward_layer', 'cell']);

/** Options of the config reader. */
export interface ReadConfigOptions {
  /** Refuse Lambda layers and serialized Python code (default true: Keras' safe_mode). */
  safeMode: boolean;
}

/**
 * Safe mode: a config that carries Python code (Lambda layers, `__lambda__` functions, Keras 2's
 * marshalled bytecode) is refused; neurite never runs code from a file, and this says why the model cannot load.
 */
function refuseCode(entry: Record<string, unknown>, where: string): void {
  const cls = entry.class_name;
  if (
    cls === 'Lambda' ||
    cls === '__lambda__' ||
    cls === 'TFOpLambda' ||
    cls === 'SlicingOpLambda'
  ) {
    const name = isObj(entry.config) ? entry.config.name : undefined;
    throw new IOError(
      `${where}: ${String(cls)} layer ${show(name ?? '')} holds Python code, which neurite never runs (safe mode); ` +
        'rewrite it as a registered custom layer (nr.layers.registerLayer)',
    );
  }
  if (
    entry.function_type !== undefined ||
    (isObj(entry.config) && entry.config.function_type !== undefined)
  )
    throw new IOError(
      `${where}: the config holds serialized Python bytecode (function_type), refused in safe mode`,
    );
}

/** A deep copy of a JSON value without prototype-reaching keys, refusing serialized code anywhere in it. */
function clean(v: unknown, where: string, safe: boolean, depth = 0): unknown {
  if (depth > 200) throw new IOError(`${where}: config nests deeper than 200 levels`);
  if (Array.isArray(v)) return v.map((x) => clean(x, where, safe, depth + 1));
  if (!isObj(v)) return v;
  if (safe) refuseCode(v, where);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v))
    if (!FORBIDDEN_KEYS.has(k)) out[k] = clean(x, where, safe, depth + 1);
  return out;
}

/** A Keras object ({module, class_name, config, registered_name}) as {class_name, config}; policies as their name. */
function readValue(key: string, v: unknown, where: string, opts: ReadConfigOptions): unknown {
  if (Array.isArray(v)) return v.map((x) => readValue('', x, where, opts));
  if (!isObj(v)) return v;
  if (typeof v.class_name === 'string') {
    if (DTYPE_POLICIES.has(v.class_name) && isObj(v.config) && typeof v.config.name === 'string')
      return v.config.name;
    if (LAYER_KEYS.has(key)) return readLayerEntry(v, where, opts);
    // Keras 3 writes a built-in activation as a string; a serialized function object names it in config.
    if (key === 'activation' && typeof v.config === 'string') return v.config;
    const out: Record<string, unknown> = { class_name: v.class_name };
    out.config = isObj(v.config) ? readObject(v.config, where, opts) : (v.config ?? {});
    return out;
  }
  return readObject(v, where, opts);
}

function readObject(
  v: Record<string, unknown>,
  where: string,
  opts: ReadConfigOptions,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (OBJECT_META.has(k)) continue;
    out[k] = readValue(k, x, where, opts);
  }
  return out;
}

/** How to register a class the registry lacks (the error a user sees for a custom layer). */
function unknownClass(cls: string, module: unknown, where: string): IOError {
  if (typeof module === 'string' && /^(keras|tf_keras|tensorflow)(\.|$)/.test(module))
    return new IOError(
      `${where}: Keras layer class '${cls}' (module '${module}') is not implemented in neurite yet; ` +
        `register an implementation before loading: nr.layers.registerLayer('${cls}', (config) => new My${cls}(config))`,
    );
  return new IOError(
    `${where}: unknown layer class '${cls}'${module === null || typeof module === 'string' ? ` (Python module ${show(module)})` : ''}: ` +
      `a custom layer, or a Keras layer neurite lacks. Register it before loading, e.g. nr.layers.registerLayer('${cls}', (config) => new ${cls}(config))`,
  );
}

/**
 * One layer entry of a Keras config in the form neurite's builder reads: class renamed through the table,
 * config keys normalised (batch_shape, DTypePolicy objects, Keras objects), nested models and wrapped
 * layers converted too, and functional `inbound_nodes` in list form.
 * @example readLayerEntry({ class_name: 'Dense', config: { units: 2 } }, 'model.keras', { safeMode: true })
 */
export function readLayerEntry(entry: unknown, where: string, opts: ReadConfigOptions): JsonObject {
  if (!isObj(entry) || typeof entry.class_name !== 'string')
    throw new IOError(`${where}: a layer entry has no class_name: ${show(entry)}`);
  const cls = entry.class_name;
  if (opts.safeMode) refuseCode(entry, where);
  const raw = isObj(entry.config)
    ? entry.config
    : Array.isArray(entry.config)
      ? { layers: entry.config }
      : {};
  if (MODEL_CLASSES.has(cls)) {
    const model = readModel(cls, raw, where, opts);
    return withNode(entry, { class_name: model.class_name, config: model.config }, where);
  }
  const row = mappingFor(cls);
  const neuriteClass = row.neurite ?? cls;
  if (!layerRegistry().has(neuriteClass)) throw unknownClass(cls, entry.module, where);
  let config: FileConfig = readObject(raw, where, opts);
  if ('batch_shape' in config) {
    config.batch_input_shape = config.batch_shape;
    delete config.batch_shape;
  }
  for (const k of [...KERAS_ONLY_KEYS, ...(row.dropOnRead ?? [])]) delete config[k];
  for (const [from, to] of Object.entries(row.renameOnRead ?? {}))
    if (from in config) {
      config[to] = config[from];
      delete config[from];
    }
  if (row.read) config = row.read(config);
  checkSizes(config, cls, where);
  return withNode(entry, { class_name: neuriteClass, config: config as JsonValue }, where);
}

/** Config fields that size weights or activations; a value above this is refused before anything is built. */
const SIZE_KEYS = new Set([
  'units',
  'filters',
  'input_dim',
  'output_dim',
  'num_heads',
  'key_dim',
  'value_dim',
  'depth_multiplier',
  'num_tokens',
  'max_tokens',
  'n',
]);
/** 2^24: larger than any real layer width, small enough that a width alone cannot exhaust memory. @example units <= MAX_LAYER_SIZE */
export const MAX_LAYER_SIZE = 2 ** 24;

/** Refuses sizes that would make building the model allocate without bound (a shape bomb in the config). */
function checkSizes(config: FileConfig, cls: string, where: string): void {
  const bad = (k: string, v: unknown) =>
    new IOError(
      `${where}: layer ${show(config.name ?? cls)} (${cls}) has ${k} = ${show(v)}, above the limit of ${MAX_LAYER_SIZE}`,
    );
  for (const [k, v] of Object.entries(config)) {
    if (SIZE_KEYS.has(k) && typeof v === 'number' && !(v <= MAX_LAYER_SIZE)) throw bad(k, v);
    if (
      (k === 'batch_input_shape' || k === 'target_shape' || k === 'kernel_size') &&
      Array.isArray(v)
    )
      for (const d of v) if (typeof d === 'number' && !(d <= MAX_LAYER_SIZE)) throw bad(k, v);
  }
}

type Ref = [string, number, number, JsonObject];

/** Keras 3 node `{args, kwargs}` -> Keras 2 list form `[[layer, node, tensor, kwargs], ...]`. */
function readNode(node: unknown, where: string): Ref[] {
  if (Array.isArray(node)) {
    return node.map((r) => {
      if (!Array.isArray(r) || typeof r[0] !== 'string')
        throw new IOError(`${where}: an inbound node reference is ${show(r)}`);
      return [r[0], Number(r[1] ?? 0), Number(r[2] ?? 0), isObj(r[3]) ? (r[3] as JsonObject) : {}];
    });
  }
  if (!isObj(node)) throw new IOError(`${where}: an inbound node is ${show(node)}`);
  const refs: Ref[] = [];
  const collect = (v: unknown, depth: number) => {
    if (depth > 32) return;
    if (Array.isArray(v)) for (const x of v) collect(x, depth + 1);
    else if (isObj(v) && v.class_name === '__keras_tensor__' && isObj(v.config)) {
      const h = v.config.keras_history;
      if (!Array.isArray(h) || typeof h[0] !== 'string')
        throw new IOError(`${where}: a keras tensor has no keras_history: ${show(v)}`);
      refs.push([h[0], Number(h[1]), Number(h[2]), {}]);
    }
  };
  collect(node.args, 0);
  const kwargs: JsonObject = {};
  if (isObj(node.kwargs))
    for (const [k, x] of Object.entries(node.kwargs)) {
      if (FORBIDDEN_KEYS.has(k)) continue;
      const before = refs.length;
      collect(x, 0);
      if (refs.length === before && (x === null || typeof x !== 'object'))
        kwargs[k] = x as JsonValue;
    }
  if (refs.length) refs[0][3] = kwargs;
  return refs;
}

function withNode(entry: Record<string, unknown>, out: JsonObject, where: string): JsonObject {
  if (typeof entry.name === 'string') out.name = entry.name;
  if (Array.isArray(entry.inbound_nodes))
    out.inbound_nodes = entry.inbound_nodes.map((n) => readNode(n, where)) as JsonValue;
  return out;
}

const isRef = (v: unknown): v is Ref => Array.isArray(v) && typeof v[0] === 'string';

/**
 * Keras 2 counts a nested model's own construction as its node 0, so the outer graph calls it at node 1;
 * neurite numbers only the calls in this graph. Node indices are renumbered per layer, in order.
 */
function renumberNodes(layers: JsonObject[]): void {
  const calls = new Map<string, number>();
  for (const l of layers)
    if (typeof l.name === 'string')
      calls.set(
        l.name,
        Array.isArray(l.inbound_nodes) && l.inbound_nodes.length ? l.inbound_nodes.length : 1,
      );
  const used = new Map<string, Set<number>>();
  const refsOf = (l: JsonObject): Ref[] =>
    (Array.isArray(l.inbound_nodes) ? l.inbound_nodes : []).flatMap((n) =>
      Array.isArray(n) ? n.filter(isRef) : [],
    );
  for (const l of layers)
    for (const r of refsOf(l)) (used.get(r[0]) ?? used.set(r[0], new Set()).get(r[0]))?.add(r[1]);
  const remap = new Map<string, Map<number, number>>();
  for (const [name, set] of used) {
    const sorted = [...set].sort((a, b) => a - b);
    if (sorted[sorted.length - 1] >= (calls.get(name) ?? 1))
      remap.set(name, new Map(sorted.map((v, i) => [v, i])));
  }
  for (const l of layers) for (const r of refsOf(l)) r[1] = remap.get(r[0])?.get(r[1]) ?? r[1];
}

function readModel(
  cls: string,
  raw: Record<string, unknown>,
  where: string,
  opts: ReadConfigOptions,
): JsonObject {
  const layersRaw = raw.layers;
  if (!Array.isArray(layersRaw))
    throw new IOError(`${where}: the ${cls} config has no 'layers' array`);
  const layers = layersRaw.map((l) => readLayerEntry(l, where, opts));
  const name = typeof raw.name === 'string' ? raw.name : undefined;
  if (cls === 'Sequential') {
    const build = raw.build_input_shape;
    const first = layers[0];
    // Keras 3 Sequential without an InputLayer keeps its input shape in build_input_shape.
    if (
      Array.isArray(build) &&
      first &&
      first.class_name !== 'InputLayer' &&
      isObj(first.config) &&
      !first.config.batch_input_shape
    )
      first.config.batch_input_shape = build as JsonValue;
    return { class_name: 'Sequential', config: { ...(name ? { name } : {}), layers } };
  }
  renumberNodes(layers);
  const refs = (v: unknown): JsonValue => {
    if (isRef(v)) return [v as JsonValue];
    if (Array.isArray(v)) return v as JsonValue;
    throw new IOError(`${where}: input_layers/output_layers is ${show(v)}`);
  };
  return {
    class_name: 'Functional',
    config: {
      ...(name ? { name } : {}),
      layers,
      input_layers: refs(raw.input_layers),
      output_layers: refs(raw.output_layers),
    },
  };
}

/**
 * The model of a config.json (or a legacy model_config) in neurite's topology form, after safe-mode checks.
 * @example const topology = readModelConfig(JSON.parse(text), 'model.keras', { safeMode: true });
 */
export function readModelConfig(
  config: unknown,
  where: string,
  opts: ReadConfigOptions,
): JsonObject {
  const safe = clean(config, where, opts.safeMode);
  if (!isObj(safe) || typeof safe.class_name !== 'string')
    throw new IOError(`${where}: the model config has no class_name`);
  if (!MODEL_CLASSES.has(safe.class_name))
    throw new IOError(
      `${where}: the saved object is a '${safe.class_name}', not a Sequential or functional model (a subclassed model needs its class in code)`,
    );
  return readLayerEntry(safe, where, opts);
}

/** Keras modules of the serializable families, for configs neurite writes. */
const FAMILY_MODULE: [RegExp, string][] = [
  [/_initializer$/, 'keras.initializers'],
  [/_regularizer$/, 'keras.regularizers'],
  [/_constraint$/, 'keras.constraints'],
];

/** Spellings tfjs uses that Keras 3 names differently. */
const KERAS_SPELLING: Record<string, string> = {
  LeCunNormal: 'LecunNormal',
  LeCunUniform: 'LecunUniform',
};

function dtypePolicy(name: string): JsonObject {
  return { module: 'keras', class_name: 'DTypePolicy', config: { name }, registered_name: null };
}

function writeConfig(config: Record<string, unknown>, drop: readonly string[]): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(config)) {
    if (drop.includes(k)) continue;
    if (k === 'dtype' && typeof v === 'string') out[k] = dtypePolicy(v);
    else if (isObj(v) && typeof v.class_name === 'string' && isObj(v.config)) {
      const module = FAMILY_MODULE.find(([re]) => re.test(k))?.[1] ?? 'keras.layers';
      const cls = KERAS_SPELLING[v.class_name] ?? v.class_name;
      out[k] = { module, class_name: cls, config: v.config as JsonValue, registered_name: null };
    } else out[k] = v as JsonValue;
  }
  return out;
}

function toKerasTensor(ref: JsonValue): JsonObject {
  const r = ref as [string, number, number];
  return { class_name: '__keras_tensor__', config: { keras_history: [r[0], r[1], r[2]] } };
}

/**
 * A neurite topology entry (TensorFlow.js' pythonic form) as Keras 3 writes it in config.json.
 * @example const entry = writeLayerEntry(modelTopology(model));
 */
export function writeLayerEntry(entry: JsonObject): JsonObject {
  const cls = String(entry.class_name);
  const raw = isObj(entry.config) ? entry.config : {};
  let body: JsonObject;
  let kerasClass = cls;
  if (cls === 'Sequential' || cls === 'Model' || cls === 'Functional') {
    kerasClass = cls === 'Sequential' ? 'Sequential' : 'Functional';
    const layers = (Array.isArray(raw.layers) ? raw.layers : []).map((l) =>
      writeLayerEntry(l as JsonObject),
    );
    body = { name: raw.name ?? null, trainable: true, dtype: dtypePolicy('float32'), layers };
    if (kerasClass === 'Sequential') {
      const first =
        Array.isArray(raw.layers) && isObj(raw.layers[0]) && isObj(raw.layers[0].config)
          ? raw.layers[0].config
          : null;
      const shape = first?.batch_input_shape;
      if (Array.isArray(shape) && !(layers[0] && layers[0].class_name === 'InputLayer'))
        layers.unshift({
          module: 'keras.layers',
          class_name: 'InputLayer',
          config: { batch_shape: shape, dtype: 'float32', sparse: false, name: 'input_layer' },
          registered_name: null,
        });
    } else {
      body.input_layers = raw.input_layers ?? [];
      body.output_layers = raw.output_layers ?? [];
    }
  } else {
    const row = mappingFor(cls);
    const drop = ['batch_input_shape', ...(row.dropOnWrite ?? [])];
    body = writeConfig(raw, cls === 'InputLayer' ? (row.dropOnWrite ?? []) : drop);
    if (cls === 'InputLayer' && 'batch_input_shape' in body) {
      body.batch_shape = body.batch_input_shape;
      delete body.batch_input_shape;
      if (isObj(body.dtype)) body.dtype = 'float32';
    }
    if (row.write) body = row.write(body) as JsonObject;
  }
  const out: JsonObject = {
    module: mappingFor(kerasClass).module ?? 'keras.layers',
    class_name: kerasClass,
    config: body,
    registered_name: kerasClass === 'Functional' ? 'Functional' : null,
  };
  if (typeof entry.name === 'string') out.name = entry.name;
  if (Array.isArray(entry.inbound_nodes))
    out.inbound_nodes = entry.inbound_nodes.map((node) => {
      const refs = Array.isArray(node) ? node : [];
      const tensors = refs.map(toKerasTensor);
      return { args: tensors.length === 1 ? tensors : [tensors], kwargs: {} };
    });
  return out;
}
