// neurite in headless Chromium: wasm with threads (COOP/COEP), its one-thread fallback, and webgpu.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import type { BrowserContext, Page } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WasmReport, WebGpuReport } from './page.js';

/** Cross-origin isolation: what a page needs for SharedArrayBuffer, hence wasm threads. */
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};
const HTML =
  '<!doctype html><meta charset="utf-8"><title>neurite</title><script type="module" src="page.js"></script>';

declare global {
  // eslint-disable-next-line no-var
  var neurite: { wasmCheck(): Promise<WasmReport>; webgpuCheck(): Promise<WebGpuReport> };
}

/** Serves the page and its script files under /isolated/ (COOP/COEP) and /plain/ (none) on 127.0.0.1. */
function serve(scripts: Map<string, string>): Promise<Server> {
  const server = createServer((req, res) => {
    const [, route, file] = (req.url ?? '').split('/');
    const headers: Record<string, string> = route === 'isolated' ? { ...ISOLATION } : {};
    const script = scripts.get(file);
    if (file === '' || file === 'index.html') {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/html' });
      res.end(HTML);
    } else if (script !== undefined) {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/javascript' });
      res.end(script);
    } else {
      // (the browser's favicon request included: a 404 would put an error line in the console)
      res.writeHead(file === undefined ? 204 : 404, headers);
      res.end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

if (!existsSync(CHROMIUM)) {
  const reason = `browser: skipped, ${CHROMIUM} is missing (apt-get install chromium)`;
  console.log(reason); // the reporter folds a skipped file into a count: say why in one line
  it.skip(reason, () => {});
} else {
  describe('headless Chromium', () => {
    let server: Server;
    let context: BrowserContext;
    let profile: string;
    let origin: string;
    /** The threaded run's losses, which the one-thread run must match bit for bit. */
    let threadedLosses: number[] | null = null;

    beforeAll(async () => {
      // The page script and neurite as ES modules, split at dynamic imports as the published build is
      // (tsup, splitting on): node: modules, Dawn's binding and pngjs (Node's zlib and streams) are
      // imported only on paths a page never takes, so their chunks never load.
      const bundle = await build({
        entryPoints: { page: join(import.meta.dirname, 'page.ts') },
        bundle: true,
        splitting: true,
        format: 'esm',
        platform: 'browser',
        target: 'es2022',
        external: ['node:*', 'webgpu', 'pngjs'],
        outdir: '/page',
        write: false,
        logLevel: 'silent',
      });
      server = await serve(new Map(bundle.outputFiles.map((f) => [basename(f.path), f.text])));
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      profile = mkdtempSync(join(tmpdir(), 'neurite-chromium-'));
      context = await launchChromium(profile);
    });

    afterAll(async () => {
      await context?.close();
      server?.close();
      if (profile) rmSync(profile, { recursive: true, force: true });
    });

    /** Opens the page on `route`, collecting its console lines and uncaught errors. */
    async function open(route: string): Promise<{ page: Page; logs: string[] }> {
      const page = await context.newPage();
      const logs: string[] = [];
      page.on('console', (m) => logs.push(m.text()));
      page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
      await page.goto(`${origin}/${route}/`);
      await page
        .waitForFunction(() => globalThis.neurite !== undefined, null, { timeout: 10_000 })
        .catch((e: unknown) => {
          throw new Error(`the page did not load: ${String(e)}\n${logs.join('\n')}`);
        });
      return { page, logs };
    }

    it('wasm with threads when cross-origin isolated: trains, and agrees with cpu', async () => {
      const { page, logs } = await open('isolated');
      const r = await page.evaluate(() => globalThis.neurite.wasmCheck());
      await page.close();
      expect(r.backend).toBe('wasm');
      expect(r.isolated).toBe(true);
      expect(r.threads).toBe(Math.min(8, r.hardwareConcurrency));
      expect(r.threads).toBeGreaterThanOrEqual(2);
      expect(r.poolSize).toBe(r.threads); // the Blob-URL workers started under COEP
      threadedLosses = r.losses;
      expect(r.losses.at(-1)!).toBeLessThan(r.losses[0]);
      for (let i = 0; i < r.losses.length; i++)
        expect(Math.abs(r.losses[i] - r.cpuLosses[i])).toBeLessThan(1e-4 * r.cpuLosses[i]);
      expect(r.matMulDiff).toBeLessThan(1e-3);
      expect(r.storageDiffs).toEqual({ indexeddb: 0, localstorage: 0 });
      expect(logs.filter((l) => l.startsWith('pageerror') || l.includes('neurite:'))).toEqual([]);
    });

    it('wasm falls back to one thread without COOP/COEP, says so once, and still trains', async () => {
      const { page, logs } = await open('plain');
      const r = await page.evaluate(() => globalThis.neurite.wasmCheck());
      await page.close();
      expect(r.backend).toBe('wasm');
      expect(r.isolated).toBe(false);
      expect(r.threads).toBe(1);
      expect(r.poolSize).toBe(1);
      expect(r.losses.at(-1)!).toBeLessThan(r.losses[0]);
      for (let i = 0; i < r.losses.length; i++)
        expect(Math.abs(r.losses[i] - r.cpuLosses[i])).toBeLessThan(1e-4 * r.cpuLosses[i]);
      // the wasm kernels split work so that the sums are the same whatever the thread count
      if (threadedLosses) expect(r.losses).toEqual(threadedLosses);
      const notices = logs.filter((l) => l.includes('neurite:'));
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatch(/one thread.*cross-origin isolated/);
    });

    it('webgpu on the page adapter: matMul, a tiny fit, and dataSync refused clearly', async () => {
      const { page, logs } = await open('isolated');
      const r = await page.evaluate(() => globalThis.neurite.webgpuCheck());
      await page.close();
      expect(r.backend).toBe('webgpu');
      expect(r.matMulDiff).toBeLessThan(1e-3);
      expect(r.losses.at(-1)!).toBeLessThan(r.losses[0]);
      expect(r.dataSyncError).toMatch(
        /^BackendError: dataSync: backend 'webgpu' reads asynchronously.*await tensor\.data\(\)/,
      );
      expect(logs.filter((l) => l.startsWith('pageerror'))).toEqual([]);
    });
  });
}
