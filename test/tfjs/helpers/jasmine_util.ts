// The harness's own jasmine_util: describeWithFlags and the env constraints tfjs-core's specs import.
import { describeScoped, globals } from '../jasmine.js';
import { harnessEnv, type TestEnv } from './harness_env.js';

/** A describeWithFlags constraint: flags the env must have, and/or a predicate over the TestEnv. */
export interface Constraints {
  flags?: Record<string, unknown>;
  predicate?: (testEnv: TestEnv) => boolean;
}

// The harness runs in Node: the platform is 'node', never a browser.
export const ALL_ENVS: Constraints = {};
export const NODE_ENVS: Constraints = { predicate: () => true };
export const BROWSER_ENVS: Constraints = { predicate: () => false };
export const CHROME_ENVS: Constraints = { flags: { IS_CHROME: true } };
export const SYNC_BACKEND_ENVS: Constraints = { predicate: (e) => e.isDataSync };
export const HAS_WORKER: Constraints = { predicate: () => false };
export const HAS_NODE_WORKER: Constraints = { predicate: () => true };

/** Harness flags (tfjs reads them from its env()); a flag not listed here is unset. */
const FLAGS: Record<string, unknown> = {
  IS_NODE: true,
  IS_BROWSER: false,
  IS_CHROME: false,
  IS_TEST: true,
};

/** Whether the harness env meets a constraint. */
export function envSatisfiesConstraints(
  _env: unknown,
  testEnv: TestEnv,
  c: Constraints | null,
): boolean {
  if (!c) return true;
  for (const [name, value] of Object.entries(c.flags ?? {}))
    if (FLAGS[name] !== value) return false;
  return !c.predicate || c.predicate(testEnv);
}

/** tfjs's describeWithFlags: one describe block per test env meeting the constraints (here: one env). */
export function describeWithFlags(
  name: string,
  constraints: Constraints,
  tests: (env: TestEnv) => void,
): void {
  const env = harnessEnv();
  if (!envSatisfiesConstraints(null, env.testEnv, constraints)) return;
  describeScoped(`${name} ${env.testEnv.name}`, () => {
    globals.beforeAll(() => env.setUp());
    globals.afterEach(() => env.afterEach());
    tests(env.testEnv);
  });
}

let lock: Promise<void> = Promise.resolve();
/** Runs specs wrapped by it one at a time (tfjs's runWithLock). */
export function runWithLock(spec: () => Promise<void> | void): () => Promise<void> {
  return () => {
    const run = lock.then(() => spec());
    lock = run.catch(() => undefined);
    return run;
  };
}

export const TEST_ENVS: TestEnv[] = [];

/** A backend that does nothing: engine specs register it to test backend switching. */
export class TestKernelBackend {
  dispose(): void {}
}
