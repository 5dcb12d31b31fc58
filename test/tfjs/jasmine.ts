// A small jasmine-compatible runtime (describe/it/hooks/expect/spyOn) for tfjs-core's compiled specs.
import { equals, describeValue } from './jasmine_equals.js';

/** A function a spec or hook runs: sync, async, or taking jasmine's `done` callback. */
type SpecFn = ((done: DoneFn) => unknown) | (() => unknown);

/** jasmine's `done`: call it to finish, or `done.fail(msg)` to fail. */
export interface DoneFn {
  (): void;
  fail: (message?: unknown) => void;
}

/** One registered spec. */
interface Spec {
  name: string;
  fn: SpecFn | undefined;
  timeoutMs: number | undefined;
  disabled: boolean;
}

/** One registered suite: its hooks, specs and child suites in declaration order. */
interface Suite {
  name: string;
  parent: Suite | null;
  children: (Suite | Spec)[];
  beforeEach: SpecFn[];
  afterEach: SpecFn[];
  beforeAll: SpecFn[];
  afterAll: SpecFn[];
  disabled: boolean;
  /** Made by describeWithFlags: its specs run inside the harness's memory scope, as in tfjs. */
  scoped: boolean;
}

/** The outcome of one spec. */
export interface SpecResult {
  /** The full name: suite names and the spec name joined by spaces. */
  name: string;
  status: 'passed' | 'failed' | 'pending' | 'disabled';
  /** The first failure's message (failed), or the pending reason. */
  message: string;
  ms: number;
}

class PendingSignal {
  constructor(readonly reason: string) {}
}

const DEFAULT_TIMEOUT_MS = 20_000;

function newSuite(name: string, parent: Suite | null, disabled: boolean): Suite {
  return {
    name,
    parent,
    children: [],
    beforeEach: [],
    afterEach: [],
    beforeAll: [],
    afterAll: [],
    disabled,
    scoped: false,
  };
}

let root = newSuite('', null, false);
let current = root;
/** Failures of the spec now running (jasmine keeps going after a failed expectation). */
let failures: string[] = [];
let restoreSpies: (() => void)[] = [];
/** Wraps each spec (hooks included): the harness runs it inside a memory scope of the library under test. */
let specWrapper: (run: () => Promise<void>) => Promise<void> = (run) => run();

/** Sets the wrapper every spec runs in (run.ts: a memory scope freed after the spec). */
export function setSpecWrapper(wrap: (run: () => Promise<void>) => Promise<void>): void {
  specWrapper = wrap;
}

/** jasmine's global object: only the members the specs use. */
export const jasmineGlobal = {
  DEFAULT_TIMEOUT_INTERVAL: DEFAULT_TIMEOUT_MS,
  arrayWithExactContents: (items: unknown[]) => new ArrayWithExactContents(items),
  any: (ctor: unknown) => new AnyOf(ctor),
  objectContaining: (sample: Record<string, unknown>) => new ObjectContaining(sample),
  createSpy: (name?: string, impl?: (...args: unknown[]) => unknown) =>
    makeSpy(name ?? 'spy', impl),
};

/** An asymmetric matcher: `jasmine.arrayWithExactContents([...])`. */
export class ArrayWithExactContents {
  constructor(readonly items: unknown[]) {}
  asymmetricMatch(other: unknown): boolean {
    if (!Array.isArray(other) || other.length !== this.items.length) return false;
    const left = [...other];
    for (const item of this.items) {
      const at = left.findIndex((o) => equals(o, item));
      if (at < 0) return false;
      left.splice(at, 1);
    }
    return true;
  }
}

/** An asymmetric matcher: `jasmine.any(Number)`. */
export class AnyOf {
  constructor(readonly ctor: unknown) {}
  asymmetricMatch(other: unknown): boolean {
    if (this.ctor === Number) return typeof other === 'number';
    if (this.ctor === String) return typeof other === 'string';
    if (this.ctor === Boolean) return typeof other === 'boolean';
    if (this.ctor === Function) return typeof other === 'function';
    return typeof this.ctor === 'function' && other instanceof this.ctor;
  }
}

/** An asymmetric matcher: `jasmine.objectContaining({...})`. */
export class ObjectContaining {
  constructor(readonly sample: Record<string, unknown>) {}
  asymmetricMatch(other: unknown): boolean {
    if (typeof other !== 'object' || other === null) return false;
    return Object.keys(this.sample).every((k) => equals(Reflect.get(other, k), this.sample[k]));
  }
}

function register(name: string, fn: () => void, disabled: boolean, scoped = false): void {
  const suite = newSuite(name, current, disabled || current.disabled);
  suite.scoped = scoped;
  current.children.push(suite);
  const outer = current;
  current = suite;
  try {
    fn();
  } catch (e) {
    // A describe body that throws fails as one spec, as jasmine reports it.
    suite.children.push({
      name: 'suite body',
      fn: () => {
        throw e;
      },
      timeoutMs: undefined,
      disabled: false,
    });
  } finally {
    current = outer;
  }
}

function addSpec(
  name: string,
  fn: SpecFn | undefined,
  timeoutMs: number | undefined,
  disabled: boolean,
): void {
  current.children.push({ name, fn, timeoutMs, disabled: disabled || current.disabled });
}

/** A spy: records its calls and runs its strategy (callFake, returnValue, callThrough). */
export interface Spy {
  (...args: unknown[]): unknown;
  and: {
    callFake: (fn: (...args: unknown[]) => unknown) => Spy;
    returnValue: (v: unknown) => Spy;
    callThrough: () => Spy;
    throwError: (e: unknown) => Spy;
    stub: () => Spy;
  };
  calls: {
    count: () => number;
    argsFor: (i: number) => unknown[];
    allArgs: () => unknown[][];
    all: () => { args: unknown[] }[];
    mostRecent: () => { args: unknown[] };
    first: () => { args: unknown[] };
    reset: () => void;
  };
  isSpy: true;
}

function makeSpy(name: string, original?: (...args: unknown[]) => unknown, self?: unknown): Spy {
  const calls: unknown[][] = [];
  let strategy: (...args: unknown[]) => unknown = () => undefined;
  const spy = Object.assign(
    function (this: unknown, ...args: unknown[]): unknown {
      calls.push(args);
      return strategy.apply(this ?? self, args);
    },
    { isSpy: true as const },
  );
  const full: Spy = Object.assign(spy, {
    and: {
      callFake: (fn: (...args: unknown[]) => unknown) => ((strategy = fn), full),
      returnValue: (v: unknown) => ((strategy = () => v), full),
      callThrough: () => ((strategy = original ?? (() => undefined)), full),
      throwError: (e: unknown) => (
        (strategy = () => {
          throw typeof e === 'string' ? new Error(e) : e;
        }),
        full
      ),
      stub: () => ((strategy = () => undefined), full),
    },
    calls: {
      count: () => calls.length,
      argsFor: (i: number) => calls[i] ?? [],
      allArgs: () => calls,
      all: () => calls.map((args) => ({ args })),
      mostRecent: () => ({ args: calls[calls.length - 1] ?? [] }),
      first: () => ({ args: calls[0] ?? [] }),
      reset: () => void calls.splice(0),
    },
  });
  Object.defineProperty(full, 'name', { value: name });
  return full;
}

/** jasmine's spyOn: replaces obj[method] by a spy until the spec ends. */
export function spyOn(obj: object, method: string): Spy {
  const original: unknown = Reflect.get(obj, method);
  if (typeof original !== 'function') throw new Error(`spyOn: ${method}() method does not exist`);
  const own = Object.getOwnPropertyDescriptor(obj, method);
  const spy = makeSpy(method, (...args: unknown[]) => Reflect.apply(original, obj, args), obj);
  Object.defineProperty(obj, method, { value: spy, writable: true, configurable: true });
  restoreSpies.push(() => {
    if (own) Object.defineProperty(obj, method, own);
    else Reflect.deleteProperty(obj, method);
  });
  return spy;
}

/** The global functions the specs call, installed on globalThis by install(). */
export const globals = {
  describe: (name: string, fn: () => void) => register(name, fn, false),
  xdescribe: (name: string, fn: () => void) => register(name, fn, true),
  fdescribe: (name: string, fn: () => void) => register(name, fn, false),
  it: (name: string, fn?: SpecFn, timeoutMs?: number) => addSpec(name, fn, timeoutMs, false),
  fit: (name: string, fn?: SpecFn, timeoutMs?: number) => addSpec(name, fn, timeoutMs, false),
  xit: (name: string, fn?: SpecFn, timeoutMs?: number) => addSpec(name, fn, timeoutMs, true),
  beforeEach: (fn: SpecFn) => void current.beforeEach.push(fn),
  afterEach: (fn: SpecFn) => void current.afterEach.push(fn),
  beforeAll: (fn: SpecFn) => void current.beforeAll.push(fn),
  afterAll: (fn: SpecFn) => void current.afterAll.push(fn),
  fail: (message?: unknown) => void failures.push(`Failed: ${failText(message)}`),
  pending: (reason?: string) => {
    throw new PendingSignal(reason ?? '');
  },
  spyOn,
  jasmine: jasmineGlobal,
};

function failText(message: unknown): string {
  if (message instanceof Error) return message.message;
  return typeof message === 'string' ? message : describeValue(message);
}

/** describe() whose specs run in the spec wrapper's memory scope (describeWithFlags). */
export function describeScoped(name: string, fn: () => void): void {
  register(name, fn, false, true);
}

/** Records a failed expectation in the spec now running. */
export function recordFailure(message: string): void {
  failures.push(message);
}

/** Puts describe/it/expect/... on globalThis. */
export function install(expectFns: Record<string, unknown>): void {
  Object.assign(globalThis, globals, expectFns);
}

/** Forgets every registered suite (before loading the next file). */
export function resetRegistry(): void {
  root = newSuite('', null, false);
  current = root;
}

async function runFn(fn: SpecFn, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Timeout: did not finish within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    if (fn.length >= 1) {
      const finished = new Promise<void>((resolve, reject) => {
        const done: DoneFn = Object.assign(() => resolve(), {
          fail: (m?: unknown) =>
            reject(m instanceof Error ? m : new Error(`Failed: ${failText(m)}`)),
        });
        try {
          const r: unknown = fn(done);
          if (r instanceof Promise) r.catch(reject);
        } catch (e) {
          reject(e);
        }
      });
      await Promise.race([finished, timeout]);
    } else {
      await Promise.race([Promise.resolve((fn as () => unknown)()), timeout]);
    }
  } finally {
    clearTimeout(timer);
  }
}

function errorText(e: unknown): string {
  if (e instanceof Error) return `${e.constructor.name}: ${e.message}`;
  return `thrown: ${describeValue(e)}`;
}

/** Runs every registered spec, hooks included, and returns one result per spec. */
export async function runRegistered(prefix: string): Promise<SpecResult[]> {
  const results: SpecResult[] = [];
  await runSuite(root, [], prefix, results);
  return results;
}

function chain(suite: Suite | null): Suite[] {
  const out: Suite[] = [];
  for (let s = suite; s; s = s.parent) out.unshift(s);
  return out;
}

function hasEnabledSpec(suite: Suite): boolean {
  return suite.children.some((c) =>
    'children' in c ? hasEnabledSpec(c) : !c.disabled && c.fn !== undefined,
  );
}

async function runSuite(
  suite: Suite,
  names: string[],
  prefix: string,
  results: SpecResult[],
): Promise<void> {
  const path = suite.name ? [...names, suite.name] : names;
  let allFailure: string | null = null;
  if (hasEnabledSpec(suite)) {
    for (const hook of suite.beforeAll) {
      try {
        await runFn(hook, jasmineGlobal.DEFAULT_TIMEOUT_INTERVAL);
      } catch (e) {
        allFailure ??= `beforeAll: ${errorText(e)}`;
      }
    }
  }
  for (const child of suite.children) {
    if ('children' in child) await runSuite(child, path, prefix, results);
    else
      results.push(
        await runSpec(child, suite, [...path, child.name].join(' '), prefix, allFailure),
      );
  }
  if (hasEnabledSpec(suite)) {
    for (const hook of suite.afterAll) {
      try {
        await runFn(hook, jasmineGlobal.DEFAULT_TIMEOUT_INTERVAL);
      } catch {
        // jasmine reports afterAll failures on the suite, not on a spec: nothing to count.
      }
    }
  }
}

async function runSpec(
  spec: Spec,
  suite: Suite,
  name: string,
  prefix: string,
  allFailure: string | null,
): Promise<SpecResult> {
  const fullName = `${prefix}${name}`;
  if (spec.disabled || spec.fn === undefined)
    return { name: fullName, status: 'disabled', message: '', ms: 0 };
  if (allFailure !== null) return { name: fullName, status: 'failed', message: allFailure, ms: 0 };
  failures = [];
  restoreSpies = [];
  const start = performance.now();
  let pendingReason: string | null = null;
  const suites = chain(suite);
  const timeoutMs = spec.timeoutMs ?? jasmineGlobal.DEFAULT_TIMEOUT_INTERVAL;
  const attempt = async (fn: SpecFn) => {
    try {
      await runFn(fn, timeoutMs);
    } catch (e) {
      if (e instanceof PendingSignal) pendingReason = e.reason;
      else failures.push(errorText(e));
    }
  };
  const fn = spec.fn;
  try {
    const wrap = suites.some((s) => s.scoped) ? specWrapper : (run: () => Promise<void>) => run();
    await wrap(async () => {
      for (const s of suites)
        for (const hook of s.beforeEach) if (failures.length === 0) await attempt(hook);
      if (failures.length === 0 && pendingReason === null) await attempt(fn);
      for (const s of [...suites].reverse()) for (const hook of s.afterEach) await attempt(hook);
    });
  } catch (e) {
    failures.push(`after the spec: ${errorText(e)}`);
  }
  for (const restore of restoreSpies.reverse()) restore();
  const ms = performance.now() - start;
  if (pendingReason !== null && failures.length === 0)
    return { name: fullName, status: 'pending', message: pendingReason, ms };
  const [first] = failures;
  if (first !== undefined) return { name: fullName, status: 'failed', message: first, ms };
  return { name: fullName, status: 'passed', message: '', ms };
}
