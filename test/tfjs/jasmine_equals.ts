// jasmine's deep equality (toEqual) and value printing, for the tfjs spec harness.

interface Asymmetric {
  asymmetricMatch: (other: unknown) => boolean;
}

function isAsymmetric(v: unknown): v is Asymmetric {
  return (
    typeof v === 'object' && v !== null && typeof Reflect.get(v, 'asymmetricMatch') === 'function'
  );
}

function isTypedArray(v: unknown): v is ArrayLike<number | bigint> {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

/**
 * jasmine's toEqual: structural, NaN equals NaN, 0 differs from -0, typed arrays equal by type and
 * contents, objects by own enumerable keys (a key holding undefined counts), same constructor.
 */
export function equals(a: unknown, b: unknown): boolean {
  if (isAsymmetric(b)) return b.asymmetricMatch(a);
  if (isAsymmetric(a)) return a.asymmetricMatch(b);
  if (a === b) return a !== 0 || 1 / (a as number) === 1 / (b as number);
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    // Boxed primitives and functions compare by identity, done above.
    return false;
  }
  if (Object.prototype.toString.call(a) !== Object.prototype.toString.call(b)) return false;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof RegExp && b instanceof RegExp) return a.toString() === b.toString();
  if (a instanceof ArrayBuffer && b instanceof ArrayBuffer)
    return equals(new Uint8Array(a), new Uint8Array(b));
  if (isTypedArray(a) && isTypedArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equals(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !equals(v, b.get(k))) return false;
    return true;
  }
  if (a instanceof Set && b instanceof Set) {
    if (a.size !== b.size) return false;
    for (const v of a) if (![...b].some((w) => equals(v, w))) return false;
    return true;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equals(a[i], b[i])) return false;
    // jasmine also compares non-index own properties of arrays.
  }
  if (a instanceof Error && b instanceof Error) return a.message === b.message;
  const ctorA: unknown = Reflect.get(a, 'constructor');
  const ctorB: unknown = Reflect.get(b, 'constructor');
  if (ctorA !== ctorB && !Array.isArray(a)) {
    // jasmine accepts plain objects against Object.create(null) ones; otherwise constructors must agree.
    const plain = (c: unknown) => c === Object || c === undefined;
    if (!(plain(ctorA) && plain(ctorB))) return false;
  }
  const keysA = Object.keys(a).filter((k) => !Array.isArray(a) || !/^\d+$/.test(k));
  const keysB = Object.keys(b).filter((k) => !Array.isArray(b) || !/^\d+$/.test(k));
  if (keysA.length !== keysB.length) return false;
  for (const k of keysA) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!equals(Reflect.get(a, k), Reflect.get(b, k))) return false;
  }
  return true;
}

/** A short printable form of a value for failure messages. */
export function describeValue(v: unknown, depth = 0): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'bigint' || typeof v === 'boolean' || v === undefined || v === null)
    return String(v);
  if (typeof v === 'function') return `Function ${v.name}`;
  if (typeof v === 'symbol') return v.toString();
  if (depth > 3) return '...';
  if (isTypedArray(v)) return `${v.constructor.name} [${Array.from(v).slice(0, 20).join(', ')}]`;
  if (Array.isArray(v))
    return `[ ${v
      .slice(0, 20)
      .map((x) => describeValue(x, depth + 1))
      .join(', ')} ]`;
  if (v instanceof Error) return `${v.constructor.name}: ${v.message}`;
  // A RegExp has no own keys; its source is what a failure report needs to show.
  if (v instanceof RegExp) return v.toString();
  if (isAsymmetric(v)) return `<${v.constructor.name}>`;
  const entries = Object.keys(v)
    .slice(0, 20)
    .map((k) => `${k}: ${describeValue(Reflect.get(v, k), depth + 1)}`);
  return `{ ${entries.join(', ')} }`;
}
