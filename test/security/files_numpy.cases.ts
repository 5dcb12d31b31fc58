// Hostile .npy and .npz inputs (run in a child process by files_numpy.test.ts).
import { zipSync } from 'fflate';
import { parseNpy, parseNpz } from '../../src/data/npy.js';
import type { FileCase } from './files_harness.js';
import { npy } from './files_build.js';

const f32 = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);

/** Throws unless `cond`; the cases that must succeed check what they read this way. */
function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(`check failed: ${what}`);
}

/** A zip whose first entry's declared (uncompressed) size is patched to `size`. */
function zipDeclaring(size: number): Uint8Array {
  const zip = zipSync(
    { 'a.npy': npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", f32([1])) },
    { level: 0 },
  );
  const view = new DataView(zip.buffer);
  view.setUint32(22, size, true); // local header
  const cd = zip.findIndex(
    (b, i) => b === 0x50 && zip[i + 1] === 0x4b && zip[i + 2] === 1 && zip[i + 3] === 2,
  );
  view.setUint32(cd + 24, size, true); // central directory
  return zip;
}

export function cases(): FileCase[] {
  const good = npy(
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }",
    f32([1, 2, 3, 4]),
  );
  return [
    {
      // Both readings fit the 16 bytes: NumPy reads int32 (the last key), a regex read float32.
      name: '.npy: two descr keys (NumPy keeps the last; a regex kept the first)',
      run: () =>
        parseNpy(
          npy(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'descr': '<i4', }",
            f32([1, 2, 3, 4]),
          ),
        ),
      expect: 'IOError',
    },
    {
      name: '.npy: two shape keys',
      run: () =>
        parseNpy(
          npy(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'shape': (2, 2), }",
            f32([1, 2, 3, 4]),
          ),
        ),
      expect: 'IOError',
    },
    {
      name: '.npy: an unknown key, a missing key, text after the dict',
      run: () => {
        for (const h of [
          "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'x': 1, }",
          "{'descr': '<f4', 'shape': (4,), }",
          "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), } 'shape': (9,)",
        ]) {
          try {
            parseNpy(npy(h, f32([1, 2, 3, 4])));
          } catch (e) {
            if (e instanceof Error && e.constructor.name === 'IOError') continue;
            throw e;
          }
          throw new Error(`accepted ${h}`);
        }
      },
      expect: 'ok',
    },
    {
      name: '.npy: shape (1000000, 1000000) float32 with 16 data bytes',
      run: () =>
        parseNpy(
          npy(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }",
            f32([1, 2, 3, 4]),
          ),
        ),
      expect: 'IOError',
    },
    {
      name: '.npy: a 40-digit dimension',
      run: () =>
        parseNpy(npy(`{'descr': '<f4', 'fortran_order': False, 'shape': (${'9'.repeat(40)},), }`)),
      expect: 'IOError',
    },
    {
      name: '.npy: every truncation of a valid file',
      run: () => {
        for (let n = 0; n < good.length; n++) {
          try {
            parseNpy(good.subarray(0, n));
          } catch (e) {
            if (e instanceof Error && e.constructor.name === 'IOError') continue;
            throw e;
          }
          throw new Error(`a ${n}-byte prefix parsed`);
        }
      },
      expect: 'ok',
    },
    {
      name: ".npz: entries named '__proto__.npy', 'constructor.npy', 'toString.npy' are ordinary keys",
      run: () => {
        const zip = zipSync({
          '__proto__.npy': good,
          'constructor.npy': good,
          'toString.npy': good,
        });
        const out = parseNpz(zip);
        check(Object.getPrototypeOf(out) === null, 'the result has no prototype');
        check(
          Object.keys(out).sort().join() === '__proto__,constructor,toString',
          `keys ${Object.keys(out)}`,
        );
        for (const k of ['__proto__', 'constructor', 'toString'])
          check(Object.hasOwn(out, k) && out[k].shape.join() === '2,2', `${k} is the array`);
      },
      expect: 'ok',
    },
    {
      name: ".npz: an entry named '__proto__' (unzipEntries would lose it)",
      run: async () => {
        // fflate cannot write that name: write 'XXXXXXXXX' and rename it in place (same length).
        const zip = zipSync({ XXXXXXXXX: good });
        const name = [...'__proto__'].map((c) => c.charCodeAt(0));
        for (let i = 0; i + 9 <= zip.length; i++)
          if (zip.subarray(i, i + 9).every((b) => b === 88)) zip.set(name, i);
        const { unzipEntries } = await import('../../src/data/archive.js');
        return unzipEntries(zip, 'x.zip', 1e6);
      },
      expect: 'IOError',
    },
    {
      name: '.npz: an entry declaring 3 GB',
      run: () => parseNpz(zipDeclaring(3 * 2 ** 30)),
      expect: 'IOError',
    },
    {
      name: '.npz: maxBytes is the user’s',
      run: () => parseNpz(zipSync({ 'a.npy': good }), 'a.npz', { maxBytes: 8 }),
      expect: 'IOError',
    },
  ];
}
