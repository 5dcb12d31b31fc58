// nr.jit: a captured function equals its eager runs (train steps, dropout), retraces per signature, refuses reads, holds memory flat.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { onBackend, testBackends } from '../helpers/check_op.js';

const values = async (ts: readonly nr.Tensor[]): Promise<number[][]> =>
  Promise.all(ts.map(async (t) => Array.from(await t.data())));

/** An MLP 6-8-3 with Adam and a softmax cross-entropy: one step as a function of (x, labels). */
function mlp(seed: number) {
  const init = (shape: number[], s: number) =>
    nr.variable(nr.randomNormal(shape, 0, 0.5, 'float32', s));
  const vars = [
    init([6, 8], seed),
    init([8], seed + 1),
    init([8, 3], seed + 2),
    init([3], seed + 3),
  ];
  const [w1, b1, w2, b2] = vars;
  const opt = new nr.optimizers.Adam({ learningRate: 0.05 });
  const logits = (x: nr.Tensor) => x.matMul(w1).add(b1).relu().matMul(w2).add(b2);
  const step = (x: nr.Tensor, labels: nr.Tensor): nr.Tensor => {
    const { value, grads } = nr.variableGrads(
      () => nr.losses.softmaxCrossEntropy(labels, logits(x)),
      vars,
    );
    opt.applyGradients(vars.map((v): [nr.Tensor, nr.Variable] => [grads[v.name], v]));
    return value;
  };
  const dispose = () => {
    nr.dispose(vars);
    opt.dispose();
  };
  return { vars, step, logits, dispose };
}

for (const backend of testBackends()) {
  describe(`nr.jit on ${backend}`, () => {
    onBackend(backend);

    it('an MLP train step replayed 20 times leaves the weights eager training leaves', async () => {
      const x = nr.randomNormal([5, 6], 0, 1, 'float32', 11);
      const labels = nr.oneHot(nr.tensor([0, 2, 1, 1, 0], [5], 'int32'), 3);
      const run = async (captured: boolean) => {
        const m = mlp(100);
        const jitted = captured ? nr.jit(m.step) : null;
        const step = jitted ?? m.step;
        const losses: number[] = [];
        for (let i = 0; i < 20; i++) {
          const loss = step(x, labels);
          losses.push((await loss.data())[0]);
          loss.dispose();
        }
        const weights = await values(m.vars);
        const stats = jitted?.stats() ?? null;
        m.dispose();
        return { losses, weights, stats };
      };
      const eager = await run(false);
      const jitted = await run(true);
      expect(jitted.losses).toEqual(eager.losses);
      expect(jitted.weights).toEqual(eager.weights);
      expect(eager.losses[19]).toBeLessThan(eager.losses[0]);
      // the first call builds Adam's slots (not kept), the second traces, the rest replay
      expect(jitted.stats).toMatchObject({ traces: 2, replays: 18, eagerCalls: 0 });
      nr.dispose([x, labels]);
    });

    it('a predict function replays with the values of eager calls', async () => {
      const m = mlp(200);
      const predict = nr.jit((x: nr.Tensor) => m.logits(x).softmax());
      for (let i = 0; i < 3; i++) {
        const x = nr.randomNormal([4, 6], 0, 1, 'float32', 20 + i);
        const [got, want] = [predict(x), nr.tidy(() => m.logits(x).softmax())];
        expect(await values([got])).toEqual(await values([want]));
        nr.dispose([x, got, want]);
      }
      expect(predict.stats()).toMatchObject({ traces: 1, replays: 2 });
      predict.dispose();
      m.dispose();
    });

    it('traces again for a new shape or dtype and keeps each trace', () => {
      const f = nr.jit((x: nr.Tensor) => x.mul(2).add(1));
      const shapes = [[2], [3], [2], [2, 2], [3]];
      nr.tidy(() => {
        for (const s of shapes) f(nr.ones(s));
        f(nr.ones([2], 'int32'));
      });
      expect(f.stats()).toMatchObject({ traces: 4, replays: 2, cached: 4 });
      // bounded: the least recently used trace goes
      const g = nr.jit((x: nr.Tensor) => x.neg(), { maxTraces: 2 });
      nr.tidy(() => {
        for (const n of [1, 2, 3, 1]) g(nr.ones([n]));
      });
      expect(g.stats()).toMatchObject({ traces: 4, replays: 0, cached: 2 });
      f.dispose();
      g.dispose();
    });

    it('draws new random numbers at every replay, the same ones as eager calls', async () => {
      const f = (x: nr.Tensor) => nr.dropout(x, 0.5).add(nr.randomUniform([8]));
      const draws = async (g: (x: nr.Tensor) => nr.Tensor) => {
        nr.setSeed(5);
        const out: number[][] = [];
        const x = nr.ones([8]);
        for (let i = 0; i < 4; i++) {
          const y = g(x);
          out.push(Array.from(await y.data()));
          y.dispose();
        }
        x.dispose();
        return out;
      };
      const eager = await draws(f);
      const jitted = nr.jit(f);
      const replayed = await draws(jitted);
      expect(replayed).toEqual(eager);
      expect(replayed[2]).not.toEqual(replayed[3]);
      expect(jitted.stats()).toMatchObject({ traces: 1, replays: 3 });
      // a seeded draw repeats its numbers, eagerly and replayed
      const seeded = nr.jit(() => nr.randomUniform([4], 0, 1, 'float32', 9));
      const [a, b] = [seeded(), seeded()];
      expect(await values([a])).toEqual(await values([b]));
      nr.dispose([a, b]);
      jitted.dispose();
      seeded.dispose();
    });

    it('keeps numTensors and numBytes flat over 1,000 replays', () => {
      const m = mlp(300);
      const step = nr.jit(m.step);
      const x = nr.randomNormal([5, 6], 0, 1, 'float32', 31);
      const labels = nr.oneHot(nr.tensor([0, 2, 1, 1, 0], [5], 'int32'), 3);
      for (let i = 0; i < 3; i++) step(x, labels).dispose();
      const before = nr.memory();
      for (let i = 0; i < 1000; i++) step(x, labels).dispose();
      const after = nr.memory();
      expect(after.numTensors).toBe(before.numTensors);
      expect(after.numBytes).toBe(before.numBytes);
      expect(after.backends[backend]?.backendBytes).toBe(before.backends[backend]?.backendBytes);
      expect(step.stats().replays).toBe(1001);
      step.dispose();
      m.dispose();
      nr.dispose([x, labels]);
    });
  });
}

describe('nr.jit: what cannot be captured', () => {
  it('a read of values raises a JitError naming the op that read', () =>
    nr.tidy(() => {
      const read = nr.jit((x: nr.Tensor) => nr.scalar(x.sum().dataSync()[0]));
      expect(() => read(nr.ones([2]))).toThrow(nr.JitError);
      expect(() => read(nr.ones([2]))).toThrow(/reads tensor values \(dataSync/);
      const unique = nr.jit((x: nr.Tensor) => nr.unique(x).values);
      expect(() => unique(nr.tensor([1, 2, 2]))).toThrow(/unique.*reads tensor values/);
      const nms = nr.jit((b: nr.Tensor, s: nr.Tensor) => nr.image.nonMaxSuppression(b, s, 1));
      expect(() => nms(nr.tensor([[0, 0, 1, 1]]), nr.tensor([0.9]))).toThrow(
        /nonMaxSuppression.*reads tensor values/,
      );
    }));

  it('an async function (booleanMaskAsync) raises a JitError naming the op', () =>
    nr.tidy(() => {
      const mask = nr.jit((x: nr.Tensor, m: nr.Tensor) => nr.booleanMaskAsync(x, m));
      expect(() => mask(nr.tensor([1, 2, 3]), nr.tensor([true, false, true]))).toThrow(
        /booleanMaskAsync.*reads tensor values \(data/,
      );
      const later = nr.jit(async (x: nr.Tensor) => x.add(1));
      expect(() => later(nr.ones([1]))).toThrow(/returned a Promise/);
    }));

  it('values drawn on the host from the global generator raise a JitError (they would repeat)', () => {
    const init = nr.jit((x: nr.Tensor) => x.add(nr.initializers.orthogonal({}).call([2, 2])));
    const x = nr.ones([2, 2]);
    expect(() => init(x)).toThrow(/random values were drawn on the host/);
    x.dispose();
  });

  it("with onUntraceable 'eager' the call finishes eagerly and later calls stay eager", () => {
    const reasons: string[] = [];
    const f = nr.jit((x: nr.Tensor) => x.mul(x.sum().dataSync()[0]), {
      onUntraceable: 'eager',
      onFallback: (r) => reasons.push(r),
    });
    const x = nr.tensor([1, 2]);
    for (let i = 0; i < 3; i++) {
      const y = f(x);
      expect(Array.from(y.dataSync())).toEqual([3, 6]);
      y.dispose();
    }
    x.dispose();
    expect(reasons).toHaveLength(1);
    expect(f.stats()).toMatchObject({ traces: 1, eagerCalls: 2, replays: 0 });
    expect(f.stats().fallbackReason).toMatch(/dataSync/);
  });
});

describe('nr.jit: arguments, results and state', () => {
  it('returns the structure fn returned, with variables and passed-through inputs', () => {
    const v = nr.variable(nr.tensor([1, 2]));
    const f = nr.jit((a: nr.Tensor, opts: { scale: number }) => ({
      sum: [a.add(v).mul(opts.scale)],
      same: a,
      state: v,
      label: 'x',
    }));
    for (let i = 0; i < 2; i++) {
      const a = nr.tensor([10, 20]);
      const out = f(a, { scale: 3 });
      expect(Array.from(out.sum[0].dataSync())).toEqual([33, 66]);
      expect(Array.from(out.same.dataSync())).toEqual([10, 20]);
      expect(out.state).toBe(v);
      expect(out.label).toBe('x');
      nr.dispose([out.sum, out.same, a]);
    }
    // a different non-tensor argument is a different signature
    const a = nr.tensor([1, 1]);
    const out = f(a, { scale: 1 });
    expect(Array.from(out.sum[0].dataSync())).toEqual([2, 3]);
    expect(f.stats()).toMatchObject({ traces: 2, replays: 1 });
    nr.dispose([out.sum, out.same, a, v]);
    f.dispose();
  });

  it('records gradients taken inside fn (grad, valueAndGrads, second order)', () => {
    const f = (x: nr.Tensor, y: nr.Tensor) => {
      const g = nr.grad((a: nr.Tensor) => a.mul(y).sin().sum())(x);
      const { value, grads } = nr.valueAndGrads((a: nr.Tensor, b: nr.Tensor) =>
        a.square().mul(b).sum(),
      )([x, y]);
      const gg = nr.grad((a: nr.Tensor) =>
        nr
          .grad((c: nr.Tensor) => c.pow(3).sum())(a)
          .sum(),
      )(x);
      return [g, value, ...grads, gg];
    };
    const jitted = nr.jit(f);
    for (let i = 0; i < 3; i++) {
      const x = nr.tensor([0.5 + i, -1, 2]);
      const y = nr.tensor([1, 2, -0.5 * i]);
      const got = jitted(x, y);
      const want = nr.tidy(() => f(x, y));
      got.forEach((t, k) =>
        expect(Array.from(t.dataSync())).toEqual(Array.from(want[k].dataSync())),
      );
      nr.dispose([got, want, x, y]);
    }
    expect(jitted.stats()).toMatchObject({ traces: 1, replays: 2 });
    jitted.dispose();
  });

  it('reads and writes variables as they are at each call, in order', () => {
    const v = nr.variable(nr.tensor([1]));
    const count = nr.variable(nr.scalar(0, 'int32'));
    const f = nr.jit(() => {
      const before = v.add(0);
      v.assign(v.mul(2));
      v.assign(v.add(1));
      count.assign(count.add(1));
      return before;
    });
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      const b = f();
      seen.push(b.dataSync()[0]);
      b.dispose();
    }
    expect(seen).toEqual([1, 3, 7, 15]);
    expect(v.dataSync()[0]).toBe(31);
    expect(count.dataSync()[0]).toBe(4);
    v.assign(nr.tensor([0]));
    const b = f();
    expect(b.dataSync()[0]).toBe(0);
    expect(v.dataSync()[0]).toBe(1);
    nr.dispose([b, v, count]);
    f.dispose();
  });

  it('a disposed variable makes the next call trace again', () => {
    let v = nr.variable(nr.tensor([1]));
    const f = nr.jit((x: nr.Tensor) => x.add(v));
    const x = nr.ones([1]);
    f(x).dispose();
    v.dispose();
    v = nr.variable(nr.tensor([5]));
    const y = f(x);
    expect(y.dataSync()[0]).toBe(6);
    expect(f.stats().traces).toBe(2);
    nr.dispose([x, y, v]);
    f.dispose();
  });

  it('runs eagerly under an outer tape, so gradients of a jitted function are right', () => {
    const f = nr.jit((x: nr.Tensor) => x.square().sum());
    const x = nr.tensor([1, 2, 3]);
    f(x).dispose();
    const g = nr.grad(f)(x);
    expect(Array.from(g.dataSync())).toEqual([2, 4, 6]);
    expect(f.stats().eagerCalls).toBe(1);
    nr.dispose([g, x]);
    f.dispose();
  });

  it('dispose frees the constants the traces captured', () => {
    const before = nr.memory().numTensors;
    const c = nr.tensor([1, 2, 3]);
    const f = nr.jit((x: nr.Tensor) => x.add(c).mul(nr.scalar(2)));
    const x = nr.ones([3]);
    f(x).dispose();
    c.dispose();
    const y = f(x);
    expect(Array.from(y.dataSync())).toEqual([4, 6, 8]);
    nr.dispose([x, y]);
    expect(nr.memory().numTensors).toBeGreaterThan(before);
    f.dispose();
    expect(nr.memory().numTensors).toBe(before);
  });

  it('refuses a disposed argument as eager ops do', () => {
    const f = nr.jit((x: nr.Tensor) => x.neg());
    const x = nr.ones([2]);
    f(x).dispose();
    x.dispose();
    expect(() => f(x)).toThrow(nr.DisposedError);
    f.dispose();
  });

  it('checks its options', () => {
    expect(() => nr.jit(3 as never)).toThrow(nr.ArgumentError);
    expect(() => nr.jit((x: nr.Tensor) => x, { maxTraces: 0 })).toThrow(/maxTraces/);
  });
});
