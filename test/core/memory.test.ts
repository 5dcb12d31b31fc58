// Memory: tidy (sync and async), nested and concurrent scopes, keep, errors inside scopes, leaks.
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { testBackends } from '../helpers/check_op.js';

const count = () => nr.memory().numTensors;

describe('tidy', () => {
  afterEach(() => nr.setLeakReporter((m) => console.warn(m)));

  it('frees intermediates and keeps the result', () => {
    const x = nr.tensor([1, 2, 3]);
    const before = count();
    const y = nr.tidy(() => x.add(1).square().sum());
    expect(count()).toBe(before + 1);
    expect(y.dataSync()[0]).toBe(29);
    nr.dispose([x, y]);
  });

  it('keeps tensors inside returned arrays and objects', () => {
    const before = count();
    const out = nr.tidy(() => {
      const a = nr.ones([2]);
      const b = a.add(1);
      b.mul(2);
      return { list: [a], nested: { b } };
    });
    expect(count()).toBe(before + 2);
    nr.dispose(out);
    expect(count()).toBe(before);
  });

  it('nested scopes hand results up to the parent', () => {
    const before = count();
    const outer = nr.tidy(() => {
      const inner = nr.tidy(() => nr.ones([3]).mul(2));
      expect(inner.isDisposed).toBe(false);
      const kept = inner.add(1);
      nr.ones([5]);
      return kept;
    });
    expect(count()).toBe(before + 1);
    outer.dispose();
  });

  it('frees everything when the function throws', () => {
    const before = count();
    expect(() =>
      nr.tidy(() => {
        nr.ones([4]).add(1);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(count()).toBe(before);
  });

  it('keep() protects a tensor from the scope', () => {
    let saved: nr.Tensor | undefined;
    nr.tidy(() => {
      saved = nr.keep(nr.ones([2]).mul(3));
    });
    expect(saved?.isDisposed).toBe(false);
    expect(Array.from(saved?.dataSync() ?? [])).toEqual([3, 3]);
    saved?.dispose();
  });

  it('10,000 ops inside tidy leave the tensor count unchanged', () => {
    const x = nr.tensor([1, 2, 3, 4]);
    const before = nr.memory();
    nr.tidy(() => {
      let y = x;
      for (let i = 0; i < 10_000; i++) y = y.add(1).mul(0.5);
    });
    const after = nr.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    x.dispose();
  });

  it('async tidy frees after the promise settles and keeps the resolved value', async () => {
    const before = count();
    const y = await nr.tidy(async () => {
      const a = nr.ones([2]).add(1);
      await sleep(1);
      const b = a.mul(2);
      await sleep(1);
      return b.sum();
    });
    expect(count()).toBe(before + 1);
    expect(y.dataSync()[0]).toBe(8);
    y.dispose();
  });

  it('async tidy frees everything when the promise rejects', async () => {
    const before = count();
    await expect(
      nr.tidy(async () => {
        nr.ones([2]).add(1);
        await sleep(1);
        nr.ones([3]);
        throw new Error('late failure');
      }),
    ).rejects.toThrow('late failure');
    expect(count()).toBe(before);
  });

  it('concurrent async scopes never free each other’s tensors', async () => {
    const before = count();
    const work = (seed: number, delays: number[]) =>
      nr.tidy(async () => {
        let acc = nr.scalar(seed);
        for (const d of delays) {
          await sleep(d);
          // If the other scope had freed `acc`, this would throw DisposedError.
          acc = acc.add(1).mul(1);
        }
        return acc;
      });
    const [a, b] = await Promise.all([work(0, [3, 1, 4, 1, 5]), work(100, [2, 7, 1, 8, 2])]);
    expect(a.dataSync()[0]).toBe(5);
    expect(b.dataSync()[0]).toBe(105);
    expect(count()).toBe(before + 2);
    nr.dispose([a, b]);
  });

  it('an explicit Scope owns what runs inside it (the browser pattern)', () => {
    const before = count();
    const scope = new nr.Scope();
    const y = scope.run(() => nr.ones([3]).add(1).sum());
    scope.run(() => nr.zeros([2]));
    scope.dispose([y]);
    expect(count()).toBe(before + 1);
    y.dispose();
  });

  it('variables are not freed by tidy and assign keeps the new value alive', () => {
    const v = nr.variable(nr.zeros([2]), true, 'mem_test_v');
    nr.tidy(() => v.assign(v.add(5)));
    expect(Array.from(v.dataSync())).toEqual([5, 5]);
    v.dispose();
  });

  it('using a disposed tensor throws DisposedError', () => {
    const x = nr.ones([2]);
    x.dispose();
    expect(() => x.add(1)).toThrow(nr.DisposedError);
    expect(() => x.dataSync()).toThrow(/disposed/);
    x.dispose(); // idempotent
  });

  it('Symbol.dispose frees the tensor (the `using` statement)', () => {
    const before = count();
    {
      using t = nr.ones([2]);
      expect(t.size).toBe(2);
    }
    expect(count()).toBe(before);
  });

  it('memory() reports bytes per backend', () => {
    const x = nr.zeros([10]);
    const m = nr.memory();
    expect(m.backends[nr.getBackend()].numBytes).toBeGreaterThanOrEqual(40);
    expect(m.numBytes).toBeGreaterThanOrEqual(40);
    x.dispose();
  });

  it("memory() passes on each backend's own figures (wasm heap, GPU bytes)", async () => {
    const prev = nr.getBackend();
    for (const [name, key] of [
      ['wasm', 'heapBytes'],
      ['webgpu', 'gpuBytes'],
    ] as const) {
      if (!testBackends().includes(name)) continue;
      await nr.setBackend(name);
      const x = nr.ones([256]);
      await x.data();
      const entry = nr.memory().backends[name];
      expect(entry[key]).toBeGreaterThanOrEqual(1024);
      expect(entry.backendBytes).toBeGreaterThanOrEqual(1024);
      x.dispose();
    }
    await nr.setBackend(prev);
  });

  it('reports tensors that were garbage-collected without dispose()', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const reports: string[] = [];
    nr.setLeakReporter((m) => reports.push(m));
    const leakedBefore = nr.memory().numLeaked;
    (() => {
      nr.ones([7, 7]);
    })();
    for (let i = 0; i < 20 && nr.memory().numLeaked === leakedBefore; i++) {
      gc();
      await sleep(10);
    }
    expect(nr.memory().numLeaked).toBeGreaterThan(leakedBefore);
    expect(reports.some((r) => r.includes('[7,7]'))).toBe(true);
  });

  // Only a tensor no scope owns is registered for the report (a scope frees the rest): one returned
  // by the outermost tidy, one kept with nr.keep, one handed out by an explicit Scope must still be.
  it('reports tensors that left every scope undisposed, and none that a tidy freed', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const reports: string[] = [];
    nr.setLeakReporter((m) => reports.push(m));
    const seen = (shape: string): boolean => reports.some((r) => r.includes(shape));
    (() => {
      nr.tidy(() => nr.ones([3, 11]).add(1));
      nr.tidy(() => {
        nr.keep(nr.ones([3, 12]));
        nr.ones([3, 14]).mul(2);
      });
      const scope = new nr.Scope();
      scope.dispose([scope.run(() => nr.ones([3, 13]))]);
    })();
    for (let i = 0; i < 40 && !(seen('[3,11]') && seen('[3,12]') && seen('[3,13]')); i++) {
      gc();
      await sleep(10);
    }
    expect([seen('[3,11]'), seen('[3,12]'), seen('[3,13]')]).toEqual([true, true, true]);
    expect(seen('[3,14]')).toBe(false);
  });
});

describe('ops outside any scope leave only their result', () => {
  // Each case: inputs prepared first, then one public op; it must add exactly one tensor.
  const cases: [string, (x: nr.Tensor) => nr.Tensor[], (...a: nr.Tensor[]) => nr.Tensor][] = [
    ['add with a number', (x) => [x], (x) => x.add(1)],
    ['exp of int32', (x) => [x.cast('int32')], (x) => x.exp()],
    ['where with numbers', (x) => [x.greater(0)], (c) => nr.where(c, 1, 0)],
    ['mean', (x) => [x], (x) => x.mean()],
    ['mean of int32', (x) => [x.cast('int32')], (x) => x.mean()],
    ['logSumExp', (x) => [x], (x) => x.logSumExp()],
    ['norm', (x) => [x], (x) => x.norm()],
    ['prod over two axes', (x) => [x.reshape([2, 2])], (x) => x.prod([0, 1])],
    ['tile', (x) => [x], (x) => x.tile([2])],
    ['stack', (x) => [x], (x) => nr.stack([x, x])],
    ['concat with a cast', (x) => [x, x.cast('int32')], (a, b) => nr.concat([a, b])],
    ['softmax', (x) => [x], (x) => x.softmax()],
    ['clipByValue', (x) => [x], (x) => x.clipByValue(0, 1)],
    ['prelu', (x) => [x], (x) => x.prelu(0.1)],
    ['oneHot', (x) => [x.cast('int32').abs()], (i) => nr.oneHot(i, 4)],
  ];
  it.each(cases)('%s', (_name, prep, op) => {
    const x = nr.tensor([1, -2, 3, 0.5]);
    const inputs = prep(x);
    const before = nr.memory().numTensors;
    const y = op(...inputs);
    expect(nr.memory().numTensors - before).toBe(1);
    nr.dispose([x, inputs, y]);
  });
});
