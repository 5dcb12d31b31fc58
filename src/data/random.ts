// Host-side random streams for the data pipeline: Philox draws for shuffles, and NumPy's legacy
// MT19937 RandomState so that Keras' seeded dataset splits (seed 113) come out identical.
import { ArgumentError, show } from '../core/errors.js';
import { philox4x32, seedKey } from '../core/random.js';

const TWO_32 = 4294967296;

/**
 * A seeded stream of integers from Philox4x32 at (seed, stream, counter): the same seed and stream
 * give the same draws on every platform. `stream` separates epochs of a reshuffling dataset.
 * @example const r = new HostRandom(42, 0); r.nextInt(10) // an integer in [0, 10)
 */
export class HostRandom {
  private readonly key: [number, number];
  private readonly words = new Uint32Array(4);
  private counter: number;
  private available = 0;

  /** `start` is the first Philox counter: a caller that shares a seed with others starts where they stopped. */
  constructor(
    seed: number,
    readonly stream = 0,
    start = 0,
  ) {
    if (!Number.isFinite(seed))
      throw new ArgumentError(`HostRandom: seed must be a finite number, received ${show(seed)}`);
    if (!Number.isSafeInteger(start) || start < 0)
      throw new ArgumentError(
        `HostRandom: start must be a non-negative integer, received ${show(start)}`,
      );
    this.key = seedKey(Math.trunc(seed));
    this.counter = start;
  }

  /** The next Philox counter this stream would use: where a following stream on the same seed may start. */
  get position(): number {
    return this.counter;
  }

  /** The next 32-bit word. */
  nextUint32(): number {
    if (this.available === 0) {
      philox4x32(
        [this.counter >>> 0, Math.floor(this.counter / TWO_32) >>> 0, this.stream >>> 0, 0x5eed],
        this.key,
        this.words,
      );
      this.counter++;
      this.available = 4;
    }
    return this.words[4 - this.available--];
  }

  /** An integer in [0, n), without modulo bias (rejection sampling). @example r.nextInt(6) */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_32)
      throw new ArgumentError(
        `HostRandom.nextInt: n must be an integer in [1, 2^32], received ${show(n)}`,
      );
    const limit = TWO_32 - (TWO_32 % n);
    for (;;) {
      const w = this.nextUint32();
      if (w < limit) return w % n;
    }
  }
}

/** A random 32-bit seed for datasets shuffled without one. @example randomSeed() */
export function randomSeed(): number {
  return Math.floor(Math.random() * TWO_32);
}

const N = 624;
const M = 397;

/**
 * NumPy's legacy `np.random.RandomState(seed)`: MT19937 seeded by `init_genrand`, with the
 * bounded-integer and shuffle algorithms of NumPy's `mtrand`, bit for bit. Keras uses it to split
 * and order its datasets; reproducing it gives the same train/test rows as Keras.
 * @example const rs = new RandomState(113); rs.shuffle([0, 1, 2, 3]);
 */
export class RandomState {
  private readonly mt = new Uint32Array(N);
  private index = N;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed >= TWO_32) {
      throw new ArgumentError(
        `RandomState: seed must be an integer in [0, 2^32), received ${show(seed)}`,
      );
    }
    this.mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = this.mt[i - 1] ^ (this.mt[i - 1] >>> 30);
      // 1812433253 * prev + i, modulo 2^32, split to stay exact in doubles.
      this.mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < N; i++) {
      const y = (mt[i] & 0x80000000) | (mt[(i + 1) % N] & 0x7fffffff);
      let v = mt[(i + M) % N] ^ (y >>> 1);
      if (y & 1) v ^= 0x9908b0df;
      mt[i] = v >>> 0;
    }
    this.index = 0;
  }

  /** The next 32-bit output (`genrand_int32`). @example new RandomState(0).nextUint32() // 2357136044 */
  nextUint32(): number {
    if (this.index >= N) this.twist();
    let y = this.mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** NumPy's `random_interval(max)`: an integer in [0, max] by masked rejection. */
  interval(max: number): number {
    if (max === 0) return 0;
    if (max > 0xffffffff)
      throw new ArgumentError(
        `RandomState.interval: max must be below 2^32, received ${show(max)}`,
      );
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    for (;;) {
      const v = (this.nextUint32() & mask) >>> 0;
      if (v <= max) return v;
    }
  }

  /** Shuffles in place exactly as `RandomState.shuffle` does (Fisher-Yates from the end). @example rs.shuffle(indices) */
  shuffle<E>(items: { length: number; [index: number]: E }): void {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.interval(i);
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
  }

  /** `np.arange(n)` shuffled by this generator. @example new RandomState(113).permutation(506) */
  permutation(n: number): Int32Array {
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    this.shuffle(idx);
    return idx;
  }
}
