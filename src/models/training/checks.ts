// The checks fit runs once before training: shapes of x and y, sparse labels, sample and class weights.
import { ENGINE } from '../../core/engine.js';
import { ArgumentError, show } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { validateSparseLabels } from '../../losses/index.js';
import type { Model } from '../model.js';
import type { FitArgs } from '../training_args.js';
import { asList } from './batches.js';
import { type CompiledState, outputNames, outputShapes } from './compiled.js';

/**
 * Checks x and y: tensors, one per input/output, the same number of samples.
 * @example const { xs, ys, n } = checkData(model, state, 'fit', x, y);
 */
export function checkData(
  model: Model,
  state: CompiledState | null,
  op: string,
  x: Tensor | Tensor[],
  y: Tensor | Tensor[] | null,
): { xs: Tensor[]; ys: Tensor[] | null; n: number } {
  const xs = asList(x);
  const ys = y === null || y === undefined ? null : asList(y);
  const nIn = Math.max(model.inputs.length, 1);
  if (xs.length !== nIn)
    throw new ArgumentError(
      `${op}: the model has ${nIn} input(s), received ${xs.length} x tensor(s)`,
    );
  const nOut = state?.losses.length ?? 0;
  if (ys && nOut && ys.length !== nOut)
    throw new ArgumentError(
      `${op}: the model has ${nOut} output(s), received ${ys.length} y tensor(s)`,
    );
  const n = xs[0].shape[0];
  [...xs, ...(ys ?? [])].forEach((t, i) => {
    const what = i < xs.length ? `x[${i}]` : `y[${i - xs.length}]`;
    ENGINE.assertAlive(op, what, t);
    if (t.rank === 0 || t.shape[0] !== n)
      throw new ArgumentError(
        `${op}: x and y must have the same number of samples: x[0] has ${n}, ${what} has shape ${show(t.shape)}`,
      );
  });
  return { xs, ys, n };
}

/**
 * Integer labels outside [0, classes) make sparse crossentropy NaN; check them once, before training,
 * with one read of the in-memory labels (never per step).
 * @example await checkSparseLabels(model, state, [labels]);
 */
export async function checkSparseLabels(
  model: Model,
  state: CompiledState,
  ys: Tensor[],
): Promise<void> {
  for (let i = 0; i < ys.length && i < state.losses.length; i++) {
    if (state.losses[i].getClassName() !== 'SparseCategoricalCrossentropy') continue;
    const classes = outputShapes(model)[i]?.at(-1);
    if (typeof classes !== 'number') continue;
    try {
      await validateSparseLabels(ys[i], classes);
    } catch (e) {
      if (e instanceof Error)
        throw new ArgumentError(
          `fit: y${ys.length > 1 ? `[${i}]` : ''} (labels for output '${outputNames(model)[i]}'): ${e.message}`,
        );
      throw e;
    }
  }
}

/**
 * Per-sample weights from classWeight (reads y once, before training) and/or sampleWeight; a new tensor
 * (the caller frees it) or null.
 * @example const sw = await sampleWeights([y], { classWeight: { 0: 1, 1: 5 } }, n);
 */
export async function sampleWeights(
  ys: Tensor[] | null,
  args: FitArgs,
  n: number,
): Promise<Tensor | null> {
  if (args.sampleWeight && (args.sampleWeight.rank !== 1 || args.sampleWeight.shape[0] !== n))
    throw new ArgumentError(
      `fit: sampleWeight must have shape [${n}], received ${show(args.sampleWeight.shape)}`,
    );
  if (!args.classWeight) return args.sampleWeight ? args.sampleWeight.clone() : null;
  if (!ys || ys.length !== 1)
    throw new ArgumentError('fit: classWeight is supported for single-output models only');
  const y = ys[0];
  const values = await y.data();
  const classes = y.rank > 1 && y.shape[y.rank - 1] > 1 ? y.shape[y.rank - 1] : 0;
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let cls: number;
    if (classes) {
      let best = 0;
      for (let c = 1; c < classes; c++)
        if (values[i * classes + c] > values[i * classes + best]) best = c;
      cls = best;
    } else cls = Math.round(values[i]);
    w[i] = args.classWeight[cls] ?? 1;
  }
  const cw = ENGINE.fromValues(w, [n], 'float32');
  if (!args.sampleWeight) return cw;
  const both = cw.mul(args.sampleWeight);
  cw.dispose();
  return both;
}

/**
 * The tensors of a `{name: tensor}` dataset element in the order of the model's inputs ('xs') or outputs
 * ('ys'), as tfjs' fitDataset takes them.
 * @example namedTensors(model, new Map([['input_1', x]]), 'xs') // [x]
 */
export function namedTensors(
  model: Model,
  record: Map<string, Tensor>,
  what: 'xs' | 'ys',
): Tensor[] {
  const names =
    what === 'xs' ? model.inputs.map((t) => t.node?.layer.name ?? t.name) : outputNames(model);
  return names.map((n) => {
    const t = record.get(n);
    if (!t)
      throw new ArgumentError(
        `fitDataset: ${what} has no tensor for '${n}'; received keys ${show([...record.keys()])}`,
      );
    return t;
  });
}
