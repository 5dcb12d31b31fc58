// A 1,000-step fit keeps backend memory flat: the wasm heap and the GPU's buffers (every step's tensors
// are freed and their blocks or buffers reused once the optimizer slots exist).
import { expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { testBackends } from '../helpers/check_op.js';

/** What "memory" means per backend: the wasm heap's size, the GPU bytes allocated (pool included). */
const HELD: Record<string, string> = { wasm: 'heapBytes', webgpu: 'gpuBytes' };

class MemoryProbe extends nr.callbacks.Callback {
  readonly heldBytes: number[] = [];
  readonly liveBytes: number[] = [];
  constructor(private readonly key: string) {
    super();
  }
  override onBatchEnd(): void {
    const m = nr.backend().memory();
    this.heldBytes.push(m[this.key]);
    this.liveBytes.push(m.numBytes);
  }
}

const backends = testBackends().filter((b) => b in HELD);

/**
 * 1,000 steps, but 150 on a software GPU (SwiftShader runs a step of this model in ~50 ms: 1,000 would
 * take a minute of CI). The check is the same: no growth after the first 100 steps.
 */
function stepsOn(name: string): number {
  return nr.env().backendInfo?.isFallbackAdapter === true && name === 'webgpu' ? 150 : 1000;
}

it.each(backends)(
  'a 1,000-step fit on %s keeps held and live bytes flat (150 on a software GPU)',
  async (name) => {
    const prev = nr.getBackend();
    await nr.setBackend(name);
    try {
      const steps = stepsOn(name);
      const model = nr.sequential({
        layers: [
          nr.layers.dense({ units: 64, activation: 'relu', inputShape: [32] }),
          nr.layers.dropout({ rate: 0.1 }),
          nr.layers.dense({ units: 10, activation: 'softmax' }),
        ],
      });
      model.compile({
        optimizer: 'adam',
        loss: 'sparseCategoricalCrossentropy',
        metrics: ['accuracy'],
      });
      const x = nr.randomNormal([16 * steps, 32], 0, 1, 'float32', 1);
      const y = nr.randomUniformInt([16 * steps], 0, 10, 2);
      const probe = new MemoryProbe(HELD[name]);
      await model.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0, callbacks: [probe] });
      expect(probe.heldBytes.length).toBe(steps);
      expect(probe.heldBytes[99]).toBeGreaterThan(0);
      // after warm-up (optimizer slots built, free lists filled) nothing grows
      expect(probe.heldBytes[steps - 1]).toBe(probe.heldBytes[99]);
      expect(probe.liveBytes[steps - 1]).toBe(probe.liveBytes[99]);
      nr.dispose([x, y]);
      model.dispose();
    } finally {
      await nr.setBackend(prev);
    }
  },
);
