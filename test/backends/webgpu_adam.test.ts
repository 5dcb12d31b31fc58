// WebGPU's fused Adam step (one dispatch for as many variables as the device binds) against the composed kernels.
import { afterAll, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import type { Backend, TensorInfo } from '../../src/backends/backend.js';
import { createCpuBackendSync } from '../../src/backends/cpu/index.js';
import { adamComposed } from '../../src/ops/optimizer_rules.js';
import { expectClose, rng, testBackends } from '../helpers/check_op.js';
import { calls } from '../helpers/kernel_calls.js';
import { adamProgram, variablesPerDispatch } from '../../src/backends/webgpu/adam.js';
import type { WebGpuBackend } from '../../src/backends/webgpu/index.js';

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

it.skipIf(!available)(
  'webgpu adamUpdate over many variables: one dispatch per group the storage-buffer limit allows',
  async () => {
    await nr.setBackend('webgpu');
    const gpu = nr.backend() as WebGpuBackend;
    const per = variablesPerDispatch(gpu);
    // 7 storage buffers a variable and alpha: SwiftShader's 12 fit one variable a dispatch
    expect(per).toBe(
      Math.max(1, Math.floor((gpu.gpu.limits.maxStorageBuffersPerShaderStage - 1) / 7)),
    );
    const sizes = [5, 0, 1003, 1, 64];
    const vars = sizes.map((n) => {
      const [g, m, v, w] = inputs(gpu, n);
      return [g, m, v, w] as const;
    });
    const alpha = inputs(gpu, 1)[4];
    const before = gpu.programs.stats.dispatches;
    const ids = calls(gpu).adamUpdateMany(vars, alpha, attrs);
    // the empty variable takes no dispatch
    expect(gpu.programs.stats.dispatches - before).toBe(Math.ceil(4 / per));
    expect(ids.length).toBe(15);
    const out = await Promise.all(ids.map(async (id) => (await gpu.read(id)).length));
    expect(out).toEqual(sizes.flatMap((n) => [n, n, n]));
    for (const id of [...ids, ...vars.flat().map((t) => t.dataId), alpha.dataId]) gpu.free(id);
  },
);

it.skipIf(!available)(
  'the programs over several variables a dispatch compile (run where the device binds 15+ buffers)',
  async () => {
    await nr.setBackend('webgpu');
    const { device } = (nr.backend() as WebGpuBackend).programs;
    for (const k of [2, 3, 4]) {
      const info = await device.createShaderModule({ code: adamProgram(k) }).getCompilationInfo();
      expect(
        info.messages.filter((m) => m.type === 'error').map((m) => m.message),
        `k=${k}`,
      ).toEqual([]);
    }
  },
);
