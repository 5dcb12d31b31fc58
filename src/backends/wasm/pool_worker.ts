// The source of a wasm pool worker, as a string: run by `new Worker(src, { eval: true })` in Node or a Blob URL in browsers.

/** Threads a pool can hold: the control block has slots for this many workers. */
export const MAX_THREADS = 64;
export const ARGS_STRIDE = 16;
/**
 * Slots of the pool's control block (an Int32Array over a SharedArrayBuffer). A task gives worker w a
 * share by writing its arguments, then its ticket (the task's number). Whoever takes the ticket back to
 * 0 with compareExchange runs the share: the worker, or the caller once its own share is done (so a
 * worker the OS has not scheduled never holds the task up). A worker that ran a share stores the
 * ticket in its `finished` slot; the caller waits for that.
 */
export const CTRL = {
  /** Bumped once per task (and per yield); workers wait on it. */
  gen: 0,
  /** What to run: a function index, or YIELD (return to the event loop to take a message). */
  cmd: 2,
  /** Set to 1 by a worker whose share threw. */
  error: 4,
  /** Worker w's arguments start at args + w·ARGS_STRIDE: a count, then up to ARGS_STRIDE - 1 values. */
  args: 16,
  /** Worker w's ticket at tickets + w: the number of the task whose share it may take, or 0. */
  tickets: 16 + MAX_THREADS * ARGS_STRIDE,
  /** Worker w's last finished ticket at finished + w. */
  finished: 16 + MAX_THREADS * (ARGS_STRIDE + 1),
  /** Words in the block. */
  words: 16 + MAX_THREADS * (ARGS_STRIDE + 2),
} as const;
export const YIELD = -1;
/**
 * Loads of the control block a waiting thread makes before it sleeps in Atomics.wait (about 10-30 µs):
 * a training step or a model's forward pass hands out tasks a few µs apart, and a thread still
 * spinning takes the next one without a futex wake (tens of µs on a VM) on either side.
 */
export const SPIN = 20000;

/**
 * The worker: on 'init' it keeps the control block and memory; on 'init' or 'load' it instantiates the
 * modules on the shared memory and appends their function exports (in `WebAssembly.Module.exports`
 * order) to its table; then it posts 'ready' and blocks in Atomics.wait until the next task.
 * NOTE: plain JS in a string (no imports, no TS helpers), so no bundler or transpiler has to resolve a
 * worker file. In Node it reaches its port through a dynamic import, which works whether Node evaluates
 * the string as CommonJS or, when the process runs with --input-type=module, as an ES module (there
 * `require` does not exist); messages posted meanwhile wait in the port's queue.
 */
export const WORKER_SOURCE = `
'use strict';
const GEN = ${CTRL.gen}, CMD = ${CTRL.cmd}, ERROR = ${CTRL.error}, ARGS = ${CTRL.args};
const TICKETS = ${CTRL.tickets}, FINISHED = ${CTRL.finished}, STRIDE = ${ARGS_STRIDE}, YIELD = ${YIELD};
const SPIN = ${SPIN};
const inNode = typeof process === 'object' && process !== null && !!(process.versions && process.versions.node);
let nodePort = null;
const post = (m) => (nodePort ? nodePort.postMessage(m) : self.postMessage(m));
let ctrl = null, memory = null, id = -1;
const fns = [];
function handle(msg) {
  try {
    if (msg.type === 'init') {
      ctrl = new Int32Array(msg.control);
      memory = msg.memory;
      id = msg.id;
    }
    for (const module of msg.modules) {
      const instance = new WebAssembly.Instance(module, { env: { memory } });
      for (const e of WebAssembly.Module.exports(module))
        if (e.kind === 'function') fns.push(instance.exports[e.name]);
    }
  } catch (e) {
    post({ type: 'error', id, message: String(e) });
    return;
  }
  const seen = Atomics.load(ctrl, GEN);
  post({ type: 'ready', id, functions: fns.length });
  serve(seen);
}
function serve(seen) {
  for (;;) {
    for (let i = 0; i < SPIN && Atomics.load(ctrl, GEN) === seen; i++);
    Atomics.wait(ctrl, GEN, seen);
    const gen = Atomics.load(ctrl, GEN);
    if (gen === seen) continue;
    seen = gen;
    if (Atomics.load(ctrl, CMD) === YIELD) return;
    // no ticket, or the caller took it first: nothing to do for this task
    const ticket = Atomics.load(ctrl, TICKETS + id);
    if (ticket === 0 || Atomics.compareExchange(ctrl, TICKETS + id, ticket, 0) !== ticket) continue;
    try {
      const at = ARGS + id * STRIDE;
      const args = [];
      for (let i = 0; i < ctrl[at]; i++) args.push(ctrl[at + 1 + i]);
      fns[Atomics.load(ctrl, CMD)](...args);
    } catch (e) {
      Atomics.store(ctrl, ERROR, 1);
    }
    Atomics.store(ctrl, FINISHED + id, ticket);
    Atomics.notify(ctrl, FINISHED + id);
  }
}
if (inNode)
  import('node:worker_threads').then((m) => {
    nodePort = m.parentPort;
    nodePort.on('message', handle);
  });
else self.onmessage = (e) => handle(e.data);
`;
