// Global test setup: probes for a WebGPU adapter once per run, so test files know whether to include
// the webgpu backend, and prints one line when it is skipped (never silently).
import { acquireDevice } from '../../src/backends/webgpu/device.js';

/** Set for the test workers when webgpu cannot start: the reason. */
export const SKIP_VAR = 'NEURITE_WEBGPU_SKIP';

/** Set once the probe ran: every test project (vitest.config.ts) lists it, one probe serves them all. */
const PROBED_VAR = 'NEURITE_WEBGPU_PROBED';

export default async function setup(): Promise<void> {
  if (process.env[PROBED_VAR]) return;
  process.env[PROBED_VAR] = '1';
  const wanted = process.env.NEURITE_TEST_BACKENDS?.split(',').map((s) => s.trim());
  if (wanted && !wanted.includes('webgpu')) {
    // The webgpu test project (vitest.config.ts) skips its tests on this too.
    process.env[SKIP_VAR] = 'not in NEURITE_TEST_BACKENDS';
    console.log(`webgpu: skipped, ${process.env[SKIP_VAR]}`);
    return;
  }
  try {
    const ctx = await acquireDevice();
    ctx.device.destroy();
  } catch (e) {
    const reason = e instanceof Error ? e.message.replace(/^webgpu: /, '') : String(e);
    process.env[SKIP_VAR] = reason;
    console.log(`webgpu: skipped, ${reason}`);
  }
}
