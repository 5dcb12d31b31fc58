// jasmine's expect() and expectAsync() with the matchers tfjs-core's specs use.
import { recordFailure, type Spy } from './jasmine.js';
import { describeValue, equals } from './jasmine_equals.js';

type Check = { pass: boolean; message: string };
type Matcher = (actual: unknown, ...expected: unknown[]) => Check;

function isSpy(v: unknown): v is Spy {
  return typeof v === 'function' && Reflect.get(v, 'isSpy') === true;
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

function thrownBy(fn: unknown): { threw: boolean; error: unknown } {
  if (typeof fn !== 'function')
    throw new Error('expect(...).toThrow: the actual value is not a function');
  try {
    fn();
    return { threw: false, error: undefined };
  } catch (error) {
    return { threw: true, error };
  }
}

/** toThrowError's arguments: (), (message), (regexp), (Type), (Type, message|regexp). */
function errorMatches(error: unknown, a?: unknown, b?: unknown): boolean {
  if (!(error instanceof Error)) return false;
  let type: unknown;
  let message: unknown;
  if (typeof a === 'function') [type, message] = [a, b];
  else message = a;
  if (typeof type === 'function' && !(error instanceof type)) return false;
  if (message === undefined || message === null) return true;
  if (message instanceof RegExp) return message.test(error.message);
  return error.message === String(message);
}

const MATCHERS: Record<string, Matcher> = {
  toBe: (a, e) => ({
    pass: Object.is(a, e),
    message: `Expected ${describeValue(a)} to be ${describeValue(e)}.`,
  }),
  toEqual: (a, e) => ({
    pass: equals(a, e),
    message: `Expected ${describeValue(a)} to equal ${describeValue(e)}.`,
  }),
  toBeNull: (a) => ({ pass: a === null, message: `Expected ${describeValue(a)} to be null.` }),
  toBeUndefined: (a) => ({
    pass: a === undefined,
    message: `Expected ${describeValue(a)} to be undefined.`,
  }),
  toBeDefined: (a) => ({
    pass: a !== undefined,
    message: `Expected ${describeValue(a)} to be defined.`,
  }),
  toBeTruthy: (a) => ({ pass: !!a, message: `Expected ${describeValue(a)} to be truthy.` }),
  toBeFalsy: (a) => ({ pass: !a, message: `Expected ${describeValue(a)} to be falsy.` }),
  toBeTrue: (a) => ({ pass: a === true, message: `Expected ${describeValue(a)} to be true.` }),
  toBeFalse: (a) => ({ pass: a === false, message: `Expected ${describeValue(a)} to be false.` }),
  toBeNaN: (a) => ({ pass: Number.isNaN(a), message: `Expected ${describeValue(a)} to be NaN.` }),
  toBeGreaterThan: (a, e) => ({
    pass: num(a) > num(e),
    message: `Expected ${describeValue(a)} to be greater than ${describeValue(e)}.`,
  }),
  toBeGreaterThanOrEqual: (a, e) => ({
    pass: num(a) >= num(e),
    message: `Expected ${describeValue(a)} to be >= ${describeValue(e)}.`,
  }),
  toBeLessThan: (a, e) => ({
    pass: num(a) < num(e),
    message: `Expected ${describeValue(a)} to be less than ${describeValue(e)}.`,
  }),
  toBeLessThanOrEqual: (a, e) => ({
    pass: num(a) <= num(e),
    message: `Expected ${describeValue(a)} to be <= ${describeValue(e)}.`,
  }),
  toBeCloseTo: (a, e, p) => {
    const digits = p === undefined ? 2 : num(p);
    const pass = Math.abs(num(e) - num(a)) < 10 ** -digits / 2;
    return { pass, message: `Expected ${describeValue(a)} to be close to ${describeValue(e)}.` };
  },
  toBeInstanceOf: (a, e) => ({
    pass: typeof e === 'function' && a instanceof e,
    message: `Expected ${describeValue(a)} to be an instance of ${describeValue(e)}.`,
  }),
  toMatch: (a, e) => ({
    pass: typeof a === 'string' && (e instanceof RegExp ? e.test(a) : a.includes(String(e))),
    message: `Expected ${describeValue(a)} to match ${String(e)}.`,
  }),
  toContain: (a, e) => ({
    pass:
      typeof a === 'string'
        ? a.includes(String(e))
        : Array.isArray(a) && a.some((x) => equals(x, e)),
    message: `Expected ${describeValue(a)} to contain ${describeValue(e)}.`,
  }),
  toThrow: (fn, ...e) => {
    const { threw, error } = thrownBy(fn);
    const pass = threw && (e.length === 0 || equals(error, e[0]));
    return {
      pass,
      message: threw
        ? `Expected function to throw ${describeValue(e[0])}, but it threw ${describeValue(error)}.`
        : 'Expected function to throw an exception.',
    };
  },
  toThrowError: (fn, a, b) => {
    const { threw, error } = thrownBy(fn);
    const pass = threw && errorMatches(error, a, b);
    const wanted = [a, b]
      .filter((x) => x !== undefined)
      .map((x) => (typeof x === 'function' ? x.name : describeValue(x)));
    return {
      pass,
      message: threw
        ? `Expected function to throw ${wanted.join(' ')}, but it threw ${describeValue(error)}.`
        : `Expected function to throw an Error.`,
    };
  },
  toHaveBeenCalled: (spy) => ({
    pass: isSpy(spy) && spy.calls.count() > 0,
    message: 'Expected spy to have been called.',
  }),
  toHaveBeenCalledTimes: (spy, n) => ({
    pass: isSpy(spy) && spy.calls.count() === n,
    message: `Expected spy to have been called ${String(n)} times, it was called ${isSpy(spy) ? spy.calls.count() : 0} times.`,
  }),
  toHaveBeenCalledWith: (spy, ...args) => ({
    pass: isSpy(spy) && spy.calls.allArgs().some((call) => equals(call, args)),
    message: `Expected spy to have been called with ${describeValue(args)}.`,
  }),
  nothing: () => ({ pass: true, message: '' }),
};

type Matchers = Record<string, (...expected: unknown[]) => void>;

function bind(actual: unknown, negate: boolean): Matchers {
  const out: Matchers = {};
  for (const [name, matcher] of Object.entries(MATCHERS)) {
    out[name] = (...expected: unknown[]) => {
      const { pass, message } = matcher(actual, ...expected);
      if (pass === negate)
        recordFailure(negate ? `${message} (negated: expected not to)` : message);
    };
  }
  return out;
}

/** jasmine's expect(actual).matcher(...), with .not. */
export function expect(actual?: unknown): Matchers & { not: Matchers } {
  return Object.assign(bind(actual, false), { not: bind(actual, true) });
}

/** jasmine's expectAsync(promise): toBeResolved, toBeRejected, toBeRejectedWithError. */
export function expectAsync(promise: unknown) {
  const settle = async (): Promise<{ ok: boolean; value: unknown }> => {
    try {
      return { ok: true, value: await promise };
    } catch (value) {
      return { ok: false, value };
    }
  };
  return {
    toBeResolved: async () => {
      const r = await settle();
      if (!r.ok)
        recordFailure(
          `Expected a promise to be resolved, it was rejected with ${describeValue(r.value)}.`,
        );
    },
    toBeResolvedTo: async (v: unknown) => {
      const r = await settle();
      if (!r.ok || !equals(r.value, v))
        recordFailure(`Expected a promise to be resolved to ${describeValue(v)}.`);
    },
    toBeRejected: async () => {
      const r = await settle();
      if (r.ok) recordFailure('Expected a promise to be rejected.');
    },
    toBeRejectedWithError: async (a?: unknown, b?: unknown) => {
      const r = await settle();
      if (r.ok) recordFailure('Expected a promise to be rejected.');
      else if (!errorMatches(r.value, a, b))
        recordFailure(
          `Expected a promise to be rejected with ${describeValue(a)} ${describeValue(b)}, got ${describeValue(r.value)}.`,
        );
    },
  };
}
