// tf.engine(): a view of the engine with tfjs's names for what tfjs programs and tests read from it
// (the active backend's name and its count of data buffers, memory(), whether a tape records); no state of its own.
import { getBackend } from './backends_api.js';
import { ENGINE, type MemoryInfo } from './engine.js';
import { disposeVariables, memory } from './memory.js';

/** What `engine()` gives: tfjs's `tf.engine()` members neurite can honour. */
export interface EngineView {
  /** The active backend, as tfjs's engine().backend: `numDataIds()` counts the live data buffers. */
  readonly backend: { numDataIds(): number };
  /** The active backend's name (read when asked, so it follows setBackend). */
  readonly backendName: string;
  /** Same as `memory()`. */
  memory(): MemoryInfo;
  /** Whether an op run now would be recorded for gradients (inside grad/variableGrads, not paused). */
  isTapeOn(): boolean;
  /** Same as `disposeVariables()`. */
  disposeVariables(): void;
}

const VIEW: EngineView = {
  backend: { numDataIds: () => memory().numDataBuffers },
  get backendName(): string {
    return getBackend();
  },
  memory,
  isTapeOn: () => ENGINE.tapeStack.recording,
  disposeVariables,
};

/**
 * The engine, as tfjs's `tf.engine()` exposes it to programs: `engine().backend.numDataIds()` counts data
 * buffers (a leak check), `engine().memory()` is `memory()`, `engine().isTapeOn()` tells whether
 * gradients are being recorded.
 * @example const before = nr.engine().backend.numDataIds();
 */
export function engine(): EngineView {
  return VIEW;
}
