// The data pipeline (tf.data): Dataset, its creators, and loaders for CSV, IDX, NumPy, images, folders and text.
export { Dataset, type DatasetIterator, type IteratorFactory } from './dataset.js';
export { type Batched, batchElements, cloneElement } from './container.js';
export { array, zip, generator, csv, type Zipped, type GeneratorSource } from './sources.js';
export {
  CSVDataset,
  parseCsvRecords,
  parseCsvNumber,
  type CSVConfig,
  type ColumnConfig,
  type CsvElement,
  type CsvRow,
  type CsvValue,
  type CsvRecord,
} from './csv.js';
export { parseIdx, loadIdx, type IdxArray, type IdxOptions, type IdxType } from './idx.js';
export { parseNpy, parseNpz, npzArray, type NpyOptions } from './npy.js';
export { ndarrayValues, type NdArray, type NumpyDType } from './ndarray.js';
export { unpickle, type PyDict } from './pickle.js';
export { isGzip, gunzipBounded, unzipEntries, untar, type TarEntry } from './archive.js';
export {
  decodeImage,
  encodePng,
  encodeJpeg,
  loadImage,
  saveImage,
  sniffImageFormat,
  type DecodeImageOptions,
  type SaveImageOptions,
  type ImageFormat,
} from './image.js';
export {
  imageDatasetFromDirectory,
  textDatasetFromDirectory,
  DirectoryDataset,
  type DirectoryOptions,
  type ImageDirectoryOptions,
  type TextDirectoryOptions,
  type ImageDirectoryElement,
  type TextDirectoryElement,
  type DirectoryResult,
} from './directory.js';
export {
  standardize,
  splitWhitespace,
  splitCharacters,
  ngrams,
  tokenize,
  buildVocabulary,
  padSequences,
  type StandardizeMode,
  type VocabularyOptions,
  type PadSequencesOptions,
} from './text.js';
export { readBytes, writeBytesAtomic, type FileSource } from './read_source.js';
export { HostRandom, RandomState } from './random.js';
export { func, TextLineDataset } from './lines.js';
