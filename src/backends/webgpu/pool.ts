// WebGPU pooling, NHWC: max and average pooling a thread per output, their gradients a thread per input
// element gathering from the windows that hold it (no scatter, no atomics: deterministic).
import type { DataId, Pool2DInfo, TensorInfo } from '../backend.js';
import { scalarOf } from './gemm.js';
import { dispatch1D, main1D, type GpuProgramHost } from './program.js';
import type { SomeHostKernels } from '../kernel_table.js';

/** Threads per workgroup. */
const WG = 64;

const FIELDS =
  'size: i32, nb: i32, inH: i32, inW: i32, C: i32, outH: i32, outW: i32, fH: i32, fW: i32, ' +
  'sH: i32, sW: i32, padT: i32, padL: i32,';

function uniforms(size: number, i: Pool2DInfo): Int32Array {
  const words = [size, i.batch, i.inH, i.inW, i.channels, i.outH, i.outW, i.filterH, i.filterW];
  return Int32Array.from([...words, i.strideH, i.strideW, i.padTop, i.padLeft, 0, 0, 0]);
}

/** Bindings (inputs named in order, then `out`), the uniform block, and the window helpers. */
function head(inputs: readonly [string, string][], outType: string): string {
  const decl = inputs.map(
    ([name, type], at) => `@group(0) @binding(${at}) var<storage, read> ${name}: array<${type}>;`,
  );
  const n = inputs.length;
  return `${decl.join('\n')}
@group(0) @binding(${n}) var<storage, read_write> out: array<${outType}>;
struct U { ${FIELDS} }
@group(0) @binding(${n + 1}) var<uniform> u: U;
// the window of output (oy, ox) clipped to the image: [y0, y1) x [x0, x1)
fn win(oy: i32, ox: i32) -> vec4<i32> {
  let ys = oy * u.sH - u.padT; let xs = ox * u.sW - u.padL;
  return vec4<i32>(max(ys, 0), min(ys + u.fH, u.inH), max(xs, 0), min(xs + u.fW, u.inW));
}
// the outputs whose windows hold input (y, x): rows [r.x, r.y], columns [r.z, r.w] (empty when x > y)
fn covering(y: i32, x: i32) -> vec4<i32> {
  let ty = y + u.padT - u.fH + 1; let tx = x + u.padL - u.fW + 1;
  let oy0 = select(0, (ty + u.sH - 1) / u.sH, ty > 0);
  let ox0 = select(0, (tx + u.sW - 1) / u.sW, tx > 0);
  return vec4<i32>(oy0, min((y + u.padT) / u.sH, u.outH - 1), ox0, min((x + u.padL) / u.sW, u.outW - 1));
}`;
}

/** The max update rule of the cpu kernels in WGSL: larger wins, and NaN wins over a number. */
function greater(type: 'f32' | 'i32'): string {
  if (type === 'i32') return 'fn beats(v: i32, m: i32) -> bool { return v > m; }';
  // NaN tested on the bits: a shader compiler may assume v != v is false
  return `fn nan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }
fn beats(v: f32, m: f32) -> bool { return v > m || (nan(v) && !nan(m)); }`;
}

/** Opening of a thread-per-output body: g, the channel c, output pixel (b, oy, ox) and its window w. */
const PER_OUTPUT = `  let g = i32(i);
  if (g >= u.size) { return; }
  let c = g % u.C; let pix = g / u.C;
  let ox = pix % u.outW; let t = pix / u.outW; let oy = t % u.outH; let b = t / u.outH;
  let img = b * u.inH * u.inW;
  let w = win(oy, ox);`;

/** Opening of a thread-per-input body: g, the channel c, input pixel (b, y, x) and its windows r. */
const PER_INPUT = `  let g = i32(i);
  if (g >= u.size) { return; }
  let c = g % u.C; let pix = g / u.C;
  let x = pix % u.inW; let t = pix / u.inW; let y = t % u.inH; let b = t / u.inH;
  let img = b * u.inH * u.inW;
  let r = covering(y, x);`;

/**
 * Max over each window, keeping x's dtype; NaN wins as in the reductions.
 * @example maxPool(host, x, info)
 */
export function maxPool(host: GpuProgramHost, x: TensorInfo, info: Pool2DInfo): DataId {
  const T = scalarOf(x.dtype, 'maxPool');
  const size = info.batch * info.outH * info.outW * info.channels;
  const wgsl = `${head([['X', T]], T)}
${greater(T)}
${main1D(WG)}
${PER_OUTPUT}
  var m = X[((img + w.x * u.inW + w.z) * u.C) + c];
  for (var yy = w.x; yy < w.y; yy++) {
    for (var xx = w.z; xx < w.w; xx++) {
      let v = X[(img + yy * u.inW + xx) * u.C + c];
      if (beats(v, m)) { m = v; }
    }
  }
  out[g] = m;
}`;
  return host.dispatch({
    key: `maxPool:${T}`,
    wgsl,
    inputs: [x],
    output: { dtype: x.dtype, size },
    uniforms: uniforms(size, info),
    dispatch: dispatch1D(size, WG),
  });
}

/**
 * dy of each window goes to its first maximum in row-major window order (the cpu kernel's tie rule):
 * each input element re-finds the winner of every window holding it and sums the dy of those it wins,
 * in output order.
 * @example maxPoolGrad(host, dy, x, info)
 */
export function maxPoolGrad(
  host: GpuProgramHost,
  dy: TensorInfo,
  x: TensorInfo,
  info: Pool2DInfo,
): DataId {
  const T = scalarOf(x.dtype, 'maxPoolGrad');
  const size = info.batch * info.inH * info.inW * info.channels;
  const wgsl = `${head(
    [
      ['DY', 'f32'],
      ['X', T],
    ],
    'f32',
  )}
${greater(T)}
${main1D(WG)}
${PER_INPUT}
  let me = (img + y * u.inW + x) * u.C + c;
  var acc = 0.0;
  for (var oy = r.x; oy <= r.y; oy++) {
    for (var ox = r.z; ox <= r.w; ox++) {
      let w = win(oy, ox);
      var best = (img + w.x * u.inW + w.z) * u.C + c;
      var m = X[best];
      for (var yy = w.x; yy < w.y; yy++) {
        for (var xx = w.z; xx < w.w; xx++) {
          let at = (img + yy * u.inW + xx) * u.C + c;
          let v = X[at];
          if (beats(v, m)) { m = v; best = at; }
        }
      }
      if (best == me) { acc += DY[((b * u.outH + oy) * u.outW + ox) * u.C + c]; }
    }
  }
  out[g] = acc;
}`;
  return host.dispatch({
    key: `maxPoolGrad:${T}`,
    wgsl,
    inputs: [dy, x],
    output: { dtype: 'float32', size },
    uniforms: uniforms(size, info),
    dispatch: dispatch1D(size, WG),
  });
}

/**
 * Mean over the real elements of each window (padding not counted, TF's 'same' average), float32.
 * @example avgPool(host, x, info)
 */
export function avgPool(host: GpuProgramHost, x: TensorInfo, info: Pool2DInfo): DataId {
  const T = scalarOf(x.dtype, 'avgPool');
  const size = info.batch * info.outH * info.outW * info.channels;
  const wgsl = `${head([['X', T]], 'f32')}
${main1D(WG)}
${PER_OUTPUT}
  var s = 0.0;
  for (var yy = w.x; yy < w.y; yy++) {
    for (var xx = w.z; xx < w.w; xx++) { s += f32(X[(img + yy * u.inW + xx) * u.C + c]); }
  }
  out[g] = s / f32((w.y - w.x) * (w.w - w.z));
}`;
  return host.dispatch({
    key: `avgPool:${T}`,
    wgsl,
    inputs: [x],
    output: { dtype: 'float32', size },
    uniforms: uniforms(size, info),
    dispatch: dispatch1D(size, WG),
  });
}

/**
 * Each window's dy / count, gathered by every real element of the window.
 * @example avgPoolGrad(host, dy, info)
 */
export function avgPoolGrad(host: GpuProgramHost, dy: TensorInfo, info: Pool2DInfo): DataId {
  const size = info.batch * info.inH * info.inW * info.channels;
  const wgsl = `${head([['DY', 'f32']], 'f32')}
${main1D(WG)}
${PER_INPUT}
  var acc = 0.0;
  for (var oy = r.x; oy <= r.y; oy++) {
    for (var ox = r.z; ox <= r.w; ox++) {
      let w = win(oy, ox);
      let count = f32((w.y - w.x) * (w.w - w.z));
      acc += DY[((b * u.outH + oy) * u.outW + ox) * u.C + c] / count;
    }
  }
  out[g] = acc;
}`;
  return host.dispatch({
    key: 'avgPoolGrad',
    wgsl,
    inputs: [dy],
    output: { dtype: 'float32', size },
    uniforms: uniforms(size, info),
    dispatch: dispatch1D(size, WG),
  });
}

/** The pooling kernels of the WebGPU table. @example GPU_POOL.maxPool(host, [x], { info }) */
export const GPU_POOL = {
  maxPool: (h, [x], a) => maxPool(h, x, a.info),
  maxPoolGrad: (h, [dy, x], a) => maxPoolGrad(h, dy, x, a.info),
  avgPool: (h, [x], a) => avgPool(h, x, a.info),
  avgPoolGrad: (h, [dy], a) => avgPoolGrad(h, dy, a.info),
} satisfies SomeHostKernels<GpuProgramHost>;
