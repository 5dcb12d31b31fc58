// tfjs's functional RNN cells: basicLSTMCell and multiRNNCell, composed from matMul, split and activations.
import type { TensorLike } from '../core/dtype.js';
import { ArgumentError, ShapeError, show } from '../core/errors.js';
import { tidy } from '../core/memory.js';
import type { Tensor } from '../core/tensor.js';
import * as ops from './all.js';
import { toTensor } from './convert.js';

type Operand = Tensor | TensorLike;

/** One cell step: (data, c, h) -> [newC, newH]. */
export type LSTMCellFunc = (data: Tensor, c: Tensor, h: Tensor) => [Tensor, Tensor];

/**
 * One step of a basic LSTM cell: gates i, j, f, o from [data, h] · kernel + bias;
 * newC = c * sigmoid(f + forgetBias) + sigmoid(i) * tanh(j); newH = tanh(newC) * sigmoid(o).
 * @example const [c1, h1] = nr.basicLSTMCell(1, kernel, bias, x, c0, h0)
 */
export function basicLSTMCell(
  forgetBias: Operand,
  lstmKernel: Operand,
  lstmBias: Operand,
  data: Operand,
  c: Operand,
  h: Operand,
): [Tensor, Tensor] {
  const op = 'basicLSTMCell';
  return tidy(() => {
    const fb = toTensor(forgetBias, op, 'forgetBias');
    const k = toTensor(lstmKernel, op, 'lstmKernel');
    const b = toTensor(lstmBias, op, 'lstmBias');
    const x = toTensor(data, op, 'data');
    const ct = toTensor(c, op, 'c');
    const ht = toTensor(h, op, 'h');
    if (k.rank !== 2 || k.shape[1] % 4 !== 0)
      throw new ShapeError(
        `${op}: lstmKernel must be [inputSize + units, 4 * units], received ${show(k.shape)}`,
      );
    const gates = ops.add(ops.matMul(ops.concat([x, ht], 1), k), b);
    const [i, j, f, o] = ops.split(gates, 4, 1);
    const newC = ops.add(
      ops.mul(ct, ops.sigmoid(ops.add(f, fb))),
      ops.mul(ops.sigmoid(i), ops.tanh(j)),
    );
    const newH = ops.mul(ops.tanh(newC), ops.sigmoid(o));
    return [newC, newH];
  });
}

/**
 * Runs stacked cells for one step: each cell's new h is the next cell's input.
 * @example const [cs, hs] = nr.multiRNNCell([cell1, cell2], x, [c1, c2], [h1, h2])
 */
export function multiRNNCell(
  lstmCells: readonly LSTMCellFunc[],
  data: Operand,
  c: readonly Operand[],
  h: readonly Operand[],
): [Tensor[], Tensor[]] {
  const op = 'multiRNNCell';
  if (!Array.isArray(lstmCells) || lstmCells.length === 0)
    throw new ArgumentError(
      `${op}: lstmCells must be a non-empty array, received ${show(lstmCells)}`,
    );
  return tidy(() => {
    let input = toTensor(data, op, 'data');
    // every state is checked before the counts, so a non-tensor is named as such (as tfjs does)
    const cs = c.map((ci, i) => toTensor(ci, op, `c[${i}]`));
    const hs = h.map((hi, i) => toTensor(hi, op, `h[${i}]`));
    if (cs.length !== lstmCells.length || hs.length !== lstmCells.length)
      throw new ArgumentError(
        `${op}: c and h must hold one tensor per cell (${lstmCells.length}), received ${cs.length} and ${hs.length}`,
      );
    const newC: Tensor[] = [];
    const newH: Tensor[] = [];
    lstmCells.forEach((cell, i) => {
      const [ci, hi] = cell(input, cs[i], hs[i]);
      newC.push(ci);
      newH.push(hi);
      input = hi;
    });
    return [newC, newH];
  });
}
