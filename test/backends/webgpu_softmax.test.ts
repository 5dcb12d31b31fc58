// WebGPU's one-dispatch softmax against the seven composed kernels it replaces, on the same GPU and against the cpu.
import { afterAll, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import type { Backend } from '../../src/backends/backend.js';
import { createCpuBackendSync } from '../../src/backends/cpu/index.js';
import { softmaxComposed } from '../../src/ops/softmax.js';
import { expectClose, rng, testBackends } from '../helpers/check_op.js';
import { calls, dispatchedAsync } from '../helpers/kernel_calls.js';

const available = testBackends().includes('webgpu');
const prev = nr.getBackend();
afterAll(async () => {
  await nr.setBackend(prev);
});

/** The kernel's and the composed kernels' results for values of a shape, read back. */
async function both(b: Backend, shape: number[], values: number[]): Promise<[number[], number[]]> {
  const x = {
    dataId: b.write(Float32Array.from(values), 'float32'),
    shape,
    dtype: 'float32' as const,
  };
  const one = calls(b).softmax(x);
  const composed = softmaxComposed(b, x);
  const out: [number[], number[]] = [
    Array.from(await b.read(one)),
    Array.from(await b.read(composed)),
  ];
  for (const id of [x.dataId, one, composed]) b.free(id);
  return out;
}

it.skipIf(!available)(
  'webgpu softmax equals the composed kernels bitwise, rows of 1 to 2,049',
  async () => {
    await nr.setBackend('webgpu');
    const gpu = nr.backend();
    const cpu = createCpuBackendSync();
    const r = rng(9);
    for (const shape of [
      [1, 1],
      [3, 10],
      [128, 10],
      [2, 63],
      [5, 64],
      [4, 65],
      [64, 4, 32, 32],
      [2, 2049],
      [7],
    ]) {
      const n = shape.reduce((a, c) => a * c, 1);
      const values = Array.from({ length: n }, () => (r() - 0.5) * 40);
      const [one, composed] = await both(gpu, shape, values);
      expect(one, `shape ${shape}`).toEqual(composed);
      const [reference] = await both(cpu, shape, values);
      expectClose(one, reference, 1e-7, 1e-5, `shape ${shape} vs cpu`);
    }
  },
);

it.skipIf(!available)(
  'webgpu softmax: infinite, NaN and huge rows as the composed kernels',
  async () => {
    await nr.setBackend('webgpu');
    const gpu = nr.backend();
    const rows = [
      [-Infinity, 0, 1, -Infinity],
      [Infinity, 0, 1, 2],
      [-Infinity, -Infinity, -Infinity, -Infinity],
      [NaN, 0, 1, 2],
      [1000, -1000, 999, 0],
      [0, 0, 0, 0],
    ];
    const [one, composed] = await both(gpu, [rows.length, 4], rows.flat());
    expect(one).toEqual(composed);
    expect(one.slice(0, 4)).toEqual([0, expect.closeTo(0.2689, 4), expect.closeTo(0.7311, 4), 0]);
  },
);

it.skipIf(!available)(
  'nr.softmax on webgpu is one dispatch, its gradient as on the cpu',
  async () => {
    await nr.setBackend('webgpu');
    const x = nr.tensor([
      [0.5, -1, 2],
      [3, 0, -4],
    ]);
    const seen = await dispatchedAsync(nr.backend(), async () => {
      const y = nr.softmax(x);
      await y.data();
      y.dispose();
    });
    expect(seen).toEqual(['softmax']);
    const dy = nr.tensor([
      [1, 0, -2],
      [0.5, 2, 1],
    ]);
    const [gx] = nr.grads((t: nr.Tensor) => nr.softmax(t).mul(dy).sum())([x]);
    const got = Array.from(await gx.data());
    await nr.setBackend('cpu');
    const xc = nr.tensor([
      [0.5, -1, 2],
      [3, 0, -4],
    ]);
    const dyc = nr.tensor([
      [1, 0, -2],
      [0.5, 2, 1],
    ]);
    const [gc] = nr.grads((t: nr.Tensor) => nr.softmax(t).mul(dyc).sum())([xc]);
    expectClose(got, Array.from(await gc.data()), 1e-6, 1e-5);
  },
);
