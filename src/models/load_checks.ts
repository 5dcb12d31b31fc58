// Checks of the model loader: artifacts' shape, inbound node references, and weights supplied from the file before allocation.
import type { DType } from '../core/dtype.js';
import { IOError, show } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import type { ModelArtifacts } from '../io/artifacts.js';
import { WeightFile } from '../io/weights.js';
import type { Layer, WeightSupply } from '../layers/layer.js';

const isObj = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Checks artifacts from any handler (`io.fromMemory` included) before they are used: a topology object,
 * a manifest array and an ArrayBuffer of weights; anything else is an `IOError` naming the field.
 * @example const a = checkArtifacts(await handler.load(), 'loadLayersModel');
 */
export function checkArtifacts(a: unknown, where: string): ModelArtifacts {
  if (!isObj(a))
    throw new IOError(`${where}: the handler returned ${show(a)}, not model artifacts`);
  if (!isObj(a.modelTopology))
    throw new IOError(
      `${where}: artifacts.modelTopology must be an object, received ${show(typeof a.modelTopology)}`,
    );
  const specs = a.weightSpecs ?? [];
  if (!Array.isArray(specs))
    throw new IOError(
      `${where}: artifacts.weightSpecs must be an array, received ${show(typeof specs)}`,
    );
  let data = a.weightData ?? new ArrayBuffer(0);
  // A typed array or Buffer is accepted as its bytes; anything else is refused.
  if (ArrayBuffer.isView(data))
    data = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice().buffer;
  if (!(data instanceof ArrayBuffer))
    throw new IOError(
      `${where}: artifacts.weightData must be an ArrayBuffer, received ${show(typeof data)}`,
    );
  if (a.trainingConfig !== undefined && a.trainingConfig !== null && !isObj(a.trainingConfig))
    throw new IOError(
      `${where}: artifacts.trainingConfig must be an object, received ${show(typeof a.trainingConfig)}`,
    );
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  // Entries are checked one by one when the weights are read (specBytes in WeightFile).
  return {
    modelTopology: a.modelTopology as ModelArtifacts['modelTopology'],
    weightSpecs: specs as ModelArtifacts['weightSpecs'],
    weightData: data,
    trainingConfig: isObj(a.trainingConfig)
      ? (a.trainingConfig as ModelArtifacts['trainingConfig'])
      : undefined,
    format: text(a.format),
    generatedBy: text(a.generatedBy),
    convertedBy: text(a.convertedBy) ?? null,
  };
}

/** A reference to a layer's output: [layer name, node index, tensor index]. */
export type NodeRef = [string, number, number];

const isIndex = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

/**
 * A node reference from a config (`['dense', 0, 0]` or `['dense', 0, 0, {}]`), checked.
 * @example nodeRef(['dense', 0, 0, {}], 'layer concat', 'm') // ['dense', 0, 0]
 */
export function nodeRef(v: unknown, what: string, where: string): NodeRef {
  if (
    !Array.isArray(v) ||
    v.length < 3 ||
    typeof v[0] !== 'string' ||
    !isIndex(v[1]) ||
    !isIndex(v[2])
  )
    throw new IOError(
      `${where}: ${what} must be a reference [layer name, node index, tensor index], received ${show(v)}`,
    );
  return [v[0], v[1], v[2]];
}

/**
 * The inbound nodes of a functional layer (`[[ref, ref], ...]`), each checked; Keras 3's
 * `{args, kwargs}` form belongs to `.keras` files and is refused here with an `IOError`.
 * @example inboundNodes([[['input_1', 0, 0, {}]]], 'dense', 'm')
 */
export function inboundNodes(v: unknown, layer: string, where: string): NodeRef[][] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v))
    throw new IOError(
      `${where}: layer '${layer}': inbound_nodes must be an array of nodes, received ${show(v)}`,
    );
  return v.map((node, i) => {
    if (isObj(node) && ('args' in node || 'kwargs' in node))
      throw new IOError(
        `${where}: layer '${layer}': inbound_nodes[${i}] is in Keras 3's {args, kwargs} form, which a TensorFlow.js model.json does not use; load Keras 3 files as .keras`,
      );
    if (!Array.isArray(node))
      throw new IOError(
        `${where}: layer '${layer}': inbound_nodes[${i}] must be an array of references, received ${show(node)}`,
      );
    return node.map((r, k) => nodeRef(r, `layer '${layer}': inbound_nodes[${i}][${k}]`, where));
  });
}

/**
 * How a weight is named in files: `<layer>/<weight>`, an RNN cell ('lstm/lstm_cell') counting as its layer.
 * @example savedWeightName('lstm/lstm_cell', 'kernel') // 'lstm/kernel'
 */
export function savedWeightName(layerName: string, weight: string): string {
  return `${layerName.split('/')[0]}/${weight}`;
}

/**
 * The file's name of a model weight: the first of `keys` the file has, or the one file name ending in
 * `/<keys[0]>` (wrappers prefix names in tfjs files); null when none or several match.
 * @example findInFile(['model/dense/kernel'], () => false, ['dense/kernel']) // 'model/dense/kernel'
 */
export function findInFile(
  names: readonly string[],
  has: (n: string) => boolean,
  keys: string[],
): string | null {
  for (const k of keys) if (has(k)) return k;
  const tail = `/${keys[0]}`;
  const matches = names.filter((n) => n.endsWith(tail));
  return matches.length === 1 ? matches[0] : null;
}

/**
 * Gives each weight a layer creates while a model is rebuilt its value from the file, after checking
 * the manifest entry: missing (with `strict`), another shape, or a dtype that would need
 * reinterpreting bytes is an `IOError` before the weight is allocated. float32 values load into
 * float16 weights by value (a 'float16' policy); int and float are never mixed, as in TensorFlow.js.
 * @example withWeightSupply(fileWeightSupply(file, true, 'm'), () => modelFromTopology(topology, 'm'))
 */
export function fileWeightSupply(
  file: WeightFile,
  strict: boolean,
  where: string,
): WeightSupply & { used: Set<string> } {
  const names = file.names();
  const used = new Set<string>();
  return {
    created: [],
    used,
    supply(layer: Layer, name: string, shape: readonly number[], dtype: DType): Tensor | null {
      const key = savedWeightName(layer.name, name);
      const found = findInFile(names, (n) => file.spec(n) !== undefined, [
        key,
        `${layer.name}/${name}`,
      ]);
      if (found === null) {
        if (strict)
          throw new IOError(`${where}: weight '${key}' of the model is missing from the file`);
        return null;
      }
      const spec = file.spec(found);
      if (!spec) return null;
      if (spec.shape.length !== shape.length || spec.shape.some((d, i) => d !== shape[i]))
        throw new IOError(
          `${where}: weight '${key}' has shape ${show(spec.shape)} in the file but ${show(shape)} in the model`,
        );
      const floats = (d: DType) => d === 'float32' || d === 'float16';
      if (spec.dtype !== dtype && !(floats(spec.dtype) && floats(dtype)))
        throw new IOError(
          `${where}: weight '${key}' is ${spec.dtype} in the file but ${dtype} in the model; refusing to reinterpret or convert it (the manifest does not match the model)`,
        );
      if (used.has(found))
        throw new IOError(
          `${where}: weight '${found}' of the file would be used by two weights of the model`,
        );
      used.add(found);
      const t = file.tensor(found);
      if (t.dtype === dtype) return t;
      const cast = t.cast(dtype);
      t.dispose();
      return cast;
    },
  };
}
