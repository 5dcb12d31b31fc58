// nr.jit's reduction epilogues: which reduce steps join the group making their input, where that stops, and that 'fusedReduce' equals the fused chain then the reduce (bitwise).
import { afterEach, describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import type { ReduceOp } from '../../src/backends/backend.js';
import { ENGINE } from '../../src/core/engine.js';
import type { ReduceEpilogue } from '../../src/core/fusion/fused_reduce.js';
import type { FusedProgram, FusedStep } from '../../src/core/fusion/program.js';
import { makeProgram } from '../../src/core/fusion/program.js';
import { onBackend, testBackends } from '../helpers/check_op.js';
import { eagerAndReplayed, values } from '../helpers/jit_compare.js';
import { interceptKernels } from '../helpers/kernel_calls.js';

/** Deterministic values in [-2, 2) (a small LCG), float32-exact. */
function data(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.fround((s / 2 ** 32) * 4 - 2);
  });
}

/** A dispatch by name (with 'fusedReduce' its reduction op). */
function describeDispatch(kernel: string, attrs: object): string {
  const r = 'reduce' in attrs ? (attrs.reduce as ReduceEpilogue) : null;
  return r ? `${kernel}:${r.op}` : kernel;
}

/** The kernels a call of `f` dispatched, as describeDispatch writes them. */
function kernels(f: () => void): string[] {
  const seen: string[] = [];
  const restore = interceptKernels(nr.backend(), (kernel, attrs) => {
    seen.push(describeDispatch(kernel, attrs));
  });
  try {
    f();
  } finally {
    restore();
  }
  return seen;
}

/** `f` eagerly with fusion off (one kernel per op), then replayed under nr.jit with fusion on. */
const compare = (f: (...xs: nr.Tensor[]) => nr.Tensor | nr.Tensor[], inputs: nr.Tensor[]) =>
  eagerAndReplayed(f, inputs, describeDispatch);

/** fusedReduce(x) against fused(x) then reduce, for one program y = x * 0.5 + b (step 1 reduced). */
async function kernelPair(
  shape: number[],
  axes: number[],
  op: ReduceOp,
  layout: { outer: number; mid: number; inner: number },
  alsoWrite: boolean,
): Promise<{ fusedReduce: number[][]; chain: number[][] }> {
  const b = nr.backend();
  const n = shape.reduce((a, d) => a * d, 1);
  // prod over many values under/overflows: keep the factors near 1 there
  const xs = data(n, 7 + n).map((v) => (op === 'prod' ? Math.fround(1 + v / 64) : v));
  const x = nr.tensor(xs, shape);
  const bias = nr.tensor(data(shape[shape.length - 1], 3), [shape[shape.length - 1]]);
  const mul: FusedStep = { kind: 'binary', op: 'mul', dtype: 'float32', args: [2, 0] };
  const add: FusedStep = { kind: 'binary', op: 'add', dtype: 'float32', args: [3, 1] };
  const program: FusedProgram = makeProgram(
    [x, bias],
    ['float32'],
    [mul, add],
    shape,
    alsoWrite ? [1] : [],
  );
  const reduce: ReduceEpilogue = { op, step: 1, ...layout, dtype: 'float32' };
  const outShape = [layout.outer * layout.inner];
  const ids = b.run('fusedReduce', [x, bias], {
    program,
    constants: [0.5],
    outShape: shape,
    reduce,
  });
  const got = ids.map((id, k) =>
    ENGINE.makeTensor(id, k === ids.length - 1 ? outShape : shape, 'float32', b),
  );
  const plain = makeProgram([x, bias], ['float32'], [mul, add], shape);
  const [y] = b.run('fused', [x, bias], {
    program: plain,
    constants: [0.5],
    outShape: shape,
    dtype: 'float32',
  });
  const yt = ENGINE.makeTensor(y, shape, 'float32', b);
  const s = ENGINE.makeTensor(
    b.run('reduce', [yt], { op, axes, dtype: 'float32' }),
    outShape,
    'float32',
    b,
  );
  const out = { fusedReduce: await values(got), chain: await values(alsoWrite ? [yt, s] : [s]) };
  nr.dispose([x, bias, yt, s, ...got]);
  return out;
}

for (const backend of ['cpu', ...testBackends()]) {
  describe(`nr.jit reduction epilogues on ${backend}`, () => {
    onBackend(backend);
    afterEach(() => nr.setFusion('auto'));

    it('the fusedReduce kernel equals the fused kernel then reduce, bitwise, over rows and columns', async () => {
      const cases: [number[], number[], { outer: number; mid: number; inner: number }][] = [
        // rows (LayerNorm, softmax): a row length that does not divide the wasm block
        [[300, 37], [1], { outer: 300, mid: 37, inner: 1 }],
        // columns (a bias gradient), the [2048, 64] of the issue
        [[2048, 64], [0], { outer: 1, mid: 2048, inner: 64 }],
        [[130, 5], [0], { outer: 1, mid: 130, inner: 5 }],
        // [outer, mid, inner]: the reference and webgpu kernels; wasm hands it to the reference
        [[3, 50, 4], [1], { outer: 3, mid: 50, inner: 4 }],
      ];
      for (const op of ['sum', 'max', 'min', 'prod'] as const)
        for (const [shape, axes, layout] of cases)
          for (const alsoWrite of [false, true]) {
            const { fusedReduce, chain } = await kernelPair(shape, axes, op, layout, alsoWrite);
            expect(fusedReduce, `${op} ${shape} ${alsoWrite}`).toEqual(chain);
          }
    });

    it.runIf(backend === 'wasm')(
      'on wasm the single-thread block loop and the threaded path agree with the chain',
      async () => {
        const threads = nr.getThreadsCount();
        try {
          for (const count of [1, Math.max(2, threads)]) {
            nr.setThreadsCount(count);
            for (const op of ['sum', 'max'] as const) {
              const rows = await kernelPair(
                [40, 2000],
                [1],
                op,
                { outer: 40, mid: 2000, inner: 1 },
                true,
              );
              expect(rows.fusedReduce).toEqual(rows.chain);
              const cols = await kernelPair(
                [2048, 64],
                [0],
                op,
                { outer: 1, mid: 2048, inner: 64 },
                false,
              );
              expect(cols.fusedReduce).toEqual(cols.chain);
            }
          }
        } finally {
          nr.setThreadsCount(threads);
        }
      },
    );

    it("programs of transcendental steps (each backend's own kernels) reduce as the unfused chain", async () => {
      // gelu and exp run the backend's own step kernels (SIMD on wasm): the epilogue must follow them
      const x = nr.tensor(data(8 * 6 * 8, 11), [8, 6, 8]);
      const mask = nr.tensor(data(8 * 6, 12), [8, 6, 1]).greater(0);
      const cases: [string, (x: nr.Tensor, m: nr.Tensor) => nr.Tensor][] = [
        ['[outer, mid, inner]', (x, m) => nr.where(m, nr.gelu(x), nr.zeros([8, 6, 8])).sum(1)],
        ['rows', (x) => x.exp().mul(x.sigmoid()).sum(-1)],
        ['columns', (x) => nr.gelu(x.reshape([48, 8])).max(0)],
        ['int32 rows', (x) => x.mul(3).cast('int32').sum(-1)],
        ['any over rows', (x) => x.exp().greater(2).any(-1)],
      ];
      for (const [name, f] of cases) {
        const { eager, replayed, seen } = await compare(f, [x, mask]);
        expect(replayed, name).toEqual(eager);
        expect(
          seen.filter((k) => k.startsWith('fusedReduce')),
          name,
        ).toHaveLength(1);
      }
      nr.dispose([x, mask]);
    });

    it('a LayerNorm variance: the centring chain takes the sum as its epilogue', async () => {
      const x = nr.tensor(data(64 * 37, 1), [64, 37]);
      const f = (x: nr.Tensor) => {
        const mean = x.mean(-1, true);
        const d = x.sub(mean);
        return d.div(d.square().mean(-1, true).add(1e-5).sqrt());
      };
      const { eager, replayed, seen } = await compare(f, [x]);
      expect(replayed).toEqual(eager);
      // sum(x) reads an input (no group: a plain reduce); the square's sum is an epilogue
      expect(seen.filter((k) => k === 'reduce')).toHaveLength(1);
      expect(seen.filter((k) => k === 'fusedReduce:sum')).toHaveLength(1);
      nr.dispose(x);
    });

    it('softmax cross-entropy and a bias gradient: rows and columns', async () => {
      const logits = nr.tensor(data(128 * 10, 2), [128, 10]);
      const labels = nr.oneHot(
        nr.tensor(
          data(128, 5).map((v) => Math.floor((v + 2) * 2.5)),
          [128],
          'int32',
        ),
        10,
      );
      const xent = (z: nr.Tensor, y: nr.Tensor) => {
        const m = z.max(-1, true);
        const e = z.sub(m).exp();
        const lse = e.sum(-1, true).log().add(m);
        return y.mul(z.sub(lse)).sum(-1).neg().mean();
      };
      const a = await compare(xent, [logits, labels]);
      expect(a.replayed).toEqual(a.eager);
      // the row max reads an input; the sums over e and y*(z - lse) are epilogues; the mean's sum too
      expect(a.seen.filter((k) => k.startsWith('fusedReduce'))).toHaveLength(3);
      expect(a.seen.filter((k) => k === 'reduce')).toHaveLength(1);

      const dy = nr.tensor(data(2048 * 64, 4), [2048, 64]);
      const h = nr.tensor(data(2048 * 64, 6), [2048, 64]);
      const biasGrad = (dy: nr.Tensor, h: nr.Tensor) => dy.mul(h.greater(0).cast('float32')).sum(0);
      const b = await compare(biasGrad, [dy, h]);
      expect(b.replayed).toEqual(b.eager);
      expect(b.seen).toEqual(['fusedReduce:sum']);
      nr.dispose([logits, labels, dy, h]);
    });

    it('where it stops: another axes pattern, a reduce of a non-elementwise value; no size cap', async () => {
      const x = nr.tensor(data(24, 3), [2, 3, 4]);
      const w = nr.tensor(data(16, 4), [4, 4]);
      // two separate runs of reduced axes: a plain reduce after the fused chain
      const split = (x: nr.Tensor) => x.exp().mul(0.5).sum([0, 2]);
      const a = await compare(split, [x]);
      expect(a.replayed).toEqual(a.eager);
      expect(a.seen).toEqual(['fused', 'reduce']);
      // a matMul's value has no group to join
      const mm = (x: nr.Tensor, w: nr.Tensor) => x.reshape([6, 4]).matMul(w).sum(1);
      const b = await compare(mm, [x, w]);
      expect(b.replayed).toEqual(b.eager);
      expect(b.seen).toEqual(['matMul', 'reduce']);
      // a group that took its epilogue is closed: a later step reading its value starts another
      const closed = (x: nr.Tensor) => {
        const e = x.exp();
        return e.mul(e.sum());
      };
      const c = await compare(closed, [x]);
      expect(c.replayed).toEqual(c.eager);
      expect(c.seen).toEqual(['fusedReduce:sum', 'binary']);
      // 'auto' fuses groups of any size on every backend: a 90,000-element group takes its epilogue
      nr.setFusion('auto');
      const big = nr.ones([300, 300]);
      const f = nr.jit((t: nr.Tensor) => t.mul(2).sum(1));
      nr.dispose([f(big), f(big)]);
      expect(f.stats().kernels).toBe(1);
      f.dispose();
      nr.dispose([x, w, big]);
    });

    it('a Dense + LayerNorm training step under jit equals the eager step, with fewer reduce kernels', async () => {
      const make = () => {
        const w = nr.variable(nr.tensor(data(16 * 12, 8), [16, 12]).mul(0.3));
        const b = nr.variable(nr.zeros([12]));
        const gamma = nr.variable(nr.ones([12]));
        const beta = nr.variable(nr.zeros([12]));
        return [w, b, gamma, beta];
      };
      const x = nr.tensor(data(32 * 16, 9), [32, 16]);
      const run = async (
        captured: boolean,
      ): Promise<{ losses: number[]; vars: number[][]; seen: string[] }> => {
        const vars = make();
        const [w, b, gamma, beta] = vars;
        const opt = new nr.optimizers.SGD({ learningRate: 0.1 });
        const step = (x: nr.Tensor): nr.Tensor => {
          const { value, grads } = nr.variableGrads(() => {
            const h = x.matMul(w).add(b);
            const mean = h.mean(-1, true);
            const d = h.sub(mean);
            const y = d.div(d.square().mean(-1, true).add(1e-3).sqrt()).mul(gamma).add(beta);
            return y.relu().square().mean();
          }, vars);
          opt.applyGradients(vars.map((v): [nr.Tensor, nr.Variable] => [grads[v.name], v]));
          return value;
        };
        nr.setFusion(captured);
        const g = captured ? nr.jit(step) : step;
        const losses: number[] = [];
        let seen: string[] = [];
        for (let i = 0; i < 4; i++) {
          let l: nr.Tensor | null = null;
          const k = kernels(() => {
            l = g(x);
          });
          if (i === 3) seen = k;
          if (l) {
            losses.push((await (l as nr.Tensor).data())[0]);
            (l as nr.Tensor).dispose();
          }
        }
        const out = { losses, vars: await values(vars), seen };
        nr.dispose(vars);
        opt.dispose();
        return out;
      };
      const eager = await run(false);
      const jitted = await run(true);
      expect(jitted.losses).toEqual(eager.losses);
      expect(jitted.vars).toEqual(eager.vars);
      const plain = eager.seen.filter((k) => k === 'reduce').length;
      const left = jitted.seen.filter((k) => k === 'reduce').length;
      const folded = jitted.seen.filter((k) => k.startsWith('fusedReduce')).length;
      expect(folded).toBeGreaterThanOrEqual(5);
      expect(left).toBeLessThanOrEqual(plain - folded);
      nr.dispose(x);
    });
  });
}
