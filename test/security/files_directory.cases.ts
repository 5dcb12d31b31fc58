// Hostile image folders: link loops, special files, bombs among the images (run in a child).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageDatasetFromDirectory } from '../../src/data/directory.js';
import { encodePng } from '../../src/data/image.js';
import { tensor } from '../../src/index.js';
import type { FileCase } from './files_harness.js';
import { chunk, ihdr, png, zlibZeros } from './files_build.js';

const root = mkdtempSync(join(tmpdir(), 'neurite-hostile-dir-'));

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(`check failed: ${what}`);
}

const quiet = { verbose: false, shuffle: false, imageSize: [4, 4] as [number, number] };

export async function cases(): Promise<FileCase[]> {
  const img = tensor(new Array(4 * 4 * 3).fill(9), [4, 4, 3], 'int32');
  const good = await encodePng(img);
  img.dispose();
  // loops/cls holds one image and links to itself twice: 2^64 walks before (each link was a new path).
  mkdirSync(join(root, 'loops', 'cls'), { recursive: true });
  writeFileSync(join(root, 'loops', 'cls', 'a.png'), good);
  symlinkSync('.', join(root, 'loops', 'cls', 'x'));
  symlinkSync('.', join(root, 'loops', 'cls', 'y'));
  // special/cls: a FIFO and a link to /dev/zero named like images, beside one real image.
  mkdirSync(join(root, 'special', 'cls'), { recursive: true });
  writeFileSync(join(root, 'special', 'cls', 'a.png'), good);
  execFileSync('mkfifo', [join(root, 'special', 'cls', 'fifo.png')]);
  symlinkSync('/dev/zero', join(root, 'special', 'cls', 'zero.png'));
  // bomb/cls: a 93-byte PNG claiming 30000x30000, and an interlaced one inflating to 300 MB.
  mkdirSync(join(root, 'bomb', 'cls'), { recursive: true });
  writeFileSync(
    join(root, 'bomb', 'cls', 'big.png'),
    png(ihdr(30000, 30000), chunk('IDAT', zlibZeros(5))),
  );
  mkdirSync(join(root, 'bomb2', 'cls'), { recursive: true });
  writeFileSync(
    join(root, 'bomb2', 'cls', 'i.png'),
    png(ihdr(64, 64, 6, 1), chunk('IDAT', zlibZeros(300 * 2 ** 20))),
  );
  return [
    {
      name: 'folders: two links to the folder itself (followLinks)',
      run: async () => {
        const ds = await imageDatasetFromDirectory(join(root, 'loops'), {
          ...quiet,
          followLinks: true,
        });
        check(ds.filePaths.length === 1, `${ds.filePaths.length} files`);
      },
      expect: 'ok',
    },
    {
      name: 'folders: a FIFO and a link to /dev/zero named .png are skipped',
      run: async () => {
        const ds = await imageDatasetFromDirectory(join(root, 'special'), quiet);
        check(ds.filePaths.length === 1 && ds.filePaths[0].endsWith('a.png'), ds.filePaths.join());
        return ds.toArray();
      },
      expect: 'ok',
    },
    {
      name: 'folders: a 93-byte PNG claiming 30000x30000 among the images',
      run: async () => (await imageDatasetFromDirectory(join(root, 'bomb'), quiet)).toArray(),
      expect: 'IOError',
    },
    {
      name: 'folders: an interlaced PNG inflating to 300 MB among the images',
      run: async () => (await imageDatasetFromDirectory(join(root, 'bomb2'), quiet)).toArray(),
      expect: 'IOError',
    },
    {
      name: 'folders: maxPixels reaches the decoder',
      run: async () =>
        (
          await imageDatasetFromDirectory(join(root, 'special'), { ...quiet, maxPixels: 4 })
        ).toArray(),
      expect: 'IOError',
    },
    {
      name: "folders: colorMode 'constructor' is an ArgumentError",
      run: () =>
        imageDatasetFromDirectory(join(root, 'special'), {
          ...quiet,
          colorMode: 'constructor' as 'rgb',
        }),
      expect: 'ArgumentError',
    },
  ];
}

export function cleanup(): void {
  rmSync(root, { recursive: true, force: true });
}
