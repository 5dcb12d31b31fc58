// tf.math: confusionMatrix, composed from oneHot and a matrix product.
import type { TensorLike } from '../core/dtype.js';
import { ArgumentError, ShapeError, show } from '../core/errors.js';
import { tidy } from '../core/memory.js';
import type { Tensor } from '../core/tensor.js';
import * as ops from './all.js';
import { toTensor } from './convert.js';

type Operand = Tensor | TensorLike;

/**
 * The confusion matrix of 1-D class labels and predictions in [0, numClasses): entry [i, j] counts the
 * samples of label i predicted as j (int32).
 * @example nr.math.confusionMatrix([0, 1, 1], [0, 1, 0], 2) // [[1, 0], [1, 1]]
 */
export function confusionMatrix(labels: Operand, predictions: Operand, numClasses: number): Tensor {
  const op = 'confusionMatrix';
  const l = toTensor(labels, op, 'labels');
  const p = toTensor(predictions, op, 'predictions');
  if (!Number.isInteger(numClasses) || numClasses <= 0)
    throw new ArgumentError(
      `${op}: numClasses must be a positive integer, but got ${show(numClasses)}`,
    );
  for (const [name, t] of [
    ['labels', l],
    ['predictions', p],
  ] as const)
    if (t.rank !== 1)
      throw new ShapeError(
        `${op}: rank of ${name} must be 1, but got ${t.rank} (shape ${show(t.shape)})`,
      );
  if (l.shape[0] !== p.shape[0])
    throw new ShapeError(
      `${op}: Mismatch in the number of examples: ${l.shape[0]} vs. ${p.shape[0]}; labels and predictions must have the same length`,
    );
  return tidy(() => {
    // onehot(labels)^T · onehot(predictions) sums one count per sample into [label, prediction]
    const a = ops.oneHot(ops.cast(l, 'int32'), numClasses).cast('float32');
    const b = ops.oneHot(ops.cast(p, 'int32'), numClasses).cast('float32');
    return ops.matMul(a, b, true, false).cast('int32');
  });
}

/**
 * tfjs's `tf.math` namespace.
 * @example nr.math.confusionMatrix(labels, predictions, 3)
 */
export const math = { confusionMatrix };
