// float16: binary16 rounding against NumPy, float16 ops on every backend, promotion, gradients, random.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { bytesPerElement } from '../../src/core/dtype.js';
import { onBackend, testBackends } from '../helpers/check_op.js';

type Enc = number | string;
interface Pair {
  x: Enc[];
  y: Enc[];
}
interface Fixture {
  round: Record<string, Pair>;
  binary: Record<'a' | 'b' | 'add' | 'sub' | 'mul' | 'div', Enc[]>;
  overflowing: { a: Enc[]; add: Enc[] };
}
const FIX: Fixture = JSON.parse(
  readFileSync(new URL('../fixtures/float16.json', import.meta.url), 'utf8'),
);
const dec = (v: Enc): number =>
  typeof v === 'number'
    ? v
    : ({ nan: NaN, inf: Infinity, '-inf': -Infinity, '-0': -0 } as Record<string, number>)[v];
const decode = (vs: Enc[]) => vs.map(dec);

/** Exact equality that tells -0 from 0 and accepts NaN for NaN. */
function expectSame(actual: ArrayLike<number>, expected: readonly number[], what: string) {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++)
    if (!Object.is(actual[i], expected[i]))
      throw new Error(`${what}[${i}]: expected ${expected[i]}, received ${actual[i]}`);
}

const { f16round, roundToFloat16 } = nr.mixedPrecision;

describe('binary16 rounding (NumPy fixture)', () => {
  for (const [name, { x, y }] of Object.entries(FIX.round)) {
    it(`${name}: f16round and roundToFloat16 match NumPy`, () => {
      const xs = decode(x);
      const ys = decode(y);
      expectSame(
        xs.map((v) => f16round(v)),
        ys,
        `f16round ${name}`,
      );
      expectSame(roundToFloat16(new Float32Array(xs)), ys, `roundToFloat16 ${name}`);
      // in place, as the engine may use it
      const inPlace = new Float32Array(xs);
      roundToFloat16(inPlace, inPlace);
      expectSame(inPlace, ys, `roundToFloat16 in place ${name}`);
    });
  }

  it('is idempotent on every binary16 value of a wide sweep', () => {
    const xs = new Float32Array(4096).map((_, i) => (i - 2048) * 37.25 + i / 7);
    const once = roundToFloat16(xs);
    expectSame(roundToFloat16(once), Array.from(once), 'twice');
  });
});

describe.each(testBackends())('float16 tensors on %s', (backend) => {
  onBackend(backend);

  it('tensor(values, shape, "float16") stores NumPy-rounded values; data() is a Float32Array', async () => {
    for (const [name, { x, y }] of Object.entries(FIX.round)) {
      const t = nr.tensor(decode(x), [x.length], 'float16');
      expect(t.dtype).toBe('float16');
      const values = await t.data();
      expect(values).toBeInstanceOf(Float32Array);
      expectSame(values, decode(y), `${backend} ${name}`);
      t.dispose();
    }
  });

  it("cast('float16') on the backend (its f16round kernel) equals NumPy's rounding", async () => {
    for (const [name, { x, y }] of Object.entries(FIX.round)) {
      const f = nr.tensor(decode(x));
      const h = f.cast('float16');
      expectSame(await h.data(), decode(y), `${backend} cast ${name}`);
      nr.dispose([f, h]);
    }
  });

  it('add, sub, mul and div of float16 tensors equal NumPy float16 arithmetic', async () => {
    const a = nr.tensor(decode(FIX.binary.a), undefined, 'float16');
    const b = nr.tensor(decode(FIX.binary.b), undefined, 'float16');
    for (const op of ['add', 'sub', 'mul', 'div'] as const) {
      const y = nr[op](a, b);
      expect(y.dtype).toBe('float16');
      expectSame(await y.data(), decode(FIX.binary[op]), `${backend} ${op}`);
      y.dispose();
    }
    const big = nr.tensor(decode(FIX.overflowing.a), undefined, 'float16');
    const sum = big.add(big);
    expectSame(await sum.data(), decode(FIX.overflowing.add), `${backend} overflowing add`);
    nr.dispose([a, b, big, sum]);
  });

  it('each float16 primitive equals its float32 result rounded to binary16', async () => {
    const x16 = nr.randomNormal([4, 6], 0, 2, 'float16', 3);
    const w16 = nr.randomNormal([6, 5], 0, 1, 'float16', 4);
    const img16 = nr.randomNormal([1, 5, 5, 2], 0, 1, 'float16', 5);
    const k16 = nr.randomNormal([3, 3, 2, 3], 0, 1, 'float16', 6);
    const x32 = x16.cast('float32');
    const w32 = w16.cast('float32');
    const img32 = img16.cast('float32');
    const k32 = k16.cast('float32');
    const cases: [string, (x: nr.Tensor, w: nr.Tensor, i: nr.Tensor, k: nr.Tensor) => nr.Tensor][] =
      [
        ['exp', (x) => x.exp()],
        ['tanh', (x) => x.tanh()],
        ['sigmoid', (x) => x.sigmoid()],
        ['relu', (x) => x.relu()],
        ['square', (x) => x.square()],
        ['add', (x) => x.add(x.abs())],
        ['mul', (x) => x.mul(x.abs())],
        ['sum', (x) => x.sum(1)],
        ['max', (x) => x.max(0)],
        ['matMul', (x, w) => x.matMul(w)],
        ['conv2d', (_x, _w, i, k) => nr.conv2d(i, k, 1, 'same')],
        ['avgPool', (_x, _w, i) => nr.avgPool(i, 2, 1, 'valid')],
        ['transpose', (x) => x.transpose()],
      ];
    for (const [name, f] of cases) {
      const y16 = f(x16, w16, img16, k16);
      const y32 = f(x32, w32, img32, k32);
      expect(y16.dtype, name).toBe('float16');
      expectSame(
        await y16.data(),
        Array.from(roundToFloat16(new Float32Array(await y32.data()))),
        name,
      );
      nr.dispose([y16, y32]);
    }
    nr.dispose([x16, w16, img16, k16, x32, w32, img32, k32]);
  });

  it('composite ops (mean, softmax) stay float16 and within float16 precision', async () => {
    const x = nr.tensor([0.5, 1, 2, -1, 3, 0.25], [2, 3], 'float16');
    const m = x.mean();
    const s = nr.softmax(x);
    expect([m.dtype, s.dtype]).toEqual(['float16', 'float16']);
    expect((await m.data())[0]).toBeCloseTo(5.75 / 6, 3);
    const ref = await nr.softmax(x.cast('float32')).data();
    const got = await s.data();
    for (let i = 0; i < ref.length; i++) expect(Math.abs(got[i] - ref[i])).toBeLessThan(2e-3);
    nr.dispose([x, m, s]);
  });

  it('gradients of float16 ops are float16 and rounded', async () => {
    const x = nr.tensor([0.1, -0.7, 1.3], [3], 'float16');
    const g = nr.grad((t) => t.square().sum())(x);
    expect(g.dtype).toBe('float16');
    const xs = await x.data();
    expectSame(
      await g.data(),
      Array.from(xs, (v) => f16round(2 * v)),
      'd sum(x^2)',
    );
    nr.dispose([x, g]);
  });

  it('random draws with dtype float16 are binary16 values', async () => {
    for (const t of [
      nr.randomNormal([64], 0, 3, 'float16', 1),
      nr.randomUniform([64], -5, 5, 'float16', 2),
      nr.truncatedNormal([64], 0, 1, 'float16', 3),
    ]) {
      expect(t.dtype).toBe('float16');
      const v = new Float32Array(await t.data());
      expectSame(v, Array.from(roundToFloat16(v)), 'random');
      t.dispose();
    }
  });
});

describe('float16 dtype rules', () => {
  it('promotes bool < int32 < float16 < float32', () => {
    const h = nr.tensor([1.5], [1], 'float16');
    const f = nr.tensor([1.5]);
    const i = nr.tensor([2], [1], 'int32');
    const b = nr.tensor([true]);
    expect(h.add(f).dtype).toBe('float32');
    expect(f.add(h).dtype).toBe('float32');
    expect(h.add(i).dtype).toBe('float16');
    expect(h.add(b).dtype).toBe('float16');
    expect(h.reshape([1, 1]).matMul(nr.tensor([[2]])).dtype).toBe('float32');
    expect(i.exp().dtype).toBe('float32');
    expect(h.exp().dtype).toBe('float16');
    expect(h.greater(1).dtype).toBe('bool');
    expect(h.add(0.1).dataSync()[0]).toBe(f16round(1.5 + f16round(0.1)));
  });

  it('casts to and from float16', () => {
    const x = nr.tensor([0.1, 2.7, -3.5, 1e-9]);
    const h = x.cast('float16');
    expect(Array.from(h.dataSync())).toEqual(
      Array.from(roundToFloat16(new Float32Array(x.dataSync()))),
    );
    expect(Array.from(h.cast('int32').dataSync())).toEqual([0, 2, -3, 0]);
    expect(Array.from(h.cast('float32').dataSync())).toEqual(Array.from(h.dataSync()));
    expect(nr.tensor([0, 1], [2], 'int32').cast('float16').dtype).toBe('float16');
  });

  it('reports element sizes honestly: 2 bytes per format element, 4 stored', () => {
    expect(bytesPerElement('float16')).toBe(2);
    const before = nr.memory().numBytes;
    const t = nr.zeros([10], 'float16');
    expect(nr.memory().numBytes - before).toBe(40);
    t.dispose();
  });

  it('rejects unknown dtypes naming the op and the value', () => {
    expect(() => nr.tensor([1], [1], 'float64' as nr.DType)).toThrow(
      /tensor: unknown dtype 'float64'; expected 'float32', 'float16', 'int32'/,
    );
  });
});
