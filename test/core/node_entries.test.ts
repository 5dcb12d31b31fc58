// The package's two Node entries, loaded by name (the package references itself): `import` starts wasm at import; `require` works (no top-level await) and starts wasm in the background.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const built =
  existsSync(resolve(repoRoot, 'dist', 'node.js')) &&
  existsSync(resolve(repoRoot, 'dist', 'node_require.js'));
if (!built) console.log('node entries: dist/ not built (run `npx tsup`); entry tests skipped');

const run = (args: string[]): string =>
  execFileSync(process.execPath, args, {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, NEURITE_LEAKS: 'off' },
  }).trim();

describe.skipIf(!built)('Node entries of the package', () => {
  it('import: wasm is the backend from the first op, without ready()', () => {
    const out = run([
      '--input-type=module',
      '-e',
      `import * as tf from 'neurite'; console.log(tf.getBackend(), tf.tensor([1, 2]).add(1).dataSync().join())`,
    ]);
    expect(out).toBe('wasm 2,3');
  });

  it('require: loads (no top-level await), and ready() resolves with wasm current', () => {
    const out = run([
      '-e',
      `const tf = require('neurite'); tf.ready().then(() => console.log(tf.getBackend(), tf.tensor1d([1, 2], 'int32').mul(2).dataSync().join()))`,
    ]);
    expect(out).toBe('wasm 2,4');
  });

  it('require without ready(): wasm starts in the background and early tensors move to it', () => {
    const out = run([
      '-e',
      `const tf = require('neurite'); const a = tf.tensor([1, 2]); const t0 = Date.now();
       const poll = () => tf.getBackend() === 'wasm' || Date.now() - t0 > 20000
         ? console.log(tf.getBackend(), a.add(1).dataSync().join()) : setTimeout(poll, 5);
       poll();`,
    ]);
    expect(out).toBe('wasm 2,3');
  });
});
