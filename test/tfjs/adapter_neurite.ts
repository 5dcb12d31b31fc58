// What tfjs-core's specs get for `import * as tf from '../index'` when neurite is under test: neurite's public API, nothing else.
export * from '../../src/node.js';
