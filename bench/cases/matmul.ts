// Case 1: square float32 matmul C = A·B, N = 1024 (2N³ FLOPs per call).
import * as nr from '../../src/node.js';
import { type BenchCase, type Tf, uniform } from '../harness.js';
import { jaxMatmul } from './jax_peer.js';

const N = 1024;

export const matmulCase: BenchCase = {
  name: 'matmul',
  title: `matMul ${N}x${N} · ${N}x${N} float32 (${((2 * N ** 3) / 1e9).toFixed(2)} GFLOP per call)`,
  unit: 'GFLOP/s',
  workPerCall: 2 * N ** 3,
  neurite() {
    const a = nr.tensor(uniform(N * N, -1, 1, 1), [N, N]);
    const b = nr.tensor(uniform(N * N, -1, 1, 2), [N, N]);
    return {
      async call() {
        const c = nr.matMul(a, b);
        await c.data();
        c.dispose();
      },
      dispose: () => nr.dispose([a, b]),
    };
  },
  tfjs(tf: Tf) {
    const a = tf.tensor2d(uniform(N * N, -1, 1, 1), [N, N]);
    const b = tf.tensor2d(uniform(N * N, -1, 1, 2), [N, N]);
    return {
      async call() {
        const c = tf.matMul(a, b);
        c.dataSync();
        c.dispose();
      },
      dispose: () => tf.dispose([a, b]),
    };
  },
  jax: (jax) => jaxMatmul(jax, N),
  torch: true,
};
