// The WebGPU 'fusedReduce' kernel: one workgroup per output of the reduction, its threads computing the fused program at the elements they reduce.
//
// The layout and the tree are the plain reduce kernel's (reduce.ts): output row r of the [outer, mid,
// inner] view is reduced by REDUCE_WG threads, thread t taking j = t, t + REDUCE_WG... in order, then
// a tree in workgroup memory. Each element is computed by exactly one thread, which also writes the
// program's other outputs there, so every value is computed once and the reduction equals the unfused
// reduce bitwise (the program's values are the 'fused' kernel's, the order of the sums the same).
import type { KernelAttrs } from '../../core/primitives.js';
import { programOutputs } from '../../core/fusion/program.js';
import { sizeOf } from '../../core/shape.js';
import type { DataId, TensorInfo } from '../backend.js';
import type { SomeHostKernels } from '../kernel_table.js';
import { ISNAN } from './elementwise.js';
import { programCode, programWords } from './fused.js';
import { type GpuProgramHost, packUniforms, uniformDecl, wgslType } from './program.js';
import { combiner, REDUCE_BITS, REDUCE_WG, rowDispatch } from './reduce.js';

/** Shader texts kept, by kernel key. */
const MAX_CACHED = 256;
const shaders = new Map<string, string>();

function shaderFor(
  key: string,
  attrs: KernelAttrs['fusedReduce'],
  words: number,
  constAt: number,
): string {
  const cached = shaders.get(key);
  if (cached) return cached;
  const { program, outShape, reduce: r } = attrs;
  const n = program.inputs.length;
  const { decls, fns, body } = programCode(program, outShape.length, constAt);
  const written = programOutputs(program);
  const logical = r.op === 'any' || r.op === 'all';
  const acc = logical ? 'u32' : wgslType(r.dtype);
  const out = wgslType(r.dtype);
  const stored = wgslType(program.steps[r.step].dtype);
  const zero = stored === 'f32' ? '0.0' : stored === 'u32' ? '0u' : '0';
  const v = `v${r.step}`;
  const load = logical ? `select(0u, 1u, ${v} != ${zero})` : `${acc}(${v})`;
  const { identity, combine } = combiner(r.op, acc);
  const at = words - 3;
  const outDecls = written.map(
    (j, k) =>
      `@group(0) @binding(${n + k}) var<storage, read_write> ys${k}: array<${wgslType(program.steps[j].dtype)}>;`,
  );
  const wgsl = `${REDUCE_BITS}
${decls}
${decls.includes('fn isnan_(') ? '' : ISNAN}
${outDecls.join('\n')}
@group(0) @binding(${n + written.length}) var<storage, read_write> red: array<${out}>;
${uniformDecl(n + written.length + 1, words)}
${fns}
var<workgroup> part: array<${acc}, ${REDUCE_WG}>;
fn comb(a: ${acc}, b: ${acc}) -> ${acc} { return ${combine}; }
fn element(i: u32) -> ${acc} {
${body}
${written.map((j, k) => `  ys${k}[i] = v${j};`).join('\n')}
  return ${load};
}
@compute @workgroup_size(${REDUCE_WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  let rows = uu(${at}u);
  let mid = uu(${at + 1}u);
  let inner = uu(${at + 2}u);
  if (row >= rows) { return; }
  let base = (row / inner) * mid * inner + row % inner;
  var r: ${acc} = ${identity};
  for (var j = lid; j < mid; j += ${REDUCE_WG}u) {
    r = comb(r, element(base + j * inner));
  }
  part[lid] = r;
  workgroupBarrier();
  for (var s = ${REDUCE_WG / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { part[lid] = comb(part[lid], part[lid + s]); }
    workgroupBarrier();
  }
  if (lid == 0u) { red[row] = ${out}(part[0]); }
}`;
  if (shaders.size >= MAX_CACHED) shaders.clear();
  shaders.set(key, wgsl);
  return wgsl;
}

/**
 * Runs a fused program and its reduction as one dispatch (see KernelAttrs['fusedReduce']); returns the
 * program's outputs, then the reduction.
 * @example const [y, s] = fusedReduce(host, [x], attrs);
 */
export function fusedReduce(
  host: GpuProgramHost,
  inputs: readonly TensorInfo[],
  attrs: KernelAttrs['fusedReduce'],
): DataId[] {
  const { program, constants, outShape, reduce: r } = attrs;
  const n = sizeOf(outShape);
  const rows = r.outer * r.inner;
  const { words, constAt } = programWords(program, inputs, constants, outShape);
  words.push(rows, r.mid, r.inner);
  const key = `fusedReduce:${program.key}:${r.op}:${r.step}:${r.dtype}:${outShape.length}`;
  const outs = programOutputs(program).map((j) => ({ dtype: program.steps[j].dtype, size: n }));
  const reduced = { dtype: r.dtype, size: rows };
  const [first, ...more] = [...outs, reduced];
  return host.dispatchMany({
    key,
    wgsl: shaderFor(key, attrs, words.length, constAt),
    inputs,
    output: first,
    moreOutputs: more,
    uniforms: packUniforms(words),
    dispatch: rowDispatch(rows),
  });
}

/** The fused reduction kernel of the WebGPU table. @example GPU_FUSED_REDUCE.fusedReduce(host, inputs, attrs) */
export const GPU_FUSED_REDUCE = {
  fusedReduce: (h, inputs, a) => fusedReduce(h, inputs, a),
} satisfies SomeHostKernels<GpuProgramHost>;
