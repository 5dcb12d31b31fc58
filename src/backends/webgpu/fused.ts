// The WebGPU 'fused' kernel: one WGSL shader per fused program, generated from the elementwise table's expressions and cached by the program's key.
//
// Each step is a WGSL function from its arguments' stored types (f32, i32, or u32 for bool) to its
// own stored type, built with the same load/compute/store conversions as the step's own kernel, so
// values are rounded and converted as the unfused chain stores them.
import type { DType } from '../../core/dtype.js';
import { BINARY, type BinaryRow, UNARY, type UnaryRow } from '../../core/elementwise_table.js';
import {
  type FusedProgram,
  type FusedStep,
  inputLayout,
  programOutputs,
} from '../../core/fusion/program.js';
import { sizeOf, type Shape } from '../../core/shape.js';
import type { DataId, TensorInfo } from '../backend.js';
import type { SomeHostKernels } from '../kernel_table.js';
import {
  binaryNanGuard,
  broadcastIndex,
  castExpr,
  computeType,
  helpersFor,
  ISNAN,
  load,
  store,
  unaryNanGuard,
} from './elementwise.js';
import {
  dispatch1D,
  type GpuProgramHost,
  main1D,
  packUniforms,
  uniformDecl,
  wgslType,
} from './program.js';

const WG = 64;
/** Shader texts kept, by program key (pipelines themselves are cached by the backend under the same key). */
const MAX_CACHED = 256;
const shaders = new Map<string, string>();

type Stored = 'f32' | 'i32' | 'u32';

/** A step as a WGSL function `s<j>` over its arguments' stored values; also returns the expression it uses. */
function stepFunction(
  step: FusedStep,
  j: number,
  types: readonly Stored[],
): { fn: string; expr: string } {
  const ins = step.args.map((a) => types[a]);
  const out = wgslType(step.dtype);
  const params = ins.map((t, k) => `p${k}: ${t}`).join(', ');
  const head = `fn step_${j}(${params}) -> ${out}`;
  switch (step.kind) {
    case 'unary': {
      const row: UnaryRow = UNARY[step.op];
      // predicates test float bit patterns, so int and bool inputs are converted to f32 first
      const compute = row.dtype === 'predicate' ? 'f32' : computeType(row.dtype, ins[0]);
      const expr = compute === 'i32' ? (row.wgslInt ?? row.wgsl) : row.wgsl;
      const isBool = row.dtype === 'predicate' || row.dtype === 'logical';
      const value = store(
        `op_${j}(${load('p0', ins[0], compute)}, ${step.alpha.toExponential()})`,
        compute,
        out,
        isBool,
      );
      return {
        // the same NaN guard as the unfused kernel: WGSL may assume no NaN, the table's CPU function decides
        fn: `fn op_${j}(x: ${compute}, alpha: f32) -> ${isBool ? 'bool' : compute} { ${unaryNanGuard(row, compute, isBool)}return ${expr}; }
${head} { return ${value}; }`,
        expr,
      };
    }
    case 'binary': {
      const row: BinaryRow = BINARY[step.op];
      const compute = computeType(row.dtype, ins[0]);
      const expr = compute === 'i32' ? (row.wgslInt ?? row.wgsl) : row.wgsl;
      const isBool = row.dtype === 'predicate' || row.dtype === 'logical';
      const value = store(
        `op_${j}(${load('p0', ins[0], compute)}, ${load('p1', ins[1], compute)})`,
        compute,
        out,
        isBool,
      );
      return {
        fn: `fn op_${j}(a: ${compute}, b: ${compute}) -> ${isBool ? 'bool' : compute} { ${binaryNanGuard(row, compute, isBool)}return ${expr}; }
${head} { return ${value}; }`,
        expr,
      };
    }
    case 'cast':
      return { fn: `${head} { let x = p0; return ${castExpr(ins[0], step.dtype)}; }`, expr: '' };
    case 'where': {
      const zero = ins[0] === 'f32' ? '0.0' : ins[0] === 'u32' ? '0u' : '0';
      return { fn: `${head} { return select(p2, p1, p0 != ${zero}); }`, expr: '' };
    }
    default:
      return step satisfies never;
  }
}

/**
 * The WGSL of a program's element computation, shared by the 'fused' and 'fusedReduce' shaders:
 * `decls` (helpers and the input bindings 0..n-1), `fns` (one function per step) and `body`, which
 * computes `v<j>` for every step j at the flat element index `i` (general broadcasts read their
 * strides from uniform words 1...; constants from word `constAt` on).
 * @example const { decls, fns, body } = programCode(program, 2, 1);
 */
export function programCode(
  program: FusedProgram,
  rank: number,
  constAt: number,
): { decls: string; fns: string; body: string } {
  const n = program.inputs.length;
  const nc = program.constants.length;
  const types: Stored[] = [
    ...program.inputs.map(wgslType),
    ...program.constants.map(wgslType),
    ...program.steps.map((s) => wgslType(s.dtype)),
  ];
  const parts = program.steps.map((s, j) => stepFunction(s, j, types));
  const exprs = parts.map((p) => p.expr).join(' ');
  const general = program.patterns.includes('b');
  const read = (k: number): string => {
    if (k >= n) {
      const t = types[k];
      return `${t === 'f32' ? 'uf' : t === 'i32' ? 'ui' : 'uu'}(${constAt + k - n}u)`;
    }
    const p = program.patterns[k];
    const at = p === 's' ? '0u' : general ? `o${k}` : 'i';
    return `in${k}[${at}]`;
  };
  const body = program.steps.map((s, j) => {
    const args = s.args.map((a) => (a < n + nc ? read(a) : `v${a - n - nc}`)).join(', ');
    return `  let v${j} = step_${j}(${args});`;
  });
  const guarded = parts.some((p) => p.fn.includes('isnan_('));
  return {
    decls: `${helpersFor(exprs)}
${guarded ? ISNAN : ''}
${program.inputs.map((_, k) => `@group(0) @binding(${k}) var<storage, read> in${k}: array<${types[k]}>;`).join('\n')}`,
    fns: parts.map((p) => p.fn).join('\n'),
    body: `${general ? broadcastIndex(rank, n, program.views ? 1 + rank * (n + 1) : undefined) : ''}
${body.join('\n')}`,
  };
}

/** The shader of a program: inputs at bindings 0..n-1, its k outputs at n..n+k-1, uniforms at n + k. */
function shaderFor(program: FusedProgram, rank: number, words: number, constAt: number): string {
  const cached = shaders.get(program.key);
  if (cached) return cached;
  const n = program.inputs.length;
  const { decls, fns, body } = programCode(program, rank, constAt);
  const written = programOutputs(program);
  const outDecls = written.map(
    (j, k) =>
      `@group(0) @binding(${n + k}) var<storage, read_write> ys${k}: array<${wgslType(program.steps[j].dtype)}>;`,
  );
  const wgsl = `${decls}
${outDecls.join('\n')}
${uniformDecl(n + written.length, words)}
${fns}
${main1D(WG)}
  if (i >= uu(0u)) { return; }
${body}
${written.map((j, k) => `  ys${k}[i] = v${j};`).join('\n')}
}`;
  if (shaders.size >= MAX_CACHED) shaders.clear();
  shaders.set(program.key, wgsl);
  return wgsl;
}

/**
 * The uniform words of a program over outShape: n, then for general broadcasts the shape and each
 * input's strides (and, with views, each input's start offset), then the constants (from `constAt`).
 * @example const { words, constAt } = programWords(program, inputs, [0.5], [128, 64]);
 */
export function programWords(
  program: FusedProgram,
  inputs: readonly TensorInfo[],
  constants: readonly number[],
  outShape: Shape,
): { words: (number | { f: number })[]; constAt: number } {
  const n = sizeOf(outShape);
  const general = program.patterns.includes('b');
  const layouts = general ? inputs.map((t, i) => inputLayout(program, i, t.shape, outShape)) : [];
  const words: (number | { f: number })[] = general
    ? [n, ...outShape, ...layouts.flatMap((l) => l.strides)]
    : [n];
  // inputs read through a view start at an offset (after the strides; see broadcastIndex)
  if (program.views) words.push(...layouts.map((l) => l.offset));
  const constAt = words.length;
  program.constants.forEach((dt, k) =>
    words.push(dt === 'float32' ? { f: constants[k] } : constants[k]),
  );
  return { words, constAt };
}

/**
 * Runs a fused program as one dispatch (see KernelAttrs['fused']); returns one buffer per program output.
 * @example const [id] = fused(host, [x, y], program, [0.5], [128, 64]);
 */
export function fused(
  host: GpuProgramHost,
  inputs: readonly TensorInfo[],
  program: FusedProgram,
  constants: readonly number[],
  outShape: Shape,
): DataId[] {
  const n = sizeOf(outShape);
  const general = program.patterns.includes('b');
  const { words, constAt } = programWords(program, inputs, constants, outShape);
  const [first, ...more] = programOutputs(program).map((j) => ({
    dtype: program.steps[j].dtype,
    size: n,
  }));
  return host.dispatchMany({
    key: `fused:${program.key}${general ? `:${outShape.length}` : ''}`,
    wgsl: shaderFor(program, outShape.length, words.length, constAt),
    inputs,
    output: first,
    moreOutputs: more,
    uniforms: packUniforms(words),
    dispatch: dispatch1D(n, WG),
  });
}

/** The fused kernel of the WebGPU table. @example GPU_FUSED.fused(host, inputs, { program, constants: [], outShape, dtype: 'float32' }) */
export const GPU_FUSED = {
  fused: (h, inputs, a) => fused(h, inputs, a.program, a.constants, a.outShape),
} satisfies SomeHostKernels<GpuProgramHost>;
