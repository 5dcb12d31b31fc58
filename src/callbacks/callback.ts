// Callbacks: hooks into fit/evaluate/predict, the object-literal form of tfjs, and the list that runs them.
import type { Model } from '../models/model.js';

/** Values reported to callbacks: 'loss', metric names, and their 'val_' forms. */
export type Logs = Record<string, number>;

/**
 * Base class of callbacks; override the hooks you need. Hooks may be async: fit awaits them.
 * @example
 * class Printer extends nr.callbacks.Callback {
 *   override onEpochEnd(epoch: number, logs?: nr.callbacks.Logs) { console.log(epoch, logs?.loss); }
 * }
 */
export class Callback {
  model: Model | null = null;
  /** Parameters of the current fit: epochs, steps per epoch, verbose. */
  params: { epochs: number; steps: number; verbose: number } = { epochs: 0, steps: 0, verbose: 0 };

  setModel(model: Model): void {
    this.model = model;
  }
  setParams(params: { epochs: number; steps: number; verbose: number }): void {
    this.params = params;
  }
  /**
   * True when onBatchEnd must run each batch (its values cost a read from the backend per batch): by
   * default, when a subclass overrides onBatchEnd.
   */
  wantsBatchLogs(): boolean {
    return this.onBatchEnd !== Callback.prototype.onBatchEnd;
  }
  onTrainBegin(_logs?: Logs): void | Promise<void> {}
  onTrainEnd(_logs?: Logs): void | Promise<void> {}
  onEpochBegin(_epoch: number, _logs?: Logs): void | Promise<void> {}
  onEpochEnd(_epoch: number, _logs?: Logs): void | Promise<void> {}
  onBatchBegin(_batch: number, _logs?: Logs): void | Promise<void> {}
  onBatchEnd(_batch: number, _logs?: Logs): void | Promise<void> {}
  onTestBegin(_logs?: Logs): void | Promise<void> {}
  onTestEnd(_logs?: Logs): void | Promise<void> {}
}

/** tfjs' object-literal callbacks: `{ onEpochEnd: async (epoch, logs) => ... }`. */
export interface CallbackHooks {
  onTrainBegin?: (logs?: Logs) => void | Promise<void>;
  onTrainEnd?: (logs?: Logs) => void | Promise<void>;
  onEpochBegin?: (epoch: number, logs?: Logs) => void | Promise<void>;
  onEpochEnd?: (epoch: number, logs?: Logs) => void | Promise<void>;
  onBatchBegin?: (batch: number, logs?: Logs) => void | Promise<void>;
  onBatchEnd?: (batch: number, logs?: Logs) => void | Promise<void>;
}

/**
 * A callback made from an object of hooks (tfjs' `tf.CustomCallback`); `fit({callbacks})` wraps plain
 * objects in one. Hooks may be async: the loop awaits them.
 * @example new nr.CustomCallback({ onEpochEnd: async (epoch, logs) => console.log(epoch, logs?.loss) })
 */
export class CustomCallback extends Callback {
  constructor(private readonly hooks: CallbackHooks) {
    super();
  }
  override wantsBatchLogs(): boolean {
    return typeof this.hooks.onBatchEnd === 'function';
  }
  override onTrainBegin(logs?: Logs) {
    return this.hooks.onTrainBegin?.(logs);
  }
  override onTrainEnd(logs?: Logs) {
    return this.hooks.onTrainEnd?.(logs);
  }
  override onEpochBegin(epoch: number, logs?: Logs) {
    return this.hooks.onEpochBegin?.(epoch, logs);
  }
  override onEpochEnd(epoch: number, logs?: Logs) {
    return this.hooks.onEpochEnd?.(epoch, logs);
  }
  override onBatchBegin(batch: number, logs?: Logs) {
    return this.hooks.onBatchBegin?.(batch, logs);
  }
  override onBatchEnd(batch: number, logs?: Logs) {
    return this.hooks.onBatchEnd?.(batch, logs);
  }
}

/** What `fit({callbacks})` accepts. */
export type CallbackSpec = Callback | CallbackHooks | (Callback | CallbackHooks)[];

/** Normalises callback specs into Callback objects. @example toCallbacks({ onEpochEnd: () => {} }) // [Callback] */
export function toCallbacks(spec: CallbackSpec | undefined): Callback[] {
  if (!spec) return [];
  const list = Array.isArray(spec) ? spec : [spec];
  return list.map((c) => (c instanceof Callback ? c : new CustomCallback(c)));
}

/** Runs a list of callbacks in order, awaiting each. @example await new CallbackList([history]).epochEnd(0, { loss: 0.5 }) */
export class CallbackList {
  constructor(readonly callbacks: Callback[]) {}
  get wantsBatchLogs(): boolean {
    return this.callbacks.some((c) => c.wantsBatchLogs());
  }
  setModel(model: Model): void {
    for (const c of this.callbacks) c.setModel(model);
  }
  setParams(params: Callback['params']): void {
    for (const c of this.callbacks) c.setParams(params);
  }
  async trainBegin(logs?: Logs) {
    for (const c of this.callbacks) await c.onTrainBegin(logs);
  }
  async trainEnd(logs?: Logs) {
    for (const c of this.callbacks) await c.onTrainEnd(logs);
  }
  async epochBegin(epoch: number, logs?: Logs) {
    for (const c of this.callbacks) await c.onEpochBegin(epoch, logs);
  }
  async epochEnd(epoch: number, logs?: Logs) {
    for (const c of this.callbacks) await c.onEpochEnd(epoch, logs);
  }
  async batchBegin(batch: number, logs?: Logs) {
    for (const c of this.callbacks) await c.onBatchBegin(batch, logs);
  }
  async batchEnd(batch: number, logs?: Logs) {
    for (const c of this.callbacks) await c.onBatchEnd(batch, logs);
  }
}
