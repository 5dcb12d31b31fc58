// Hostile PNG and JPEG inputs for decodeImage (run in a child process by files_images.test.ts).
import { IOError } from '../../src/core/errors.js';
import { decodeImage, encodeJpeg, encodePng, loadImage } from '../../src/data/image.js';
import { tensor } from '../../src/index.js';
import type { FileCase } from './files_harness.js';
import { cat, chunk, ihdr, jpegFrame, png, scanlineBytes, zlibZeros } from './files_build.js';

/** Every proper prefix of `bytes` must be refused with an IOError (or, with `allowOk`, decode). */
async function everyPrefixRefused(bytes: Uint8Array, allowOk = false): Promise<void> {
  for (let n = 0; n < bytes.length; n++) {
    let t;
    try {
      t = await decodeImage(bytes.subarray(0, n));
    } catch (e) {
      if (!(e instanceof IOError)) throw e;
      continue;
    }
    t.dispose();
    if (!allowOk) throw new Error(`a ${n}-byte prefix of ${bytes.length} decoded`);
  }
}

export async function cases(): Promise<FileCase[]> {
  const small = tensor(
    Array.from({ length: 8 * 8 * 3 }, (_, i) => (i * 37) % 256),
    [8, 8, 3],
    'int32',
  );
  const goodPng = await encodePng(small);
  const goodJpeg = await encodeJpeg(small);
  small.dispose();
  const tinyRaw = zlibZeros(scanlineBytes(1, 1, 4, false));
  // 300 MB of zeros behind a 64x64 interlaced header (16 KB of scanlines): pngjs used to inflate it all.
  const interlacedBomb = png(ihdr(64, 64, 6, 1), chunk('IDAT', zlibZeros(300 * 2 ** 20)));
  // The case: 8192x8192 RGBA, 260 KB, over the default limit (it took 2.9 GB).
  const big = png(
    ihdr(8192, 8192, 6, 0),
    chunk('IDAT', zlibZeros(scanlineBytes(8192, 8192, 4, false))),
  );
  const legitInterlaced = png(
    ihdr(512, 512, 6, 1),
    chunk('IDAT', zlibZeros(scanlineBytes(512, 512, 4, true))),
  );
  return [
    {
      name: 'PNG: a 1x1 IHDR, then a second IHDR of 30000x30000 (the limit bypass)',
      run: () => decodeImage(png(ihdr(1, 1), ihdr(30000, 30000), chunk('IDAT', tinyRaw))),
      expect: 'IOError',
    },
    {
      name: 'PNG: 30000x30000 header, 93-byte file',
      run: () => decodeImage(png(ihdr(30000, 30000), chunk('IDAT', tinyRaw))),
      expect: 'IOError',
    },
    {
      name: 'PNG: interlaced 64x64 whose data inflates to 300 MB',
      run: () => decodeImage(interlacedBomb),
      expect: 'IOError',
    },
    {
      name: 'PNG: 8192x8192 RGBA of 260 KB, over the default pixel limit',
      run: () => decodeImage(big),
      expect: 'IOError',
    },
    {
      name: 'PNG: 4000x4000 header with 20 bytes of image data (cannot hold it)',
      run: () => decodeImage(png(ihdr(4000, 4000), chunk('IDAT', tinyRaw))),
      expect: 'IOError',
    },
    {
      name: 'PNG: a legitimate 512x512 interlaced RGBA image still decodes',
      run: () => decodeImage(legitInterlaced),
      expect: 'ok',
      maxMs: 10_000,
    },
    {
      name: 'PNG: chunk length 0xffffffff',
      run: () =>
        decodeImage(cat(png(ihdr(1, 1)).subarray(0, 33), [0xff, 0xff, 0xff, 0xff, 73, 68, 65, 84])),
      expect: 'IOError',
    },
    {
      name: 'PNG: bit depth 3',
      run: () => decodeImage(png(ihdr(2, 2, 6, 0, 3), chunk('IDAT', tinyRaw))),
      expect: 'IOError',
    },
    {
      name: 'PNG: colour type 5',
      run: () => decodeImage(png(ihdr(2, 2, 5), chunk('IDAT', tinyRaw))),
      expect: 'IOError',
    },
    {
      name: 'PNG: IDAT before IHDR',
      run: () => decodeImage(png(chunk('IDAT', tinyRaw), ihdr(1, 1))),
      expect: 'IOError',
    },
    {
      name: 'PNG: every truncation of a valid 8x8 file',
      run: () => everyPrefixRefused(goodPng),
      expect: 'ok',
      maxMs: 10_000,
    },
    {
      name: 'PNG: maxPixels is the user’s (100x100 over a limit of 5000)',
      run: () => decodeImage(png(ihdr(100, 100), chunk('IDAT', tinyRaw)), { maxPixels: 5000 }),
      expect: 'IOError',
    },
    {
      name: 'PNG: maxPixels must be a positive integer',
      run: () => decodeImage(goodPng, { maxPixels: -1 }),
      expect: 'ArgumentError',
    },
    {
      name: 'loadImage: a 100 MB file cannot be a 1000-pixel image (not read into memory)',
      run: async () => {
        const { mkdtempSync, rmSync, truncateSync, writeFileSync } = await import('node:fs');
        const { tmpdir } = await import('node:os');
        const { join } = await import('node:path');
        const dir = mkdtempSync(join(tmpdir(), 'neurite-big-image-'));
        const file = join(dir, 'big.png');
        try {
          writeFileSync(file, goodPng);
          truncateSync(file, 100 * 2 ** 20); // sparse: no disk used
          return await loadImage(file, { maxPixels: 1000 });
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
      // the byte cap follows maxPixels: SizeLimitError, the IOError of a size over a limit
      expect: 'SizeLimitError',
    },
    {
      name: 'JPEG: 1 KB file whose frame says 11000x11000',
      run: () => decodeImage(jpegFrame(11000, 11000)),
      expect: 'IOError',
    },
    {
      name: 'JPEG: 1 KB file whose frame says 4000x4000 (under the pixel limit)',
      run: () => decodeImage(jpegFrame(4000, 4000)),
      expect: 'IOError',
    },
    {
      name: 'JPEG: two frame headers',
      run: () => {
        const one = jpegFrame(8, 8, 64);
        return decodeImage(cat(one.subarray(0, 21), one.subarray(2, 21), one.subarray(21)));
      },
      expect: 'IOError',
    },
    {
      name: 'JPEG: every truncation of a valid 8x8 file (a typed error, or a decoded image)',
      run: () => everyPrefixRefused(goodJpeg, true),
      expect: 'ok',
      maxMs: 10_000,
    },
  ];
}
