// What steps return and how the loop reads it: logs as scalar tensors, read to numbers only when shown.
import type { Logs } from '../../callbacks/callback.js';
import type { Tensor } from '../../core/tensor.js';
import { scalar } from '../../ops/creation.js';
import type { CompiledMetric } from './compiled.js';

/**
 * What a step returns (Keras 3's logs): 'loss' and the metrics, as scalar tensors (read only when shown)
 * or numbers.
 * @example return { loss: total, kl: klTerm };
 */
export type StepLogs = Record<string, Tensor | number>;

/**
 * Reads a step's logs into numbers (the only place values leave the backend), names prefixed.
 * @example const logs = await readLogs(stepLogs, 'val_'); // { val_loss: 0.31 }
 */
export async function readLogs(logs: StepLogs, prefix = ''): Promise<Logs> {
  const out: Logs = {};
  for (const [k, v] of Object.entries(logs))
    out[prefix + k] = typeof v === 'number' ? v : (await v.data())[0];
  return out;
}

/**
 * Logs as tensors, in order (loss first), as tfjs' evaluate returns them.
 * @example const [loss, acc] = logsAsTensors(logs) as nr.Tensor[];
 */
export function logsAsTensors(logs: StepLogs): Tensor | Tensor[] {
  const out = Object.values(logs).map((v) => (typeof v === 'number' ? scalar(v) : v));
  return out.length === 1 ? out[0] : out;
}

/**
 * Adds tfjs' names beside Keras 3's ('acc' beside 'accuracy', 'val_acc' beside 'val_accuracy'),
 * non-enumerable, so `logs.acc` reads for tfjs programs while listings, CSV files and the progress bar
 * show each value once, under its Keras name. Returns the same object.
 * @example withTfjsNames({ accuracy: 0.9 }, metrics).acc // 0.9
 */
export function withTfjsNames(logs: Logs, metrics: readonly CompiledMetric[]): Logs {
  for (const m of metrics) {
    if (!m.tfjsName) continue;
    for (const prefix of ['', 'val_']) {
      const value = logs[prefix + m.name];
      const alias = prefix + m.tfjsName;
      if (value === undefined || Object.prototype.hasOwnProperty.call(logs, alias)) continue;
      Object.defineProperty(logs, alias, {
        value,
        enumerable: false,
        configurable: true,
        writable: true,
      });
    }
  }
  return logs;
}
