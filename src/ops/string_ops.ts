// tf.string: n-grams, split, hash buckets and regex replace over string tensors, computed on the host values.
import type { TensorLike } from '../core/dtype.js';
import { ENGINE } from '../core/engine.js';
import { ArgumentError, DTypeError, ShapeError, show } from '../core/errors.js';
import { fingerprint64 } from '../core/fingerprint64.js';
import { encodeString } from '../core/strings.js';
import { Tensor } from '../core/tensor.js';
import { toTensorAny } from './convert.js';

type Operand = Tensor | TensorLike;

/** A string tensor argument's decoded values, and its shape; plain values are converted and freed. */
function stringArg(
  x: Operand,
  op: string,
  arg: string,
  rank?: number,
): { values: string[]; shape: number[] } {
  const t = toTensorAny(x, op, arg, 'string');
  try {
    if (t.dtype !== 'string')
      throw new DTypeError(
        `${op}: Argument '${arg}' passed to '${op}' must be a string tensor, received dtype '${t.dtype}'`,
      );
    if (rank !== undefined && t.rank !== rank)
      throw new ShapeError(`${op}: ${arg} must be rank ${rank}, received shape ${show(t.shape)}`);
    return { values: t.dataSync<'string'>(), shape: t.shape.slice() };
  } finally {
    if (!(x instanceof Tensor)) t.dispose();
  }
}

function strings(values: readonly string[], shape: readonly number[]): Tensor {
  return ENGINE.fromStrings(values.map(encodeString), shape);
}

function int32(values: readonly number[], shape: readonly number[]): Tensor {
  return ENGINE.fromValues(Int32Array.from(values), shape, 'int32');
}

/** Checks TensorFlow's row partition rules for `splits` over `size` values. */
function checkSplits(op: string, splits: ArrayLike<number>, size: number): void {
  if (splits.length === 0) return;
  if (splits[0] !== 0)
    throw new ArgumentError(`${op}: First split value must be 0, got ${splits[0]}`);
  for (let i = 1; i < splits.length; i++) {
    if (!(splits[i] >= splits[i - 1] && splits[i] <= size))
      throw new ArgumentError(
        `${op}: Invalid split value ${splits[i]}, must be in [${splits[i - 1]}, ${size}]`,
      );
  }
  const last = splits[splits.length - 1];
  if (last !== size)
    throw new ArgumentError(
      `${op}: Last split value must be data size. Expected ${size}, got ${last}`,
    );
}

/**
 * The n-grams of a ragged batch of tokens (TensorFlow's StringNGrams): `data` holds every row's
 * tokens, `dataSplits` the row boundaries. Each width in `nGramWidths` gives each row's n-grams,
 * joined by `separator`, with up to `padWidth` copies of `leftPad`/`rightPad` on each side (-1:
 * width - 1, which pads fully; never more than width - 1). With `preserveShortSequences`, a row too
 * short for any n-gram yields one n-gram of all its tokens.
 * @example
 * const { nGrams, nGramsSplits } = nr.string.stringNGrams(['a', 'b', 'c'], nr.tensor1d([0, 3], 'int32'), ' ', [2], '', '', 0, false);
 * // nGrams ['a b', 'b c'], nGramsSplits [0, 2]
 */
export function stringNGrams(
  data: Operand,
  dataSplits: Operand,
  separator: string,
  nGramWidths: readonly number[],
  leftPad: string,
  rightPad: string,
  padWidth: number,
  preserveShortSequences: boolean,
): { nGrams: Tensor; nGramsSplits: Tensor } {
  const op = 'stringNGrams';
  const { values } = stringArg(data, op, 'data', 1);
  const splitsT = toTensorAny(dataSplits, op, 'dataSplits', 'int32');
  let splits: number[];
  try {
    if (splitsT.rank !== 1 || splitsT.dtype === 'string')
      throw new ArgumentError(
        `${op}: dataSplits must be a rank-1 integer tensor, received ${splitsT.dtype} shape ${show(splitsT.shape)}`,
      );
    splits = Array.from(splitsT.dataSync());
  } finally {
    if (!(dataSplits instanceof Tensor)) splitsT.dispose();
  }
  if (!Array.isArray(nGramWidths) || nGramWidths.length === 0)
    throw new ArgumentError(
      `${op}: nGramWidths must be a non-empty array, received ${show(nGramWidths)}`,
    );
  for (const w of nGramWidths)
    if (!Number.isInteger(w) || w < 1)
      throw new ArgumentError(
        `${op}: every n-gram width must be a positive integer, received ${show(nGramWidths)}`,
      );
  if (!Number.isInteger(padWidth) || padWidth < -1)
    throw new ArgumentError(`${op}: padWidth must be an integer >= -1, received ${show(padWidth)}`);
  if (preserveShortSequences && padWidth < 0)
    throw new ArgumentError(
      `${op}: preserveShortSequences needs padWidth >= 0, received ${padWidth}`,
    );
  if (typeof separator !== 'string' || typeof leftPad !== 'string' || typeof rightPad !== 'string')
    throw new ArgumentError(`${op}: separator, leftPad and rightPad must be strings`);
  checkSplits(op, splits, values.length);

  // padding on each side for a width: -1 pads fully (width - 1); never more than width - 1
  const padFor = (width: number): number =>
    Math.min(padWidth < 0 ? width - 1 : padWidth, width - 1);
  const out: string[] = [];
  const outSplits: number[] = splits.length > 0 ? [0] : [];
  // The n-grams of `count` windows of `width` tokens over [start, end) padded by `pad` per side.
  const emit = (start: number, width: number, pad: number, count: number): void => {
    for (let g = 0; g < count; g++) {
      const left = Math.max(0, pad - g);
      const right = Math.max(0, pad - (count - 1 - g));
      const taken = width - left - right;
      const first = start + (left > 0 ? 0 : g - pad);
      const parts: string[] = [];
      for (let k = 0; k < left; k++) parts.push(leftPad);
      for (let k = 0; k < taken; k++) parts.push(values[first + k]);
      for (let k = 0; k < right; k++) parts.push(rightPad);
      out.push(parts.join(separator));
    }
  };
  for (let row = 0; row + 1 < splits.length; row++) {
    const start = splits[row];
    const end = splits[row + 1];
    const length = end - start;
    const before = out.length;
    for (const width of nGramWidths) {
      const pad = padFor(width);
      emit(start, width, pad, Math.max(0, length + 2 * pad - width + 1));
    }
    const width = length + 2 * padWidth;
    // one n-gram over the whole row, with padWidth pads on each side (none for an empty, unpadded row)
    if (preserveShortSequences && out.length === before && width > 0)
      emit(start, width, Math.min(padWidth, width - 1), 1);
    outSplits.push(out.length);
  }
  return { nGrams: strings(out, [out.length]), nGramsSplits: int32(outSplits, [outSplits.length]) };
}

/**
 * Splits each string of a rank-1 tensor at any character of `delimiter` (an empty delimiter splits
 * into characters, by Unicode code point), as a sparse [batch, maxTokens] result: `indices` (int32
 * [n, 2]), `values` (string [n]) and `shape` (int32 [2]). `skipEmpty` drops empty tokens.
 * @example const { values } = nr.string.stringSplit(['a b', 'c'], ' ') // values ['a', 'b', 'c']
 */
export function stringSplit(
  input: Operand,
  delimiter: string,
  skipEmpty = true,
): { indices: Tensor; values: Tensor; shape: Tensor } {
  const op = 'stringSplit';
  const { values } = stringArg(input, op, 'input', 1);
  if (typeof delimiter !== 'string')
    throw new ArgumentError(`${op}: delimiter must be a string, received ${show(delimiter)}`);
  const delims = new Set(Array.from(delimiter));
  const indices: number[] = [];
  const tokensOut: string[] = [];
  let maxTokens = 0;
  values.forEach((s, row) => {
    let tokens: string[];
    if (delimiter === '') tokens = Array.from(s);
    else {
      tokens = [];
      let current = '';
      for (const ch of s) {
        if (delims.has(ch)) {
          tokens.push(current);
          current = '';
        } else current += ch;
      }
      tokens.push(current);
    }
    if (skipEmpty) tokens = tokens.filter((t) => t.length > 0);
    tokens.forEach((t, col) => {
      indices.push(row, col);
      tokensOut.push(t);
    });
    maxTokens = Math.max(maxTokens, tokens.length);
  });
  return {
    indices: int32(indices, [tokensOut.length, 2]),
    values: strings(tokensOut, [tokensOut.length]),
    shape: int32([values.length, maxTokens], [2]),
  };
}

/**
 * Each string's bucket in [0, numBuckets): FarmHash Fingerprint64 of its UTF-8 bytes modulo
 * numBuckets, TensorFlow's StringToHashBucketFast (so buckets agree with TensorFlow models).
 * @example nr.string.stringToHashBucketFast(['a', 'b'], 10) // int32 [9, 2]
 */
export function stringToHashBucketFast(input: Operand, numBuckets: number): Tensor {
  const op = 'stringToHashBucketFast';
  if (typeof numBuckets !== 'number' || !Number.isInteger(numBuckets) || numBuckets < 1)
    throw new ArgumentError(
      `${op}: Number of buckets must be at least 1, received ${show(numBuckets)}`,
    );
  if (numBuckets > 2 ** 31)
    throw new ArgumentError(
      `${op}: numBuckets must be at most 2^31 (int32 buckets), received ${numBuckets}`,
    );
  const t = toTensorAny(input, op, 'input', 'string');
  try {
    if (t.dtype !== 'string')
      throw new DTypeError(
        `${op}: Argument 'input' passed to '${op}' must be a string tensor, received dtype '${t.dtype}'`,
      );
    const n = BigInt(numBuckets);
    const out = ENGINE.stringValues(op, t).map((b) => Number(fingerprint64(b) % n));
    return int32(out, t.shape);
  } finally {
    if (!(input instanceof Tensor)) t.dispose();
  }
}

/**
 * Replaces matches of the regular expression `pattern` in each string by `rewrite` (every match, or
 * only the first when `replaceGlobal` is false). `\1`..`\9` in `rewrite` insert capture groups, as in
 * TensorFlow's RE2 syntax. NOTE: patterns run on JavaScript's RegExp, which backtracks (RE2 does not):
 * do not pass patterns from untrusted sources.
 * @example nr.string.staticRegexReplace(['a  b'], ' +', ' ') // ['a b']
 */
export function staticRegexReplace(
  input: Operand,
  pattern: string,
  rewrite: string,
  replaceGlobal = true,
): Tensor {
  const op = 'staticRegexReplace';
  if (typeof pattern !== 'string' || typeof rewrite !== 'string')
    throw new ArgumentError(
      `${op}: pattern and rewrite must be strings, received ${show(pattern)}, ${show(rewrite)}`,
    );
  let re: RegExp;
  try {
    re = new RegExp(pattern, replaceGlobal ? 'gu' : 'u');
  } catch (e) {
    throw new ArgumentError(
      `${op}: invalid pattern ${show(pattern)} (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  const replacement = re2Rewrite(rewrite);
  const { values, shape } = stringArg(input, op, 'input');
  return strings(
    values.map((s) => s.replace(re, replacement)),
    shape,
  );
}

/**
 * An RE2 rewrite string in JavaScript's replacement syntax: `\0` is the match, `\1`..`\9` groups,
 * `\\` a backslash; a `$` is literal (JavaScript would read it as a reference).
 */
function re2Rewrite(rewrite: string): string {
  let out = '';
  for (let i = 0; i < rewrite.length; i++) {
    const c = rewrite[i];
    const next = rewrite[i + 1];
    if (c === '\\' && next !== undefined && next >= '0' && next <= '9') {
      out += next === '0' ? '$&' : `$${next}`;
      i++;
    } else if (c === '\\' && next === '\\') {
      out += '\\';
      i++;
    } else out += c === '$' ? '$$' : c;
  }
  return out;
}

/**
 * tf.string: stringNGrams, stringSplit, stringToHashBucketFast, staticRegexReplace.
 * @example nr.string.stringSplit(['a b'], ' ')
 */
export const string = { stringNGrams, stringSplit, stringToHashBucketFast, staticRegexReplace };
