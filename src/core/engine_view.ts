// tf.engine(): a read-only view of the engine with tfjs's names for what tfjs programs and tests read from it
// (the active backend's name and its count of data buffers, memory()); it holds no state of its own.
import { getBackend } from './backends_api.js';
import type { MemoryInfo } from './engine.js';
import { memory } from './memory.js';

/** What `engine()` gives: tfjs's `tf.engine()` members neurite can honour. */
export interface EngineView {
  /** The active backend, as tfjs's engine().backend: `numDataIds()` counts the live data buffers. */
  readonly backend: { numDataIds(): number };
  /** The active backend's name. */
  readonly backendName: string;
  /** Same as `memory()`. */
  memory(): MemoryInfo;
}

/**
 * The engine, as tfjs's `tf.engine()` exposes it to programs: `engine().backend.numDataIds()` counts data
 * buffers (a leak check), `engine().memory()` is `memory()`.
 * @example const before = nr.engine().backend.numDataIds();
 */
export function engine(): EngineView {
  return {
    backend: { numDataIds: () => memory().numDataBuffers },
    backendName: getBackend(),
    memory,
  };
}
