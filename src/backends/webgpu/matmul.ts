// WebGPU matMul: operands and output as the shaders see them (batched with broadcast, strided views),
// run by the tiled GEMM of gemm.ts, or a one-row (GEMV) program for a single row.
import { BackendError } from '../../core/errors.js';
import type { Shape } from '../../core/shape.js';
import { matrixLayout, type StridedView } from '../../core/strided.js';
import type { DataId, Epilogue, TensorInfo } from '../backend.js';
import {
  epilogueWgsl,
  type GemmOperand,
  type GemmProgram,
  runGemm,
  scalarOf,
  vec4Load,
} from './gemm.js';
import { dispatch1D, main1D, type GpuProgramHost, type ProgramSpec } from './program.js';
import { epilogueOf, type SomeHostKernels } from '../kernel_table.js';

/** Batch dims of an operand against the output's, left-padded with 1s. */
function padBatch(shape: Shape, rank: number): number[] {
  const batch = shape.slice(0, -2);
  return [...new Array<number>(rank - batch.length).fill(1), ...batch];
}

/**
 * The output's batch dims with each operand's element stride per dim (0 where it broadcasts), size-1
 * dims dropped and runs of dims that both operands walk contiguously merged into one.
 * @example collapseBatch([2, 3], [[2, 3], [1, 3]], [12, 20]) // { shape: [2, 3], strides: [[36, 12], [0, 20]] }
 */
export function collapseBatch(
  outBatch: Shape,
  operands: readonly number[][],
  matrixSizes: readonly number[],
): { shape: number[]; strides: number[][] } {
  const strides = operands.map((dims, o) => contiguousStrides(dims, matrixSizes[o]));
  return collapseStrides(outBatch, strides);
}

/**
 * The output's batch dims with each operand's element stride per dim (given: 0 where it broadcasts),
 * size-1 dims dropped and runs of dims every operand walks evenly merged into one.
 * @example collapseStrides([2, 3], [[3, 1], [0, 0]]) // { shape: [6], strides: [[1], [0]] }
 */
export function collapseStrides(
  outBatch: Shape,
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const shape: number[] = [];
  const out: number[][] = strides.map(() => []);
  for (let d = 0; d < outBatch.length; d++) {
    if (outBatch[d] === 1) continue;
    const last = shape.length - 1;
    const mergeable = last >= 0 && strides.every((s, o) => out[o][last] === s[d] * outBatch[d]);
    if (mergeable) {
      shape[last] *= outBatch[d];
      strides.forEach((s, o) => (out[o][last] = s[d]));
    } else {
      shape.push(outBatch[d]);
      strides.forEach((s, o) => out[o].push(s[d]));
    }
  }
  return { shape, strides: out };
}

/** Most batch dims (after collapsing) the uniform block carries. */
const MAX_BATCH_RANK = 4;

/** How a matMul operand or its output lies in its buffer, for the shaders. */
interface GpuLayout {
  /** Element strides over the output's batch dims (0 where it broadcasts). */
  readonly strides: number[];
  /** Element offset of batch 0. */
  readonly base: number;
  /** op(X) row-major (its rows `ld` apart, columns contiguous), else column-major (columns `ld` apart). */
  readonly rowMajor: boolean;
  readonly ld: number;
  /** Every 4-run starts 16-byte aligned: vector loads are safe. */
  readonly vec: boolean;
}

/**
 * The layout of matMul operand `x` as op(X) [rows, cols] (op transposes when `trans`), read through
 * `view` when given (KernelAttrs['matMul'].views), else its contiguous buffer; batch strides over the
 * output's `nb` batch dims.
 */
function gpuLayout(
  x: TensorInfo,
  view: StridedView | null | undefined,
  trans: boolean,
  rows: number,
  cols: number,
  nb: number,
  name: string,
): GpuLayout {
  const batch = padBatch(x.shape, nb);
  const lead = nb - (x.shape.length - 2);
  if (!view) {
    const strides = contiguousStrides(batch, rows * cols);
    const ld = trans ? rows : cols;
    return { strides, base: 0, rowMajor: !trans, ld, vec: ld % 4 === 0 };
  }
  const layout = matrixLayout(x.shape, view);
  if (!layout)
    throw new BackendError(
      `webgpu matMul: the view of operand ${name} (strides [${view.strides.join(', ')}] over shape [${x.shape.join(', ')}]) is not a matrix with one unit stride`,
    );
  const strides = batch.map((d, i) => (i < lead || d === 1 ? 0 : view.strides[i - lead]));
  // op(X)(i, j) is at i·ri + j·cj
  const [ri, cj] = trans
    ? [layout.colStride, layout.rowStride]
    : [layout.rowStride, layout.colStride];
  const rowMajor = cj === 1;
  const ld = rowMajor ? ri : cj;
  const vec = ld % 4 === 0 && view.offset % 4 === 0 && strides.every((st) => st % 4 === 0);
  return { strides, base: view.offset, rowMajor, ld, vec };
}

/** Element strides of contiguous matrices of `size` elements over batch dims (0 where a dim is 1). */
function contiguousStrides(batch: readonly number[], size: number): number[] {
  const out = new Array<number>(batch.length).fill(0);
  let acc = size;
  for (let d = batch.length - 1; d >= 0; d--) {
    out[d] = batch[d] === 1 ? 0 : acc;
    acc *= batch[d];
  }
  return out;
}

/**
 * Batched matmul on the GPU: out[..., m, n] = op(a) · op(b), batch dims broadcast, with an optional
 * fused bias + activation. Transposes are read in the tile loads; int32 accumulates exactly in i32
 * (wrapping as the cpu backend's double-then-int32 store does). `views` read an operand through a
 * strided view of its buffer and `outView` writes C through one (KernelAttrs['matMul']): the same
 * sums in the same order, so bitwise the product of contiguous copies.
 * @example matMul(host, a, b, false, true, [2, 4, 4])
 */
export function matMul(
  host: GpuProgramHost,
  a: TensorInfo,
  b: TensorInfo,
  transA: boolean,
  transB: boolean,
  outShape: Shape,
  epilogue?: Epilogue,
  views?: readonly [StridedView | null, StridedView | null],
  outView?: StridedView,
): DataId {
  const type = scalarOf(a.dtype, 'matMul');
  if (b.dtype !== a.dtype)
    throw new BackendError(
      `webgpu matMul: operands must share a dtype, received '${a.dtype}' and '${b.dtype}'`,
    );
  const rank = outShape.length;
  const m = outShape[rank - 2];
  const n = outShape[rank - 1];
  const k = transA ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
  const outBatch = outShape.slice(0, -2);
  const nb = outBatch.length;
  const la = gpuLayout(a, views?.[0], transA, m, k, nb, 'a');
  const lb = gpuLayout(b, views?.[1], transB, k, n, nb, 'b');
  let cStrides = contiguousStrides(outBatch, m * n);
  let cBase = 0;
  let ldc = n;
  if (outView) {
    const layout = matrixLayout(outShape, outView);
    if (!layout || layout.colStride !== 1)
      throw new BackendError(
        `webgpu matMul: the output view (strides [${outView.strides.join(', ')}] over shape [${outShape.join(', ')}]) does not write rows of unit stride`,
      );
    cStrides = outBatch.map((d, i) => (d === 1 ? 0 : outView.strides[i]));
    cBase = outView.offset;
    ldc = layout.rowStride;
  }
  const { shape, strides } = collapseStrides(outBatch, [la.strides, lb.strides, cStrides]);
  if (shape.length > MAX_BATCH_RANK)
    throw new BackendError(
      `webgpu matMul: batch dims broadcast in more than ${MAX_BATCH_RANK} alternating groups, received a ${JSON.stringify(a.shape)} and b ${JSON.stringify(b.shape)}`,
    );
  const lead = MAX_BATCH_RANK - shape.length;
  const fields = new Int32Array(24);
  for (let d = 0; d < MAX_BATCH_RANK; d++) {
    fields[d] = d < lead ? 1 : shape[d - lead];
    fields[4 + d] = d < lead ? 0 : strides[0][d - lead];
    fields[8 + d] = d < lead ? 0 : strides[1][d - lead];
    fields[12 + d] = d < lead ? 0 : strides[2][d - lead];
  }
  fields.set([la.base, lb.base, cBase, 0, la.ld, lb.ld, ldc, 0], 16);
  const batch = outBatch.reduce((p, d) => p * d, 1);
  const batchOffsets = `var rem = bat; var ao = 0; var bo = 0;
  for (var d = 3; d >= 0; d--) {
    let c = rem % u.oshape[d]; rem = rem / u.oshape[d];
    ao += c * u.astr[d]; bo += c * u.bstr[d];
  }
  return vec2<i32>(ao + u.base.x, bo + u.base.y);`;
  // C's place: row-major [batch, m, n] unless written through a view
  const cIndex = outView
    ? `var rem = bat; var co = u.base.z;
  for (var d = 3; d >= 0; d--) {
    let q = rem % u.oshape[d]; rem = rem / u.oshape[d];
    co += q * u.cstr[d];
  }
  return co + r * u.ld.z + c;`
    : undefined;
  const common = {
    type,
    m,
    n,
    k,
    batch,
    inputs: [a, b],
    fields:
      'oshape: vec4<i32>, astr: vec4<i32>, bstr: vec4<i32>, cstr: vec4<i32>, base: vec4<i32>, ld: vec4<i32>,',
    fieldValues: fields,
    batchOffsets,
    cIndex,
    epilogue,
  };
  if (m === 1) return gemv(host, common, la.rowMajor, lb.rowMajor);
  const vecA = la.vec;
  const vecB = lb.vec;
  const decl = (name: string, binding: number, vec: boolean) =>
    `@group(0) @binding(${binding}) var<storage, read> ${name}: array<${vec ? `vec4<${type}>` : type}>;`;
  const V = `vec4<${type}>`;
  const loadA: GemmOperand = la.rowMajor
    ? {
        along: 'k',
        fn: `fn loadA(off: i32, r: i32, k: i32) -> ${V} {
  if (r >= u.M || k >= u.K) { return ${V}(); }
  ${vec4Load('A', type, vecA, 'off + r * u.ld.x + k', 'k + j < u.K')}
}`,
      }
    : {
        along: 'mn',
        fn: `fn loadA(off: i32, r: i32, k: i32) -> ${V} {
  if (r >= u.M || k >= u.K) { return ${V}(); }
  ${vec4Load('A', type, vecA, 'off + k * u.ld.x + r', 'r + j < u.M')}
}`,
      };
  const loadB: GemmOperand = lb.rowMajor
    ? {
        along: 'mn',
        fn: `fn loadB(off: i32, k: i32, c: i32) -> ${V} {
  if (c >= u.N || k >= u.K) { return ${V}(); }
  ${vec4Load('B', type, vecB, 'off + k * u.ld.y + c', 'c + j < u.N')}
}`,
      }
    : {
        along: 'k',
        fn: `fn loadB(off: i32, k: i32, c: i32) -> ${V} {
  if (c >= u.N || k >= u.K) { return ${V}(); }
  ${vec4Load('B', type, vecB, 'off + c * u.ld.y + k', 'k + j < u.K')}
}`,
      };
  return runGemm(
    host,
    {
      ...common,
      key: `matMul:${type}:${la.rowMajor}:${lb.rowMajor}:${vecA}:${vecB}:${outView !== undefined}`,
      declarations: `${decl('A', 0, vecA)}\n${decl('B', 1, vecB)}`,
      a: loadA,
      b: loadB,
    },
    'matMul',
  );
}

/** Workgroup size of the one-row path. */
const GEMV_WG = 64;

/**
 * One row times a matrix (batch-1 inference): a thread per output column, A's row read by every
 * thread (cached), B's rows read coalesced across threads when op(B) is row-major in memory.
 */
function gemv(
  host: GpuProgramHost,
  p: Omit<GemmProgram, 'key' | 'declarations' | 'a' | 'b'>,
  aRowMajor: boolean,
  bRowMajor: boolean,
): DataId {
  const T = p.type;
  const epi = epilogueWgsl(T, p.epilogue, 2, 'matMul');
  const size = p.batch * p.n;
  // A's one row: contiguous when op(A) is row-major, else its elements are a column's, ld apart
  const aAt = aRowMajor ? 'offs.x + p' : 'offs.x + p * u.ld.x';
  const bAt = bRowMajor ? 'offs.y + p * u.ld.y + c' : 'offs.y + c * u.ld.y + p';
  const wgsl = `@group(0) @binding(0) var<storage, read> A: array<${T}>;
@group(0) @binding(1) var<storage, read> B: array<${T}>;
${epi.decl}
@group(0) @binding(${p.epilogue?.bias ? 3 : 2}) var<storage, read_write> C: array<${T}>;
struct U { M: i32, N: i32, K: i32, batch: i32, size: i32, h5: i32, h6: i32, h7: i32, ${p.fields} }
@group(0) @binding(${p.epilogue?.bias ? 4 : 3}) var<uniform> u: U;
fn batchOffsets(bat: i32) -> vec2<i32> { ${p.batchOffsets} }
fn cAt(bat: i32, r: i32, c: i32) -> i32 { ${p.cIndex ?? 'return bat * u.N + c;'} }
${epi.fn}
${main1D(GEMV_WG)}
  let g = i32(i);
  if (g >= u.size) { return; }
  let bat = g / u.N;
  let c = g % u.N;
  let offs = batchOffsets(bat);
  var acc: ${T};
  for (var p = 0; p < u.K; p++) { acc += A[${aAt}] * B[${bAt}]; }
  C[cAt(bat, 0, c)] = epi(acc, c);
}`;
  const uniforms = new Int32Array(8 + p.fieldValues.length);
  uniforms.set([1, p.n, p.k, p.batch, size, 0, 0, 0]);
  uniforms.set(p.fieldValues, 8);
  return host.dispatch({
    key: `gemv:${T}:${aRowMajor}:${bRowMajor}:${p.cIndex !== undefined}:${epi.key}`,
    wgsl,
    inputs: p.epilogue?.bias ? [...p.inputs, p.epilogue.bias] : p.inputs,
    output: { dtype: T === 'f32' ? 'float32' : 'int32', size },
    uniforms,
    dispatch: dispatch1D(size, GEMV_WG),
  });
}

/** The matMul kernel of the WebGPU table (with its epilogue). @example GPU_MATMUL.matMul(host, [a, b], attrs) */
export const GPU_MATMUL = {
  matMul: (h, inputs, a) =>
    matMul(
      h,
      inputs[0],
      inputs[1],
      a.transposeA,
      a.transposeB,
      a.outShape,
      epilogueOf(inputs, a.activation),
      a.views,
      a.outView,
    ),
} satisfies SomeHostKernels<GpuProgramHost>;
