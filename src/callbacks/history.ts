// History: what fit returns, the per-epoch logs (Keras' History callback).
import { Callback, type Logs } from './callback.js';

/**
 * Records each epoch's logs; `fit` resolves to it.
 * @example
 * const h = await model.fit(x, y, { epochs: 3 });
 * console.log(h.history.loss); // [0.9, 0.6, 0.5]
 */
export class History extends Callback {
  /** Epoch indices that ran. */
  readonly epoch: number[] = [];
  /** One array of values per log key ('loss', 'accuracy', 'val_loss', ...). */
  readonly history: Record<string, number[]> = {};

  override onTrainBegin(): void {
    this.epoch.length = 0;
    for (const k of Object.getOwnPropertyNames(this.history)) delete this.history[k];
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
    // tfjs' names of the same values ('acc' beside 'accuracy') stay non-enumerable here too.
    for (const k of Object.getOwnPropertyNames(logs)) {
      if (Object.prototype.propertyIsEnumerable.call(logs, k)) continue;
      if (!Object.prototype.hasOwnProperty.call(this.history, k))
        Object.defineProperty(this.history, k, {
          value: [],
          enumerable: false,
          configurable: true,
        });
      this.history[k].push(logs[k]);
    }
  }
}
