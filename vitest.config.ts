// Test runner settings: node environment, the whole suite under a few minutes on 2 cores.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Without a GPU, WebGPU runs on SwiftShader (Debian's chromium package ships its Vulkan driver).
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD))
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;

/**
 * The layer and training tests, run a second time with webgpu as the default backend. Left out (the
 * one reviewed list): tests of argument checks, registries and serialization (optimizers/errors,
 * optimizers/state, metrics/registry: no kernel of their own); adam_fused, which picks its backends
 * itself; metrics/metric, which picks cpu-async itself and whose 19,000 metric updates queue about
 * 1.5 minutes of SwiftShader work; losses/loss_api, whose custom loss stays registered in the shared
 * process (isolate: false) and breaks losses/fixtures' "covers every loss class"; layers/recurrent_steps,
 * which reads synchronously and counts kernels on the default backend (its per-backend part runs on webgpu
 * in the default project). Long fits inside
 * the listed files are marked heavyOnDefault() (test/helpers/check_op.ts) and run on the CPU only.
 */
const ON_WEBGPU = [
  'test/layers/**/*.test.ts',
  'test/models/**/*.test.ts',
  'test/callbacks/callbacks.test.ts',
  'test/optimizers/{fixtures,optimizer,schedules}.test.ts',
  'test/losses/{fixtures,stability}.test.ts',
  'test/metrics/{accuracy,confusion,f_score_iou,regression}.test.ts',
];

const ON_WEBGPU_PROJECT = {
  extends: true,
  test: {
    name: 'webgpu',
    include: ON_WEBGPU,
    // reads with dataSync and counts unfused kernels on the default backend; its per-backend part
    // (describe.each over testBackends()) runs on webgpu in the default project already
    exclude: ['test/layers/recurrent_steps.test.ts'],
    // One process runs the files in turn, so each WGSL pipeline compiles once per run, not
    // once per file (SwiftShader takes ~0.1 s a pipeline: most of this project's time).
    isolate: false,
    // Skipped, each test visibly, where the probe found no adapter.
    env: { NEURITE_TEST_DEFAULT_BACKEND: 'webgpu' },
  },
};

/**
 * Suites too long for `npm test`'s 10-minute budget on CI's 2 cores, run by `npm run test:long` (a step of
 * .ci/run after `npm test`): the browser lesson drives a whole page in Chromium (about 80 s of test time);
 * the wasm SIMD math's ulp sweeps over millions of float32 bit patterns (about 45 s); a 1,000-step fit per
 * backend that checks memory stays flat (about 16 s).
 */
const LONG = [
  'test/browser/lesson.test.ts',
  'test/backends/wasm_math.test.ts',
  'test/backends/fit_memory.test.ts',
];

/**
 * The conformance, layer, autograd, loss, optimizer and training suites a second time with lazy fusion forced on
 * (NEURITE_FUSION=1) on every backend, by `npm run test:long`: by default ('auto') only webgpu fuses, so without
 * this run the fused kernels of cpu and wasm would be checked only by the fusion suite. About 2.5 minutes.
 * Defined only under NEURITE_TEST_FUSED (test:long sets it), so `npm test` does not run these suites twice.
 */
const FUSED = [
  'test/conformance/**/*.test.ts',
  'test/layers/**/*.test.ts',
  'test/models/**/*.test.ts',
  'test/autograd/**/*.test.ts',
  'test/losses/**/*.test.ts',
  'test/optimizers/**/*.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    pool: 'forks',
    // Two files at a time even on 2 cores (vitest's default leaves one core idle there): a file spends
    // much of its time compiling and setting up, so two in flight halve npm test's wall time on CI's
    // 2 cores (621 s -> 296 s measured on this project's VM on 2026-12-06, same tests passing).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // Probes WebGPU once and says so in one line when it cannot start.
    globalSetup: ['test/helpers/webgpu_probe.ts'],
    // Tests that do not pick a backend run on the default one (wasm), as users' code does, or on
    // NEURITE_TEST_DEFAULT_BACKEND.
    setupFiles: ['test/helpers/default_backend.ts'],
    projects: [
      { extends: true, test: { name: 'default', include: ['test/**/*.test.ts'], exclude: LONG } },
      { extends: true, test: { name: 'long', include: LONG } },
      ...(process.env.NEURITE_TEST_FUSED
        ? [{ extends: true, test: { name: 'fused', include: FUSED, env: { NEURITE_FUSION: '1' } } }]
        : []),
      // With NEURITE_TEST_DEFAULT_BACKEND set by hand, the default project already runs on it.
      ...(process.env.NEURITE_TEST_DEFAULT_BACKEND ? [] : [ON_WEBGPU_PROJECT]),
    ],
  },
});
