// The lesson page's Node side: its server (routes, headers, the committed data subset) and the hand-designed features.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { type LessonServer, startServer, SUBSET_DATA } from '../../examples/browser/serve.js';
import { FEATURE_LENGTH, featureMatrix, imageFeatures } from '../../examples/browser/features.js';

describe('the lesson server', () => {
  let server: LessonServer;
  let models: string;

  beforeAll(async () => {
    models = mkdtempSync(join(tmpdir(), 'neurite-serve-'));
    await mkdir(join(models, 'mlp'));
    await writeFile(join(models, 'mlp', 'model.json'), '{}');
    await writeFile(join(models, 'secret.txt'), 'no');
    server = await startServer({ port: 0, models, data: SUBSET_DATA });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    rmSync(models, { recursive: true, force: true });
  });

  it('serves the page cross-origin isolated on 127.0.0.1, and without isolation under /plain/', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(await page.text()).toContain('<script type="module" src="main.js">');
    const plain = await fetch(`${server.url}plain/`);
    expect(plain.status).toBe(200);
    expect(plain.headers.get('cross-origin-embedder-policy')).toBeNull();
    const script = await fetch(`${server.url}main.js`);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    // the page bundle reaches no Node module: those imports resolve to the stub that throws
    expect(await script.text()).not.toMatch(/from\s*"node:/);
  });

  it('serves the committed subset: a few hundred real images in IDX format', async () => {
    expect(server.dataKind).toBe('subset');
    const res = await fetch(`${server.url}data/train-images-idx3-ubyte.gz`);
    const images = nr.data.parseIdx(new Uint8Array(await res.arrayBuffer()));
    expect(images.shape).toEqual([600, 28, 28]);
    const labels = nr.data.parseIdx(
      new Uint8Array(
        await (await fetch(`${server.url}data/t10k-labels-idx1-ubyte.gz`)).arrayBuffer(),
      ),
    );
    expect(labels.shape).toEqual([200]);
    // the first test image is examples/fashion-mnist/images/0000-ankle-boot.png
    expect(labels.values[0]).toBe(9);
    expect(readFileSync(join(SUBSET_DATA, 'train-images-idx3-ubyte.gz')).byteLength).toBeLessThan(
      300_000,
    );
  });

  it('serves saved models and example images, and nothing else', async () => {
    expect(await (await fetch(`${server.url}info.json`)).json()).toEqual({
      data: 'subset',
      models: ['mlp'],
    });
    expect((await fetch(`${server.url}models/mlp/model.json`)).status).toBe(200);
    expect((await fetch(`${server.url}images/0000-ankle-boot.png`)).status).toBe(200);
    for (const path of [
      'models/../secret.txt',
      'models/mlp/../../secret.txt',
      'models/%2e%2e/secret.txt',
      'models/mlp/model.txt',
      'data/passwd',
      'images/../../package.json',
      'serve.ts',
    ])
      expect([path, (await fetch(`${server.url}${path}`)).status]).toEqual([path, 404]);
  });
});

describe('hand-designed features (HOG + pixel statistics)', () => {
  it('are finite, the right length, and tell a vertical edge from a horizontal one', () => {
    const vertical = new Float32Array(784);
    const horizontal = new Float32Array(784);
    for (let r = 0; r < 28; r++)
      for (let c = 0; c < 28; c++) {
        vertical[r * 28 + c] = c >= 14 ? 1 : 0;
        horizontal[r * 28 + c] = r >= 14 ? 1 : 0;
      }
    const f = featureMatrix(Float32Array.from([...vertical, ...horizontal]), 2);
    expect(f.length).toBe(2 * FEATURE_LENGTH);
    expect(f.every(Number.isFinite)).toBe(true);
    // the cell at rows 4-7, columns 12-15 holds the vertical edge: its gradient points along x (bin 0)
    // (cells on the border also see the image's edge against the zero padding, so they are not used)
    const cell = 1 * 7 + 3;
    expect(f[cell * 9 + 0]).toBeGreaterThan(0.99);
    // the same cell of the horizontal image is empty; its edge lies in row 3 of cells, bin 4 (90°)
    expect(f[FEATURE_LENGTH + cell * 9]).toBe(0);
    expect(f[FEATURE_LENGTH + (3 * 7 + 3) * 9 + 4]).toBeGreaterThan(0.99);
    // global statistics: mean 0.5, half the pixels bright
    const stats = FEATURE_LENGTH - 5;
    expect(f[stats]).toBeCloseTo(0.5, 6);
    expect(f[stats + 2]).toBeCloseTo(0.5, 6);
  });

  it('an empty image gives zeros, not NaN', () => {
    const out = new Float32Array(FEATURE_LENGTH);
    imageFeatures(new Float32Array(784), out, 0);
    expect(out.every((v) => v === 0)).toBe(true);
  });
});
