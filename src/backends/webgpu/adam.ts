// Adam's step on the GPU in three dispatches (new m, v and w) instead of fourteen elementwise kernels.
import { sizeOf } from '../../core/shape.js';
import { BINARY, UNARY } from '../../core/elementwise_table.js';
import type { AdamAttrs, DataId, TensorInfo } from '../backend.js';
import { dispatch1D, type GpuProgramHost, main1D, packUniforms, uniformDecl } from './program.js';
import type { SomeHostKernels } from '../kernel_table.js';

const WG = 64;
type Output = 'm' | 'v' | 'w';

/** The table's WGSL for a binary op as a function, so the kernel spells each step as the table does. */
const binaryFn = (name: string, op: keyof typeof BINARY): string =>
  `fn ${name}(a: f32, b: f32) -> f32 { return ${BINARY[op].wgsl}; }`;
const unaryFn = (name: string, op: keyof typeof UNARY): string =>
  `fn ${name}(x: f32) -> f32 { return ${UNARY[op].wgsl}; }`;

/**
 * The program computing one of the outputs: each step is adamComposed's (ops/optimizer_rules.ts), one
 * table expression per function call, rounded to f32 in between as the separate kernels store it:
 * m' = flush(m + (g - m)·c1); v' = flush(v + (g² - v)·c2); w' = w - (m'·alpha) / (√v' + ε).
 */
function program(out: Output): string {
  const result = { m: 'mNew', v: 'vNew', w: 'wNew' }[out];
  return `${binaryFn('add_', 'add')}
${binaryFn('sub_', 'sub')}
${binaryFn('mul_', 'mul')}
${binaryFn('div_', 'div')}
${unaryFn('flush_', 'flushSubnormal')}
${unaryFn('square_', 'square')}
${unaryFn('sqrt_', 'sqrt')}
@group(0) @binding(0) var<storage, read> g: array<f32>;
@group(0) @binding(1) var<storage, read> m: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read> w: array<f32>;
@group(0) @binding(4) var<storage, read> alpha: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;
${uniformDecl(6, 4)}
${main1D(WG)}
  if (i >= uu(0u)) { return; }
  let gi = g[i];
  let mNew = flush_(add_(m[i], mul_(sub_(gi, m[i]), uf(1u))));
  ${out === 'm' ? '' : 'let vNew = flush_(add_(v[i], mul_(sub_(square_(gi), v[i]), uf(2u))));'}
  ${out === 'w' ? 'let wNew = sub_(w[i], div_(mul_(mNew, alpha[0]), add_(sqrt_(vNew), uf(3u))));' : ''}
  y[i] = ${result};
}`;
}

/**
 * New m, v and w of one Adam step, one dispatch each (m' and v' recomputed where w' needs them: a few
 * flops are cheaper than a round trip through memory).
 * @example const [m2, v2, w2] = adamUpdate(host, g, m, v, w, alpha, { c1: 0.1, c2: 0.001, epsilon: 1e-7 });
 */
export function adamUpdate(
  host: GpuProgramHost,
  g: TensorInfo,
  m: TensorInfo,
  v: TensorInfo,
  w: TensorInfo,
  alpha: TensorInfo,
  { c1, c2, epsilon }: AdamAttrs,
): [DataId, DataId, DataId] {
  const n = sizeOf(g.shape);
  const uniforms = packUniforms([n, { f: c1 }, { f: c2 }, { f: epsilon }]);
  const run = (out: Output): DataId =>
    host.dispatch({
      key: `adam:${out}`,
      wgsl: program(out),
      inputs: [g, m, v, w, alpha],
      output: { dtype: 'float32', size: n },
      uniforms,
      dispatch: dispatch1D(n, WG),
    });
  return [run('m'), run('v'), run('w')];
}

/** The Adam kernel of the WebGPU table. @example GPU_ADAM.adamUpdate(host, [g, m, v, w, alpha], attrs) */
export const GPU_ADAM = {
  adamUpdate: (h, [g, m, v, w, alpha], a) => adamUpdate(h, g, m, v, w, alpha, a),
} satisfies SomeHostKernels<GpuProgramHost>;
