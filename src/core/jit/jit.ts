// nr.jit: a function of tensors traced once per input signature and replayed kernel by kernel afterwards.
import { ENGINE } from '../engine.js';
import { ArgumentError, JitError, show } from '../errors.js';
import { tidy } from '../memory.js';
import { type Tensor, Variable } from '../tensor.js';
import { Recorder } from './recorder.js';
import { type OutputLeaf, Plan } from './replay.js';
import { flattenArgs, flattenResult, rebuild, type Template } from './tree.js';

/** Options of nr.jit. @example nr.jit(step, { maxTraces: 4 }) */
export interface JitOptions {
  /** Traces kept (one per input signature, least recently used dropped first); default 8. */
  maxTraces?: number;
  /**
   * What a function that cannot be captured does: 'throw' (default) raises a JitError naming the op;
   * 'eager' finishes the call eagerly, runs every later call eagerly and reports the reason once to
   * `onFallback` (what `compile({ jitCompile: true })` uses).
   */
  onUntraceable?: 'throw' | 'eager';
  /** Told once why the function runs eagerly (with onUntraceable 'eager'). */
  onFallback?: (reason: string) => void;
}

/** Counters of a jitted function. @example step.stats().replays // 99 */
export interface JitStats {
  /** Runs recorded (each new signature, and each first call that created state). */
  traces: number;
  /** Calls answered by replaying a trace. */
  replays: number;
  /** Calls run eagerly (while a tape records, inside another trace, or after a fallback). */
  eagerCalls: number;
  /** Traces held now. */
  cached: number;
  /** Primitives the latest trace replays per call (after dead ones were dropped); null before any. */
  kernels: number | null;
  /** Why the function runs eagerly for good (onUntraceable 'eager'), or null. */
  fallbackReason: string | null;
}

/** A jitted function: call it like the original; `dispose()` frees what its traces hold. @example const f = nr.jit((x: nr.Tensor) => x.square()); f(x); f.dispose(); */
export interface JitFunction<A extends unknown[], R> {
  (...args: A): R;
  /** Frees the constants the traces captured and forgets the traces. */
  dispose(): void;
  /** A snapshot of the counters. */
  stats(): JitStats;
}

/** One trace: the plan and how to rebuild the result from its tensors. */
interface Entry {
  readonly plan: Plan;
  readonly template: Template;
}

/**
 * Captures a function of tensors. The first call with a given signature (tensor shapes and dtypes,
 * variables passed by identity, other arguments by value; the backend) runs `fn` eagerly while recording
 * every primitive, variable read and assignment; later calls with that signature replay the record with
 * the backend's kernels only (no shape inference, validation, Tensor objects, scopes or tape), free each
 * intermediate buffer after its last use, assign the variables and return new output tensors. Gradients
 * taken inside `fn` (nr.grad, variableGrads...) are recorded like any primitive, so a whole training step
 * replays; random ops draw new numbers at each call, as eagerly. Like `tidy`, only the results survive.
 * What cannot be captured: reads of values inside `fn` (`dataSync`, `data`, `array`, and ops whose output
 * shape depends on values: booleanMaskAsync, unique, nonMaxSuppression...), a Promise result. Values
 * computed on the host from anything but the arguments (a JavaScript counter, Math.random) are frozen at
 * trace time: pass them as arguments, or keep them in variables.
 * @example
 * const predict = nr.jit((x: nr.Tensor) => model.predict(x) as nr.Tensor);
 * const y = predict(x); // traced; the next calls with x's shape replay
 */
export function jit<A extends unknown[], R>(
  fn: (...args: A) => R,
  options: JitOptions = {},
): JitFunction<A, R> {
  if (typeof fn !== 'function')
    throw new ArgumentError(`jit: fn must be a function, received ${show(fn)}`);
  const maxTraces = options.maxTraces ?? 8;
  if (!Number.isInteger(maxTraces) || maxTraces < 1)
    throw new ArgumentError(
      `jit: maxTraces must be a positive integer, received ${show(maxTraces)}`,
    );
  const strict = (options.onUntraceable ?? 'throw') === 'throw';
  const cache = new Map<string, Entry>();
  const counts: JitStats = {
    traces: 0,
    replays: 0,
    eagerCalls: 0,
    cached: 0,
    kernels: null,
    fallbackReason: null,
  };

  const drop = (key: string): void => {
    const entry = cache.get(key);
    if (!entry) return;
    cache.delete(key);
    for (const t of entry.plan.constants()) t.dispose();
  };

  const eager = (args: A): R => {
    counts.eagerCalls++;
    return fn(...args);
  };

  const trace = (args: A, tensors: readonly Tensor[], key: string): R => {
    const backend = ENGINE.backend();
    const rec = new Recorder(tensors, strict);
    counts.traces++;
    let result: R;
    let kept = false;
    ENGINE.recorder = rec;
    try {
      try {
        result = tidy(() => fn(...args));
        if (result instanceof Promise) {
          // the caller gets an error instead of the promise: its rejection is nobody's to handle
          result.catch(() => undefined);
          rec.untraceable ??= 'the function returned a Promise; a captured function is synchronous';
          if (strict) throw new JitError(`nr.jit: ${rec.untraceable}`);
        } else rec.finish();
      } finally {
        ENGINE.recorder = null;
      }
      if (rec.untraceable !== null) {
        counts.fallbackReason = rec.untraceable;
        options.onFallback?.(rec.untraceable);
        return result;
      }
      if (rec.madeState !== null) return result; // state was built: the next call traces
      kept = true;
    } finally {
      if (!kept) rec.release();
    }
    const { tensors: outs, template } = flattenResult(result);
    const leaves: OutputLeaf[] = outs.map((t) =>
      t instanceof Variable
        ? { kind: 'variable', variable: t }
        : { kind: 'slot', slot: rec.slotOfTensor(t), shape: t.shape, dtype: t.dtype },
    );
    const plan = new Plan(rec, leaves, backend);
    cache.set(key, { plan, template });
    counts.kernels = plan.kernels;
    while (cache.size > maxTraces) {
      const oldest = cache.keys().next();
      if (oldest.done) break;
      drop(oldest.value);
    }
    return result;
  };

  const jitted = (...args: A): R => {
    // A tape outside must see every op (grad of a jitted function), and an outer trace records ours.
    if (counts.fallbackReason !== null || ENGINE.recorder !== null || ENGINE.tapeStack.recording)
      return eager(args);
    const backend = ENGINE.backend();
    const { tensors, key: argKey } = flattenArgs(args);
    tensors.forEach((t, i) => ENGINE.assertAlive('jit', `tensor argument ${i}`, t));
    // Eager ops move an input from another backend when they read it; do it once here.
    for (const t of tensors)
      if (t.backend !== backend) ENGINE.run1('reshape', [t], { shape: t.shape }).dispose();
    const key = `${backend.name}|${ENGINE.autocastDtype ?? ''}|${argKey}`;
    const entry = cache.get(key);
    if (entry && entry.plan.valid(backend)) {
      // most recently used last (one trace: already)
      if (cache.size > 1) {
        cache.delete(key);
        cache.set(key, entry);
      }
      counts.replays++;
      return rebuildResult(entry, entry.plan.run(tensors));
    }
    if (entry) drop(key);
    return trace(args, tensors, key);
  };

  return Object.assign(jitted, {
    dispose: (): void => {
      for (const key of [...cache.keys()]) drop(key);
    },
    stats: (): JitStats => ({ ...counts, cached: cache.size }),
  });
}

/** The result of a replay in the shape the function returned (R: the trace's own result had that shape). */
function rebuildResult<R>(entry: Entry, tensors: readonly Tensor[]): R {
  // The template was taken from a value of type R, so rebuilding it yields an R.
  return rebuild(entry.template, tensors) as R;
}
