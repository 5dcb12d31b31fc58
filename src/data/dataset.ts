// Dataset<T>: a lazy, re-iterable pipeline of elements with tf.data semantics and tfjs names.
import { positiveInt } from '../core/dtype.js';
import { ArgumentError, show } from '../core/errors.js';
import { ENGINE } from '../core/engine.js';
import { collectTensors, dispose, keep, tidy } from '../core/memory.js';
import { Scope } from '../core/scope.js';
import { type Batched, batchElements, cloneElement, disposeExcept } from './container.js';
import { HostRandom, randomSeed } from './random.js';

/** Makes a fresh iterator over a dataset's elements (called once per epoch). */
export type IteratorFactory<T> = () => AsyncIterator<T, unknown, undefined>;

/** What `iterator()` returns: `next()` for the next element, `return()` to stop early and free buffers. */
export interface DatasetIterator<T> extends AsyncIterableIterator<T> {
  next(): Promise<IteratorResult<T, undefined>>;
  return(): Promise<IteratorResult<T, undefined>>;
}

const DONE: IteratorResult<never, undefined> = { done: true, value: undefined };

/** Lets `for await` walk an iterator; leaving the loop early closes it (its finally blocks run). */
function over<T>(it: AsyncIterator<T, unknown, undefined>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => it.next(),
      return: async () => (await it.return?.(), DONE),
    }),
  };
}

/** A 32-bit seed from a string (FNV-1a over its UTF-16 code units): tfjs takes string seeds. */
function seedOfString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

function integer(op: string, arg: string, n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n))
    throw new ArgumentError(`${op}: ${arg} must be an integer, received ${show(n)}`);
  return n;
}

function assertFunction(op: string, arg: string, f: unknown): void {
  if (typeof f !== 'function')
    throw new ArgumentError(`${op}: ${arg} must be a function, received ${show(typeof f)}`);
}

/**
 * Gives a delivered element to the consumer: its tensors leave the pipeline's scope and join the
 * caller's current scope (if any), so a `tidy` around the consumer frees them like any tensor it made.
 */
function handOver(value: unknown, pipeline: Scope): void {
  for (const t of collectTensors(value)) {
    if (t.scope === pipeline) {
      pipeline.untrack(t);
      ENGINE.own(t);
    }
  }
}

/**
 * A lazy sequence of elements (tensors, numbers, strings, and arrays/objects of them), re-iterable:
 * each `for await` (an epoch) runs the pipeline again from its source. Methods return new datasets.
 *
 * Memory: every tensor the pipeline makes is freed once the next stage has consumed it (`map` frees
 * its input unless `fn` returns it, `batch` frees the elements it stacked, `filter` and `skip` free
 * what they drop, early exits free what `shuffle`, `prefetch` and `batch` hold). The consumer owns
 * what it receives: dispose it, or iterate inside `nr.tidy`, which takes delivered elements into its
 * scope. Pipeline work runs in a scope of its own, so a consumer's `tidy` never frees a buffer.
 * @example
 * const ds = nr.data.array([1, 2, 3, 4]).map((x) => x * 2).shuffle(4, 7).batch(2);
 * for await (const b of ds) { b.print(); b.dispose(); }
 */
export class Dataset<T> {
  /**
   * @param source makes a fresh iterator for each epoch.
   * @param size element count: a number, `Infinity`, or null when unknown.
   */
  constructor(
    private readonly source: IteratorFactory<T>,
    readonly size: number | null = null,
  ) {
    assertFunction('Dataset', 'source', source);
  }

  /** A new iterator (one epoch); tfjs returns it through a promise. @example const it = await ds.iterator(); await it.next() */
  async iterator(): Promise<DatasetIterator<T>> {
    return this.open();
  }

  /** `for await (const x of ds)`. */
  [Symbol.asyncIterator](): DatasetIterator<T> {
    return this.open();
  }

  private open(): DatasetIterator<T> {
    const scope = new Scope(null);
    const inner = scope.run(() => this.source());
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      // Frees whatever the pipeline still held (buffers left by an error or an early stop).
      scope.dispose();
    };
    const it: DatasetIterator<T> = {
      next: async () => {
        if (finished) return DONE;
        let r: IteratorResult<T, unknown>;
        try {
          r = await scope.run(() => inner.next());
        } catch (e) {
          finish();
          throw e;
        }
        if (r.done) {
          finish();
          return DONE;
        }
        handOver(r.value, scope);
        return { done: false, value: r.value };
      },
      return: async () => {
        if (!finished) {
          try {
            await scope.run(async () => inner.return?.());
          } finally {
            finish();
          }
        }
        return DONE;
      },
      [Symbol.asyncIterator]() {
        return it;
      },
    };
    return it;
  }

  /**
   * Applies `fn` (sync or async) to every element, inside a `tidy`: temporaries are freed, and the
   * input's tensors are freed afterwards unless `fn` returned them.
   * @example ds.map(({ x, y }) => ({ x: x.div(255), y }))
   */
  map<O>(fn: (element: T) => O | Promise<O>): Dataset<O> {
    assertFunction('map', 'fn', fn);
    const src = this.source;
    return new Dataset(async function* () {
      for await (const element of over(src())) {
        let out: O;
        try {
          out = await tidy(() => fn(element));
        } catch (e) {
          dispose(element);
          throw e;
        }
        disposeExcept(element, out);
        yield out;
      }
    }, this.size);
  }

  /** The same as `map`, with the tfjs name for async functions. @example ds.mapAsync(async (p) => loadImage(p)) */
  mapAsync<O>(fn: (element: T) => Promise<O>): Dataset<O> {
    return this.map(fn);
  }

  /**
   * Keeps the elements for which `predicate` (sync or async) returns true; the others are freed.
   * @example ds.filter((row) => row.age > 18)
   */
  filter(predicate: (element: T) => boolean | Promise<boolean>): Dataset<T> {
    assertFunction('filter', 'predicate', predicate);
    const src = this.source;
    return new Dataset(async function* () {
      for await (const element of over(src())) {
        let keepIt: unknown;
        try {
          keepIt = await tidy(() => predicate(element));
        } catch (e) {
          dispose(element);
          throw e;
        }
        if (typeof keepIt !== 'boolean') {
          dispose(element);
          throw new ArgumentError(
            `filter: predicate must return a boolean, received ${show(keepIt)}`,
          );
        }
        if (keepIt) yield element;
        else dispose(element);
      }
    });
  }

  /**
   * Groups consecutive elements into batches of `batchSize` (the last one smaller unless
   * `dropRemainder`). Tensors are stacked on a new axis 0, numbers become float32 tensors, booleans
   * bool tensors, strings plain string arrays; arrays and objects are batched entry by entry.
   * The stacked elements are freed.
   * @example nr.data.array([1, 2, 3, 4, 5]).batch(2) // [1,2], [3,4], [5]
   */
  batch(batchSize: number, dropRemainder = false): Dataset<Batched<T>> {
    positiveInt('batch', 'batchSize', batchSize);
    const src = this.source;
    const makeBatch = (elements: T[]): Batched<T> => {
      try {
        // batchElements follows the structure that Batched<T> describes.
        return batchElements(elements) as Batched<T>;
      } finally {
        dispose(elements);
      }
    };
    let size: number | null = null;
    if (this.size !== null)
      size = dropRemainder ? Math.floor(this.size / batchSize) : Math.ceil(this.size / batchSize);
    return new Dataset(async function* () {
      const buffer: T[] = [];
      try {
        for await (const element of over(src())) {
          buffer.push(element);
          if (buffer.length === batchSize) yield makeBatch(buffer.splice(0));
        }
        if (buffer.length > 0 && !dropRemainder) yield makeBatch(buffer.splice(0));
      } finally {
        dispose(buffer);
      }
    }, size);
  }

  /**
   * Shuffles with a buffer of `bufferSize` elements (a full shuffle when it covers the dataset).
   * The same `seed` gives the same order; with `reshuffleEachIteration` each epoch draws a new order
   * (deterministically from the seed), otherwise every epoch repeats the first. tfjs' string seeds are
   * accepted (the same string gives the same order).
   * @example ds.shuffle(1000, 42)
   */
  shuffle(bufferSize: number, seed?: number | string, reshuffleEachIteration = true): Dataset<T> {
    positiveInt('shuffle', 'bufferSize', bufferSize);
    if (
      seed !== undefined &&
      typeof seed !== 'string' &&
      (typeof seed !== 'number' || !Number.isFinite(seed))
    )
      throw new ArgumentError(
        `shuffle: seed must be a finite number or a string, received ${show(seed)}`,
      );
    const base = typeof seed === 'string' ? seedOfString(seed) : (seed ?? randomSeed());
    const src = this.source;
    let epoch = 0;
    return new Dataset(() => {
      const rng = new HostRandom(base, reshuffleEachIteration ? epoch++ : 0);
      return shuffleStage(src(), bufferSize, rng);
    }, this.size);
  }

  /**
   * Reads up to `bufferSize` elements ahead while the consumer works on the current one.
   * @example ds.batch(32).prefetch(2)
   */
  prefetch(bufferSize: number): Dataset<T> {
    positiveInt('prefetch', 'bufferSize', bufferSize);
    const src = this.source;
    return new Dataset(() => prefetchStage(src(), bufferSize), this.size);
  }

  /**
   * Repeats the dataset `count` times (forever when `count` is omitted or negative), each repetition
   * a new epoch of the source. Stops if an epoch yields nothing, so an empty dataset never spins.
   * @example ds.repeat(3)
   */
  repeat(count?: number): Dataset<T> {
    const n = count === undefined ? -1 : integer('repeat', 'count', count);
    const src = this.source;
    let size: number | null = null;
    if (n < 0) size = this.size === 0 ? 0 : Infinity;
    else if (this.size !== null) size = this.size * n;
    return new Dataset(async function* () {
      for (let i = 0; n < 0 || i < n; i++) {
        let seen = 0;
        for await (const element of over(src())) {
          seen++;
          yield element;
        }
        if (seen === 0) return;
      }
    }, size);
  }

  /**
   * The first `count` elements (all of them when `count` is negative); the source is not read further.
   * @example ds.take(10)
   */
  take(count: number): Dataset<T> {
    const n = integer('take', 'count', count);
    const src = this.source;
    let size = this.size;
    if (n >= 0) size = size === null ? null : Math.min(size, n);
    return new Dataset(async function* () {
      if (n === 0) return;
      let i = 0;
      for await (const element of over(src())) {
        yield element;
        if (n > 0 && ++i >= n) return;
      }
    }, size);
  }

  /**
   * Drops (and frees) the first `count` elements; a negative count drops everything.
   * @example ds.skip(10)
   */
  skip(count: number): Dataset<T> {
    const n = integer('skip', 'count', count);
    const src = this.source;
    let size: number | null = null;
    if (n < 0) size = 0;
    else if (this.size !== null)
      size = this.size === Infinity ? Infinity : Math.max(0, this.size - n);
    return new Dataset(async function* () {
      let i = 0;
      for await (const element of over(src())) {
        if (n < 0 || i < n) {
          i++;
          dispose(element);
          continue;
        }
        yield element;
      }
    }, size);
  }

  /**
   * The elements of this dataset, then those of `other`.
   * @example a.concatenate(b)
   */
  concatenate(other: Dataset<T>): Dataset<T> {
    if (!(other instanceof Dataset))
      throw new ArgumentError(
        `concatenate: other must be a Dataset, received ${show(typeof other)}`,
      );
    const first = this.source;
    const second = other.source;
    const size = this.size === null || other.size === null ? null : this.size + other.size;
    return new Dataset(async function* () {
      for await (const element of over(first())) yield element;
      for await (const element of over(second())) yield element;
    }, size);
  }

  /**
   * Records the first complete epoch and replays it afterwards without running the upstream
   * stages again. The recording holds tensors for the dataset's lifetime; consumers receive clones
   * (sharing buffers) and may dispose them. An epoch stopped early is not recorded.
   * @example const ds = nr.data.csv('big.csv').map(parse).cache();
   */
  cache(): Dataset<T> {
    const src = this.source;
    let recorded: T[] | null = null;
    return new Dataset(async function* () {
      if (recorded !== null) {
        for (const element of recorded) yield cloneElement(element);
        return;
      }
      const recording: T[] = [];
      let complete = false;
      try {
        for await (const element of over(src())) {
          const copy = cloneElement(element);
          // The recording outlives this epoch's pipeline scope.
          for (const t of collectTensors(copy)) keep(t);
          recording.push(copy);
          yield element;
        }
        complete = true;
      } finally {
        if (complete && recorded === null) recorded = recording;
        else dispose(recording);
      }
    }, this.size);
  }

  /**
   * Calls `fn` (sync or async) on every element in order; each element is disposed after `fn`
   * returns, so `fn` must `clone()` anything it keeps (use `toArray()` to collect).
   * @example await ds.forEachAsync((b) => console.log(b.shape));
   */
  async forEachAsync(fn: (element: T) => void | Promise<void>): Promise<void> {
    assertFunction('forEachAsync', 'fn', fn);
    for await (const element of this) {
      try {
        await fn(element);
      } finally {
        dispose(element);
      }
    }
  }

  /**
   * All elements in an array (the caller owns their tensors). Refuses infinite datasets.
   * @example const rows = await nr.data.csv('data.csv').toArray();
   */
  async toArray(): Promise<T[]> {
    if (this.size === Infinity)
      throw new ArgumentError('toArray: the dataset is infinite (size Infinity); take(n) first');
    const out: T[] = [];
    try {
      for await (const element of this) out.push(element);
    } catch (e) {
      dispose(out);
      throw e;
    }
    return out;
  }
}

async function* shuffleStage<T>(
  up: AsyncIterator<T, unknown, undefined>,
  bufferSize: number,
  rng: HostRandom,
): AsyncGenerator<T, void, undefined> {
  const buffer: T[] = [];
  try {
    let exhausted = false;
    for (;;) {
      while (!exhausted && buffer.length < bufferSize) {
        const r = await up.next();
        if (r.done) exhausted = true;
        else buffer.push(r.value);
      }
      if (buffer.length === 0) return;
      const i = rng.nextInt(buffer.length);
      const element = buffer[i];
      buffer[i] = buffer[buffer.length - 1];
      buffer.pop();
      yield element;
    }
  } finally {
    dispose(buffer);
    await up.return?.();
  }
}

const noop = (): void => {};

async function* prefetchStage<T>(
  up: AsyncIterator<T, unknown, undefined>,
  bufferSize: number,
): AsyncGenerator<T, void, undefined> {
  const pending: Promise<IteratorResult<T, unknown>>[] = [];
  let ended = false;
  try {
    for (;;) {
      while (!ended && pending.length < bufferSize) {
        const p = up.next();
        // Rejections are observed when the request reaches the front; this only silences the
        // "unhandled rejection" warning for those still queued.
        p.catch(noop);
        pending.push(p);
      }
      const head = pending.shift();
      if (head === undefined) return;
      const r = await head;
      if (r.done) {
        ended = true;
        continue;
      }
      yield r.value;
    }
  } finally {
    // Requests already sent finish; their elements were never delivered, so they are freed here.
    for (const p of pending.splice(0)) {
      const r = await p.catch(() => DONE);
      if (!r.done) dispose(r.value);
    }
    await up.return?.();
  }
}
