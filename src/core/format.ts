// numpy-like text for tensors: aligned columns, and '...' for big tensors (edge items only).
import type { DType, TypedArray } from './dtype.js';
import type { Shape } from './shape.js';

const THRESHOLD = 1000;
const EDGE = 3;

function formatNumber(v: number | string, dtype: DType, rank: number): string {
  // tfjs quotes the strings of an array, not a scalar's
  if (typeof v === 'string') return rank === 0 ? v : `'${v}'`;
  if (dtype === 'bool') return v ? 'true' : 'false';
  if (dtype === 'int32') return String(v);
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e8)) return v.toExponential(4);
  return String(Number(v.toFixed(4)));
}

/**
 * Formats values like numpy: `[[1, 2],\n [3, 4]]`, eliding the middle of big axes.
 * @example formatTensor(new Float32Array([1, 2]), [2], 'float32', false) // 'Tensor\n  [1, 2]'
 */
export function formatTensor(
  values: TypedArray | readonly string[],
  shape: Shape,
  dtype: DType,
  verbose: boolean,
): string {
  // complex64 values are [re, im] pairs: one entry `re + imj` each, left-aligned as tfjs prints them
  const complex = dtype === 'complex64';
  const entry = (offset: number): string =>
    complex
      ? `${formatNumber(values[2 * offset], dtype, shape.length)} + ${formatNumber(values[2 * offset + 1], dtype, shape.length)}j`
      : formatNumber(values[offset], dtype, shape.length);
  const summarize = values.length / (complex ? 2 : 1) > THRESHOLD;
  const strides: number[] = [];
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = acc;
    acc *= shape[i];
  }
  const shown = (n: number): number[] => {
    if (!summarize || n <= 2 * EDGE) return Array.from({ length: n }, (_, i) => i);
    return [
      ...Array.from({ length: EDGE }, (_, i) => i),
      -1,
      ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i),
    ];
  };
  // First pass: the widest entry, so columns line up. Strings, as tfjs prints them, are padded at
  // the end to the widest of their own column (position along the last axis).
  let width = 0;
  const last = shape.length === 0 ? 1 : shape[shape.length - 1];
  const column = new Map<number, number>();
  const collect = (offset: number, dim: number): void => {
    if (dim === shape.length) {
      const w = entry(offset).length;
      width = Math.max(width, w);
      column.set(offset % last, Math.max(column.get(offset % last) ?? 0, w));
      return;
    }
    for (const i of shown(shape[dim])) if (i >= 0) collect(offset + i * strides[dim], dim + 1);
  };
  collect(0, 0);
  const render = (offset: number, dim: number, indent: string): string => {
    if (dim === shape.length) {
      const text = entry(offset);
      if (dtype === 'string') return text.padEnd(column.get(offset % last) ?? 0);
      return complex ? text.padEnd(width) : text.padStart(width);
    }
    const parts = shown(shape[dim]).map((i) =>
      i < 0 ? '...' : render(offset + i * strides[dim], dim + 1, `${indent} `),
    );
    const sep =
      dim === shape.length - 1 ? ', ' : `,${'\n'.repeat(shape.length - dim - 1)}${indent} `;
    return `[${parts.join(sep)}]`;
  };
  // tfjs's layout: values indented by four spaces under the header.
  const body = render(0, 0, '    ');
  const header = verbose
    ? `Tensor\n  dtype: ${dtype}\n  rank: ${shape.length}\n  shape: [${shape.join(',')}]\n  values:\n`
    : 'Tensor\n';
  return `${header}    ${body}`;
}
