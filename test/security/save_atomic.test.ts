// A save killed at random moments (SIGKILL of a child process, many tries) leaves the old model or the new one, never a mix, and the next save cleans up.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileHandler } from '../../src/io/handlers/file.js';
import * as nr from '../../src/node.js';

const TRIES = 24;
const SHARD_BYTES = 64 * 1024;
const SOURCE = fileURLToPath(new URL('./cases/save_child.ts', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'neurite-kill-'));
const CHILD = join(root, 'save_child.mjs');
// Bundled once to plain JavaScript: each try then starts node in ~50 ms instead of ~1 s with tsx.
beforeAll(async () => {
  await build({
    entryPoints: [SOURCE],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: CHILD,
  });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Starts the saving child, waits until it is about to save, kills it `delayMs` later. */
async function killMidSave(dir: string, setup: string, delayMs: number): Promise<number> {
  const child = spawn(process.execPath, [CHILD, dir, setup, String(SHARD_BYTES)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let saves = 0;
  let ready: () => void = () => {};
  const started = new Promise<void>((r) => (ready = r));
  child.stdout.on('data', (d: Buffer) => {
    const text = d.toString();
    if (text.includes('ready')) ready();
    saves += (text.match(/saved/g) ?? []).length;
  });
  const exited = new Promise<void>((r) => child.on('close', () => r()));
  await Promise.race([started, exited]);
  await new Promise((r) => setTimeout(r, delayMs));
  child.kill('SIGKILL');
  await exited;
  return saves;
}

describe('whole-model save is atomic', () => {
  it(`survives ${TRIES} kills at random points of a save: the folder loads as exactly A or B`, async () => {
    await nr.setBackend('cpu');
    // About 1 MiB of weights: 17 shards of 64 KiB, so a kill can land between any two of them.
    const model = nr.sequential({ layers: [nr.layers.dense({ units: 1024, inputShape: [256] })] });
    let a: nr.io.ModelArtifacts | null = null;
    await model.save(nr.io.withSaveHandler(async (x) => void (a = x)));
    if (!a) throw new Error('no artifacts');
    const A: nr.io.ModelArtifacts = a;
    const bytesA = new Uint8Array(A.weightData);
    const floatsB = new Float32Array(A.weightData.slice(0)).map((v) => v + 1);
    const bytesB = new Uint8Array(floatsB.buffer);
    const setup = join(root, 'setup');
    mkdirSync(setup);
    writeFileSync(
      join(setup, 'topology.json'),
      JSON.stringify({ modelTopology: A.modelTopology, weightSpecs: A.weightSpecs }),
    );
    writeFileSync(join(setup, 'A.bin'), bytesA);
    writeFileSync(join(setup, 'B.bin'), bytesB);

    const dir = join(root, 'model');
    const handler = fileHandler(dir, { shardBytes: SHARD_BYTES });
    await handler.save?.(A);
    const same = (x: Uint8Array, y: Uint8Array) =>
      x.length === y.length && Buffer.compare(Buffer.from(x), Buffer.from(y)) === 0;
    const outcomes = { A: 0, B: 0, debris: 0, saves: 0 };
    for (let i = 0; i < TRIES; i++) {
      outcomes.saves += await killMidSave(dir, setup, Math.random() * 250);
      const files = readdirSync(dir);
      if (files.some((f) => f.includes('.tmp-')) || files.length > 18) outcomes.debris++;
      const loaded = await handler.load?.();
      const got = new Uint8Array(loaded?.weightData ?? new ArrayBuffer(0));
      const isA = same(got, bytesA);
      const isB = same(got, bytesB);
      expect(isA || isB, `try ${i}: the folder holds neither A nor B`).toBe(true);
      if (isA) outcomes.A++;
      else outcomes.B++;
    }
    // Kills landed during saves (leftovers were found), and the survivors loaded whole every time.
    console.log(`kill-mid-save: ${JSON.stringify(outcomes)}`);
    expect(outcomes.debris).toBeGreaterThan(0);

    // The survivor loads as a model equal to A or B, weight for weight.
    const survivor = await nr.loadLayersModel(dir);
    const kernel = survivor.getWeights()[0].dataSync();
    const a0 = new Float32Array(A.weightData, 0, 4);
    expect([a0[0], a0[0] + 1].map((v) => Math.fround(v))).toContain(kernel[0]);
    survivor.dispose();

    // The next save removes every temporary and every shard the new model.json does not use.
    await handler.save?.(A);
    const files = readdirSync(dir).sort();
    const json = JSON.parse(
      new TextDecoder().decode(await nr.data.readBytes(join(dir, 'model.json'))),
    ) as { weightsManifest: { paths: string[] }[] };
    expect(files).toEqual(['model.json', ...json.weightsManifest[0].paths].sort());
  });
});
