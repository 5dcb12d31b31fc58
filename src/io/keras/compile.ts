// compile_config of .keras files <-> neurite's training config, and the optimizer's saved variables.
import { IOError } from '../../core/errors.js';
import { tensor } from '../../ops/creation.js';
import type { Model } from '../../models/model.js';
import type { JsonObject, JsonValue } from '../artifacts.js';
import { convertKeys, toSnake } from '../pythonic.js';
import { isObj } from './config.js';
import type { H5Reader } from './hdf5.js';

/** Keras spells Adam's betas 'beta_1'; neurite's camelCase 'beta1' snake-cases to 'beta1'. */
const kerasKey = (k: string) => toSnake(k).replace(/^beta(\d)$/, 'beta_$1');
const neuriteKey = (k: string) => k.replace(/^beta_(\d)$/, 'beta$1');

function kerasObject(module: string, cls: string, config: JsonValue): JsonObject {
  return { module, class_name: cls, config, registered_name: null };
}

/**
 * The compile_config Keras 3 writes, from a compiled neurite model.
 * @example const cc = compileConfigOf(model); // { optimizer: {...}, loss: 'mean_squared_error', ... }
 */
export function compileConfigOf(model: Model): JsonObject | null {
  const tc = model.trainingConfig();
  if (!tc) return null;
  const opt = isObj(tc.optimizer_config) ? tc.optimizer_config : null;
  const optConfig: JsonObject = {};
  if (opt && isObj(opt.config))
    for (const [k, v] of Object.entries(opt.config))
      optConfig[kerasKey(k)] = convertKeys(v, toSnake) as JsonValue;
  const loss = tc.loss ?? null;
  const lossOut = (l: JsonValue): JsonValue =>
    isObj(l) && typeof l.class_name === 'string'
      ? kerasObject('keras.losses', l.class_name, convertKeys(l.config ?? {}, toSnake) as JsonValue)
      : l;
  return {
    optimizer: opt ? kerasObject('keras.optimizers', String(opt.class_name), optConfig) : null,
    loss: Array.isArray(loss) ? loss.map(lossOut) : lossOut(loss),
    loss_weights: null,
    metrics: Array.isArray(tc.metrics) && tc.metrics.length ? tc.metrics : null,
    weighted_metrics: null,
    run_eagerly: false,
    steps_per_execution: 1,
    jit_compile: false,
  };
}

/** A Keras object or string as neurite's {class_name, config} or string. */
function plain(v: unknown): JsonValue | undefined {
  if (typeof v === 'string') return v;
  if (isObj(v) && typeof v.class_name === 'string') {
    const config: JsonObject = {};
    if (isObj(v.config))
      for (const [k, x] of Object.entries(v.config))
        if (k !== '__proto__' && k !== 'constructor' && k !== 'prototype')
          config[k] = x as JsonValue;
    return { class_name: v.class_name, config };
  }
  return undefined;
}

/** Metric names of a Keras compile_config (strings, possibly nested per output). */
function metricNames(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(metricNames);
  if (
    isObj(v) &&
    typeof v.class_name === 'string' &&
    isObj(v.config) &&
    typeof v.config.name === 'string'
  )
    return [v.config.name];
  return [];
}

/**
 * Compiles a loaded model from its compile_config and restores the optimizer's variables from
 * `optimizer/vars` (iterations, learning_rate unless it is a schedule, then the slots). A config neurite
 * cannot compile (an unknown loss or optimizer) leaves the model uncompiled: it still predicts.
 * @example restoreCompile(model, config.compile_config, h5, 'model.keras') // true when compiled
 */
export function restoreCompile(model: Model, cc: JsonObject, h5: H5Reader, where: string): boolean {
  const opt = plain(cc.optimizer);
  const loss = Array.isArray(cc.loss) ? cc.loss.map(plain) : plain(cc.loss);
  if (!opt || loss === undefined || (Array.isArray(loss) && loss.some((l) => l === undefined)))
    return false;
  const optimizer_config: JsonValue =
    typeof opt === 'string' ? { class_name: opt, config: {} } : opt;
  if (isObj(optimizer_config) && isObj(optimizer_config.config)) {
    const renamed: JsonObject = {};
    for (const [k, v] of Object.entries(optimizer_config.config))
      if (v !== null) renamed[neuriteKey(k)] = v;
    optimizer_config.config = renamed;
  }
  const tc: JsonObject = {
    loss: loss as JsonValue,
    metrics: metricNames(cc.metrics),
    optimizer_config,
  };
  try {
    model.compileFromTrainingConfig(tc);
  } catch {
    return false;
  }
  const optimizer = model.optimizer;
  const group = h5.children('optimizer/vars');
  if (!optimizer || !group) return true;
  optimizer.build(model.trainableWeights);
  const state = optimizer.weights();
  const n = [...group.values()].filter((k) => k === 'dataset').length;
  const hasLr = n === state.length + 1;
  if (!hasLr && n !== state.length) return true;
  const read = state.map((v, i) => {
    const idx = i === 0 ? 0 : hasLr ? i + 1 : i;
    const info = h5.info(`optimizer/vars/${idx}`);
    if (
      !info ||
      info.shape.length !== v.shape.length ||
      info.shape.some((d, j) => d !== v.shape[j])
    )
      return null;
    return idx;
  });
  if (read.some((x) => x === null)) return true;
  const tensors = read.map((idx, i) => {
    const { shape, values } = h5.read(`optimizer/vars/${idx}`);
    return tensor(values, shape, state[i].dtype === 'int32' ? 'int32' : 'float32');
  });
  const cast = tensors.map((t, i) => (t.dtype === state[i].dtype ? t : t.cast(state[i].dtype)));
  try {
    optimizer.setWeights(cast);
  } catch (e) {
    throw new IOError(
      `${where}: optimizer state cannot be restored: ${e instanceof Error ? e.message : String(e)}`,
    );
  } finally {
    for (const t of new Set([...tensors, ...cast])) t.dispose();
  }
  return true;
}
