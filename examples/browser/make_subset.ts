// Writes examples/browser/data/: the first few hundred Fashion-MNIST images of each split, for machines without the full set.
//
//   npx tsx examples/browser/make_subset.ts [/usr/share/datasets/fashion-mnist]
//
// The page's server serves these four files when Debian's dataset-fashion-mnist is not installed.
// They are the same IDX format (gzip), cut to the first TRAIN / TEST examples of the real files.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

const TRAIN = 600;
const TEST = 200;
const source = process.argv[2] ?? '/usr/share/datasets/fashion-mnist';
const out = join(dirname(fileURLToPath(import.meta.url)), 'data');

/** The first `n` items of an IDX file: the header with its first dimension set to n, then n items. */
function firstItems(bytes: Uint8Array, n: number): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rank = bytes[3];
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const header = 4 + 4 * rank;
  const itemBytes = dims.slice(1).reduce((a, b) => a * b, 1); // uint8 data: one byte per value
  const cut = Math.min(n, dims[0]);
  const result = bytes.slice(0, header + cut * itemBytes);
  new DataView(result.buffer).setUint32(4, cut);
  return result;
}

mkdirSync(out, { recursive: true });
for (const [file, n] of [
  ['train-images-idx3-ubyte.gz', TRAIN],
  ['train-labels-idx1-ubyte.gz', TRAIN],
  ['t10k-images-idx3-ubyte.gz', TEST],
  ['t10k-labels-idx1-ubyte.gz', TEST],
] as const) {
  const bytes = firstItems(new Uint8Array(gunzipSync(readFileSync(join(source, file)))), n);
  // mtime 0 in the gzip header: the same input gives the same committed bytes
  writeFileSync(join(out, file), gzipSync(bytes, { level: 9 }));
  console.log(`${file}: ${n} items`);
}
