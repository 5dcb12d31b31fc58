// WebGPU's tiled GEMM program: 64x64 output tiles in workgroup memory (4x4 outputs per thread), a fused
// bias + activation store and split-K for long, narrow products; matmul.ts and the implicit-GEMM convs use it.
import type { DType } from '../../core/dtype.js';
import { BackendError } from '../../core/errors.js';
import type { DataId, Epilogue, FusedActivation, TensorInfo } from '../backend.js';
import { dispatch1D, main1D, MAX_WORKGROUPS_PER_DIM, type GpuProgramHost } from './program.js';

/** Workgroup size of the split-K sum. */
const SUM_WG = 64;

/** WGSL element type of a tensor's storage. */
export type Scalar = 'f32' | 'i32';

/**
 * The WGSL element type a dtype is stored as (bool has no GEMM).
 * @example scalarOf('int32', 'matMul') // 'i32'
 */
export function scalarOf(dtype: DType, op: string): Scalar {
  if (dtype === 'float32') return 'f32';
  if (dtype === 'int32') return 'i32';
  throw new BackendError(`webgpu ${op}: float32 or int32 expected, received '${dtype}'`);
}

// Each activation as a WGSL expression over `x`, written with select() so that NaN behaves as in the
// cpu table's scalar functions: relu(NaN) = 0 (NaN > 0 is false), relu6(NaN) = NaN.
// NOTE: tanh clamps its argument: some drivers compute tanh from exp and return NaN for |x| > ~44;
// tanh(±15) already rounds to ±1 in float32.
const ACTIVATION_F32 = {
  linear: 'x',
  relu: 'select(0.0, x, x > 0.0)',
  relu6: 'select(select(x, 6.0, x > 6.0), 0.0, x < 0.0)',
  sigmoid: '1.0 / (1.0 + exp(-x))',
  tanh: 'tanh(clamp(x, -15.0, 15.0))',
} satisfies Record<FusedActivation, string>;

const ACTIVATION_I32: Partial<Record<FusedActivation, string>> = {
  linear: 'x',
  relu: 'select(0, x, x > 0)',
  relu6: 'select(select(x, 6, x > 6), 0, x < 0)',
};

/** Output tile edge (rows and columns) of one workgroup, its threads per side, and the K step. */
const TILE = 64;
const KT = 16;

/**
 * One operand of the tiled GEMM. Its WGSL function loads a 4-vector of the logical matrix, zero outside
 * it, along the axis that is contiguous in memory:
 * - A, `along: 'k'`: `fn loadA(off: i32, r: i32, k: i32) -> vec4<T>` = A[r, k..k+3]
 * - A, `along: 'mn'`: same signature, = A[r..r+3, k]
 * - B, `along: 'mn'`: `fn loadB(off: i32, k: i32, c: i32) -> vec4<T>` = B[k, c..c+3]
 * - B, `along: 'k'`: same signature, = B[k..k+3, c]
 * `off` is the batch offset (elements) from `batchOffsets`.
 */
export interface GemmOperand {
  readonly along: 'k' | 'mn';
  readonly fn: string;
}

/** A GEMM C[batch, M, N] = A · B over loaders, as run by `runGemm`. */
export interface GemmProgram {
  /** Pipeline cache key (everything the WGSL depends on). */
  readonly key: string;
  readonly type: Scalar;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly batch: number;
  /** Inputs other than the bias, bound at 0.. in this order. */
  readonly inputs: readonly TensorInfo[];
  /** WGSL declarations of those inputs (bindings 0..) plus any helpers the loaders call. */
  readonly declarations: string;
  /** WGSL fields of the uniform struct after the 8-word header, and their packed values. */
  readonly fields: string;
  readonly fieldValues: Int32Array;
  /** WGSL body of `fn batchOffsets(bat: i32) -> vec2<i32>` (offsets into A and B); zeros when omitted. */
  readonly batchOffsets?: string;
  /**
   * WGSL body of `fn cAt(bat: i32, r: i32, c: i32) -> i32`, where C's element goes (a matMul writing
   * through an output view; no split-K then); row-major [batch, M, N] when omitted.
   */
  readonly cIndex?: string;
  readonly a: GemmOperand;
  readonly b: GemmOperand;
  readonly epilogue?: Epilogue;
}

/**
 * WGSL of the epilogue `fn epi(v: T, c: i32) -> T` (bias of column c, then the activation) and its bias
 * binding declaration; `key` names it for the pipeline cache.
 * @example const epi = epilogueWgsl('f32', { activation: 'relu' }, 2, 'matMul'); // epi.fn, epi.decl
 */
export function epilogueWgsl(
  type: Scalar,
  epilogue: Epilogue | undefined,
  biasBinding: number,
  op: string,
): { decl: string; fn: string; key: string } {
  const activation = epilogue?.activation ?? 'linear';
  const expr = type === 'f32' ? ACTIVATION_F32[activation] : ACTIVATION_I32[activation];
  if (expr === undefined)
    throw new BackendError(
      `webgpu ${op}: the '${activation}' epilogue needs float32, received int32 operands`,
    );
  const bias = epilogue?.bias ?? null;
  const decl = bias
    ? `@group(0) @binding(${biasBinding}) var<storage, read> bias: array<${type}>;`
    : '';
  const sum = bias ? 'v + bias[c]' : 'v';
  return {
    decl,
    fn: `fn epi(v: ${type}, c: i32) -> ${type} { let x = ${sum}; return ${expr}; }`,
    key: `${activation}${bias ? '+bias' : ''}`,
  };
}

/** WGSL that moves one thread's share of an operand tile into workgroup memory. */
function tileLoad(name: 'A' | 'B', along: 'k' | 'mn'): string {
  const load = name === 'A' ? 'loadA(offs.x, row0 + ' : 'loadB(offs.y, ';
  const shared = name === 'A' ? 'As' : 'Bs';
  if (along === 'mn') {
    // 16 k rows x 16 four-wide groups: one vec4 per thread, stored as is
    const call = name === 'A' ? `${load}q * 4, k0 + kk)` : `${load}k0 + kk, col0 + q * 4)`;
    return `{ let kk = tid / 16; let q = tid % 16; ${shared}[kk * 16 + q] = ${call}; }`;
  }
  // 64 rows (A) / columns (B) x 4 four-wide k groups: one vec4 along k per thread, scattered by k
  const call = name === 'A' ? `${load}e, k0 + kq)` : `${load}k0 + kq, col0 + e)`;
  return `{ let e = tid / 4; let kq = (tid % 4) * 4; let v = ${call};
      let slot = e / 4; let lane = e % 4;
      ${shared}[kq * 16 + slot][lane] = v.x; ${shared}[(kq + 1) * 16 + slot][lane] = v.y;
      ${shared}[(kq + 2) * 16 + slot][lane] = v.z; ${shared}[(kq + 3) * 16 + slot][lane] = v.w; }`;
}

/** The WGSL of a tiled GEMM program. */
function gemmWgsl(p: GemmProgram, epi: { decl: string; fn: string }): string {
  const T = p.type;
  const V = `vec4<${T}>`;
  const nIn = p.inputs.length + (p.epilogue?.bias ? 1 : 0);
  return `${p.declarations}
${epi.decl}
@group(0) @binding(${nIn}) var<storage, read_write> C: array<${T}>;
struct U { M: i32, N: i32, K: i32, batch: i32, rowTiles: i32, kChunk: i32, h6: i32, h7: i32, ${p.fields} }
@group(0) @binding(${nIn + 1}) var<uniform> u: U;
// As[k * 16 + g] holds rows 4g..4g+3 of the tile at k; Bs[k * 16 + g] holds columns 4g..4g+3.
var<workgroup> As: array<${V}, ${KT * 16}>;
var<workgroup> Bs: array<${V}, ${KT * 16}>;
${p.a.fn}
${p.b.fn}
fn batchOffsets(bat: i32) -> vec2<i32> { ${p.batchOffsets ?? 'return vec2<i32>(0, 0);'} }
fn cAt(bat: i32, r: i32, c: i32) -> i32 { ${p.cIndex ?? 'return (bat * u.M + r) * u.N + c;'} }
${epi.fn}
@compute @workgroup_size(16, 16, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let tx = i32(lid.x);
  let ty = i32(lid.y);
  let tid = ty * 16 + tx;
  let col0 = i32(wid.x) * ${TILE};
  let units = u.batch * u.rowTiles;
  // y walks (batch, row tile) pairs, so any batch size fits the 65535 dispatch limit
  for (var t = i32(wid.y); t < units; t += i32(nwg.y)) {
    let bat = t / u.rowTiles;
    let row0 = (t % u.rowTiles) * ${TILE};
    let offs = batchOffsets(bat);
    var acc: array<${V}, 4>;
    // split-K (kChunk > 0): "batch" bat sums K range [bat·kChunk, +kChunk), a multiple of ${KT}
    let kBeg = select(0, bat * u.kChunk, u.kChunk > 0);
    let kEnd = select(u.K, min(u.K, kBeg + u.kChunk), u.kChunk > 0);
    for (var k0 = kBeg; k0 < kEnd; k0 += ${KT}) {
      ${tileLoad('A', p.a.along)}
      ${tileLoad('B', p.b.along)}
      workgroupBarrier();
      for (var kk = 0; kk < ${KT}; kk++) {
        let a = As[kk * 16 + ty];
        let b = Bs[kk * 16 + tx];
        acc[0] += a.x * b;
        acc[1] += a.y * b;
        acc[2] += a.z * b;
        acc[3] += a.w * b;
      }
      workgroupBarrier();
    }
    for (var i = 0; i < 4; i++) {
      let r = row0 + ty * 4 + i;
      if (r < u.M) {
        for (var j = 0; j < 4; j++) {
          let c = col0 + tx * 4 + j;
          if (c < u.N) { C[cAt(bat, r, c)] = epi(acc[i][j], c); }
        }
      }
    }
  }
}`;
}

/** Split-K: aim for this many workgroups when a product has few output tiles... */
const SPLIT_TARGET_WORKGROUPS = 128;
/** ...giving each split at least this much of K, and at most this many splits. */
const SPLIT_MIN_K = 512;
const SPLIT_MAX = 64;

/**
 * How many K ranges to split one product into: a product with few output tiles and a long K (a conv's
 * filter gradient: K = batch·outH·outW) would otherwise keep most of a GPU idle. 1 = no split.
 * @example splitCount(1, 1, 1, 65536) // 64
 */
export function splitCount(batch: number, rowTiles: number, colTiles: number, k: number): number {
  if (batch !== 1) return 1;
  const tiles = rowTiles * colTiles;
  const byWork = Math.ceil(SPLIT_TARGET_WORKGROUPS / tiles);
  return Math.max(1, Math.min(byWork, Math.floor(k / SPLIT_MIN_K), SPLIT_MAX));
}

/**
 * Runs a tiled GEMM program: one 16x16 workgroup per 64x64 output tile, K in steps of 16. A single
 * product with few tiles and a long K runs split-K: partial products per K range, then a fixed-order
 * sum (deterministic) that applies the epilogue.
 * @example runGemm(host, program) // C[batch, m, n]
 */
export function runGemm(host: GpuProgramHost, p: GemmProgram, op: string): DataId {
  const rowTiles = Math.ceil(p.m / TILE);
  const colTiles = Math.ceil(p.n / TILE);
  if (colTiles > MAX_WORKGROUPS_PER_DIM)
    throw new BackendError(
      `webgpu ${op}: at most ${MAX_WORKGROUPS_PER_DIM * TILE} output columns, received ${p.n}`,
    );
  let splits = p.cIndex ? 1 : splitCount(p.batch, rowTiles, colTiles, p.k);
  // equal chunks rounded up to the K step, so no K tile straddles two splits
  const kChunk = splits > 1 ? Math.ceil(p.k / splits / KT) * KT : 0;
  if (splits > 1) splits = Math.ceil(p.k / kChunk);
  const batch = splits > 1 ? splits : p.batch;
  const epilogue = splits > 1 ? undefined : p.epilogue;
  const units = batch * rowTiles;
  const epi = epilogueWgsl(p.type, epilogue, p.inputs.length, op);
  const header = [p.m, p.n, p.k, batch, rowTiles, kChunk, 0, 0];
  const uniforms = new Int32Array(header.length + p.fieldValues.length);
  uniforms.set(header);
  uniforms.set(p.fieldValues, header.length);
  const out = host.dispatch({
    key: `gemm:${p.key}:${epi.key}`,
    wgsl: gemmWgsl({ ...p, epilogue }, epi),
    inputs: epilogue?.bias ? [...p.inputs, epilogue.bias] : p.inputs,
    output: { dtype: p.type === 'f32' ? 'float32' : 'int32', size: batch * p.m * p.n },
    uniforms,
    dispatch: [colTiles, Math.min(units, MAX_WORKGROUPS_PER_DIM), units > 0 ? 1 : 0],
  });
  if (splits === 1) return out;
  const partial: TensorInfo = {
    dataId: out,
    shape: [splits, p.m, p.n],
    dtype: p.type === 'f32' ? 'float32' : 'int32',
  };
  const sum = sumSplits(host, partial, p.type, p.epilogue, op);
  host.free(out);
  return sum;
}

/** out[i] = epi(Σ_s partial[s, i]), the splits summed in order. */
function sumSplits(
  host: GpuProgramHost,
  partial: TensorInfo,
  type: Scalar,
  epilogue: Epilogue | undefined,
  op: string,
): DataId {
  const [splits, m, n] = partial.shape;
  const size = m * n;
  const epi = epilogueWgsl(type, epilogue, 1, op);
  const nIn = epilogue?.bias ? 2 : 1;
  const wgsl = `@group(0) @binding(0) var<storage, read> P: array<${type}>;
${epi.decl}
@group(0) @binding(${nIn}) var<storage, read_write> C: array<${type}>;
struct U { size: i32, splits: i32, N: i32, h3: i32 }
@group(0) @binding(${nIn + 1}) var<uniform> u: U;
${epi.fn}
${main1D(SUM_WG)}
  let g = i32(i);
  if (g >= u.size) { return; }
  var s: ${type};
  for (var q = 0; q < u.splits; q++) { s += P[q * u.size + g]; }
  C[g] = epi(s, g % u.N);
}`;
  return host.dispatch({
    key: `gemmSplitSum:${type}:${epi.key}`,
    wgsl,
    inputs: epilogue?.bias ? [partial, epilogue.bias] : [partial],
    output: { dtype: partial.dtype, size },
    uniforms: Int32Array.from([size, splits, n, 0]),
    dispatch: dispatch1D(size, SUM_WG),
  });
}

/**
 * WGSL of a loader reading a 4-vector from storage `name` at flat index `base` + j for the lanes j whose
 * `inRange` (over j) holds; with `vec4`, the whole vector in one load (caller guarantees alignment).
 * @example vec4Load('A', 'f32', true, 'base', 'k + j < u.K')
 */
export function vec4Load(
  name: string,
  type: Scalar,
  vec4: boolean,
  base: string,
  lane: string,
): string {
  if (vec4) return `return ${name}[(${base}) / 4];`;
  return `var v = vec4<${type}>(); let b0 = ${base};
  for (var j = 0; j < 4; j++) { if (${lane}) { v[j] = ${name}[b0 + j]; } }
  return v;`;
}
