// Test runner settings: node environment, the whole suite under a few minutes on 2 cores.
import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// Without a GPU, WebGPU runs on SwiftShader (Debian's chromium package ships its Vulkan driver).
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD))
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
    // Probes WebGPU once and says so in one line when it cannot start.
    globalSetup: ['test/helpers/webgpu_probe.ts'],
    // Tests that do not pick a backend run on the default one (wasm), as users' code does.
    setupFiles: ['test/helpers/default_backend.ts'],
  },
});
