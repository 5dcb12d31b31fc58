// Cases infer-mlp-b1 and infer-mlp-b256 (group infer-mlp): latency of model.predict on the MLP 784-512-512-10.
import * as nr from '../../src/node.js';
import {
  type BenchCase,
  type Prepared,
  type Tf,
  type TimingOptions,
  repsText,
} from '../harness.js';
import { jaxMlpPredict } from './jax_peer.js';
import { jitVariant } from './jit_variant.js';
import { DESCRIBE, neuriteModel, randomData, single, tfjsModel } from './models.js';

/**
 * Median of single calls, as shared/ANCHORS.md (D) did: 200 after 20 warm-up calls. tfjs-cpu needs
 * ≈ 0.4 s per batch-256 call, so the budget stops it after 30 s once 20 calls are done (enough for
 * 200 calls of up to 150 ms, which neurite-cpu needs at batch 256 today).
 */
const inferTiming = (quick: boolean): TimingOptions =>
  quick
    ? { warmup: 5, reps: 50, minReps: 10, minRepMs: 0, budgetMs: 3000 }
    : { warmup: 20, reps: 200, minReps: 20, minRepMs: 0, budgetMs: 30000 };

function neuriteInfer(batch: number, jitCompile = false): Prepared {
  const d = randomData('mlp', batch);
  const x = nr.tensor(d.x, d.xShape);
  const model = neuriteModel('mlp');
  // predict needs no compile; the jit variant compiles only to turn jitCompile on
  if (jitCompile) model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', jitCompile });
  return {
    async call() {
      // batchSize = the whole input: one forward pass of `batch` rows (predict's default would cut it into 32s).
      const y = single(model.predict(x, { batchSize: batch }));
      await y.data();
      y.dispose();
    },
    dispose() {
      model.dispose();
      x.dispose();
    },
  };
}

function tfjsInfer(tf: Tf, batch: number): Prepared {
  const d = randomData('mlp', batch);
  const x = tf.tensor(d.x, d.xShape);
  const model = tfjsModel(tf, 'mlp');
  return {
    async call() {
      const y = single(model.predict(x, { batchSize: batch }));
      y.dataSync();
      y.dispose();
    },
    dispose() {
      model.dispose();
      x.dispose();
    },
  };
}

function inferCase(batch: number): BenchCase {
  return {
    name: `infer-mlp-b${batch}`,
    group: 'infer-mlp',
    title: `model.predict ${DESCRIBE.mlp}, batch ${batch} (predict's batchSize = ${batch}: one forward pass)`,
    method: (quick) => {
      const t = inferTiming(quick);
      return `method: ${t.warmup} warm-up calls, then ${repsText(t)} of one call each, reading the output back every call.`;
    },
    unit: 'samples/s',
    workPerCall: batch,
    timing: inferTiming,
    neurite: () => neuriteInfer(batch),
    tfjs: (tf) => tfjsInfer(tf, batch),
    // jax-js has no Keras layers: its rows run the same MLP as a function (softmax of the forward pass)
    jax: (jax, jit) => jaxMlpPredict(jax, jit, batch),
    torch: true,
  };
}

export const inferMlpB1Case = inferCase(1);
export const inferMlpB256Case = inferCase(256);
export const inferMlpB1JitCase = jitVariant(inferMlpB1Case, () => neuriteInfer(1, true));
