// WebGPU Fourier transform kernel: radix-2 passes for powers of two, Bluestein's chirp-z (on the same passes) otherwise.
import type { DataId, TensorInfo } from '../backend.js';
import { bluesteinTables, radix2Twiddles } from '../cpu/spectral.js';
import type { SomeHostKernels } from '../kernel_table.js';
import type { GpuHost } from './index.js';
import { dispatch1D, main1D, packUniforms, uniformDecl } from './program.js';

const WG = 64;

/** A buffer of float32 pairs laid out as rows of `len` complex values. */
interface Rows {
  id: DataId;
  rows: number;
  len: number;
}

const info = (r: Rows): TensorInfo => ({
  dataId: r.id,
  shape: [r.rows, r.len, 2],
  dtype: 'float32',
});

// x → y with y[row, rev(j)] = x[row, j]: the bit-reversed order the in-order passes start from.
const BITREV = `@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
${uniformDecl(2, 3)}
${main1D(WG)}
  if (i >= uu(0u)) { return; }
  let len = uu(1u);
  let bits = uu(2u);
  let row = i / len;
  let j = i % len;
  let r = select(reverseBits(j) >> (32u - bits), 0u, bits == 0u);
  let dst = 2u * (row * len + r);
  y[dst] = x[2u * i];
  y[dst + 1u] = x[2u * i + 1u];
}`;

// One radix-2 stage of width `span`: thread t does one butterfly of one row; the last stage scales.
// Twiddles come from a float64 table of the full length (tw[k·len/span]), conjugated for the inverse.
const STAGE = `@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> tw: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
${uniformDecl(3, 5)}
${main1D(WG)}
  if (i >= uu(0u)) { return; }
  let len = uu(1u);
  let span = uu(2u);
  let sign = uf(3u);
  let scale = uf(4u);
  let halfLen = len / 2u;
  let row = i / halfLen;
  let b = i % halfLen;
  let half = span / 2u;
  let k = b % half;
  let p = row * len + (b / half) * span + k;
  let q = p + half;
  let t = 2u * k * (len / span);
  let wr = tw[t];
  let wi = sign * tw[t + 1u];
  let qr = x[2u * q] * wr - x[2u * q + 1u] * wi;
  let qi = x[2u * q] * wi + x[2u * q + 1u] * wr;
  let pr = x[2u * p];
  let pi = x[2u * p + 1u];
  y[2u * p] = (pr + qr) * scale;
  y[2u * p + 1u] = (pi + qi) * scale;
  y[2u * q] = (pr - qr) * scale;
  y[2u * q + 1u] = (pi - qi) * scale;
}`;

/**
 * A radix-2 transform of every row (len a power of two; a length-1 row is copied, its scale being 1):
 * one bit-reversal dispatch and log2(len) stages. `src` is freed when `own` is set.
 */
function radix2(host: GpuHost, src: Rows, inverse: boolean, scale: number, own: boolean): Rows {
  const { rows, len } = src;
  const total = rows * len;
  const bits = Math.round(Math.log2(len));
  let cur: Rows = {
    rows,
    len,
    id: host.dispatch({
      key: 'fft:bitrev',
      wgsl: BITREV,
      inputs: [info(src)],
      output: { dtype: 'float32', size: 2 * total },
      uniforms: packUniforms([total, len, bits]),
      dispatch: dispatch1D(total, WG),
    }),
  };
  if (own) host.free(src.id);
  const butterflies = total / 2;
  const tw = host.write(radix2Twiddles(len), 'float32');
  const twInfo: TensorInfo = { dataId: tw, shape: [Math.max(1, len / 2), 2], dtype: 'float32' };
  for (let span = 2; span <= len; span *= 2) {
    const next = host.dispatch({
      key: 'fft:stage',
      wgsl: STAGE,
      inputs: [info(cur), twInfo],
      output: { dtype: 'float32', size: 2 * total },
      uniforms: packUniforms([
        butterflies,
        len,
        span,
        { f: inverse ? -1 : 1 },
        { f: span === len ? scale : 1 },
      ]),
      dispatch: dispatch1D(butterflies, WG),
    });
    host.free(cur.id);
    cur = { rows, len, id: next };
  }
  host.free(tw);
  return cur;
}

// a[row, j] = x̃[row, j] · w[j] for j < n (x̃ = conj(x) for the inverse), zeros up to m.
const PREMUL = `@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
${uniformDecl(3, 4)}
${main1D(WG)}
  if (i >= uu(0u)) { return; }
  let n = uu(1u);
  let m = uu(2u);
  let s = uf(3u);
  let row = i / m;
  let j = i % m;
  if (j >= n) { y[2u * i] = 0.0; y[2u * i + 1u] = 0.0; return; }
  let src = 2u * (row * n + j);
  let xr = x[src];
  let xi = s * x[src + 1u];
  y[2u * i] = xr * w[2u * j] - xi * w[2u * j + 1u];
  y[2u * i + 1u] = xr * w[2u * j + 1u] + xi * w[2u * j];
}`;

// y[row, k] = a[row, k] · f[k]: the circular convolution with the chirp, in the frequency domain.
const FILTER = `@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> f: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
${uniformDecl(3, 2)}
${main1D(WG)}
  if (i >= uu(0u)) { return; }
  let k = i % uu(1u);
  let ar = a[2u * i];
  let ai = a[2u * i + 1u];
  y[2u * i] = ar * f[2u * k] - ai * f[2u * k + 1u];
  y[2u * i + 1u] = ar * f[2u * k + 1u] + ai * f[2u * k];
}`;

// out[row, k] = s̃(c[row, k] · w[k]) · scale for k < n, where c is the (unscaled) inverse transform.
const POSTMUL = `@group(0) @binding(0) var<storage, read> c: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
${uniformDecl(3, 5)}
${main1D(WG)}
  if (i >= uu(0u)) { return; }
  let n = uu(1u);
  let m = uu(2u);
  let s = uf(3u);
  let scale = uf(4u);
  let row = i / n;
  let k = i % n;
  let src = 2u * (row * m + k);
  let cr = c[src];
  let ci = c[src + 1u];
  y[2u * i] = (cr * w[2u * k] - ci * w[2u * k + 1u]) * scale;
  y[2u * i + 1u] = s * (cr * w[2u * k + 1u] + ci * w[2u * k]) * scale;
}`;

/**
 * The DFT of rows of n complex values by Bluestein: premultiply by the chirp, a radix-2 convolution
 * of length m ≥ 2n - 1 with the conjugate chirp (whose FFT comes from the CPU plan, in float64), then
 * postmultiply. The inverse conjugates input and output.
 */
function bluestein(
  host: GpuHost,
  x: TensorInfo,
  rows: number,
  n: number,
  inverse: boolean,
): DataId {
  const { m, chirp, filter } = bluesteinTables(n);
  const w = host.write(Float32Array.from(chirp), 'float32');
  const f = host.write(Float32Array.from(filter), 'float32');
  const s = inverse ? -1 : 1;
  const wInfo: TensorInfo = { dataId: w, shape: [n, 2], dtype: 'float32' };
  const fInfo: TensorInfo = { dataId: f, shape: [m, 2], dtype: 'float32' };
  const padded: Rows = {
    rows,
    len: m,
    id: host.dispatch({
      key: 'fft:premul',
      wgsl: PREMUL,
      inputs: [x, wInfo],
      output: { dtype: 'float32', size: 2 * rows * m },
      uniforms: packUniforms([rows * m, n, m, { f: s }]),
      dispatch: dispatch1D(rows * m, WG),
    }),
  };
  const spectrum = radix2(host, padded, false, 1, true);
  const filtered: Rows = {
    rows,
    len: m,
    id: host.dispatch({
      key: 'fft:filter',
      wgsl: FILTER,
      inputs: [info(spectrum), fInfo],
      output: { dtype: 'float32', size: 2 * rows * m },
      uniforms: packUniforms([rows * m, m]),
      dispatch: dispatch1D(rows * m, WG),
    }),
  };
  host.free(spectrum.id);
  const conv = radix2(host, filtered, true, 1, true);
  const out = host.dispatch({
    key: 'fft:postmul',
    wgsl: POSTMUL,
    inputs: [info(conv), wInfo],
    output: { dtype: 'float32', size: 2 * rows * n },
    uniforms: packUniforms([rows * n, n, m, { f: s }, { f: (inverse ? 1 / n : 1) / m }]),
    dispatch: dispatch1D(rows * n, WG),
  });
  host.free(conv.id);
  host.free(w);
  host.free(f);
  return out;
}

/**
 * The DFT (or inverse DFT, divided by n) of every row of n complex values of x (float32 [..., n, 2]).
 * @example fft(host, x, false)
 */
export function fft(host: GpuHost, x: TensorInfo, inverse: boolean): DataId {
  const n = x.shape[x.shape.length - 2];
  const total = x.shape.reduce((a, d) => a * d, 1) / 2;
  const rows = n === 0 ? 0 : total / n;
  if (total === 0)
    return host.dispatch({
      key: 'fft:empty',
      wgsl: BITREV,
      inputs: [x],
      output: { dtype: 'float32', size: 0 },
      uniforms: packUniforms([0, 1, 0]),
      dispatch: [0, 1, 1],
    });
  if ((n & (n - 1)) === 0)
    return radix2(host, { id: x.dataId, rows, len: n }, inverse, inverse ? 1 / n : 1, false).id;
  return bluestein(host, x, rows, n, inverse);
}

/** The Fourier kernel of the WebGPU table. @example GPU_SPECTRAL.fft(host, [x], { inverse: false }) */
export const GPU_SPECTRAL = {
  fft: (h, [x], a) => fft(h, x, a.inverse),
} satisfies SomeHostKernels<GpuHost>;
