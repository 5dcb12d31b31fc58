// WebGPU random kernel: Philox4x32-10 in WGSL u32 arithmetic, the same mapping as core/random.ts, so
// uniform draws are bit-identical to the CPU's; normal draws agree to float32 rounding of log/cos/sqrt.
import { seedKey } from '../../core/random.js';
import { erf } from '../../core/scalar_math.js';
import type { DataId, RandomSpec } from '../backend.js';
import { dispatch1D, type GpuProgramHost, main1D, packUniforms, uniformDecl } from './program.js';

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

/** Acklam's inverse normal CDF in f32 (relative error ~1e-9 before rounding; no Halley step). */
const QUANTILE = `fn quantile(p: f32) -> f32 {
  let lo = 0.02425;
  if (p < lo || p > 1.0 - lo) {
    let q = sqrt(-2.0 * log(select(1.0 - p, p, p < lo)));
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
  let z = sqrt(-2.0 * log(1.0 - u0)) * cos(6.283185307179586 * u1);
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
  return host.run({
    key: `random:${spec.dist}`,
    wgsl,
    inputs: [],
    output: { dtype: 'float32', size },
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
