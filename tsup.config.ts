// Build: ESM bundles with type declarations; `node` adds the AsyncLocalStorage scope provider; then the browser build.
import { defineConfig } from 'tsup';
import { buildBrowser } from './scripts/browser_build.js';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    node: 'src/node.ts',
    node_require: 'src/node_require.ts',
    cli: 'src/cli/bin.ts',
  },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  splitting: true,
  // dist/browser/: self-contained, minified modules for pages and bundlers (the `browser` condition
  // and `neurite/browser`); see scripts/browser_build.ts.
  onSuccess: async () => {
    const { sizes } = await buildBrowser('dist/browser');
    console.log(
      `browser build: dist/browser, ${(sizes.wasmPage.gzip / 1000).toFixed(1)} kB gzip for a page on wasm`,
    );
  },
});
