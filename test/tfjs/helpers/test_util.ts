// The harness's own test_util: expectArraysClose and friends with tfjs's tolerances and messages.

type Flat = ArrayLike<unknown>;

export const TEST_EPSILON_FLOAT32 = 1e-3;
export const TEST_EPSILON_FLOAT16 = 1e-1;

/** Every backend tested here computes in float32. */
export function testEpsilon(): number {
  return TEST_EPSILON_FLOAT32;
}

function isTyped(v: unknown): v is ArrayLike<number> {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

function shapeOf(v: unknown): number[] {
  const shape: number[] = [];
  let x = v;
  while (Array.isArray(x) || isTyped(x)) {
    shape.push(x.length);
    if (!Array.isArray(x)) break;
    x = x[0];
  }
  return shape;
}

function flat(v: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(v)) for (const x of v) flat(x, out);
  else if (isTyped(v)) for (let i = 0; i < v.length; i++) out.push(v[i]);
  else out.push(v);
  return out;
}

function ctorName(v: unknown): string {
  return v === null || v === undefined
    ? String(v)
    : Object.getPrototypeOf(Object(v)).constructor.name;
}

/** tfjs's closeness: two non-finite values agree; NaN against a finite value does not. */
function close(a: unknown, e: unknown, eps: number): boolean {
  const x = Number(a);
  const y = Number(e);
  if (!Number.isFinite(x) && !Number.isFinite(y)) return true;
  return !(Number.isNaN(x) || Number.isNaN(y) || Math.abs(x - y) > eps);
}

function expectArrays(
  actual: unknown,
  expected: unknown,
  same: (a: unknown, e: unknown) => boolean,
): void {
  // Class types must agree unless exactly one side is a typed array.
  if (isTyped(actual) === isTyped(expected)) {
    const a = ctorName(actual);
    const b = ctorName(expected);
    if (a !== b) throw new Error(`Arrays are of different type. Actual: ${a}. Expected: ${b}`);
  }
  if (Array.isArray(actual) && Array.isArray(expected)) {
    const sa = shapeOf(actual);
    const se = shapeOf(expected);
    if (sa.join() !== se.join())
      throw new Error(`Arrays have different shapes. Actual: [${sa}]. Expected: [${se}]`);
  }
  const a: Flat = isTyped(actual) ? actual : flat(actual);
  const e: Flat = isTyped(expected) ? expected : flat(expected);
  if (a.length !== e.length)
    throw new Error(
      `Arrays have different lengths actual: ${a.length} vs expected: ${e.length}.\nActual:   ${Array.from(a)}.\nExpected: ${Array.from(e)}.`,
    );
  for (let i = 0; i < e.length; i++) {
    if (!same(a[i], e[i]))
      throw new Error(
        `Arrays differ: actual[${i}] = ${String(a[i])}, expected[${i}] = ${String(e[i])}.\nActual:   ${Array.from(a)}.\nExpected: ${Array.from(e)}.`,
      );
  }
}

/** Element-wise |actual - expected| <= epsilon (default 1e-3). */
export function expectArraysClose(actual: unknown, expected: unknown, epsilon?: number): void {
  const eps = epsilon ?? testEpsilon();
  expectArrays(actual, expected, (a, e) => close(a, e, eps));
}

/** Exact equality; strings compare as strings. */
export function expectArraysEqual(actual: unknown, expected: unknown): void {
  const exp =
    typeof expected === 'string' || typeof expected === 'number' || typeof expected === 'boolean'
      ? [expected]
      : expected;
  const first = (v: unknown) => (Array.isArray(v) ? v[0] : undefined);
  if ([actual, first(actual), expected, first(expected)].some((v) => typeof v === 'string'))
    return expectArrays(actual, exp, (a, e) => a == e);
  expectArrays(actual, expected, (a, e) => close(a, e, 0));
}

/** |a - e| <= epsilon. */
export function expectNumbersClose(a: number, e: number, epsilon?: number): void {
  if (!close(a, e, epsilon ?? testEpsilon()))
    throw new Error(`Numbers differ: actual === ${a}, expected === ${e}`);
}

/** Every value within [low, high]. */
export function expectValuesInRange(actual: ArrayLike<number>, low: number, high: number): void {
  for (let i = 0; i < actual.length; i++)
    if (actual[i] < low || actual[i] > high)
      throw new Error(`Value out of range:${actual[i]} low: ${low}, high: ${high}`);
}

/** Two buffers equal as float32 arrays. */
export function expectArrayBuffersEqual(actual: ArrayBuffer, expected: ArrayBuffer): void {
  const a = new Float32Array(actual);
  const e = new Float32Array(expected);
  if (a.length !== e.length)
    throw new Error(`Expected ArrayBuffer to be of length ${e.length}, but it was ${a.length}`);
  for (let i = 0; i < e.length; i++)
    if (a[i] !== e[i])
      throw new Error(`Expected ArrayBuffer value at ${i} to be ${e[i]} but got ${a[i]} instead`);
}

/** A promise expected to reject: calls done() when it does, done.fail() when it resolves. */
export function expectPromiseToFail(
  fn: () => Promise<unknown>,
  done: { (): void; fail: () => void },
): void {
  fn().then(
    () => done.fail(),
    () => done(),
  );
}

type Nested = (string | Uint8Array | Nested)[];
/** Encodes (in place) nested strings to UTF-8 bytes. */
export function encodeStrings(a: Nested): Nested {
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    a[i] = Array.isArray(v)
      ? encodeStrings(v)
      : typeof v === 'string'
        ? new TextEncoder().encode(v)
        : v;
  }
  return a;
}

/** Browser-only helper (video elements): the specs that call it run only under BROWSER_ENVS. */
export function createVideoElement(): Promise<never> {
  return Promise.reject(new Error('createVideoElement: browser only'));
}

/** Browser-only helper (video playback): the specs that call it run only under BROWSER_ENVS. */
export function play(): Promise<never> {
  return Promise.reject(new Error('play: browser only'));
}
