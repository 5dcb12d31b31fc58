// CPU Fourier transform kernel: radix-2 FFT for powers of two, Bluestein's chirp-z for other lengths, in float64.
import type { DataId, TensorInfo } from '../backend.js';
import type { SomeHostKernels } from '../kernel_table.js';
import type { CpuHost, KernelStore } from './storage.js';

/** Twiddles of a power-of-two length m: cos and sin of -2 pi k / m for k < m/2 (cached per length). */
interface Radix2Plan {
  m: number;
  cos: Float64Array;
  sin: Float64Array;
  /** The bit-reversal permutation of [0, m). */
  rev: Uint32Array;
}

/** Bluestein's chirp and the transform of its conjugate, for one length n padded to m. */
interface BluesteinPlan {
  n: number;
  radix: Radix2Plan;
  /** w[j] = e^{-i pi j^2 / n}, j < n (re, im interleaved). */
  chirp: Float64Array;
  /** FFT of conj(w) laid out circularly over m (re, im interleaved). */
  filter: Float64Array;
}

const radixPlans = new Map<number, Radix2Plan>();
const bluesteinPlans = new Map<number, BluesteinPlan>();
// Plans are small (O(n) doubles) but a program sweeping lengths must not grow memory without bound.
const MAX_PLANS = 64;

function remember<P>(cache: Map<number, P>, n: number, plan: P): P {
  if (cache.size >= MAX_PLANS) cache.clear();
  cache.set(n, plan);
  return plan;
}

function radix2Plan(m: number): Radix2Plan {
  const cached = radixPlans.get(m);
  if (cached) return cached;
  const half = m >> 1;
  const cos = new Float64Array(half);
  const sin = new Float64Array(half);
  for (let k = 0; k < half; k++) {
    const a = (-2 * Math.PI * k) / m;
    cos[k] = Math.cos(a);
    sin[k] = Math.sin(a);
  }
  const rev = new Uint32Array(m);
  const bits = Math.round(Math.log2(m));
  for (let i = 0; i < m; i++) {
    let r = 0;
    for (let b = 0, v = i; b < bits; b++, v >>= 1) r = (r << 1) | (v & 1);
    rev[i] = r;
  }
  return remember(radixPlans, m, { m, cos, sin, rev });
}

/**
 * In-place iterative radix-2 FFT of m complex values (re, im interleaved in `a`), forward
 * (e^{-2 pi i jk/m}) or with conjugate twiddles; unnormalised.
 */
function radix2(a: Float64Array, plan: Radix2Plan, inverse: boolean): void {
  const { m, cos, sin, rev } = plan;
  for (let i = 0; i < m; i++) {
    const j = rev[i];
    if (j > i) {
      const re = a[2 * i];
      const im = a[2 * i + 1];
      a[2 * i] = a[2 * j];
      a[2 * i + 1] = a[2 * j + 1];
      a[2 * j] = re;
      a[2 * j + 1] = im;
    }
  }
  const sign = inverse ? -1 : 1;
  for (let len = 2; len <= m; len <<= 1) {
    const half = len >> 1;
    const step = m / len;
    for (let start = 0; start < m; start += len) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * step];
        const wi = sign * sin[k * step];
        const p = 2 * (start + k);
        const q = 2 * (start + k + half);
        const xr = a[q] * wr - a[q + 1] * wi;
        const xi = a[q] * wi + a[q + 1] * wr;
        a[q] = a[p] - xr;
        a[q + 1] = a[p + 1] - xi;
        a[p] += xr;
        a[p + 1] += xi;
      }
    }
  }
}

function bluesteinPlan(n: number): BluesteinPlan {
  const cached = bluesteinPlans.get(n);
  if (cached) return cached;
  let m = 1;
  while (m < 2 * n - 1) m <<= 1;
  const radix = radix2Plan(m);
  const chirp = new Float64Array(2 * n);
  for (let j = 0; j < n; j++) {
    // j^2 mod 2n keeps the angle small (exact in doubles), so large n loses no accuracy.
    const a = (-Math.PI * ((j * j) % (2 * n))) / n;
    chirp[2 * j] = Math.cos(a);
    chirp[2 * j + 1] = Math.sin(a);
  }
  const filter = new Float64Array(2 * m);
  for (let j = 0; j < n; j++) {
    filter[2 * j] = chirp[2 * j];
    filter[2 * j + 1] = -chirp[2 * j + 1];
    if (j > 0) {
      filter[2 * (m - j)] = chirp[2 * j];
      filter[2 * (m - j) + 1] = -chirp[2 * j + 1];
    }
  }
  radix2(filter, radix, false);
  return remember(bluesteinPlans, n, { n, radix, chirp, filter });
}

/**
 * The twiddles of a power-of-two length m as float32 pairs: e^{-2 pi i k/m} for k < m/2, from float64
 * (the WebGPU kernel uploads them: WGSL's sin and cos may err by 2^-11).
 * @example radix2Twiddles(4) // [1, 0, 0, -1]
 */
export function radix2Twiddles(m: number): Float32Array {
  const { cos, sin } = radix2Plan(m);
  const out = new Float32Array(Math.max(2, m));
  for (let k = 0; k < cos.length; k++) {
    out[2 * k] = cos[k];
    out[2 * k + 1] = sin[k];
  }
  return out;
}

/**
 * Bluestein's tables for a length n, in float64: the padded power-of-two length m, the chirp
 * w[j] = e^{-i pi j^2/n} (n pairs) and the FFT of its conjugate laid circularly over m (m pairs). The
 * WebGPU kernel uploads them rather than computing j² mod 2n in 32-bit arithmetic.
 * @example const { m, chirp, filter } = bluesteinTables(5); // m = 16
 */
export function bluesteinTables(n: number): {
  m: number;
  chirp: Float64Array;
  filter: Float64Array;
} {
  const plan = bluesteinPlan(n);
  return { m: plan.radix.m, chirp: plan.chirp, filter: plan.filter };
}

/**
 * The DFT of n values (re, im interleaved in `row`, replaced by the result) as a circular convolution
 * with a chirp: X[k] = w[k] · sum_j (x[j] w[j]) conj(w[k - j]), with w[j] = e^{-i pi j^2/n}
 * (the inverse conjugates input and output). Three power-of-two FFTs of length m ≥ 2n - 1.
 */
/** dst[i] = (ar + ai·i) · b[j], complex values as interleaved pairs. */
function mulInto(
  dst: Float64Array,
  i: number,
  ar: number,
  ai: number,
  b: Float64Array,
  j: number,
): void {
  const br = b[2 * j];
  const bi = b[2 * j + 1];
  dst[2 * i] = ar * br - ai * bi;
  dst[2 * i + 1] = ar * bi + ai * br;
}

function bluestein(
  row: Float64Array,
  plan: BluesteinPlan,
  inverse: boolean,
  work: Float64Array,
): void {
  const { n, chirp, filter, radix } = plan;
  const m = radix.m;
  const s = inverse ? -1 : 1;
  work.fill(0);
  for (let j = 0; j < n; j++) mulInto(work, j, row[2 * j], s * row[2 * j + 1], chirp, j);
  radix2(work, radix, false);
  for (let k = 0; k < m; k++) mulInto(work, k, work[2 * k], work[2 * k + 1], filter, k);
  radix2(work, radix, true);
  for (let k = 0; k < n; k++) {
    mulInto(row, k, work[2 * k] / m, work[2 * k + 1] / m, chirp, k);
    row[2 * k + 1] *= s;
  }
}

/**
 * The DFT of every row of n complex values in `x` (float32 [..., n, 2]); with `inverse`, the inverse
 * DFT divided by n. Rows are computed in float64 and rounded once to the store's precision.
 * @example fft(store, x, false) // x: [batch, n, 2]
 */
export function fft(s: KernelStore, x: TensorInfo, inverse: boolean): DataId {
  const n = x.shape[x.shape.length - 2];
  const total = x.shape.reduce((a, d) => a * d, 1);
  // output first: on the wasm heap an allocation may grow memory and detach views taken before it
  const { id, values } = s.alloc('float32', total);
  const xv = s.values(x);
  if (n === 0 || total === 0) return id;
  const rows = total / (2 * n);
  const pow2 = (n & (n - 1)) === 0;
  const radix = pow2 ? radix2Plan(n) : null;
  const blue = pow2 ? null : bluesteinPlan(n);
  const row = new Float64Array(2 * n);
  const work = blue ? new Float64Array(2 * blue.radix.m) : row;
  const scale = inverse ? 1 / n : 1;
  for (let r = 0; r < rows; r++) {
    const base = r * 2 * n;
    for (let i = 0; i < 2 * n; i++) row[i] = xv[base + i];
    if (radix) radix2(row, radix, inverse);
    else if (blue) bluestein(row, blue, inverse, work);
    for (let i = 0; i < 2 * n; i++) values[base + i] = row[i] * scale;
  }
  return id;
}

/** The Fourier kernel of the CPU table. @example CPU_SPECTRAL.fft(host, [x], { inverse: false }) */
export const CPU_SPECTRAL = {
  fft: (h, [x], a) => fft(h.store, x, a.inverse),
} satisfies SomeHostKernels<CpuHost>;
