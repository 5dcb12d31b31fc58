// WebGPU convolutions, NHWC: conv2d and its two gradients as implicit GEMMs on the tiled matmul (patches
// gathered in the tile loads, no im2col buffer); depthwise convs and their gradients as direct loops.
import { BackendError } from '../../core/errors.js';
import type { Conv2DInfo, DataId, Epilogue, TensorInfo } from '../backend.js';
import { runGemm, vec4Load } from './gemm.js';
import { dispatch1D, main1D, MAX_WORKGROUPS_PER_DIM, type GpuProgramHost } from './program.js';
import { epilogueOf, type SomeHostKernels } from '../kernel_table.js';

/** WGSL uniform fields of the geometry, in the order of `geometryValues`. */
const GEOMETRY =
  'nb: i32, inH: i32, inW: i32, inC: i32, outH: i32, outW: i32, outC: i32, fH: i32, fW: i32, ' +
  'sH: i32, sW: i32, dH: i32, dW: i32, padT: i32, padL: i32, mult: i32,';

function geometryValues(i: Conv2DInfo): Int32Array {
  return Int32Array.from([
    i.batch,
    i.inH,
    i.inW,
    i.inC,
    i.outH,
    i.outW,
    i.outC,
    i.filterH,
    i.filterW,
    i.strideH,
    i.strideW,
    i.dilationH,
    i.dilationW,
    i.padTop,
    i.padLeft,
    i.channelMultiplier,
  ]);
}

function checkFloat(op: string, ...ts: TensorInfo[]): void {
  for (const t of ts)
    if (t.dtype !== 'float32')
      throw new BackendError(`webgpu ${op}: float32 expected, received '${t.dtype}'`);
}

const V = 'vec4<f32>';

function binding(name: string, at: number, vec: boolean): string {
  return `@group(0) @binding(${at}) var<storage, read> ${name}: array<${vec ? V : 'f32'}>;`;
}

// Decompositions shared by the loaders: a flat output-pixel index into (b, oy, ox), and a filter
// position (K index of conv2d, row index of the filter gradient) into (tap = fy·fW + fx, channel).
const HELPERS = `fn pixel(r: i32) -> vec3<i32> {
  let ox = r % u.outW; let t = r / u.outW; return vec3<i32>(t / u.outH, t % u.outH, ox);
}
fn imageAt(p: vec3<i32>, tap: i32, c: i32) -> i32 {
  let y = p.y * u.sH - u.padT + (tap / u.fW) * u.dH;
  let x = p.z * u.sW - u.padL + (tap % u.fW) * u.dW;
  if (y < 0 || y >= u.inH || x < 0 || x >= u.inW) { return -1; }
  return ((p.x * u.inH + y) * u.inW + x) * u.inC + c;
}`;

/**
 * conv2d as an implicit GEMM: out[M = b·oy·ox, N = outC] = patches(x)[M, K = fy·fx·inC] · filter[K, N],
 * the patch values gathered in the tile load, with the fused bias + activation in the store.
 * @example conv2d(host, x, filter, info, { bias, activation: 'relu' })
 */
export function conv2d(
  host: GpuProgramHost,
  x: TensorInfo,
  filter: TensorInfo,
  info: Conv2DInfo,
  epilogue?: Epilogue,
): DataId {
  checkFloat('conv2d', x, filter);
  // 4 consecutive K share a tap when inC % 4 == 0, so they are 4 contiguous channels of one pixel
  const vecX = info.inC % 4 === 0;
  const vecF = info.outC % 4 === 0;
  const scalarA = `var v = ${V}();
  for (var j = 0; j < 4; j++) {
    let kk = k + j;
    if (kk < u.K) { let at = imageAt(p, kk / u.inC, kk % u.inC); if (at >= 0) { v[j] = X[at]; } }
  }
  return v;`;
  return runGemm(
    host,
    {
      key: `conv2d:${vecX}:${vecF}`,
      type: 'f32',
      m: info.batch * info.outH * info.outW,
      n: info.outC,
      k: info.filterH * info.filterW * info.inC,
      batch: 1,
      inputs: [x, filter],
      declarations: `${binding('X', 0, vecX)}\n${binding('F', 1, vecF)}\n${HELPERS}`,
      fields: GEOMETRY,
      fieldValues: geometryValues(info),
      a: {
        along: 'k',
        fn: `fn loadA(off: i32, r: i32, k: i32) -> ${V} {
  if (r >= u.M || k >= u.K) { return ${V}(); }
  let p = pixel(r);
  ${
    vecX
      ? `let at = imageAt(p, k / u.inC, k % u.inC);
  if (at < 0) { return ${V}(); }
  return X[at / 4];`
      : scalarA
  }
}`,
      },
      b: {
        along: 'mn',
        fn: `fn loadB(off: i32, k: i32, c: i32) -> ${V} {
  if (c >= u.N || k >= u.K) { return ${V}(); }
  ${vec4Load('F', 'f32', vecF, 'k * u.N + c', 'c + j < u.N')}
}`,
      },
      epilogue,
    },
    'conv2d',
  );
}

/**
 * The input gradient as an implicit GEMM gathering, for each input pixel, the output pixels whose
 * windows cover it: dx[M = b·y·x, N = inC] = dyTaps[M, K = fy·fx·outC] · filterᵀ[K, N], where
 * dyTaps is dy at oy = (y + padTop - fy·dilation) / stride when that division is exact and in range.
 * No scatter and no atomics, so the result is deterministic.
 * @example conv2dBackpropInput(host, dy, filter, info)
 */
export function conv2dBackpropInput(
  host: GpuProgramHost,
  dy: TensorInfo,
  filter: TensorInfo,
  info: Conv2DInfo,
): DataId {
  checkFloat('conv2dBackpropInput', dy, filter);
  const vec = info.outC % 4 === 0;
  // dy's flat index of (input pixel r, tap, output channel oc), or -1 when no output pixel uses it
  const helpers = `fn dyAt(r: i32, tap: i32, oc: i32) -> i32 {
  let x = r % u.inW; let t = r / u.inW; let y = t % u.inH; let b = t / u.inH;
  let ty = y + u.padT - (tap / u.fW) * u.dH;
  let tx = x + u.padL - (tap % u.fW) * u.dW;
  if (ty < 0 || tx < 0 || ty % u.sH != 0 || tx % u.sW != 0) { return -1; }
  let oy = ty / u.sH; let ox = tx / u.sW;
  if (oy >= u.outH || ox >= u.outW) { return -1; }
  return ((b * u.outH + oy) * u.outW + ox) * u.outC + oc;
}`;
  const scalarA = `var v = ${V}();
  for (var j = 0; j < 4; j++) {
    let kk = k + j;
    if (kk < u.K) { let at = dyAt(r, kk / u.outC, kk % u.outC); if (at >= 0) { v[j] = DY[at]; } }
  }
  return v;`;
  const scalarB = `var v = ${V}();
  for (var j = 0; j < 4; j++) {
    let kk = k + j;
    if (kk < u.K) { v[j] = F[((kk / u.outC) * u.inC + c) * u.outC + kk % u.outC]; }
  }
  return v;`;
  return runGemm(
    host,
    {
      key: `conv2dBackpropInput:${vec}`,
      type: 'f32',
      m: info.batch * info.inH * info.inW,
      n: info.inC,
      k: info.filterH * info.filterW * info.outC,
      batch: 1,
      inputs: [dy, filter],
      declarations: `${binding('DY', 0, vec)}\n${binding('F', 1, vec)}\n${helpers}`,
      fields: GEOMETRY,
      fieldValues: geometryValues(info),
      a: {
        along: 'k',
        fn: `fn loadA(off: i32, r: i32, k: i32) -> ${V} {
  if (r >= u.M || k >= u.K) { return ${V}(); }
  ${
    vec
      ? `let at = dyAt(r, k / u.outC, k % u.outC);
  if (at < 0) { return ${V}(); }
  return DY[at / 4];`
      : scalarA
  }
}`,
      },
      // B[k = (tap, oc), c] = filter[tap, c, oc]: 4 consecutive k are 4 contiguous output channels
      b: {
        along: 'k',
        fn: `fn loadB(off: i32, k: i32, c: i32) -> ${V} {
  if (c >= u.N || k >= u.K) { return ${V}(); }
  ${vec ? `return F[(((k / u.outC) * u.inC + c) * u.outC + k % u.outC) / 4];` : scalarB}
}`,
      },
    },
    'conv2dBackpropInput',
  );
}

/**
 * The filter gradient as an implicit GEMM: dfilter[M = fy·fx·inC, N = outC] =
 * patches(x)ᵀ[M, K = b·oy·ox] · dy[K, N], the patches gathered in the tile load.
 * @example conv2dBackpropFilter(host, x, dy, info)
 */
export function conv2dBackpropFilter(
  host: GpuProgramHost,
  x: TensorInfo,
  dy: TensorInfo,
  info: Conv2DInfo,
): DataId {
  checkFloat('conv2dBackpropFilter', x, dy);
  // 4 consecutive rows are 4 contiguous channels of one tap when inC % 4 == 0
  const vecX = info.inC % 4 === 0;
  const vecDy = info.outC % 4 === 0;
  const scalarA = `var v = ${V}();
  for (var j = 0; j < 4; j++) {
    let rr = r + j;
    if (rr < u.M) { let at = imageAt(p, rr / u.inC, rr % u.inC); if (at >= 0) { v[j] = X[at]; } }
  }
  return v;`;
  return runGemm(
    host,
    {
      key: `conv2dBackpropFilter:${vecX}:${vecDy}`,
      type: 'f32',
      m: info.filterH * info.filterW * info.inC,
      n: info.outC,
      k: info.batch * info.outH * info.outW,
      batch: 1,
      inputs: [x, dy],
      declarations: `${binding('X', 0, vecX)}\n${binding('DY', 1, vecDy)}\n${HELPERS}`,
      fields: GEOMETRY,
      fieldValues: geometryValues(info),
      a: {
        along: 'mn',
        fn: `fn loadA(off: i32, r: i32, k: i32) -> ${V} {
  if (r >= u.M || k >= u.K) { return ${V}(); }
  let p = pixel(k);
  ${
    vecX
      ? `let at = imageAt(p, r / u.inC, r % u.inC);
  if (at < 0) { return ${V}(); }
  return X[at / 4];`
      : scalarA
  }
}`,
      },
      b: {
        along: 'mn',
        fn: `fn loadB(off: i32, k: i32, c: i32) -> ${V} {
  if (c >= u.N || k >= u.K) { return ${V}(); }
  ${vec4Load('DY', 'f32', vecDy, 'k * u.N + c', 'c + j < u.N')}
}`,
      },
    },
    'conv2dBackpropFilter',
  );
}

/** Threads per workgroup of the direct depthwise kernels. */
const WG = 64;

/** Common opening of the depthwise programs: two float inputs, the output, the geometry uniforms. */
function depthwiseHead(a: string, b: string): string {
  return `@group(0) @binding(0) var<storage, read> ${a}: array<f32>;
@group(0) @binding(1) var<storage, read> ${b}: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
struct U { size: i32, h1: i32, h2: i32, h3: i32, ${GEOMETRY} }
@group(0) @binding(3) var<uniform> u: U;`;
}

function depthwiseUniforms(size: number, info: Conv2DInfo): Int32Array {
  const words = new Int32Array(4 + 16);
  words[0] = size;
  words.set(geometryValues(info), 4);
  return words;
}

/**
 * Depthwise conv, a thread per output: out[b, oy, ox, c·m + q] = Σ taps x[b, y, x, c] · filter[fy, fx, c, q].
 * @example depthwiseConv2d(host, x, filter, info)
 */
export function depthwiseConv2d(
  host: GpuProgramHost,
  x: TensorInfo,
  filter: TensorInfo,
  info: Conv2DInfo,
): DataId {
  checkFloat('depthwiseConv2d', x, filter);
  const cOut = info.inC * info.channelMultiplier;
  const size = info.batch * info.outH * info.outW * cOut;
  const wgsl = `${depthwiseHead('X', 'F')}
${main1D(WG)}
  let g = i32(i);
  if (g >= u.size) { return; }
  let cOut = u.inC * u.mult;
  let co = g % cOut; let pix = g / cOut;
  let ox = pix % u.outW; let t = pix / u.outW; let oy = t % u.outH; let b = t / u.outH;
  let c = co / u.mult;
  var acc = 0.0;
  for (var fy = 0; fy < u.fH; fy++) {
    let y = oy * u.sH - u.padT + fy * u.dH;
    if (y < 0 || y >= u.inH) { continue; }
    for (var fx = 0; fx < u.fW; fx++) {
      let x = ox * u.sW - u.padL + fx * u.dW;
      if (x < 0 || x >= u.inW) { continue; }
      acc += X[((b * u.inH + y) * u.inW + x) * u.inC + c] * F[(fy * u.fW + fx) * cOut + co];
    }
  }
  out[g] = acc;
}`;
  return host.dispatch({
    key: 'depthwiseConv2d',
    wgsl,
    inputs: [x, filter],
    output: { dtype: 'float32', size },
    uniforms: depthwiseUniforms(size, info),
    dispatch: dispatch1D(size, WG),
  });
}

/**
 * Depthwise input gradient, a thread per input element gathering the outputs whose windows hold it:
 * dx[b, y, x, c] = Σ taps Σ q dy[b, oy, ox, c·m + q] · filter[fy, fx, c, q].
 * @example depthwiseConv2dBackpropInput(host, dy, filter, info)
 */
export function depthwiseConv2dBackpropInput(
  host: GpuProgramHost,
  dy: TensorInfo,
  filter: TensorInfo,
  info: Conv2DInfo,
): DataId {
  checkFloat('depthwiseConv2dBackpropInput', dy, filter);
  const size = info.batch * info.inH * info.inW * info.inC;
  const wgsl = `${depthwiseHead('DY', 'F')}
${main1D(WG)}
  let g = i32(i);
  if (g >= u.size) { return; }
  let cOut = u.inC * u.mult;
  let c = g % u.inC; let pix = g / u.inC;
  let x = pix % u.inW; let t = pix / u.inW; let y = t % u.inH; let b = t / u.inH;
  var acc = 0.0;
  for (var fy = 0; fy < u.fH; fy++) {
    let ty = y + u.padT - fy * u.dH;
    if (ty < 0 || ty % u.sH != 0 || ty / u.sH >= u.outH) { continue; }
    for (var fx = 0; fx < u.fW; fx++) {
      let tx = x + u.padL - fx * u.dW;
      if (tx < 0 || tx % u.sW != 0 || tx / u.sW >= u.outW) { continue; }
      let o = ((b * u.outH + ty / u.sH) * u.outW + tx / u.sW) * cOut + c * u.mult;
      let f = (fy * u.fW + fx) * cOut + c * u.mult;
      var s = 0.0;
      for (var q = 0; q < u.mult; q++) { s += DY[o + q] * F[f + q]; }
      acc += s;
    }
  }
  out[g] = acc;
}`;
  return host.dispatch({
    key: 'depthwiseConv2dBackpropInput',
    wgsl,
    inputs: [dy, filter],
    output: { dtype: 'float32', size },
    uniforms: depthwiseUniforms(size, info),
    dispatch: dispatch1D(size, WG),
  });
}

/**
 * Depthwise filter gradient, a workgroup per filter element: its threads stride over the output
 * pixels, then a tree sum in workgroup memory (fixed order, so deterministic):
 * dfilter[fy, fx, c, q] = Σ pixels x[b, y, x, c] · dy[b, oy, ox, c·m + q].
 * @example depthwiseConv2dBackpropFilter(host, x, dy, info)
 */
export function depthwiseConv2dBackpropFilter(
  host: GpuProgramHost,
  x: TensorInfo,
  dy: TensorInfo,
  info: Conv2DInfo,
): DataId {
  checkFloat('depthwiseConv2dBackpropFilter', x, dy);
  const size = info.filterH * info.filterW * info.inC * info.channelMultiplier;
  const wgsl = `${depthwiseHead('X', 'DY')}
var<workgroup> part: array<f32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let lane = i32(lid.x);
  let cOut = u.inC * u.mult;
  let pixels = u.nb * u.outH * u.outW;
  // x walks the filter elements, so any filter size fits the 65535 dispatch limit
  for (var g = i32(wid.x); g < u.size; g += i32(nwg.x)) {
    let co = g % cOut; let tap = g / cOut;
    let fy = tap / u.fW; let fx = tap % u.fW; let c = co / u.mult;
    var acc = 0.0;
    for (var p = lane; p < pixels; p += ${WG}) {
      let ox = p % u.outW; let t = p / u.outW; let oy = t % u.outH; let b = t / u.outH;
      let y = oy * u.sH - u.padT + fy * u.dH;
      let x = ox * u.sW - u.padL + fx * u.dW;
      if (y >= 0 && y < u.inH && x >= 0 && x < u.inW) {
        acc += X[((b * u.inH + y) * u.inW + x) * u.inC + c] * DY[p * cOut + co];
      }
    }
    part[lane] = acc;
    workgroupBarrier();
    for (var half = ${WG / 2}; half > 0; half = half / 2) {
      if (lane < half) { part[lane] += part[lane + half]; }
      workgroupBarrier();
    }
    if (lane == 0) { out[g] = part[0]; }
    workgroupBarrier();
  }
}`;
  return host.dispatch({
    key: 'depthwiseConv2dBackpropFilter',
    wgsl,
    inputs: [x, dy],
    output: { dtype: 'float32', size },
    uniforms: depthwiseUniforms(size, info),
    dispatch: [Math.min(size, MAX_WORKGROUPS_PER_DIM), size > 0 ? 1 : 0, 1],
  });
}

/** The convolution kernels of the WebGPU table. @example GPU_CONV.conv2d(host, [x, w], { info, activation: 'relu' }) */
export const GPU_CONV = {
  conv2d: (h, inputs, a) =>
    conv2d(h, inputs[0], inputs[1], a.info, epilogueOf(inputs, a.activation)),
  conv2dBackpropInput: (h, [dy, w], a) => conv2dBackpropInput(h, dy, w, a.info),
  conv2dBackpropFilter: (h, [x, dy], a) => conv2dBackpropFilter(h, x, dy, a.info),
  depthwiseConv2d: (h, [x, w], a) => depthwiseConv2d(h, x, w, a.info),
  depthwiseConv2dBackpropInput: (h, [dy, w], a) => depthwiseConv2dBackpropInput(h, dy, w, a.info),
  depthwiseConv2dBackpropFilter: (h, [x, dy], a) => depthwiseConv2dBackpropFilter(h, x, dy, a.info),
} satisfies SomeHostKernels<GpuProgramHost>;
