// WebAssembly kernels emitted at run time with asm.ts: feature probes and the 4x8 f32x4 GEMM micro-kernel.
import { emitActivations } from './activation.js';
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
 * The micro-kernel driver, in wasm: for each 8-column panel j < nq of B and each 4-row panel i < np
 * of A, C[4x8 at cp + 4i·ldc + 32j] (+)= A_i (4 x kc) · B_j (kc x 8). Panels are k-major with
 * contiguous lanes (A: 4 floats per k, B: 8), panel i at ap + i·aPanel, its k steps aK bytes apart
 * (B: bp + j·bPanel, bK): packed panels have aK = 16, aPanel = kc·16, bK = 32, bPanel = kc·32; a
 * transposed A or a row-major B is read in place with its own strides (aK = m·4, aPanel = 16;
 * bK = n·4, bPanel = 32). ldc is C's row stride in bytes; add != 0 adds to C. Then,
 * in registers, the epilogue of the GEMM's last k block: + bias (a byte offset of the bias at the
 * block's first column, 0: none) and the activation `act` (ACT code, 0: linear), the order the
 * write-out (gemm.ts) uses, so a tile finished here equals one finished there bitwise.
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
  bias: number,
  act: number,
  aK: number,
  aPanel: number,
  bK: number,
  bPanel: number,
) => void;

/**
 * The micro-kernel as a function definition (see GemmBlockFn), for modules that call it. `strided`:
 * the variant gemmBlockRows for a row-major A read in place, its 4 lanes aLane bytes apart (a 15th
 * parameter; three more address adds per k, so packed panels keep the constant lane offsets).
 */
export function gemmBlockCode(fma: boolean, strided = false): FuncDef {
  const [np, nq, kc, ap, bp, cp, ldc, add, bias, act, aK, aPanel, bK, bPanel, aLane] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
  ];
  const params = strided ? 15 : 14;
  const [i, j, pa, pb, pcRow, p, lane2, lane3] = Array.from({ length: 8 }, (_, x) => params + x);
  // v128 after the i32s: 8 accumulators (row r: v + 2r, v + 2r + 1), b0, b1, the splat of a, scratch
  const v = params + 8;
  const acc = (r: number, h: number): number => v + 2 * r + h;
  const [b0, b1, av, t3] = [v + 8, v + 9, v + 10, v + 11];
  const accs = Array.from({ length: 2 * MR }, (_, x) => v + x);
  const c = new Code();
  // the address of lane r of A at this k: pa + r·4 packed (as the load's offset), pa + r·aLane strided
  const laneOffset = (r: number): number => {
    if (!strided) {
      c.localGet(pa);
      return 4 * r;
    }
    c.localGet(pa);
    if (r > 0) c.localGet([0, aLane, lane2, lane3][r]).i32Add();
    return 0;
  };
  if (strided) {
    c.localGet(aLane).i32Const(1).i32Shl().localSet(lane2);
    c.localGet(lane2).localGet(aLane).i32Add().localSet(lane3);
  }
  const madd = (target: number, b: number): void => {
    if (fma) c.localGet(av).localGet(b).localGet(target).f32x4RelaxedMadd().localSet(target);
    else c.localGet(av).localGet(b).f32x4Mul().localGet(target).f32x4Add().localSet(target);
  };
  // pcRow = cp + 4i·ldc + 32j
  const firstRow = (): void => {
    c.localGet(cp).localGet(i).localGet(ldc).i32Mul().i32Const(2).i32Shl().i32Add();
    c.localGet(j).i32Const(5).i32Shl().i32Add().localSet(pcRow);
  };
  c.i32Const(0).localSet(j);
  c.loop();
  c.i32Const(0).localSet(i);
  c.loop();
  // pa = ap + i·aPanel, pb = bp + j·bPanel
  c.localGet(ap).localGet(i).localGet(aPanel).i32Mul().i32Add().localSet(pa);
  c.localGet(bp).localGet(j).localGet(bPanel).i32Mul().i32Add().localSet(pb);
  for (const x of accs) c.v128Zero().localSet(x);
  c.localGet(kc).localSet(p);
  c.loop();
  c.localGet(pb).v128Load(0).localSet(b0);
  c.localGet(pb).v128Load(16).localSet(b1);
  for (let r = 0; r < MR; r++) {
    c.v128Load32Splat(laneOffset(r)).localSet(av);
    madd(acc(r, 0), b0);
    madd(acc(r, 1), b1);
  }
  c.localGet(pa).localGet(aK).i32Add().localSet(pa);
  c.localGet(pb).localGet(bK).i32Add().localSet(pb);
  c.localGet(p).i32Const(1).i32Sub().localTee(p).brIf(0);
  c.end();
  // sums of earlier k blocks: acc = acc + C
  c.localGet(add).if();
  firstRow();
  for (let r = 0; r < MR; r++) {
    for (let h = 0; h < 2; h++)
      c.localGet(acc(r, h))
        .localGet(pcRow)
        .v128Load(16 * h)
        .f32x4Add()
        .localSet(acc(r, h));
    c.localGet(pcRow).localGet(ldc).i32Add().localSet(pcRow);
  }
  c.end();
  // the epilogue: acc = act(acc + bias), bias columns 32j on from `bias`
  c.localGet(bias).if();
  c.localGet(bias)
    .localGet(j)
    .i32Const(5)
    .i32Shl()
    .i32Add()
    .localTee(pcRow)
    .v128Load(0)
    .localSet(b0);
  c.localGet(pcRow).v128Load(16).localSet(b1);
  for (let r = 0; r < MR; r++)
    for (let h = 0; h < 2; h++)
      c.localGet(acc(r, h))
        .localGet(h === 0 ? b0 : b1)
        .f32x4Add()
        .localSet(acc(r, h));
  c.end();
  c.localGet(act).if();
  emitActivations(c, act, accs, [b0, b1, av, t3]);
  c.end();
  firstRow();
  for (let r = 0; r < MR; r++) {
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
    ...new Array<ValType>(8).fill(I32),
    ...new Array<ValType>(12).fill(V128),
  ];
  return {
    name: strided ? 'gemmBlockRows' : 'gemmBlock',
    params: new Array<ValType>(params).fill(I32),
    results: [],
    locals,
    code: c,
  };
}
