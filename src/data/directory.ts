// Keras' image_dataset_from_directory and text_dataset_from_directory: class folders to labelled batches.
import { ArgumentError, IOError, show } from '../core/errors.js';
import { tidy } from '../core/memory.js';
import type { Tensor } from '../core/tensor.js';
import { scalar } from '../ops/creation.js';
import { image as imageOps } from '../ops/image.js';
import { slice } from '../ops/movement.js';
import { typedTensor } from './container.js';
import { Dataset } from './dataset.js';
import { decodeImage, imageFileLimit } from './image.js';
import { RandomState, randomSeed } from './random.js';
import { readBytes } from './read_source.js';

/** Options shared by the directory loaders (Keras names in camelCase). */
export interface DirectoryOptions {
  /** 'inferred' (labels from class subfolders, default), null (no labels), or one integer label per file in sorted path order. */
  labels?: 'inferred' | null | readonly number[];
  /** 'int' (int32 [b], default), 'categorical' (float32 one-hot [b, classes]), 'binary' (float32 [b, 1]), or null (no labels). */
  labelMode?: 'int' | 'categorical' | 'binary' | null;
  /** Which subfolders are classes, in label order; all non-hidden subfolders, sorted, by default. */
  classNames?: readonly string[];
  /** Batch size, or null for unbatched elements. Default 32. */
  batchSize?: number | null;
  /** Shuffle the files (globally once, then with a buffer each epoch). Default true. */
  shuffle?: boolean;
  /** Seed for shuffling and splitting; required with validationSplit and shuffle. */
  seed?: number;
  /** Fraction of files held out for validation, in (0, 1). */
  validationSplit?: number;
  /** Which part to return when validationSplit is set: 'training', 'validation' or 'both' (a [train, val] pair). */
  subset?: 'training' | 'validation' | 'both';
  /** Descend into symbolic links to folders. Default false. */
  followLinks?: boolean;
  /** Print "Found N files belonging to K classes." Default true. */
  verbose?: boolean;
}

/** Options of `imageDatasetFromDirectory`. */
export interface ImageDirectoryOptions extends DirectoryOptions {
  /** 'rgb' (3 channels, default), 'grayscale' (1) or 'rgba' (4). */
  colorMode?: 'rgb' | 'grayscale' | 'rgba';
  /** [height, width] every image is resized to. Default [256, 256]. */
  imageSize?: readonly [number, number];
  /** 'bilinear' (default) or 'nearest'; both sample at pixel centres, as tf.image.resize. */
  interpolation?: 'bilinear' | 'nearest';
  /** Crop the largest centred window with the target aspect ratio before resizing (Keras' smart_resize). */
  cropToAspectRatio?: boolean;
  /** Refuse images with more pixels than this (see `decodeImage`). Default 2^24. */
  maxPixels?: number;
}

/** Options of `textDatasetFromDirectory`. */
export interface TextDirectoryOptions extends DirectoryOptions {
  /** Keep at most this many characters of each text. */
  maxLength?: number | null;
}

/**
 * A dataset read from class folders, with the class names (index = label) and the files it reads.
 * @example const ds = await nr.data.imageDatasetFromDirectory('pets'); ds.classNames // ['cat', 'dog']
 */
export class DirectoryDataset<T> extends Dataset<T> {
  constructor(
    source: () => AsyncIterator<T, unknown, undefined>,
    size: number | null,
    /** Class names; the label of a file is the index of its folder here. */
    readonly classNames: string[],
    /** The files, in the order of the (pre-shuffled) index. */
    readonly filePaths: string[],
  ) {
    super(source, size);
  }
}

/** Element type of an image folder dataset: `[images, labels]`, or images alone without labels. */
export type ImageDirectoryElement<O> = O extends { labels: null } | { labelMode: null }
  ? Tensor
  : [Tensor, Tensor];

/** Element type of a text folder dataset: `[texts, labels]`, or texts alone; a string per element when unbatched. */
export type TextDirectoryElement<O> = O extends { labels: null } | { labelMode: null }
  ? TextOf<O>
  : [TextOf<O>, Tensor];
type TextOf<O> = O extends { batchSize: null } ? string : string[];

/** One dataset, or a [training, validation] pair for subset 'both'. */
export type DirectoryResult<O, E> = O extends { subset: 'both' }
  ? [DirectoryDataset<E>, DirectoryDataset<E>]
  : DirectoryDataset<E>;

const IMAGE_FORMATS = ['.png', '.jpg', '.jpeg'];
const TEXT_FORMATS = ['.txt'];

interface Indexed {
  paths: string[];
  labels: number[] | null;
  classNames: string[];
}

async function walk(
  dir: string,
  followLinks: boolean,
  formats: readonly string[],
): Promise<string[]> {
  const fs = await import('node:fs/promises');
  const { join } = await import('node:path');
  const groups: { root: string; files: string[] }[] = [];
  // Folders already walked, by real path: links to a folder seen before (a loop, or two links to
  // one folder) are walked once, not once per path (two links to '.' made 2^64 walks).
  const seen = new Set<string>();
  const visit = async (root: string, depth: number): Promise<void> => {
    if (depth > 64) throw new IOError(`${root}: folders nested too deep (a symbolic link loop?)`);
    const real = await fs.realpath(root);
    if (seen.has(real)) return;
    seen.add(real);
    const entries = await fs.readdir(root, { withFileTypes: true });
    const files: string[] = [];
    for (const e of entries) {
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        const st = await fs.stat(join(root, e.name)).catch(() => null);
        isDir = followLinks && st !== null && st.isDirectory();
        isFile = st !== null && st.isFile();
      }
      if (isDir) await visit(join(root, e.name), depth + 1);
      else if (isFile && formats.some((f) => e.name.toLowerCase().endsWith(f))) files.push(e.name);
    }
    groups.push({ root, files: files.sort() });
  };
  await visit(dir, 0);
  // Keras walks folders sorted by path, files sorted by name.
  groups.sort((a, b) => (a.root < b.root ? -1 : Number(a.root > b.root)));
  return groups.flatMap((g) => g.files.map((f) => join(g.root, f)));
}

async function indexDirectory(
  op: string,
  directory: string,
  options: DirectoryOptions,
  formats: readonly string[],
  seed: number,
): Promise<Indexed> {
  const fs = await import('node:fs/promises');
  const { join } = await import('node:path');
  const st = await fs.stat(directory).catch(() => null);
  if (st === null || !st.isDirectory())
    throw new IOError(`${op}: ${show(directory)} is not a folder`);
  const labelsArg = options.labels === undefined ? 'inferred' : options.labels;
  let classNames: string[];
  let subdirs: string[];
  if (labelsArg === 'inferred') {
    const entries = await fs.readdir(directory, { withFileTypes: true });
    const found = entries
      .filter((e) => (e.isDirectory() || e.isSymbolicLink()) && !e.name.startsWith('.'))
      .map((e) => e.name);
    const dirs: string[] = [];
    for (const name of found.sort())
      if ((await fs.stat(join(directory, name)).catch(() => null))?.isDirectory()) dirs.push(name);
    if (options.classNames !== undefined) {
      const missing = options.classNames.filter((c) => !dirs.includes(c));
      if (missing.length > 0)
        throw new ArgumentError(
          `${op}: classNames ${show(missing)} are not subfolders of ${show(directory)} (found ${show(dirs)})`,
        );
      subdirs = options.classNames.slice();
    } else subdirs = dirs;
    classNames = subdirs;
  } else {
    if (options.classNames !== undefined)
      throw new ArgumentError(
        `${op}: classNames can only be given with labels = 'inferred', received labels = ${show(labelsArg)}`,
      );
    subdirs = [''];
    classNames = [];
  }
  const paths: string[] = [];
  const labels: number[] = [];
  for (let c = 0; c < subdirs.length; c++) {
    const files = await walk(join(directory, subdirs[c]), options.followLinks ?? false, formats);
    for (const f of files) {
      paths.push(f);
      labels.push(c);
    }
  }
  let finalLabels: number[] | null = labelsArg === 'inferred' ? labels : null;
  if (Array.isArray(labelsArg)) {
    if (labelsArg.length !== paths.length)
      throw new ArgumentError(
        `${op}: labels has ${labelsArg.length} entries but ${paths.length} files were found in ${show(directory)}`,
      );
    if (!labelsArg.every((l) => Number.isInteger(l) && l >= 0))
      throw new ArgumentError(`${op}: labels must be non-negative integers`);
    finalLabels = labelsArg.slice();
    classNames = [...new Set(labelsArg)].sort((a, b) => a - b).map(String);
  }
  if (options.verbose ?? true) {
    console.log(
      finalLabels === null
        ? `Found ${paths.length} files.`
        : `Found ${paths.length} files belonging to ${classNames.length} classes.`,
    );
  }
  if (options.shuffle ?? true) {
    // The global shuffle of Keras: the same RandomState(seed) permutation for paths and labels.
    new RandomState(seed).shuffle(paths);
    if (finalLabels !== null) new RandomState(seed).shuffle(finalLabels);
  }
  return { paths, labels: finalLabels, classNames };
}

interface Split {
  paths: string[];
  labels: number[] | null;
}

function split(
  indexed: Indexed,
  fraction: number | undefined,
  subset: 'training' | 'validation',
  verbose: boolean,
): Split {
  const { paths, labels } = indexed;
  if (!fraction) return { paths, labels };
  const numVal = Math.floor(fraction * paths.length);
  const cut = paths.length - numVal;
  if (subset === 'training') {
    if (verbose) console.log(`Using ${cut} files for training.`);
    return { paths: paths.slice(0, cut), labels: labels?.slice(0, cut) ?? null };
  }
  if (verbose) console.log(`Using ${numVal} files for validation.`);
  return { paths: paths.slice(cut), labels: labels?.slice(cut) ?? null };
}

function checkOptions(op: string, options: DirectoryOptions): void {
  const { validationSplit, subset, labelMode, batchSize } = options;
  if (validationSplit !== undefined && !(validationSplit > 0 && validationSplit < 1))
    throw new ArgumentError(
      `${op}: validationSplit must be in (0, 1), received ${show(validationSplit)}`,
    );
  if (subset !== undefined && !['training', 'validation', 'both'].includes(subset))
    throw new ArgumentError(
      `${op}: subset must be 'training', 'validation' or 'both', received ${show(subset)}`,
    );
  if (validationSplit !== undefined && subset === undefined)
    throw new ArgumentError(
      `${op}: validationSplit needs subset ('training', 'validation' or 'both')`,
    );
  if (subset !== undefined && validationSplit === undefined)
    throw new ArgumentError(`${op}: subset ${show(subset)} needs validationSplit`);
  if (validationSplit !== undefined && (options.shuffle ?? true) && options.seed === undefined) {
    throw new ArgumentError(
      `${op}: with validationSplit and shuffle, give a seed so the training and validation files do not overlap`,
    );
  }
  if (
    labelMode !== undefined &&
    labelMode !== null &&
    !['int', 'categorical', 'binary'].includes(labelMode)
  )
    throw new ArgumentError(
      `${op}: labelMode must be 'int', 'categorical', 'binary' or null, received ${show(labelMode)}`,
    );
  if (
    batchSize !== undefined &&
    batchSize !== null &&
    !(Number.isInteger(batchSize) && batchSize >= 1)
  )
    throw new ArgumentError(
      `${op}: batchSize must be a positive integer or null, received ${show(batchSize)}`,
    );
  if (
    options.seed !== undefined &&
    !(Number.isInteger(options.seed) && options.seed >= 0 && options.seed < 2 ** 32)
  )
    throw new ArgumentError(
      `${op}: seed must be an integer in [0, 2^32), received ${show(options.seed)}`,
    );
}

/** A label as a tensor in the form labelMode asks for. */
function labelTensor(
  label: number,
  mode: 'int' | 'categorical' | 'binary',
  numClasses: number,
): Tensor {
  if (mode === 'int') return scalar(label, 'int32');
  if (mode === 'binary') return typedTensor(new Float32Array([label]), [1], 'float32');
  const oneHot = new Float32Array(numClasses);
  oneHot[label] = 1;
  return typedTensor(oneHot, [numClasses], 'float32');
}

type Loader<X> = (path: string) => Promise<X>;

function buildDataset<X>(
  part: Split,
  indexed: Indexed,
  options: DirectoryOptions,
  shuffle: boolean,
  seed: number,
  load: Loader<X>,
): DirectoryDataset<unknown> {
  const labelled = part.labels !== null && options.labelMode !== null && options.labels !== null;
  const mode = options.labelMode ?? 'int';
  const numClasses = indexed.classNames.length;
  if (labelled && mode === 'binary' && numClasses !== 2)
    throw new ArgumentError(
      `labelMode 'binary' needs exactly 2 classes, found ${numClasses}: ${show(indexed.classNames)}`,
    );
  const items = part.paths.map((path, i) => ({ path, label: part.labels?.[i] ?? 0 }));
  const batchSize = options.batchSize === undefined ? 32 : options.batchSize;
  let ds: Dataset<{ path: string; label: number }> = new Dataset(async function* () {
    yield* items;
  }, items.length);
  if (shuffle) ds = ds.shuffle(batchSize === null ? 1024 : batchSize * 8, seed);
  let loaded: Dataset<unknown> = ds.map(async ({ path, label }) => {
    const x = await load(path);
    return labelled ? [x, labelTensor(label, mode, numClasses)] : x;
  });
  if (batchSize !== null) loaded = loaded.batch(batchSize);
  const final = loaded.prefetch(2);
  return new DirectoryDataset(
    () => final[Symbol.asyncIterator](),
    final.size,
    indexed.classNames.slice(),
    part.paths.slice(),
  );
}

async function fromDirectory(
  op: string,
  directory: string,
  options: DirectoryOptions,
  formats: readonly string[],
  load: Loader<unknown>,
): Promise<DirectoryDataset<unknown> | [DirectoryDataset<unknown>, DirectoryDataset<unknown>]> {
  if (typeof directory !== 'string' || directory === '')
    throw new ArgumentError(
      `${op}: directory must be a non-empty string, received ${show(directory)}`,
    );
  checkOptions(op, options);
  const seed = options.seed ?? randomSeed();
  const indexed = await indexDirectory(op, directory, options, formats, seed);
  const shuffle = options.shuffle ?? true;
  const verbose = options.verbose ?? true;
  const subset = options.subset;
  const empty = (part: Split, what: string): void => {
    if (part.paths.length === 0)
      throw new IOError(
        `${op}: no ${what}files found in ${show(directory)}; allowed formats: ${formats.join(', ')}`,
      );
  };
  if (subset === 'both') {
    const train = split(indexed, options.validationSplit, 'training', verbose);
    const val = split(indexed, options.validationSplit, 'validation', verbose);
    empty(train, 'training ');
    empty(val, 'validation ');
    return [
      buildDataset(train, indexed, options, shuffle, seed, load),
      buildDataset(val, indexed, options, false, seed, load),
    ];
  }
  const part = split(indexed, options.validationSplit, subset ?? 'training', verbose);
  empty(part, '');
  return buildDataset(part, indexed, options, shuffle, seed, load);
}

/** Keras' smart_resize crop: the largest centred window with the target aspect ratio. */
function cropToAspect(img: Tensor, size: readonly [number, number]): Tensor {
  const [height, width] = img.shape;
  const cropH = Math.min(height, Math.trunc((width * size[0]) / size[1]));
  const cropW = Math.min(width, Math.trunc((height * size[1]) / size[0]));
  const top = Math.trunc((height - cropH) / 2);
  const left = Math.trunc((width - cropW) / 2);
  return slice(img, [top, left, 0], [cropH, cropW, img.shape[2]]);
}

/**
 * Keras' `image_dataset_from_directory`: each subfolder of `directory` is a class (sorted names;
 * label = index), its PNG/JPEG files (searched recursively) are decoded, resized to `imageSize`
 * and batched as float32 [b, h, w, c] images (values 0..255) with labels as `labelMode` says.
 * Elements are `[images, labels]`, or images alone without labels. The files are shuffled once
 * (NumPy's RandomState(seed), as Keras) and then with a buffer each epoch. Returns a dataset with
 * `classNames` and `filePaths`, or a `[training, validation]` pair for subset 'both'.
 * @example
 * const ds = await nr.data.imageDatasetFromDirectory('flowers', { imageSize: [180, 180], batchSize: 32, seed: 1 });
 * console.log(ds.classNames);
 */
export async function imageDatasetFromDirectory<
  O extends ImageDirectoryOptions = Record<string, never>,
>(directory: string, options?: O): Promise<DirectoryResult<O, ImageDirectoryElement<O>>> {
  const opts: ImageDirectoryOptions = options ?? {};
  const op = 'imageDatasetFromDirectory';
  const channelsByMode = { rgb: 3, grayscale: 1, rgba: 4 } as const;
  const colorMode = opts.colorMode ?? 'rgb';
  if (!Object.hasOwn(channelsByMode, colorMode))
    throw new ArgumentError(
      `${op}: colorMode must be 'rgb', 'grayscale' or 'rgba', received ${show(colorMode)}`,
    );
  const size = opts.imageSize ?? [256, 256];
  if (
    !Array.isArray(size) ||
    size.length !== 2 ||
    !size.every((d) => Number.isInteger(d) && d >= 1)
  )
    throw new ArgumentError(
      `${op}: imageSize must be [height, width] with positive integers, received ${show(size)}`,
    );
  const interpolation = opts.interpolation ?? 'bilinear';
  if (interpolation !== 'bilinear' && interpolation !== 'nearest')
    throw new ArgumentError(
      `${op}: interpolation must be 'bilinear' or 'nearest', received ${show(interpolation)}`,
    );
  const channels = channelsByMode[colorMode];
  const load = async (path: string): Promise<Tensor> => {
    const img = await decodeImage(
      await readBytes(path, 'image file', imageFileLimit(opts.maxPixels)),
      {
        channels,
        name: path,
        maxPixels: opts.maxPixels,
      },
    );
    return tidy(() => {
      const src = opts.cropToAspectRatio ? cropToAspect(img, size) : img;
      if (src.shape[0] === size[0] && src.shape[1] === size[1]) return src.cast('float32');
      if (interpolation === 'nearest')
        return imageOps.resizeNearestNeighbor(src, size, false, true).cast('float32');
      return imageOps.resizeBilinear(src, size, false, true);
    });
  };
  // fromDirectory builds exactly the structure the options describe.
  return (await fromDirectory(op, directory, opts, IMAGE_FORMATS, load)) as DirectoryResult<
    O,
    ImageDirectoryElement<O>
  >;
}

/**
 * Keras' `text_dataset_from_directory`: each subfolder is a class, its .txt files are read as
 * UTF-8 text; batches are `[string[], labels]` (a plain array of strings, there being no string
 * dtype), or string arrays alone without labels. Options as `imageDatasetFromDirectory`.
 * @example
 * const train = await nr.data.textDatasetFromDirectory('aclImdb/train', { batchSize: 32, validationSplit: 0.2, subset: 'training', seed: 1337 });
 */
export async function textDatasetFromDirectory<
  O extends TextDirectoryOptions = Record<string, never>,
>(directory: string, options?: O): Promise<DirectoryResult<O, TextDirectoryElement<O>>> {
  const opts: TextDirectoryOptions = options ?? {};
  const op = 'textDatasetFromDirectory';
  const maxLength = opts.maxLength ?? null;
  if (maxLength !== null && !(Number.isInteger(maxLength) && maxLength >= 0))
    throw new ArgumentError(
      `${op}: maxLength must be a non-negative integer or null, received ${show(maxLength)}`,
    );
  const decoder = new TextDecoder('utf-8');
  const load = async (path: string): Promise<string> => {
    const text = decoder.decode(await readBytes(path, 'text file', 2 ** 29));
    return maxLength === null ? text : text.slice(0, maxLength);
  };
  // fromDirectory builds exactly the structure the options describe.
  return (await fromDirectory(op, directory, opts, TEXT_FORMATS, load)) as DirectoryResult<
    O,
    TextDirectoryElement<O>
  >;
}
