// nr.jit's fusion pass: which recorded steps run as one 'fused' kernel, where groups stop, and that replays equal eager runs bitwise.
import { afterEach, describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { ENGINE } from '../../src/core/engine.js';
import type { FusedProgram, FusedStep } from '../../src/core/fusion/program.js';
import { makeProgram } from '../../src/core/fusion/program.js';
import { onBackend, testBackends } from '../helpers/check_op.js';
import { eagerAndReplayed, values } from '../helpers/jit_compare.js';
import { interceptKernels } from '../helpers/kernel_calls.js';

/** What a replay dispatched: each kernel's name, and for 'fused' its step ops and outputs. */
interface Dispatch {
  kernel: string;
  steps?: string[];
  outputs?: number;
}

/** A dispatch as these tests compare it: 'fused' with its step ops and output count. */
function describeDispatch(kernel: string, attrs: object): Dispatch {
  const program = 'program' in attrs ? (attrs.program as FusedProgram) : null;
  return program
    ? {
        kernel,
        steps: program.steps.map((st) =>
          st.kind === 'unary' || st.kind === 'binary' ? st.op : st.kind,
        ),
        outputs: program.outputs?.length ?? 1,
      }
    : { kernel };
}

/** The results of `f` eagerly (fusion off: one kernel per op) and replayed (third call), and the replay's dispatches. */
const compare = (f: (...xs: nr.Tensor[]) => nr.Tensor | nr.Tensor[], inputs: nr.Tensor[]) =>
  eagerAndReplayed(f, inputs, describeDispatch);

const names = (seen: readonly Dispatch[]): string[] => seen.map((d) => d.kernel);

for (const backend of ['cpu', ...testBackends()]) {
  describe(`nr.jit fusion on ${backend}`, () => {
    onBackend(backend);
    afterEach(() => nr.setFusion('auto'));

    it('a chain of elementwise ops replays as one kernel, bitwise the eager values', async () => {
      const x = nr.tensor([-2, -0.5, 0, 0.25, 1, 3, 7.5, -9], [2, 4]);
      const b = nr.tensor([0.5, -1, 2, 0.125], [4]);
      const f = (x: nr.Tensor, b: nr.Tensor) => x.mul(0.5).add(b).tanh().mul(x.exp()).sub(1);
      const { eager, replayed, seen, kernels } = await compare(f, [x, b]);
      expect(replayed).toEqual(eager);
      expect(kernels).toBe(1);
      expect(seen).toEqual([
        { kernel: 'fused', steps: ['mul', 'add', 'tanh', 'exp', 'mul', 'sub'], outputs: 1 },
      ]);
      nr.dispose([x, b]);
    });

    it('a value read twice inside a group is computed once; one read outside is written as a second output', async () => {
      const x = nr.tensor([0.1, 0.7, -1.3, 2.2, 0.05, -0.4], [6]);
      // e is read by two steps of the group: one program, e in it once
      const inner = (x: nr.Tensor) => {
        const e = x.exp();
        return e.add(1).mul(e.sub(1));
      };
      const a = await compare(inner, [x]);
      expect(a.replayed).toEqual(a.eager);
      expect(a.seen).toEqual([
        { kernel: 'fused', steps: ['exp', 'add', 'sub', 'mul'], outputs: 1 },
      ]);
      // e is read by a matMul after the group: the group writes e and its own result
      const outside = (x: nr.Tensor) => {
        const e = x.exp();
        const y = e.mul(2).add(1);
        return y.add(
          e
            .reshape([1, 6])
            .matMul(e.reshape([6, 1]))
            .reshape([]),
        );
      };
      const b = await compare(outside, [x]);
      expect(b.replayed).toEqual(b.eager);
      expect(names(b.seen)).toEqual(['fused', 'matMul', 'binary']);
      expect(b.seen[0]).toEqual({ kernel: 'fused', steps: ['exp', 'mul', 'add'], outputs: 2 });
      // read by a sum instead, e stays inside: the sum is the group's epilogue (jit_fused_reduce.test.ts)
      const summed = (x: nr.Tensor) => {
        const e = x.exp();
        return e.mul(2).add(1).add(e.sum());
      };
      const c = await compare(summed, [x]);
      expect(c.replayed).toEqual(c.eager);
      expect(c.seen).toEqual([
        { kernel: 'fusedReduce', steps: ['exp', 'mul', 'add'], outputs: 1 },
        { kernel: 'binary' },
      ]);
      nr.dispose(x);
    });

    it('a value read outside before the group ends stops the group there', async () => {
      const x = nr.tensor([0.5, -1, 2, 3], [4]);
      // sum reads e before mul runs: e must exist before sum, so exp's group ends there (with the
      // sum as its epilogue, writing e too) and mul starts another
      const f = (x: nr.Tensor) => {
        const e = x.exp();
        const s = e.sum();
        return e.mul(s).add(1);
      };
      const { eager, replayed, seen } = await compare(f, [x]);
      expect(replayed).toEqual(eager);
      expect(names(seen)).toEqual(['fusedReduce', 'fused']);
      nr.dispose(x);
    });

    it('groups stop at non-elementwise steps and at shape changes', async () => {
      const x = nr.tensor([1, -2, 3, -4, 5, -6], [2, 3]);
      const w = nr.tensor([0.5, -0.25, 1, 2, -1, 0.75], [3, 2]);
      const f = (x: nr.Tensor, w: nr.Tensor) => x.abs().sqrt().matMul(w).relu().add(0.5);
      const { eager, replayed, seen } = await compare(f, [x, w]);
      expect(replayed).toEqual(eager);
      expect(names(seen)).toEqual(['fused', 'matMul', 'fused']);
      nr.dispose([x, w]);
    });

    it('every returned value is written, and a variable gets its fused new value', async () => {
      const x = nr.tensor([0.25, -0.75, 1.5, 2], [4]);
      const f = (x: nr.Tensor): nr.Tensor[] => {
        const a = x.square();
        return [a, a.add(x).neg()];
      };
      const r = await compare(f, [x]);
      expect(r.replayed).toEqual(r.eager);
      expect(r.seen).toEqual([{ kernel: 'fused', steps: ['square', 'add', 'neg'], outputs: 2 }]);

      const run = async (captured: boolean) => {
        const v = nr.variable(nr.tensor([1, 2, 3, 4], [4]));
        const step = (x: nr.Tensor) => {
          v.assign(v.mul(0.9).add(x.mul(0.1)));
          return v.sum();
        };
        const g = captured ? nr.jit(step) : step;
        const sums: number[] = [];
        for (let i = 0; i < 4; i++) {
          const s = g(x);
          sums.push((await s.data())[0]);
          s.dispose();
        }
        const out = { sums, v: Array.from(await v.data()) };
        v.dispose();
        return out;
      };
      nr.setFusion(false);
      const eager = await run(false);
      nr.setFusion(true);
      expect(await run(true)).toEqual(eager);
      nr.dispose(x);
    });

    it('a broadcastTo read only by elementwise steps is not copied: the fused kernel broadcasts', async () => {
      const x = nr.tensor([1, 2, 3], [3, 1]);
      const y = nr.tensor([0.5, 1, 1.5, 2, 2.5, 3], [3, 2]);
      const f = (x: nr.Tensor, y: nr.Tensor) => nr.broadcastTo(x, [3, 2]).mul(y).exp();
      const { eager, replayed, seen } = await compare(f, [x, y]);
      expect(replayed).toEqual(eager);
      expect(names(seen)).toEqual(['fused']);
      nr.dispose([x, y]);
    });

    it('slices read only by elementwise steps are not copied: the fused kernel reads the view', async () => {
      const x = nr.tensor([0.5, -1, 2, 0.25, 1, -0.5], [2, 3]);
      const w = nr.tensor(
        Array.from({ length: 24 }, (_, i) => ((i * 7) % 11) / 5 - 1),
        [3, 8],
      );
      // an LSTM's gates: one product, sliced into parts read by elementwise steps
      const gates = (x: nr.Tensor, w: nr.Tensor) => {
        const z = x.matMul(w);
        const part = (k: number) => z.slice([0, 2 * k], [2, 2]);
        return part(1).sigmoid().mul(part(2).tanh()).add(part(0).sigmoid()).mul(part(3).sigmoid());
      };
      const r = await compare(gates, [x, w]);
      expect(r.replayed).toEqual(r.eager);
      expect(names(r.seen)).toEqual(['matMul', 'fused']);
      nr.dispose([x, w]);
    });

    it('a transpose or reversed slice read by elementwise steps is read in place, also when broadcast', async () => {
      const x = nr.tensor([1, -2, 3, -4, 5, -6], [2, 3]);
      const y = nr.tensor([0.5, 1, 1.5, 2, 2.5, 3], [3, 2]);
      const t = (x: nr.Tensor, y: nr.Tensor) => x.transpose([1, 0]).mul(y).abs();
      const a = await compare(t, [x, y]);
      expect(a.replayed).toEqual(a.eager);
      expect(names(a.seen)).toEqual(['fused']);
      // a reversed column (negative stride) broadcast along the columns of z
      const z = nr.tensor(
        Array.from({ length: 12 }, (_, i) => i - 5.5),
        [3, 4],
      );
      const col = nr.tensor([0.5, -1.5, 2], [3, 1]);
      const rev = (col: nr.Tensor, z: nr.Tensor) => nr.reverse(col, 0).add(z).exp();
      const b = await compare(rev, [col, z]);
      expect(b.replayed).toEqual(b.eager);
      expect(names(b.seen)).toEqual(['fused']);
      nr.dispose([x, y, z, col]);
    });

    it('a slice read under a shape with axes of length 1 dropped is read in place (an RNN step of a sequence)', async () => {
      const seq = nr.tensor(
        Array.from({ length: 24 }, (_, i) => i / 4 - 3),
        [2, 3, 4],
      );
      const h = nr.tensor([0.5, -1, 2, 0.25, 1, -0.5, 3, -2], [2, 4]);
      const step = (seq: nr.Tensor, h: nr.Tensor) =>
        seq.slice([0, 1, 0], [2, 1, 4]).reshape([2, 4]).add(h).tanh();
      const r = await compare(step, [seq, h]);
      expect(r.replayed).toEqual(r.eager);
      expect(names(r.seen)).toEqual(['fused']);
      nr.dispose([seq, h]);
    });

    it('a view also read by another kernel is still copied once for it', async () => {
      const x = nr.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
      const f = (x: nr.Tensor): nr.Tensor[] => {
        const t = x.transpose([1, 0]);
        return [t.exp(), t.sum(0)];
      };
      const r = await compare(f, [x]);
      expect(r.replayed).toEqual(r.eager);
      expect(names(r.seen).filter((k) => k === 'copyStrided')).toHaveLength(1);
      nr.dispose(x);
    });

    it('a step reached through a reshape joins a group only where it broadcasts nothing', async () => {
      const x = nr.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [4, 3]);
      const w = nr.tensor([0.5, -1, 2, 0.25, 1, -0.5], [3, 2]);
      const b = nr.tensor([10, -20], [2]);
      // the bias add is [4, 2]; the group's shape [2, 2, 2] would broadcast the bias along another axis
      const biased = (x: nr.Tensor, w: nr.Tensor, b: nr.Tensor) =>
        x.matMul(w).add(b).reshape([2, 2, 2]).mul(0.5);
      const r = await compare(biased, [x, w, b]);
      expect(r.replayed).toEqual(r.eager);
      expect(names(r.seen)).toEqual(['matMul', 'binary', 'binary']);
      // without a broadcast input it joins
      const plain = (x: nr.Tensor, w: nr.Tensor) => x.matMul(w).exp().reshape([2, 2, 2]).mul(0.5);
      const p = await compare(plain, [x, w]);
      expect(p.replayed).toEqual(p.eager);
      expect(names(p.seen)).toEqual(['matMul', 'fused']);
      nr.dispose([x, w, b]);
    });

    it("a group binds at most the backend's kernel buffers (webgpu's storage buffers; no limit on cpu and wasm)", async () => {
      const limit = nr.backend().maxKernelBuffers ?? Infinity;
      // 14 inputs and one output
      const xs = Array.from({ length: 14 }, (_, k) => nr.fill([4], (k + 1) / 3));
      const f = (...xs: nr.Tensor[]) => xs.reduce((a, b) => a.mul(b).add(0.5));
      const { eager, replayed, seen } = await compare(f, xs);
      expect(replayed).toEqual(eager);
      if (limit === Infinity) expect(names(seen)).toEqual(['fused']);
      else {
        // several kernels, each binding its inputs and outputs within the limit
        const buffers: number[] = [];
        const g = nr.jit(f);
        nr.dispose([g(...xs), g(...xs)]);
        const restore = interceptKernels(nr.backend(), (_k, attrs) => {
          if ('program' in attrs) {
            const p = attrs.program as FusedProgram;
            buffers.push(p.inputs.length + (p.outputs?.length ?? 1));
          }
        });
        try {
          nr.dispose(g(...xs));
        } finally {
          restore();
        }
        g.dispose();
        expect(buffers.length).toBeGreaterThan(1);
        for (const n of buffers) expect(n).toBeLessThanOrEqual(limit);
        expect(buffers.length).toBe(seen.length);
      }
      nr.dispose(xs);
    });

    it("with fusion off a replay runs one kernel per op; 'auto' fuses groups of any size", async () => {
      const kernels = (mode: nr.FusionMode, n: number): number | null => {
        nr.setFusion(mode);
        const f = nr.jit((x: nr.Tensor) => x.mul(2).add(1).exp());
        const x = nr.ones([n]);
        nr.dispose([f(x), f(x)]);
        const k = f.stats().kernels;
        f.dispose();
        x.dispose();
        return k;
      };
      expect(kernels(false, 3)).toBe(3);
      expect(kernels(true, 3)).toBe(1);
      expect(kernels('auto', 3)).toBe(1);
      // groups were capped at 65,536 elements on cpu and wasm before the wasm kernel read broadcasts in place
      expect(kernels(true, 70000)).toBe(1);
      expect(kernels('auto', 70000)).toBe(1);
    });

    it("'auto' fuses the transformer block's GELU gradient and LayerNorm groups, bitwise the eager values", async () => {
      const x = nr.randomUniform([64, 32, 128], -3, 3, 'float32', 1);
      const dy = nr.randomUniform([64, 32, 128], -1, 1, 'float32', 2);
      const h = nr.randomUniform([64, 32, 64], -2, 2, 'float32', 3);
      const mean = nr.randomUniform([64, 32, 1], -0.5, 0.5, 'float32', 4);
      const rstd = nr.randomUniform([64, 32, 1], 0.5, 2, 'float32', 5);
      const gamma = nr.randomUniform([64], 0.5, 1.5, 'float32', 6);
      // dy * gelu'(x), as the GELU layer's gradient computes it
      const geluGrad = (x: nr.Tensor, dy: nr.Tensor) =>
        dy.mul(
          x
            .mul(Math.SQRT1_2)
            .erf()
            .add(1)
            .mul(0.5)
            .add(x.mul(x.square().mul(-0.5).exp()).mul(0.3989422804014327)),
        );
      const norm = (h: nr.Tensor, mean: nr.Tensor, rstd: nr.Tensor, gamma: nr.Tensor) =>
        h.sub(mean).mul(rstd).mul(gamma).add(0.1);
      const cases: [(...xs: nr.Tensor[]) => nr.Tensor, nr.Tensor[]][] = [
        [geluGrad, [x, dy]],
        [norm, [h, mean, rstd, gamma]],
      ];
      for (const [f, inputs] of cases) {
        nr.setFusion(false);
        const e = f(...inputs);
        const eager = Array.from(await e.data());
        e.dispose();
        nr.setFusion('auto');
        const jitted = nr.jit(f);
        nr.dispose([jitted(...inputs), jitted(...inputs)]);
        const r = jitted(...inputs);
        const replayed = Array.from(await r.data());
        r.dispose();
        expect(jitted.stats().kernels).toBe(1);
        jitted.dispose();
        if (backend === 'webgpu')
          for (let i = 0; i < eager.length; i += 97)
            expect(Math.abs(replayed[i] - eager[i])).toBeLessThanOrEqual(
              1e-5 * (1 + Math.abs(eager[i])),
            );
        else expect(replayed).toEqual(eager);
      }
      nr.dispose([x, dy, h, mean, rstd, gamma]);
    });

    it('the fused kernel writes each listed step to its own output', async () => {
      const x = nr.tensor([1, -2, 3, 0.5], [4]);
      const y = nr.tensor([2], [1]);
      const exp: FusedStep = { kind: 'unary', op: 'exp', alpha: 0, dtype: 'float32', args: [0] };
      const mul: FusedStep = { kind: 'binary', op: 'mul', dtype: 'float32', args: [2, 1] };
      const gt: FusedStep = { kind: 'binary', op: 'greater', dtype: 'bool', args: [3, 1] };
      const program = makeProgram([x, y], [], [exp, mul, gt], [4], [0, 2, 1]);
      const b = nr.backend();
      const ids = b.run('fused', [x, y], { program, constants: [], outShape: [4], dtype: 'bool' });
      const dtypes = ['float32', 'bool', 'float32'] as const;
      const outs = ids.map((id, k) => ENGINE.makeTensor(id, [4], dtypes[k], b));
      const e = [1, -2, 3, 0.5].map((v) => Math.fround(Math.exp(v)));
      const got = await values(outs);
      // exp within float32 rounding of the backend's exp; the later steps exactly from it
      got[0].forEach((v, i) => expect(v).toBeCloseTo(e[i], 5));
      expect(got[1]).toEqual(got[0].map((v) => (Math.fround(v * 2) > 2 ? 1 : 0)));
      expect(got[2]).toEqual(got[0].map((v) => Math.fround(v * 2)));
      nr.dispose([x, y, ...outs]);
    });

    it('random draws feeding a fused chain are new at every replay, as eagerly', async () => {
      const f = (x: nr.Tensor) => nr.randomUniform([6]).mul(x).add(1).sqrt();
      const draws = async (g: (x: nr.Tensor) => nr.Tensor) => {
        nr.setSeed(17);
        const x = nr.fill([6], 3);
        const out: number[][] = [];
        for (let i = 0; i < 4; i++) {
          const y = g(x);
          out.push(Array.from(await y.data()));
          y.dispose();
        }
        x.dispose();
        return out;
      };
      nr.setFusion(false);
      const eager = await draws(f);
      nr.setFusion(true);
      const jitted = nr.jit(f);
      const replayed = await draws(jitted);
      expect(replayed).toEqual(eager);
      expect(replayed[2]).not.toEqual(replayed[3]);
      expect(jitted.stats().kernels).toBe(2); // random, then one fused kernel
      jitted.dispose();
    });

    it('a per-row scale (a LayerNorm) is computed inside the group that broadcasts it', async () => {
      const x = nr.tensor([1, 2, 4, -1, 0.5, 3, 2, 2, 7, -3, 1, 0], [3, 4]);
      const g = nr.tensor([1, 0.5, 2, -1], [4]);
      const f = (x: nr.Tensor, g: nr.Tensor) => {
        const mean = x.mean(-1, true);
        const d = x.sub(mean);
        const variance = d.square().mean(-1, true);
        return d.mul(variance.add(1e-3).rsqrt()).mul(g);
      };
      const { eager, replayed, seen } = await compare(f, [x, g]);
      expect(replayed).toEqual(eager);
      // the [3, 1] chain (the mean's division, + eps, rsqrt) runs at each of the 12 elements
      expect(seen[seen.length - 1]).toEqual({
        kernel: 'fused',
        steps: ['div', 'add', 'rsqrt', 'mul', 'mul'],
        outputs: 1,
      });
      nr.dispose([x, g]);
    });

    it('an MLP train step replays with fusion bitwise as eager training', async () => {
      const init = (shape: number[], seed: number) =>
        nr.variable(nr.randomNormal(shape, 0, 0.5, 'float32', seed));
      const run = async (captured: boolean) => {
        const vars = [init([6, 8], 1), init([8], 2), init([8, 3], 3), init([3], 4)];
        const [w1, b1, w2, b2] = vars;
        const opt = new nr.optimizers.Adam({ learningRate: 0.05 });
        const x = nr.randomNormal([5, 6], 0, 1, 'float32', 11);
        const labels = nr.oneHot(nr.tensor([0, 2, 1, 1, 0], [5], 'int32'), 3);
        const step = (x: nr.Tensor, labels: nr.Tensor): nr.Tensor => {
          const { value, grads } = nr.variableGrads(
            () =>
              nr.losses.softmaxCrossEntropy(labels, x.matMul(w1).add(b1).elu().matMul(w2).add(b2)),
            vars,
          );
          opt.applyGradients(vars.map((v): [nr.Tensor, nr.Variable] => [grads[v.name], v]));
          return value;
        };
        const g = captured ? nr.jit(step) : step;
        const losses: number[] = [];
        for (let i = 0; i < 8; i++) {
          const loss = g(x, labels);
          losses.push((await loss.data())[0]);
          loss.dispose();
        }
        const out = { losses, weights: await values(vars) };
        nr.dispose([...vars, x, labels]);
        opt.dispose();
        return out;
      };
      nr.setFusion(false);
      const eager = await run(false);
      nr.setFusion(true);
      expect(await run(true)).toEqual(eager);
    });

    it('keeps memory flat over 1,000 replays of a fused step with several outputs', () => {
      nr.setFusion(true);
      const v = nr.variable(nr.fill([16], 0.5));
      const x = nr.randomNormal([16], 0, 1, 'float32', 3);
      const step = nr.jit((x: nr.Tensor) => {
        const a = x.mul(v).tanh();
        v.assign(v.add(a.mul(0.01)));
        return [a.sum(), a.square()];
      });
      nr.dispose(step(x));
      nr.dispose(step(x));
      const before = nr.memory();
      for (let i = 0; i < 1000; i++) nr.dispose(step(x));
      const after = nr.memory();
      expect(after.numTensors).toBe(before.numTensors);
      expect(after.numBytes).toBe(before.numBytes);
      expect(step.stats().replays).toBe(1001);
      step.dispose();
      nr.dispose([v, x]);
    });
  });
}
