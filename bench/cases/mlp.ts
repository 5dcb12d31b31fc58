// Case 3: one training step of an MLP 784-512-512-10 (ReLU, softmax cross-entropy, Adam 1e-3), batch 128.
// Both engines run the same formulation: ops + variableGrads + a hand-written Adam (the update rule of
// tf.train.adam), so the work per step is the same; neurite has no optimizer classes yet.
import * as nr from '../../src/node.js';
import type * as tfjs from '@tensorflow/tfjs';
import { type BenchCase, type Prepared, type Tf, normal, uniform } from '../harness.js';
import { jaxMlpStep } from './jax_peer.js';

const BATCH = 128;
const SIZES = [784, 512, 512, 10];
const LR = 1e-3;
const BETA1 = 0.9;
const BETA2 = 0.999;
// tf.train.adam's default epsilon on float32 backends.
const EPS = 1e-7;

interface Init {
  x: Float32Array;
  y: Float32Array;
  /** Weights then bias for each layer: [w1, b1, w2, b2, w3, b3]. */
  params: { data: Float32Array; shape: number[] }[];
}

/** Seeded inputs, one-hot labels and Glorot-normal weights, the same for every engine. */
function init(): Init {
  const x = uniform(BATCH * SIZES[0], 0, 1, 5);
  const classes = uniform(BATCH, 0, 10, 6);
  const y = new Float32Array(BATCH * 10);
  for (let i = 0; i < BATCH; i++) y[i * 10 + Math.floor(classes[i])] = 1;
  const params: Init['params'] = [];
  for (let l = 0; l + 1 < SIZES.length; l++) {
    const [fanIn, fanOut] = [SIZES[l], SIZES[l + 1]];
    params.push({
      data: normal(fanIn * fanOut, Math.sqrt(2 / (fanIn + fanOut)), 10 + l),
      shape: [fanIn, fanOut],
    });
    params.push({ data: new Float32Array(fanOut), shape: [fanOut] });
  }
  return { x, y, params };
}

/** Adam's step factors for step t (1-based): bias corrections of the two moments. */
const corrections = (t: number): [number, number] => [1 - BETA1 ** t, 1 - BETA2 ** t];

function neuriteStep(): Prepared {
  const d = init();
  const x = nr.tensor(d.x, [BATCH, SIZES[0]]);
  const y = nr.tensor(d.y, [BATCH, 10]);
  // tidy frees the source tensor; the variable keeps the buffer and is disposed by hand below.
  const makeVar = (data: Float32Array, shape: number[], trainable: boolean) =>
    nr.tidy(() => nr.variable(nr.tensor(data, shape), trainable));
  const vars = d.params.map((p) => makeVar(p.data, p.shape, true));
  const m = d.params.map((p) => makeVar(new Float32Array(p.data.length), p.shape, false));
  const v = d.params.map((p) => makeVar(new Float32Array(p.data.length), p.shape, false));
  const [w1, b1, w2, b2, w3, b3] = vars;
  const loss = (): nr.Tensor => {
    const h1 = nr.relu(nr.matMul(x, w1).add(b1));
    const h2 = nr.relu(nr.matMul(h1, w2).add(b2));
    const logits = nr.matMul(h2, w3).add(b3);
    return y.mul(nr.logSoftmax(logits)).sum(-1).mean().neg();
  };
  let t = 0;
  return {
    async call() {
      t++;
      const [c1, c2] = corrections(t);
      const value = nr.tidy(() => {
        const { value, grads } = nr.variableGrads(loss, vars);
        vars.forEach((p, i) => {
          const g = grads[p.name];
          const mNew = m[i].mul(BETA1).add(g.mul(1 - BETA1));
          const vNew = v[i].mul(BETA2).add(g.square().mul(1 - BETA2));
          m[i].assign(mNew);
          v[i].assign(vNew);
          p.assign(mNew.div(c1).div(vNew.div(c2).sqrt().add(EPS)).mul(-LR).add(p));
        });
        return value;
      });
      // Reading the loss and the last updated variable waits for the whole step on async backends too.
      await value.data();
      value.dispose();
      await b3.data();
    },
    dispose: () => nr.dispose([x, y, ...vars, ...m, ...v]),
  };
}

function tfjsStep(tf: Tf): Prepared {
  const d = init();
  const x = tf.tensor2d(d.x, [BATCH, SIZES[0]]);
  const y = tf.tensor2d(d.y, [BATCH, 10]);
  const makeVar = (data: Float32Array, shape: number[], trainable: boolean) =>
    tf.tidy(() => tf.variable(tf.tensor(data, shape), trainable));
  const vars = d.params.map((p) => makeVar(p.data, p.shape, true));
  const m = d.params.map((p) => makeVar(new Float32Array(p.data.length), p.shape, false));
  const v = d.params.map((p) => makeVar(new Float32Array(p.data.length), p.shape, false));
  const [w1, b1, w2, b2, w3, b3] = vars;
  const loss = (): tfjs.Scalar => {
    const h1 = tf.relu(tf.matMul(x, w1).add(b1));
    const h2 = tf.relu(tf.matMul(h1, w2).add(b2));
    const logits = tf.matMul(h2, w3).add(b3);
    return tf.neg(tf.mean<tfjs.Scalar>(tf.sum(tf.mul(y, tf.logSoftmax(logits)), -1)));
  };
  let t = 0;
  return {
    async call() {
      t++;
      const [c1, c2] = corrections(t);
      const value = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(loss, vars);
        vars.forEach((p, i) => {
          const g = grads[p.name];
          const mNew = m[i].mul(BETA1).add(g.mul(1 - BETA1));
          const vNew = v[i].mul(BETA2).add(g.square().mul(1 - BETA2));
          m[i].assign(mNew);
          v[i].assign(vNew);
          p.assign(mNew.div(c1).div(vNew.div(c2).sqrt().add(EPS)).mul(-LR).add(p));
        });
        return value;
      });
      value.dataSync();
      value.dispose();
      b3.dataSync();
    },
    dispose: () => tf.dispose([x, y, ...vars, ...m, ...v]),
  };
}

export const mlpCase: BenchCase = {
  name: 'mlp',
  title: `MLP ${SIZES.join('-')} training step, batch ${BATCH}, ReLU, softmax cross-entropy, Adam ${LR} (variableGrads + hand-written Adam on both)`,
  unit: 'samples/s',
  workPerCall: BATCH,
  neurite: neuriteStep,
  tfjs: tfjsStep,
  jax: (jax, jit) => jaxMlpStep(jax, jit, BATCH),
  torch: true,
};
