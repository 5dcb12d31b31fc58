// The browser build: src/index.ts as self-contained ES modules (dist/browser/), with no Node module reachable.
//
// What a page loads is the entry and the chunks it imports statically (tensors, ops, layers, models);
// each backend is a chunk loaded by import() when chosen (the wasm worker code is inlined in it and
// started from a Blob URL, so there is nothing to configure). Node-only paths (file://, datasets,
// worker_threads, pngjs) are guarded at run time by an isNode() check; their modules are replaced
// here by one that throws if imported, so no bundler meets a `node:` import and needs polyfills.
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions, type Metafile, type Plugin } from 'esbuild';

/** Modules that exist only in Node: `node:*` built-ins and packages built on them. */
const NODE_ONLY = /^(node:.*|pngjs)$/;

/**
 * An esbuild plugin that resolves Node-only imports to a module that throws a clear error when
 * loaded (it is only ever loaded on a path a page does not take).
 * @example await build({ entryPoints: ['src/index.ts'], plugins: [nodeOnlyStub], bundle: true });
 */
export const nodeOnlyStub: Plugin = {
  name: 'neurite-node-only',
  setup(b) {
    b.onResolve({ filter: NODE_ONLY }, (args) => ({ path: args.path, namespace: 'node-only' }));
    b.onLoad({ filter: /.*/, namespace: 'node-only' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`neurite: '${args.path}' is a Node module; this feature needs Node`)});`,
      loader: 'js',
    }));
  },
};

/**
 * The esbuild options of the browser build (ES2022 modules, split at dynamic imports, minified,
 * dependencies bundled so a page needs no import map).
 * @example await build({ ...browserBuildOptions('dist/browser'), write: true });
 */
export function browserBuildOptions(outdir: string): BuildOptions {
  return {
    entryPoints: { index: 'src/index.ts' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    metafile: true,
    outdir,
    plugins: [nodeOnlyStub],
    logLevel: 'error',
  };
}

/** Sizes of the browser build, in bytes, raw and gzipped (level 9). */
export interface BundleSizes {
  /** Every .js file of the build. */
  total: { raw: number; gzip: number };
  /** The entry and the chunks it imports statically: what `import * as nr from 'neurite'` loads. */
  core: { raw: number; gzip: number };
  /** What a page that trains on wasm loads: the core plus the wasm backend's chunks. */
  wasmPage: { raw: number; gzip: number };
  /** The webgpu backend's chunks beyond the core. */
  webgpuExtra: { raw: number; gzip: number };
}

/** Output files reachable from `file` by static imports. */
function staticClosure(meta: Metafile, file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file) || !meta.outputs[file]) return seen;
  seen.add(file);
  for (const i of meta.outputs[file].imports)
    if (i.kind === 'import-statement') staticClosure(meta, i.path, seen);
  return seen;
}

/** The output chunk built for the input module `input` (a backend's index.ts). */
function chunkOf(meta: Metafile, input: string): string {
  const found = Object.entries(meta.outputs).find(([, o]) => o.entryPoint === input);
  if (!found) throw new Error(`browser build: no chunk for ${input}`);
  return found[0];
}

/**
 * Builds dist/browser (or `outdir`) and measures it. `contents` maps output paths to their bytes.
 * @example const { sizes } = await buildBrowser('dist/browser'); console.log(sizes.wasmPage.gzip);
 */
export async function buildBrowser(
  outdir = 'dist/browser',
  write = true,
): Promise<{ sizes: BundleSizes; metafile: Metafile; contents: Map<string, Uint8Array> }> {
  const result = await build({ ...browserBuildOptions(outdir), write });
  const meta = result.metafile;
  if (!meta) throw new Error('browser build: esbuild returned no metafile');
  const contents = new Map<string, Uint8Array>();
  if (result.outputFiles) for (const f of result.outputFiles) contents.set(f.path, f.contents);
  const { readFileSync } = await import('node:fs');
  const { resolve } = await import('node:path');
  const bytesOf = (f: string): Uint8Array =>
    contents.get(resolve(f)) ?? new Uint8Array(readFileSync(f));
  const measure = (files: Iterable<string>) => {
    let raw = 0;
    let gzip = 0;
    for (const f of files) {
      if (!f.endsWith('.js')) continue;
      const b = bytesOf(f);
      raw += b.byteLength;
      gzip += gzipSync(b, { level: 9 }).byteLength;
    }
    return { raw, gzip };
  };
  const entry = Object.keys(meta.outputs).find(
    (f) => meta.outputs[f].entryPoint === 'src/index.ts',
  );
  if (!entry) throw new Error('browser build: no entry output');
  const core = staticClosure(meta, entry);
  const wasm = staticClosure(meta, chunkOf(meta, 'src/backends/wasm/index.ts'), new Set(core));
  const webgpu = staticClosure(meta, chunkOf(meta, 'src/backends/webgpu/index.ts'));
  return {
    sizes: {
      total: measure(Object.keys(meta.outputs)),
      core: measure(core),
      wasmPage: measure(wasm),
      webgpuExtra: measure([...webgpu].filter((f) => !core.has(f))),
    },
    metafile: meta,
    contents,
  };
}

/** kB with one decimal. */
function kb(n: number): string {
  return `${(n / 1000).toFixed(1)} kB`;
}

// `tsx scripts/browser_build.ts` builds and prints the sizes (tsup's onSuccess calls buildBrowser).
if (process.argv[1]?.endsWith('browser_build.ts')) {
  const { sizes } = await buildBrowser(process.argv[2] ?? 'dist/browser');
  for (const [name, s] of Object.entries(sizes))
    console.log(`${name.padEnd(12)} ${kb(s.raw).padStart(10)}  gzip ${kb(s.gzip).padStart(9)}`);
}
