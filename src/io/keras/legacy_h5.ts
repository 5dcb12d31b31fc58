// Legacy HDF5 model files (Keras 2, tf.keras, Keras 3 `save('x.h5')`): the model_config attribute and
// the model_weights group, whose weights are matched to the model by name, not by order.
import { IOError, show } from '../../core/errors.js';
import type { LayerWeight } from '../../layers/layer.js';
import type { Model } from '../../models/model.js';
import { readModelConfig } from './config.js';
import { isLegacyKeras, useLegacyActivations } from '../legacy_semantics.js';
import { H5Reader } from './hdf5.js';
import { assignDataset, buildModel, type KerasLoadOptions } from './keras_file.js';

/**
 * Pairs a layer's weights with the names listed in its group's `weight_names`: by `<layer>/<weight>`
 * when every weight is found so, else the k-th weight named 'kernel' takes the k-th entry ending in
 * 'kernel' (Keras 2 lists a nested model's moving statistics after all its trainable weights, and RNN
 * cells under names like 'lstm/lstm_cell/kernel:0' or 'forward_lstm/lstm_cell_1/kernel:0').
 * @example matchByName(dense.weightRecords(), ['dense/kernel:0', 'dense/bias:0'])
 */
export function matchByName(weights: LayerWeight[], names: string[]): (string | undefined)[] {
  const strip = (n: string) => n.replace(/:\d+$/, '');
  const exact = weights.map((w) => names.find((n) => strip(n) === `${w.layer.name}/${w.name}`));
  if (exact.every((n) => n !== undefined) && new Set(exact).size === exact.length) return exact;
  const byTail = new Map<string, string[]>();
  for (const n of names) {
    const tail = strip(n).split('/').pop() ?? '';
    (byTail.get(tail) ?? byTail.set(tail, []).get(tail))?.push(n);
  }
  const taken = new Map<string, number>();
  return weights.map((w) => {
    const k = taken.get(w.name) ?? 0;
    taken.set(w.name, k + 1);
    return byTail.get(w.name)?.[k];
  });
}

/**
 * A model from the bytes of a legacy HDF5 model file.
 * @example const model = await loadLegacyH5Bytes(bytes, 'mnist.h5');
 */
export async function loadLegacyH5Bytes(
  bytes: Uint8Array,
  where: string,
  options: KerasLoadOptions = {},
): Promise<Model> {
  const h5 = await H5Reader.open(bytes, where);
  try {
    const text = h5.attr('', 'model_config');
    if (text === null)
      throw new IOError(
        `${where}: this HDF5 file has no model_config attribute: it holds weights only (load them into a model built in code)`,
      );
    if (text.length > 64 * 1024 * 1024)
      throw new IOError(`${where}: model_config is larger than 64 MiB`);
    let config: unknown;
    try {
      config = JSON.parse(text);
    } catch (e) {
      throw new IOError(
        `${where}: model_config is not valid JSON (${e instanceof Error ? e.message : show(e)})`,
      );
    }
    const topology = readModelConfig(config, where, { safeMode: options.safeMode ?? true });
    // Keras 2 and tf.keras files mean Keras 2's hard sigmoid by 'hard_sigmoid'.
    if (isLegacyKeras(h5.attr('', 'keras_version'))) useLegacyActivations(topology);
    const model = buildModel(topology, where);
    try {
      const root = h5.children('model_weights') ? 'model_weights' : '';
      for (const layer of model.layers) {
        const weights = layer.weightRecords();
        if (!weights.length) continue;
        const group = root ? `${root}/${layer.name}` : layer.name;
        const names = h5.attrStrings(group, 'weight_names');
        if (!names)
          throw new IOError(
            `${where}: layer '${layer.name}' has ${weights.length} weights but the file has no group for it`,
          );
        if (names.length !== weights.length)
          throw new IOError(
            `${where}: layer '${layer.name}' has ${weights.length} weights but the file lists ${names.length} (${show(names)})`,
          );
        const matched = matchByName(weights, names);
        weights.forEach((w, i) => {
          const name = matched[i];
          if (!name)
            throw new IOError(
              `${where}: weight '${w.layer.name}/${w.name}' is not in the file's group '${group}'`,
            );
          assignDataset(w, h5, `${group}/${name}`);
        });
      }
    } catch (e) {
      model.dispose();
      throw e;
    }
    return model;
  } finally {
    h5.close();
  }
}
