// nr.jit's fusion pass lets matMul read transposed, sliced and broadcast operands in place: no copyStrided, replays bitwise eager.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { jitStepStats } from '../../src/models/training/jit_steps.js';
import { onBackend, testBackends } from '../helpers/check_op.js';
import { eagerAndReplayed, values } from '../helpers/jit_compare.js';
import { interceptKernels } from '../helpers/kernel_calls.js';

/** `f` eagerly (fusion off) and replayed by nr.jit (third call), with the replay's kernels. */
async function compare(
  f: (...xs: nr.Tensor[]) => nr.Tensor | nr.Tensor[],
  inputs: nr.Tensor[],
): Promise<{ eager: number[][]; replayed: number[][]; kernels: string[] }> {
  const { eager, replayed, seen } = await eagerAndReplayed(f, inputs, (kernel) => kernel);
  return { eager, replayed, kernels: seen };
}

const count = (kernels: readonly string[], name: string): number =>
  kernels.filter((k) => k === name).length;

/** Seeded values in [-1, 1). */
const rand = (shape: number[], seed: number): nr.Tensor =>
  nr.randomUniform(shape, -1, 1, 'float32', seed);

for (const backend of ['cpu', ...testBackends()]) {
  describe(`matMul reads views under nr.jit on ${backend}`, () => {
    onBackend(backend);
    // where the backend's matMul reads views, the copies go; elsewhere they stay (and results agree)
    let views = false;
    const copies = (n: number): number => (views ? 0 : n);
    beforeAll(() => {
      views = nr.backend().matMulViews === true;
    });
    afterEach(() => nr.setFusion('auto'));

    it('attention scores and context: heads moved in and out of [B, H, T, dh] around matMul, no copies', async () => {
      const q = rand([2, 12, 3, 8], 1);
      const k = rand([2, 12, 3, 8], 2);
      const v = rand([2, 12, 3, 8], 3);
      const heads = (t: nr.Tensor) => t.transpose([0, 2, 1, 3]);
      const f = (q: nr.Tensor, k: nr.Tensor, v: nr.Tensor) =>
        heads(q).matMul(heads(k), false, true).mul(0.25).matMul(heads(v)).transpose([0, 2, 1, 3]);
      const r = await compare(f, [q, k, v]);
      expect(r.replayed).toEqual(r.eager);
      // q, k, v read in place; the context written in [B, T, H, dh] order
      expect(count(r.kernels, 'copyStrided')).toBe(copies(4));
      expect(count(r.kernels, 'matMul')).toBe(2);
      nr.dispose([q, k, v]);
    });

    it('transposed matrices with transposeA / transposeB in every combination', async () => {
      const a = rand([20, 16], 4);
      const b = rand([24, 20], 5);
      for (const [tA, tB] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ]) {
        // a.transpose() is [16, 20]: op(aᵀ) is [16, 20] or [20, 16]; pick b's side to match
        const f = (a: nr.Tensor, b: nr.Tensor) => {
          const at = a.transpose();
          const k = tA ? 16 : 20;
          const bb = b.slice([0, 0], tB ? [24, k] : [k, 20]);
          return nr.matMul(at, bb, tA, tB);
        };
        const r = await compare(f, [a, b]);
        expect(r.replayed, `tA=${tA} tB=${tB}`).toEqual(r.eager);
        expect(count(r.kernels, 'matMul')).toBe(1);
        if (views) expect(count(r.kernels, 'copyStrided'), `tA=${tA} tB=${tB}`).toBe(0);
      }
      nr.dispose([a, b]);
    });

    it('a slice and a broadcast batch feed matMul in place', async () => {
      const x = rand([3, 20, 30], 6);
      const w = rand([24, 16], 7);
      const f = (x: nr.Tensor, w: nr.Tensor) =>
        x.slice([0, 2, 3], [3, 16, 24]).matMul(w.broadcastTo([3, 24, 16]));
      const r = await compare(f, [x, w]);
      expect(r.replayed).toEqual(r.eager);
      expect(count(r.kernels, 'copyStrided')).toBe(copies(2));
      if (views) expect(r.kernels).toEqual(['matMul']);
      nr.dispose([x, w]);
    });

    it('GEMV-sized products (1 to 4 rows) of views', async () => {
      const w = rand([64, 40], 8);
      for (const rows of [1, 2, 3, 4]) {
        const x = rand([40, rows], 9 + rows);
        const f = (x: nr.Tensor, w: nr.Tensor) => [
          x.transpose().matMul(w, false, true),
          x.transpose().matMul(w.transpose()),
        ];
        const r = await compare(f, [x, w]);
        expect(r.replayed, `${rows} rows`).toEqual(r.eager);
        if (views) expect(count(r.kernels, 'copyStrided'), `${rows} rows`).toBe(0);
        x.dispose();
      }
      w.dispose();
    });

    it('with a bias and activation epilogue, the epilogue stays', async () => {
      const x = rand([16, 12], 14);
      const w = rand([12, 10], 15);
      const bias = rand([10], 16);
      const f = (x: nr.Tensor, w: nr.Tensor, bias: nr.Tensor) =>
        nr.fused.matMul({ a: x.transpose(), b: w, bias, activation: 'relu', transposeA: true });
      const r = await compare(f, [x, w, bias]);
      expect(r.replayed).toEqual(r.eager);
      expect(r.replayed[0].some((v) => v === 0)).toBe(true);
      if (views) expect(r.kernels).toEqual(['matMul']);
      nr.dispose([x, w, bias]);
    });

    it('a transposed product read by an elementwise op and another matMul: written transposed', async () => {
      const a = rand([2, 12, 8], 19);
      const b = rand([2, 8, 10], 20);
      const w = rand([12, 6], 23);
      const f = (a: nr.Tensor, b: nr.Tensor, w: nr.Tensor) => {
        const t = a.matMul(b).transpose([0, 2, 1]);
        return [t.matMul(w), t.exp()];
      };
      const r = await compare(f, [a, b, w]);
      expect(r.replayed).toEqual(r.eager);
      expect(count(r.kernels, 'copyStrided')).toBe(copies(1));
      nr.dispose([a, b, w]);
    });

    it('a product with a bias epilogue written transposed keeps its bias per column', async () => {
      const x = rand([2, 3, 10, 12], 24);
      const w = rand([12, 8], 25);
      const bias = rand([8], 26);
      const f = (x: nr.Tensor, w: nr.Tensor, bias: nr.Tensor) =>
        nr.fused.matMul({ a: x, b: w, bias, activation: 'relu' }).transpose([0, 2, 1, 3]);
      const r = await compare(f, [x, w, bias]);
      expect(r.replayed).toEqual(r.eager);
      if (views) expect(r.kernels).toEqual(['matMul']);
      nr.dispose([x, w, bias]);
    });

    it('a product kept as a result as well as transposed is not written transposed', async () => {
      const a = rand([2, 6, 8], 27);
      const b = rand([2, 8, 6], 28);
      const f = (a: nr.Tensor, b: nr.Tensor) => {
        const c = a.matMul(b);
        return [c, c.transpose([0, 2, 1])];
      };
      const r = await compare(f, [a, b]);
      expect(r.replayed).toEqual(r.eager);
      expect(count(r.kernels, 'copyStrided')).toBe(1);
      nr.dispose([a, b]);
    });

    it('a copy also read elsewhere stays for that reader; the matMul still reads in place', async () => {
      const x = rand([12, 16], 17);
      const w = rand([12, 8], 18);
      const f = (x: nr.Tensor, w: nr.Tensor) => {
        const t = x.transpose();
        return [t.matMul(w), t.sum(0)];
      };
      const r = await compare(f, [x, w]);
      expect(r.replayed).toEqual(r.eager);
      expect(count(r.kernels, 'matMul')).toBe(1);
      nr.dispose([x, w]);
    });
  });
}

/** A MultiHeadAttention model's weights after `steps` training steps. */
async function trainAttention(jitCompile: boolean): Promise<{
  weights: number[][];
  copies: number;
  kernels: number | null;
}> {
  nr.setSeed(5);
  const x = rand([4, 10, 12], 21);
  const y = rand([4, 10, 12], 22);
  const input = nr.input({ shape: [10, 12] });
  const att = nr.layers
    .multiHeadAttention({
      numHeads: 3,
      keyDim: 8,
      kernelInitializer: nr.initializers.glorotUniform({ seed: 4 }),
    })
    .apply([input, input]) as nr.SymbolicTensor;
  const model = nr.model({ inputs: input, outputs: att });
  model.compile({ optimizer: 'adam', loss: 'mse', jitCompile });
  await model.fit(x, y, { epochs: 3, batchSize: 2, verbose: 0, shuffle: false });
  // one more step with the kernels counted (a replay when jitCompile)
  const xs = x.slice([0, 0, 0], [2, 10, 12]);
  const ys = y.slice([0, 0, 0], [2, 10, 12]);
  let copies = 0;
  const restore = interceptKernels(nr.backend(), (k) => {
    if (k === 'copyStrided') copies++;
  });
  try {
    await model.fit(xs, ys, { epochs: 1, batchSize: 2, verbose: 0 });
  } finally {
    restore();
  }
  const weights = await values(model.getWeights());
  const kernels = jitStepStats(model)?.train?.kernels ?? null;
  model.dispose();
  nr.dispose([x, y, xs, ys]);
  return { weights, copies, kernels };
}

for (const backend of ['cpu', 'wasm', ...testBackends().filter((b) => b === 'webgpu')]) {
  describe(`MultiHeadAttention training under jitCompile on ${backend}`, () => {
    onBackend(backend);

    it('gives the weights of eager steps bitwise, without the copies that move heads', async () => {
      const eager = await trainAttention(false);
      const jitted = await trainAttention(true);
      expect(jitted.weights).toEqual(eager.weights);
      // eager: q, k, v into heads, the context back, and the four gradients' transposes (8); the
      // replay reads q, k, v and the context's gradient in place and writes the others transposed
      expect(jitted.copies).toBeLessThanOrEqual(eager.copies - 8);
    });
  });
}
