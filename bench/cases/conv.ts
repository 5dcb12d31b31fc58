// Case 2: conv2d forward, NHWC input 32×28×28×32, filter 3×3×32×64, stride 1, 'same' padding.
import * as nr from '../../src/node.js';
import { type BenchCase, type Tf, uniform } from '../harness.js';

const [B, H, W, C, K, F] = [32, 28, 28, 32, 3, 64];
const X_SHAPE: [number, number, number, number] = [B, H, W, C];
const W_SHAPE: [number, number, number, number] = [K, K, C, F];
// 'same' keeps 28×28, so every output element costs K·K·C multiply-adds: 0.925 GFLOP.
const FLOPS = 2 * B * H * W * F * K * K * C;

export const convCase: BenchCase = {
  name: 'conv',
  title: `conv2d ${X_SHAPE.join('x')} * ${W_SHAPE.join('x')}, stride 1, same (${(FLOPS / 1e9).toFixed(3)} GFLOP per call)`,
  unit: 'GFLOP/s',
  workPerCall: FLOPS,
  neurite() {
    const x = nr.tensor(uniform(B * H * W * C, -1, 1, 3), X_SHAPE);
    const w = nr.tensor(uniform(K * K * C * F, -1, 1, 4), W_SHAPE);
    return {
      async call() {
        const y = nr.conv2d(x, w, 1, 'same');
        await y.data();
        y.dispose();
      },
      dispose: () => nr.dispose([x, w]),
    };
  },
  tfjs(tf: Tf) {
    const x = tf.tensor4d(uniform(B * H * W * C, -1, 1, 3), X_SHAPE);
    const w = tf.tensor4d(uniform(K * K * C * F, -1, 1, 4), W_SHAPE);
    return {
      async call() {
        const y = tf.conv2d(x, w, 1, 'same');
        y.dataSync();
        y.dispose();
      },
      dispose: () => tf.dispose([x, w]),
    };
  },
  gaps: {
    jax: 'not written for jax-js (its conv takes NCHW; the brief asks for matmul and the MLP only)',
  },
};
