// What compile() sets, typed: optimizer, per-output losses and weights, metrics, the loss tracker.
import { ArgumentError, show } from '../../core/errors.js';
import type { Variable } from '../../core/tensor.js';
import { getLoss, type Loss, type LossSpec } from '../../losses/index.js';
import { getMetric, Mean, type Metric, type MetricSpec } from '../../metrics/index.js';
import { LossScaleOptimizer } from '../../mixed_precision/loss_scale_optimizer.js';
import { getOptimizer, type Optimizer } from '../../optimizers/index.js';
import type { Model } from '../model.js';
import type { CompileArgs } from '../training_args.js';

/** A compiled metric: which output it watches and the name it is logged under. */
export interface CompiledMetric {
  output: number;
  metric: Metric;
  /** The Keras 3 log name ('accuracy', 'mae', 'out1_accuracy'). */
  name: string;
  /** The tfjs log name when it differs ('acc' for 'accuracy', 'ce' for 'crossentropy'). */
  tfjsName: string | null;
}

/** The state of a compiled model: everything the default steps need, never null once compiled. */
export interface CompiledState {
  readonly args: CompileArgs;
  readonly optimizer: Optimizer;
  readonly losses: readonly Loss[];
  readonly lossWeights: readonly number[];
  readonly metrics: readonly CompiledMetric[];
  /** The running mean of the loss, weighted by batch size (Keras 3's loss tracker, logged as 'loss'). */
  readonly lossTracker: Mean;
  /**
   * The weights the default trainStep updates, collected at compile as tfjs and Keras do (so setting
   * `trainable = false` afterwards, the GAN pattern, leaves this model's own training unchanged); null
   * until the model has weights (a subclassed model builds on its first call).
   */
  trainableWeights: Variable[] | null;
}

/** The names of a model's outputs, as compile's per-output options are keyed. @example outputNames(model) // ['dense_2'] */
export function outputNames(model: Model): string[] {
  const outs = model.outputs;
  if (!outs.length) return ['output'];
  return outs.map((o) => o.node?.layer.name ?? o.name);
}

/** Symbolic output shapes when the model knows them (functional, or a built Sequential). @example outputShapes(model)[0] // [null, 10] */
export function outputShapes(model: Model): (number | null)[][] {
  if (model.outputs.length) return model.outputs.map((o) => o.shape);
  const input = model.builtInputShape;
  if (!input) return [];
  const out = model.computeOutputShape(input);
  const list: (number | null)[][] = [];
  if (out.length > 0 && Array.isArray(out[0])) {
    for (const s of out) if (Array.isArray(s)) list.push(s);
  } else {
    const flat: (number | null)[] = [];
    for (const d of out) if (!Array.isArray(d)) flat.push(d);
    list.push(flat);
  }
  return list;
}

function isLossOrMetricObject(spec: object): boolean {
  return 'call' in spec || 'getClassName' in spec || 'className' in spec;
}

/** One entry per output from an option given once, as a list, or keyed by output name. */
function perOutput<T>(
  model: Model,
  spec: T | T[] | Record<string, T>,
  names: string[],
  what: string,
  isOne: (v: T | T[] | Record<string, T>) => v is T,
): T[] {
  if (Array.isArray(spec)) {
    if (spec.length !== names.length)
      throw new ArgumentError(
        `${model.name}: ${what} has ${spec.length} entries for ${names.length} outputs`,
      );
    return spec;
  }
  if (isOne(spec)) return names.map(() => spec);
  const rec = new Map(Object.entries(spec));
  for (const k of rec.keys())
    if (!names.includes(k))
      throw new ArgumentError(
        `${model.name}: ${what} names unknown output '${k}'; outputs: ${names.join(', ')}`,
      );
  return names.map((n) => {
    const v = rec.get(n);
    if (v === undefined)
      throw new ArgumentError(`${model.name}: ${what} has no entry for output '${n}'`);
    return v;
  });
}

/** tfjs logs `metrics: ['accuracy']` as 'acc' and `['crossentropy']` as 'ce'; Keras 3 keeps the string. */
function tfjsMetricName(spec: MetricSpec): string | null {
  if (typeof spec !== 'string') return null;
  const key = spec.toLowerCase();
  if (key === 'accuracy') return 'acc';
  if (key === 'acc') return 'accuracy';
  if (key === 'crossentropy') return 'ce';
  if (key === 'ce') return 'crossentropy';
  return null;
}

/**
 * Keras 3: under the 'mixed_float16' policy the optimizer is wrapped in a LossScaleOptimizer; recompiling
 * with the same inner optimizer keeps the wrapper (and its state).
 */
function withLossScaling(model: Model, optimizer: Optimizer, current: Optimizer | null): Optimizer {
  if (model.dtypePolicy.name !== 'mixed_float16' || optimizer instanceof LossScaleOptimizer)
    return optimizer;
  if (current instanceof LossScaleOptimizer && current.innerOptimizer === optimizer) return current;
  return new LossScaleOptimizer(optimizer);
}

/**
 * The compiled state for `args`. The previous state (a recompile) gives up its metrics and loss tracker,
 * and its optimizer unless the same one is passed again (its slots are kept).
 * @example const state = compileState(model, { optimizer: 'adam', loss: 'mse' }, null);
 */
export function compileState(
  model: Model,
  args: CompileArgs,
  previous: CompiledState | null,
): CompiledState {
  if (!args || args.optimizer === undefined)
    throw new ArgumentError(
      `${model.name}: compile needs an optimizer, received ${show(args?.optimizer)}`,
    );
  const names = outputNames(model);
  // Keras 3: the loss may be left out when layers add theirs (addLoss) or a subclass computes its own.
  const losses =
    args.loss === undefined || args.loss === null
      ? []
      : perOutput(
          model,
          args.loss,
          names,
          'loss',
          (v): v is LossSpec => typeof v !== 'object' || v === null || isLossOrMetricObject(v),
        ).map((l) => getLoss(l));
  const lossWeights =
    args.lossWeights === undefined
      ? names.map(() => 1)
      : perOutput(
          model,
          args.lossWeights,
          names,
          'lossWeights',
          (v): v is number => typeof v === 'number',
        );
  const optimizer = withLossScaling(
    model,
    getOptimizer(args.optimizer),
    previous?.optimizer ?? null,
  );
  const shapes = outputShapes(model);
  const metrics: CompiledMetric[] = [];
  const specsPerOutput: MetricSpec[][] = Array.isArray(args.metrics)
    ? names.map(() => (Array.isArray(args.metrics) ? args.metrics : []))
    : names.map((n) => {
        const v =
          args.metrics === undefined ? undefined : new Map(Object.entries(args.metrics)).get(n);
        if (v === undefined) return [];
        return Array.isArray(v) ? v : [v];
      });
  specsPerOutput.forEach((specs, output) => {
    for (const spec of specs) {
      const shape = shapes[output];
      const metric = getMetric(spec, {
        lossName: losses[output]?.getClassName(),
        outputShape: shape ? shape.map((d) => d ?? -1) : undefined,
      });
      // A metric named by a string is logged under that string, as Keras 3 does ('mae' stays 'mae').
      const base = typeof spec === 'string' ? spec : metric.name;
      const prefix = names.length > 1 ? `${names[output]}_` : '';
      const alias = tfjsMetricName(spec);
      metrics.push({ output, metric, name: prefix + base, tfjsName: alias && prefix + alias });
    }
  });
  if (previous) {
    // Recompiling with the same optimizer object keeps its state; a replaced one is freed.
    if (previous.optimizer !== optimizer) previous.optimizer.dispose();
    disposeMetrics(previous);
  }
  const weights = model.trainableWeights;
  return {
    args,
    optimizer,
    losses,
    lossWeights,
    metrics,
    lossTracker: new Mean({ name: 'loss' }),
    trainableWeights: weights.length ? weights : null,
  };
}

/** Frees a compiled state's metrics and loss tracker (not its optimizer). @example disposeMetrics(state) */
export function disposeMetrics(state: CompiledState): void {
  for (const m of state.metrics) m.metric.dispose();
  state.lossTracker.dispose();
}
