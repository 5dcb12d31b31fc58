// Where each weight of a model lives in model.weights.h5: Keras 3's object-tree paths
// (keras/src/saving/saving_lib.py: _save_state, _save_container_state, _walk_saveable).
import type { Layer, LayerWeight } from '../../layers/layer.js';
import { kerasChildren, kerasClassOf, kerasSnake, mappingFor } from './mapping.js';

/** One saveable object: its path ('' for the root model), the layer, and its own weights in Keras order. */
export interface SaveablePath {
  path: string;
  layer: Layer;
  vars: LayerWeight[];
}

/** A layer's own weights (not its sublayers', nor those Keras keeps in sublayers), in Keras' variable order. @example ownVars(dense).map((w) => w.name) // ['kernel', 'bias'] */
export function ownVars(layer: Layer): LayerWeight[] {
  const row = mappingFor(kerasClassOf(layer));
  const moved = new Set(Object.values(row.subVars ?? {}).flat());
  const own = layer.allWeightRecords().filter((w) => w.layer === layer && !moved.has(w.name));
  const order = row.vars;
  if (!order) return own;
  const byName = new Map(own.map((w) => [w.name, w]));
  const listed = order.flatMap((n) => {
    const w = byName.get(n);
    return w ? [w] : [];
  });
  // Weights the row does not list keep their creation order after the listed ones.
  return [...listed, ...own.filter((w) => !order.includes(w.name))];
}

const join = (a: string, b: string) => (a ? `${a}/${b}` : b);

/**
 * Every saveable of a model with its path, in Keras' visiting order. Rules (saving_lib.py):
 * - a model's `layers` come first, as a container: each item is named by `to_snake_case` of its class,
 *   the first 'dense', then 'dense_1', 'dense_2' (a counter per name within that container);
 * - an object reached twice (a shared layer) is written only the first time;
 * - sublayers held in attributes (an RNN's `cell`, Bidirectional's `forward_layer`) sit under the attribute name;
 * - variables sit in `<path>/vars/<index>`.
 * `order` gives a model's layers in its config's order (a read follows the file's order, as Keras does).
 * @example kerasPaths(model).map((p) => p.path) // ['', 'layers/dense', 'layers/dense_1']
 */
export function kerasPaths(root: Layer, order?: ReadonlyMap<Layer, Layer[]>): SaveablePath[] {
  const out: SaveablePath[] = [];
  const visited = new Set<Layer>();
  const visit = (layer: Layer, path: string) => {
    if (visited.has(layer)) return;
    visited.add(layer);
    out.push({ path, layer, vars: ownVars(layer) });
    const sub = mappingFor(kerasClassOf(layer)).subVars;
    if (sub) {
      const mine = new Map(
        layer
          .allWeightRecords()
          .filter((w) => w.layer === layer)
          .map((w) => [w.name, w]),
      );
      for (const [attr, names] of Object.entries(sub)) {
        const vars = names.flatMap((n) => mine.get(n) ?? []);
        if (vars.length) out.push({ path: join(path, attr), layer, vars });
      }
    }
    for (const child of kerasChildren(layer)) {
      if ('layer' in child) visit(child.layer, join(path, child.attr));
      else {
        const used = new Map<string, number>();
        const list = (child.attr === 'layers' && order?.get(layer)) || child.list;
        for (const item of list) {
          const base = kerasSnake(kerasClassOf(item));
          const n = used.get(base);
          const name = n === undefined ? base : `${base}_${n + 1}`;
          used.set(base, n === undefined ? 0 : n + 1);
          visit(item, join(join(path, child.attr), name));
        }
      }
    }
  };
  visit(root, '');
  return out;
}
