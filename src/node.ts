// Node entry (import): the whole API, async memory scopes, and wasm started at import (top-level await).
import './node_setup.js';
import { ready } from './core/backends_api.js';

// The best backend from the first op: tfjs programs never call ready(), so the Node entry does it at
// import (top-level await; wasm compiles in about 0.1 s). Should no backend start, the cpu backend
// still starts on first use, and an explicit ready() reports why.
try {
  await ready();
} catch {
  // Reported by an explicit ready() call; nothing to do at import.
}

export * from './index.js';
// Built-in datasets read files and download: Node only.
export * as datasets from './datasets/index.js';
