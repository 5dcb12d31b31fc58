// The fft primitive and tf.spectral on every backend: against a float64 DFT for n = 1..64, numpy values, gradients.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import {
  checkGradient,
  expectClose,
  heavy,
  type OpCheck,
  rng,
  testBackends,
} from '../helpers/check_op.js';

/** The textbook O(n²) DFT in float64, over interleaved [re, im] pairs: the reference. */
function directDft(x: readonly number[], inverse: boolean): number[] {
  const n = x.length / 2;
  const out = new Array<number>(2 * n).fill(0);
  const sign = inverse ? 1 : -1;
  for (let k = 0; k < n; k++) {
    let re = 0;
    let im = 0;
    for (let j = 0; j < n; j++) {
      // (jk mod n) keeps the angle exact for large products
      const a = (sign * 2 * Math.PI * ((j * k) % n)) / n;
      re += x[2 * j] * Math.cos(a) - x[2 * j + 1] * Math.sin(a);
      im += x[2 * j] * Math.sin(a) + x[2 * j + 1] * Math.cos(a);
    }
    out[2 * k] = inverse ? re / n : re;
    out[2 * k + 1] = inverse ? im / n : im;
  }
  return out;
}

function randomPairs(n: number, seed: number): number[] {
  const r = rng(seed);
  return Array.from({ length: 2 * n }, () => r() * 2 - 1);
}

function complexOf(pairs: readonly number[], shape: number[]): nr.Tensor {
  const re = pairs.filter((_, i) => i % 2 === 0);
  const im = pairs.filter((_, i) => i % 2 === 1);
  return nr.complex(nr.tensor(re, shape), nr.tensor(im, shape));
}

// |error| of a float32 FFT grows like log n · eps · |x|; 2e-5 per unit of the row's norm is ample.
function tolerance(n: number): number {
  return 2e-5 * Math.sqrt(n) * 2;
}

describe.each(testBackends())('fft on %s', (backend) => {
  it('matches the direct float64 DFT for every length 1..64 (powers of two, primes, the rest)', async () => {
    await nr.setBackend(backend);
    const lengths = heavy(backend)
      ? [1, 2, 3, 4, 5, 7, 8, 12, 16, 17, 31, 32, 33, 64]
      : Array.from({ length: 64 }, (_, i) => i + 1);
    for (const n of lengths) {
      const x = randomPairs(n, n);
      for (const inverse of [false, true]) {
        const y = nr.tidy(() => {
          const c = complexOf(x, [n]);
          return inverse ? nr.spectral.ifft(c) : nr.spectral.fft(c);
        });
        expect(y.dtype).toBe('complex64');
        expect(y.shape).toEqual([n]);
        expectClose(
          await y.data(),
          directDft(x, inverse),
          tolerance(n),
          1e-5,
          `${inverse ? 'ifft' : 'fft'} n=${n}`,
        );
        y.dispose();
      }
    }
  });

  it('transforms each row of a batch independently (rank 3, non-power-of-two rows)', async () => {
    await nr.setBackend(backend);
    const [a, b, n] = [2, 3, 6];
    const x = randomPairs(a * b * n, 99);
    const y = nr.tidy(() => nr.spectral.fft(complexOf(x, [a, b, n])));
    expect(y.shape).toEqual([a, b, n]);
    const expected: number[] = [];
    for (let r = 0; r < a * b; r++)
      expected.push(...directDft(x.slice(2 * n * r, 2 * n * (r + 1)), false));
    expectClose(await y.data(), expected, 1e-5, 1e-5, 'batched fft');
    y.dispose();
  });

  it('ifft inverts fft, and irfft inverts rfft', async () => {
    await nr.setBackend(backend);
    const x = randomPairs(10, 5);
    const back = nr.tidy(() => nr.spectral.ifft(nr.spectral.fft(complexOf(x, [10]))));
    expectClose(await back.data(), x, 1e-5, 1e-5, 'ifft(fft(x))');
    const signal = [0.5, -1, 2, 3, 0, 1];
    const again = nr.tidy(() => nr.spectral.irfft(nr.spectral.rfft(nr.tensor(signal))));
    expectClose(await again.data(), signal, 1e-5, 1e-5, 'irfft(rfft(x))');
    nr.dispose([back, again]);
  });

  // numpy 1.x: np.fft.rfft([1, 2, 3, 4, 5]); np.fft.rfft([0.5, -1, 2, 3, 0, 1], n=8);
  // np.fft.irfft([1, 2-1j, 0.5+0.5j, 3])
  it('rfft (with padding and cropping) and irfft agree with numpy', async () => {
    await nr.setBackend(backend);
    const a = nr.spectral.rfft(nr.tensor([1, 2, 3, 4, 5]));
    expect(a.shape).toEqual([3]);
    expectClose(await a.data(), [15, 0, -2.5, 3.4409548, -2.5, 0.81229924], 1e-5, 1e-5, 'rfft');
    const padded = nr.spectral.rfft(nr.tensor([0.5, -1, 2, 3, 0, 1]), 8);
    expectClose(
      await padded.data(),
      [5.5, 0, -3.03553391, -2.70710678, -1.5, 3, 4.03553391, 1.29289322, -0.5, 0],
      1e-5,
      1e-5,
      'rfft padded to 8',
    );
    const cropped = nr.spectral.rfft(nr.tensor([[1, 2, 3, 4, 5, 9, 9]]), 5);
    expect(cropped.shape).toEqual([1, 3]);
    expectClose(await cropped.data(), await a.data(), 1e-5, 1e-5, 'rfft cropped to 5');
    const inv = nr.spectral.irfft(nr.complex([1, 2, 0.5, 3], [0, -1, 0.5, 0]));
    expect(inv.shape).toEqual([6]);
    expectClose(
      await inv.data(),
      [1.5, 0.06100423, 0.6830127, -0.83333333, -0.1830127, -0.2276709],
      1e-5,
      1e-5,
      'irfft',
    );
    nr.dispose([a, padded, cropped, inv]);
  });

  it('handles empty rows and a batch of zero rows', async () => {
    await nr.setBackend(backend);
    const y = nr.spectral.fft(nr.complex(nr.zeros([0, 4]), nr.zeros([0, 4])));
    expect(y.shape).toEqual([0, 4]);
    expect((await y.data()).length).toBe(0);
    y.dispose();
  });
});

// Gradients are checked on real-valued losses of real inputs: the parts of the transform of a complex
// built from them. The adjoint of the unnormalised DFT is n·ifft, that of ifft is fft/n.
const parts = (c: nr.Tensor): nr.Tensor => nr.stack([nr.real(c), nr.imag(c)]);
const gradCases: OpCheck[] = [
  {
    name: 'fft gradient (n = 8, radix-2)',
    fn: (re, im) => parts(nr.spectral.fft(nr.complex(re, im))),
    inputs: [{ shape: [2, 8] }, { shape: [2, 8] }],
  },
  {
    name: 'fft gradient (n = 5, Bluestein)',
    fn: (re, im) => parts(nr.spectral.fft(nr.complex(re, im))),
    inputs: [{ shape: [5] }, { shape: [5] }],
  },
  {
    name: 'ifft gradient (n = 6)',
    fn: (re, im) => parts(nr.spectral.ifft(nr.complex(re, im))),
    inputs: [{ shape: [6] }, { shape: [6] }],
  },
  {
    name: 'sum(real(fft(x))^2) gradient',
    fn: (x) =>
      nr
        .real(nr.spectral.fft(nr.complex(x, nr.zerosLike(x))))
        .square()
        .sum(),
    inputs: [{ shape: [7] }],
  },
  {
    name: 'rfft gradient (padded to 8)',
    fn: (x) => parts(nr.spectral.rfft(x, 8)),
    inputs: [{ shape: [3, 6] }],
  },
  {
    name: 'irfft gradient',
    fn: (re, im) => nr.spectral.irfft(nr.complex(re, im)),
    inputs: [{ shape: [2, 5] }, { shape: [2, 5] }],
  },
];

describe.each(testBackends().filter((b) => !heavy(b)))('fft gradients on %s', (backend) => {
  for (const c of gradCases) it(c.name, () => checkGradient(c, backend));
});

describe('fft', () => {
  it('is O(n log n) for a prime length: n = 65537 in well under the time of a quadratic DFT', async () => {
    await nr.setBackend('cpu');
    const n = 65537;
    // x = δ[j - 3]: X[k] = e^{-2πi·3k/n}
    const re = new Float32Array(n);
    re[3] = 1;
    const start = performance.now();
    const y = nr.spectral.fft(nr.complex(re, new Float32Array(n)));
    const values = y.dataSync();
    const ms = performance.now() - start;
    for (const k of [0, 1, 1000, 65536]) {
      const a = (-2 * Math.PI * ((3 * k) % n)) / n;
      expect(values[2 * k]).toBeCloseTo(Math.cos(a), 5);
      expect(values[2 * k + 1]).toBeCloseTo(Math.sin(a), 5);
    }
    // a direct DFT is 4.3e9 complex products here (minutes in JS); Bluestein's three FFTs of 2^18 take ~0.1 s
    expect(ms).toBeLessThan(10_000);
    y.dispose();
  });

  it('refuses real inputs to fft and complex inputs to rfft with typed errors', () => {
    expect(() => nr.spectral.fft(nr.tensor([1, 2]))).toThrow(nr.DTypeError);
    expect(() => nr.spectral.fft(nr.tensor([1, 2]))).toThrow(/fft: input must be complex64/);
    expect(() => nr.spectral.rfft(nr.complex([1], [2]))).toThrow(nr.DTypeError);
    expect(() => nr.spectral.rfft(nr.tensor([1, 2]), 0)).toThrow(/fftLength must be a positive/);
    expect(() => nr.spectral.ifft(nr.complex(1, 2))).toThrow(nr.ShapeError);
  });

  it('is exported at the top level and as tensor methods, as tfjs does', async () => {
    const c = nr.complex([1, 2, 3], [0, 0, 0]);
    expectClose(await nr.fft(c).data(), await c.fft().data(), 0, 0);
    expectClose(await nr.ifft(c).data(), await c.ifft().data(), 0, 0);
    expectClose(await nr.rfft(nr.tensor([1, 2])).data(), [3, 0, -1, 0], 1e-6, 0);
    expectClose(await nr.tensor([1, 2]).rfft().data(), [3, 0, -1, 0], 1e-6, 0);
    expectClose(await nr.irfft(nr.tensor([1, 2]).rfft()).data(), [1, 2], 1e-6, 0);
  });
});
