// tfjs-node programs are CommonJS and never call ready(): through require('neurite') their model, built at load, trains on wasm.
import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const requireEntry = resolve(repoRoot, 'src', 'node_require.ts');

/** Runs a CommonJS program under tsx (as `node --import tsx`), with `neurite` bound to the require entry. */
function runCommonJs(source: string): string {
  return execFileSync(
    process.execPath,
    ['--import', 'tsx', '-e', source.replaceAll('NEURITE', JSON.stringify(requireEntry))],
    { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, NEURITE_LEAKS: 'off' }, timeout: 60_000 },
  ).trim();
}

describe('a CommonJS tfjs-style program, import changed only', () => {
  it('builds its model at load (on cpu), then trainOnBatch, fit and fitDataset train on wasm', () => {
    // The shape of mnist-node / abalone-node: model.js builds and compiles at require time, main awaits
    // data and fit. (A program's own setBackend('cpu') is kept: test/core/backend_registry.test.ts.)
    const out = runCommonJs(`
      const tf = require(NEURITE);
      const model = tf.sequential();
      model.add(tf.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }));
      model.add(tf.layers.dense({ units: 1 }));
      model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
      const builtOn = tf.getBackend();
      const rows = [];
      for (let i = 0; i < 64; i++) rows.push([i % 3, (i * 7) % 5, i % 2, 1]);
      const xs = tf.tensor2d(rows);
      const ys = xs.sum(1, true);
      (async () => {
        // A GAN-style loop (mnist-acgan) trains with trainOnBatch alone: it waits for the start too.
        const first = await model.trainOnBatch(xs, ys);
        const onBatch = tf.getBackend();
        const h = await model.fit(xs, ys, { epochs: 2, batchSize: 16, verbose: 0 });
        const ds = tf.data.zip({ xs: tf.data.array(rows), ys: tf.data.array(rows.map((r) => [r[0] + r[1] + r[2] + r[3]])) }).batch(16);
        const h2 = await model.fitDataset(ds, { epochs: 1, verbose: 0 });
        const finite = [first, ...h.history.loss, ...h2.history.loss].every(Number.isFinite);
        console.log([builtOn, onBatch, tf.getBackend(), finite].join(' '));
      })();
    `);
    expect(out).toBe('cpu wasm wasm true');
  }, 60_000);
});
