// The WebGPU backend itself: memory stays flat over a training-like loop, reads, errors, engine selection.
// Skipped, visibly, where no WebGPU adapter starts (the global setup prints why).
import { describe, expect, it } from 'vitest';
import {
  bufferClass,
  createWebGpuBackend,
  dispatch1D,
  HOST_COPY_MAX,
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

  it('readSync throws a clear error naming the async way for values computed on the GPU', async () => {
    const b = await gpu();
    const x = nr.tensor([1, 2]);
    const y = x.mul(2);
    expect(() => b.readSync(y.dataId)).toThrow(/await tensor\.data\(\)/);
    expect(() => y.dataSync()).toThrow(/dataSync: backend 'webgpu' reads asynchronously/);
    expect(y.toString()).toMatch(/on webgpu \(use await t\.data\(\)\)/);
    nr.dispose([x, y]);
  });

  it('readSync answers for small tensors written from JS values, in read()s format', async () => {
    const b = await gpu();
    const f = nr.tensor([1.5, -2]);
    const t = nr.tensor([true, false]);
    expect(f.dataSync()).toEqual(new Float32Array([1.5, -2]));
    expect(t.dataSync()).toEqual(new Uint8Array([1, 0]));
    expect(f.toString()).toMatch(/^Tensor\s+\[1\.5, +-2\]$/);
    // over the limit only the async read works, so large weights are not kept twice
    const big = nr.zeros([HOST_COPY_MAX + 1]);
    const bigFromJs = nr.tensor(new Float32Array(HOST_COPY_MAX + 1));
    expect(() => bigFromJs.dataSync()).toThrow(nr.BackendError);
    expect((await big.data()).length).toBe(HOST_COPY_MAX + 1);
    // a freed id drops its copy
    const id = b.write(new Float32Array([7]), 'float32');
    expect(b.readSync(id)).toEqual(new Float32Array([7]));
    b.free(id);
    expect(() => b.readSync(id)).toThrow(nr.BackendError);
    nr.dispose([f, t, big, bigFromJs]);
  });

  it('the async NMS variants read boxes computed on the GPU with await data()', async () => {
    await gpu();
    const raw = nr.tensor([
      [0, 0, 1, 1],
      [0, 0.1, 1, 1.1],
      [0, 10, 1, 11],
    ]);
    const boxes = raw.mul(1); // a GPU result: only an async read gives its values
    const scores = nr.tensor([0.9, 0.8, 0.7]);
    expect(() => nr.image.nonMaxSuppression(boxes, scores, 3, 0.5)).toThrow(nr.BackendError);
    const picked = await nr.image.nonMaxSuppressionAsync(boxes, scores, 3, 0.5);
    expect(Array.from(await picked.data())).toEqual([0, 2]);
    const padded = await nr.image.nonMaxSuppressionPaddedAsync(boxes, scores, 3, 0.5, -1, true);
    expect(Array.from(await padded.selectedIndices.data())).toEqual([0, 2, 0]);
    nr.dispose([raw, boxes, scores, picked, padded.selectedIndices, padded.validOutputs]);
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
    // one dispatch per op: fused, the chain would be 3 dispatches (docs/guide/performance.md)
    nr.setFusion(false);
    let x = nr.ones([16]);
    try {
      for (let i = 0; i < 100; i++) {
        const y = x.add(1);
        x.dispose();
        x = y;
      }
    } finally {
      nr.setFusion('auto');
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

  /** Runs fn on cpu and on webgpu; the values must agree (exactly unless a tolerance is given). */
  async function agree(fn: () => nr.Tensor, tol = 0): Promise<void> {
    const values = async (backend: string) => {
      await nr.setBackend(backend);
      const t = fn();
      const v = Array.from(await t.data());
      const dtype = t.dtype;
      t.dispose();
      return { v, dtype };
    };
    const cpu = await values('cpu');
    const gpuRes = await values('webgpu');
    await nr.setBackend('cpu');
    expect(gpuRes.dtype).toBe(cpu.dtype);
    expect(gpuRes.v.length).toBe(cpu.v.length);
    cpu.v.forEach((e, i) => {
      const a = gpuRes.v[i];
      if (Number.isNaN(e) || tol === 0 || !Number.isFinite(e)) expect(a, `element ${i}`).toBe(e);
      else
        expect(Math.abs(a - e), `element ${i}: ${a} vs ${e}`).toBeLessThanOrEqual(
          tol * (1 + Math.abs(e)),
        );
    });
  }

  const ints = () => nr.tensor([7, -7, 5, -5, 0, 3, -2147483648, 46341], [8], 'int32');
  const divisors = () => nr.tensor([2, 2, -3, -3, 4, 0, -1, 46341], [8], 'int32');

  it('int32 binary ops follow the cpu (floor division, mod sign, zero divisors, wrapping)', async () => {
    for (const op of ['add', 'sub', 'mul', 'div', 'floorDiv', 'mod', 'maximum', 'minimum'] as const)
      await agree(() => nr[op](ints(), divisors()));
    await agree(() =>
      nr.pow(
        nr.tensor([2, -3, 1, -1, 0, 5], [6], 'int32'),
        nr.tensor([10, 3, -2, -3, 0, -1], [6], 'int32'),
      ),
    );
    await agree(() => nr.equal(ints(), divisors()));
  });

  it('int32 unary ops and casts with NaN and infinities', async () => {
    for (const op of ['abs', 'neg', 'square', 'sign', 'relu', 'relu6', 'floor', 'round'] as const)
      await agree(() => nr[op](ints()));
    const special = () => nr.tensor([NaN, Infinity, -Infinity, -2.7, 2.7, 0, -0.5]);
    await agree(() => special().cast('int32'));
    await agree(() => special().cast('bool'));
    await agree(() => special().isNaN());
    await agree(() => special().isFinite());
    await agree(() => ints().cast('bool').logicalNot());
  });

  it('reductions: NaN wins max/min and argMax, ties take the lower index, non-tail axes', async () => {
    const x = () =>
      nr.tensor([
        [1, NaN, 3],
        [2, 2, -1],
        [5, 5, NaN],
        [-Infinity, -Infinity, -Infinity],
      ]);
    for (const op of ['max', 'min', 'sum', 'prod'] as const) await agree(() => x()[op](1));
    await agree(() => x().argMax(1));
    await agree(() => x().argMin(1));
    await agree(() => x().max(0));
    await agree(() =>
      nr
        .tensor(
          [
            [3, 1],
            [2, 5],
          ],
          [2, 2],
          'int32',
        )
        .max(0),
    );
    const big = () => nr.randomUniform([3, 1000, 2], -1, 1, 'float32', 5);
    await agree(() => big().sum([0, 1]), 1e-5);
    await agree(() => big().argMax(1));
    await agree(() => nr.tensor([true, false, true, true], [2, 2]).all(1));
    await agree(() => nr.tensor([1, 2, 3, 4, 5, 6], [2, 3], 'int32').cumsum(1, true, true));
  });

  it('concat of more inputs than one program binds', async () => {
    await agree(() =>
      nr.concat(
        Array.from({ length: 15 }, (_, i) => nr.fill([2, i % 3], i)),
        1,
      ),
    );
  });

  it('where broadcasts its condition; gathers and scatters handle duplicates', async () => {
    await agree(() => nr.where(nr.tensor([true, false, true]), nr.ones([2, 3]), nr.zeros([2, 1])));
    const idx = () => nr.tensor([2, 0, 2, 2], [4], 'int32');
    await agree(() =>
      nr.gather(
        nr.tensor([
          [1, 2],
          [3, 4],
          [5, 6],
        ]),
        idx(),
      ),
    );
    await agree(() =>
      nr.scatterND(nr.tensor([[1], [1], [3]], [3, 1], 'int32'), nr.tensor([1, 2, 4]), [5]),
    );
    await agree(() => nr.topk(nr.tensor([[1, NaN, 3, 3, -1]]), 4).indices);
  });

  it('sin, cos and tan are float32-accurate (Vulkan allows 2^-11; SwiftShader was off by 2e-4)', async () => {
    await gpu();
    const xs = Float32Array.from({ length: 2001 }, (_, i) => (i - 1000) / 50); // [-20, 20]
    const x = nr.tensor(xs);
    const near = (fn: (v: number) => number, v: number) => 2e-7 + 2e-7 * Math.abs(fn(v));
    for (const [name, op, fn] of [
      ['sin', (t: nr.Tensor) => t.sin(), Math.sin],
      ['cos', (t: nr.Tensor) => t.cos(), Math.cos],
      ['tan', (t: nr.Tensor) => t.tan(), Math.tan],
    ] as const) {
      const y = op(x);
      const got = await y.data();
      xs.forEach((v, i) => {
        if (Math.abs(got[i] - fn(v)) > near(fn, v) * (name === 'tan' ? 1 + fn(v) ** 2 : 1))
          expect.fail(`${name}(${v}) = ${got[i]}, expected ${fn(v)}`);
      });
      y.dispose();
    }
    const special = nr.tensor([NaN, Infinity, -Infinity, 1e6]);
    const s = await special.sin().data();
    expect([s[0], s[1], s[2]]).toEqual([NaN, NaN, NaN]);
    expect(Math.abs(s[3])).toBeLessThanOrEqual(1); // past |x| = 8192: Vulkan's own sin
    nr.dispose([x, special]);
  });

  it('a dispatch past 65535 workgroups folds into y and covers every element', async () => {
    const n = 64 * 65535 + 7;
    await gpu();
    const y = nr.ones([n]).add(1).sum();
    expect((await y.data())[0]).toBe(2 * n);
    y.dispose();
  });
});
