// EarlyStopping: stop fit when a monitored value stops improving, optionally restoring the best weights.
import { ArgumentError, show } from '../core/errors.js';
import { dispose } from '../core/memory.js';
import type { Tensor } from '../core/tensor.js';
import { Callback, type Logs } from './callback.js';
import { improves, type MonitorMode, resolveMode } from './monitor.js';

/** Options of EarlyStopping (Keras names in camelCase). */
export interface EarlyStoppingArgs {
  /** Logged value to watch. Default 'val_loss'. */
  monitor?: string;
  /** Smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** Epochs without improvement before stopping. Default 0. */
  patience?: number;
  verbose?: number;
  mode?: MonitorMode;
  /** Stop unless the value beats this baseline within `patience` epochs. */
  baseline?: number;
  /** Restore the weights of the best epoch when stopping (or at the end of training). */
  restoreBestWeights?: boolean;
  /** Epochs to wait before watching at all. Default 0. */
  startFromEpoch?: number;
}

/**
 * Stops training when `monitor` has not improved for `patience` epochs.
 * @example await model.fit(x, y, { epochs: 100, validationSplit: 0.2, callbacks: [new nr.callbacks.EarlyStopping({ patience: 3, restoreBestWeights: true })] });
 */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly mode: 'min' | 'max';
  readonly baseline: number | null;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  readonly verbose: number;
  wait = 0;
  stoppedEpoch = 0;
  best = Infinity;
  bestEpoch = 0;
  private bestWeights: Tensor[] | null = null;

  constructor(args: EarlyStoppingArgs = {}) {
    super();
    this.monitor = args.monitor ?? 'val_loss';
    this.minDelta = Math.abs(args.minDelta ?? 0);
    this.patience = args.patience ?? 0;
    if (!Number.isInteger(this.patience) || this.patience < 0)
      throw new ArgumentError(
        `EarlyStopping: patience must be a non-negative integer, received ${show(args.patience)}`,
      );
    this.mode = resolveMode('EarlyStopping', args.mode, this.monitor);
    this.baseline = args.baseline ?? null;
    this.restoreBestWeights = args.restoreBestWeights ?? false;
    this.startFromEpoch = args.startFromEpoch ?? 0;
    this.verbose = args.verbose ?? 0;
  }

  override onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.bestEpoch = 0;
    dispose(this.bestWeights);
    this.bestWeights = null;
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    const current = logs[this.monitor];
    if (current === undefined) {
      console.warn(
        `EarlyStopping: '${this.monitor}' is not in the logs (available: ${Object.keys(logs).join(', ')}); nothing to watch`,
      );
      return;
    }
    if (epoch < this.startFromEpoch || !this.model) return;
    this.wait++;
    if (improves(this.mode, current, this.best, this.minDelta)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) {
        dispose(this.bestWeights);
        this.bestWeights = this.model.getWeights();
      }
      if (this.baseline === null || improves(this.mode, current, this.baseline, 0)) this.wait = 0;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
    }
  }

  override onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0)
      console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    if (this.restoreBestWeights && this.bestWeights && this.model) {
      if (this.verbose > 0)
        console.log(
          `Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`,
        );
      this.model.setWeights(this.bestWeights);
    }
    dispose(this.bestWeights);
    this.bestWeights = null;
  }
}

/**
 * An EarlyStopping callback (tfjs' `tf.callbacks.earlyStopping`).
 * @example await model.fit(x, y, { epochs: 50, validationSplit: 0.2, callbacks: nr.callbacks.earlyStopping({ monitor: 'val_acc', patience: 3 }) });
 */
export function earlyStopping(args: EarlyStoppingArgs = {}): EarlyStopping {
  return new EarlyStopping(args);
}
