// Where the training loop's batches come from: in-memory tensors (sliced, maybe shuffled) or a dataset.
import { ENGINE } from '../../core/engine.js';
import { ArgumentError, show } from '../../core/errors.js';
import { dispose } from '../../core/memory.js';
import { Tensor } from '../../core/tensor.js';
import { gather } from '../../ops/gather.js';
import { shuffled } from '../loop.js';
import type { Batch, BatchSource } from '../training_args.js';

/**
 * One batch as the steps receive it (Keras 3's `data` of `train_step`): the inputs as the caller gave
 * them (one tensor, or a list for several inputs), the targets (null when there are none, as for
 * `predict` or a GAN fed only images) and the per-sample weights.
 * @example override trainStep(data: nr.StepData) { const x = data.x; ... }
 */
export interface StepData {
  x: Tensor | Tensor[];
  y: Tensor | Tensor[] | null;
  sampleWeight: Tensor | null;
}

/** A list of tensors from one or several. @example asList(x) // [x] */
export const asList = (x: Tensor | Tensor[]): Tensor[] => (Array.isArray(x) ? x : [x]);

/** One tensor for a list of one, the list otherwise (how a model takes its inputs). @example single([x]) // x */
export const single = (ts: Tensor[]): Tensor | Tensor[] => (ts.length === 1 ? ts[0] : ts);

/**
 * Rows [start, end) of each tensor, or the rows `order[start..end)` when an order is given: the one place
 * the loop takes rows (batches, validation splits).
 * @example takeRows([x, y], 0, 32, null) // the first 32 rows of x and y
 */
export function takeRows(
  ts: readonly Tensor[],
  start: number,
  end: number,
  order: Int32Array | null,
): Tensor[] {
  if (!order)
    return ts.map((t) =>
      t.slice(
        [start, ...t.shape.slice(1).map(() => 0)],
        [end - start, ...t.shape.slice(1).map(() => -1)],
      ),
    );
  const idx = ENGINE.fromValues(order.slice(start, end), [end - start], 'int32');
  const rows = ts.map((t) => gather(t, idx, 0));
  idx.dispose();
  return rows;
}

/** A source of batches for the loop: a fresh iterable per epoch, and the steps per epoch when known. */
export interface StepSource {
  /** Batches per epoch; null when only the data knows (a dataset without `batchesPerEpoch`). */
  readonly steps: number | null;
  /** The batches of one epoch. Each batch is owned by the source and freed when the next is asked for. */
  epoch(): Iterable<StepData> | AsyncIterable<StepData>;
}

/** In-memory data: one tensor per input (and per output), the same number of rows each. */
export interface ArrayData {
  xs: Tensor[];
  ys: Tensor[] | null;
  sampleWeight: Tensor | null;
}

/**
 * Batches of in-memory tensors. With `shuffle`, the rows are drawn in a new random order each pass over
 * the data; `steps` may end an epoch before the data does (the next epoch continues where it stopped).
 * @example for (const b of new ArrayBatches({ xs: [x], ys: [y], sampleWeight: null }, { batchSize: 32 }).epoch()) ...
 */
export class ArrayBatches implements StepSource {
  readonly n: number;
  readonly steps: number;
  private cursor = 0;
  private order: Int32Array | null = null;
  private readonly batchSize: number;
  private readonly shuffle: boolean;

  constructor(
    private readonly data: ArrayData,
    opts: { batchSize: number; shuffle?: boolean; steps?: number },
  ) {
    this.n = data.xs[0]?.shape[0] ?? 0;
    this.batchSize = opts.batchSize;
    this.shuffle = opts.shuffle ?? false;
    this.steps = opts.steps ?? Math.ceil(this.n / this.batchSize);
  }

  *epoch(): Generator<StepData> {
    const { xs, ys, sampleWeight } = this.data;
    for (let step = 0; step < this.steps && this.n > 0; step++) {
      if (this.cursor === 0 && this.shuffle) this.order = shuffled(this.n);
      const start = this.cursor;
      const end = Math.min(start + this.batchSize, this.n);
      this.cursor = end >= this.n ? 0 : end;
      // The whole data in order is one batch: the tensors themselves, not copies.
      if (start === 0 && end === this.n && !this.order) {
        yield { x: single(xs), y: ys && single(ys), sampleWeight };
        continue;
      }
      const rows = takeRows(
        [...xs, ...(ys ?? []), ...(sampleWeight ? [sampleWeight] : [])],
        start,
        end,
        this.order,
      );
      const batch: StepData = {
        x: single(rows.slice(0, xs.length)),
        y: ys && single(rows.slice(xs.length, xs.length + ys.length)),
        sampleWeight: sampleWeight ? (rows.at(-1) ?? null) : null,
      };
      try {
        yield batch;
      } finally {
        dispose(rows);
      }
    }
  }
}

/** Maps a `{name: tensor}` record to the model's inputs in order (tfjs' `xs: {input_1: ...}`). */
export type NamedInputs = (record: Map<string, Tensor>, what: 'xs' | 'ys') => Tensor[];

function tensorsOf(
  v: unknown,
  what: 'xs' | 'ys',
  named: NamedInputs,
  op: string,
): Tensor | Tensor[] {
  if (v instanceof Tensor) return v;
  if (Array.isArray(v) && v.every((t) => t instanceof Tensor)) return v;
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    // A Map, so that keys from the data never reach an object prototype.
    const record = new Map<string, Tensor>();
    for (const [k, t] of Object.entries(v)) if (t instanceof Tensor) record.set(k, t);
    if (record.size === Object.keys(v).length) return single(named(record, what));
  }
  throw new ArgumentError(
    `${op}: ${what} must be a tensor, a list or a {name: tensor} record, received ${show(v)}`,
  );
}

/**
 * A dataset element as a batch: `{xs, ys}` (ys may be left out), `[xs, ys]`, or `xs` alone; xs and ys
 * may be tensors, lists, or records keyed by input/output name.
 * @example unpackBatch({ xs, ys }, names, 'fitDataset') // { x: xs, y: ys, sampleWeight: null }
 */
export function unpackBatch(
  value: Batch | Tensor | Tensor[],
  named: NamedInputs,
  op: string,
): StepData {
  if (value instanceof Tensor) return { x: value, y: null, sampleWeight: null };
  if (Array.isArray(value)) {
    if (value.length !== 2)
      throw new ArgumentError(
        `${op}: array elements must be [xs, ys], received ${value.length} entries`,
      );
    return {
      x: tensorsOf(value[0], 'xs', named, op),
      y: tensorsOf(value[1], 'ys', named, op),
      sampleWeight: null,
    };
  }
  if (value !== null && typeof value === 'object' && 'xs' in value) {
    const ys = 'ys' in value ? value.ys : undefined;
    return {
      x: tensorsOf(value.xs, 'xs', named, op),
      y: ys === undefined || ys === null ? null : tensorsOf(ys, 'ys', named, op),
      sampleWeight: null,
    };
  }
  throw new ArgumentError(
    `${op}: dataset elements must be {xs, ys} or [xs, ys], received ${show(value)}`,
  );
}

/**
 * Batches of a dataset, iterated anew each epoch (or `steps` batches of it). The loop owns what the
 * dataset yields: each element is freed once its step is done.
 * @example new DatasetBatches(ds, null, names, 'fitDataset')
 */
export class DatasetBatches implements StepSource {
  constructor(
    private readonly dataset: BatchSource,
    readonly steps: number | null,
    private readonly named: NamedInputs,
    private readonly op: string,
  ) {
    if (!dataset || typeof dataset[Symbol.asyncIterator] !== 'function')
      throw new ArgumentError(
        `${op}: expected a Dataset (async iterable of {xs, ys}), received ${show(dataset)}`,
      );
  }

  async *epoch(): AsyncGenerator<StepData> {
    const it = this.dataset[Symbol.asyncIterator]();
    let finished = false;
    try {
      for (let step = 0; this.steps === null || step < this.steps; step++) {
        const next = await it.next();
        if (next.done) {
          finished = true;
          return;
        }
        try {
          yield unpackBatch(next.value, this.named, this.op);
        } finally {
          dispose(next.value);
        }
      }
    } finally {
      // Stopped early (batchesPerEpoch, stopTraining, an error): let the dataset free its resources.
      if (!finished) await it.return?.();
    }
  }
}
