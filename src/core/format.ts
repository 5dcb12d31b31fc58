// tensor.toString()/print() text, laid out as tfjs lays it out (users compare printed tensors with tfjs's).
import type { DType, TypedArray } from './dtype.js';
import type { Shape } from './shape.js';

/** An axis longer than this prints only its first and last EDGE entries around '...'. */
const SUMMARY_OVER = 20;
const EDGE = 3;
/** Numbers print with at most this many decimals (trailing zeros dropped), as tfjs prints them. */
const DECIMALS = 7;

/** One element: a number, a decoded string, or a complex [re, im] pair. */
type Entry = number | string | readonly [number, number];

function numberText(v: number): string {
  // toFixed rounds to DECIMALS places; Number() then drops the trailing zeros ('3.5000000' -> '3.5')
  return String(Number(v.toFixed(DECIMALS)));
}

function entryText(e: Entry, dtype: DType): string {
  if (typeof e === 'string') return `'${e}'`;
  if (typeof e !== 'number') return `${numberText(e[0])} + ${numberText(e[1])}j`;
  if (dtype === 'bool') return e === 0 ? 'false' : 'true';
  return numberText(e);
}

/** The positions an axis of length n prints: all of them, or the edges with -1 standing for '...'. */
function shownIndices(n: number): number[] {
  if (n <= SUMMARY_OVER) return Array.from({ length: n }, (_, i) => i);
  return [
    ...Array.from({ length: EDGE }, (_, i) => i),
    -1,
    ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i),
  ];
}

/**
 * Formats a tensor's values as tfjs's `toString`: numbers with up to 7 decimals, columns of a rank >= 2
 * tensor padded at the end to their widest entry (hidden rows included), axes over 20 long summarised
 * to 3 entries at each edge, complex entries as `re + imj`, strings quoted inside arrays.
 * @example formatTensor(new Float32Array([1, 2]), [2], 'float32', false) // 'Tensor\n    [1, 2]'
 */
export function formatTensor(
  values: TypedArray | readonly string[],
  shape: Shape,
  dtype: DType,
  verbose: boolean,
): string {
  const rank = shape.length;
  const entries: Entry[] = [];
  if (dtype === 'complex64') {
    for (let i = 0; i + 1 < values.length; i += 2)
      entries.push([Number(values[i]), Number(values[i + 1])]);
  } else {
    for (let i = 0; i < values.length; i++) entries.push(values[i]);
  }
  const lines =
    rank === 0
      ? [scalarText(entries[0], dtype)]
      : axisLines(entries, shape, dtype, columnWidths(entries, shape, dtype));
  const header = verbose
    ? [
        'Tensor',
        `  dtype: ${dtype}`,
        `  rank: ${rank}`,
        `  shape: [${shape.join(',')}]`,
        '  values:',
      ]
    : ['Tensor'];
  return [...header, lines.map((l) => `    ${l}`).join('\n')].join('\n');
}

function scalarText(e: Entry, dtype: DType): string {
  // a scalar prints its full value (no rounding) and a string scalar prints unquoted, as in tfjs
  if (typeof e === 'string') return e;
  if (typeof e !== 'number') return entryText(e, dtype);
  if (dtype === 'bool') return e === 0 ? 'false' : 'true';
  return String(e);
}

/** Width of each column (position along the last axis) over every row; rank-1 tensors are not padded. */
function columnWidths(entries: readonly Entry[], shape: Shape, dtype: DType): number[] {
  const cols = shape[shape.length - 1];
  const widths = new Array<number>(cols).fill(0);
  if (shape.length < 2) return widths;
  for (let i = 0; i < entries.length; i++) {
    const j = i % cols;
    widths[j] = Math.max(widths[j], entryText(entries[i], dtype).length);
  }
  return widths;
}

/**
 * The lines of the sub-tensor starting at element `offset` spanning axes `dim..`: a row prints on one
 * line; higher axes stack their children's lines, each block closed by ']' and, unless it is the last
 * block, followed by ',' and one blank line per axis below the row axis.
 */
function axisLines(
  entries: readonly Entry[],
  shape: Shape,
  dtype: DType,
  widths: readonly number[],
  offset = 0,
  dim = 0,
  isLast = true,
): string[] {
  const n = shape[dim];
  const subRank = shape.length - dim;
  if (subRank === 1) {
    const cells = shownIndices(n).map((i) =>
      i < 0 ? '...' : entryText(entries[offset + i], dtype).padEnd(widths[i] ?? 0),
    );
    return [`[${cells.join(', ')}]`];
  }
  let stride = 1;
  for (let d = dim + 1; d < shape.length; d++) stride *= shape[d];
  const lines: string[] = [];
  for (const i of shownIndices(n)) {
    if (i < 0) lines.push('...');
    else
      lines.push(
        ...axisLines(entries, shape, dtype, widths, offset + i * stride, dim + 1, i === n - 1),
      );
  }
  const sep = subRank === 2 ? ',' : '';
  const out =
    lines.length === 0
      ? ['[']
      : [`[${lines[0]}${sep}`, ...lines.slice(1).map((l) => ` ${l}${sep}`)];
  // the closing line: the separator added to it above is kept when it was also the first line (tfjs prints
  // a one-row matrix as '[[1, 2],]'); otherwise it closes without one
  const lastIndex = out.length - 1;
  const closing = lastIndex === 0 ? out[0] : lines[lastIndex];
  out[lastIndex] = ` ${closing}]${isLast ? '' : `,${'\n'.repeat(subRank - 1)}`}`;
  return out;
}
