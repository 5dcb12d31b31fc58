// The CPU GEMM: cache-blocked over packed panels with a 4x4 register tile (double accumulation within a
// K block), a streaming path for one row (batch-1 inference) and strided operands; matmul.ts, conv use it.
import type { Storage } from './storage.js';

// Register tile (MR x NR accumulators) and cache blocks: an MC x KC block of A stays in L2, a KC x NR
// micro-panel of B in L1, a KC x NC panel of B in L3. 4x4 measured fastest in V8 (16 accumulators + 8
// operands still fit the 16 XMM registers without many spills); 3x4 or 6x2 spill and run 2-3x slower.
const MR = 4;
const NR = 4;
const KC = 384;
const MC = 64;
const NC = 1024;
/** Below this many multiply-adds, packing costs more than it saves. */
const SMALL = 8192;

// NOTE: the packed panels are Float64Array in every precision. float32 and int32 values convert to
// double exactly, so the cpu backend gets double accumulation within a K block and the cpu64 reference
// loses nothing; one array type also keeps the micro-kernel monomorphic, which V8 rewards (~12 % faster
// than Float32Array panels, measured). They are reused across calls rather than allocated per call.
let packA = new Float64Array(MC * KC);
let packB = new Float64Array(KC * NC);
const tile = new Float64Array(MR * NR);

/**
 * One row times a matrix (batch-1 inference): streams B once, row by row, with no packing. A's row
 * steps by `ac`; B's element (p, j) is at bOff + p·br + j·bc.
 * @example rowTimesMatrix(2, 3, a, 0, 1, b, 0, 2, 1, false, c, 0, false) // c[1x2] = a[1x3] · b[3x2]
 */
function rowTimesMatrix(
  n: number,
  k: number,
  a: Storage,
  aOff: number,
  ac: number,
  b: Storage,
  bOff: number,
  br: number,
  bc: number,
  transB: boolean,
  c: Storage,
  cOff: number,
  accumulate: boolean,
): void {
  const acc = new Float64Array(n);
  if (transB) {
    // B stored [n, k]: each output is a dot product of (usually contiguous) rows.
    for (let j = 0; j < n; j++) {
      let sum = 0;
      const row = bOff + j * bc;
      for (let p = 0; p < k; p++) sum += a[aOff + p * ac] * b[row + p * br];
      acc[j] = sum;
    }
  } else {
    for (let p = 0; p < k; p++) {
      const ap = a[aOff + p * ac];
      const row = bOff + p * br;
      for (let j = 0; j < n; j++) acc[j] += ap * b[row + j * bc];
    }
  }
  for (let j = 0; j < n; j++) c[cOff + j] = accumulate ? c[cOff + j] + acc[j] : acc[j];
}

/**
 * C = op(A) · op(B) on raw row-major storage, where op transposes when asked. A is logically [m, k]
 * (stored [k, m] when `transA`), B is [k, n] (stored [n, k] when `transB`), C is [m, n] at `cOff`.
 * With `accumulate`, C += op(A) · op(B). The conv kernels call this on im2col buffers.
 * NOTE: within a K block of up to 384 the sums are double; across blocks they are added into C's
 * storage type (float32 on the cpu backend), as a float32 BLAS does.
 * @example gemm(2, 2, 3, a, 0, false, b, 0, false, c, 0, false) // c = a[2x3] · b[3x2]
 */
export function gemm(
  m: number,
  n: number,
  k: number,
  a: Storage,
  aOff: number,
  transA: boolean,
  b: Storage,
  bOff: number,
  transB: boolean,
  c: Storage,
  cOff: number,
  accumulate: boolean,
): void {
  const [ar, ac] = transA ? [1, m] : [k, 1];
  const [br, bc] = transB ? [1, k] : [n, 1];
  gemmStrided(m, n, k, a, aOff, ar, ac, transA, b, bOff, br, bc, transB, c, cOff, n, accumulate);
}

/**
 * `gemm` with explicit element strides: op(A)'s element (i, p) is at aOff + i·ar + p·ac, op(B)'s
 * (p, j) at bOff + p·br + j·bc (a transposed or sliced operand read in place), C's (i, j) at
 * cOff + i·ldc + j. The path (and so the
 * order of every sum) is chosen by m, n, k and the flags alone, so any strides give bitwise the result
 * of the same product on contiguous copies.
 * @example gemmStrided(2, 2, 3, a, 0, 3, 1, false, b, 0, 2, 1, false, c, 0, 2, false)
 */
export function gemmStrided(
  m: number,
  n: number,
  k: number,
  a: Storage,
  aOff: number,
  ar: number,
  ac: number,
  transA: boolean,
  b: Storage,
  bOff: number,
  br: number,
  bc: number,
  transB: boolean,
  c: Storage,
  cOff: number,
  ldc: number,
  accumulate: boolean,
): void {
  if (m === 0 || n === 0) return;
  if (k === 0) {
    if (!accumulate) for (let i = 0; i < m; i++) c.fill(0, cOff + i * ldc, cOff + i * ldc + n);
    return;
  }
  if (m === 1 && !transA) {
    rowTimesMatrix(n, k, a, aOff, ac, b, bOff, br, bc, transB, c, cOff, accumulate);
    return;
  }
  if (m * n * k <= SMALL) {
    gemmSmall(m, n, k, a, aOff, ar, ac, b, bOff, br, bc, c, cOff, ldc, accumulate);
    return;
  }
  // equal K blocks (288 = 1 x 288, not 256 + 32): a short last block wastes a pass over C
  const kStep = Math.ceil(k / Math.ceil(k / KC));
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += kStep) {
      const kc = Math.min(kStep, k - pc);
      const bp = packPanelB(b, bOff, br, bc, pc, kc, jc, nc);
      const add = accumulate || pc > 0;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        const ap = packBlockA(a, aOff, ar, ac, ic, mc, pc, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = Math.min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            const at = cOff + (ic + ir) * ldc + jc + jr;
            const mr = Math.min(MR, mc - ir);
            if (mr === MR && nr === NR) micro4x4(kc, ap, ir * kc, bp, jr * kc, c, at, ldc, add);
            else {
              // edge tile: compute the full 4x4 into scratch, keep the valid corner
              micro4x4(kc, ap, ir * kc, bp, jr * kc, tile, 0, NR, false);
              storeTile(c, at, ldc, mr, nr, add);
            }
          }
        }
      }
    }
  }
}

/** Direct triple loop for tiny products (and the tails of batched tiny matmuls). */
function gemmSmall(
  m: number,
  n: number,
  k: number,
  a: Storage,
  aOff: number,
  ar: number,
  ac: number,
  b: Storage,
  bOff: number,
  br: number,
  bc: number,
  c: Storage,
  cOff: number,
  ldc: number,
  accumulate: boolean,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      let ai = aOff + i * ar;
      let bi = bOff + j * bc;
      for (let p = 0; p < k; p++) {
        acc += a[ai] * b[bi];
        ai += ac;
        bi += br;
      }
      const ci = cOff + i * ldc + j;
      c[ci] = accumulate ? c[ci] + acc : acc;
    }
  }
}

/** Packs rows [ic, ic+mc) x cols [pc, pc+kc) of op(A) into MR-row panels, k-major, zero-padded. */
function packBlockA(
  a: Storage,
  aOff: number,
  ar: number,
  ac: number,
  ic: number,
  mc: number,
  pc: number,
  kc: number,
): Float64Array {
  const panels = Math.ceil(mc / MR);
  if (packA.length < panels * MR * kc) packA = new Float64Array(panels * MR * kc);
  const ap = packA;
  let q = 0;
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const rows = Math.min(MR, mc - i0);
    for (let p = 0; p < kc; p++) {
      const at = aOff + (pc + p) * ac;
      for (let r = 0; r < MR; r++) {
        if (r < rows) ap[q++] = a[at + (ic + i0 + r) * ar];
        else ap[q++] = 0;
      }
    }
  }
  return ap;
}

/** Packs rows [pc, pc+kc) x cols [jc, jc+nc) of op(B) into NR-column panels, k-major, zero-padded. */
function packPanelB(
  b: Storage,
  bOff: number,
  br: number,
  bc: number,
  pc: number,
  kc: number,
  jc: number,
  nc: number,
): Float64Array {
  const panels = Math.ceil(nc / NR);
  if (packB.length < panels * NR * kc) packB = new Float64Array(panels * NR * kc);
  const bp = packB;
  let q = 0;
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const cols = Math.min(NR, nc - j0);
    if (bc === 1 && cols === NR) {
      // the common case: four contiguous values per row of B
      let src = bOff + pc * br + jc + j0;
      for (let p = 0; p < kc; p++) {
        bp[q] = b[src];
        bp[q + 1] = b[src + 1];
        bp[q + 2] = b[src + 2];
        bp[q + 3] = b[src + 3];
        q += 4;
        src += br;
      }
      continue;
    }
    for (let p = 0; p < kc; p++) {
      const at = bOff + (pc + p) * br;
      for (let r = 0; r < NR; r++) {
        if (r < cols) bp[q++] = b[at + (jc + j0 + r) * bc];
        else bp[q++] = 0;
      }
    }
  }
  return bp;
}

/** C[4x4 at cOff, row stride ldc] (+)= A-panel (MR x kc) · B-panel (kc x NR), 16 accumulators in registers. */
function micro4x4(
  kc: number,
  ap: Float64Array,
  aOff: number,
  bp: Float64Array,
  bOff: number,
  c: Storage,
  cOff: number,
  ldc: number,
  add: boolean,
): void {
  let c00 = 0,
    c01 = 0,
    c02 = 0,
    c03 = 0;
  let c10 = 0,
    c11 = 0,
    c12 = 0,
    c13 = 0;
  let c20 = 0,
    c21 = 0,
    c22 = 0,
    c23 = 0;
  let c30 = 0,
    c31 = 0,
    c32 = 0,
    c33 = 0;
  let ai = aOff;
  let bi = bOff;
  for (let p = 0; p < kc; p++) {
    const a0 = ap[ai],
      a1 = ap[ai + 1],
      a2 = ap[ai + 2],
      a3 = ap[ai + 3];
    const b0 = bp[bi],
      b1 = bp[bi + 1],
      b2 = bp[bi + 2],
      b3 = bp[bi + 3];
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3;
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3;
    c20 += a2 * b0;
    c21 += a2 * b1;
    c22 += a2 * b2;
    c23 += a2 * b3;
    c30 += a3 * b0;
    c31 += a3 * b1;
    c32 += a3 * b2;
    c33 += a3 * b3;
    ai += MR;
    bi += NR;
  }
  const r0 = cOff,
    r1 = cOff + ldc,
    r2 = cOff + 2 * ldc,
    r3 = cOff + 3 * ldc;
  if (add) {
    c[r0] += c00;
    c[r0 + 1] += c01;
    c[r0 + 2] += c02;
    c[r0 + 3] += c03;
    c[r1] += c10;
    c[r1 + 1] += c11;
    c[r1 + 2] += c12;
    c[r1 + 3] += c13;
    c[r2] += c20;
    c[r2 + 1] += c21;
    c[r2 + 2] += c22;
    c[r2 + 3] += c23;
    c[r3] += c30;
    c[r3 + 1] += c31;
    c[r3 + 2] += c32;
    c[r3 + 3] += c33;
  } else {
    c[r0] = c00;
    c[r0 + 1] = c01;
    c[r0 + 2] = c02;
    c[r0 + 3] = c03;
    c[r1] = c10;
    c[r1 + 1] = c11;
    c[r1 + 2] = c12;
    c[r1 + 3] = c13;
    c[r2] = c20;
    c[r2 + 1] = c21;
    c[r2 + 2] = c22;
    c[r2 + 3] = c23;
    c[r3] = c30;
    c[r3 + 1] = c31;
    c[r3 + 2] = c32;
    c[r3 + 3] = c33;
  }
}

/** Writes (or adds) the valid rows x cols corner of the tile into C. */
function storeTile(
  c: Storage,
  cOff: number,
  ldc: number,
  rows: number,
  cols: number,
  add: boolean,
): void {
  for (let r = 0; r < rows; r++) {
    const row = cOff + r * ldc;
    for (let q = 0; q < cols; q++) {
      const v = tile[r * NR + q];
      c[row + q] = add ? c[row + q] + v : v;
    }
  }
}
