// The `-jit` variants of the neurite cases: the same work with compile({ jitCompile: true }), on neurite only.
import type { BenchCase, CaseContext, Prepared } from '../harness.js';

/**
 * A case's jitCompile twin: named `<name>-jit`, run on neurite's engines only (the peers' rows are the
 * plain case's), with `neurite` set up to compile with jitCompile.
 * @example export const fitMlpJitCase = jitVariant(fitMlpCase, (ctx) => neuriteFit(FIT_MLP, ctx, true));
 */
export function jitVariant(base: BenchCase, neurite: (ctx: CaseContext) => Prepared): BenchCase {
  return {
    ...base,
    name: `${base.name}-jit`,
    title: `${base.title}; compile({ jitCompile: true }): the steps replay captured kernels`,
    engines: (e) => e.kind === 'neurite' && (base.engines?.(e) ?? true),
    neurite,
    gaps: {},
  };
}
