// Keras' model summary table: layer (type), output shape, params; totals and trainable split.
import { ArgumentError, show } from '../core/errors.js';
import { InputLayer } from '../layers/input.js';
import type { Layer } from '../layers/layer.js';
import { formatShape, type SymbolicShape } from '../layers/symbolic.js';

/** Options of `summary`. */
export interface SummaryOptions {
  /** Table width (Keras default 65 for Sequential, 98 with connections). */
  lineLength?: number;
  /** Where lines go; default console.log. Pass `() => {}` to only get the string. */
  printFn?: (line: string) => void;
  /**
   * Right edges of the columns (layer, output shape, params), as fractions of `lineLength` (all <= 1) or as
   * character positions (tfjs' `positions`). Default [0.45, 0.75, 1].
   */
  positions?: number[];
}

/** Column widths from tfjs-style positions (fractions of the width, or absolute ends). */
function columnWidths(width: number, positions: number[] | undefined): [number, number] {
  const p = positions ?? [0.45, 0.75, 1];
  if (p.length < 2 || !p.every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0))
    throw new ArgumentError(
      `summary: positions must be at least two positive numbers, received ${show(positions)}`,
    );
  const ends = p.every((v) => v <= 1) ? p.map((v) => Math.floor(v * width)) : p.slice();
  if (!(ends[0] < ends[1] && ends[1] <= width))
    throw new ArgumentError(
      `summary: positions must increase and fit in lineLength ${width}, received ${show(positions)}`,
    );
  return [ends[0], ends[1] - ends[0]];
}

interface Row {
  layer: Layer;
  shape: string;
}

/** Anything with layers and a way to get per-layer output shapes. */
interface Summarizable extends Layer {
  readonly layers: Layer[];
}

function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(2)} KB`;
  return `${(n / 1024 ** 2).toFixed(2)} MB`;
}

/** Output shapes of each layer, by running computeOutputShape along a known input shape. */
function rowsOf(model: Summarizable): Row[] {
  const rows: Row[] = [];
  let shape: SymbolicShape | SymbolicShape[] | null = model.builtInputShape ?? null;
  for (const layer of model.layers) {
    if (layer instanceof InputLayer) {
      shape = layer.batchInputShape;
      rows.push({ layer, shape: shape ? formatShape(shape) : '?' });
      continue;
    }
    const node = layer.inboundNodes.find((n) => n.outputs.length);
    if (node && node.outputs[0].node === node && node.inputs.length) {
      const outs = node.outputs.map((o) => o.shape);
      rows.push({ layer, shape: formatShape(outs.length === 1 ? outs[0] : outs) });
      continue;
    }
    try {
      shape = shape ? layer.computeOutputShape(shape) : null;
    } catch {
      shape = null;
    }
    rows.push({ layer, shape: shape ? formatShape(shape) : '?' });
  }
  return rows;
}

/**
 * Renders the summary table and prints it line by line.
 * @example summaryOf(model, { printFn: () => {} })
 */
export function summaryOf(model: Summarizable, options: SummaryOptions = {}): string {
  const width = options.lineLength ?? 65;
  if (!Number.isInteger(width) || width < 20)
    throw new ArgumentError(`summary: lineLength must be an integer >= 20, received ${show(width)}`);
  const cols = columnWidths(width, options.positions);
  const fit = (text: string, w: number) =>
    text.length < w ? text.padEnd(w) : `${text.slice(0, w - 2)}… `;
  const line = (a: string, b: string, c: string) =>
    `${fit(a, cols[0])}${fit(b, cols[1])}${c.padStart(width - cols[0] - cols[1])}`;
  const out: string[] = [];
  out.push(`Model: "${model.name}"`);
  out.push('━'.repeat(width));
  out.push(line('Layer (type)', 'Output Shape', 'Param #'));
  out.push('━'.repeat(width));
  const rows = rowsOf(model);
  rows.forEach((r, i) => {
    out.push(
      line(
        `${r.layer.name} (${r.layer.getClassName()})`,
        r.shape,
        r.layer.countParams().toLocaleString('en-US'),
      ),
    );
    if (i < rows.length - 1) out.push('─'.repeat(width));
  });
  out.push('━'.repeat(width));
  const trainable = model.trainableWeights.reduce((n, w) => n + w.size, 0);
  const nonTrainable = model.nonTrainableWeights.reduce((n, w) => n + w.size, 0);
  const bytes = (t: number) => humanBytes(t * 4);
  out.push(
    ` Total params: ${(trainable + nonTrainable).toLocaleString('en-US')} (${bytes(trainable + nonTrainable)})`,
  );
  out.push(` Trainable params: ${trainable.toLocaleString('en-US')} (${bytes(trainable)})`);
  out.push(
    ` Non-trainable params: ${nonTrainable.toLocaleString('en-US')} (${bytes(nonTrainable)})`,
  );
  const print = options.printFn ?? ((l: string) => console.log(l));
  for (const l of out) print(l);
  return out.join('\n');
}
