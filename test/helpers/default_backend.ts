// Each test file starts on the default backend: nr.ready()'s pick (wasm), or NEURITE_TEST_DEFAULT_BACKEND.
import { beforeEach } from 'vitest';
import * as nr from '../../src/node.js';
import { SKIP_VAR } from './webgpu_probe.js';

/**
 * Names the backend the tests that do not pick one run on (e.g. `webgpu`, or `cpu-async`, the CPU
 * kernels refusing synchronous reads). Unset: the default users get.
 */
export const DEFAULT_VAR = 'NEURITE_TEST_DEFAULT_BACKEND';

const wanted = process.env[DEFAULT_VAR]?.trim();
const webgpuSkip = process.env[SKIP_VAR];
if (!wanted) {
  await nr.ready();
} else if (wanted === 'webgpu' && webgpuSkip !== undefined) {
  // No adapter here: the global setup printed one line saying so; every test of the run is skipped.
  beforeEach((ctx) => ctx.skip(`webgpu: ${webgpuSkip}`));
} else {
  // check_op.ts registers the test-only backends (cpu-async, cpu64) on import.
  await import('./check_op.js');
  if (!nr.registeredBackends().includes(wanted))
    throw new Error(`${DEFAULT_VAR}=${wanted}: not one of ${nr.registeredBackends().join(', ')}`);
  if (!(await nr.setBackend(wanted)))
    throw new Error(`${DEFAULT_VAR}=${wanted}: the backend did not start`);
}
