// Every test file starts on the default backend users get from `await nr.ready()` (wasm where it starts).
import * as nr from '../../src/node.js';

await nr.ready();
