// The adamUpdate kernel's input list (g, m, v, w per variable, then alpha), checked and split per variable.
import { sizeOf, shapesEqual } from '../core/shape.js';
import { ArgumentError, DTypeError, ShapeError, show } from '../core/errors.js';
import type { TensorInfo } from './backend.js';

/** One variable's inputs of an Adam step: gradient, first and second moments, weight (one shape). */
export interface AdamVariable {
  readonly g: TensorInfo;
  readonly m: TensorInfo;
  readonly v: TensorInfo;
  readonly w: TensorInfo;
  /** Elements of each of the four. */
  readonly size: number;
}

/** The variables of one adamUpdate call and the shared step size alpha (a float32 scalar). */
export interface AdamList {
  readonly variables: readonly AdamVariable[];
  readonly alpha: TensorInfo;
}

/**
 * Splits adamUpdate's inputs [g0, m0, v0, w0, g1, ..., alpha] into variables, after checking the count
 * (4k + 1), that each variable's four tensors share one shape, and that all are float32 (alpha a
 * single value). Every backend's kernel and the primitive's rule call it, so a bad list fails the same
 * way everywhere, before anything is allocated. k = 0 (alpha alone) is an empty step.
 * @example const { variables, alpha } = adamList(inputs); // variables[0].g is inputs[0]
 */
export function adamList(inputs: readonly TensorInfo[]): AdamList {
  const n = inputs.length;
  if (n % 4 !== 1)
    throw new ArgumentError(
      `adamUpdate: inputs must be 4 per variable (grad, m, v, w) and then alpha (4k + 1 in all), received ${n}`,
    );
  const alpha = inputs[n - 1];
  if (alpha.dtype !== 'float32' || sizeOf(alpha.shape) !== 1)
    throw new ArgumentError(
      `adamUpdate: alpha must be one float32 value, received ${alpha.dtype} of shape ${show(alpha.shape)}`,
    );
  const variables: AdamVariable[] = [];
  for (let i = 0; i + 1 < n; i += 4) {
    const [g, m, v, w] = inputs.slice(i, i + 4);
    const j = i / 4;
    for (const [name, t] of [
      ['m', m],
      ['v', v],
      ['w', w],
    ] as const)
      if (!shapesEqual(t.shape, g.shape))
        throw new ShapeError(
          `adamUpdate: variable ${j}'s ${name} must have its gradient's shape ${show(g.shape)}, received ${show(t.shape)}`,
        );
    for (const [name, t] of [
      ['grad', g],
      ['m', m],
      ['v', v],
      ['w', w],
    ] as const)
      if (t.dtype !== 'float32')
        throw new DTypeError(
          `adamUpdate: variable ${j}'s ${name} must be float32, received '${t.dtype}'`,
        );
    variables.push({ g, m, v, w, size: sizeOf(g.shape) });
  }
  return { variables, alpha };
}
