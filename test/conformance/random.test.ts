// Conformance: Philox known answers, the seed/counter contract, distribution statistics, multinomial frequencies.
import { describe, expect, it } from 'vitest';
import { ENGINE } from '../../src/core/engine.js';
import { fillRandom, mulhi, philox4x32, seedKey, wordToUniform } from '../../src/core/random.js';
import * as nr from '../../src/node.js';
import { expectClose, REFERENCE, rng, testBackends } from '../helpers/check_op.js';

/** Backends whose normal draws are float32 transcendentals, within an ulp of the CPU's. */
const TRANSCENDENTAL_ULPS = ['webgpu'];

const hex = (words: Uint32Array) => Array.from(words, (w) => w.toString(16).padStart(8, '0'));

async function on<T>(backend: string, fn: () => Promise<T>): Promise<T> {
  const prev = nr.getBackend();
  await nr.setBackend(backend);
  try {
    return await fn();
  } finally {
    await nr.setBackend(prev);
  }
}

/** Values of a tensor, disposing it (async: some test backends cannot read synchronously). */
async function take(t: nr.Tensor): Promise<number[]> {
  const v = Array.from(await t.data());
  t.dispose();
  return v;
}

function stats(v: readonly number[]): { mean: number; std: number; min: number; max: number } {
  let s = 0;
  let s2 = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const x of v) {
    s += x;
    s2 += x * x;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  const mean = s / v.length;
  return { mean, std: Math.sqrt(s2 / v.length - mean * mean), min, max };
}

describe('Philox4x32-10', () => {
  // Random123's kat_vectors for philox4x32 with 10 rounds
  it.each([
    [
      [0, 0, 0, 0],
      [0, 0],
      ['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8'],
    ],
    [
      [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
      [0xffffffff, 0xffffffff],
      ['408f276d', '41c83b0e', 'a20bc7c6', '6d5451fd'],
    ],
    [
      [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
      [0xa4093822, 0x299f31d0],
      ['d16cfe09', '94fdcceb', '5001e420', '24126ea1'],
    ],
  ])('known answer %#', (ctr, key, expected) => {
    expect(hex(philox4x32(ctr, key, new Uint32Array(4)))).toEqual(expected);
  });

  it('mulhi matches 64-bit products', () => {
    const r = rng(3);
    const pairs = [
      [0xffffffff, 0xffffffff],
      [0, 0xffffffff],
      [0x10000, 0x10000],
      [0xd2511f53, 0xcd9e8d57],
    ];
    for (let i = 0; i < 500; i++)
      pairs.push([Math.floor(r() * 2 ** 32), Math.floor(r() * 2 ** 32)]);
    for (const [a, b] of pairs) expect(mulhi(a, b)).toBe(Number((BigInt(a) * BigInt(b)) >> 32n));
  });

  it('maps seeds to a 64-bit key and words to 24-bit uniforms', () => {
    expect(seedKey(42)).toEqual([42, 0]);
    expect(seedKey(2 ** 32 + 5)).toEqual([5, 1]);
    expect(seedKey(-1)).toEqual([0xffffffff, 0xffffffff]);
    expect(wordToUniform(0)).toBe(0);
    expect(wordToUniform(0xffffffff)).toBe(1 - 2 ** -24);
  });

  it('element i of a draw is Philox at (seed, counter + i)', () => {
    const out = new Float64Array(3);
    fillRandom({ dist: 'uniform', seed: 9, counter: 2 ** 32 - 1, a: 0, b: 1 }, out);
    const words = new Uint32Array(4);
    const counters = [
      [0xffffffff, 0],
      [0, 1],
      [1, 1],
    ];
    counters.forEach(([lo, hi], i) =>
      expect(out[i]).toBe(wordToUniform(philox4x32([lo, hi, 0, 0], [9, 0], words)[0])),
    );
  });

  it('keeps the mapping frozen: seed 42 gives these values on every backend', async () => {
    expect(await take(nr.randomUniform([4], 0, 1, 'float32', 42))).toEqual([
      0.6129598617553711, 0.9877186417579651, 0.8258668184280396, 0.7295992374420166,
    ]);
    expect(await take(nr.randomNormal([2], 0, 1, 'float32', 42))).toEqual([
      -1.3510921001434326, -1.3808543682098389,
    ]);
    expect(await take(nr.truncatedNormal([2], 0, 1, 'float32', 42))).toEqual([
      0.27364209294319153, 1.8187775611877441,
    ]);
  });
});

describe('the seed and counter contract', () => {
  const draws = async () => [
    await take(nr.randomUniform([50], -2, 3, 'float32', 11)),
    await take(nr.randomNormal([50], 1, 2, 'float32', 11)),
    await take(nr.truncatedNormal([50], 0, 1, 'float32', 11)),
    await take(nr.randomUniform([50], -5, 5, 'int32', 11)),
    await take(
      nr.multinomial(
        [
          [1, 2, 3],
          [0, 0, 0],
        ],
        20,
        11,
      ),
    ),
  ];

  it('a seeded call repeats itself', async () => {
    expect(await draws()).toEqual(await draws());
  });

  it('gives the same numbers on every backend, the float64 reference included', async () => {
    const ref = await on(REFERENCE, draws);
    for (const b of testBackends()) {
      const got = await on(b, draws);
      if (!TRANSCENDENTAL_ULPS.includes(b)) {
        expect(got).toEqual(ref);
        continue;
      }
      // Uniform draws (and what is built on them) are bit-identical; normal draws pass through a GPU's
      // own log/cos/exp in float32, so they agree to about an ulp.
      expect([got[0], got[3], got[4]]).toEqual([ref[0], ref[3], ref[4]]);
      expectClose(got[1], ref[1], 1e-6, 1e-6, `${b}: randomNormal`);
      expectClose(got[2], ref[2], 1e-6, 1e-6, `${b}: truncatedNormal`);
    }
  });

  it('without a seed, uses the global seed and advances the counter by the values drawn', async () => {
    nr.setSeed(5);
    const a = await take(nr.randomNormal([10]));
    const b = await take(nr.randomNormal([10]));
    expect(ENGINE.randomCounter).toBe(20);
    expect(a).not.toEqual(b);
    nr.setSeed(5);
    expect(await take(nr.randomNormal([20]))).toEqual([...a, ...b]);
    nr.setSeed(6);
    expect(await take(nr.randomNormal([10]))).not.toEqual(a);
  });

  it('frees its intermediates', () => {
    const before = nr.memory().numTensors;
    nr.dispose([
      nr.randomUniform([10], 2, 9, 'int32'),
      nr.randomNormal([3], 0, 1, 'int32'),
      nr.multinomial([1, 2], 5, 1),
    ]);
    expect(nr.memory().numTensors).toBe(before);
  });

  it('is not differentiated: gradients flow around it', async () => {
    const g = nr.grad((x) => x.mul(nr.randomUniform([3], 0, 1, 'float32', 1)).sum())(
      nr.tensor([1, 2, 3]),
    );
    expect(await take(g)).toEqual(await take(nr.randomUniform([3], 0, 1, 'float32', 1)));
  });
});

describe('distributions (100k draws)', () => {
  const N = 100_000;
  // 6 standard errors: a false alarm about once in 10^9 runs
  it('uniform: range, mean and spread', async () => {
    const s = stats(await take(nr.randomUniform([N], -1, 3, 'float32', 1)));
    expect(s.min).toBeGreaterThanOrEqual(-1);
    expect(s.max).toBeLessThan(3);
    expect(Math.abs(s.mean - 1)).toBeLessThan((6 * 4) / Math.sqrt(12 * N));
    expect(Math.abs(s.std - 4 / Math.sqrt(12))).toBeLessThan(0.01);
  });

  it('uniform stays below maxval when a + range·u rounds up to it', async () => {
    // one float32 step wide: half the draws would round to maxval
    const top = 1 + 2 ** -23;
    expect(
      (await take(nr.randomUniform([1000], 1, top, 'float32', 2))).every((v) => v >= 1 && v < top),
    ).toBe(true);
  });

  it('normal: mean and standard deviation', async () => {
    const s = stats(await take(nr.randomNormal([N], 2, 3, 'float32', 1)));
    expect(Math.abs(s.mean - 2)).toBeLessThan((6 * 3) / Math.sqrt(N));
    expect(Math.abs(s.std - 3)).toBeLessThan(0.05);
  });

  it('standard normal', async () => {
    const s = stats(await take(nr.randomStandardNormal([N], 'float32', 3)));
    expect(Math.abs(s.mean)).toBeLessThan(6 / Math.sqrt(N));
    expect(Math.abs(s.std - 1)).toBeLessThan(0.02);
  });

  it('truncated normal: inside ±2σ with the truncated spread', async () => {
    const s = stats(await take(nr.truncatedNormal([N], 1, 0.5, 'float32', 4)));
    expect(s.min).toBeGreaterThanOrEqual(0);
    expect(s.max).toBeLessThanOrEqual(2);
    // sd of N(0,1) truncated to [-2, 2] is 0.87962
    expect(Math.abs(s.mean - 1)).toBeLessThan((6 * 0.5) / Math.sqrt(N));
    expect(Math.abs(s.std - 0.5 * 0.87962)).toBeLessThan(0.01);
  });

  it('int32 uniform: integers in [minval, maxval), each about equally often', async () => {
    const t = nr.randomUniform([70_000], -3, 4, 'int32', 5);
    expect(t.dtype).toBe('int32');
    const counts = new Map<number, number>();
    for (const v of await take(t)) counts.set(v, (counts.get(v) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    for (const c of counts.values()) expect(Math.abs(c - 10_000)).toBeLessThan(600);
    expect((await take(nr.randomUniformInt([100], 10, 11, 1))).every((v) => v === 10)).toBe(true);
  });

  it('int32 normal rounds to integers', async () => {
    const t = nr.randomNormal([100], 0, 10, 'int32', 1);
    expect(t.dtype).toBe('int32');
    expect((await take(t)).every(Number.isInteger)).toBe(true);
  });
});

describe('multinomial', () => {
  it('draws classes with the softmax frequencies', async () => {
    const n = 20_000;
    const t = nr.multinomial(nr.log([0.1, 0.2, 0.7]), n, 3);
    expect(t.shape).toEqual([n]);
    expect(t.dtype).toBe('int32');
    const counts = [0, 0, 0];
    for (const v of await take(t)) counts[v]++;
    [0.1, 0.2, 0.7].forEach((p, i) =>
      expect(Math.abs(counts[i] / n - p)).toBeLessThan(6 * Math.sqrt((p * (1 - p)) / n)),
    );
  });

  it('normalized probabilities per batch row; zero probability is never drawn', async () => {
    const t = nr.multinomial(
      [
        [0, 0.5, 0.5],
        [1, 0, 0],
        [0, 0, 1],
      ],
      500,
      9,
      true,
    );
    expect(t.shape).toEqual([3, 500]);
    const v = await take(t);
    expect(v.slice(0, 500).every((c) => c === 1 || c === 2)).toBe(true);
    expect(v.slice(500, 1000).every((c) => c === 0)).toBe(true);
    expect(v.slice(1000).every((c) => c === 2)).toBe(true);
  });

  it('handles extreme logits', async () => {
    expect((await take(nr.multinomial([[1000, -1000, 0]], 50, 1))).every((c) => c === 0)).toBe(
      true,
    );
  });
});

describe('random op arguments', () => {
  it('rejects bad arguments, naming op, argument and value', () => {
    expect(() => nr.randomUniform([2], 1, 1)).toThrow(
      /randomUniform: minval must be less than maxval, received minval=1, maxval=1/,
    );
    expect(() => nr.randomUniform([2], 0, 1, 'string')).toThrow(nr.DTypeError);
    // tfjs draws bool as the float draw cast to bool (nonzero is true)
    expect(nr.randomUniform([2], 0, 1, 'bool').dtype).toBe('bool');
    expect(() => nr.randomUniform([2], 0.5, 3, 'int32')).toThrow(/int32 bounds/);
    expect(() => nr.randomUniform([2], 0, 1, 'float32', Number.NaN)).toThrow(
      /seed must be a finite number, received NaN/,
    );
    // tfjs accepts any number as a seed: a fractional one is deterministic and distinct from its neighbours.
    const a = nr.randomUniform([4], 0, 1, 'float32', 1.5).dataSync();
    expect(Array.from(nr.randomUniform([4], 0, 1, 'float32', 1.5).dataSync())).toEqual(
      Array.from(a),
    );
    expect(Array.from(nr.randomUniform([4], 0, 1, 'float32', 1.25).dataSync())).not.toEqual(
      Array.from(a),
    );
    expect(nr.randomNormal([2], 0, 1, null, null).dtype).toBe('float32');
    expect(nr.multinomial([0, 0, 5], 3, null).shape).toEqual([3]);
    expect(() => nr.randomUniform([-1])).toThrow(nr.ShapeError);
    expect(() => nr.randomNormal([2], 0, -1)).toThrow(
      /randomNormal: stdDev must be >= 0, received -1/,
    );
    expect(() => nr.truncatedNormal([2], NaN)).toThrow(/mean must be a finite number/);
    expect(() => nr.multinomial(nr.zeros([1, 2, 3]), 2)).toThrow(nr.ShapeError);
    expect(() => nr.multinomial([1, 2], 1.5)).toThrow(
      /numSamples must be a non-negative integer, received 1.5/,
    );
  });
});
