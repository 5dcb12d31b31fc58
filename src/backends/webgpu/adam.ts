// Adam's step on the GPU: all of a step's variables in as few dispatches as the storage-buffer limit allows.
import { BINARY, UNARY } from '../../core/elementwise_table.js';
import type { AdamAttrs, DataId, TensorInfo } from '../backend.js';
import { type AdamVariable, adamList } from '../adam_list.js';
import { dispatch1D, type GpuProgramHost, main1D, packUniforms, uniformDecl } from './program.js';
import type { SomeHostKernels } from '../kernel_table.js';

const WG = 64;
/** Storage buffers one variable binds: g, m, v, w and the new m, v, w (alpha is shared). */
const BUFFERS_PER_VARIABLE = 7;
/** Programs kept, one per variable count; a training step uses one or two of them. */
const MAX_CACHED = 32;
const shaders = new Map<number, string>();

/** The table's WGSL for a binary op as a function, so the kernel spells each step as the table does. */
const binaryFn = (name: string, op: keyof typeof BINARY): string =>
  `fn ${name}(a: f32, b: f32) -> f32 { return ${BINARY[op].wgsl}; }`;
const unaryFn = (name: string, op: keyof typeof UNARY): string =>
  `fn ${name}(x: f32) -> f32 { return ${UNARY[op].wgsl}; }`;

/**
 * The program of a dispatch over k variables, laid end to end in one index space: uniform words
 * c1, c2, ε, then the end of each variable's range; invocation i updates element i - start of the
 * variable whose range holds it. Each step is adamComposed's (backends/composed.ts), one table
 * expression per function call, rounded to f32 in between as the separate kernels store it:
 * m' = flush(m + (g - m)·c1); v' = flush(v + (g² - v)·c2); w' = w - (m'·alpha) / (√v' + ε).
 * Bindings: g, m, v, w of each variable (4j..4j+3), alpha (4k), then m', v', w' of each (dispatchMany's
 * outputs, 4k+1+3j..), then the uniforms.
 * @example const wgsl = adamProgram(2); // two variables a dispatch
 */
export function adamProgram(k: number): string {
  const cached = shaders.get(k);
  if (cached) return cached;
  const decls: string[] = [];
  for (let j = 0; j < k; j++)
    ['g', 'm', 'v', 'w'].forEach((name, q) =>
      decls.push(`@group(0) @binding(${4 * j + q}) var<storage, read> ${name}${j}: array<f32>;`),
    );
  decls.push(`@group(0) @binding(${4 * k}) var<storage, read> alpha: array<f32>;`);
  for (let j = 0; j < k; j++)
    ['ym', 'yv', 'yw'].forEach((name, q) =>
      decls.push(
        `@group(0) @binding(${4 * k + 1 + 3 * j + q}) var<storage, read_write> ${name}${j}: array<f32>;`,
      ),
    );
  const branches = Array.from({ length: k }, (_, j) => {
    const start = j === 0 ? '0u' : `uu(${3 + j - 1}u)`;
    return `if (i < uu(${3 + j}u)) {
    let e = i - ${start};
    let gi = g${j}[e];
    let mNew = flush_(add_(m${j}[e], mul_(sub_(gi, m${j}[e]), uf(0u))));
    let vNew = flush_(add_(v${j}[e], mul_(sub_(square_(gi), v${j}[e]), uf(1u))));
    ym${j}[e] = mNew;
    yv${j}[e] = vNew;
    yw${j}[e] = sub_(w${j}[e], div_(mul_(mNew, alpha[0]), add_(sqrt_(vNew), uf(2u))));
    return;
  }`;
  });
  const wgsl = `${binaryFn('add_', 'add')}
${binaryFn('sub_', 'sub')}
${binaryFn('mul_', 'mul')}
${binaryFn('div_', 'div')}
${unaryFn('flush_', 'flushSubnormal')}
${unaryFn('square_', 'square')}
${unaryFn('sqrt_', 'sqrt')}
${decls.join('\n')}
${uniformDecl(7 * k + 1, 3 + k)}
${main1D(WG)}
  ${branches.join('\n  ')}
}`;
  if (shaders.size >= MAX_CACHED) shaders.clear();
  shaders.set(k, wgsl);
  return wgsl;
}

/**
 * Variables one dispatch may update: 7 storage buffers each, plus alpha, within the device's
 * maxStorageBuffersPerShaderStage (8, WebGPU's default and SwiftShader's: one variable a dispatch).
 * @example variablesPerDispatch(host) // 1 where the limit is 8, 4 where it is 30
 */
export function variablesPerDispatch(host: GpuProgramHost): number {
  const limit = host.gpu.limits.maxStorageBuffersPerShaderStage;
  return Math.max(1, Math.floor((limit - 1) / BUFFERS_PER_VARIABLE));
}

/** New m, v and w of each of `vars` (all non-empty) in one dispatch. */
function dispatchGroup(
  host: GpuProgramHost,
  vars: readonly AdamVariable[],
  alpha: TensorInfo,
  { c1, c2, epsilon }: AdamAttrs,
): DataId[] {
  const ends: number[] = [];
  let total = 0;
  for (const { size } of vars) ends.push((total += size));
  const outputs = vars.flatMap(({ size }) =>
    [0, 1, 2].map(() => ({ dtype: 'float32' as const, size })),
  );
  const [output, ...moreOutputs] = outputs;
  return host.dispatchMany({
    key: `adam:${vars.length}`,
    wgsl: adamProgram(vars.length),
    inputs: [...vars.flatMap(({ g, m, v, w }) => [g, m, v, w]), alpha],
    output,
    moreOutputs,
    uniforms: packUniforms([{ f: c1 }, { f: c2 }, { f: epsilon }, ...ends]),
    dispatch: dispatch1D(total, WG),
  });
}

/**
 * One Adam step of every variable of an adamUpdate input list (adam_list.ts): new m, v and w of each
 * variable in turn. Variables are grouped as many to a dispatch as the storage-buffer limit allows
 * (empty ones take no dispatch: their outputs are empty buffers).
 * @example const [m2, v2, w2] = adamUpdate(host, [g, m, v, w, alpha], { c1: 0.1, c2: 0.001, epsilon: 1e-7 });
 */
export function adamUpdate(
  host: GpuProgramHost,
  inputs: readonly TensorInfo[],
  attrs: AdamAttrs,
): DataId[] {
  const { variables, alpha } = adamList(inputs);
  const per = variablesPerDispatch(host);
  const out = new Array<DataId>(3 * variables.length);
  const place = (indices: readonly number[], ids: readonly DataId[]): void =>
    indices.forEach((j, q) => out.splice(3 * j, 3, ...ids.slice(3 * q, 3 * q + 3)));
  // NOTE: a dispatch whose first output is empty records no work, so empty variables go alone
  const full = variables.flatMap((x, j) => (x.size > 0 ? [j] : []));
  for (let q = 0; q < full.length; q += per) {
    const group = full.slice(q, q + per);
    place(
      group,
      dispatchGroup(
        host,
        group.map((j) => variables[j]),
        alpha,
        attrs,
      ),
    );
  }
  variables.forEach((x, j) => {
    if (x.size === 0) place([j], dispatchGroup(host, [x], alpha, attrs));
  });
  return out;
}

/** The Adam kernel of the WebGPU table. @example GPU_ADAM.adamUpdate(host, [g, m, v, w, alpha], attrs) */
export const GPU_ADAM = {
  adamUpdate: (h, inputs, a) => adamUpdate(h, inputs, a),
} satisfies SomeHostKernels<GpuProgramHost>;
