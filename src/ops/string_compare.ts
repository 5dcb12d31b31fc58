// Comparisons of string tensors (equal, less, ...): bytewise order of UTF-8 values, broadcast, on the host.
import type { TensorLike } from '../core/dtype.js';
import { ENGINE } from '../core/engine.js';
import { DTypeError } from '../core/errors.js';
import { tidy } from '../core/memory.js';
import { broadcastShapes } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { toTensorAny } from './convert.js';
import { broadcastTo } from './movement.js';

type Operand = Tensor | TensorLike;

/**
 * Whether an operand is a string tensor or plain strings (nested arrays of them).
 * @example holdsStrings(['a']) // true
 */
export function holdsStrings(x: Operand): boolean {
  if (x instanceof Tensor) return x.dtype === 'string';
  let v: unknown = x;
  while (Array.isArray(v)) v = v[0];
  return typeof v === 'string';
}

/** -1, 0 or 1 as UTF-8 byte strings order (TensorFlow compares strings bytewise). */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/**
 * A comparison (equal, less, ...) of two string operands, broadcast, as a bool tensor: `test` maps the
 * order of a and b (-1, 0, 1) to the result, so each comparison op passes its own scalar rule.
 * @example compareStrings('less', ['a', 'c'], 'b', (o) => (o < 0 ? 1 : 0)) // [true, false]
 */
export function compareStrings(
  op: string,
  a: Operand,
  b: Operand,
  test: (order: number) => number,
): Tensor {
  return tidy(() => {
    const at = toTensorAny(a, op, 'a');
    const bt = toTensorAny(b, op, 'b');
    if (at.dtype !== 'string' || bt.dtype !== 'string')
      throw new DTypeError(
        `${op}: a string tensor can only be compared with a string tensor, received '${at.dtype}' and '${bt.dtype}'`,
      );
    const shape = broadcastShapes(op, at.shape, bt.shape);
    const av = ENGINE.stringValues(op, broadcastTo(at, shape));
    const bv = ENGINE.stringValues(op, broadcastTo(bt, shape));
    const out = new Uint8Array(av.length);
    for (let i = 0; i < out.length; i++) out[i] = test(compareBytes(av[i], bv[i]));
    return ENGINE.fromValues(out, shape, 'bool');
  });
}
