// WebAssembly kernels emitted at run time with asm.ts: feature probes and the 4x8 f32x4 GEMM micro-kernel.
import { assemble, Code, type FuncDef, I32, V128, type ValType } from './asm.js';

/** Register tile of the micro-kernel: MR rows of A times NR columns of B (two f32x4 per row). */
export const MR = 4;
export const NR = 8;

/** What the platform's WebAssembly supports. */
export interface WasmFeatures {
  simd: boolean;
  relaxedSimd: boolean;
}

function probe(emit: (c: Code) => Code): boolean {
  const code = emit(new Code().localGet(0).localGet(1).localGet(2));
  const f: FuncDef = { name: 'f', params: [V128, V128, V128], results: [V128], locals: [], code };
  try {
    return WebAssembly.validate(assemble([f]));
  } catch {
    return false;
  }
}

/** Relaxed SIMD is behind a flag in Node 20; V8 reads wasm feature flags at validation time. */
async function enableRelaxedSimdInNode(): Promise<void> {
  if (typeof process === 'undefined' || !process.versions?.node) return;
  try {
    const v8 = await import('node:v8');
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    // not Node after all, or flags locked: plain SIMD it is
  }
}

/**
 * Detects SIMD128 and relaxed SIMD by validating probe modules (turning on Node 20's flag first).
 * @example const { simd, relaxedSimd } = await detectFeatures();
 */
export async function detectFeatures(): Promise<WasmFeatures> {
  const simd = probe((c) => c.f32x4Mul().f32x4Add());
  if (!simd) return { simd, relaxedSimd: false };
  const relaxed = (c: Code): Code => c.f32x4RelaxedMadd();
  if (probe(relaxed)) return { simd, relaxedSimd: true };
  await enableRelaxedSimdInNode();
  return { simd, relaxedSimd: probe(relaxed) };
}

/**
 * The micro-kernel driver, in wasm: for each 8-column panel j < nq of packed B and each 4-row panel
 * i < np of packed A, C[4x8 at cp + 4i·ldc + 32j] (+)= A_i (4 x kc) · B_j (kc x 8). Panels are k-major
 * (A: 4 floats per k, B: 8 floats per k); ldc is C's row stride in bytes; add != 0 adds to C.
 * j is the outer loop so one B panel (kc·32 bytes) stays in L1 while the A block streams from L2.
 */
export type GemmBlockFn = (
  np: number,
  nq: number,
  kc: number,
  ap: number,
  bp: number,
  cp: number,
  ldc: number,
  add: number,
) => void;

/** The micro-kernel as a function definition (see GemmBlockFn), for modules that call it. */
export function gemmBlockCode(fma: boolean): FuncDef {
  // params 0..7: np nq kc ap bp cp ldc add; locals: 8 i, 9 j, 10 pa, 11 pb, 12 pcRow, 13 p,
  // 14..21 accumulators (row r: 14 + 2r, 15 + 2r), 22 b0, 23 b1, 24 splat of a
  const [np, nq, kc, ap, bp, cp, ldc, add] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [i, j, pa, pb, pcRow, p] = [8, 9, 10, 11, 12, 13];
  const acc = (r: number, h: number): number => 14 + 2 * r + h;
  const [b0, b1, av] = [22, 23, 24];
  const c = new Code();
  const madd = (target: number, b: number): void => {
    if (fma) c.localGet(av).localGet(b).localGet(target).f32x4RelaxedMadd().localSet(target);
    else c.localGet(av).localGet(b).f32x4Mul().localGet(target).f32x4Add().localSet(target);
  };
  c.i32Const(0).localSet(j);
  c.loop();
  c.i32Const(0).localSet(i);
  c.loop();
  // pa = ap + i·kc·16, pb = bp + j·kc·32
  c.localGet(ap).localGet(i).localGet(kc).i32Mul().i32Const(4).i32Shl().i32Add().localSet(pa);
  c.localGet(bp).localGet(j).localGet(kc).i32Mul().i32Const(5).i32Shl().i32Add().localSet(pb);
  for (let r = 0; r < MR; r++) for (let h = 0; h < 2; h++) c.v128Zero().localSet(acc(r, h));
  c.localGet(kc).localSet(p);
  c.loop();
  c.localGet(pb).v128Load(0).localSet(b0);
  c.localGet(pb).v128Load(16).localSet(b1);
  for (let r = 0; r < MR; r++) {
    c.localGet(pa)
      .v128Load32Splat(4 * r)
      .localSet(av);
    madd(acc(r, 0), b0);
    madd(acc(r, 1), b1);
  }
  c.localGet(pa).i32Const(16).i32Add().localSet(pa);
  c.localGet(pb).i32Const(32).i32Add().localSet(pb);
  c.localGet(p).i32Const(1).i32Sub().localTee(p).brIf(0);
  c.end();
  // pcRow = cp + 4i·ldc + 32j
  c.localGet(cp).localGet(i).localGet(ldc).i32Mul().i32Const(2).i32Shl().i32Add();
  c.localGet(j).i32Const(5).i32Shl().i32Add().localSet(pcRow);
  for (let r = 0; r < MR; r++) {
    c.localGet(add).if();
    for (let h = 0; h < 2; h++)
      c.localGet(acc(r, h))
        .localGet(pcRow)
        .v128Load(16 * h)
        .f32x4Add()
        .localSet(acc(r, h));
    c.end();
    for (let h = 0; h < 2; h++)
      c.localGet(pcRow)
        .localGet(acc(r, h))
        .v128Store(16 * h);
    c.localGet(pcRow).localGet(ldc).i32Add().localSet(pcRow);
  }
  c.localGet(i).i32Const(1).i32Add().localTee(i).localGet(np).i32LtU().brIf(0);
  c.end();
  c.localGet(j).i32Const(1).i32Add().localTee(j).localGet(nq).i32LtU().brIf(0);
  c.end();
  const locals: ValType[] = [
    ...new Array<ValType>(6).fill(I32),
    ...new Array<ValType>(11).fill(V128),
  ];
  return {
    name: 'gemmBlock',
    params: new Array<ValType>(8).fill(I32),
    results: [],
    locals,
    code: c,
  };
}
