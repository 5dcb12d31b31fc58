// WebGPU reductions: reduced axes moved innermost by a strided copy, then one workgroup per output row
// reduces its row by a tree in workgroup memory; argMax/argMin the same on (value, index) pairs; cumulative
// sums and products scan each column in one thread.
import type { DType } from '../../core/dtype.js';
import { sizeOf, stridesOf } from '../../core/shape.js';
import type { DataId, ReduceOp, TensorInfo } from '../backend.js';
import { copyStrided } from './movement.js';
import {
  dispatch1D,
  type GpuProgramHost,
  main1D,
  MAX_WORKGROUPS_PER_DIM,
  uniformDecl,
  wgslType,
} from './program.js';
import type { SomeHostKernels } from '../kernel_table.js';

/** Threads per row's workgroup (the fused reduction uses the same tree). @example const part = `array<f32, ${REDUCE_WG}>`; */
export const REDUCE_WG = 64;
const WG = REDUCE_WG;

/** x with `axes` moved last, as [outer, inner] rows; `temp` is set when a copy was made (free it). */
function rowsWithAxesLast(
  host: GpuProgramHost,
  x: TensorInfo,
  axes: readonly number[],
): { rows: TensorInfo; outer: number; inner: number; temp: DataId | null } {
  const rest = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const inner = sizeOf(axes.map((a) => x.shape[a]));
  const outer = sizeOf(rest.map((a) => x.shape[a]));
  const tail = axes.every((a, i) => a === x.shape.length - axes.length + i);
  if (tail) return { rows: x, outer, inner, temp: null };
  const perm = [...rest, ...axes];
  const base = stridesOf(x.shape);
  const shape = perm.map((p) => x.shape[p]);
  const id = copyStrided(
    host,
    x,
    shape,
    0,
    perm.map((p) => base[p]),
  );
  return { rows: { dataId: id, shape, dtype: x.dtype }, outer, inner, temp: id };
}

/**
 * Workgroups [x, y] covering `rows` (one per row), folded so x stays within the limit.
 * @example rowDispatch(100) // [100, 1, 1]
 */
export function rowDispatch(rows: number): [number, number, number] {
  if (rows <= MAX_WORKGROUPS_PER_DIM) return [rows, 1, 1];
  const y = Math.ceil(rows / MAX_WORKGROUPS_PER_DIM);
  return [Math.ceil(rows / y), y, 1];
}

/**
 * WGSL of a row-per-workgroup main (64 threads): declares `row`, `lid`, `outer` and `inner` (uniforms
 * 0 and 1); the softmax kernel shares it. @example `${ROW_MAIN}\n  if (row >= outer) { return; }\n}`
 */
export const ROW_MAIN = `@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  let outer = uu(0u);
  let inner = uu(1u);`;

/**
 * The bit patterns `combiner`'s f32 max/min and identities use (with an `isnan_`, ISNAN in
 * elementwise.ts, declared beside them).
 * NOTE: NaN and infinities are not constant-expressions in WGSL; private variables are not folded.
 * @example const wgsl = `${REDUCE_BITS}\n${ISNAN}`;
 */
export const REDUCE_BITS = `var<private> NAN_BITS: u32 = 0x7fc00000u;
var<private> INF_BITS: u32 = 0x7f800000u;
var<private> NEG_INF_BITS: u32 = 0xff800000u;`;
const NAN_TEST = `${REDUCE_BITS}
fn isnan_(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }`;

/**
 * Accumulation of each op in type `t`: identity and combine(a, b). NaN propagates through max/min.
 * @example combiner('sum', 'f32') // { identity: '0.0', combine: 'a + b' }
 */
export function combiner(op: ReduceOp, t: string): { identity: string; combine: string } {
  const f = t === 'f32';
  switch (op) {
    case 'sum':
      return { identity: f ? '0.0' : '0', combine: 'a + b' };
    case 'prod':
      return { identity: f ? '1.0' : '1', combine: 'a * b' };
    case 'max':
      return f
        ? {
            identity: 'bitcast<f32>(NEG_INF_BITS)',
            combine: 'select(max(a, b), bitcast<f32>(NAN_BITS), isnan_(a) || isnan_(b))',
          }
        : { identity: '-2147483647 - 1', combine: 'max(a, b)' };
    case 'min':
      return f
        ? {
            identity: 'bitcast<f32>(INF_BITS)',
            combine: 'select(min(a, b), bitcast<f32>(NAN_BITS), isnan_(a) || isnan_(b))',
          }
        : { identity: '2147483647', combine: 'min(a, b)' };
    case 'any':
      return { identity: '0u', combine: 'a | b' };
    case 'all':
      return { identity: '1u', combine: 'a & b' };
    default:
      return op satisfies never;
  }
}

/**
 * Reduces x over sorted `axes` (removed from the output). NaN semantics follow the CPU backend.
 * @example reduce(host, 'sum', x, [1], 'float32')
 */
export function reduce(
  host: GpuProgramHost,
  op: ReduceOp,
  x: TensorInfo,
  axes: readonly number[],
  outDtype: DType,
): DataId {
  const { rows, outer, inner, temp } = rowsWithAxesLast(host, x, axes);
  const stored = wgslType(x.dtype);
  const logical = op === 'any' || op === 'all';
  const acc = logical ? 'u32' : wgslType(outDtype);
  const out = wgslType(outDtype);
  const zero = stored === 'f32' ? '0.0' : stored === 'u32' ? '0u' : '0';
  const load = logical ? `select(0u, 1u, xs[k] != ${zero})` : `${acc}(xs[k])`;
  const { identity, combine } = combiner(op, acc);
  // An empty row gives the identity, as on the CPU; an int max/min of nothing is ToInt32(∓Infinity) = 0.
  const empty = acc === 'i32' && (op === 'max' || op === 'min') ? '0' : identity;
  const wgsl = `${NAN_TEST}
@group(0) @binding(0) var<storage, read> xs: array<${stored}>;
@group(0) @binding(1) var<storage, read_write> ys: array<${out}>;
${uniformDecl(2, 2)}
var<workgroup> part: array<${acc}, ${WG}>;
fn comb(a: ${acc}, b: ${acc}) -> ${acc} { return ${combine}; }
${ROW_MAIN}
  if (row >= outer) { return; }
  var r: ${acc} = ${identity};
  for (var j = lid; j < inner; j += ${WG}u) {
    let k = row * inner + j;
    r = comb(r, ${load});
  }
  part[lid] = r;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { part[lid] = comb(part[lid], part[lid + s]); }
    workgroupBarrier();
  }
  if (lid == 0u) { ys[row] = ${out}(select(part[0], ${empty}, inner == 0u)); }
}`;
  const id = host.dispatch({
    key: `reduce:${op}:${stored}:${out}`,
    wgsl,
    inputs: [rows],
    output: { dtype: outDtype, size: outer },
    uniforms: new Int32Array([outer, inner]),
    dispatch: rowDispatch(outer),
  });
  if (temp) host.free(temp);
  return id;
}

/**
 * Index of the largest (argMax) or smallest (argMin) entry along `axis`; the first NaN wins, ties take
 * the lower index.
 * @example argReduce(host, 'argMax', x, 1)
 */
export function argReduce(
  host: GpuProgramHost,
  op: 'argMax' | 'argMin',
  x: TensorInfo,
  axis: number,
): DataId {
  const { rows, outer, inner, temp } = rowsWithAxesLast(host, x, [axis]);
  const t = wgslType(x.dtype);
  const nan = t === 'f32' ? 'isnan_' : 'nonan_';
  const cmp = op === 'argMax' ? '>' : '<';
  const wgsl = `${NAN_TEST}
fn nonan_(v: ${t}) -> bool { return false; }
@group(0) @binding(0) var<storage, read> xs: array<${t}>;
@group(0) @binding(1) var<storage, read_write> ys: array<i32>;
${uniformDecl(2, 2)}
var<workgroup> pv: array<${t}, ${WG}>;
var<workgroup> pi: array<u32, ${WG}>;
// Whether (v, i) beats (w, j): a NaN beats any number, then the better value, then the lower index.
fn beats(v: ${t}, i: u32, w: ${t}, j: u32) -> bool {
  let nv = ${nan}(v);
  let nw = ${nan}(w);
  if (nv || nw) { return nv && (!nw || i < j); }
  return v ${cmp} w || (v == w && i < j);
}
${ROW_MAIN}
  if (row >= outer) { return; }
  var bi = 0xffffffffu;
  var bv: ${t};
  for (var j = lid; j < inner; j += ${WG}u) {
    let v = xs[row * inner + j];
    if (bi == 0xffffffffu || beats(v, j, bv, bi)) { bv = v; bi = j; }
  }
  pv[lid] = bv;
  pi[lid] = bi;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s && pi[lid + s] != 0xffffffffu &&
        (pi[lid] == 0xffffffffu || beats(pv[lid + s], pi[lid + s], pv[lid], pi[lid]))) {
      pv[lid] = pv[lid + s];
      pi[lid] = pi[lid + s];
    }
    workgroupBarrier();
  }
  if (lid == 0u) { ys[row] = select(i32(pi[0]), 0, pi[0] == 0xffffffffu); }
}`;
  const id = host.dispatch({
    key: `argReduce:${op}:${t}`,
    wgsl,
    inputs: [rows],
    output: { dtype: 'int32', size: outer },
    uniforms: new Int32Array([outer, inner]),
    dispatch: rowDispatch(outer),
  });
  if (temp) host.free(temp);
  return id;
}

/**
 * Cumulative sum or product along `axis`; one thread scans each column in order (as the CPU does).
 * @example cumulative(host, 'sum', x, 0, false, false)
 */
export function cumulative(
  host: GpuProgramHost,
  op: 'sum' | 'prod',
  x: TensorInfo,
  axis: number,
  exclusive: boolean,
  reverse: boolean,
): DataId {
  const t = wgslType(x.dtype);
  const n = x.shape[axis];
  const inner = sizeOf(x.shape.slice(axis + 1));
  const outer = sizeOf(x.shape.slice(0, axis));
  const columns = outer * inner;
  const init = op === 'sum' ? '0' : '1';
  const combine = op === 'sum' ? 'acc + v' : 'acc * v';
  const wgsl = `@group(0) @binding(0) var<storage, read> xs: array<${t}>;
@group(0) @binding(1) var<storage, read_write> ys: array<${t}>;
${uniformDecl(2, 3)}
${main1D(WG)}
  if (i >= uu(0u)) { return; }
  let n = uu(1u);
  let inner = uu(2u);
  let base = (i / inner) * n * inner + i % inner;
  var acc: ${t} = ${t}(${init});
  for (var k = 0u; k < n; k++) {
    let j = base + ${reverse ? '(n - 1u - k)' : 'k'} * inner;
    let v = xs[j];
    ${exclusive ? `ys[j] = acc; acc = ${combine};` : `acc = ${combine}; ys[j] = acc;`}
  }
}`;
  return host.dispatch({
    key: `cumulative:${op}:${t}:${exclusive}:${reverse}`,
    wgsl,
    inputs: [x],
    output: { dtype: x.dtype, size: sizeOf(x.shape) },
    uniforms: new Int32Array([columns, n, inner]),
    dispatch: dispatch1D(columns, WG),
  });
}

/** The reduction kernels of the WebGPU table. @example GPU_REDUCE.argReduce(host, [x], { op: 'argMax', axis: 0 }) */
export const GPU_REDUCE = {
  reduce: (h, [x], a) => reduce(h, a.op, x, a.axes, a.dtype),
  argReduce: (h, [x], a) => argReduce(h, a.op, x, a.axis),
  cumulative: (h, [x], a) => cumulative(h, a.op, x, a.axis, a.exclusive, a.reverse),
} satisfies SomeHostKernels<GpuProgramHost>;
