// WebGPU elementwise kernels generated from the elementwise table: unary, broadcasting binary, where, cast.
import type { DType } from '../../core/dtype.js';
import { sizeOf, type Shape } from '../../core/shape.js';
import {
  BINARY,
  type BinaryOp,
  type BinaryRow,
  type DTypeRule,
  UNARY,
  type UnaryOp,
  type UnaryRow,
} from '../../ops/elementwise_table.js';
import type { DataId, TensorInfo } from '../backend.js';
import { broadcastStrides } from '../cpu/elementwise.js';
import {
  dispatch1D,
  type GpuProgramHost,
  main1D,
  packUniforms,
  uniformDecl,
  wgslType,
} from './program.js';
import type { SomeHostKernels } from '../kernel_table.js';

const WG = 64;

/**
 * WGSL helpers the table's expressions may call; each is included only when an expression names it.
 * Integer helpers follow the CPU backend, which computes in double and stores with ToInt32: division by
 * zero gives 0, floor division rounds toward -inf, mod takes the divisor's sign.
 */
const HELPERS: Record<string, string> = {
  erf_: `fn erf_(x: f32) -> f32 {
  // Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7)
  let t = 1.0 / (1.0 + 0.3275911 * abs(x));
  let y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-x * x);
  return select(-y, y, x >= 0.0);
}`,
  log_: `var<private> LOG_NAN: u32 = 0x7fc00000u;
var<private> LOG_NEG_INF: u32 = 0xff800000u;
fn log_(v: f32) -> f32 {
  // Vulkan allows log an absolute error of 2^-21 near 1 (and SwiftShader gives log(0) = -88):
  // v = m · 2^e with m in [sqrt(1/2), sqrt(2)), log m = 2 atanh((m - 1) / (m + 1)) by its series.
  if (v == 0.0) { return bitcast<f32>(LOG_NEG_INF); }
  if (!(v > 0.0)) { return bitcast<f32>(LOG_NAN); }
  if (v > 3.4028234e38) { return v; }
  var x = v;
  var e = 0;
  if (x < 1.1754944e-38) { x = x * 16777216.0; e = -24; }
  let bits = bitcast<u32>(x);
  e = e + i32((bits >> 23u) & 0xffu) - 127;
  var m = bitcast<f32>((bits & 0x7fffffu) | 0x3f800000u);
  if (m > 1.4142135) { m = m * 0.5; e = e + 1; }
  let f = (m - 1.0) / (m + 1.0);
  let s = f * f;
  let series = 1.0 + s * (0.33333334 + s * (0.2 + s * (0.14285715 + s * (0.11111111 + s * 0.09090909))));
  return f32(e) * 0.6931472 + 2.0 * f * series;
}
fn log1p_(x: f32) -> f32 {
  // log(u) · x / (u - 1) with u = 1 + x cancels the rounding of u (Goldberg)
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  if (u > 3.4028234e38) { return u; }
  return log_(u) * (x / (u - 1.0));
}`,
  tanh_: `fn tanh_(x: f32) -> f32 {
  // odd series near 0 (where (1 - e) / (1 + e) cancels), else from exp(-2|x|), never inf / inf
  let a = abs(x);
  if (a < 0.125) {
    let s = x * x;
    return x * (1.0 + s * (-0.33333334 + s * (0.13333334 + s * -0.053968254)));
  }
  let e = exp(-2.0 * min(a, 20.0));
  return sign(x) * (1.0 - e) / (1.0 + e);
}`,
  f16round_: `fn f16round_(x: f32) -> f32 {
  // core/float16.ts on the bits: ties to even, overflow to inf, multiples of 2^-24 below 2^-14
  let bits = bitcast<u32>(x);
  let a = bits & 0x7fffffffu;
  let s = bits & 0x80000000u;
  if (a >= 0x7f800000u) { return x; }
  if (a >= 0x477ff000u) { return bitcast<f32>(s | 0x7f800000u); }
  if (a >= 0x38800000u) { return bitcast<f32>(s | ((a + 0xfffu + ((a >> 13u) & 1u)) & 0xffffe000u)); }
  return bitcast<f32>(s | bitcast<u32>(ldexp(round(abs(x) * 16777216.0), -24)));
}`,
  sincos_: `fn sincos_(x: f32, quarter: i32) -> f32 {
  // Vulkan allows sin and cos an absolute error of 2^-11 (SwiftShader is off by up to 2e-4): x = j·pi/2 + r
  // (Cody-Waite, pi/2 in three parts), then Cephes' sinf/cosf polynomials on |r| <= pi/4.
  if (abs(x) > 8192.0) { return select(sin(x), cos(x), quarter == 1); }
  let j = round(x * 0.63661977);
  let r = ((x - j * 1.5703125) - j * 4.8375129699707031e-4) - j * 7.5497899548918822e-8;
  let q = (i32(j) + quarter) & 3;
  let z = r * r;
  let s = r + r * z * (-1.6666654611e-1 + z * (8.3321608736e-3 + z * -1.9515295891e-4));
  let c = 1.0 - 0.5 * z + z * z * (4.166664568298827e-2 + z * (-1.388731625493765e-3 + z * 2.443315711809948e-5));
  let v = select(s, c, (q & 1) == 1);
  return select(v, -v, (q & 2) == 2);
}
fn sin_(x: f32) -> f32 { return sincos_(x, 0); }
fn cos_(x: f32) -> f32 { return sincos_(x, 1); }
fn tan_(x: f32) -> f32 { return sincos_(x, 0) / sincos_(x, 1); }`,
  acosh_: `var<private> DOMAIN_NAN: u32 = 0x7fc00000u;
var<private> DOMAIN_INF: u32 = 0x7f800000u;
// WGSL leaves acosh below 1 and atanh outside (-1, 1) undefined (SwiftShader gives numbers); Math's values:
fn acosh_(x: f32) -> f32 {
  if (x < 1.0) { return bitcast<f32>(DOMAIN_NAN); }
  return acosh(x);
}
fn atanh_(x: f32) -> f32 {
  let a = abs(x);
  if (a > 1.0) { return bitcast<f32>(DOMAIN_NAN); }
  if (a == 1.0) { return sign(x) * bitcast<f32>(DOMAIN_INF); }
  return atanh(x);
}`,
  pow_: `var<private> POW_NAN: u32 = 0x7fc00000u;
fn pow_(a: f32, b: f32) -> f32 {
  // WGSL pow is undefined for a < 0; Math.pow gives a sign for integer b and NaN otherwise.
  if (b == 0.0) { return 1.0; }
  let r = pow(abs(a), b);
  if (a < 0.0) {
    if (floor(b) != b) { return bitcast<f32>(POW_NAN); }
    if (abs(b) < 16777216.0 && (i32(b) & 1) == 1) { return -r; }
  }
  return r;
}`,
  floordiv_i: `fn floordiv_i(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  let q = a / b;
  return select(q, q - 1, (a % b != 0) && ((a < 0) != (b < 0)));
}`,
  mod_i: `fn mod_i(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  let r = a % b;
  return select(r, r + b, r != 0 && ((r < 0) != (b < 0)));
}`,
  pow_i: `fn pow_i(a: i32, b: i32) -> i32 {
  if (b < 0) {
    // a^b is a fraction truncated to 0 except for |a| = 1 (and 0^-n = inf, stored as 0)
    if (a == 1) { return 1; }
    if (a == -1) { return select(1, -1, (b & 1) == 1); }
    return 0;
  }
  var r = 1; var base = a; var e = b;
  loop { if (e == 0) { break; } if ((e & 1) == 1) { r = r * base; } base = base * base; e = e >> 1u; }
  return r;
}`,
};

/**
 * What a kernel returns for NaN inputs, taken from the table's CPU function (the reference): WGSL lets
 * implementations assume no NaN (SwiftShader's max(NaN, 1) is 1, its NaN != NaN is false), so the
 * kernels test the bits instead. null: the op's NaN result depends on the other operand (pow(NaN, 0) = 1),
 * and the kernel is left as it is.
 */
const PROBES = [0, 1, -1, 2.5, -3, Infinity];

/** A constant as WGSL of the compute type; NaN as its bits. */
function constant(v: number, type: string): string {
  // through private variables: a constant expression may not evaluate to NaN or infinity in WGSL
  if (Number.isNaN(v)) return 'bitcast<f32>(GUARD_NAN)';
  if (type === 'bool') return v !== 0 ? 'true' : 'false';
  if (v === Infinity) return 'bitcast<f32>(GUARD_INF)';
  if (v === -Infinity) return '-bitcast<f32>(GUARD_INF)';
  return Number.isInteger(v) ? `${v}.0` : String(v);
}

/** The single value fn gives for every call in `calls`, or null when they differ. */
function onlyValue(calls: readonly (() => number)[]): number | null {
  const vs = calls.map((c) => c());
  const first = vs[0];
  const same = vs.every((v) => Object.is(v, first) || (Number.isNaN(v) && Number.isNaN(first)));
  return same ? first : null;
}

/**
 * `if (nan test) { return c; }` for a unary op computing in f32, from its CPU function at NaN.
 * @example unaryNanGuard(UNARY.exp, 'f32', false) // 'if (isnan_(x)) { return bitcast<f32>(GUARD_NAN); } '
 */
export function unaryNanGuard(row: UnaryRow, compute: string, resultIsBool: boolean): string {
  if (compute !== 'f32' || row.dtype === 'predicate') return '';
  const v = onlyValue([0, 1, 0.2].map((alpha) => () => row.fn(NaN, alpha)));
  if (v === null) return '';
  return `if (isnan_(x)) { return ${constant(v, resultIsBool ? 'bool' : 'f32')}; } `;
}

/**
 * The same for a binary op: when either operand is NaN, if its CPU function then has one value.
 * @example binaryNanGuard(BINARY.maximum, 'f32', false) // 'if (isnan_(a) || isnan_(b)) { ... } '
 */
export function binaryNanGuard(row: BinaryRow, compute: string, resultIsBool: boolean): string {
  if (compute !== 'f32') return '';
  const calls = PROBES.flatMap((p) => [() => row.fn(NaN, p), () => row.fn(p, NaN)]);
  const v = onlyValue([...calls, () => row.fn(NaN, NaN)]);
  if (v === null) return '';
  return `if (isnan_(a) || isnan_(b)) { return ${constant(v, resultIsBool ? 'bool' : 'f32')}; } `;
}

/** The NaN test and NaN/Inf constants the guards use (fusion's shaders include it too). */
export const ISNAN = `var<private> GUARD_NAN: u32 = 0x7fc00000u;
var<private> GUARD_INF: u32 = 0x7f800000u;
fn isnan_(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }`;

/** Helpers that define more than one function: the other names that pull them in. */
const ALSO: Record<string, string[]> = {
  log_: ['log1p_'],
  sincos_: ['sin_', 'cos_', 'tan_'],
  acosh_: ['atanh_'],
};

/** The helper functions `expr` calls. @example helpersFor('erf_(x)') */
export function helpersFor(expr: string): string {
  return Object.keys(HELPERS)
    .filter((name) => [name, ...(ALSO[name] ?? [])].some((n) => expr.includes(`${n}(`)))
    .map((name) => HELPERS[name])
    .join('\n');
}

/** The WGSL type an op computes in, given the rule and the stored input type. @example computeType('float', 'i32') // 'f32' */
export function computeType(
  rule: DTypeRule,
  stored: 'f32' | 'i32' | 'u32',
): 'f32' | 'i32' | 'u32' | 'bool' {
  if (rule === 'float') return 'f32';
  if (rule === 'logical') return 'bool';
  if (stored === 'u32' && rule === 'same') return 'i32';
  return stored;
}

/** WGSL that converts a stored value `v` to the compute type. @example load('x', 'i32', 'f32') // 'f32(x)' */
export function load(v: string, stored: string, compute: string): string {
  if (compute === stored) return v;
  if (compute === 'bool')
    return `(${v} != ${stored === 'f32' ? '0.0' : `0${stored === 'u32' ? 'u' : ''}`})`;
  return `${compute}(${v})`;
}

/** WGSL that stores a computed value `r` of the compute type as the output's stored type. @example store('r', 'f32', 'f32', false) // 'r' */
export function store(
  r: string,
  compute: string,
  out: 'f32' | 'i32' | 'u32',
  resultIsBool: boolean,
): string {
  if (resultIsBool) return `select(0u, 1u, ${r})`;
  if (compute === out) return r;
  return `${out}(${r})`;
}

export function unary(
  host: GpuProgramHost,
  op: UnaryOp,
  x: TensorInfo,
  outDtype: DType,
  alpha: number,
): DataId {
  const row: UnaryRow = UNARY[op];
  const stored = wgslType(x.dtype);
  // Predicates test float bit patterns, so int and bool inputs are converted to f32 first.
  const compute = row.dtype === 'predicate' ? 'f32' : computeType(row.dtype, stored);
  const expr = compute === 'i32' ? (row.wgslInt ?? row.wgsl) : row.wgsl;
  const out = wgslType(outDtype);
  const resultIsBool = row.dtype === 'predicate' || row.dtype === 'logical';
  const n = sizeOf(x.shape);
  const guard = unaryNanGuard(row, compute, resultIsBool);
  const wgsl = `${helpersFor(expr)}
${guard ? ISNAN : ''}
@group(0) @binding(0) var<storage, read> xs: array<${stored}>;
@group(0) @binding(1) var<storage, read_write> ys: array<${out}>;
${uniformDecl(2, 2)}
fn f(x: ${compute}, alpha: f32) -> ${resultIsBool ? 'bool' : compute} { ${guard}return ${expr}; }
${main1D(WG)}
  if (i >= uu(0u)) { return; }
  ys[i] = ${store(`f(${load('xs[i]', stored, compute)}, uf(1u))`, compute, out, resultIsBool)};
}`;
  return host.dispatch({
    key: `unary:${op}:${stored}:${out}`,
    wgsl,
    inputs: [x],
    output: { dtype: outDtype, size: n },
    uniforms: packUniforms([n, { f: alpha }]),
    dispatch: dispatch1D(n, WG),
  });
}

/**
 * Index math of a broadcast over `rank` dims (@example broadcastIndex(2, 3)): uniforms hold [n, outShape, strides of each input...];
 * declares `o<k>: u32` offsets for each input k, starting at 0 or, with `offsetsAt`, at uniform
 * offsetsAt + k (strided views; negative strides wrap in u32 and come out right modulo 2^32).
 */
export function broadcastIndex(rank: number, inputs: number, offsetsAt?: number): string {
  const lines = [`  var rem = i;`];
  for (let k = 0; k < inputs; k++)
    lines.push(`  var o${k} = ${offsetsAt === undefined ? '0u' : `uu(${offsetsAt + k}u)`};`);
  lines.push(`  for (var d = ${rank - 1}; d >= 0; d--) {
    let dim = uu(1u + u32(d));
    let c = rem % dim;
    rem = rem / dim;`);
  for (let k = 0; k < inputs; k++)
    lines.push(`    o${k} += c * uu(${1 + rank * (k + 1)}u + u32(d));`);
  lines.push('  }');
  return lines.join('\n');
}

/** Broadcast layout of the inputs: 'same' (all full size), or 'general' with per-input strides. */
function broadcastUniforms(
  inputs: readonly TensorInfo[],
  outShape: Shape,
): { same: boolean; words: number[] } {
  const n = sizeOf(outShape);
  const same = inputs.every((t) => sizeOf(t.shape) === n);
  if (same) return { same, words: [n] };
  const words = [n, ...outShape];
  for (const t of inputs) words.push(...broadcastStrides(t.shape, outShape));
  return { same, words };
}

export function binary(
  host: GpuProgramHost,
  op: BinaryOp,
  a: TensorInfo,
  b: TensorInfo,
  outShape: Shape,
  outDtype: DType,
): DataId {
  const row: BinaryRow = BINARY[op];
  const stored = wgslType(a.dtype);
  const compute = computeType(row.dtype, stored);
  const expr = compute === 'i32' ? (row.wgslInt ?? row.wgsl) : row.wgsl;
  const out = wgslType(outDtype);
  const resultIsBool = row.dtype === 'predicate' || row.dtype === 'logical';
  const { same, words } = broadcastUniforms([a, b], outShape);
  const rank = outShape.length;
  const index = same ? '  let o0 = i; let o1 = i;' : broadcastIndex(rank, 2);
  const guard = binaryNanGuard(row, compute, resultIsBool);
  const wgsl = `${helpersFor(expr)}
${guard ? ISNAN : ''}
@group(0) @binding(0) var<storage, read> as_: array<${stored}>;
@group(0) @binding(1) var<storage, read> bs: array<${stored}>;
@group(0) @binding(2) var<storage, read_write> ys: array<${out}>;
${uniformDecl(3, words.length)}
fn f(a: ${compute}, b: ${compute}) -> ${resultIsBool ? 'bool' : compute} { ${guard}return ${expr}; }
${main1D(WG)}
  if (i >= uu(0u)) { return; }
${index}
  ys[i] = ${store(`f(${load('as_[o0]', stored, compute)}, ${load('bs[o1]', stored, compute)})`, compute, out, resultIsBool)};
}`;
  const n = words[0];
  return host.dispatch({
    key: `binary:${op}:${stored}:${out}:${same ? 'same' : rank}`,
    wgsl,
    inputs: [a, b],
    output: { dtype: outDtype, size: n },
    uniforms: new Int32Array(words),
    dispatch: dispatch1D(n, WG),
  });
}

export function where(
  host: GpuProgramHost,
  cond: TensorInfo,
  a: TensorInfo,
  b: TensorInfo,
  outShape: Shape,
  dtype: DType,
): DataId {
  const t = wgslType(dtype);
  const c = wgslType(cond.dtype);
  const { same, words } = broadcastUniforms([cond, a, b], outShape);
  const rank = outShape.length;
  const index = same ? '  let o0 = i; let o1 = i; let o2 = i;' : broadcastIndex(rank, 3);
  const zero = c === 'f32' ? '0.0' : c === 'u32' ? '0u' : '0';
  const wgsl = `@group(0) @binding(0) var<storage, read> cs: array<${c}>;
@group(0) @binding(1) var<storage, read> as_: array<${t}>;
@group(0) @binding(2) var<storage, read> bs: array<${t}>;
@group(0) @binding(3) var<storage, read_write> ys: array<${t}>;
${uniformDecl(4, words.length)}
${main1D(WG)}
  if (i >= uu(0u)) { return; }
${index}
  ys[i] = select(bs[o2], as_[o1], cs[o0] != ${zero});
}`;
  const n = words[0];
  return host.dispatch({
    key: `where:${c}:${t}:${same ? 'same' : rank}`,
    wgsl,
    inputs: [cond, a, b],
    output: { dtype, size: n },
    uniforms: new Int32Array(words),
    dispatch: dispatch1D(n, WG),
  });
}

/** WGSL converting a stored value `x` of type `from` to dtype `to`'s storage, as the CPU's cast does. @example castExpr('f32', 'int32') */
export function castExpr(from: 'f32' | 'i32' | 'u32', to: DType): string {
  if (to === 'bool') {
    // NaN is true, as on the CPU and in tfjs, NumPy and TensorFlow; tested on the bits, since shader
    // compilers may assume no NaN in float comparisons.
    if (from === 'f32')
      return 'select(0u, 1u, x != 0.0 || (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u)';
    return from === 'u32' ? 'select(0u, 1u, x != 0u)' : 'select(0u, 1u, x != 0)';
  }
  if (to === 'int32') {
    // Truncation toward zero; NaN and infinities become 0 (as Int32Array stores them).
    if (from === 'f32')
      return 'select(0, i32(trunc(x)), (bitcast<u32>(x) & 0x7fffffffu) < 0x7f800000u)';
    return from === 'i32' ? 'x' : 'i32(x)';
  }
  return from === 'f32' ? 'x' : 'f32(x)';
}

export function cast(host: GpuProgramHost, x: TensorInfo, dtype: DType): DataId {
  const from = wgslType(x.dtype);
  const to = wgslType(dtype);
  const n = sizeOf(x.shape);
  const wgsl = `@group(0) @binding(0) var<storage, read> xs: array<${from}>;
@group(0) @binding(1) var<storage, read_write> ys: array<${to}>;
${uniformDecl(2, 1)}
${main1D(WG)}
  if (i >= uu(0u)) { return; }
  let x = xs[i];
  ys[i] = ${castExpr(from, dtype)};
}`;
  return host.dispatch({
    key: `cast:${from}:${dtype}`,
    wgsl,
    inputs: [x],
    output: { dtype, size: n },
    uniforms: new Int32Array([n]),
    dispatch: dispatch1D(n, WG),
  });
}

/** The elementwise kernels of the WebGPU table. @example GPU_ELEMENTWISE.cast(host, [x], { dtype: 'int32' }) */
export const GPU_ELEMENTWISE = {
  unary: (h, [x], a) => unary(h, a.op, x, a.dtype, a.alpha),
  binary: (h, [x, y], a) => binary(h, a.op, x, y, a.outShape, a.dtype),
  where: (h, [c, x, y], a) => where(h, c, x, y, a.outShape, a.dtype),
  cast: (h, [x], a) => cast(h, x, a.dtype),
} satisfies SomeHostKernels<GpuProgramHost>;
