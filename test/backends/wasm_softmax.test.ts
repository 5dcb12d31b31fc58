// The wasm backend's one-pass softmax (SIMD rows) against the composed kernels it replaces, edge rows included.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { WasmBackend } from '../../src/backends/wasm/index.js';
import { SOFTMAX_ONE_PASS_MAX } from '../../src/backends/wasm/softmax.js';
import { softmaxComposed } from '../../src/ops/softmax.js';
import { expectClose, rng } from '../helpers/check_op.js';
import { calls } from '../helpers/kernel_calls.js';

const wasmReady = nr.registeredBackends().includes('wasm');

describe.skipIf(!wasmReady)('wasm softmax', () => {
  async function backend(): Promise<WasmBackend> {
    await nr.setBackend('wasm');
    const b = nr.backend();
    if (!(b instanceof WasmBackend)) throw new Error('not the wasm backend');
    return b;
  }

  /** Fused and composed results for values of a shape, as plain arrays. */
  async function both(shape: number[], values: number[]): Promise<[number[], number[]]> {
    const b = await backend();
    const x = {
      dataId: b.write(Float32Array.from(values), 'float32'),
      shape,
      dtype: 'float32' as const,
    };
    const fused = calls(b).softmax(x);
    const composed = softmaxComposed(b, x);
    const out = [Array.from(b.readSync(fused)), Array.from(b.readSync(composed))] as [
      number[],
      number[],
    ];
    for (const id of [x.dataId, fused, composed]) b.free(id);
    return out;
  }

  it('agrees with the composed kernels on random rows, both sides of the one-pass limit', async () => {
    const r = rng(5);
    for (const shape of [
      [1, 10],
      [7, 13],
      [3, 1],
      [2, 3, 5],
      [SOFTMAX_ONE_PASS_MAX / 8 + 1, 8],
      // the SIMD kernel's rows: whole vectors, a tail, attention's 32, long rows
      [64, 4, 32, 32],
      [5, 33],
      [3, 2048],
      [2, 2047],
      [1, 3],
    ]) {
      const n = shape.reduce((a, c) => a * c, 1);
      const values = Array.from({ length: n }, () => (r() - 0.5) * 40);
      const [fused, composed] = await both(shape, values);
      expectClose(fused, composed, 1e-7, 1e-6);
    }
  });

  it('matches the composed kernels on infinite, NaN, huge and empty rows', async () => {
    const rows = [
      [-Infinity, 0, 1, -Infinity],
      [Infinity, 0, 1, 2],
      [-Infinity, -Infinity, -Infinity, -Infinity],
      [NaN, 0, 1, 2],
      [1000, -1000, 999, 0],
      [0, 0, 0, 0],
    ];
    const [fused, composed] = await both([rows.length, 4], rows.flat());
    for (let i = 0; i < fused.length; i++) {
      if (Number.isNaN(composed[i])) expect(fused[i]).toBeNaN();
      else expect(fused[i]).toBeCloseTo(composed[i], 6);
    }
    const [empty] = await both([0, 4], []);
    expect(empty).toEqual([]);
  });

  it('the op uses the fused kernel and its gradient is y·(dy - sum(dy·y))', async () => {
    await backend();
    const x = nr.tensor([[0.5, -1, 2]]);
    const dy = nr.tensor([[1, 0, -2]]);
    const [gx] = nr.grads((t: nr.Tensor) => nr.softmax(t).mul(dy).sum())([x]);
    const y = Array.from(await nr.softmax(x).data());
    const s = y[0] * 1 + y[2] * -2;
    expectClose(
      Array.from(await gx.data()),
      [y[0] * (1 - s), y[1] * (0 - s), y[2] * (-2 - s)],
      1e-7,
    );
  });
});
