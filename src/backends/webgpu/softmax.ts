// The WebGPU softmax kernel: one workgroup per row finds the max, sums the exponentials and writes the quotients, in one dispatch.
//
// The arithmetic is softmaxComposed's (backends/composed.ts), which this replaces on webgpu (seven
// dispatches: max, isFinite, where, sub, exp, sum, div): the same WGSL expressions and NaN guards as
// those kernels, the max and the sum reduced in the reduce kernel's order (64 threads striding the
// row, then a tree), so the values are the composed kernels' (tested bitwise on SwiftShader).
import { BINARY, UNARY } from '../../core/elementwise_table.js';
import { sizeOf } from '../../core/shape.js';
import type { Backend, DataId, TensorInfo } from '../backend.js';
import { softmaxComposed } from '../composed.js';
import type { SomeHostKernels } from '../kernel_table.js';
import { binaryNanGuard, helpersFor, ISNAN, unaryNanGuard } from './elementwise.js';
import { type GpuProgramHost, uniformDecl } from './program.js';
import { ROW_MAIN, rowDispatch } from './reduce.js';

const WG = 64;

/** The shader: the elementwise table's sub, exp, isFinite and div, as their own kernels compute them. */
function shader(): string {
  const fns = `fn op_sub(a: f32, b: f32) -> f32 { ${binaryNanGuard(BINARY.sub, 'f32', false)}return ${BINARY.sub.wgsl}; }
fn op_div(a: f32, b: f32) -> f32 { ${binaryNanGuard(BINARY.div, 'f32', false)}return ${BINARY.div.wgsl}; }
fn op_exp(x: f32) -> f32 { ${unaryNanGuard(UNARY.exp, 'f32', false)}return ${UNARY.exp.wgsl}; }
fn op_finite(x: f32) -> bool { return ${UNARY.isFinite.wgsl}; }`;
  return `${helpersFor(fns)}
${ISNAN}
var<private> NEG_INF: u32 = 0xff800000u;
@group(0) @binding(0) var<storage, read> xs: array<f32>;
@group(0) @binding(1) var<storage, read_write> ys: array<f32>;
${uniformDecl(2, 2)}
var<workgroup> part: array<f32, ${WG}>;
${fns}
// max as the reduce kernel's: NaN if either is NaN
fn vmax(a: f32, b: f32) -> f32 { return select(max(a, b), bitcast<f32>(GUARD_NAN), isnan_(a) || isnan_(b)); }
${ROW_MAIN}
  if (row >= outer) { return; }
  let base = row * inner;
  var r = bitcast<f32>(NEG_INF);
  for (var j = lid; j < inner; j += ${WG}u) { r = vmax(r, xs[base + j]); }
  part[lid] = r;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { part[lid] = vmax(part[lid], part[lid + s]); }
    workgroupBarrier();
  }
  let m = part[0];
  // a row whose max is infinite or NaN shifts by 0 (composed: where(isFinite(m), m, 0))
  let shift = select(0.0, m, op_finite(m));
  workgroupBarrier();
  var t = 0.0;
  for (var j = lid; j < inner; j += ${WG}u) { t = t + op_exp(op_sub(xs[base + j], shift)); }
  part[lid] = t;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { part[lid] = part[lid] + part[lid + s]; }
    workgroupBarrier();
  }
  let total = part[0];
  for (var j = lid; j < inner; j += ${WG}u) {
    ys[base + j] = op_div(op_exp(op_sub(xs[base + j], shift)), total);
  }
}`;
}

let wgsl: string | null = null;

/**
 * softmax over the last axis of a float32 tensor in one dispatch (other dtypes: the composed kernels).
 * @example const id = softmax(host, { dataId, shape: [128, 10], dtype: 'float32' });
 */
export function softmax(host: GpuProgramHost & Backend, x: TensorInfo): DataId {
  const n = sizeOf(x.shape);
  const inner = x.shape.length ? x.shape[x.shape.length - 1] : 1;
  if (x.dtype !== 'float32' || n === 0 || inner === 0) return softmaxComposed(host, x);
  const outer = n / inner;
  wgsl ??= shader();
  return host.dispatch({
    key: 'softmax:f32',
    wgsl,
    inputs: [x],
    output: { dtype: 'float32', size: n },
    uniforms: new Int32Array([outer, inner]),
    dispatch: rowDispatch(outer),
  });
}

/** The softmax kernel of the WebGPU table. @example GPU_SOFTMAX.softmax(host, [x], {}) */
export const GPU_SOFTMAX = {
  softmax: (h, [x]) => softmax(h, x),
} satisfies SomeHostKernels<GpuProgramHost & Backend>;
