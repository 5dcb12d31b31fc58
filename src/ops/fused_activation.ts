// The activations a matMul/conv2d epilogue fuses, and their derivatives written from the output.
import type { FusedActivation } from '../backends/backend.js';
import type { Tensor } from '../core/tensor.js';

/** The activations backends fuse into matMul and conv2d; others run as separate ops. */
export const FUSED_ACTIVATIONS: readonly FusedActivation[] = [
  'linear',
  'relu',
  'relu6',
  'sigmoid',
  'tanh',
];

/**
 * dy · act'(z) from the epilogue's output y = act(z), so the backward pass needs no pre-activation copy:
 * relu' = [y > 0], relu6' = [0 < y < 6], sigmoid' = y(1 - y), tanh' = 1 - y².
 * @example activationGrad(dy, y, 'relu')
 */
export function activationGrad(dy: Tensor, y: Tensor, activation: FusedActivation): Tensor {
  switch (activation) {
    case 'linear':
      return dy;
    case 'relu':
      return dy.mul(y.greater(0).cast('float32'));
    case 'relu6':
      return dy.mul(y.greater(0).logicalAnd(y.less(6)).cast('float32'));
    case 'sigmoid':
      return dy.mul(y.mul(y.neg().add(1)));
    case 'tanh':
      return dy.mul(y.square().neg().add(1));
  }
}
