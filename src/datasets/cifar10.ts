// CIFAR-10: 32x32 colour images in 10 classes, read from the original tarball of Python pickles.
import { IOError, show } from '../core/errors.js';
import { gunzipBounded, untar } from '../data/archive.js';
import { typedTensor } from '../data/container.js';
import { isNdArray } from '../data/ndarray.js';
import { unpickle } from '../data/pickle.js';
import { getFile, type LoadOptions, readFileBytes } from './cache.js';
import { FILES } from './catalog.js';
import { type PixelDType, pixelDType, type TrainTest } from './splits.js';

/** Class names by label. @example cifar10.classNames[3] // 'cat' */
export const classNames: readonly string[] = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];

/** Options of `cifar10.load`. */
export interface Cifar10LoadOptions extends LoadOptions {
  /** Pixel dtype, values 0..255 either way. Default 'int32'. */
  dtype?: PixelDType;
}

const SIDE = 32;
const PIXELS = SIDE * SIDE;

interface Batch {
  data: Uint8Array;
  labels: number[];
}

function readBatch(bytes: Uint8Array, name: string): Batch {
  const d = unpickle(bytes, name);
  if (!(d instanceof Map))
    throw new IOError(`${name}: expected a pickled dict, found ${show(typeof d)}`);
  const data = d.get('data');
  const labels = d.get('labels');
  if (
    !isNdArray(data) ||
    !(data.data instanceof Uint8Array) ||
    data.dtype.kind !== 'u' ||
    data.dtype.itemSize !== 1 ||
    data.shape.length !== 2 ||
    data.shape[1] !== 3 * PIXELS
  ) {
    throw new IOError(
      `${name}: expected 'data' as a uint8 array [n, 3072], found ${show(isNdArray(data) ? data.shape : typeof data)}`,
    );
  }
  if (
    !Array.isArray(labels) ||
    labels.length !== data.shape[0] ||
    !labels.every((l) => Number.isInteger(l) && l >= 0 && l < 10)
  ) {
    throw new IOError(`${name}: expected ${data.shape[0]} 'labels' in 0..9`);
  }
  return { data: data.fortranOrder ? cOrder(data.data, data.shape[0]) : data.data, labels };
}

/**
 * The rows of a Fortran-ordered [n, 3072] uint8 array (column after column: element (i, j) at
 * j * n + i) in C order, as NumPy would read them; reading the bytes as they lie would scramble images.
 */
function cOrder(data: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let j = 0; j < 3 * PIXELS; j++) {
    const col = j * n;
    for (let i = 0; i < n; i++) out[i * 3 * PIXELS + j] = data[col + i];
  }
  return out;
}

/** Stacks batches into NHWC pixels (the pickles hold NCHW rows) and [n, 1] labels. */
function assemble(batches: readonly Batch[], dtype: PixelDType) {
  const n = batches.reduce((s, b) => s + b.labels.length, 0);
  const x = dtype === 'int32' ? new Int32Array(n * 3 * PIXELS) : new Float32Array(n * 3 * PIXELS);
  const y = new Int32Array(n);
  let i = 0;
  for (const b of batches) {
    for (let k = 0; k < b.labels.length; k++, i++) {
      y[i] = b.labels[k];
      const src = k * 3 * PIXELS;
      const dst = i * 3 * PIXELS;
      for (let p = 0; p < PIXELS; p++) {
        x[dst + 3 * p] = b.data[src + p];
        x[dst + 3 * p + 1] = b.data[src + PIXELS + p];
        x[dst + 3 * p + 2] = b.data[src + 2 * PIXELS + p];
      }
    }
  }
  return { x, y, n };
}

/**
 * Reads cifar-10-python.tar.gz: data_batch_1..5 (train) and test_batch.
 * @example const { train } = cifar10.fromTarGz(bytes);
 */
export function fromTarGz(
  bytes: Uint8Array,
  name = 'cifar-10-python.tar.gz',
  dtype: PixelDType = 'int32',
): TrainTest {
  const entries = new Map(
    untar(gunzipBounded(bytes, name, 2 ** 29), name).map((e) => [
      e.name.slice(e.name.lastIndexOf('/') + 1),
      e.data,
    ]),
  );
  const batch = (file: string): Batch => {
    const data = entries.get(file);
    if (data === undefined)
      throw new IOError(`${name}: no member ${file} (found ${show([...entries.keys()])})`);
    return readBatch(data, `${name}/${file}`);
  };
  const train = assemble(
    [1, 2, 3, 4, 5].map((k) => batch(`data_batch_${k}`)),
    dtype,
  );
  const test = assemble([batch('test_batch')], dtype);
  const split = (p: typeof train) => ({
    x: typedTensor(p.x, [p.n, SIDE, SIDE, 3], dtype),
    y: typedTensor(p.y, [p.n, 1], 'int32'),
  });
  return { train: split(train), test: split(test) };
}

/**
 * Loads CIFAR-10 as Keras' `cifar10.load_data()` (channels last): train x [50000, 32, 32, 3] and
 * y [50000, 1], test x [10000, 32, 32, 3] and y [10000, 1]. Pixels 0..255 as int32 (Keras:
 * uint8) or float32; labels int32 (see `classNames`). The 170 MB tarball comes from the cache
 * folder or a verified download from the CIFAR site.
 * @example const { train } = await nr.datasets.cifar10.load({ dtype: 'float32' });
 */
export async function load(options: Cifar10LoadOptions = {}): Promise<TrainTest> {
  const dtype = pixelDType('cifar10.load', options.dtype);
  const path = await getFile(FILES.cifar10, options);
  return fromTarGz(await readFileBytes(path), path, dtype);
}
