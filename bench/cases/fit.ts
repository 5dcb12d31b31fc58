// Cases fit-mlp and fit-cnn: Keras-level training throughput, model.fit(x, y, {epochs: 1, batchSize: 128}) with Adam 1e-3.
// Both engines build the model with their own layers and train it with their own fit loop, so the figure
// includes each library's Keras overhead (batch slicing, loss, optimizer), not only its kernels.
import * as nr from '../../src/node.js';
import {
  type BenchCase,
  type CaseContext,
  type Prepared,
  type Tf,
  type TimingOptions,
  repsText,
} from '../harness.js';
import { jitVariant } from './jit_variant.js';
import { type Arch, DESCRIBE, neuriteModel, randomData, tfjsModel } from './models.js';

const BATCH = 128;
const LOSS = 'categoricalCrossentropy';
// shuffle: false keeps the batches identical on every engine and takes the shuffling gathers out of the figure.
export const FIT_ARGS = { epochs: 1, batchSize: BATCH, verbose: 0, shuffle: false } as const;

interface Sizes {
  /** Batches in the data set: every engine allocates all of them, so the peak RSS figures compare. */
  batches: number;
  /** Batches of the warm-up fit, before the timed ones. */
  warmupBatches: number;
}

interface FitSpec {
  name: string;
  arch: Arch;
  full: Sizes;
  quick: Sizes;
  /**
   * tfjs-cpu is too slow for the whole data set: it times only the first `batches` batches per fit
   * call and warms up on `warmupSamples` samples (one short batch).
   */
  tfjsCpu: { batches: number; quickBatches: number; warmupSamples: number; perBatch: string };
}

const FIT_MLP: FitSpec = {
  name: 'fit-mlp',
  arch: 'mlp',
  full: { batches: 60, warmupBatches: 3 },
  quick: { batches: 10, warmupBatches: 1 },
  tfjsCpu: { batches: 10, quickBatches: 3, warmupSamples: BATCH, perBatch: '≈ 0.6 s per batch' },
};

const FIT_CNN: FitSpec = {
  name: 'fit-cnn',
  arch: 'cnn',
  full: { batches: 16, warmupBatches: 2 },
  quick: { batches: 4, warmupBatches: 1 },
  tfjsCpu: {
    batches: 1,
    quickBatches: 1,
    warmupSamples: 16,
    perBatch: '≈ 40 s per batch, nearly all of it in Conv2DBackpropFilter',
  },
};

/** One rep is one fit call (seconds long), so reps are few; the budget stops slow engines after 2. @example fitTiming(true).reps // 1 */
export const fitTiming = (quick: boolean): TimingOptions =>
  quick
    ? { warmup: 0, reps: 1, minReps: 1, minRepMs: 0, budgetMs: 0 }
    : { warmup: 0, reps: 3, minReps: 2, minRepMs: 0, budgetMs: 30000 };

/** Batches timed per fit call and samples of the warm-up fit on the current engine. */
function plan(
  spec: FitSpec,
  ctx: CaseContext,
  slowPeer: boolean,
): { sizes: Sizes; timed: number; warmupSamples: number } {
  const sizes = ctx.quick ? spec.quick : spec.full;
  if (!slowPeer) return { sizes, timed: sizes.batches, warmupSamples: sizes.warmupBatches * BATCH };
  return {
    sizes,
    timed: ctx.quick ? spec.tfjsCpu.quickBatches : spec.tfjsCpu.batches,
    warmupSamples: spec.tfjsCpu.warmupSamples,
  };
}

function slowPeerNote(spec: FitSpec, timed: number, sizes: Sizes): string {
  return `times ${timed} of the ${sizes.batches} batches per fit call (${spec.tfjsCpu.perBatch}) and warms up on ${spec.tfjsCpu.warmupSamples} samples; the whole data set is allocated, so its RSS compares`;
}

function neuriteFit(spec: FitSpec, ctx: CaseContext, jitCompile = false): Prepared {
  const { sizes, timed, warmupSamples: plain } = plan(spec, ctx, false);
  // jitCompile: the first step builds the optimizer's state and the second traces; both in the warm-up
  const warmupSamples = jitCompile ? Math.max(plain, 2 * BATCH) : plain;
  const d = randomData(spec.arch, sizes.batches * BATCH);
  const x = nr.tensor(d.x, d.xShape);
  const y = nr.tensor(d.y, d.yShape);
  const model = neuriteModel(spec.arch);
  model.compile({ optimizer: 'adam', loss: LOSS, jitCompile });
  return {
    async warmup() {
      const [xw, yw] = [x.slice(0, warmupSamples), y.slice(0, warmupSamples)];
      try {
        await model.fit(xw, yw, FIT_ARGS);
      } finally {
        nr.dispose([xw, yw]);
      }
    },
    // fit reads the epoch's loss at its end, so the last step has finished on any backend.
    async call() {
      await model.fit(x, y, FIT_ARGS);
    },
    unitsPerCall: timed,
    dispose() {
      model.dispose();
      nr.dispose([x, y]);
    },
  };
}

function tfjsFit(spec: FitSpec, tf: Tf, ctx: CaseContext): Prepared {
  const slowPeer = tf.getBackend() === 'cpu';
  const { sizes, timed, warmupSamples } = plan(spec, ctx, slowPeer);
  const d = randomData(spec.arch, sizes.batches * BATCH);
  const x = tf.tensor(d.x, d.xShape);
  const y = tf.tensor(d.y, d.yShape);
  // The slow peer trains on the first `timed` batches of the same data.
  const [xt, yt] =
    timed < sizes.batches ? [x.slice(0, timed * BATCH), y.slice(0, timed * BATCH)] : [x, y];
  const model = tfjsModel(tf, spec.arch);
  // A string optimizer is owned by the model, so model.dispose() frees its slots too.
  model.compile({ optimizer: 'adam', loss: LOSS });
  return {
    async warmup() {
      const [xw, yw] = [x.slice(0, warmupSamples), y.slice(0, warmupSamples)];
      try {
        await model.fit(xw, yw, FIT_ARGS);
      } finally {
        tf.dispose([xw, yw]);
      }
    },
    async call() {
      await model.fit(xt, yt, FIT_ARGS);
    },
    unitsPerCall: timed,
    ...(slowPeer ? { note: slowPeerNote(spec, timed, sizes) } : {}),
    dispose() {
      model.dispose();
      tf.dispose(xt === x ? [x, y] : [x, y, xt, yt]);
    },
  };
}

function fitCase(spec: FitSpec): BenchCase {
  return {
    name: spec.name,
    title: `model.fit ${DESCRIBE[spec.arch]}, batch ${BATCH}, Adam 1e-3, categorical cross-entropy, random data`,
    method: (quick) => {
      const s = quick ? spec.quick : spec.full;
      const t = fitTiming(quick);
      return (
        `method: after a warm-up fit of ${s.warmupBatches} batch(es), each rep is one model.fit(x, y, {epochs: 1, batchSize: ${BATCH}, verbose: 0, shuffle: false}) ` +
        `over ${s.batches} batches (${s.batches * BATCH} samples); ${repsText(t)}. ` +
        `median ms is per batch of ${BATCH}; one child process per engine, peak RSS is that process's.`
      );
    },
    unit: 'samples/s',
    workPerCall: BATCH,
    isolated: true,
    timing: fitTiming,
    neurite: (ctx) => neuriteFit(spec, ctx),
    tfjs: (tf, ctx) => tfjsFit(spec, tf, ctx),
    torch: true,
    gaps: {
      jax: 'jax-js has no Keras layers or fit (optimizers are in @jax-js/optax, not installed); its jit MLP step is the mlp case',
    },
  };
}

export const fitMlpCase = fitCase(FIT_MLP);
export const fitCnnCase = fitCase(FIT_CNN);
export const fitMlpJitCase = jitVariant(fitMlpCase, (ctx) => neuriteFit(FIT_MLP, ctx, true));
export const fitCnnJitCase = jitVariant(fitCnnCase, (ctx) => neuriteFit(FIT_CNN, ctx, true));
