// The Fashion-MNIST lesson on a small subset: train (phase 1), then load the saved model and predict (phase 2).
import { spawnSync } from 'node:child_process';
import { existsSync, unlinkSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import {
  classifyFile,
  defaultOutFolder,
  evaluateTestSet,
} from '../../examples/fashion-mnist/predict.js';
import { train } from '../../examples/fashion-mnist/train.js';

// .ci/run installs Debian's dataset-fashion-mnist; without it (or a cached copy) there is nothing to train on.
const available =
  existsSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz') ||
  existsSync(
    join(
      process.env.NEURITE_DATASETS ?? join(process.env.HOME ?? '', '.neurite/datasets'),
      'fashion-mnist',
    ),
  );
if (!available)
  console.warn(
    'fashion-mnist example test skipped: install dataset-fashion-mnist (apt-get) to run it',
  );

let out = '';
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'neurite-fashion-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

describe('predict.ts without --out', () => {
  it('writes next to the model: beside its folder, or beside a model.json given as a file', () => {
    expect(defaultOutFolder('/elsewhere/models/mlp')).toBe('/elsewhere/models');
    expect(defaultOutFolder('/elsewhere/models/mlp/')).toBe('/elsewhere/models');
    expect(defaultOutFolder('/elsewhere/models/mlp/model.json')).toBe('/elsewhere/models/mlp');
  });
});

describe.skipIf(!available)('Fashion-MNIST lesson (2,000 training images, 1 epoch)', () => {
  it('trains an MLP well above chance, saves it and its history plot', async () => {
    const r = await train({
      models: ['mlp'],
      epochs: { mlp: 1, cnn: 0 },
      trainLimit: 2000,
      batchSize: 64,
      out,
      verbose: 0,
    });
    expect(r.mlp.testAccuracy).toBeGreaterThan(0.6); // chance is 0.1
    expect((await readdir(out)).sort()).toEqual(['mlp', 'mlp-history.png']);
  }, 120_000);

  it('a separate load classifies the committed example images and the test set', async () => {
    const model = await nr.loadLayersModel(`file://${join(out, 'mlp')}`);
    const images = (await readdir('examples/fashion-mnist/images')).filter((f) =>
      f.endsWith('.png'),
    );
    expect(images.length).toBe(10);
    let right = 0;
    for (const f of images) {
      const { label, probability } = await classifyFile(
        model,
        join('examples/fashion-mnist/images', f),
      );
      expect(probability).toBeGreaterThan(0);
      if (f.includes(label.toLowerCase().replace(/[^a-z]+/g, '-'))) right++;
    }
    expect(right).toBeGreaterThanOrEqual(5);
    const r = await evaluateTestSet(model, out, 1000);
    expect(r.accuracy).toBeGreaterThan(0.6);
    expect(r.precision.length).toBe(10);
    expect(existsSync(join(out, `${model.name}-confusion.png`))).toBe(true);
    // an output folder that does not exist yet is made (predict.ts --out new/folder)
    const fresh = join(out, 'new', 'folder');
    await evaluateTestSet(model, fresh, 100);
    expect(existsSync(join(fresh, `${model.name}-confusion.png`))).toBe(true);
  }, 120_000);

  it('predict.ts, run from another folder with --model elsewhere, writes next to the model', () => {
    const root = resolve(import.meta.dirname, '..', '..');
    const plot = join(out, 'fashion_mlp-confusion.png');
    if (existsSync(plot)) unlinkSync(plot);
    const run = spawnSync(
      join(root, 'node_modules', '.bin', 'tsx'),
      [
        join(root, 'examples/fashion-mnist/predict.ts'),
        '--model',
        join(out, 'mlp'),
        '--test-limit',
        '200',
        join(root, 'examples/fashion-mnist/images/0000-ankle-boot.png'),
      ],
      { cwd: tmpdir(), encoding: 'utf8', timeout: 120_000 },
    );
    expect(run.stderr).not.toMatch(/ENOENT|cannot write/);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/0000-ankle-boot\.png: /);
    expect(existsSync(plot)).toBe(true);
  }, 120_000);
});
