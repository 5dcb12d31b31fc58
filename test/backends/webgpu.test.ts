// The WebGPU backend itself: memory stays flat over a training-like loop, reads, errors, engine selection.
// Skipped, visibly, where no WebGPU adapter starts (the global setup prints why).
import { describe, expect, it } from 'vitest';
import {
  bufferClass,
  createWebGpuBackend,
  dispatch1D,
  WebGpuBackend,
} from '../../src/backends/webgpu/index.js';
import * as nr from '../../src/node.js';
import { testBackends } from '../helpers/check_op.js';

const available = testBackends().includes('webgpu');

describe('webgpu helpers', () => {
  it('size classes: powers of two, then quarter steps', () => {
    expect(bufferClass(1)).toBe(16);
    expect(bufferClass(100)).toBe(128);
    expect(bufferClass(65536)).toBe(65536);
    expect(bufferClass(65537)).toBe(65536 + 16384);
  });
  it('dispatch1D folds counts past 65535 workgroups into y', () => {
    expect(dispatch1D(1000, 64)).toEqual([16, 1, 1]);
    const [x, y] = dispatch1D(64 * 70000, 64);
    expect(x).toBeLessThanOrEqual(65535);
    expect(x * y).toBeGreaterThanOrEqual(70000);
  });
});

describe.skipIf(!available)('webgpu backend', () => {
  async function gpu(): Promise<WebGpuBackend> {
    await nr.setBackend('webgpu');
    const b = nr.backend();
    if (!(b instanceof WebGpuBackend)) throw new Error('not the webgpu backend');
    return b;
  }

  it('reads every dtype as the cpu backend returns it', async () => {
    const b = await gpu();
    const f = nr.tensor([1.5, -2]);
    const i = nr.tensor([3, -4], [2], 'int32');
    const t = nr.tensor([true, false, true]);
    expect(await f.data()).toEqual(new Float32Array([1.5, -2]));
    expect(await i.data()).toEqual(new Int32Array([3, -4]));
    expect(await t.data()).toEqual(new Uint8Array([1, 0, 1]));
    expect(await nr.zeros([0, 3]).data()).toEqual(new Float32Array(0));
    expect(b.canReadSync).toBe(false);
    nr.dispose([f, i, t]);
  });

  it('readSync throws a clear error naming the async way', async () => {
    const b = await gpu();
    const id = b.write(new Float32Array([1]), 'float32');
    expect(() => b.readSync()).toThrow(/await tensor\.data\(\)/);
    expect(() => nr.tensor([1]).dataSync()).toThrow(/await tensor\.data\(\)/);
    b.free(id);
  });

  it('a 200-step allocate/compute/dispose loop keeps GPU memory flat', async () => {
    const b = await gpu();
    const w = nr.tensor([
      [0.5, -1],
      [2, 0.25],
    ]);
    const step = async () => {
      const loss = nr.tidy(() => {
        const x = nr.randomNormal([8, 2], 0, 1, 'float32', 3);
        return x.matMul(w).relu().square().mean();
      });
      await loss.data();
      loss.dispose();
    };
    for (let i = 0; i < 10; i++) await step();
    const before = b.memory();
    for (let i = 0; i < 200; i++) await step();
    const after = b.memory();
    expect(after.gpuBytes).toBe(before.gpuBytes);
    expect(after.numBytes).toBe(before.numBytes);
    expect(after.pooledBytes).toBeGreaterThan(0);
    w.dispose();
  });

  it('batches many dispatches per submit', async () => {
    const b = await gpu();
    const stats = b.programs.stats;
    const [d0, s0] = [stats.dispatches, stats.submits];
    let x = nr.ones([16]);
    for (let i = 0; i < 100; i++) {
      const y = x.add(1);
      x.dispose();
      x = y;
    }
    expect((await x.data())[0]).toBe(101);
    x.dispose();
    expect(stats.dispatches - d0).toBeGreaterThanOrEqual(100);
    expect(stats.submits - s0).toBeLessThanOrEqual(3);
  });

  it('reports its adapter through describe() and nr.env()', async () => {
    await gpu();
    const env = nr.env();
    expect(env.backend).toBe('webgpu');
    expect(env.backendInfo).toMatchObject({
      limits: expect.any(Object),
      features: expect.any(Array),
    });
    expect(typeof env.backendInfo?.isFallbackAdapter).toBe('boolean');
  });

  it('a disposed backend refuses further work with a clear error', async () => {
    const b = await createWebGpuBackend();
    const id = b.write(new Float32Array([1, 2]), 'float32');
    expect(await b.read(id)).toEqual(new Float32Array([1, 2]));
    b.dispose();
    expect(() => b.write(new Float32Array([1]), 'float32')).toThrow(/disposed/);
  });
});
