// Runs tfjs-core 4.22's compiled jasmine specs against neurite (or real tfjs, the control) and writes the results.
// Usage: node --import tsx test/tfjs/run.ts [--lib neurite|tfjs] [--backend wasm|cpu|webgpu] [--only substring] [--out file]
import { existsSync, readdirSync, writeFileSync, mkdirSync, realpathSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect, expectAsync } from './expect.js';
import {
  install,
  resetRegistry,
  runRegistered,
  setSpecWrapper,
  type SpecResult,
} from './jasmine.js';
import { setHarnessEnv } from './helpers/harness_env.js';
import { isExcludedSpec, loadExclusions } from './exclusions.js';

// Without a GPU, webgpu runs on SwiftShader (Debian's chromium ships its Vulkan driver), as in vitest.config.ts.
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD))
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const dist = realpathSync(path.join(repoRoot, 'node_modules', '@tensorflow', 'tfjs-core', 'dist'));

/** Command-line options. */
interface Options {
  lib: 'neurite' | 'tfjs';
  backend: string;
  only: string | null;
  out: string;
  verbose: boolean;
}

function parseArgs(argv: string[]): Options {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const lib = get('lib') ?? 'neurite';
  if (lib !== 'neurite' && lib !== 'tfjs')
    throw new Error(`--lib must be neurite or tfjs, received '${lib}'`);
  const backend = get('backend') ?? (lib === 'tfjs' ? 'cpu' : 'wasm');
  const out = get('out') ?? path.join(repoRoot, 'test', 'tfjs', 'out', `${lib}-${backend}.json`);
  return { lib, backend, only: get('only') ?? null, out, verbose: argv.includes('--verbose') };
}

/** Every *_test.js under dist, relative to dist, sorted. */
export function specFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(path.join(dist, dir), { withFileTypes: true })) {
      const rel = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('_test.js')) out.push(rel);
    }
  };
  walk('');
  return out.sort();
}

/** One file's outcome: its specs, or why it did not load. */
export interface FileResult {
  loadError?: string;
  specs: SpecResult[];
}

/** What a run writes: per file, the result of each spec. */
export interface RunResult {
  lib: string;
  backend: string;
  seconds: number;
  files: Record<string, FileResult>;
}

function registerHooks(lib: Options['lib']): void {
  const url = (p: string) => pathToFileURL(path.join(here, p)).href;
  const adapter = url(lib === 'neurite' ? 'adapter_neurite.ts' : 'adapter_tfjs.ts');
  const map: Record<string, string> = {
    index: adapter,
    base: adapter,
    jasmine_util: url('helpers/jasmine_util.ts'),
    test_util: url('helpers/test_util.ts'),
  };
  // Public tfjs modules some specs import directly: neurite's public API stands for them.
  const neuriteOnly: Record<string, string> = {
    'ops/rand_util': url('helpers/rand_util.ts'),
    'ops/reduce_util': url('helpers/reduce_util.ts'),
    tensor: url('helpers/tensor_module.ts'),
  };
  for (const key of [
    'ops/scalar',
    'ops/tensor1d',
    'ops/tensor2d',
    'ops/tensor3d',
    'ops/gather_nd',
    'io/io',
  ])
    neuriteOnly[key] = adapter;
  register(url('hooks.mjs'), {
    data: {
      dist: `${pathToFileURL(dist).href}/`,
      lib,
      map,
      neuriteOnly,
      seedrandom: url('seedrandom_esm.mjs'),
      testHelpers: ['image_test_util', 'ops/identity_pool_test'],
    },
  });
}

/** Makes the backend current and wraps each spec in a memory scope, for neurite. */
async function neuriteEnv(backend: string): Promise<void> {
  const nr = await import('../../src/node.js');
  nr.setLeakReporter(null);
  if (backend === 'cpu-async') await import('../helpers/check_op.js');
  if (!(await nr.setBackend(backend))) throw new Error(`backend ${backend} did not start`);
  const original = new Set(nr.registeredBackends());
  setHarnessEnv({
    testEnv: { name: 'env', backendName: backend, flags: {}, isDataSync: backend !== 'cpu-async' },
    setUp: async () => {
      // tfjs resets its engine here; neurite's nearest public equivalent: drop backends specs registered.
      for (const name of nr.registeredBackends()) if (!original.has(name)) nr.removeBackend(name);
      await nr.setBackend(backend);
    },
    afterEach: () => {
      const dv: unknown = Reflect.get(nr, 'disposeVariables');
      if (typeof dv === 'function') dv();
    },
  });
  setSpecWrapper(async (run) => {
    const scope = new nr.Scope(nr.currentScope());
    try {
      await scope.run(run);
    } finally {
      scope.dispose();
    }
  });
}

/** The control: real tfjs-core on its cpu backend, with tfjs's own per-spec engine scopes. */
async function tfjsEnv(backend: string): Promise<void> {
  // tfjs's ES-module build still calls require() for Node's util module on Node.
  Object.assign(globalThis, { require: createRequire(import.meta.url) });
  const tf = await import('./adapter_tfjs.js');
  await tf.setBackend(backend);
  setHarnessEnv({
    testEnv: { name: 'env', backendName: backend, flags: {}, isDataSync: true },
    setUp: async () => {
      tf.engine().reset();
      await tf.setBackend(backend);
    },
    afterEach: () => tf.disposeVariables(),
  });
  setSpecWrapper(async (run) => {
    tf.engine().startScope();
    try {
      await run();
    } finally {
      tf.engine().endScope();
    }
  });
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  registerHooks(opts.lib);
  install({ expect, expectAsync });
  process.on('unhandledRejection', () => undefined);
  if (opts.lib === 'neurite') await neuriteEnv(opts.backend);
  else await tfjsEnv(opts.backend);
  const excluded = loadExclusions();
  const start = performance.now();
  const result: RunResult = { lib: opts.lib, backend: opts.backend, seconds: 0, files: {} };
  for (const file of specFiles()) {
    if (excluded.has(file) || (opts.only && !file.includes(opts.only))) continue;
    resetRegistry();
    const t0 = performance.now();
    let entry: FileResult;
    try {
      await import(pathToFileURL(path.join(dist, file)).href);
      const specs = await runRegistered(`${file} :: `);
      // describe blocks about tfjs internals in files that are otherwise public API
      entry = { specs: specs.filter((s) => !isExcludedSpec(excluded, s.name)) };
    } catch (e) {
      entry = { loadError: e instanceof Error ? e.message.split('\n')[0] : String(e), specs: [] };
    }
    result.files[file] = entry;
    const passed = entry.specs.filter((s) => s.status === 'passed').length;
    const run = entry.specs.filter((s) => s.status === 'passed' || s.status === 'failed').length;
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    if (opts.verbose || entry.loadError)
      console.log(
        `${file}: ${entry.loadError ? `did not load (${entry.loadError})` : `${passed}/${run}`} ${secs}s`,
      );
  }
  result.seconds = (performance.now() - start) / 1000;
  mkdirSync(path.dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, JSON.stringify(result, null, 1));
  const all = Object.values(result.files).flatMap((f) => f.specs);
  const passed = all.filter((s) => s.status === 'passed').length;
  const run = all.filter((s) => s.status !== 'disabled' && s.status !== 'pending').length;
  console.log(
    `${opts.lib} on ${opts.backend}: ${passed}/${run} specs passed in ${result.seconds.toFixed(1)} s; results in ${path.relative(repoRoot, opts.out)}`,
  );
  if (opts.lib === 'neurite' && !opts.only) {
    const { markdown, readControl, table } = await import('./report.js');
    console.log(
      `\nSpecs real tfjs passes under this harness, passing on neurite:\n${markdown(table(readControl(), result), `neurite ${opts.backend}`)}`,
    );
  }
  process.exit(0);
}

await main();
