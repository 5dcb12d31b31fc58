// Node entry for require(): as the import entry, without top-level await, which require() of ES modules refuses.
// CommonJS programs (`const tf = require('neurite')`, most tfjs-node programs) never call `ready()`: the entry starts
// wasm in the background, and ops that run before it is up run on cpu, whose tensors move to wasm when next used.
import './node_setup.js';
import { ready } from './core/backends_api.js';

// Measured on tfjs-examples programs run with only the import changed (docs/guide/keras-tfjs.md): staying on
// the reference cpu backend made whole runs take 1.6-4x as long, and a conv step 10x. Should wasm not start,
// cpu stays, and an explicit ready() reports why; a program's own setBackend() is never overridden.
ready().catch(() => undefined);

export * from './index.js';
// Built-in datasets read files and download: Node only.
export * as datasets from './datasets/index.js';
