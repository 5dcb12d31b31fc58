// The cases in the order `npm run bench` runs them.
import type { BenchCase } from '../harness.js';
import { convCase } from './conv.js';
import { fitCnnCase, fitCnnJitCase, fitMlpCase, fitMlpJitCase } from './fit.js';
import { inferMlpB1Case, inferMlpB1JitCase, inferMlpB256Case } from './infer.js';
import { matmulCase } from './matmul.js';
import { microkernelCase } from './microkernel.js';
import { mlpCase } from './mlp.js';
import { fitLstmCase, fitLstmJitCase, fitTransformerCase, fitTransformerJitCase } from './seq.js';

export const CASES: readonly BenchCase[] = [
  microkernelCase,
  matmulCase,
  convCase,
  mlpCase,
  inferMlpB1Case,
  inferMlpB256Case,
  fitMlpCase,
  fitCnnCase,
  fitLstmCase,
  fitTransformerCase,
  // the same work with compile({ jitCompile: true }), neurite only
  inferMlpB1JitCase,
  fitMlpJitCase,
  fitCnnJitCase,
  fitLstmJitCase,
  fitTransformerJitCase,
];
