// The lesson page (examples/browser) in headless Chromium: each section, wasm with and without threads, webgpu, models across Node and page, and the published bundle through esbuild.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { build } from 'esbuild';
import type { BrowserContext, Page } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { buildBrowser } from '../../scripts/browser_build.js';
import { type LessonServer, startServer } from '../../examples/browser/serve.js';
import { CLASS_NAMES, mlp } from '../../examples/fashion-mnist/models.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
/** Screenshots of each section land here (gitignored). */
const SHOTS = join(ROOT, 'test', 'browser', 'screenshots');

interface TrainReport {
  accuracy: number;
  steps: number;
  seconds: number;
  stepsPerSecond: number;
  backend: string;
  threads: number;
  losses: number[];
}

declare global {
  // eslint-disable-next-line no-var
  var lesson: {
    compare(
      train: number,
      test: number,
      epochs: number,
    ): Promise<{ featureAccuracy: number; cnnAccuracy: number }>;
    train(o: {
      kind: 'mlp' | 'cnn';
      backend: string;
      epochs: number;
      trainCount: number;
      testCount?: number;
    }): Promise<TrainReport>;
    loadModel(source: string): Promise<string>;
    drawImage(url: string): Promise<void>;
    predictCanvas(): Promise<{
      label: string;
      probabilities: number[];
      milliseconds: number;
    } | null>;
    canvasPixels(): number[];
    save(where: 'indexeddb' | 'downloads'): Promise<void>;
    predictTest(n: number): Promise<number[]>;
  };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** Debian's whole dataset; without it the server falls back to the committed subset (600 + 200 images). */
const FULL = existsSync('/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz');
/** Steps of one epoch at batch 64 over the first n training images available. */
const steps = (n: number) => Math.ceil(Math.min(n, FULL ? 60_000 : 600) / 64);
/**
 * Accuracy well above chance (0.1) for the amount of data at hand. NOTE: the comparison trains its small CNN for
 * two epochs on 2,000 images: with fit's shuffle now drawn from the global seed (the page seeds 1), the same
 * network in Node measured 73.0 % after one epoch at seed 1 but 64.2-66.6 % at seeds 2 and 3 (a 0.6 bound with
 * little margin), and 72.4-75.4 % after two epochs over seeds 1-3.
 */
const WELL_ABOVE_CHANCE = FULL ? 0.6 : 0.3;

const dataAvailable =
  existsSync('/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz') ||
  existsSync(join(ROOT, 'examples', 'browser', 'data', 't10k-images-idx3-ubyte.gz'));

if (!existsSync(CHROMIUM) || !dataAvailable) {
  const reason = `lesson page: skipped, ${existsSync(CHROMIUM) ? 'no Fashion-MNIST files' : `${CHROMIUM} is missing (apt-get install chromium)`}`;
  console.log(reason);
  it.skip(reason, () => {});
} else {
  describe('the lesson page in headless Chromium', () => {
    let lessonServer: LessonServer;
    let context: BrowserContext;
    let profile: string;
    let work: string;
    /** The Node-trained MLP the page loads from the server. */
    let nodeModel: nr.Model;

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'neurite-lesson-'));
      mkdirSync(SHOTS, { recursive: true });
      // Phase 1 in Node: the lesson's MLP, briefly trained, saved where the page's server finds it.
      await nr.ready();
      nr.setSeed(5);
      const images = await nr.data.loadIdx(lessonData('train-images-idx3-ubyte.gz'));
      const labels = await nr.data.loadIdx(lessonData('train-labels-idx1-ubyte.gz'));
      const n = Math.min(3000, images.shape[0]);
      const x = nr.tidy(() =>
        images.slice([0, 0, 0], [n, 28, 28]).cast('float32').div(255).reshape([n, 28, 28, 1]),
      );
      const y = labels.slice([0], [n]);
      const model = mlp();
      model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
      await model.fit(x, y, { epochs: 2, batchSize: 64, verbose: 0 });
      await model.save(`file://${join(work, 'models', 'mlp')}`);
      nr.dispose([images, labels, x, y]);
      nodeModel = model;
      lessonServer = await startServer({ port: 0, models: join(work, 'models') });
      profile = mkdtempSync(join(tmpdir(), 'neurite-chromium-'));
      context = await launchChromium(profile, {
        acceptDownloads: true,
        viewport: { width: 1100, height: 900 },
      });
    }, 120_000);

    afterAll(async () => {
      await context?.close();
      await lessonServer?.close();
      nodeModel?.dispose();
      for (const dir of [profile, work]) if (dir) rmSync(dir, { recursive: true, force: true });
    });

    function lessonData(file: string): string {
      const debian = join('/usr/share/datasets/fashion-mnist', file);
      return existsSync(debian) ? debian : join(ROOT, 'examples', 'browser', 'data', file);
    }

    /** Opens the page (path '' or 'plain/'), waits until it says it is ready, and collects its console. */
    async function open(path = ''): Promise<{ page: Page; logs: string[] }> {
      const page = await context.newPage();
      const logs: string[] = [];
      page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
      await page.goto(`${lessonServer.url}${path}`);
      await page
        .waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 30_000 })
        .catch((e: unknown) => {
          throw new Error(`the page did not get ready: ${String(e)}\n${logs.join('\n')}`);
        });
      return { page, logs };
    }

    const errors = (logs: string[]) => logs.filter((l) => /^(error|pageerror)/.test(l));

    it('loads without console errors and shows what it detected (threads under COOP/COEP)', async () => {
      const { page, logs } = await open();
      const detected = await page.locator('#detected').innerText();
      expect(detected).toMatch(/CPU threads\s+[2-8] \(of/);
      expect(detected).toMatch(/WebAssembly SIMD\s+yes/);
      await page.locator('#installing').screenshot({ path: join(SHOTS, 'installing.png') });
      await page.close();
      expect(errors(logs)).toEqual([]);
      expect(logs.filter((l) => l.includes('neurite:'))).toEqual([]); // no one-thread notice
    });

    it('inference: a model trained in Node gives the same predictions in the page, and classifies a drawn test image', async () => {
      const { page, logs } = await open();
      expect(await page.locator('#infer-note').innerText()).toContain(
        'loaded fashion_mlp (server:mlp)',
      );
      // the same 32 test images through the model in the page and in Node
      const inPage = await page.evaluate(() => globalThis.lesson.predictTest(32));
      const test = await nr.data.loadIdx(lessonData('t10k-images-idx3-ubyte.gz'));
      const x = nr.tidy(() =>
        test.slice([0, 0, 0], [32, 28, 28]).cast('float32').div(255).reshape([32, 28, 28, 1]),
      );
      const y = nodeModel.predict(x) as nr.Tensor;
      const inNode = await y.data();
      nr.dispose([test, x, y]);
      expect(inPage.length).toBe(320);
      expect(maxDiff(inPage, inNode)).toBeLessThan(1e-5);
      // a test image drawn on the canvas (pixel for pixel) is read back exactly and classified
      await page.evaluate(() => globalThis.lesson.drawImage('images/0000-ankle-boot.png'));
      const result = await page.evaluate(() => globalThis.lesson.predictCanvas());
      expect(result?.label).toBe('Ankle boot');
      const pixels = await page.evaluate(() => globalThis.lesson.canvasPixels());
      const image = await nr.data.loadImage(
        join(ROOT, 'examples/fashion-mnist/images/0000-ankle-boot.png'),
        { channels: 1 },
      );
      expect(
        maxDiff(
          pixels,
          Array.from(await image.data(), (v) => v / 255),
        ),
      ).toBeLessThan(1e-6);
      image.dispose();
      expect(await page.locator('#probabilities .bar').count()).toBe(10);
      expect(await page.locator('#infer-time').innerText()).toMatch(/ms per prediction on wasm/);
      // and strokes drawn with the pointer reach the model too
      const box = await page.locator('#draw').boundingBox();
      if (!box) throw new Error('no canvas box');
      await page.mouse.move(box.x + 60, box.y + 140);
      await page.mouse.down();
      await page.mouse.move(box.x + 220, box.y + 140, { steps: 8 });
      await page.mouse.up();
      await page.waitForFunction(
        () => document.querySelector('#probabilities')?.textContent !== '',
      );
      await page.locator('#inference').screenshot({ path: join(SHOTS, 'inference.png') });
      await page.close();
      expect(errors(logs)).toEqual([]);
    });

    it('training: the MLP trains for 300 steps on wasm with threads, plots live, and its download loads in Node', async () => {
      const { page, logs } = await open();
      const r = await page.evaluate(() =>
        globalThis.lesson.train({ kind: 'mlp', backend: 'wasm', epochs: 1, trainCount: 19_200 }),
      );
      console.log(
        `lesson page, wasm ${r.threads} threads: ${r.steps} MLP steps in ${r.seconds.toFixed(2)} s (${r.stepsPerSecond.toFixed(1)} steps/s), test accuracy ${(r.accuracy * 100).toFixed(1)} %`,
      );
      expect(r.backend).toBe('wasm');
      expect(r.threads).toBeGreaterThanOrEqual(2);
      expect(r.steps).toBe(steps(19_200)); // 300 with the whole dataset
      expect(r.accuracy).toBeGreaterThan(WELL_ABOVE_CHANCE);
      expect(await page.locator('#train-chart svg').count()).toBe(2);
      expect(await page.locator('#train-chart polyline').count()).toBeGreaterThanOrEqual(2);
      expect(await page.locator('#confusion td').count()).toBe(100);
      expect(await page.locator('#mistakes figure').count()).toBeGreaterThan(0);
      await page.locator('#training').screenshot({ path: join(SHOTS, 'training.png') });
      // the page's model, downloaded as a person would, loads in Node and predicts the same
      const downloads: Promise<string>[] = [];
      page.on('download', (d) => {
        const file = join(work, 'downloads', d.suggestedFilename());
        downloads.push(d.saveAs(file).then(() => file));
      });
      await page.click('#save-download');
      await page.waitForFunction(() =>
        document.querySelector('#save-note')?.textContent?.startsWith('downloaded'),
      );
      await expect.poll(() => downloads.length, { timeout: 10_000 }).toBe(2);
      const files = (await Promise.all(downloads)).map((f) => basename(f)).sort();
      expect(files).toEqual(['fashion-mlp.json', 'fashion-mlp.weights.bin']);
      await page.evaluate(() => globalThis.lesson.loadModel('page'));
      const inPage = await page.evaluate(() => globalThis.lesson.predictTest(16));
      const loaded = await nr.loadLayersModel(
        `file://${join(work, 'downloads', 'fashion-mlp.json')}`,
      );
      const test = await nr.data.loadIdx(lessonData('t10k-images-idx3-ubyte.gz'));
      const x = nr.tidy(() =>
        test.slice([0, 0, 0], [16, 28, 28]).cast('float32').div(255).reshape([16, 28, 28, 1]),
      );
      const y = loaded.predict(x) as nr.Tensor;
      expect(maxDiff(inPage, await y.data())).toBeLessThan(1e-5);
      nr.dispose([test, x, y]);
      loaded.dispose();
      // and it is kept in the browser's IndexedDB
      await page.click('#save-idb');
      await page.waitForFunction(() =>
        document.querySelector('#save-note')?.textContent?.startsWith('saved'),
      );
      expect(await page.evaluate(() => globalThis.lesson.loadModel('indexeddb:fashion-mlp'))).toBe(
        'fashion_mlp',
      );
      await page.close();
      expect(errors(logs)).toEqual([]);
    });

    it('machine learning vs deep learning: both pipelines train in the page, well above chance', async () => {
      const { page, logs } = await open();
      const r = await page.evaluate(() => globalThis.lesson.compare(2000, 500, 2));
      console.log(
        `lesson page: hand-designed features ${(r.featureAccuracy * 100).toFixed(1)} %, small CNN ${(r.cnnAccuracy * 100).toFixed(1)} %`,
      );
      expect(r.featureAccuracy).toBeGreaterThan(WELL_ABOVE_CHANCE);
      expect(r.cnnAccuracy).toBeGreaterThan(WELL_ABOVE_CHANCE);
      expect(await page.locator('#filters canvas').count()).toBe(8);
      await page.locator('#ml-vs-dl').screenshot({ path: join(SHOTS, 'ml-vs-dl.png') });
      await page.close();
      expect(errors(logs)).toEqual([]);
    });

    // SwiftShader on two CPU cores: the first step compiles every pipeline (about 25 s here), later steps
    // take about half a second, so this run is short.
    it('training on webgpu (SwiftShader here: 20 steps)', async () => {
      const { page, logs } = await open();
      const backends = await page.locator('#train-backend option').allInnerTexts();
      if (!backends.includes('webgpu')) {
        console.log('lesson page: webgpu skipped, the page found no adapter');
        await page.close();
        return;
      }
      const r = await page.evaluate(() =>
        globalThis.lesson.train({
          kind: 'mlp',
          backend: 'webgpu',
          epochs: 1,
          trainCount: 1280,
          testCount: 500,
        }),
      );
      console.log(
        `lesson page, webgpu: ${r.steps} MLP steps in ${r.seconds.toFixed(2)} s, test accuracy ${(r.accuracy * 100).toFixed(1)} %`,
      );
      expect(r.backend).toBe('webgpu');
      expect(r.steps).toBe(steps(1280));
      expect(r.accuracy).toBeGreaterThan(0.3); // 20 steps: well above chance (0.1), short of converged
      await page.close();
      expect(errors(logs)).toEqual([]);
    }, 150_000);

    it('without cross-origin isolation: one thread, one notice, and it still trains (100 steps)', async () => {
      const { page, logs } = await open('plain/');
      expect(await page.locator('#detected').innerText()).toMatch(
        /CPU threads\s+1: the page is not cross-origin isolated/,
      );
      const r = await page.evaluate(() =>
        globalThis.lesson.train({ kind: 'mlp', backend: 'wasm', epochs: 1, trainCount: 6400 }),
      );
      expect(r.steps).toBe(steps(6400));
      console.log(
        `lesson page, wasm 1 thread: ${r.steps} MLP steps in ${r.seconds.toFixed(2)} s (${r.stepsPerSecond.toFixed(1)} steps/s), test accuracy ${(r.accuracy * 100).toFixed(1)} %`,
      );
      expect(r.threads).toBe(1);
      expect(r.accuracy).toBeGreaterThan(WELL_ABOVE_CHANCE);
      await page.close();
      expect(errors(logs)).toEqual([]);
      const notices = logs.filter((l) => l.includes('neurite:'));
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatch(/one thread.*cross-origin isolated/);
    });
  });

  describe('the published browser bundle through esbuild', () => {
    let server: Server | null = null;
    let dir = '';
    afterAll(() => {
      server?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it("a page that imports 'neurite' bundles with no Node built-ins and trains on wasm", async () => {
      // A project with neurite installed: package.json (its exports map) and dist/browser.
      dir = mkdtempSync(join(tmpdir(), 'neurite-bundle-'));
      const pkg = join(dir, 'node_modules', 'neurite');
      mkdirSync(pkg, { recursive: true });
      writeFileSync(join(pkg, 'package.json'), readFileSync(join(ROOT, 'package.json')));
      const { sizes } = await buildBrowser(join(pkg, 'dist', 'browser'));
      console.log(
        `browser bundle: core ${(sizes.core.gzip / 1000).toFixed(1)} kB gzip, a page on wasm ${(sizes.wasmPage.gzip / 1000).toFixed(1)} kB, webgpu adds ${(sizes.webgpuExtra.gzip / 1000).toFixed(1)} kB, all chunks ${(sizes.total.gzip / 1000).toFixed(1)} kB`,
      );
      expect(sizes.wasmPage.gzip).toBeLessThan(269_000); // tfjs 4.22's bundle
      writeFileSync(
        join(dir, 'app.js'),
        `import * as nr from 'neurite';
await nr.ready();
const x = nr.randomNormal([64, 8], 0, 1, 'float32', 1);
const y = x.sum(1, true);
const model = nr.sequential({ layers: [nr.layers.dense({ units: 1, inputShape: [8] })] });
model.compile({ optimizer: nr.train.adam(0.05), loss: 'meanSquaredError' });
const h = await model.fit(x, y, { epochs: 20, batchSize: 64, verbose: 0 });
globalThis.result = { backend: nr.getBackend(), threads: nr.getThreadsCount(), first: h.history.loss[0], last: h.history.loss.at(-1) };`,
      );
      const bundle = await build({
        entryPoints: [join(dir, 'app.js')],
        absWorkingDir: dir,
        bundle: true,
        splitting: true,
        format: 'esm',
        platform: 'browser',
        outdir: join(dir, 'out'),
        write: false,
        metafile: true,
        logLevel: 'silent',
      });
      expect(bundle.errors).toEqual([]);
      const inputs = Object.keys(bundle.metafile?.inputs ?? {});
      expect(inputs.some((i) => i.includes('dist/browser/index.js'))).toBe(true);
      // (dist/browser's pngjs-*.js chunk is the stub that throws: the package itself is not there)
      expect(
        inputs.filter((i) => i.startsWith('node:') || /node_modules\/(pngjs|webgpu)\//.test(i)),
      ).toEqual([]);
      expect(inputs.filter((i) => i.includes('node_modules/neurite/src/'))).toEqual([]);
      const files = new Map(bundle.outputFiles.map((f) => [basename(f.path), f.text]));
      server = createServer((req, res) => {
        const name = (req.url ?? '/').slice(1);
        const headers = {
          'Cross-Origin-Opener-Policy': 'same-origin',
          'Cross-Origin-Embedder-Policy': 'require-corp',
        };
        if (name === '') {
          res.writeHead(200, { ...headers, 'Content-Type': 'text/html' });
          res.end('<!doctype html><script type="module" src="app.js"></script>');
        } else if (files.has(name)) {
          res.writeHead(200, { ...headers, 'Content-Type': 'text/javascript' });
          res.end(files.get(name));
        } else {
          res.writeHead(name === 'favicon.ico' ? 204 : 404, headers);
          res.end();
        }
      });
      await new Promise<void>((done) => server?.listen(0, '127.0.0.1', done));
      const profile = mkdtempSync(join(tmpdir(), 'neurite-chromium-'));
      const browser = await launchChromium(profile);
      try {
        const page = await browser.newPage();
        const logs: string[] = [];
        page.on('pageerror', (e) => logs.push(e.message));
        await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
        await page
          .waitForFunction(() => 'result' in globalThis, null, { timeout: 30_000 })
          .catch((e: unknown) => {
            throw new Error(`${String(e)}\n${logs.join('\n')}`);
          });
        const result = (await page.evaluate(() => (globalThis as { result?: unknown }).result)) as {
          backend: string;
          threads: number;
          first: number;
          last: number;
        };
        expect(result.backend).toBe('wasm');
        expect(result.threads).toBeGreaterThanOrEqual(2);
        expect(result.last).toBeLessThan(result.first);
        expect(logs).toEqual([]);
      } finally {
        await browser.close();
        rmSync(profile, { recursive: true, force: true });
      }
    }, 120_000);
  });
}

/** The page's class names are the dataset's (models.ts writes them out for the browser). */
describe('class names', () => {
  it('agree with nr.datasets.fashionMnist.classNames', () => {
    expect([...CLASS_NAMES]).toEqual([...nr.datasets.fashionMnist.classNames]);
  });
});
