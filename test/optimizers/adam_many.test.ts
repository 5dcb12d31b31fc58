// adamUpdate over many variables in one kernel call: bitwise the per-variable kernel on every backend, and Adam's step as one call.
import { afterAll, describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import type { Backend, DataId, TensorInfo } from '../../src/backends/backend.js';
import { createCpuBackendSync } from '../../src/backends/cpu/index.js';
import { ENGINE } from '../../src/core/engine.js';
import type { Shape } from '../../src/core/shape.js';
import { adamComposed } from '../../src/ops/optimizer_rules.js';
import { rng, testBackends } from '../helpers/check_op.js';
import { calls, interceptKernels } from '../helpers/kernel_calls.js';

const prev = nr.getBackend();
afterAll(async () => {
  await nr.setBackend(prev);
});

const attrs = { c1: 0.1, c2: 0.001, epsilon: 1e-7 };
/** Mixed shapes: a scalar, a one-element vector, an empty tensor, odd sizes around the SIMD width. */
const SHAPES: Shape[] = [[37, 29], [], [1], [7], [0], [3, 5], [1003]];

type Quad = readonly [TensorInfo, TensorInfo, TensorInfo, TensorInfo];

/** g, m, v, w of one variable: zero gradients, moments about to flush (subnormal results), ordinary values. */
function variableInputs(b: Backend, shape: Shape, seed: number): Quad {
  const r = rng(seed);
  const n = shape.reduce((a, d) => a * d, 1);
  const vals = (f: () => number) => Float32Array.from({ length: n }, f);
  const tiny = () => (r() - 0.5) * 2e-38;
  const arrays = [
    vals(() => (r() < 0.3 ? 0 : r() - 0.5)),
    vals(() => (r() < 0.3 ? tiny() : r() - 0.5)),
    vals(() => Math.abs(tiny()) * 1e-3 + (r() < 0.5 ? 0 : r())),
    vals(() => r() - 0.5),
  ];
  const [g, m, v, w] = arrays.map((a): TensorInfo => ({
    dataId: b.write(a, 'float32'),
    shape,
    dtype: 'float32',
  }));
  return [g, m, v, w];
}

const scalarInfo = (b: Backend, x: number): TensorInfo => ({
  dataId: b.write(new Float32Array([x]), 'float32'),
  shape: [],
  dtype: 'float32',
});

async function read(b: Backend, ids: readonly DataId[]): Promise<number[][]> {
  const out = await Promise.all(ids.map(async (id) => Array.from(await b.read(id))));
  for (const id of ids) b.free(id);
  return out;
}

/** The outputs of one adamUpdate call over every variable, of one call per variable, and of adamComposed. */
async function runAll(b: Backend, shapes: readonly Shape[]) {
  const vars = shapes.map((s, j) => variableInputs(b, s, 40 + j));
  const alpha = scalarInfo(b, 0.0031);
  const many = await read(b, calls(b).adamUpdateMany(vars, alpha, attrs));
  const single = await read(
    b,
    vars.flatMap(([g, m, v, w]) => calls(b).adamUpdate(g, m, v, w, alpha, attrs)),
  );
  const composed = await read(
    b,
    vars.flatMap(([g, m, v, w]) => adamComposed(b, g, m, v, w, alpha, attrs)),
  );
  for (const t of [...vars.flat(), alpha]) b.free(t.dataId);
  return { many, single, composed };
}

describe('the adamUpdate kernel over many variables', () => {
  const references: [string, () => Backend][] = [
    ['cpu (new instance)', () => createCpuBackendSync()],
    ['cpu64', () => createCpuBackendSync({ precision: 'float64' })],
  ];
  for (const [name, make] of references)
    it(`${name}: one call equals a call per variable and the composed kernels, bitwise`, async () => {
      const { many, single, composed } = await runAll(make(), SHAPES);
      expect(many.length).toBe(3 * SHAPES.length);
      expect(many).toEqual(single);
      expect(many).toEqual(composed);
      // the outputs have the variables' sizes, in the order m', v', w' of each
      many.forEach((values, i) =>
        expect(values.length).toBe(SHAPES[Math.floor(i / 3)].reduce((a, d) => a * d, 1)),
      );
    });

  it.each(testBackends())(
    '%s: one call equals a call per variable and the composed kernels, bitwise',
    async (backend) => {
      await nr.setBackend(backend);
      const { many, single, composed } = await runAll(nr.backend(), SHAPES);
      expect(many).toEqual(single);
      expect(many).toEqual(composed);
    },
  );

  it.each(testBackends())('%s: an empty list (alpha alone) returns no buffers', async (backend) => {
    await nr.setBackend(backend);
    const b = nr.backend();
    const alpha = scalarInfo(b, 0.5);
    expect(calls(b).adamUpdateMany([], alpha, attrs)).toEqual([]);
    b.free(alpha.dataId);
  });

  it('rejects a bad input list with typed errors naming adamUpdate', () => {
    const b = createCpuBackendSync();
    const [g, m, v, w] = variableInputs(b, [2, 3], 1);
    const alpha = scalarInfo(b, 0.1);
    const run = (inputs: TensorInfo[]) => () => b.run('adamUpdate', inputs, attrs);
    expect(run([g, m, v, w])).toThrow(nr.ArgumentError);
    expect(run([g, m, v, w])).toThrow(/adamUpdate: inputs must be 4 per variable .* received 4/);
    expect(run([g, m, v, alpha, alpha])).toThrow(nr.ShapeError);
    expect(run([g, m, v, alpha, alpha])).toThrow(/variable 0's w must have its gradient's shape/);
    expect(run([g, m, v, w, g])).toThrow(/adamUpdate: alpha must be one float32 value/);
    const ints: TensorInfo = { ...g, dtype: 'int32' };
    expect(run([ints, m, v, w, alpha])).toThrow(nr.DTypeError);
    // the primitive's rule checks before the kernel runs
    const t = nr.zeros([2]);
    const s = nr.scalar(1);
    expect(() => ENGINE.run('adamUpdate', [t, t, t, s, s], attrs)).toThrow(nr.ShapeError);
    nr.dispose([t, s]);
  });
});

/** Adam as it ran before the one-kernel step: updateStep (one adamUpdate call) per variable. */
class PerVariableAdam extends nr.optimizers.Adam {
  protected override updateVariables(
    grads: readonly nr.Tensor[],
    variables: readonly nr.Variable[],
  ): void {
    variables.forEach((v, i) => this.updateStep(grads[i], v));
  }
}

/** Weights and optimizer state after 4 steps on variables of SHAPES' non-empty shapes and fixed gradients. */
async function train(
  make: () => nr.optimizers.Adam,
): Promise<{ state: number[][]; adamCalls: number[] }> {
  const r = rng(9);
  const shapes = SHAPES.filter((s) => s.reduce((a, d) => a * d, 1) > 0);
  const vars = shapes.map((s) => nr.variable(nr.randomNormal(s, 0, 1, 'float32', 5)));
  const opt = make();
  const adamCalls: number[] = [];
  for (let step = 0; step < 4; step++) {
    const grads = vars.map((v) =>
      nr.tensor(
        Float32Array.from({ length: v.size }, () => (r() < 0.2 ? 0 : r() - 0.5)),
        v.shape,
      ),
    );
    let n = 0;
    const restore = interceptKernels(nr.backend(), (k) => {
      if (k === 'adamUpdate') n++;
    });
    try {
      opt.applyGradients(vars.map((v, i): [nr.Tensor, nr.Variable] => [grads[i], v]));
    } finally {
      restore();
    }
    adamCalls.push(n);
    nr.dispose(grads);
  }
  const state = await Promise.all(
    [...vars, ...opt.weights()].map(async (t) => Array.from(await t.data())),
  );
  opt.dispose();
  nr.dispose(vars);
  return { state, adamCalls };
}

describe("Adam's step as one adamUpdate call", () => {
  it.each(testBackends())(
    '%s: Adam and AdamW make one kernel call per step, bitwise the per-variable steps',
    async (backend) => {
      await nr.setBackend(backend);
      const k = SHAPES.length - 1;
      for (const wd of [undefined, 0.004]) {
        const args = { learningRate: 0.01, weightDecay: wd };
        const one = await train(() =>
          wd ? new nr.optimizers.AdamW(args) : new nr.optimizers.Adam(args),
        );
        const each = await train(() => new PerVariableAdam(args));
        expect(one.adamCalls).toEqual([1, 1, 1, 1]);
        expect(each.adamCalls).toEqual([k, k, k, k]);
        expect(one.state).toEqual(each.state);
      }
    },
  );

  it('a variable given twice in one step is updated twice in turn, as per-variable steps do', async () => {
    await nr.setBackend('cpu');
    const run = async (opt: nr.optimizers.Adam): Promise<number[]> => {
      const w = nr.variable(nr.tensor([0.5, -1, 2]));
      const g1 = nr.tensor([0.1, 0.2, -0.3]);
      const g2 = nr.tensor([-0.4, 0.05, 0.6]);
      opt.applyGradients([
        [g1, w],
        [g2, w],
      ]);
      const out = Array.from(await w.data());
      nr.dispose([w, g1, g2]);
      opt.dispose();
      return out;
    };
    const twice = await run(new nr.optimizers.Adam({ learningRate: 0.1 }));
    expect(twice).toEqual(await run(new PerVariableAdam({ learningRate: 0.1 })));
    // not one update with the second gradient alone
    const once = await (async () => {
      const w = nr.variable(nr.tensor([0.5, -1, 2]));
      const g = nr.tensor([-0.4, 0.05, 0.6]);
      const opt = new nr.optimizers.Adam({ learningRate: 0.1 });
      opt.applyGradients([[g, w]]);
      const out = Array.from(await w.data());
      nr.dispose([w, g]);
      opt.dispose();
      return out;
    })();
    expect(twice).not.toEqual(once);
  });

  it.each(testBackends())(
    '%s: AMSGrad keeps the per-variable ops and matches the formula',
    async (backend) => {
      await nr.setBackend(backend);
      const { state, adamCalls } = await train(
        () => new nr.optimizers.Adam({ learningRate: 0.01, amsgrad: true }),
      );
      expect(adamCalls).toEqual([0, 0, 0, 0]);
      // the same 4 steps in float64 from the same start and gradients
      const r = rng(9);
      const shapes = SHAPES.filter((s) => s.reduce((a, d) => a * d, 1) > 0);
      const starts = await Promise.all(
        shapes.map(async (s) => {
          const t = nr.randomNormal(s, 0, 1, 'float32', 5);
          const values = Array.from(await t.data());
          t.dispose();
          return values;
        }),
      );
      const ws = starts.map((w) => w.slice());
      const ms = starts.map((w) => w.map(() => 0));
      const vs = starts.map((w) => w.map(() => 0));
      const vh = starts.map((w) => w.map(() => 0));
      for (let t = 1; t <= 4; t++) {
        const gs = ws.map((w) => w.map(() => (r() < 0.2 ? 0 : r() - 0.5)));
        const alpha = (0.01 * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
        ws.forEach((w, j) =>
          w.forEach((_, i) => {
            const g = gs[j][i];
            ms[j][i] += (g - ms[j][i]) * 0.1;
            vs[j][i] += (g * g - vs[j][i]) * 0.001;
            vh[j][i] = Math.max(vh[j][i], vs[j][i]);
            w[i] -= (alpha * ms[j][i]) / (Math.sqrt(vh[j][i]) + 1e-7);
          }),
        );
      }
      ws.forEach((w, j) => w.forEach((x, i) => expect(state[j][i]).toBeCloseTo(x, 5)));
    },
  );
});

/** A small MLP, seeded. */
function mlp(): nr.Sequential {
  return nr.sequential({
    layers: [
      nr.layers.dense({
        units: 12,
        activation: 'relu',
        inputShape: [6],
        kernelInitializer: nr.initializers.glorotUniform({ seed: 1 }),
      }),
      nr.layers.dense({
        units: 3,
        activation: 'softmax',
        kernelInitializer: nr.initializers.glorotUniform({ seed: 2 }),
      }),
    ],
  });
}

describe('a model fit with Adam', () => {
  it.each(testBackends())(
    '%s: trains as with per-variable steps, with one adamUpdate kernel per step (eager and nr.jit)',
    async (backend) => {
      await nr.setBackend(backend);
      const x = nr.randomNormal([32, 6], 0, 1, 'float32', 3);
      const y = nr.oneHot(nr.randomUniform([32], 0, 3, 'int32', 4), 3);
      const fit = async (opt: nr.optimizers.Adam, jitCompile: boolean) => {
        const model = mlp();
        model.compile({ optimizer: opt, loss: 'categoricalCrossentropy', jitCompile });
        const kernels: string[] = [];
        const restore = interceptKernels(nr.backend(), (k) => kernels.push(k));
        try {
          await model.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, shuffle: false });
        } finally {
          restore();
        }
        const weights = await Promise.all(
          model.getWeights().map(async (t) => Array.from(await t.data())),
        );
        model.dispose();
        opt.dispose();
        return { weights, adamCalls: kernels.filter((k) => k === 'adamUpdate').length };
      };
      const before = await fit(new PerVariableAdam({ learningRate: 0.01 }), false);
      // 8 steps of 4 variables
      expect(before.adamCalls).toBe(32);
      for (const jit of [false, true]) {
        const after = await fit(new nr.optimizers.Adam({ learningRate: 0.01 }), jit);
        expect(after.adamCalls, `jit ${jit}`).toBe(8);
        expect(after.weights, `jit ${jit}`).toEqual(before.weights);
      }
      nr.dispose([x, y]);
    },
  );
});
