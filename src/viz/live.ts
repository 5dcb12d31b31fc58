// Live plots in a page: line charts drawn as SVG text (no vega, no canvas), and fit callbacks that update them.
import { Callback, type Logs } from '../callbacks/callback.js';
import { ArgumentError, show } from '../core/errors.js';
import { sizeOption } from './chart.js';

/** One line of a chart: points in x order. */
export interface LineSeries {
  name: string;
  points: readonly (readonly [number, number])[];
  /** Stroke colour (any SVG colour). */
  color?: string;
  /** Stroke width in SVG units; default 2. */
  width?: number;
}

/** Options of `lineChartSVG`. */
export interface LineChartOptions {
  width?: number;
  height?: number;
  title?: string;
  xLabel?: string;
}

/** Anything whose content can be set to markup: a DOM element (a `<div>`), or a test double. */
export interface SvgContainer {
  innerHTML: string;
}

/** The same colours as plotHistory: training blue, validation orange; batches a light blue. */
const COLORS = { batch: '#aec7e8', training: '#1f77b4', validation: '#ff7f0e' } as const;

/** Text made safe inside SVG markup (metric names come from user code). */
function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function isFinitePoint(p: readonly [number, number]): boolean {
  return Number.isFinite(p[0]) && Number.isFinite(p[1]);
}

/**
 * Round tick values covering [lo, hi]: steps of 1, 2 or 5 times a power of ten, about `count` of them.
 * @example nr.viz.niceTicks(0, 1, 5) // [0, 0.2, 0.4, 0.6, 0.8, 1]
 */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi <= lo) return [lo];
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  // NOTE: ticks are computed as multiples of the step, not by adding it, so no error accumulates.
  for (let k = Math.ceil(lo / step); k * step <= hi + step * 1e-9; k++)
    ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

/** A tick label: few digits, no float noise. */
function label(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

/**
 * One line chart as an SVG document (a string), with axes, ticks, a legend and a title: what the live
 * chart draws, and usable on its own (in Node too).
 * @example
 * const svg = nr.viz.lineChartSVG([{ name: 'loss', points: [[1, 0.9], [2, 0.5]] }], { title: 'loss' });
 */
export function lineChartSVG(
  series: readonly LineSeries[],
  options: LineChartOptions = {},
): string {
  if (!Array.isArray(series))
    throw new ArgumentError(`lineChartSVG: series must be an array, received ${show(series)}`);
  const width = sizeOption('lineChartSVG', 'width', options.width, 320);
  const height = sizeOption('lineChartSVG', 'height', options.height, 200);
  const m = { left: 46, right: 10, top: options.title ? 26 : 10, bottom: options.xLabel ? 34 : 22 };
  const pw = Math.max(1, width - m.left - m.right);
  const ph = Math.max(1, height - m.top - m.bottom);
  const finite = series.flatMap((s) => s.points.filter(isFinitePoint));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  if (options.title)
    parts.push(
      `<text x="${width / 2}" y="17" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(options.title)}</text>`,
    );
  if (options.xLabel)
    parts.push(
      `<text x="${m.left + pw / 2}" y="${height - 4}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
    );
  parts.push(
    `<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#ccc"/>`,
  );
  if (finite.length > 0) {
    let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
    for (const [x, y] of finite) {
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
    if (x1 === x0) x1 = x0 + 1;
    const pad = y1 === y0 ? Math.max(Math.abs(y0) * 0.1, 0.1) : (y1 - y0) * 0.05;
    y0 -= pad;
    y1 += pad;
    const sx = (x: number) => (m.left + ((x - x0) / (x1 - x0)) * pw).toFixed(1);
    const sy = (y: number) => (m.top + (1 - (y - y0) / (y1 - y0)) * ph).toFixed(1);
    for (const t of niceTicks(y0, y1, 4))
      parts.push(
        `<line x1="${m.left}" x2="${m.left + pw}" y1="${sy(t)}" y2="${sy(t)}" stroke="#eee"/>`,
        `<text x="${m.left - 4}" y="${Number(sy(t)) + 4}" text-anchor="end">${label(t)}</text>`,
      );
    for (const t of niceTicks(x0, x1, 5))
      parts.push(
        `<text x="${sx(t)}" y="${m.top + ph + 14}" text-anchor="middle">${label(t)}</text>`,
      );
    for (const s of series) {
      const pts = s.points.filter(isFinitePoint);
      if (pts.length === 0) continue;
      const color = escapeXml(s.color ?? COLORS.training);
      const w = s.width ?? 2;
      if (pts.length === 1)
        parts.push(`<circle cx="${sx(pts[0][0])}" cy="${sy(pts[0][1])}" r="3" fill="${color}"/>`);
      else
        parts.push(
          `<polyline fill="none" stroke="${color}" stroke-width="${w}" stroke-linejoin="round" points="${pts.map((p: readonly [number, number]) => `${sx(p[0])},${sy(p[1])}`).join(' ')}"/>`,
        );
    }
  }
  // The legend: one swatch and name per series, right-aligned along the top of the plot.
  let lx = m.left + pw - 4;
  for (const s of [...series].reverse()) {
    const text = escapeXml(s.name);
    lx -= s.name.length * 6.2;
    parts.push(`<text x="${lx.toFixed(1)}" y="${m.top + 12}">${text}</text>`);
    lx -= 14;
    parts.push(
      `<rect x="${lx.toFixed(1)}" y="${m.top + 5}" width="10" height="3" fill="${escapeXml(s.color ?? COLORS.training)}"/>`,
    );
    lx -= 8;
  }
  parts.push('</svg>');
  return parts.join('');
}

/** Options of `fitCallbacks` (and of `FitChart`). */
export interface FitChartOptions {
  /** Size of each metric's panel. */
  width?: number;
  height?: number;
  /** Which hooks draw: per batch and/or per epoch; default both. */
  callbacks?: ('onBatchEnd' | 'onEpochEnd')[];
  /** Most batch points kept per metric; beyond it, neighbours are averaged in pairs. Default 1000. */
  maxBatchPoints?: number;
}

/** The first of the names under which a metric may appear in fit's logs (`acc` and `accuracy` alike). */
function lookup(logs: Logs | undefined, name: string): number | undefined {
  if (!logs) return undefined;
  let alias: string | undefined;
  if (name.endsWith('accuracy')) alias = `${name.slice(0, -'uracy'.length)}`;
  else if (name.endsWith('acc')) alias = `${name}uracy`;
  const v = logs[name] ?? (alias === undefined ? undefined : logs[alias]);
  return typeof v === 'number' ? v : undefined;
}

/**
 * A callback that draws one live panel per metric into `container`: the per-batch value (light), the
 * epoch's training value and, with validation data, the `val_` value, over training steps.
 * @example
 * await model.fit(x, y, { epochs: 5, callbacks: new nr.viz.FitChart(div, ['loss', 'accuracy']) });
 */
export class FitChart extends Callback {
  private readonly batch = new Map<string, [number, number][]>();
  private readonly epoch = new Map<string, [number, number][]>();
  private readonly validation = new Map<string, [number, number][]>();
  private readonly width: number;
  private readonly height: number;
  private readonly onBatch: boolean;
  private readonly onEpoch: boolean;
  private readonly maxBatchPoints: number;
  private epochsDone = 0;
  private pending = false;

  constructor(
    private readonly container: SvgContainer,
    readonly metrics: string[] = ['loss'],
    options: FitChartOptions = {},
  ) {
    super();
    if (typeof container !== 'object' || container === null || !('innerHTML' in container))
      throw new ArgumentError(
        `fitCallbacks: container must be a DOM element, received ${show(container)}`,
      );
    if (!Array.isArray(metrics) || metrics.some((m) => typeof m !== 'string' || !m))
      throw new ArgumentError(
        `fitCallbacks: metrics must be an array of metric names, received ${show(metrics)}`,
      );
    this.width = sizeOption('fitCallbacks', 'width', options.width, 320);
    this.height = sizeOption('fitCallbacks', 'height', options.height, 200);
    const hooks = options.callbacks ?? ['onBatchEnd', 'onEpochEnd'];
    this.onBatch = hooks.includes('onBatchEnd');
    this.onEpoch = hooks.includes('onEpochEnd');
    this.maxBatchPoints = Math.max(16, options.maxBatchPoints ?? 1000);
    for (const m of metrics) {
      this.batch.set(m, []);
      this.epoch.set(m, []);
      this.validation.set(m, []);
    }
  }

  /** Batch logs are read from the backend each step only when batch points are drawn. */
  override wantsBatchLogs(): boolean {
    return this.onBatch;
  }

  override onTrainBegin(): void {
    this.epochsDone = 0;
    for (const map of [this.batch, this.epoch, this.validation])
      for (const points of map.values()) points.length = 0;
    this.draw();
  }

  override onBatchEnd(batch: number, logs?: Logs): void {
    const step = this.epochsDone * Math.max(1, this.params.steps) + batch + 1;
    for (const m of this.metrics) {
      const v = lookup(logs, m);
      if (v === undefined) continue;
      const points = this.batch.get(m);
      if (!points) continue;
      points.push([step, v]);
      if (points.length > this.maxBatchPoints) halve(points);
    }
    this.schedule();
  }

  override onEpochEnd(_epoch: number, logs?: Logs): void {
    this.epochsDone++;
    if (!this.onEpoch) return;
    const step = this.epochsDone * Math.max(1, this.params.steps);
    for (const m of this.metrics) {
      const v = lookup(logs, m);
      if (v !== undefined) this.epoch.get(m)?.push([step, v]);
      const val = lookup(logs, `val_${m}`);
      if (val !== undefined) this.validation.get(m)?.push([step, val]);
    }
    this.schedule();
  }

  override onTrainEnd(): void {
    this.draw();
  }

  /** The panels as SVG documents, one per metric. @example chart.toSVG()[0].startsWith('<svg') */
  toSVG(): string[] {
    return this.metrics.map((m) => {
      const series: LineSeries[] = [];
      const batch = this.batch.get(m) ?? [];
      const epoch = this.epoch.get(m) ?? [];
      const val = this.validation.get(m) ?? [];
      if (batch.length)
        series.push({ name: 'batch', points: batch, color: COLORS.batch, width: 1 });
      if (epoch.length) series.push({ name: 'epoch', points: epoch, color: COLORS.training });
      if (val.length) series.push({ name: 'validation', points: val, color: COLORS.validation });
      return lineChartSVG(series, {
        width: this.width,
        height: this.height,
        title: m,
        xLabel: 'step',
      });
    });
  }

  /** Draws now (otherwise drawing waits for the next animation frame, at most once a frame). */
  draw(): void {
    this.pending = false;
    this.container.innerHTML = this.toSVG()
      .map((svg) => `<div style="display:inline-block">${svg}</div>`)
      .join('');
  }

  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    const raf = (globalThis as { requestAnimationFrame?: (f: () => void) => number })
      .requestAnimationFrame;
    if (raf) raf(() => this.pending && this.draw());
    else this.draw();
  }
}

/** Averages neighbouring points in pairs, in place: half as many points over the same range. */
function halve(points: [number, number][]): void {
  const n = Math.floor(points.length / 2);
  for (let i = 0; i < n; i++) {
    const [a, b] = [points[2 * i], points[2 * i + 1]];
    points[i] = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
  }
  if (points.length % 2) points[n] = points[points.length - 1];
  points.length = n + (points.length % 2);
}

/**
 * Live training plots in a page, like tfjs-vis' `fitCallbacks`: pass the result to `fit`'s callbacks.
 * One panel per metric, updated per batch and per epoch.
 * @example
 * await model.fit(x, y, { epochs: 5, callbacks: nr.viz.fitCallbacks(div, ['loss', 'acc']) });
 */
export function fitCallbacks(
  container: SvgContainer,
  metrics: string[] = ['loss'],
  options: FitChartOptions = {},
): FitChart {
  return new FitChart(container, metrics, options);
}

/**
 * Draws a chart (a `Chart` from the plot functions, a `FitChart`, or SVG text) into an element.
 * @example await nr.viz.render(document.querySelector('#plot')!, await nr.viz.plotHistory(history));
 */
export async function render(
  container: SvgContainer,
  chart: { toSVG(): Promise<string> | string | string[] } | string,
): Promise<void> {
  if (typeof container !== 'object' || container === null || !('innerHTML' in container))
    throw new ArgumentError(`render: container must be a DOM element, received ${show(container)}`);
  if (typeof chart === 'string') {
    container.innerHTML = chart;
    return;
  }
  if (typeof chart !== 'object' || chart === null || typeof chart.toSVG !== 'function')
    throw new ArgumentError(
      `render: chart must be a Chart, a FitChart or SVG text, received ${show(chart)}`,
    );
  const svg = await chart.toSVG();
  container.innerHTML = Array.isArray(svg) ? svg.join('') : svg;
}
