// The built `neurite` bin (dist/cli.js, from `npx tsup`) run as a subprocess on real files: output and exit codes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(repoRoot, 'dist', 'cli.js');
const shared = [resolve(repoRoot, '..', 'shared'), '/work/shared'].find((p) => existsSync(p));
const real = shared ? join(shared, 'real-models', 'keras') : '';
const ready = existsSync(bin) && existsSync(real);
if (!existsSync(bin)) console.log('cli: dist/cli.js not built (run `npx tsup`); CLI tests skipped');
else if (!existsSync(real))
  console.log('cli: ../shared/real-models/keras absent; CLI tests skipped');

const dir = mkdtempSync(join(tmpdir(), 'neurite-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function neurite(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 120_000,
  });
  // Dawn (the webgpu package) may print adapter warnings; the command's own errors start with 'neurite:' or 'error:'.
  const err = (r.stderr ?? '')
    .split('\n')
    .filter((l) => /^(neurite|error)/.test(l))
    .join('\n');
  return { code: r.status ?? -1, out: r.stdout ?? '', err };
}

const ncf = () => join(real, 'movie-ncf-two-inputs-k3.13', 'ncf_model.keras');
const fashion = () => join(real, 'fashion-mnist-cnn-k3.10', 'model.keras');

describe.skipIf(!ready)('neurite command', () => {
  it('--help on the program and every command', () => {
    const top = neurite('--help');
    expect(top.code).toBe(0);
    for (const c of ['summary', 'convert', 'predict', 'plot', 'doctor']) {
      expect(top.out).toContain(c);
      const h = neurite(c, '--help');
      expect(h.code).toBe(0);
      expect(h.out).toMatch(new RegExp(`Usage: neurite ${c}`));
    }
  });

  it('summary: table, signature, params, format and Keras version', () => {
    const r = neurite('summary', ncf());
    expect(r.code).toBe(0);
    expect(r.out).toContain('Format: .keras (zip: config.json, model.weights.h5), Keras 3.13.2');
    expect(r.out).toContain('Total params: 335,329');
    expect(r.out).toMatch(/Inputs: user \(None, 1\) float32; movie \(None, 1\) float32/);
    const j = JSON.parse(
      neurite('summary', '--json', join(real, 'mnist-mlp-h5-k2.5.0', 'mnist.h5')).out,
    );
    expect(j.kerasVersion).toBe('2.5.0');
    expect(j.inputs[0].shape).toEqual([null, 28, 28]);
  });

  it('convert: .h5 -> .keras -> TensorFlow.js folder, and .h5 output refused', () => {
    expect(
      neurite('convert', join(real, 'mnist-cnn-h5-k2.2.4', 'mnist.h5'), 'cnn.keras').code,
    ).toBe(0);
    expect(neurite('summary', 'cnn.keras').out).toContain('saved by neurite');
    expect(neurite('convert', 'cnn.keras', 'cnn-tfjs').code).toBe(0);
    expect(existsSync(join(dir, 'cnn-tfjs', 'model.json'))).toBe(true);
    const bad = neurite('convert', 'cnn.keras', 'cnn.h5');
    expect(bad.code).toBe(1);
    expect(bad.err.split('\n')).toHaveLength(1);
    expect(bad.err).toMatch(/read only/);
  });

  it('predict: CSV rows of a real LSTM give the prediction Keras made', () => {
    const c = JSON.parse(readFileSync(join(real, 'btc-lstm-k3.14', 'check.json'), 'utf8'));
    const rows = (c.rows_scaled_120x9 as number[][]).slice(1, 61);
    writeFileSync(join(dir, 'window.csv'), rows.map((r) => r.join(',')).join('\n'));
    const r = neurite('predict', join(real, 'btc-lstm-k3.14', 'btc_lstm_v1.keras'), 'window.csv');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(Math.abs(out[0].output[0] - c.cases[0].numpy_reference_scaled_output)).toBeLessThan(
      1e-4,
    );
  });

  it('predict: a PNG of a Fashion-MNIST test image, --top 3', async () => {
    const imgs = gunzipSync(
      readFileSync('/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz'),
    );
    const labels = gunzipSync(
      readFileSync('/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz'),
    );
    const img = nr.tensor(Int32Array.from(imgs.subarray(16, 16 + 784)), [28, 28, 1], 'int32');
    writeFileSync(join(dir, 'boot.png'), await nr.data.encodePng(img));
    img.dispose();
    const r = neurite('predict', fashion(), 'boot.png', '--top', '3', '--scale', String(1 / 255));
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(out[0].top).toHaveLength(3);
    expect(out[0].top[0].index).toBe(labels[8]);
  });

  it('plot: a PNG of the model graph', () => {
    const r = neurite('plot', ncf(), 'ncf.png');
    expect(r.code).toBe(0);
    expect([...readFileSync(join(dir, 'ncf.png')).subarray(1, 4)]).toEqual([0x50, 0x4e, 0x47]);
  });

  it('doctor: versions, threads and backends', () => {
    const r = neurite('doctor');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^neurite \d/m);
    expect(r.out).toMatch(/threads: \d+/);
    expect(r.out).toContain('backend cpu: starts');
  });

  it('errors: one line, non-zero exit', () => {
    for (const args of [
      ['summary', 'missing.keras'],
      ['bogus'],
      ['predict', ncf(), 'x.csv'],
      ['plot', ncf(), 'out.gif'],
    ]) {
      const r = neurite(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });
});
