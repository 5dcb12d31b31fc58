// jax-js versions of the matmul, MLP-step and MLP-predict cases (wasm device; eager, or under jax.jit).
import type * as jaxjs from '@jax-js/jax';
import { type Jax, type Prepared, normal, uniform } from '../harness.js';

type JArray = jaxjs.numpy.Array;
/** Weights then bias per layer, as in the mlp case: [w1, b1, w2, b2, w3, b3]. */
type Params = JArray[];

const SIZES = [784, 512, 512, 10];

/** jax-js arrays are freed when their count of references reaches 0; every op consumes one of its inputs'. */
const disposeAll = (xs: readonly JArray[]): void => xs.forEach((x) => x.dispose());

/**
 * matMul of two 1024² float32 arrays; `jit` makes no difference to a single op, so both engines run it.
 * @example const p = jaxMatmul(jax, 1024); await p.call(); p.dispose();
 */
export function jaxMatmul(jax: Jax, n: number): Prepared {
  const np = jax.numpy;
  const a = np.array(uniform(n * n, -1, 1, 1)).reshape([n, n]);
  const b = np.array(uniform(n * n, -1, 1, 2)).reshape([n, n]);
  return {
    async call() {
      // data() realizes the product and gives its reference up
      await np.matmul(a.ref, b.ref).data();
    },
    dispose: () => disposeAll([a, b]),
  };
}

/** The MLP's forward pass (ReLU, ReLU, logits); consumes its arguments. */
function logits(jax: Jax, p: Params, x: JArray): JArray {
  const np = jax.numpy;
  const [w1, b1, w2, b2, w3, b3] = p;
  const h1 = jax.nn.relu(np.matmul(x, w1).add(b1));
  const h2 = jax.nn.relu(np.matmul(h1, w2).add(b2));
  return np.matmul(h2, w3).add(b3);
}

/** Glorot-normal weights and zero biases from the mlp case's seeds. */
function initParams(jax: Jax): Params {
  const np = jax.numpy;
  const p: Params = [];
  for (let l = 0; l + 1 < SIZES.length; l++) {
    const [fanIn, fanOut] = [SIZES[l], SIZES[l + 1]];
    p.push(
      np
        .array(normal(fanIn * fanOut, Math.sqrt(2 / (fanIn + fanOut)), 10 + l))
        .reshape([fanIn, fanOut]),
    );
    p.push(np.zeros([fanOut]));
  }
  return p;
}

const [LR, BETA1, BETA2, EPS] = [1e-3, 0.9, 0.999, 1e-7];

/**
 * One training step of the mlp case: softmax cross-entropy, valueAndGrad, then the same hand-written Adam,
 * eager or under `jax.jit` (which traces it once and fuses its elementwise chains).
 * @example const p = jaxMlpStep(jax, true, 128); await p.call();
 */
export function jaxMlpStep(jax: Jax, jit: boolean, batch: number): Prepared {
  const np = jax.numpy;
  const x = np.array(uniform(batch * SIZES[0], 0, 1, 5)).reshape([batch, SIZES[0]]);
  const classes = uniform(batch, 0, 10, 6);
  const yData = new Float32Array(batch * 10);
  for (let i = 0; i < batch; i++) yData[i * 10 + Math.floor(classes[i])] = 1;
  const y = np.array(yData).reshape([batch, 10]);
  const loss = (p: Params, xb: JArray, yb: JArray): JArray =>
    yb
      .mul(jax.nn.logSoftmax(logits(jax, p, xb), -1))
      .sum(-1)
      .mean()
      .neg();
  type State = { p: Params; m: Params; v: Params };
  const step = (s: State, xb: JArray, yb: JArray, c1: JArray, c2: JArray) => {
    const [value, grads] = jax.valueAndGrad(loss)(
      s.p.map((w) => w.ref),
      xb,
      yb,
    );
    const out: State = { p: [], m: [], v: [] };
    grads.forEach((g, i) => {
      const m = s.m[i].mul(BETA1).add(g.ref.mul(1 - BETA1));
      const v = s.v[i].mul(BETA2).add(g.ref.mul(g).mul(1 - BETA2));
      const upd = m.ref
        .div(c1.ref)
        .div(np.sqrt(v.ref.div(c2.ref)).add(EPS))
        .mul(-LR);
      out.p.push(upd.add(s.p[i]));
      out.m.push(m);
      out.v.push(v);
    });
    c1.dispose();
    c2.dispose();
    return { ...out, value };
  };
  const jitted = jit ? jax.jit(step) : undefined;
  const run = jitted ?? step;
  const p0 = initParams(jax);
  let state: State = {
    p: p0,
    m: p0.map((w) => np.zerosLike(w.ref)),
    v: p0.map((w) => np.zerosLike(w.ref)),
  };
  let t = 0;
  return {
    async call() {
      t++;
      const c1 = np.array(1 - BETA1 ** t);
      const c2 = np.array(1 - BETA2 ** t);
      const { value, ...next } = run(state, x.ref, y.ref, c1, c2);
      state = next;
      // reading the loss and the last bias waits for the whole step (jax-js dispatches lazily)
      await value.data();
      await state.p[5].blockUntilReady();
    },
    dispose() {
      disposeAll([x, y, ...state.p, ...state.m, ...state.v]);
      jitted?.dispose();
    },
  };
}

/**
 * MLP predict (softmax of the forward pass) of `batch` rows, eager or under `jax.jit`.
 * @example const p = jaxMlpPredict(jax, false, 1); await p.call();
 */
export function jaxMlpPredict(jax: Jax, jit: boolean, batch: number): Prepared {
  const np = jax.numpy;
  const x = np.array(uniform(batch * SIZES[0], 0, 1, 20)).reshape([batch, SIZES[0]]);
  const params = initParams(jax);
  const forward = (p: Params, xb: JArray): JArray => jax.nn.softmax(logits(jax, p, xb), -1);
  const jitted = jit ? jax.jit(forward) : undefined;
  const run = jitted ?? forward;
  return {
    async call() {
      await run(
        params.map((w) => w.ref),
        x.ref,
      ).data();
    },
    dispose() {
      disposeAll([x, ...params]);
      jitted?.dispose();
    },
  };
}
