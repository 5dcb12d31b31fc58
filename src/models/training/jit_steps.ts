// compile({ jitCompile: true }): the model's train, test and predict steps captured with nr.jit, eager where they cannot be.
import { jit, type JitFunction, type JitStats } from '../../core/jit/jit.js';
import type { Tensor } from '../../core/tensor.js';
import type { Model } from '../model.js';
import type { StepData } from './batches.js';
import type { StepLogs } from './logs.js';

/** The captured steps of each model compiled with jitCompile (for tests and the bench: their counters). */
const STEPS = new WeakMap<Model, JitSteps>();

/**
 * The counters of a model's captured steps, or null when it was not compiled with jitCompile.
 * @example jitStepStats(model)?.train.replays // 59
 */
export function jitStepStats(
  model: Model,
): { train: JitStats; test: JitStats; predict: JitStats } | null {
  return STEPS.get(model)?.stats() ?? null;
}

/** What a step's trace also depends on besides its data: the optimizer's rate when it is a number. */
type StepKey = number | object | null;

/**
 * The captured steps of one compiled model. Each calls the model's own step (an overridden `trainStep`
 * included) through nr.jit; a step that cannot be captured runs eagerly from then on, and says why once.
 * @example const steps = new JitSteps(model, (m) => console.warn(m)); steps.trainStep(batch, 0.001);
 */
export class JitSteps {
  private readonly train: JitFunction<[StepData, StepKey], StepLogs>;
  private readonly test: JitFunction<[StepData], StepLogs>;
  private readonly predict: JitFunction<[StepData], Tensor | Tensor[]>;

  constructor(model: Model, warn: (message: string) => void = (m) => console.warn(m)) {
    const fallback = (step: string) => (reason: string) =>
      warn(`neurite: ${model.name}: jitCompile: ${step} runs eagerly: ${reason}`);
    this.train = jit((data: StepData, _key: StepKey) => model.trainStep(data), {
      onUntraceable: 'eager',
      onFallback: fallback('trainStep'),
    });
    this.test = jit((data: StepData) => model.testStep(data), {
      onUntraceable: 'eager',
      onFallback: fallback('testStep'),
    });
    this.predict = jit((data: StepData) => model.predictStep(data), {
      onUntraceable: 'eager',
      onFallback: fallback('predictStep'),
    });
    STEPS.set(model, this);
  }

  /** One training step; `key` is what else the step bakes in (a fixed learning rate: a new one retraces). */
  trainStep(data: StepData, key: StepKey): StepLogs {
    return this.train(data, key);
  }

  testStep(data: StepData): StepLogs {
    return this.test(data);
  }

  predictStep(data: StepData): Tensor | Tensor[] {
    return this.predict(data);
  }

  /** Counters of the three steps (traces, replays, eager calls...). */
  stats(): { train: JitStats; test: JitStats; predict: JitStats } {
    return { train: this.train.stats(), test: this.test.stats(), predict: this.predict.stats() };
  }

  /** Frees what the traces hold. */
  dispose(): void {
    this.train.dispose();
    this.test.dispose();
    this.predict.dispose();
  }
}
