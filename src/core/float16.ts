// IEEE binary16 rounding of float32 values: how float16 tensors are emulated in float32 storage.
//
// A float32 is rounded to the nearest binary16 value (ties to even), overflowing to ±Infinity above
// 65504 + half an ulp, keeping subnormals (multiples of 2^-24) and NaN, and the sign of zero. Node 20
// has no Math.f16round, so this works on the float32 bits.

/** Largest finite binary16 value. @example nr.mixedPrecision.f16round(65504 + 16) // Infinity: past FLOAT16_MAX by half an ulp */
export const FLOAT16_MAX = 65504;
/** Smallest positive (subnormal) binary16 value, 2^-24. @example nr.mixedPrecision.f16round(2 ** -26) // 0: below half of FLOAT16_MIN_SUBNORMAL */
export const FLOAT16_MIN_SUBNORMAL = 2 ** -24;

// Thresholds on |bits| of the float32 value.
const INF_BITS = 0x7f800000;
/** 65520 = 65504 + half an ulp: from here (a tie that rounds to the even 65536) the result is Infinity. */
const OVERFLOW_BITS = 0x477ff000;
/** 2^-14, the smallest normal binary16: below it, values are multiples of 2^-24. */
const MIN_NORMAL_BITS = 0x38800000;
/** Adding then subtracting 2^52 rounds a double in [0, 2^52) to an integer, ties to even. */
const ROUND_MAGIC = 2 ** 52;
const SUBNORMAL_SCALE = 2 ** 24;

/** Rounds the bits of one float32 (in `bits`) whose value is `value`; returns the rounded float32 bits. */
function roundBits(bits: number, value: number, scratch: Float32Array, scratchBits: Uint32Array) {
  const a = bits & 0x7fffffff;
  const sign = bits & 0x80000000;
  if (a >= INF_BITS) return bits; // NaN (payload kept) and ±Infinity
  if (a >= OVERFLOW_BITS) return (sign | INF_BITS) >>> 0;
  if (a >= MIN_NORMAL_BITS) {
    // keep 10 of the 23 mantissa bits: add just under half of the dropped 13 bits, plus the kept
    // lowest bit (so ties go to even), then clear them; a carry correctly bumps the exponent
    return (sign | ((a + 0xfff + ((a >>> 13) & 1)) & ~0x1fff)) >>> 0;
  }
  // subnormal range: the nearest multiple of 2^-24 (|value| * 2^24 < 1024 is exact in a double)
  const n = Math.abs(value) * SUBNORMAL_SCALE + ROUND_MAGIC - ROUND_MAGIC;
  scratch[0] = n / SUBNORMAL_SCALE;
  return (sign | scratchBits[0]) >>> 0;
}

const oneF32 = new Float32Array(1);
const oneU32 = new Uint32Array(oneF32.buffer);
const tmpF32 = new Float32Array(1);
const tmpU32 = new Uint32Array(tmpF32.buffer);

/**
 * The binary16 value nearest to x (ties to even), as a number: Math.f16round for Node 20.
 * @example f16round(0.1) // 0.0999755859375
 */
export function f16round(x: number): number {
  oneF32[0] = x;
  oneU32[0] = roundBits(oneU32[0], oneF32[0], tmpF32, tmpU32);
  return oneF32[0];
}

/**
 * Rounds every value of `src` to binary16 into `out` (a new array by default; `out` may be `src`).
 * @example roundToFloat16(new Float32Array([1 / 3, 70000])) // Float32Array [0.333251953125, Infinity]
 */
export function roundToFloat16(
  src: Float32Array,
  out: Float32Array = new Float32Array(src.length),
): Float32Array {
  const inBits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const outBits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < src.length; i++) outBits[i] = roundBits(inBits[i], src[i], tmpF32, tmpU32);
  return out;
}

/**
 * IEEE binary16 bit patterns to their values (h5wasm's float16 datasets, tfjs' float16-quantized weights).
 * @example float16BitsToFloat32(new Uint16Array([0x3c00, 0x7c00])) // Float32Array [1, Infinity]
 */
export function float16BitsToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i];
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    if (exponent === 0) out[i] = sign * 2 ** -14 * (fraction / 1024);
    else if (exponent === 31) out[i] = fraction ? NaN : sign * Infinity;
    else out[i] = sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
  }
  return out;
}
