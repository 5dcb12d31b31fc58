// Built-in datasets (Keras' keras.datasets) with a cache folder, local installs and verified downloads.
export * as mnist from './mnist.js';
export * as fashionMnist from './fashion_mnist.js';
export * as cifar10 from './cifar10.js';
export * as iris from './iris.js';
export * as bostonHousing from './boston_housing.js';
export * as imdb from './imdb.js';
export {
  download,
  hashFile,
  terminalProgress,
  DOWNLOAD_MAX_BYTES,
  type DownloadOptions,
  type ProgressCallback,
} from './download.js';
export { getFile, datasetsDir, type LoadOptions, type LocalCopy } from './cache.js';
export { FILES, type RemoteFile } from './catalog.js';
export type { Split, TrainTest, PixelDType } from './splits.js';
