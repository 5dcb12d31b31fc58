// Hostile gzip, tar and IDX inputs (run in a child process by files_archives.test.ts).
import { gunzipBounded, untar } from '../../src/data/archive.js';
import { parseIdx } from '../../src/data/idx.js';
import type { FileCase } from './files_harness.js';
import { cat, tar, zlibZeros } from './files_build.js';

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(`check failed: ${what}`);
}

/** Runs `fn` on every prefix of `bytes` shorter than it; each must throw an IOError. */
function everyPrefixRefused(
  bytes: Uint8Array,
  fn: (b: Uint8Array) => unknown,
  step = 1,
  upTo = bytes.length,
): void {
  for (let n = 0; n < upTo; n += step) {
    try {
      fn(bytes.subarray(0, n));
    } catch (e) {
      if (e instanceof Error && e.constructor.name === 'IOError') continue;
      throw e;
    }
    throw new Error(`a ${n}-byte prefix of ${bytes.length} was accepted`);
  }
}

/** gzip framing around zlibZeros' deflate data (the CRC is not checked before the bound). */
function gzipZeros(n: number): Uint8Array {
  const z = zlibZeros(n);
  const trailer = new Uint8Array(8);
  new DataView(trailer.buffer).setUint32(4, n % 2 ** 32, true);
  return cat([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255], z.subarray(2, z.length - 4), trailer);
}

/** An IDX file of uint8 values. */
function idx(shape: number[], data: Uint8Array): Uint8Array {
  const head = new Uint8Array(4 + 4 * shape.length);
  head.set([0, 0, 0x08, shape.length]);
  shape.forEach((d, i) => new DataView(head.buffer).setUint32(4 + 4 * i, d, false));
  return cat(head, data);
}

export function cases(): FileCase[] {
  const goodIdx = idx([2, 3], Uint8Array.from([1, 2, 3, 4, 5, 6]));
  const goodTar = tar([
    { name: 'a.bin', data: new Uint8Array(700).fill(1) },
    { name: 'b.bin', data: new Uint8Array(10).fill(2) },
  ]);
  const bomb = gzipZeros(2 ** 30);
  return [
    {
      name: 'gzip: 1 GiB of zeros in 6.6 MB, limit 16 MiB',
      run: () => gunzipBounded(bomb, 'bomb.gz', 16 * 2 ** 20),
      expect: 'IOError',
    },
    {
      name: 'IDX: a gzip bomb under maxBytes 16 MiB',
      run: () => parseIdx(bomb, 'bomb.idx.gz', { maxBytes: 16 * 2 ** 20 }),
      expect: 'IOError',
    },
    {
      name: 'IDX: dimensions 65535 x 65535 x 65535 in 16 bytes',
      run: () => parseIdx(idx([65535, 65535, 65535], new Uint8Array(0))),
      expect: 'IOError',
    },
    {
      name: 'IDX: uint8 data whose int32 values would pass maxBytes',
      run: () => parseIdx(idx([1000], new Uint8Array(1000)), 'x', { maxBytes: 2000 }),
      expect: 'IOError',
    },
    {
      name: 'IDX: every truncation of a valid file, plain and gzip',
      run: () => {
        everyPrefixRefused(goodIdx, (b) => parseIdx(b));
        everyPrefixRefused(gzipZeros(64), (b) => gunzipBounded(b, 'z.gz', 1000));
      },
      expect: 'ok',
    },
    {
      // Cut anywhere before the first end-of-archive block; a cut in the second loses nothing.
      name: 'tar: every truncation of a valid archive',
      run: () => everyPrefixRefused(goodTar, (b) => untar(b, 'x.tar'), 7, goodTar.length - 512),
      expect: 'ok',
    },
    {
      name: 'tar: a member declaring 8 GiB',
      run: () => {
        const t = goodTar.slice();
        t.set(
          [...'77777777777'].map((c) => c.charCodeAt(0)),
          124,
        );
        // A correct checksum for the changed header, so the size itself is what is refused.
        t.fill(32, 148, 156);
        const sum = t.subarray(0, 512).reduce((a, b) => a + b, 0);
        t.set(
          [...`${sum.toString(8).padStart(6, '0')}\0 `].map((c) => c.charCodeAt(0)),
          148,
        );
        return untar(t, 'x.tar');
      },
      expect: 'IOError',
    },
    {
      name: 'tar: a corrupt header (checksum)',
      run: () => {
        const t = goodTar.slice();
        t[0] ^= 1;
        return untar(t, 'x.tar');
      },
      expect: 'IOError',
    },
    {
      name: "tar: members named '__proto__' and 'constructor' are listed as they are",
      run: () => {
        const e = untar(
          tar([
            { name: '__proto__', data: new Uint8Array(3) },
            { name: 'constructor', data: new Uint8Array(1) },
          ]),
          'x.tar',
        );
        check(e.map((m) => m.name).join() === '__proto__,constructor', 'names');
      },
      expect: 'ok',
    },
  ];
}
