// WebGPU's fused Adam step (three dispatches) against the composed kernels on the same GPU and the cpu.
import { afterAll, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import type { Backend, TensorInfo } from '../../src/backends/backend.js';
import { createCpuBackendSync } from '../../src/backends/cpu/index.js';
import { adamComposed } from '../../src/ops/optimizer_rules.js';
import { expectClose, rng, testBackends } from '../helpers/check_op.js';
import { calls } from '../helpers/kernel_calls.js';

const available = testBackends().includes('webgpu');
const prev = nr.getBackend();
afterAll(async () => {
  await nr.setBackend(prev);
});

const attrs = { c1: 0.1, c2: 0.001, epsilon: 1e-7 };

/** Gradient, m, v, w and alpha with zero gradients, moments about to flush, and ordinary values. */
function inputs(b: Backend, n: number): TensorInfo[] {
  const r = rng(21);
  const vals = (f: () => number) => Float32Array.from({ length: n }, f);
  const tiny = () => (r() - 0.5) * 2e-38;
  const arrays = [
    vals(() => (r() < 0.3 ? 0 : r() - 0.5)),
    vals(() => (r() < 0.3 ? tiny() : r() - 0.5)),
    vals(() => Math.abs(tiny()) * 1e-3 + (r() < 0.5 ? 0 : r())),
    vals(() => r() - 0.5),
  ];
  const infos = arrays.map((a): TensorInfo => ({
    dataId: b.write(a, 'float32'),
    shape: [n],
    dtype: 'float32',
  }));
  return [
    ...infos,
    { dataId: b.write(new Float32Array([0.0031]), 'float32'), shape: [], dtype: 'float32' },
  ];
}

async function step(b: Backend, n: number, fused: boolean): Promise<number[][]> {
  const [g, m, v, w, alpha] = inputs(b, n);
  const ids = fused
    ? calls(b).adamUpdate(g, m, v, w, alpha, attrs)
    : adamComposed(b, g, m, v, w, alpha, attrs);
  const out = await Promise.all(ids.map(async (id) => Array.from(await b.read(id))));
  for (const id of [...ids, g.dataId, m.dataId, v.dataId, w.dataId, alpha.dataId]) b.free(id);
  return out;
}

it.skipIf(!available)(
  'webgpu adamUpdate equals the composed kernels on the GPU and the cpu',
  async () => {
    await nr.setBackend('webgpu');
    const gpu = nr.backend();
    const cpu = createCpuBackendSync();
    for (const n of [1, 7, 1003]) {
      const fused = await step(gpu, n, true);
      const composed = await step(gpu, n, false);
      const reference = await step(cpu, n, false);
      ['m', 'v', 'w'].forEach((name, i) => {
        // the same table expressions, rounded to f32 between steps as the separate kernels store them
        expect(fused[i], `${name} n=${n}`).toEqual(composed[i]);
        expectClose(fused[i], reference[i], 1e-7, 1e-5, `${name} n=${n} vs cpu`);
      });
    }
  },
);
