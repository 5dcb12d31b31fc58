// Lazy elementwise fusion: which chains fuse and where they stop (dispatches counted at the backend), same values with fusion on and off, exact memory, gradients.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { MAX_FUSED_INPUTS, MAX_FUSED_STEPS } from '../../src/core/fusion/lazy.js';
import { checkGradient, rng, testBackends } from '../helpers/check_op.js';
import { dispatchedAsync } from '../helpers/kernel_calls.js';

/** The kernels `fn` dispatches on the current backend, by name. */
const dispatches = (fn: () => void | Promise<void>): Promise<string[]> =>
  dispatchedAsync(nr.backend(), fn);

function values(n: number, seed: number, lo = -2, hi = 2): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => Math.fround(lo + (hi - lo) * r()));
}

// fusion is forced on here ('auto', the default, fuses only on webgpu): every backend's fused kernel is tested
beforeEach(() => nr.setFusion(true));
afterEach(() => nr.setFusion('auto'));

/** Chains that exercise every step kind, dtype and broadcast pattern; each returns one tensor. */
const CHAINS: Record<
  string,
  (x: nr.Tensor, y: nr.Tensor, row: nr.Tensor, col: nr.Tensor) => nr.Tensor
> = {
  gelu: (x) => x.mul(0.5).mul(x.mul(Math.SQRT1_2).erf().add(1)),
  geluTanh: (x) => x.mul(0.5).mul(x.pow(3).mul(0.044715).add(x).mul(0.7978845608).tanh().add(1)),
  layerNormTail: (x, _y, row, col) => x.sub(col).mul(col.add(1e-5).abs().rsqrt()).mul(row).add(0.1),
  broadcastBoth: (_x, _y, row, col) => row.add(col).exp().sub(col.square()),
  sigmoidGate: (x, y) => x.sigmoid().mul(y.tanh()).add(x.neg().sigmoid().mul(y)),
  whereAndCompare: (x, y) =>
    nr.where(x.greater(y), x.exp(), y.square().neg()).add(x.less(0).cast('float32')),
  int32: (x, y) =>
    x.mul(10).cast('int32').mod(7).add(y.mul(3).cast('int32').floorDiv(2)).mul(-3).cast('float32'),
  boolLogic: (x, y) =>
    x.greater(0).logicalAnd(y.less(0.5)).logicalOr(x.isNaN()).cast('float32').mul(x),
  softplusChain: (x) => x.softplus().log1p().sqrt().sin(),
  leakyAndMaximum: (x, y) => nr.leakyRelu(x, 0.2).maximum(y).minimum(1.5).relu6(),
};

const SHAPE = [37, 29];

function inputs(): [nr.Tensor, nr.Tensor, nr.Tensor, nr.Tensor] {
  return [
    nr.tensor(values(37 * 29, 1), SHAPE),
    nr.tensor(values(37 * 29, 2), SHAPE),
    nr.tensor(values(29, 3), [29]),
    nr.tensor(values(37, 4), [37, 1]),
  ];
}

for (const backend of testBackends()) {
  describe(`fusion on ${backend}`, () => {
    for (const [name, chain] of Object.entries(CHAINS)) {
      it(`${name}: bitwise the unfused values`, async () => {
        await nr.setBackend(backend);
        const xs = inputs();
        nr.setFusion(false);
        const plain = chain(...xs);
        nr.setFusion(true);
        const fused = chain(...xs);
        const [a, b] = [await plain.data(), await fused.data()];
        expect(fused.shape).toEqual(plain.shape);
        expect(fused.dtype).toBe(plain.dtype);
        // WebGPU: the shader compiler may contract a*b+c across the fused steps
        if (backend === 'webgpu')
          for (let i = 0; i < a.length; i++)
            if (!(Number.isNaN(a[i]) && Number.isNaN(b[i])))
              expect(Math.abs(a[i] - b[i]), `${name}[${i}]`).toBeLessThanOrEqual(
                1e-5 * (1 + Math.abs(a[i])),
              );
            else expect(Array.from(b)).toEqual(Array.from(a));
        nr.dispose([xs, plain, fused]);
      });
    }

    it('NaN comes out of a fused chain as out of the unfused kernels (max, min, clip, comparisons)', async () => {
      await nr.setBackend(backend);
      const x = nr.tensor([NaN, -3, 0.5, 7, NaN, 2]);
      const chain = (t: nr.Tensor): nr.Tensor[] => [
        nr.clipByValue(t.mul(2), -1, 5),
        nr.maximum(t.add(1), 0),
        nr.minimum(t.sub(1), 0),
        nr.cast(nr.notEqual(t.mul(1), t), 'float32'),
      ];
      nr.setFusion(false);
      const plain = chain(x);
      nr.setFusion(true);
      const fused = chain(x);
      for (let k = 0; k < plain.length; k++)
        expect(Array.from(await fused[k].data()), `output ${k}`).toEqual(
          Array.from(await plain[k].data()),
        );
      nr.dispose([x, plain, fused]);
    });

    it('a chain runs as one kernel when read, none before', async () => {
      await nr.setBackend(backend);
      const [x] = inputs();
      let y: nr.Tensor | null = null;
      const recorded = await dispatches(() => {
        y = x.mul(2).add(1).exp().neg().sigmoid();
      });
      expect(recorded).toEqual([]);
      if (!y) throw new Error('unreachable');
      const yt: nr.Tensor = y;
      const read = await dispatches(async () => {
        await yt.data();
      });
      expect(read).toEqual(['fused']);
      nr.dispose([x, yt]);
    });

    it('a non-fusible consumer runs the chain first, then itself; its result starts a new chain', async () => {
      await nr.setBackend(backend);
      const [x] = inputs();
      const seen = await dispatches(() => {
        const s = x.square().mul(3).cumsum(-1);
        const z = s.sqrt().add(1);
        nr.dispose([s, z]);
      });
      expect(seen).toEqual(['fused', 'cumulative']);
      nr.dispose(x);
    });

    it('a reduction of a chain runs with it as one kernel, bitwise the chain then the reduction', async () => {
      await nr.setBackend(backend);
      const [x] = inputs();
      const run = async (fuse: boolean) => {
        nr.setFusion(fuse);
        const t = x.square().mul(3).sub(x);
        const r = [
          t.sum(-1),
          t.max(0, true),
          x.abs().add(0.5).prod(-1),
          x.greater(0).any(-1),
          // steps whose WGSL helpers declare their own constants (pow_, log_, acosh_), beside the reduction's
          x.abs().pow(3).sum(-1),
          x.abs().add(1).log().max(-1),
          x.abs().add(1).acosh().min(0),
        ];
        // t ran with its sum: reading it (and reducing it again) dispatches no chain again
        const after = await dispatches(() => nr.dispose(t.min(-1)));
        const got = await Promise.all([...r, t].map(async (a) => Array.from(await a.data())));
        nr.dispose([...r, t]);
        return { got, after };
      };
      const seen = await dispatches(() => {
        const y = x.mul(2).add(1).sum(-1, true);
        nr.dispose(y);
      });
      expect(seen).toEqual(['fusedReduce']);
      const fused = await run(true);
      const plain = await run(false);
      expect(fused.got).toEqual(plain.got);
      expect(fused.after).toEqual(['reduce']);
      nr.setFusion(true);
      // reduced axes that are not one run: the chain, then the plain reduction
      const x3 = nr.tensor(
        Array.from({ length: 24 }, (_, i) => i - 11.5),
        [2, 3, 4],
      );
      const split = await dispatches(() => nr.dispose(x3.mul(2).exp().sum([0, 2])));
      expect(split).toEqual(['fused', 'reduce']);
      nr.dispose([x, x3]);
    });

    it('with fusion off every op dispatches at once', async () => {
      await nr.setBackend(backend);
      const [x] = inputs();
      nr.setFusion(false);
      const seen = await dispatches(() => nr.dispose(x.mul(2).add(1).exp()));
      expect(seen).toEqual(['binary', 'binary', 'unary']);
      nr.dispose(x);
    });

    it('stops at the size caps: too many steps or too many input buffers', async () => {
      await nr.setBackend(backend);
      const [x] = inputs();
      let long = x;
      const steps = await dispatches(() => {
        for (let i = 0; i < MAX_FUSED_STEPS + 5; i++) long = long.add(1);
      });
      // the expression reached MAX_FUSED_STEPS: its first part ran, the rest is pending
      expect(steps).toEqual(['fused']);
      nr.setFusion(false);
      let plain = x;
      for (let i = 0; i < MAX_FUSED_STEPS + 5; i++) plain = plain.add(1);
      expect(Array.from(await long.data())).toEqual(Array.from(await plain.data()));
      nr.setFusion(true);
      const many = Array.from({ length: MAX_FUSED_INPUTS + 2 }, (_, i) =>
        nr.tensor(values(37 * 29, 10 + i), SHAPE),
      );
      let acc = many[0];
      const wide = await dispatches(() => {
        for (const t of many.slice(1)) acc = acc.add(t);
      });
      expect(wide.filter((k) => k === 'fused').length).toBe(1);
      nr.setFusion(false);
      const expected = many.slice(1).reduce((s, t) => s.add(t), many[0]);
      expect(Array.from(await acc.data())).toEqual(Array.from(await expected.data()));
      nr.dispose([x, long, many, acc, expected]);
    });
  });
}

describe('fusion and memory', () => {
  it('memory() counts pending tensors as the unfused run would, and tidy leaves nothing', async () => {
    await nr.setBackend('cpu');
    const x = nr.tensor(values(1000, 5), [10, 100]);
    const before = nr.memory();
    const y = nr.tidy(() => x.mul(0.5).exp().add(x).square());
    const pending = nr.memory();
    expect(pending.numTensors - before.numTensors).toBe(1);
    expect(pending.numDataBuffers - before.numDataBuffers).toBe(1);
    expect(pending.numBytes - before.numBytes).toBe(4000);
    nr.setFusion(false);
    const z = nr.tidy(() => x.mul(0.5).exp().add(x).square());
    const plain = nr.memory();
    expect(plain.numBytes - pending.numBytes).toBe(4000);
    nr.dispose([y, z]);
    const after = nr.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    expect(after.backends.cpu.backendBytes).toBe(before.backends.cpu.backendBytes);
    x.dispose();
  });

  it('a pending tensor disposed before it ran never runs and releases its inputs', async () => {
    await nr.setBackend('wasm');
    const base = nr.memory();
    const baseBytes = nr.backend().memory().numBytes;
    const seen = await dispatches(() => {
      const x = nr.tensor(values(64, 6), [64]);
      const y = nr.tidy(() => x.exp().mul(3));
      // the input goes first: the pending y still reads it, but memory() no longer counts it
      x.dispose();
      expect(nr.memory().numTensors).toBe(base.numTensors + 1);
      y.dispose();
    });
    expect(seen).toEqual([]);
    expect(nr.memory().numTensors).toBe(base.numTensors);
    expect(nr.memory().numBytes).toBe(base.numBytes);
    expect(nr.backend().memory().numBytes).toBe(baseBytes);
  });

  it('an input disposed while a pending tensor reads it stays readable through it', async () => {
    await nr.setBackend('wasm');
    const x = nr.tensor([1, 2, 3]);
    const y = x.mul(2).add(1);
    x.dispose();
    expect(Array.from(await y.data())).toEqual([3, 5, 7]);
    y.dispose();
  });

  it('views, clones, variables and moves of pending tensors see the values', async () => {
    await nr.setBackend('wasm');
    const x = nr.tensor([1, 2, 3, 4]);
    const y = x.add(1);
    const r = y.reshape([2, 2]);
    const c = y.clone();
    const v = nr.variable(x.mul(3));
    const m = x.sub(1);
    await nr.moveToBackend(m, 'cpu');
    expect(Array.from(r.dataSync())).toEqual([2, 3, 4, 5]);
    expect(Array.from(c.dataSync())).toEqual([2, 3, 4, 5]);
    expect(Array.from(v.dataSync())).toEqual([3, 6, 9, 12]);
    expect(Array.from(m.dataSync())).toEqual([0, 1, 2, 3]);
    nr.dispose([x, y, r, c, v, m]);
  });
});

describe('gradients through fused chains', () => {
  const cases = [
    { name: 'gelu chain', fn: (x: nr.Tensor) => x.mul(0.5).mul(x.mul(Math.SQRT1_2).erf().add(1)) },
    { name: 'sigmoid times tanh', fn: (x: nr.Tensor) => x.sigmoid().mul(x.tanh()).add(x.square()) },
    {
      name: 'where of exp',
      fn: (x: nr.Tensor) => nr.where(x.greater(0.1), x.exp(), x.mul(-2)).mul(x.add(3).log()),
    },
  ];
  for (const backend of ['cpu', 'wasm'])
    for (const c of cases)
      it(`${c.name} on ${backend}: against central differences`, async () => {
        await checkGradient(
          { name: c.name, fn: c.fn, inputs: [{ shape: [5, 7], awayFrom: [0.1] }] },
          backend,
        );
      });

  it('the same gradients with fusion on and off (wasm)', async () => {
    await nr.setBackend('wasm');
    const x = nr.tensor(values(300, 9), [30, 10]);
    const f = (t: nr.Tensor) => t.sigmoid().mul(t).square().add(t.tanh()).sum();
    const on = nr.grad(f)(x);
    nr.setFusion(false);
    const off = nr.grad(f)(x);
    expect(Array.from(on.dataSync())).toEqual(Array.from(off.dataSync()));
    nr.dispose([x, on, off]);
  });
});
