// Cases fit-lstm and fit-transformer: model.fit of the tfjs date-conversion attention model's shape and of a transformer block.
// Small models with many small ops: the per-op cost (JavaScript, one kernel each) is what they measure.
import * as nr from '../../src/node.js';
import type { Layer } from '../../src/layers/layer.js';
import type * as tfjs from '@tensorflow/tfjs';
import {
  type BenchCase,
  type CaseContext,
  type Prepared,
  type Tf,
  repsText,
  uniform,
} from '../harness.js';
import { fitTiming } from './fit.js';
import { jitVariant } from './jit_variant.js';

/**
 * The date-conversion model (tensorflow/tfjs-examples, date-conversion-attention): input dates of 12
 * characters over a vocabulary of 35, output ISO dates of 10 characters over 13 (with the start token).
 */
export const DATE = {
  inLen: 12,
  outLen: 10,
  inVocab: 35,
  outVocab: 13,
  emb: 64,
  units: 64,
  batch: 128,
};
/** The transformer block: sequences of 32 vectors of 64, 4 heads of 16, MLP 128 (GELU), 10 classes. */
export const BLOCK = { seq: 32, d: 64, heads: 4, mlp: 128, classes: 10, batch: 64 };

interface Sizes {
  batches: number;
  warmupBatches: number;
}
const LSTM_SIZES = {
  full: { batches: 20, warmupBatches: 2 },
  quick: { batches: 4, warmupBatches: 1 },
};
const BLOCK_SIZES = {
  full: { batches: 30, warmupBatches: 2 },
  quick: { batches: 6, warmupBatches: 1 },
};

/** Seeded tokens in [1, vocab): no padding, so the masks are all ones but still computed. */
function tokens(n: number, vocab: number, seed: number): Int32Array {
  return Int32Array.from(uniform(n, 1, vocab, seed), Math.floor);
}

/** Seeded one-hot labels: n rows of `classes`. */
function oneHot(n: number, classes: number, seed: number): Float32Array {
  const out = new Float32Array(n * classes);
  uniform(n, 0, classes, seed).forEach((c, i) => (out[i * classes + Math.floor(c)] = 1));
  return out;
}

interface SeqData {
  /** Each input's values and shape (int32 tokens or float32 features). */
  inputs: { values: Int32Array | Float32Array; shape: number[] }[];
  y: Float32Array;
  yShape: number[];
}

export function lstmData(n: number): SeqData {
  const { inLen, outLen, inVocab, outVocab } = DATE;
  return {
    inputs: [
      { values: tokens(n * inLen, inVocab, 30), shape: [n, inLen] },
      { values: tokens(n * outLen, outVocab, 31), shape: [n, outLen] },
    ],
    y: oneHot(n * outLen, outVocab, 32),
    yShape: [n, outLen, outVocab],
  };
}

export function blockData(n: number): SeqData {
  const { seq, d, classes } = BLOCK;
  return {
    inputs: [{ values: uniform(n * seq * d, -1, 1, 40), shape: [n, seq, d] }],
    y: oneHot(n, classes, 41),
    yShape: [n, classes],
  };
}

/** A layer's outputs on symbolic inputs, as a list (an LSTM with returnState gives three). */
function symbolicOutputs(
  layer: Layer,
  input: nr.SymbolicTensor | nr.SymbolicTensor[],
): nr.SymbolicTensor[] {
  const out = layer.apply(input);
  const list = Array.isArray(out) ? out : [out];
  return list.filter((t): t is nr.SymbolicTensor => t instanceof nr.SymbolicTensor);
}

/**
 * Encoder LSTM over embedded input dates, a decoder LSTM started from its final state, Luong (dot)
 * attention of the decoder over the encoder, then two time-distributed dense layers (tanh, softmax).
 * The example starts the decoder from the encoder's last output as both h and c; here it is the encoder's
 * final [h, c] (returnState), the same work.
 */
export function neuriteLstmModel(): nr.Model {
  const { inLen, outLen, inVocab, outVocab, emb, units } = DATE;
  const encIn = nr.input({ shape: [inLen], dtype: 'int32' });
  const decIn = nr.input({ shape: [outLen], dtype: 'int32' });
  const encEmb = symbolicOutputs(
    nr.layers.embedding({ inputDim: inVocab, outputDim: emb, maskZero: true }),
    encIn,
  );
  const [encSeq, h, c] = symbolicOutputs(
    nr.layers.lstm({ units, returnSequences: true, returnState: true }),
    encEmb[0],
  );
  const decEmb = symbolicOutputs(
    nr.layers.embedding({ inputDim: outVocab, outputDim: emb, maskZero: true }),
    decIn,
  );
  const [decSeq] = symbolicOutputs(nr.layers.lstm({ units, returnSequences: true }), [
    decEmb[0],
    h,
    c,
  ]);
  const [scores] = symbolicOutputs(nr.layers.dot({ axes: [2, 2] }), [decSeq, encSeq]);
  const [attn] = symbolicOutputs(nr.layers.activation({ activation: 'softmax' }), scores);
  const [context] = symbolicOutputs(nr.layers.dot({ axes: [2, 1] }), [attn, encSeq]);
  const [joined] = symbolicOutputs(nr.layers.concatenate(), [context, decSeq]);
  const dense = (n: number, activation: 'tanh' | 'softmax') =>
    nr.layers.timeDistributed({ layer: nr.layers.dense({ units: n, activation }) });
  const [hidden] = symbolicOutputs(dense(units, 'tanh'), joined);
  const [out] = symbolicOutputs(dense(outVocab, 'softmax'), hidden);
  return nr.model({ inputs: [encIn, decIn], outputs: out });
}

function tfjsLstmModel(tf: Tf): tfjs.LayersModel {
  const { inLen, outLen, inVocab, outVocab, emb, units } = DATE;
  const encIn = tf.input({ shape: [inLen] });
  const decIn = tf.input({ shape: [outLen] });
  const sym = (x: tfjs.SymbolicTensor | tfjs.SymbolicTensor[] | tfjs.Tensor | tfjs.Tensor[]) =>
    (Array.isArray(x) ? x : [x]).filter(
      (t): t is tfjs.SymbolicTensor => t instanceof tf.SymbolicTensor,
    );
  const encEmb = sym(
    tf.layers.embedding({ inputDim: inVocab, outputDim: emb, maskZero: true }).apply(encIn),
  );
  const [encSeq] = sym(
    tf.layers.lstm({ units, returnSequences: true, returnState: true }).apply(encEmb),
  );
  const decEmb = sym(
    tf.layers.embedding({ inputDim: outVocab, outputDim: emb, maskZero: true }).apply(decIn),
  );
  const [decSeq] = sym(
    // tfjs 4.22's fit throws 'When inputs is an array, neither initialState or constants should be
    // provided' when a functional model's LSTM has initial states, so the decoder starts from zeros here
    // (the same arithmetic; the encoder's states only go unused: see TFJS_LSTM_NOTE)
    tf.layers.lstm({ units, returnSequences: true }).apply(decEmb[0]),
  );
  const [scores] = sym(tf.layers.dot({ axes: [2, 2] }).apply([decSeq, encSeq]));
  const [attn] = sym(tf.layers.activation({ activation: 'softmax' }).apply(scores));
  const [context] = sym(tf.layers.dot({ axes: [2, 1] }).apply([attn, encSeq]));
  const [joined] = sym(tf.layers.concatenate().apply([context, decSeq]));
  const [hidden] = sym(
    tf.layers
      .timeDistributed({ layer: tf.layers.dense({ units, activation: 'tanh' }) })
      .apply(joined),
  );
  const [out] = sym(
    tf.layers
      .timeDistributed({ layer: tf.layers.dense({ units: outVocab, activation: 'softmax' }) })
      .apply(hidden),
  );
  return tf.model({ inputs: [encIn, decIn], outputs: out });
}

/** Self-attention, residual, LayerNorm, GELU MLP, residual, LayerNorm (post-norm), mean over time, softmax. */
export function neuriteBlockModel(): nr.Model {
  const { seq, d, heads, mlp, classes } = BLOCK;
  const x = nr.input({ shape: [seq, d] });
  const [a] = symbolicOutputs(
    nr.layers.multiHeadAttention({ numHeads: heads, keyDim: d / heads }),
    [x, x],
  );
  const [r1] = symbolicOutputs(nr.layers.add(), [x, a]);
  const [n1] = symbolicOutputs(nr.layers.layerNormalization(), r1);
  const [f1] = symbolicOutputs(nr.layers.dense({ units: mlp, activation: 'gelu' }), n1);
  const [f2] = symbolicOutputs(nr.layers.dense({ units: d }), f1);
  const [r2] = symbolicOutputs(nr.layers.add(), [n1, f2]);
  const [n2] = symbolicOutputs(nr.layers.layerNormalization(), r2);
  const [pooled] = symbolicOutputs(nr.layers.globalAveragePooling1d(), n2);
  const [out] = symbolicOutputs(nr.layers.dense({ units: classes, activation: 'softmax' }), pooled);
  return nr.model({ inputs: x, outputs: out });
}

interface SeqSpec {
  sizes: { full: Sizes; quick: Sizes };
  batch: number;
  data(n: number): SeqData;
}

function neuriteSeqFit(
  spec: SeqSpec,
  build: () => nr.Model,
  ctx: CaseContext,
  jitCompile = false,
): Prepared {
  const sizes = ctx.quick ? spec.sizes.quick : spec.sizes.full;
  const d = spec.data(sizes.batches * spec.batch);
  const xs = d.inputs.map((i) =>
    nr.tensor(i.values, i.shape, i.values instanceof Int32Array ? 'int32' : 'float32'),
  );
  const y = nr.tensor(d.y, d.yShape);
  const model = build();
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', jitCompile });
  const args = { epochs: 1, batchSize: spec.batch, verbose: 0, shuffle: false } as const;
  // jitCompile: the first step builds the optimizer's state and the second traces; both in the warm-up
  const n = (jitCompile ? Math.max(sizes.warmupBatches, 2) : sizes.warmupBatches) * spec.batch;
  return {
    async warmup() {
      const part = [...xs, y].map((t) => t.slice(0, n));
      try {
        await model.fit(part.slice(0, -1), part[part.length - 1], args);
      } finally {
        nr.dispose(part);
      }
    },
    async call() {
      await model.fit(xs, y, args);
    },
    unitsPerCall: sizes.batches,
    dispose() {
      model.dispose();
      nr.dispose([...xs, y]);
    },
  };
}

const TFJS_LSTM_NOTE =
  "decoder LSTM starts from zeros, not the encoder's state: tfjs 4.22's fit fails on a functional LSTM with initialState (same work per step)";

function tfjsSeqFit(
  spec: SeqSpec,
  tf: Tf,
  build: (tf: Tf) => tfjs.LayersModel,
  ctx: CaseContext,
  note?: string,
): Prepared {
  const sizes = ctx.quick ? spec.sizes.quick : spec.sizes.full;
  const d = spec.data(sizes.batches * spec.batch);
  const xs = d.inputs.map((i) =>
    tf.tensor(i.values, i.shape, i.values instanceof Int32Array ? 'int32' : 'float32'),
  );
  const y = tf.tensor(d.y, d.yShape);
  const model = build(tf);
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  const args = { epochs: 1, batchSize: spec.batch, verbose: 0, shuffle: false } as const;
  const n = sizes.warmupBatches * spec.batch;
  return {
    async warmup() {
      const part = [...xs, y].map((t) => t.slice(0, n));
      try {
        await model.fit(part.slice(0, -1), part[part.length - 1], args);
      } finally {
        tf.dispose(part);
      }
    },
    async call() {
      await model.fit(xs, y, args);
    },
    unitsPerCall: sizes.batches,
    ...(note ? { note } : {}),
    dispose() {
      model.dispose();
      tf.dispose([...xs, y]);
    },
  };
}

const method =
  (spec: SeqSpec) =>
  (quick: boolean): string => {
    const s = quick ? spec.sizes.quick : spec.sizes.full;
    return (
      `method: after a warm-up fit of ${s.warmupBatches} batch(es), each rep is one model.fit({epochs: 1, batchSize: ${spec.batch}, shuffle: false}) ` +
      `over ${s.batches} batches; ${repsText(fitTiming(quick))}. median ms is per batch; one child process per engine.`
    );
  };

const NO_MHA = 'tfjs 4.22 has no MultiHeadAttention layer';
const LSTM_SPEC: SeqSpec = { sizes: LSTM_SIZES, batch: DATE.batch, data: lstmData };
const BLOCK_SPEC: SeqSpec = { sizes: BLOCK_SIZES, batch: BLOCK.batch, data: blockData };

export const fitLstmCase: BenchCase = {
  name: 'fit-lstm',
  title:
    `model.fit of the tfjs date-conversion attention model's shape: embedding ${DATE.emb} (vocab ${DATE.inVocab}/${DATE.outVocab}, maskZero), ` +
    `encoder LSTM ${DATE.units} over ${DATE.inLen} steps, decoder LSTM ${DATE.units} over ${DATE.outLen} from its state, dot attention, ` +
    `time-distributed dense ${DATE.units} tanh + dense ${DATE.outVocab} softmax; batch ${DATE.batch}, Adam, random tokens`,
  method: method(LSTM_SPEC),
  unit: 'samples/s',
  workPerCall: DATE.batch,
  isolated: true,
  timing: fitTiming,
  neurite: (ctx) => neuriteSeqFit(LSTM_SPEC, neuriteLstmModel, ctx),
  tfjs: (tf, ctx) => tfjsSeqFit(LSTM_SPEC, tf, tfjsLstmModel, ctx, TFJS_LSTM_NOTE),
  torch: true,
  gaps: {
    jax: 'jax-js has no Keras layers or fit: an LSTM with attention would be written by hand (not done)',
    'tfjs-cpu':
      'too slow (≈ 5.7 s per batch of 128 in a --quick run on a loaded machine); a --quick fit would take minutes',
  },
};

export const fitTransformerCase: BenchCase = {
  name: 'fit-transformer',
  title:
    `model.fit of a transformer block: input ${BLOCK.seq}x${BLOCK.d}, MultiHeadAttention (${BLOCK.heads} heads of ${BLOCK.d / BLOCK.heads}) + residual + LayerNorm, ` +
    `dense ${BLOCK.mlp} GELU + dense ${BLOCK.d} + residual + LayerNorm, global average pooling, dense ${BLOCK.classes} softmax; batch ${BLOCK.batch}, Adam, random data`,
  method: method(BLOCK_SPEC),
  unit: 'samples/s',
  workPerCall: BLOCK.batch,
  isolated: true,
  timing: fitTiming,
  neurite: (ctx) => neuriteSeqFit(BLOCK_SPEC, neuriteBlockModel, ctx),
  tfjs: () => {
    throw new Error(NO_MHA);
  },
  torch: true,
  gaps: {
    tfjs: NO_MHA,
    jax: 'jax-js has no Keras layers or fit: a transformer block would be written by hand (not done)',
  },
};

export const fitLstmJitCase = jitVariant(fitLstmCase, (ctx) =>
  neuriteSeqFit(LSTM_SPEC, neuriteLstmModel, ctx, true),
);
export const fitTransformerJitCase = jitVariant(fitTransformerCase, (ctx) =>
  neuriteSeqFit(BLOCK_SPEC, neuriteBlockModel, ctx, true),
);
