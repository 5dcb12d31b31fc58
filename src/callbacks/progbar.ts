// Keras' progress display: `Epoch 1/5` then `1875/1875 ━━━━━━━━━━━━━━━━━━━━ 3s 1ms/step - loss: 0.5312`.
import type { Logs } from './callback.js';

/** Where the bar writes (process.stdout in Node). */
export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
}

const WIDTH = 20;

function formatDuration(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  if (m < 60) return `${m}:${String(s).padStart(2, '0')}`;
  return `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

function formatPerStep(seconds: number): string {
  if (seconds >= 1) return `${Math.round(seconds)}s/step`;
  if (seconds >= 1e-3) return `${Math.round(seconds * 1e3)}ms/step`;
  return `${Math.round(seconds * 1e6)}us/step`;
}

/** `- accuracy: 0.8123 - loss: 0.5312`, keys sorted as Keras 3 prints them. @example formatLogs({ loss: 0.5, accuracy: 0.9 }) // ' - accuracy: 0.9000 - loss: 0.5000' */
export function formatLogs(logs: Logs): string {
  return Object.keys(logs)
    .sort()
    .map(
      (k) =>
        ` - ${k}: ${Math.abs(logs[k]) < 1e-3 && logs[k] !== 0 ? logs[k].toExponential(4) : logs[k].toFixed(4)}`,
    )
    .join('');
}

/**
 * The progress bar of one fit: redrawn in place on a TTY, one line per epoch otherwise.
 * @example const bar = new Progbar(process.stdout, 5); bar.epochBegin(0, 1875);
 */
export class Progbar {
  /** Steps per epoch; null when unknown (a dataset without batchesPerEpoch): shown as `12/Unknown`. */
  private steps: number | null = 0;
  private start = 0;
  private lastDraw = 0;

  constructor(
    private readonly stream: ProgressStream,
    private readonly epochs: number,
  ) {}

  get isTTY(): boolean {
    return this.stream.isTTY === true;
  }

  epochBegin(epoch: number, steps: number | null): void {
    this.steps = steps;
    this.start = performance.now();
    this.lastDraw = 0;
    this.stream.write(`Epoch ${epoch + 1}/${this.epochs}\n`);
  }

  /** Whether an in-place redraw is due (at most 5 per second, TTY only). */
  wantsUpdate(): boolean {
    return this.isTTY && performance.now() - this.lastDraw > 200;
  }

  /** Redraws the bar after `done` steps with the running logs (TTY only). */
  update(done: number, logs: Logs): void {
    if (!this.isTTY) return;
    this.lastDraw = performance.now();
    const elapsed = (this.lastDraw - this.start) / 1000;
    const perStep = done ? elapsed / done : 0;
    // Without a known length there is no time left to estimate: the elapsed time is shown instead.
    const timing =
      this.steps === null
        ? `${formatDuration(elapsed)} ${formatPerStep(perStep)}`
        : `${formatDuration(perStep * (this.steps - done))} ${formatPerStep(perStep)}`;
    this.stream.write(`\r\x1b[K${this.line(done, this.steps, timing, logs)}`);
  }

  /** The final line of the epoch, after `done` steps (by default the steps announced). */
  epochEnd(logs: Logs, done: number = this.steps ?? 0): void {
    const elapsed = (performance.now() - this.start) / 1000;
    const perStep = done ? `${formatPerStep(elapsed / done)}` : '';
    const text = this.line(
      done,
      this.steps ?? done,
      `${formatDuration(elapsed)}${perStep ? ` ${perStep}` : ''}`,
      logs,
    );
    this.stream.write(this.isTTY ? `\r\x1b[K${text}\n` : `${text}\n`);
  }

  private line(done: number, total: number | null, timing: string, logs: Logs): string {
    const filled = total ? Math.round((done / total) * WIDTH) : total === null ? 0 : WIDTH;
    const bar = this.isTTY
      ? `\x1b[1m${'━'.repeat(filled)}\x1b[0m\x1b[2m${'━'.repeat(WIDTH - filled)}\x1b[0m`
      : '━'.repeat(WIDTH);
    const counter =
      total === null
        ? `${done}/Unknown`
        : `${String(done).padStart(String(total).length)}/${total}`;
    return `${counter} ${bar} ${timing}${formatLogs(logs)}`;
  }
}
