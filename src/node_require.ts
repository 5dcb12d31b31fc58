// Node entry for require(): as the import entry, without top-level await, which require() of ES modules refuses.
// CommonJS programs (`const tf = require('neurite')`, common in tfjs code) get the cpu backend until they call
// `await tf.ready()`, which starts wasm; starting it behind their back would move live tensors between backends.
import './node_setup.js';

export * from './index.js';
// Built-in datasets read files and download: Node only.
export * as datasets from './datasets/index.js';
