// WebGPU image resize (NHWC), bilinear and nearest with TensorFlow's alignCorners / halfPixelCenters
// rules as in cpu/image.ts; the gradients run a thread per input pixel gathering its contributions.
//
// Source coordinates follow the cpu kernels in float32: the scale is computed here with Math.fround and
// passed in; the shader does one multiply (correctly rounded in WGSL), so nearest indices agree exactly.
// NOTE: bilinear's `· scale - 0.5` may be fused into one fma by a driver; at an exact integer boundary
// that moves a weight by an ulp between two neighbours, and interpolation is continuous there.
// The gradients find the output pixels that read an input pixel by binary search: every tap index is a
// non-decreasing function of the output index.
import { BackendError } from '../../core/errors.js';
import type { DataId, TensorInfo } from '../backend.js';
import { scalarOf } from './gemm.js';
import { dispatch1D, main1D, type GpuProgramHost } from './program.js';
import type { SomeHostKernels } from '../kernel_table.js';

/** Threads per workgroup. */
const WG = 64;

/** TensorFlow's CalculateResizeScale, in float32 (as cpu/image.ts). */
function resizeScale(inSize: number, outSize: number, alignCorners: boolean): number {
  return alignCorners && outSize > 1
    ? Math.fround((inSize - 1) / (outSize - 1))
    : Math.fround(inSize / outSize);
}

/** Uniform words: sizes and flags as i32, the two scales as f32 bits. */
function uniforms(
  size: number,
  x: readonly number[],
  outH: number,
  outW: number,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): Int32Array {
  const [n, h, w, c] = x;
  const words = new Int32Array(12);
  words.set([size, n, h, w, c, outH, outW, alignCorners ? 1 : 0, halfPixelCenters ? 1 : 0]);
  const f = new Float32Array(words.buffer);
  f[9] = resizeScale(h, outH, alignCorners);
  f[10] = resizeScale(w, outW, alignCorners);
  return words;
}

/** Bindings, the uniform block, and the tap functions of both modes. */
function head(input: string, type: string): string {
  return `@group(0) @binding(0) var<storage, read> ${input}: array<${type}>;
@group(0) @binding(1) var<storage, read_write> out: array<${type}>;
struct U { size: i32, nb: i32, inH: i32, inW: i32, C: i32, outH: i32, outW: i32, alignC: i32,
  halfPx: i32, scaleH: f32, scaleW: f32, h11: i32 }
@group(0) @binding(2) var<uniform> u: U;
struct Tap { lo: i32, hi: i32, t: f32 }
// bilinear: the two source indices of output index i and the weight of the upper one
fn linTap(i: i32, inSize: i32, scale: f32) -> Tap {
  var src = f32(i) * scale;
  if (u.halfPx != 0) { src = (f32(i) + 0.5) * scale - 0.5; }
  let fl = floor(src);
  return Tap(min(max(i32(fl), 0), inSize - 1), min(i32(ceil(src)), inSize - 1), src - fl);
}
// nearest: with alignCorners, round half away from zero (src >= 0, and src - floor(src) is exact)
fn nearTap(i: i32, inSize: i32, scale: f32) -> i32 {
  var src = f32(i) * scale;
  if (u.halfPx != 0) { src = (f32(i) + 0.5) * scale; }
  let fl = floor(src);
  var k = i32(fl);
  if (u.alignC != 0 && src - fl >= 0.5) { k += 1; }
  return max(min(k, inSize - 1), 0);
}
// kind 0: linTap(i).hi >= v, 1: linTap(i).lo > v, 2: nearTap(i) >= v, 3: nearTap(i) > v
fn pred(kind: i32, i: i32, v: i32, inSize: i32, scale: f32) -> bool {
  switch kind {
    case 0: { return linTap(i, inSize, scale).hi >= v; }
    case 1: { return linTap(i, inSize, scale).lo > v; }
    case 2: { return nearTap(i, inSize, scale) >= v; }
    default: { return nearTap(i, inSize, scale) > v; }
  }
}
// the first output index in [0, n) where pred holds (n if none): pred is monotone in i
fn search(kind: i32, v: i32, n: i32, inSize: i32, scale: f32) -> i32 {
  var a = 0;
  var z = n;
  loop {
    if (a >= z) { break; }
    let mid = (a + z) / 2;
    if (pred(kind, mid, v, inSize, scale)) { z = mid; } else { a = mid + 1; }
  }
  return a;
}`;
}

/** Opening of a thread-per-output body: g, channel c, output pixel (b, oy, ox). */
const PER_OUTPUT = `  let g = i32(i);
  if (g >= u.size) { return; }
  let c = g % u.C; let pix = g / u.C;
  let ox = pix % u.outW; let t = pix / u.outW; let oy = t % u.outH; let b = t / u.outH;
  let img = b * u.inH * u.inW;`;

/** Opening of a thread-per-input body: g, channel c, input pixel (b, y, x). */
const PER_INPUT = `  let g = i32(i);
  if (g >= u.size) { return; }
  let c = g % u.C; let pix = g / u.C;
  let x = pix % u.inW; let t = pix / u.inW; let y = t % u.inH; let b = t / u.inH;`;

/**
 * Bilinear resize of x [n, h, w, c] to [n, outH, outW, c], float32.
 * @example resizeBilinear(host, x, 8, 8, false, true)
 */
export function resizeBilinear(
  host: GpuProgramHost,
  x: TensorInfo,
  outH: number,
  outW: number,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): DataId {
  if (x.dtype !== 'float32')
    throw new BackendError(`webgpu resizeBilinear: float32 expected, received '${x.dtype}'`);
  const size = x.shape[0] * outH * outW * x.shape[3];
  const wgsl = `${head('X', 'f32')}
${main1D(WG)}
${PER_OUTPUT}
  let ty = linTap(oy, u.inH, u.scaleH);
  let tx = linTap(ox, u.inW, u.scaleW);
  let top = (img + ty.lo * u.inW) * u.C + c;
  let bottom = (img + ty.hi * u.inW) * u.C + c;
  let tl = X[top + tx.lo * u.C]; let tr = X[top + tx.hi * u.C];
  let bl = X[bottom + tx.lo * u.C]; let br = X[bottom + tx.hi * u.C];
  let upper = tl + (tr - tl) * tx.t;
  let lower = bl + (br - bl) * tx.t;
  out[g] = upper + (lower - upper) * ty.t;
}`;
  return host.dispatch({
    key: 'resizeBilinear',
    wgsl,
    inputs: [x],
    output: { dtype: 'float32', size },
    uniforms: uniforms(size, x.shape, outH, outW, alignCorners, halfPixelCenters),
    dispatch: dispatch1D(size, WG),
  });
}

/**
 * Gradient of bilinear resize onto x's shape: each input pixel sums dy over the output pixels that
 * read it, times the weight they read it with.
 * @example resizeBilinearGrad(host, dy, x, false, true)
 */
export function resizeBilinearGrad(
  host: GpuProgramHost,
  dy: TensorInfo,
  x: TensorInfo,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): DataId {
  const [, outH, outW] = dy.shape;
  const size = x.shape.reduce((p, d) => p * d, 1);
  const wgsl = `${head('DY', 'f32')}
${main1D(WG)}
${PER_INPUT}
  let ry0 = search(0, y, u.outH, u.inH, u.scaleH);
  let ry1 = search(1, y, u.outH, u.inH, u.scaleH);
  let rx0 = search(0, x, u.outW, u.inW, u.scaleW);
  let rx1 = search(1, x, u.outW, u.inW, u.scaleW);
  var acc = 0.0;
  for (var oy = ry0; oy < ry1; oy++) {
    let ty = linTap(oy, u.inH, u.scaleH);
    let wy = select(0.0, 1.0 - ty.t, ty.lo == y) + select(0.0, ty.t, ty.hi == y);
    let row = (b * u.outH + oy) * u.outW;
    for (var ox = rx0; ox < rx1; ox++) {
      let tx = linTap(ox, u.inW, u.scaleW);
      let wx = select(0.0, 1.0 - tx.t, tx.lo == x) + select(0.0, tx.t, tx.hi == x);
      acc += DY[(row + ox) * u.C + c] * wy * wx;
    }
  }
  out[g] = acc;
}`;
  return host.dispatch({
    key: 'resizeBilinearGrad',
    wgsl,
    inputs: [dy],
    output: { dtype: 'float32', size },
    uniforms: uniforms(size, x.shape, outH, outW, alignCorners, halfPixelCenters),
    dispatch: dispatch1D(size, WG),
  });
}

/**
 * Nearest-neighbour resize of x [n, h, w, c] to [n, outH, outW, c], keeping x's dtype.
 * @example resizeNearest(host, x, 4, 4, true, false)
 */
export function resizeNearest(
  host: GpuProgramHost,
  x: TensorInfo,
  outH: number,
  outW: number,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): DataId {
  const T = scalarOf(x.dtype, 'resizeNearest');
  const size = x.shape[0] * outH * outW * x.shape[3];
  const wgsl = `${head('X', T)}
${main1D(WG)}
${PER_OUTPUT}
  let sy = nearTap(oy, u.inH, u.scaleH);
  let sx = nearTap(ox, u.inW, u.scaleW);
  out[g] = X[(img + sy * u.inW + sx) * u.C + c];
}`;
  return host.dispatch({
    key: `resizeNearest:${T}`,
    wgsl,
    inputs: [x],
    output: { dtype: x.dtype, size },
    uniforms: uniforms(size, x.shape, outH, outW, alignCorners, halfPixelCenters),
    dispatch: dispatch1D(size, WG),
  });
}

/**
 * Gradient of nearest resize: each input pixel sums dy over the output pixels copied from it, in
 * output order (the cpu kernel's order of additions).
 * @example resizeNearestGrad(host, dy, x, false, false)
 */
export function resizeNearestGrad(
  host: GpuProgramHost,
  dy: TensorInfo,
  x: TensorInfo,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): DataId {
  const [, outH, outW] = dy.shape;
  const size = x.shape.reduce((p, d) => p * d, 1);
  const wgsl = `${head('DY', 'f32')}
${main1D(WG)}
${PER_INPUT}
  let ry0 = search(2, y, u.outH, u.inH, u.scaleH);
  let ry1 = search(3, y, u.outH, u.inH, u.scaleH);
  let rx0 = search(2, x, u.outW, u.inW, u.scaleW);
  let rx1 = search(3, x, u.outW, u.inW, u.scaleW);
  var acc = 0.0;
  for (var oy = ry0; oy < ry1; oy++) {
    let row = (b * u.outH + oy) * u.outW;
    for (var ox = rx0; ox < rx1; ox++) { acc += DY[(row + ox) * u.C + c]; }
  }
  out[g] = acc;
}`;
  return host.dispatch({
    key: 'resizeNearestGrad',
    wgsl,
    inputs: [dy],
    output: { dtype: 'float32', size },
    uniforms: uniforms(size, x.shape, outH, outW, alignCorners, halfPixelCenters),
    dispatch: dispatch1D(size, WG),
  });
}

/** The resize kernels of the WebGPU table. @example GPU_IMAGE.resizeNearestGrad(host, [dy, x], attrs) */
export const GPU_IMAGE = {
  resizeBilinear: (h, [x], a) =>
    resizeBilinear(h, x, a.outH, a.outW, a.alignCorners, a.halfPixelCenters),
  resizeBilinearGrad: (h, [dy, x], a) =>
    resizeBilinearGrad(h, dy, x, a.alignCorners, a.halfPixelCenters),
  resizeNearest: (h, [x], a) =>
    resizeNearest(h, x, a.outH, a.outW, a.alignCorners, a.halfPixelCenters),
  resizeNearestGrad: (h, [dy, x], a) =>
    resizeNearestGrad(h, dy, x, a.alignCorners, a.halfPixelCenters),
} satisfies SomeHostKernels<GpuProgramHost>;
