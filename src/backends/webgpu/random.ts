// WebGPU random kernel: Philox4x32-10 in WGSL u32 arithmetic, the same mapping as core/random.ts, so
// uniform draws are bit-identical to the CPU's; normal draws agree to float32 rounding of log/cos/sqrt.
import { seedKey } from '../../core/random.js';
import { erf } from '../../core/scalar_math.js';
import type { DataId, RandomSpec } from '../backend.js';
import { dispatch1D, type GpuProgramHost, main1D, packUniforms, uniformDecl } from './program.js';
import type { SomeHostKernels } from '../kernel_table.js';

const WG = 64;
const TWO_32 = 4294967296;
const PHI_MINUS_2 = 0.5 * (1 - erf(Math.SQRT2));
const PHI_SPAN = erf(Math.SQRT2);

/** Philox4x32-10 on (counter, key), as philox4x32 in core/random.ts; mulhi from 16-bit halves. */
const PHILOX = `fn mulhi(a: u32, b: u32) -> u32 {
  let a0 = a & 0xffffu; let a1 = a >> 16u; let b0 = b & 0xffffu; let b1 = b >> 16u;
  let p00 = a0 * b0; let p01 = a0 * b1; let p10 = a1 * b0; let p11 = a1 * b1;
  let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
  return p11 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u);
}
fn philox(ctr: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var c = ctr; var k = key;
  for (var r = 0; r < 10; r++) {
    if (r > 0) { k = k + vec2<u32>(0x9e3779b9u, 0xbb67ae85u); }
    let hi0 = mulhi(0xd2511f53u, c.x); let lo0 = 0xd2511f53u * c.x;
    let hi1 = mulhi(0xcd9e8d57u, c.z); let lo1 = 0xcd9e8d57u * c.z;
    c = vec4<u32>(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
  }
  return c;
}
fn unit(w: u32) -> f32 { return f32(w >> 8u) * (1.0 / 16777216.0); }`;

/**
 * log, cos(2π·u) and sqrt accurate to a few float32 ulp: Vulkan lets drivers' log and cos be off by
 * ~1e-4 (SwiftShader's are), which would move normal draws far from the CPU's.
 */
const ACCURATE = `fn log_(v: f32) -> f32 {
  // v = m · 2^e with m in [sqrt(1/2), sqrt(2)); log m = 2 atanh(f), f = (m - 1) / (m + 1)
  let bits = bitcast<u32>(v);
  var e = i32((bits >> 23u) & 0xffu) - 127;
  var m = bitcast<f32>((bits & 0x7fffffu) | 0x3f800000u);
  if (m > 1.4142135) { m = m * 0.5; e = e + 1; }
  let f = (m - 1.0) / (m + 1.0);
  let s = f * f;
  let series = 1.0 + s * (0.33333334 + s * (0.2 + s * (0.14285715 + s * (0.11111111 + s * 0.09090909))));
  return f32(e) * 0.6931472 + 2.0 * f * series;
}
fn sqrt_(a: f32) -> f32 {
  if (a <= 0.0) { return 0.0; }
  let y = sqrt(a);
  return 0.5 * (y + a / y);
}
fn cos2pi(u: f32) -> f32 {
  // 2πu = q·π/2 + θ with q the nearest quadrant (exact in float32), |θ| <= π/4
  let t = u * 4.0;
  let q = floor(t + 0.5);
  let th = (t - q) * 1.5707964;
  let s = th * th;
  let c = 1.0 + s * (-0.5 + s * (0.041666668 + s * (-0.0013888889 + s * (0.0000248016 + s * -0.00000027557319))));
  let sn = th * (1.0 + s * (-0.16666667 + s * (0.008333334 + s * (-0.0001984127 + s * 0.0000027557319))));
  let k = i32(q) & 3;
  if (k == 0) { return c; }
  if (k == 1) { return -sn; }
  if (k == 2) { return -c; }
  return sn;
}`;

/**
 * Acklam's inverse normal CDF, then one Newton step on the normal tail probability: evaluated in f32,
 * Acklam's central rational is off by up to ~3e-4 near |z| = 2; the step brings it to ~1e-7.
 */
const QUANTILE = `fn tail(x: f32) -> f32 {
  // Q(x) = 1 - Φ(x) = erfc(x / √2) / 2 (Numerical Recipes' erfcc, relative error < 1.2e-7)
  let z = abs(x) * 0.70710677;
  let t = 1.0 / (1.0 + 0.5 * z);
  let e = t * exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return select(1.0 - 0.5 * e, 0.5 * e, x >= 0.0);
}
fn quantile(p: f32) -> f32 {
  let x = acklam(p);
  let density = 0.3989423 * exp(-0.5 * x * x);
  // Residual in whichever tail keeps its precision: Φ(x) - p = Q(-x) - p = (1 - p) - Q(x).
  if (x <= 0.0) { return x - (tail(-x) - p) / density; }
  return x + (tail(x) - (1.0 - p)) / density;
}
fn acklam(p: f32) -> f32 {
  let lo = 0.02425;
  if (p < lo || p > 1.0 - lo) {
    let q = sqrt_(-2.0 * log_(select(1.0 - p, p, p < lo)));
    let x = (((((-7.784894002430293e-3 * q - 3.223964580411365e-1) * q - 2.400758277161838) * q - 2.549732539343734) * q + 4.374664141464968) * q + 2.938163982698783) /
      ((((7.784695709041462e-3 * q + 3.224671290700398e-1) * q + 2.445134137142996) * q + 3.754408661907416) * q + 1.0);
    return select(-x, x, p < lo);
  }
  let q = p - 0.5;
  let r = q * q;
  return (((((-3.969683028665376e1 * r + 2.209460984245205e2) * r - 2.759285104469687e2) * r + 1.38357751867269e2) * r - 3.066479806614716e1) * r + 2.506628277459239) * q /
    (((((-5.447609879822406e1 * r + 1.615858368580409e2) * r - 1.556989798598866e2) * r + 6.680131188771972e1) * r - 1.328068155288572e1) * r + 1.0);
}`;

/** The largest float32 below a float32 value, as core/random.ts keeps uniform draws below b. */
function float32Below(v: number): number {
  const f = new Float32Array([v]);
  const bits = new Int32Array(f.buffer);
  if (v === 0) return -1.401298464324817e-45;
  bits[0] += v > 0 ? -1 : 1;
  return f[0];
}

/**
 * `size` float32 values of the distribution in `spec`; element i from Philox at (seed, counter + i).
 * @example random(host, { dist: 'uniform', seed: 1, counter: 0, a: 0, b: 1 }, 10)
 */
export function random(host: GpuProgramHost, spec: RandomSpec, size: number): DataId {
  const [k0, k1] = seedKey(spec.seed);
  const f = Math.fround;
  const range = f(spec.b - spec.a);
  const top = f(spec.b);
  const aHi = f(spec.a);
  let value: string;
  switch (spec.dist) {
    case 'uniform':
      // NOTE: the product is forced through a variable bitcast so that it is rounded before the add
      // (a fused multiply-add would round once and differ from the CPU in the last bit).
      // CPU: f32(a + f32(range * u)) with a in double. Here a = aHi + aLo (two f32); the sum is
      // aHi + prod split exactly into s + e (two-sum), then rounded once with aLo.
      value = `let prod = bitcast<f32>(bitcast<u32>(uf(7u) * u0) ^ uu(10u));
  let s = uf(5u) + prod;
  let bb = s - uf(5u);
  let e = (uf(5u) - (s - bb)) + (prod - bb);
  let v = s + (e + uf(11u));
  ys[i] = select(v, uf(9u), v >= uf(8u));`;
      break;
    case 'normal':
      value = `let u1 = unit(w.y);
  let z = sqrt_(-2.0 * log_(1.0 - u0)) * cos2pi(u1);
  ys[i] = uf(5u) + uf(6u) * z;`;
      break;
    case 'truncatedNormal':
      value = `let z = quantile(${PHI_MINUS_2} + u0 * ${PHI_SPAN});
  ys[i] = uf(5u) + uf(6u) * z;`;
      break;
    default:
      return spec.dist satisfies never;
  }
  const wgsl = `${PHILOX}
${spec.dist === 'uniform' ? '' : ACCURATE}
${spec.dist === 'truncatedNormal' ? QUANTILE : ''}
@group(0) @binding(0) var<storage, read_write> ys: array<f32>;
${uniformDecl(1, 12)}
${main1D(WG)}
  if (i >= uu(0u)) { return; }
  let lo = uu(1u) + i;
  let hi = uu(2u) + select(0u, 1u, lo < uu(1u));
  let w = philox(vec4<u32>(lo, hi, 0u, 0u), vec2<u32>(uu(3u), uu(4u)));
  let u0 = unit(w.x);
  ${value}
}`;
  return host.dispatch({
    key: `random:${spec.dist}`,
    wgsl,
    inputs: [],
    output: { dtype: 'float32', size },
    uniformsChange: true,
    uniforms: packUniforms([
      size,
      spec.counter >>> 0,
      Math.floor(spec.counter / TWO_32) >>> 0,
      k0 | 0,
      k1 | 0,
      { f: aHi },
      { f: spec.b },
      { f: range },
      { f: top },
      { f: float32Below(top) },
      0, // XOR mask of the bitcast above: always 0, unknown to the compiler
      { f: spec.a - aHi },
    ]),
    dispatch: dispatch1D(size, WG),
  });
}

/** The random kernel of the WebGPU table. @example GPU_RANDOM.random(host, [], { spec, size: 4 }) */
export const GPU_RANDOM = {
  random: (h, _inputs, a) => random(h, a.spec, a.size),
} satisfies SomeHostKernels<GpuProgramHost>;
