// What the harness tells the helper modules: the test environment and the per-spec memory scope.

/** tfjs's TestEnv: the backend a describeWithFlags block runs on. */
export interface TestEnv {
  name: string;
  backendName: string;
  flags: Record<string, unknown>;
  isDataSync: boolean;
}

/** What run.ts installs before loading spec files. */
export interface HarnessEnv {
  testEnv: TestEnv;
  /** Makes the backend under test current (tfjs's describeWithFlags beforeAll). */
  setUp: () => Promise<void>;
  /** Disposes variables after each spec (tfjs's afterEach). */
  afterEach: () => void;
}

let current: HarnessEnv | null = null;

/** Installs the environment (run.ts). */
export function setHarnessEnv(env: HarnessEnv): void {
  current = env;
}

/** The environment run.ts installed. */
export function harnessEnv(): HarnessEnv {
  if (current === null) throw new Error('tfjs harness: setHarnessEnv() was not called');
  return current;
}
