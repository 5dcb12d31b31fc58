// The string dtype: creation, reads, memory accounting, movement ops on every backend, and numeric ops refusing strings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeArray, storageBytesPerElement, storageDType, upcast } from '../../src/core/dtype.js';
import * as nr from '../../src/node.js';
import { ASYNC_ONLY, testBackends } from '../helpers/check_op.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('string tensors: creation and reads', () => {
  it('infers string from strings, at any nesting, and reads back strings', async () => {
    const a = nr.tensor([
      ['a', 'bb'],
      ['c', 'даниел'],
    ]);
    expect(a.dtype).toBe('string');
    expect(a.shape).toEqual([2, 2]);
    expect(a.dataSync<'string'>()).toEqual(['a', 'bb', 'c', 'даниел']);
    expect(await a.data<'string'>()).toEqual(['a', 'bb', 'c', 'даниел']);
    expect(a.arraySync()).toEqual([
      ['a', 'bb'],
      ['c', 'даниел'],
    ]);
    expect(await a.array()).toEqual([
      ['a', 'bb'],
      ['c', 'даниел'],
    ]);
    const s = nr.scalar('hello');
    expect(s.dtype).toBe('string');
    expect(s.shape).toEqual([]);
    expect(s.arraySync()).toBe('hello');
    expect(nr.tensor('').dataSync<'string'>()).toEqual(['']);
    nr.dispose([a, s]);
  });

  it('takes UTF-8 bytes with dtype string, and gives them back with bytes()', async () => {
    const t = nr.tensor2d([utf8('aa'), utf8('é'), utf8('c'), utf8('')], [2, 2], 'string');
    expect(t.dataSync<'string'>()).toEqual(['aa', 'é', 'c', '']);
    expect(await t.bytes()).toEqual([utf8('aa'), utf8('é'), utf8('c'), utf8('')]);
    expect(t.bytesSync()).toEqual([
      new Uint8Array([97, 97]),
      new Uint8Array([195, 169]),
      utf8('c'),
      utf8(''),
    ]);
    const one = nr.scalar(utf8('hello'), 'string');
    expect(one.dataSync<'string'>()).toEqual(['hello']);
    // a Uint8Array without dtype 'string' is never guessed to be a string (it is int32 data, as in tfjs)
    expect(nr.tensor(utf8('hi')).dtype).toBe('int32');
    // two byte rows nest as a [2, 2] matrix, which tensor1d refuses
    expect(() => nr.tensor1d([utf8('aa'), utf8('bb')])).toThrow(nr.ShapeError);
    // bytes() of a numeric tensor: its storage bytes, as tfjs
    const f = nr.tensor([1], [1], 'int32');
    expect(Array.from((await f.bytes()) as Uint8Array)).toEqual([1, 0, 0, 0]);
    nr.dispose([t, one, f]);
  });

  it('fills a shape with one string; refuses mixed or mismatched values', () => {
    const f = nr.fill([2, 2], 'z');
    expect(f.dtype).toBe('string');
    expect(f.dataSync<'string'>()).toEqual(['z', 'z', 'z', 'z']);
    const g = nr.tensor('x', [3], 'string');
    expect(g.dataSync<'string'>()).toEqual(['x', 'x', 'x']);
    expect(() => nr.fill([2], 'z', 'float32')).toThrow(nr.DTypeError);
    expect(() => nr.tensor(['a', 1] as never)).toThrow(nr.ArgumentError);
    expect(() => nr.tensor(['a', 'b'], [3])).toThrow(/shape \[3\] has 3 elements but 2 values/);
    expect(() =>
      nr.tensor2d(
        [
          ['a', 'b', 'c'],
          ['d', 'e', 'f'],
        ],
        [3, 2],
      ),
    ).toThrow(/nest as shape \[2,3\]/);
    expect(() => nr.tensor(new Float32Array([1]), [1], 'string')).toThrow(nr.ArgumentError);
    nr.dispose([f, g]);
  });

  it('prints like tfjs: quoted strings in arrays, a bare scalar', () => {
    const t = nr.tensor(['a', 'bb']);
    expect(t.toString(true)).toContain('dtype: string');
    expect(t.toString()).toContain("'a'");
    expect(nr.scalar('test').toString(true)).toMatch(/values:\n {4}test$/);
    t.dispose();
  });
});

describe('string tensors: memory', () => {
  it('counts UTF-8 bytes and frees them on dispose, tidy and views', () => {
    const before = nr.memory();
    const a = nr.tensor([
      ['a', 'bb'],
      ['c', 'd'],
    ]);
    expect(nr.memory().numTensors - before.numTensors).toBe(1);
    expect(nr.memory().numBytes - before.numBytes).toBe(5);
    const u = nr.tensor(['даниел']);
    expect(nr.memory().numBytes - before.numBytes).toBe(5 + 12);
    // a reshape is a view: one more tensor, the same buffer
    const r = a.reshape([4]);
    expect(nr.memory().numTensors - before.numTensors).toBe(3);
    expect(nr.memory().numDataBuffers - before.numDataBuffers).toBe(2);
    a.dispose();
    expect(r.dataSync<'string'>()).toEqual(['a', 'bb', 'c', 'd']);
    nr.dispose([r, u]);
    expect(nr.memory().numTensors).toBe(before.numTensors);
    expect(nr.memory().numBytes).toBe(before.numBytes);
    const kept = nr.tidy(() => {
      const x = nr.tensor(['p', 'q', 'r']);
      nr.reverse(x);
      return nr.concat([x, nr.tensor(['s'])]);
    });
    expect(kept.dataSync<'string'>()).toEqual(['p', 'q', 'r', 's']);
    expect(nr.memory().numTensors - before.numTensors).toBe(1);
    expect(nr.memory().numBytes - before.numBytes).toBe(4);
    kept.dispose();
    expect(nr.memory().numBytes).toBe(before.numBytes);
    expect(() => kept.dataSync()).toThrow(nr.DisposedError);
  });
});

describe('string tensors: numeric ops refuse them', () => {
  const s = nr.tensor(['a', 'b']);
  afterAll(() => s.dispose());

  it("throws a DTypeError in tfjs's words, naming op and argument", () => {
    expect(() => nr.abs(s)).toThrow(nr.DTypeError);
    expect(() => nr.abs('q')).toThrow(
      /abs: Argument 'x' passed to 'abs' must be numeric tensor, but got string tensor/,
    );
    expect(() => nr.sum(['a'])).toThrow(/Argument 'x' passed to 'sum' must be numeric tensor/);
    expect(() => nr.add(1, s)).toThrow(/Argument 'b' passed to 'add' must be numeric tensor/);
    expect(() => nr.matMul(s, s)).toThrow(/Argument 'a' passed to 'matMul' must be numeric tensor/);
    expect(() => nr.all(['a'])).toThrow(
      /Argument 'x' passed to 'all' must be bool tensor, but got string/,
    );
    expect(() => nr.cast(s, 'float32')).toThrow(nr.DTypeError);
    const before = nr.memory().numTensors;
    expect(() => nr.cast([1, 2], 'string')).toThrow(/cannot be cast to 'string'/);
    expect(nr.memory().numTensors).toBe(before);
    expect(() => s.pad([[1, 1]])).toThrow(nr.DTypeError);
  });

  it('keeps string values out of numeric buffers', () => {
    expect(() => storageDType('string')).toThrow(nr.DTypeError);
    expect(() => storageBytesPerElement('string')).toThrow(nr.DTypeError);
    expect(() => makeArray('string', 2)).toThrow(/no numeric buffer/);
    expect(() => upcast('string', 'float32')).toThrow(nr.DTypeError);
    expect(upcast('string', 'string')).toBe('string');
  });

  it('compares strings bytewise, broadcasting', () => {
    const a = nr.tensor('aa', [], 'string');
    const b = nr.tensor(['aa', 'ab', 'a']);
    expect(Array.from(nr.equal(a, b).dataSync())).toEqual([1, 0, 0]);
    expect(Array.from(nr.notEqual(a, b).dataSync())).toEqual([0, 1, 1]);
    expect(Array.from(nr.less(a, b).dataSync())).toEqual([0, 1, 0]);
    expect(Array.from(nr.greaterEqual(a, b).dataSync())).toEqual([1, 0, 1]);
    expect(nr.greater(a, b).dtype).toBe('bool');
    // bytewise: 'é' (0xC3 0xA9) sorts after 'z'
    expect(Array.from(nr.less('z', ['é']).dataSync())).toEqual([1]);
    expect(() => nr.equal(a, nr.tensor([1]))).toThrow(nr.DTypeError);
    nr.dispose([a, b]);
  });

  it('takes no part in gradients: string ops inside a differentiated function record nothing', () => {
    const x = nr.tensor([1, 2, 3]);
    const g = nr.grad((v: nr.Tensor) => {
      const words = nr.stack([nr.tensor(['a', 'b', 'c']), nr.tensor(['d', 'e', 'f'])]);
      return v.mul(words.shape[0]).sum();
    })(x);
    expect(Array.from(g.dataSync())).toEqual([2, 2, 2]);
    nr.dispose([x, g]);
  });
});

describe.each([...testBackends(), ASYNC_ONLY])('string movement ops on %s', (backend) => {
  let prev = '';
  beforeAll(async () => {
    prev = nr.getBackend();
    await nr.setBackend(backend);
  });
  afterAll(async () => {
    await nr.setBackend(prev);
  });
  const grid = (): nr.Tensor =>
    nr.tensor([
      ['a', 'b', 'c'],
      ['d', 'e', 'f'],
    ]);

  it('reshape, transpose, slice, reverse, tile, broadcast', () => {
    const before = nr.memory().numTensors;
    nr.tidy(() => {
      const x = grid();
      expect(x.backend.name).toBe(backend);
      expect(x.reshape([3, 2]).arraySync()).toEqual([
        ['a', 'b'],
        ['c', 'd'],
        ['e', 'f'],
      ]);
      expect(x.transpose().arraySync()).toEqual([
        ['a', 'd'],
        ['b', 'e'],
        ['c', 'f'],
      ]);
      expect(nr.slice(x, [0, 1], [2, 2]).arraySync()).toEqual([
        ['b', 'c'],
        ['e', 'f'],
      ]);
      expect(nr.stridedSlice(x, [0, 0], [2, 3], [1, 2]).arraySync()).toEqual([
        ['a', 'c'],
        ['d', 'f'],
      ]);
      expect(nr.reverse(x, 1).arraySync()).toEqual([
        ['c', 'b', 'a'],
        ['f', 'e', 'd'],
      ]);
      expect(nr.tile(nr.tensor(['a', 'b']), [2]).arraySync()).toEqual(['a', 'b', 'a', 'b']);
      expect(nr.broadcastTo(nr.tensor(['a']), [2, 2]).arraySync()).toEqual([
        ['a', 'a'],
        ['a', 'a'],
      ]);
      expect(nr.expandDims(nr.tensor(['a', 'b']), 1).shape).toEqual([2, 1]);
      expect(nr.squeeze(nr.tensor([['a'], ['b']])).arraySync()).toEqual(['a', 'b']);
      expect(x.clone().dataSync<'string'>()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    });
    expect(nr.memory().numTensors).toBe(before);
  });

  it('concat, stack, unstack, split', () => {
    nr.tidy(() => {
      const x = grid();
      expect(nr.concat([x, nr.tensor([['g', 'h', 'i']])]).shape).toEqual([3, 3]);
      expect(nr.concat([x, nr.tensor([['z'], ['y']])], 1).arraySync()).toEqual([
        ['a', 'b', 'c', 'z'],
        ['d', 'e', 'f', 'y'],
      ]);
      expect(nr.stack([nr.scalar('p'), nr.scalar('q')]).arraySync()).toEqual(['p', 'q']);
      expect(nr.unstack(x, 1).map((t) => t.arraySync())).toEqual([
        ['a', 'd'],
        ['b', 'e'],
        ['c', 'f'],
      ]);
      expect(nr.split(x, [1, 2], 1).map((t) => t.shape)).toEqual([
        [2, 1],
        [2, 2],
      ]);
      expect(() => nr.concat([x, nr.ones([1, 3])])).toThrow(nr.DTypeError);
    });
  });

  // gather's indices are a numeric tensor on the backend: read synchronously to pick the strings
  it.skipIf(backend === ASYNC_ONLY || backend === 'webgpu')(
    'gather, gatherND, unique, sparseToDense, where',
    () => {
      nr.tidy(() => {
        const x = grid();
        expect(nr.gather(x, [1, 0]).arraySync()).toEqual([
          ['d', 'e', 'f'],
          ['a', 'b', 'c'],
        ]);
        expect(nr.gather(x, nr.tensor([2, 2], [2], 'int32'), 1).arraySync()).toEqual([
          ['c', 'c'],
          ['f', 'f'],
        ]);
        expect(nr.gatherND(x, [[1, 2]]).arraySync()).toEqual(['f']);
        const { values, indices } = nr.unique(['a,b', 'c', 'a', 'b,c', 'c', 'a,b']);
        expect(values.arraySync()).toEqual(['a,b', 'c', 'a', 'b,c']);
        expect(Array.from(indices.dataSync())).toEqual([0, 1, 2, 3, 1, 0]);
        const dense = nr.sparseToDense(
          nr.tensor([0, 1, 1, 1], [2, 2], 'int32'),
          nr.tensor(['a', 'b']),
          [2, 2],
          nr.scalar('c'),
        );
        expect(dense.dataSync<'string'>()).toEqual(['c', 'a', 'c', 'b']);
        const picked = nr.where(nr.tensor([[true], [false]]), x, nr.tensor(['z']));
        expect(picked.arraySync()).toEqual([
          ['a', 'b', 'c'],
          ['z', 'z', 'z'],
        ]);
        expect(() => nr.where([true], ['a'], [1])).toThrow(/both be strings or both numeric/);
      });
    },
  );
});

describe('string tensors on a backend that reads asynchronously', () => {
  it('say why a numeric index tensor there cannot pick strings', async () => {
    const prev = nr.getBackend();
    await nr.setBackend(ASYNC_ONLY);
    try {
      const x = nr.tensor(['a', 'b']);
      const i = nr.tensor([0], [1], 'int32');
      expect(() => nr.gather(x, i)).toThrow(/cannot be read synchronously/);
      nr.dispose([x, i]);
    } finally {
      await nr.setBackend(prev);
    }
  });
});

describe('string tensors move between backends', () => {
  it('keep their values and their memory line', async () => {
    const prev = nr.getBackend();
    const s = nr.tensor(['ab', 'c']);
    const before = nr.memory();
    const other = prev === 'cpu' ? 'wasm' : 'cpu';
    await nr.moveToBackend(s, other);
    expect(s.backend.name).toBe(other);
    expect(s.dataSync<'string'>()).toEqual(['ab', 'c']);
    expect(nr.memory().numBytes).toBe(before.numBytes);
    expect(nr.memory().backends[other].numBytes).toBeGreaterThanOrEqual(3);
    s.dispose();
    expect(nr.memory().numBytes).toBe(before.numBytes - 3);
  });
});
