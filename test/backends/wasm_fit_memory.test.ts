// The wasm heap stays flat over a 1,000-step fit: every step's tensors are freed and their blocks reused.
import { expect, it } from 'vitest';
import * as nr from '../../src/node.js';

class HeapProbe extends nr.callbacks.Callback {
  readonly heapBytes: number[] = [];
  readonly liveBytes: number[] = [];
  override onBatchEnd(): void {
    const m = nr.backend().memory();
    this.heapBytes.push(m.heapBytes);
    this.liveBytes.push(m.numBytes);
  }
}

it('a 1,000-step fit on wasm keeps the heap and the live bytes flat', async () => {
  const prev = nr.getBackend();
  await nr.setBackend('wasm');
  try {
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
    const x = nr.randomNormal([16_000, 32], 0, 1, 'float32', 1);
    const y = nr.randomUniformInt([16_000], 0, 10, 2);
    const probe = new HeapProbe();
    await model.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0, callbacks: [probe] });
    expect(probe.heapBytes.length).toBe(1000);
    // after warm-up (optimizer slots built, free lists filled) nothing grows
    expect(probe.heapBytes[999]).toBe(probe.heapBytes[99]);
    expect(probe.liveBytes[999]).toBe(probe.liveBytes[99]);
    nr.dispose([x, y]);
    model.dispose();
  } finally {
    await nr.setBackend(prev);
  }
});
