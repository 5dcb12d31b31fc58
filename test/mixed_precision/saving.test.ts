// Saving under mixed_float16: float32 weights, the policy in the config, the loss-scale state restored.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';

const mp = nr.mixedPrecision;
let dir = '';
beforeAll(async () => {
  await nr.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'neurite-mixed-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  mp.setGlobalPolicy('float32');
});

describe('save and load under mixed_float16', () => {
  it('keeps the policies, the float32 weights and the LossScaleOptimizer state', async () => {
    mp.setGlobalPolicy('mixed_float16');
    const model = nr.sequential({
      layers: [
        nr.layers.dense({ units: 4, activation: 'relu', inputShape: [3] }),
        nr.layers.dense({ units: 1, dtype: 'float32' }),
      ],
    });
    model.compile({ optimizer: new nr.optimizers.Adam({ learningRate: 0.01 }), loss: 'mse' });
    const x = nr.randomNormal([8, 3], 0, 1, 'float32', 1);
    const y = nr.randomNormal([8, 1], 0, 1, 'float32', 2);
    await model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    const path = join(dir, 'mixed');
    await model.save(path, { includeOptimizer: true });
    mp.setGlobalPolicy('float32');

    const loaded = await nr.loadLayersModel(path);
    expect(loaded.layers.map((l) => l.dtypePolicy.name)).toEqual(['mixed_float16', 'float32']);
    expect(loaded.weights.every((w) => w.dtype === 'float32')).toBe(true);
    const before = (model.predict(x) as nr.Tensor).dataSync();
    expect(Array.from((loaded.predict(x) as nr.Tensor).dataSync())).toEqual(Array.from(before));
    const opt = loaded.optimizer;
    expect(opt).toBeInstanceOf(mp.LossScaleOptimizer);
    const saved = model.optimizer?.weights().map((v) => Array.from(v.dataSync()));
    expect(opt?.weights().map((v) => Array.from(v.dataSync()))).toEqual(saved);
  });
});
