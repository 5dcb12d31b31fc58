// The GEMM descriptor the wasm GEMM and GEMV kernels read from the heap: field slots and flag bits.

/**
 * Fields of a GEMM descriptor in the heap (i32 slots); batch triples (a, b, c byte offsets) follow.
 * sI, sPA: byte strides of op(A) along its rows and along k; sPB, sJ: of op(B) along k and its
 * columns (a transposed or sliced operand is read in place through them); ldc: C's row stride in
 * elements (n, or more where C is written into a transposed layout).
 * @example heap32[base + DESC.m] = m
 */
export const DESC = {
  m: 0,
  n: 1,
  k: 2,
  flags: 3,
  bias: 4,
  act: 5,
  kStep: 6,
  sI: 7,
  sPA: 8,
  sJ: 9,
  sPB: 10,
  ldc: 11,
  batches: 12,
} as const;
/**
 * Bits of DESC.flags. rawA: the transposed A is read in place, not packed (m a multiple of 4);
 * rawB: the row-major B is read in place (n a multiple of 8); strided: the strides are the
 * descriptor's (DESC.sI...ldc), else those of contiguous operands and C. @example FLAG.transA | FLAG.accumulate // 5
 */
export const FLAG = {
  transA: 1,
  transB: 2,
  accumulate: 4,
  rawA: 8,
  rawB: 16,
  strided: 32,
} as const;
/** Bytes of a descriptor with `batches` triples. @example descBytes(1) // 60 */
export function descBytes(batches: number): number {
  return 4 * (DESC.batches + 3 * batches);
}
