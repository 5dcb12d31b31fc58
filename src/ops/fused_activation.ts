// The activations a matMul/conv2d epilogue fuses, and their derivatives written from the output.
import type { FusedActivation } from '../backends/backend.js';
import { UNARY } from '../core/elementwise_table.js';
import type { Tensor } from '../core/tensor.js';

/** The activations backends fuse into matMul and conv2d; others run as separate ops. */
export const FUSED_ACTIVATIONS: readonly FusedActivation[] = [
  'linear',
  'relu',
  'relu6',
  'sigmoid',
  'tanh',
];

/** The table rows of the fused activations: each one's `vjp` reads only the output y. */
const ROWS = { relu: UNARY.relu, relu6: UNARY.relu6, sigmoid: UNARY.sigmoid, tanh: UNARY.tanh };

/**
 * dy · act'(z) from the epilogue's output y = act(z), so the backward pass needs no pre-activation copy.
 * The derivatives are the elementwise table's (relu' = sign(y), relu6' = sign(y (6 - y)),
 * sigmoid' = y(1 - y), tanh' = 1 - y²), which read only y: the pre-activation argument is never used.
 * @example activationGrad(dy, y, 'relu')
 */
export function activationGrad(dy: Tensor, y: Tensor, activation: FusedActivation): Tensor {
  if (activation === 'linear') return dy;
  const { vjp } = ROWS[activation];
  return vjp(dy, y, y);
}
