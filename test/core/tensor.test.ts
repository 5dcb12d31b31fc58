// Tensor basics and creation ops: shapes, dtypes, reads, printing, variables.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { testBackends } from '../helpers/check_op.js';

describe('tensor', () => {
  it('infers shape and dtype from nested arrays', () => {
    const t = nr.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.rank).toBe(2);
    expect(t.size).toBe(6);
    expect(t.dtype).toBe('float32');
    expect(nr.tensor([true, false]).dtype).toBe('bool');
    expect(nr.tensor(new Int32Array([1, 2])).dtype).toBe('int32');
  });

  it('reads values sync and async, flat and nested', async () => {
    const t = nr.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      undefined,
      'int32',
    );
    expect(Array.from(await t.data())).toEqual([1, 2, 3, 4]);
    expect(t.dataSync()).toBeInstanceOf(Int32Array);
    expect(await t.array()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(t.arraySync()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(nr.scalar(5).arraySync()).toBe(5);
  });

  // backends may lend views of their memory to readSync; data() and dataSync() must still hand out copies
  it.each(testBackends())(
    'data() and dataSync() return copies the caller may modify (%s)',
    async (b) => {
      await nr.setBackend(b);
      try {
        const t = nr.tensor([1, 2]);
        const d = await t.data();
        d[0] = 100;
        if (t.backend.canReadSync) {
          const s = t.dataSync();
          s[1] = 200;
        }
        // an op after the reads reuses freed memory: the arrays handed out must not change
        nr.tensor([7, 8]).add(1).dispose();
        expect(Array.from(await t.data())).toEqual([1, 2]);
        expect(d[0]).toBe(100);
      } finally {
        await nr.setBackend('wasm');
      }
    },
  );

  it('prints like numpy and truncates big tensors', () => {
    expect(
      nr
        .tensor([
          [1, 2],
          [3, 4],
        ])
        .toString(),
    ).toBe('Tensor\n    [[1, 2],\n     [3, 4]]');
    expect(nr.scalar(1.5).toString()).toBe('Tensor\n    1.5');
    const big = nr.range(0, 5000).reshape([50, 100]).toString();
    expect(big).toContain('...');
    expect(big.split('\n').length).toBeLessThan(20);
    expect(nr.tensor([1]).toString(true)).toContain('dtype: float32');
  });

  it('clone shares values and is independent to dispose', () => {
    const a = nr.tensor([1, 2]);
    const b = a.clone();
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual([1, 2]);
  });

  it('creation ops', () => {
    expect(Array.from(nr.zeros([2]).dataSync())).toEqual([0, 0]);
    expect(Array.from(nr.ones([2], 'int32').dataSync())).toEqual([1, 1]);
    expect(Array.from(nr.fill([3], 7).dataSync())).toEqual([7, 7, 7]);
    expect(nr.zerosLike(nr.tensor([1], [1], 'int32')).dtype).toBe('int32');
    expect(Array.from(nr.onesLike(nr.tensor([5, 6])).dataSync())).toEqual([1, 1]);
    expect(nr.eye(2).arraySync()).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(nr.eye(2, 3, [2]).shape).toEqual([2, 2, 3]);
    expect(Array.from(nr.range(0, 5, 2).dataSync())).toEqual([0, 2, 4]);
    expect(Array.from(nr.range(5, 0, -2).dataSync())).toEqual([5, 3, 1]);
    expect(Array.from(nr.range(3).dataSync())).toEqual([0, 1, 2]);
    expect(Array.from(nr.linspace(0, 1, 5).dataSync())).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(nr.tensor1d([1, 2]).shape).toEqual([2]);
    expect(nr.tensor2d([1, 2, 3, 4], [2, 2]).shape).toEqual([2, 2]);
    expect(nr.tensor3d([[[1]]]).rank).toBe(3);
    expect(nr.tensor4d([[[[1]]]]).rank).toBe(4);
    expect(Array.from(nr.tensor(3, [2, 2]).dataSync())).toEqual([3, 3, 3, 3]);
  });

  it('variables assign in place and keep their name', () => {
    const v = nr.variable(nr.tensor([1, 2]), true, 'tensor_test_v');
    expect(v.name).toBe('tensor_test_v');
    expect(v.trainable).toBe(true);
    v.assign(nr.tensor([3, 4]));
    expect(Array.from(v.dataSync())).toEqual([3, 4]);
    expect(() => v.assign(nr.tensor([1]))).toThrow(nr.ShapeError);
    expect(() => v.assign(nr.tensor([1, 2], [2], 'int32'))).toThrow(nr.DTypeError);
    expect(() => nr.variable(nr.tensor([1]), true, 'tensor_test_v')).toThrow(/already named/);
    v.dispose();
  });

  it('backend API', async () => {
    await nr.ready();
    expect(nr.getBackend()).toBe('wasm'); // the default where it starts
    expect(nr.env().platform).toBe('node');
    expect(nr.env().asyncScopes).toBe(true);
    await expect(nr.setBackend('tpu')).rejects.toThrow(/unknown backend 'tpu'/);
  });

  it('tensors move between backends when an op uses them', async () => {
    nr.registerBackend('cpu-b', () => nr.createCpuBackend({ name: 'cpu-b' }));
    const a = nr.tensor([1, 2]);
    await nr.setBackend('cpu-b');
    const b = a.add(1);
    expect(b.backend.name).toBe('cpu-b');
    expect(Array.from(b.dataSync())).toEqual([2, 3]);
    await nr.setBackend('cpu');
    await nr.moveToBackend(b, 'cpu');
    expect(b.backend.name).toBe('cpu');
    nr.removeBackend('cpu-b');
  });

  it('same seed, same numbers', () => {
    nr.setSeed(5);
    const a = nr.randomUniform([4]).dataSync();
    nr.setSeed(5);
    const b = nr.randomUniform([4]).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('randomUniform with dtype bool casts the float draw (tfjs accepts bool)', () => {
    const f = nr.randomUniform([6], -2, 2, 'float32', 3);
    const b = nr.randomUniform([6], -2, 2, 'bool', 3);
    expect(b.dtype).toBe('bool');
    expect(Array.from(b.dataSync())).toEqual(Array.from(f.dataSync(), (v) => (v !== 0 ? 1 : 0)));
    nr.dispose([f, b]);
  });
});
