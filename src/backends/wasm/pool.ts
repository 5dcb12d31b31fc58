// Worker threads sharing the wasm heap: a parallel-for over wasm exports, and the thread-count settings.
//
// How a kernel uses it (the whole API):
//   const tasks = await pool.load(module);        // once: every thread instantiates `module` on the heap
//   pool.parallelFor(tasks.myExport, shares);     // shares: one i32 argument list per share
// Share 0 runs on the calling thread, shares 1..size-1 on workers, any beyond `size` on the calling
// thread after its own, which then runs any worker share not yet started (a worker the OS has not
// scheduled does not hold the task up); the call returns when all are done. Split work into
// `pool.size` shares with disjoint outputs (and, for bitwise reproducibility, the same summation
// order whatever the split).
// Arguments are i32 (heap byte offsets, sizes), at most ARGS_STRIDE - 1 per share. A pool with no
// workers (one thread, or no shared memory) runs every share on the calling thread, so callers need
// no second code path.
import { BackendError } from '../../core/errors.js';
import { ARGS_STRIDE, CTRL, MAX_THREADS, SPIN, WORKER_SOURCE, YIELD } from './pool_worker.js';

/** The default thread count never exceeds this (tfjs-backend-wasm's cap too). */
const DEFAULT_CAP = 8;

/** One exported wasm function every thread of a pool can run. */
export interface PoolTask {
  readonly name: string;
  /** Its position in the workers' function table. */
  readonly index: number;
  /** The calling thread's instance of it. */
  readonly local: (...args: number[]) => unknown;
}

interface WorkerMessage {
  type: 'ready' | 'error';
  id: number;
  message?: string;
}

/** What the pool needs of a Node or browser worker. */
interface WorkerHandle {
  post(message: unknown): void;
  terminate(): void;
  /** Lets the Node process exit while the worker waits (Node only). */
  unref(): void;
  /** Keeps the Node process alive while the pool awaits the worker. */
  ref(): void;
}

let requested: number | null = null;
const fromEnv = readEnvThreads();
let hardware = browserHardwareThreads();
let sharedMemory = true;
const pools = new Set<ThreadPool>();

function readEnvThreads(): number | null {
  const raw = typeof process === 'undefined' ? undefined : process.env?.NEURITE_WASM_THREADS;
  if (raw === undefined || raw === '') return null;
  const n = Number(raw);
  if (Number.isInteger(n) && n >= 1 && n <= MAX_THREADS) return n;
  console.warn(
    `neurite: NEURITE_WASM_THREADS must be an integer from 1 to ${MAX_THREADS}; ignoring it. Received: ${raw}`,
  );
  return null;
}

function browserHardwareThreads(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return nav?.hardwareConcurrency ?? 1;
}

function isNode(): boolean {
  return typeof process !== 'undefined' && process.versions?.node !== undefined;
}

/** Reads the core count once (Node's os module loads asynchronously). */
async function detectHardwareThreads(): Promise<void> {
  if (!isNode()) return;
  try {
    const os = await import('node:os');
    hardware = os.availableParallelism?.() ?? os.cpus().length;
  } catch {
    // keep the browser guess
  }
}

/**
 * Sets how many threads (the calling one included) wasm kernels use; takes effect at the next kernel
 * (extra workers start in the background and join once ready).
 * @example nr.setThreadsCount(2);
 */
export function setThreadsCount(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS)
    throw new BackendError(
      `setThreadsCount: n must be an integer from 1 to ${MAX_THREADS}. Received: n=${n}`,
    );
  requested = n;
  for (const pool of pools) pool.resize(getThreadsCount());
}

/**
 * The number of threads wasm kernels use: setThreadsCount's value, else NEURITE_WASM_THREADS, else the
 * core count capped at 8; 1 where memory cannot be shared (a page without cross-origin isolation).
 * @example nr.getThreadsCount() // 2 on a two-core machine
 */
export function getThreadsCount(): number {
  if (!sharedMemory) return 1;
  return requested ?? fromEnv ?? Math.max(1, Math.min(DEFAULT_CAP, hardware));
}

/**
 * Records that the backend's heap could not be shared (getThreadsCount() is 1 from then on) and says
 * so once, in a browser page without cross-origin isolation.
 * @example if (!heap.shared) noteSingleThreaded();
 */
export function noteSingleThreaded(): void {
  if (!sharedMemory) return;
  sharedMemory = false;
  if (!isNode())
    console.info(
      'neurite: wasm runs on one thread: this page is not cross-origin isolated, so memory ' +
        'cannot be shared with workers (serve it with COOP/COEP headers for threads)',
    );
}

/** Blocking waits are refused on a browser's main thread; there the caller spins instead. */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

async function spawn(onMessage: (m: WorkerMessage) => void): Promise<WorkerHandle> {
  if (isNode()) {
    const { Worker } = await import('node:worker_threads');
    const w = new Worker(WORKER_SOURCE, { eval: true });
    w.on('message', onMessage);
    w.on('error', (e) => onMessage({ type: 'error', id: -1, message: String(e) }));
    return {
      post: (m) => w.postMessage(m),
      terminate: () => void w.terminate(),
      unref: () => w.unref(),
      ref: () => w.ref(),
    };
  }
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const w = new Worker(url);
  w.onmessage = (e: MessageEvent<WorkerMessage>) => onMessage(e.data);
  w.onerror = (e) => onMessage({ type: 'error', id: -1, message: e.message });
  return {
    post: (m) => w.postMessage(m),
    terminate: () => w.terminate(),
    unref: () => {},
    ref: () => {},
  };
}

/**
 * Worker threads that instantiate the same wasm modules on one shared WebAssembly.Memory and run
 * exports on request (see the file header for the protocol a kernel follows).
 * @example
 * const pool = await ThreadPool.create(heap.memory, heap.shared);
 * const tasks = await pool.load(module);
 * pool.parallelFor(tasks.gemm, [[...share0], [...share1]]);
 */
export class ThreadPool {
  private readonly control: Int32Array;
  private readonly blocking = canBlock();
  private readonly workers: WorkerHandle[] = [];
  /** Workers 0..readyCount-1 are instantiated and waiting for tasks. */
  private readyCount = 0;
  private readonly isReady: boolean[] = [];
  private readonly waiters = new Map<number, (m: WorkerMessage) => void>();
  private readonly modules: WebAssembly.Module[] = [];
  private functions = 0;
  /** Workers are re-instantiating: tasks run on the calling thread meanwhile. */
  private loading = 0;
  private target = 1;
  /** Serialises starts and loads, so a worker never misses a module. */
  private chain: Promise<void> = Promise.resolve();
  private disposed = false;
  /** The number of the last task (its workers' ticket), 1 to 2^31 - 1. */
  private task = 0;

  private constructor(
    private readonly memory: WebAssembly.Memory,
    /** Whether workers can share the memory (else every task runs on the calling thread). */
    readonly threaded: boolean,
  ) {
    this.control = threaded
      ? new Int32Array(new SharedArrayBuffer(4 * CTRL.words))
      : new Int32Array(CTRL.words);
  }

  /**
   * A pool on `memory` with `threads` threads (default getThreadsCount()), workers started and ready.
   * Without shared memory it has no workers.
   */
  static async create(
    memory: WebAssembly.Memory,
    shared: boolean,
    threads?: number,
  ): Promise<ThreadPool> {
    // NOTE: a page without cross-origin isolation may still make shared memory but cannot post it
    const isolated =
      isNode() || (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
    const threaded = shared && isolated && typeof SharedArrayBuffer !== 'undefined';
    await detectHardwareThreads();
    const pool = new ThreadPool(memory, threaded);
    pools.add(pool);
    pool.resize(threads ?? getThreadsCount());
    await pool.chain;
    return pool;
  }

  /** Threads a task can use now: the calling one plus ready workers, up to the requested count. */
  get size(): number {
    if (this.loading > 0) return 1;
    return 1 + Math.min(this.readyCount, this.target - 1);
  }

  /** Uses `threads` threads from the next task on, starting workers in the background if needed. */
  resize(threads: number): void {
    this.target = threads;
    if (!this.threaded) return;
    while (this.workers.length < threads - 1) this.start(this.workers.length);
  }

  /** Settles once every started worker is ready (or failed). */
  async settled(): Promise<void> {
    await this.chain;
  }

  private start(id: number): void {
    this.workers.push({ post: () => {}, terminate: () => {}, unref: () => {}, ref: () => {} });
    this.isReady.push(false);
    const step = this.chain.then(async () => {
      if (this.disposed) return;
      const ready = this.nextMessage(id);
      const handle = await spawn((m) => this.onMessage(m.id === -1 ? { ...m, id } : m));
      this.workers[id] = handle;
      handle.post({
        type: 'init',
        id,
        control: this.control.buffer,
        memory: this.memory,
        modules: this.modules,
      });
      const m = await ready;
      if (m.type === 'ready') {
        this.isReady[id] = true;
        while (this.isReady[this.readyCount]) this.readyCount++;
      } else console.warn(`neurite: wasm worker ${id} failed to start: ${m.message ?? ''}`);
      // NOTE: unref only once ready: a pending start must keep Node alive, or a top-level await ends
      handle.unref();
    });
    this.chain = step.catch((e: unknown) => {
      console.warn(`neurite: wasm worker ${id} failed to start: ${String(e)}`);
    });
  }

  private nextMessage(id: number): Promise<WorkerMessage> {
    return new Promise((resolve) => this.waiters.set(id, resolve));
  }

  private onMessage(m: WorkerMessage): void {
    const resolve = this.waiters.get(m.id);
    this.waiters.delete(m.id);
    resolve?.(m);
  }

  /**
   * Instantiates `module` on the calling thread and on every worker; returns its function exports.
   * @example const { gemm } = await pool.load(module);
   */
  async load(module: WebAssembly.Module): Promise<Record<string, PoolTask>> {
    const instance = await WebAssembly.instantiate(module, { env: { memory: this.memory } });
    const tasks: Record<string, PoolTask> = {};
    const step = this.chain.then(async () => {
      for (const e of WebAssembly.Module.exports(module)) {
        if (e.kind !== 'function') continue;
        const local = instance.exports[e.name] as (...args: number[]) => unknown;
        tasks[e.name] = { name: e.name, index: this.functions++, local };
      }
      this.modules.push(module);
      const ready = this.workers.map((_, id) => id).filter((id) => this.isReady[id]);
      if (ready.length > 0) {
        this.loading++;
        const acks = ready.map((id) => this.nextMessage(id));
        for (const id of ready) {
          // NOTE: keep Node alive while awaiting the acks (ready workers are unref'd)
          this.workers[id].ref();
          this.workers[id].post({ type: 'load', modules: [module] });
        }
        // wake the workers out of Atomics.wait so their event loops take the message
        Atomics.store(this.control, CTRL.cmd, YIELD);
        Atomics.add(this.control, CTRL.gen, 1);
        Atomics.notify(this.control, CTRL.gen);
        const failed = (await Promise.all(acks)).filter((m) => m.type !== 'ready');
        for (const id of ready) this.workers[id].unref();
        this.loading--;
        if (failed.length > 0)
          throw new BackendError(`wasm: a worker could not load a module: ${failed[0].message}`);
      }
    });
    this.chain = step.catch(() => {});
    await step;
    return tasks;
  }

  /**
   * Runs `task` once per share (an i32 argument list each), share 0 on the calling thread and the
   * next ones on workers (or here, when a worker has not started its share by the time this thread is
   * done with its own), and returns when all are done; a share that throws makes it throw a
   * BackendError.
   * @example pool.parallelFor(tasks.gemm, [[desc, 0, 1, 0, m, 0, 512], [desc, 0, 1, 0, m, 512, n]]);
   */
  parallelFor(task: PoolTask, shares: readonly (readonly number[])[]): void {
    if (shares.length === 0) return;
    const workers = Math.min(shares.length, this.size) - 1;
    if (workers === 0) {
      for (const args of shares) task.local(...args);
      return;
    }
    const c = this.control;
    for (let w = 0; w < workers; w++) {
      const args = shares[w + 1];
      if (args.length >= ARGS_STRIDE)
        throw new BackendError(
          `parallelFor: a share takes at most ${ARGS_STRIDE - 1} arguments. Received: ${args.length} for ${task.name}`,
        );
      const at = CTRL.args + w * ARGS_STRIDE;
      c[at] = args.length;
      for (let i = 0; i < args.length; i++) c[at + 1 + i] = args[i];
    }
    const ticket = (this.task = this.task >= 0x7fffffff ? 1 : this.task + 1);
    Atomics.store(c, CTRL.error, 0);
    Atomics.store(c, CTRL.cmd, task.index);
    for (let w = 0; w < workers; w++) Atomics.store(c, CTRL.tickets + w, ticket);
    Atomics.add(c, CTRL.gen, 1);
    Atomics.notify(c, CTRL.gen);
    let error: unknown = null;
    const runHere = (args: readonly number[]): void => {
      try {
        if (error === null) task.local(...args);
      } catch (e) {
        error = e;
      }
    };
    runHere(shares[0]);
    for (let s = workers + 1; s < shares.length; s++) runHere(shares[s]);
    // the workers' shares: run here those not yet taken, wait for the others (they write the heap:
    // wait even when a share here threw)
    for (let w = 0; w < workers; w++) {
      if (Atomics.compareExchange(c, CTRL.tickets + w, ticket, 0) === ticket)
        runHere(shares[w + 1]);
      else this.waitFinished(w, ticket);
    }
    // which thread ran a share is a matter of timing, so a trap reads the same from either
    if (error !== null)
      throw new BackendError(
        `wasm: a thread failed running ${task.name}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    if (Atomics.load(c, CTRL.error) !== 0)
      throw new BackendError(`wasm: a worker thread failed running ${task.name}`);
  }

  /** Waits until worker w has finished the share of task `ticket`: spins first, as the workers do. */
  private waitFinished(w: number, ticket: number): void {
    const c = this.control;
    const slot = CTRL.finished + w;
    for (let i = 0; i < SPIN && Atomics.load(c, slot) !== ticket; i++);
    for (;;) {
      const seen = Atomics.load(c, slot);
      if (seen === ticket) return;
      if (this.blocking) Atomics.wait(c, slot, seen);
    }
  }

  /** Stops the workers; the pool then runs everything on the calling thread. */
  dispose(): void {
    this.disposed = true;
    pools.delete(this);
    for (const w of this.workers) w.terminate();
    this.readyCount = 0;
    this.target = 1;
  }
}
