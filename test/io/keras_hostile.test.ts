// Hostile .keras and .h5 files: every case a typed IOError, bounded memory, nothing written outside the target.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { writeH5 } from '../../src/io/keras/hdf5.js';
import { readZip, writeZip } from '../../src/io/keras/zip.js';

const dir = mkdtempSync(join(tmpdir(), 'neurite-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const enc = new TextEncoder();

/** A small valid model's config.json (Keras 3 form) with one Dense layer of `units` on 3 inputs. */
function denseConfig(
  units: number,
  extra: Record<string, unknown>[] = [],
): Record<string, unknown> {
  return {
    module: 'keras',
    class_name: 'Sequential',
    config: {
      name: 'sequential',
      layers: [
        {
          module: 'keras.layers',
          class_name: 'InputLayer',
          config: { batch_shape: [null, 3], name: 'input_layer' },
        },
        {
          module: 'keras.layers',
          class_name: 'Dense',
          config: { name: 'dense', units, activation: 'linear' },
        },
        ...extra,
      ],
    },
  };
}

async function kerasBytes(config: unknown, weights?: Uint8Array): Promise<Uint8Array> {
  const members = new Map<string, Uint8Array>([
    ['config.json', enc.encode(JSON.stringify(config))],
  ]);
  members.set('model.weights.h5', weights ?? (await denseWeights([3, 2], [2])));
  return writeZip(members);
}

async function denseWeights(kernel: number[], bias: number[]): Promise<Uint8Array> {
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  return writeH5(
    [
      {
        path: 'layers/dense/vars/0',
        shape: kernel,
        dtype: 'float32',
        values: new Float32Array(size(kernel)),
      },
      {
        path: 'layers/dense/vars/1',
        shape: bias,
        dtype: 'float32',
        values: new Float32Array(size(bias)),
      },
    ],
    new Map(),
  );
}

const python = ['/usr/bin/python3'].find((p) => existsSync(p));
const hasH5py = (() => {
  if (!python) return false;
  try {
    execFileSync(python, ['-c', 'import h5py'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!hasH5py)
  console.log(
    'keras_hostile: /usr/bin/python3 with h5py not found; the virtual-dataset and chunked shape-bomb cases are skipped',
  );

describe('hostile Keras files', () => {
  it('a valid file loads (the baseline the other cases break)', async () => {
    const m = await nr.loadModel(await kerasBytes(denseConfig(2)));
    expect(m.layers.length).toBe(1);
  });

  it('wrong magic and empty input', async () => {
    await expect(nr.loadModel(enc.encode('GIF89a not a model'))).rejects.toThrow(nr.IOError);
    await expect(nr.loadModel(new Uint8Array(0))).rejects.toThrow(/not a Keras model file/);
  });

  it('truncated zip', async () => {
    const good = await kerasBytes(denseConfig(2));
    for (const cut of [10, good.length >> 1, good.length - 10])
      await expect(nr.loadModel(good.subarray(0, cut))).rejects.toThrow(nr.IOError);
  });

  it('zip bomb: expansion ratio and declared sizes refused before inflating', async () => {
    const zeros = new Uint8Array(8 * 1024 * 1024);
    const bomb = zipSync({ 'config.json': zeros });
    const before = process.memoryUsage().rss;
    expect(() =>
      readZip(bomb, 'bomb.keras', {
        maxMemberBytes: 2 ** 32,
        maxTotalBytes: 2 ** 32,
        maxRatio: 100,
        maxMembers: 10,
      }),
    ).toThrow(/zip bomb/);
    // A central directory that claims 4.29 GB for a member: refused by the member limit, nothing allocated.
    const forged = Uint8Array.from(zipSync({ 'config.json': enc.encode('{}') }));
    const cd = forged.findIndex(
      (_, i) =>
        forged[i] === 0x50 && forged[i + 1] === 0x4b && forged[i + 2] === 1 && forged[i + 3] === 2,
    );
    new DataView(forged.buffer).setUint32(cd + 24, 0xfffffff0, true);
    await expect(nr.loadModel(forged)).rejects.toThrow(/declares 4294967280 bytes|zip bomb/);
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
  });

  it("'../' and absolute member names are refused; nothing is written", async () => {
    for (const name of ['../evil.txt', '/etc/evil', 'a/../../evil', 'C:/evil', '__proto__']) {
      // fflate will not write such names, so a placeholder of the same length is patched in the headers.
      const z = zipSync({
        ['q'.repeat(name.length)]: enc.encode('x'),
        'config.json': enc.encode('{}'),
      });
      const placeholder = enc.encode('q'.repeat(name.length));
      for (let i = 0; i + placeholder.length <= z.length; i++)
        if (placeholder.every((b, j) => z[i + j] === b)) z.set(enc.encode(name), i);
      await expect(nr.loadModel(z)).rejects.toThrow(/not allowed|leaves the archive/);
    }
    expect(existsSync(join(dir, '..', 'evil.txt'))).toBe(false);
  });

  it('HDF5 soft and external links are refused', async () => {
    const h5wasm = await import('h5wasm');
    const { FS } = await h5wasm.ready;
    for (const kind of ['soft', 'external'] as const) {
      const path = `/hostile-${kind}.h5`;
      const f = new h5wasm.File(path, 'w');
      f.create_group('layers');
      const g = f.create_group('layers/dense');
      g.create_group('vars');
      const vars = f.get('layers/dense/vars');
      if (!(vars instanceof h5wasm.Group)) throw new Error('test setup: vars group');
      vars.create_dataset({ name: '1', data: new Float32Array(2), shape: [2], dtype: '<f' });
      if (kind === 'soft') vars.create_soft_link('/layers/dense/vars/1', '0');
      else vars.create_external_link('/etc/passwd', '/x', '0');
      f.close();
      const bytes = FS?.readFile(path) ?? new Uint8Array();
      FS?.unlink(path);
      await expect(nr.loadModel(await kerasBytes(denseConfig(2), bytes))).rejects.toThrow(
        new RegExp(`${kind === 'soft' ? 'soft' : 'external'}.*link`),
      );
    }
  });

  it.skipIf(!hasH5py)(
    'HDF5 virtual datasets and chunked shape bombs (made with h5py)',
    async () => {
      const out = join(dir, 'made');
      execFileSync(python as string, [join(__dirname, '..', 'fixtures', 'hostile_h5.py'), out], {
        stdio: 'pipe',
      });
      await expect(
        nr.loadModel(await kerasBytes(denseConfig(2), readFileSync(join(out, 'virtual.h5')))),
      ).rejects.toThrow(/virtual/);
      const before = process.memoryUsage().rss;
      await expect(
        nr.loadModel(await kerasBytes(denseConfig(2), readFileSync(join(out, 'shape_bomb.h5')))),
      ).rejects.toThrow(/shape \[100000,100000\].*expects \[3,2\]/);
      expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
    },
  );

  it('a config shape bomb is refused before the model is built', async () => {
    await expect(nr.loadModel(await kerasBytes(denseConfig(2 ** 31)))).rejects.toThrow(
      /units = 2147483648, above the limit/,
    );
  });

  it('Lambda layers and __lambda__ functions are refused (safe mode)', async () => {
    const lambda = {
      module: 'keras.layers',
      class_name: 'Lambda',
      config: {
        name: 'lambda',
        function: {
          class_name: '__lambda__',
          config: { code: '4wEAAAAA', defaults: null, closure: null },
        },
      },
    };
    await expect(nr.loadModel(await kerasBytes(denseConfig(2, [lambda])))).rejects.toThrow(
      /Lambda.*Python code.*safe mode/,
    );
    const hidden = {
      module: 'keras.layers',
      class_name: 'Dense',
      config: {
        name: 'd2',
        units: 1,
        activation: { class_name: '__lambda__', config: { code: 'x' } },
      },
    };
    await expect(nr.loadModel(await kerasBytes(denseConfig(2, [hidden])))).rejects.toThrow(
      /__lambda__/,
    );
    const keras2 = {
      class_name: 'Lambda',
      config: { name: 'l', function: ['4wEAAA', null, null], function_type: 'lambda' },
    };
    await expect(nr.loadModel(await kerasBytes(denseConfig(2, [keras2])))).rejects.toThrow(
      nr.IOError,
    );
  });

  it('an unregistered class is named, with how to register it', async () => {
    const custom = {
      module: null,
      class_name: 'MyScale',
      config: { name: 'my_scale' },
      registered_name: 'MyScale',
    };
    await expect(nr.loadModel(await kerasBytes(denseConfig(2, [custom])))).rejects.toThrow(
      /unknown layer class 'MyScale'.*nr\.layers\.registerLayer\('MyScale'/s,
    );
  });

  it('config and weights that disagree: shape and count', async () => {
    await expect(
      nr.loadModel(await kerasBytes(denseConfig(2), await denseWeights([3, 5], [5]))),
    ).rejects.toThrow(/has shape \[3,5\], the model expects \[3,2\]/);
    const missing = await writeH5(
      [
        {
          path: 'layers/dense/vars/0',
          shape: [3, 2],
          dtype: 'float32',
          values: new Float32Array(6),
        },
      ],
      new Map(),
    );
    await expect(nr.loadModel(await kerasBytes(denseConfig(2), missing))).rejects.toThrow(
      /has 2 weights but the file has 1/,
    );
  });

  it('keys that reach prototypes do nothing', async () => {
    const config = JSON.parse(
      JSON.stringify(denseConfig(2)).replace(
        '"units":2',
        '"units":2,"__proto__":{"polluted":true}',
      ),
    );
    await nr.loadModel(await kerasBytes(config));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a legacy .h5 with a Lambda in model_config is refused', async () => {
    const cfg = JSON.stringify({
      class_name: 'Sequential',
      config: {
        layers: [{ class_name: 'Lambda', config: { name: 'l', function_type: 'lambda' } }],
      },
    });
    const h5wasm = await import('h5wasm');
    const { FS } = await h5wasm.ready;
    const f = new h5wasm.File('/hostile-legacy.h5', 'w');
    f.create_attribute('model_config', cfg);
    f.close();
    const bytes = FS?.readFile('/hostile-legacy.h5') ?? new Uint8Array();
    FS?.unlink('/hostile-legacy.h5');
    await expect(nr.loadModel(bytes)).rejects.toThrow(/Lambda/);
  });
});
