// Fingerprint64: FarmHash's 64-bit fingerprint (its "na" Hash64), the hash TensorFlow's StringToHashBucketFast uses.
//
// Written from the published description of the algorithm (FarmHash by Geoff Pike, its farmhashna
// family: length classes 0-16, 17-32, 33-64 and a 64-byte block loop over five 64-bit lanes), in
// BigInt arithmetic modulo 2^64. The output must match TensorFlow's bit for bit: a model's hashed
// vocabulary buckets depend on it (checked against TensorFlow's published values in the tests).

const M64 = (1n << 64n) - 1n;
const K0 = 0xc3a5c85c97cb3127n;
const K1 = 0xb492b66fbe98f273n;
const K2 = 0x9ae16a3b2f90404fn;

/** Little-endian 64-bit word at byte `i`. */
function fetch64(s: Uint8Array, i: number): bigint {
  let lo = 0;
  let hi = 0;
  for (let k = 3; k >= 0; k--) {
    lo = lo * 256 + s[i + k];
    hi = hi * 256 + s[i + 4 + k];
  }
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Little-endian 32-bit word at byte `i`. */
function fetch32(s: Uint8Array, i: number): bigint {
  return BigInt(s[i] + s[i + 1] * 0x100 + s[i + 2] * 0x10000 + s[i + 3] * 0x1000000);
}

/** Rotate right by `r` bits within 64. */
function rotr(v: bigint, r: bigint): bigint {
  return r === 0n ? v : ((v >> r) | (v << (64n - r))) & M64;
}

function shiftMix(v: bigint): bigint {
  return v ^ (v >> 47n);
}

function mul(a: bigint, b: bigint): bigint {
  return (a * b) & M64;
}

function add(...xs: bigint[]): bigint {
  let s = 0n;
  for (const x of xs) s += x;
  return s & M64;
}

/** Mixes two words into one (the 128-to-64 reduction with a multiplier). */
function hashLen16(u: bigint, v: bigint, m: bigint): bigint {
  let a = mul(u ^ v, m);
  a ^= a >> 47n;
  let b = mul(v ^ a, m);
  b ^= b >> 47n;
  return mul(b, m);
}

function hashLen0to16(s: Uint8Array): bigint {
  const len = s.length;
  const n = BigInt(len);
  if (len >= 8) {
    const m = add(K2, n * 2n);
    const a = add(fetch64(s, 0), K2);
    const b = fetch64(s, len - 8);
    const c = add(mul(rotr(b, 37n), m), a);
    const d = mul(add(rotr(a, 25n), b), m);
    return hashLen16(c, d, m);
  }
  if (len >= 4) {
    const m = add(K2, n * 2n);
    const a = fetch32(s, 0);
    return hashLen16(add(n, a << 3n), fetch32(s, len - 4), m);
  }
  if (len > 0) {
    const y = BigInt(s[0] + (s[len >> 1] << 8));
    const z = BigInt(len + (s[len - 1] << 2));
    return mul(shiftMix(mul(y, K2) ^ mul(z, K0)), K2);
  }
  return K2;
}

function hashLen17to32(s: Uint8Array): bigint {
  const len = s.length;
  const m = add(K2, BigInt(len) * 2n);
  const a = mul(fetch64(s, 0), K1);
  const b = fetch64(s, 8);
  const c = mul(fetch64(s, len - 8), m);
  const d = mul(fetch64(s, len - 16), K2);
  return hashLen16(add(rotr(add(a, b), 43n), rotr(c, 30n), d), add(a, rotr(add(b, K2), 18n), c), m);
}

function hashLen33to64(s: Uint8Array): bigint {
  const len = s.length;
  const m = add(K2, BigInt(len) * 2n);
  const a = mul(fetch64(s, 0), K2);
  const b = fetch64(s, 8);
  const c = mul(fetch64(s, len - 8), m);
  const d = mul(fetch64(s, len - 16), K2);
  const y = add(rotr(add(a, b), 43n), rotr(c, 30n), d);
  const z = hashLen16(y, add(a, rotr(add(b, K2), 18n), c), m);
  const e = mul(fetch64(s, 16), m);
  const f = fetch64(s, 24);
  const g = mul(add(y, fetch64(s, len - 32)), m);
  const h = mul(add(z, fetch64(s, len - 24)), m);
  return hashLen16(add(rotr(add(e, f), 43n), rotr(g, 30n), h), add(e, rotr(add(f, a), 18n), g), m);
}

/** Two lanes from 32 bytes at `i` and two seeds. */
function weakHash32(s: Uint8Array, i: number, seedA: bigint, seedB: bigint): [bigint, bigint] {
  const w = fetch64(s, i);
  const x = fetch64(s, i + 8);
  const y = fetch64(s, i + 16);
  const z = fetch64(s, i + 24);
  let a = add(seedA, w);
  let b = rotr(add(seedB, a, z), 21n);
  const c = a;
  a = add(a, x, y);
  b = add(b, rotr(a, 44n));
  return [add(a, z), add(b, c)];
}

/**
 * FarmHash Fingerprint64 of bytes, as an unsigned 64-bit BigInt (TensorFlow's Fingerprint64).
 * @example fingerprint64(new TextEncoder().encode('a')) // 12917804110809363939n
 */
export function fingerprint64(s: Uint8Array): bigint {
  const len = s.length;
  if (len <= 16) return hashLen0to16(s);
  if (len <= 32) return hashLen17to32(s);
  if (len <= 64) return hashLen33to64(s);
  const seed = 81n;
  let x = seed;
  let y = add(mul(seed, K1), 113n);
  let z = mul(shiftMix(add(mul(y, K2), 113n)), K2);
  let v: [bigint, bigint] = [0n, 0n];
  let w: [bigint, bigint] = [0n, 0n];
  x = add(mul(x, K2), fetch64(s, 0));
  // blocks of 64 bytes; the last 1 to 64 bytes are hashed from the final 64-byte window
  const end = Math.floor((len - 1) / 64) * 64;
  const last64 = len - 64;
  for (let i = 0; i !== end; i += 64) {
    x = mul(rotr(add(x, y, v[0], fetch64(s, i + 8)), 37n), K1);
    y = mul(rotr(add(y, v[1], fetch64(s, i + 48)), 42n), K1);
    x ^= w[1];
    y = add(y, v[0], fetch64(s, i + 40));
    z = mul(rotr(add(z, w[0]), 33n), K1);
    v = weakHash32(s, i, mul(v[1], K1), add(x, w[0]));
    w = weakHash32(s, i + 32, add(z, w[1]), add(y, fetch64(s, i + 16)));
    [z, x] = [x, z];
  }
  const m = add(K1, (z & 0xffn) << 1n);
  w[0] = add(w[0], BigInt((len - 1) & 63));
  v[0] = add(v[0], w[0]);
  w[0] = add(w[0], v[0]);
  x = mul(rotr(add(x, y, v[0], fetch64(s, last64 + 8)), 37n), m);
  y = mul(rotr(add(y, v[1], fetch64(s, last64 + 48)), 42n), m);
  x ^= mul(w[1], 9n);
  y = add(y, mul(v[0], 9n), fetch64(s, last64 + 40));
  z = mul(rotr(add(z, w[0]), 33n), m);
  v = weakHash32(s, last64, mul(v[1], m), add(x, w[0]));
  w = weakHash32(s, last64 + 32, add(z, w[1]), add(y, fetch64(s, last64 + 16)));
  [z, x] = [x, z];
  return hashLen16(
    add(hashLen16(v[0], w[0], m), mul(shiftMix(y), K0), z),
    add(hashLen16(v[1], w[1], m), x),
    m,
  );
}
