// The cases in the order `npm run bench` runs them.
import type { BenchCase } from '../harness.js';
import { convCase } from './conv.js';
import { fitCnnCase, fitMlpCase } from './fit.js';
import { inferMlpB1Case, inferMlpB256Case } from './infer.js';
import { matmulCase } from './matmul.js';
import { microkernelCase } from './microkernel.js';
import { mlpCase } from './mlp.js';
import { fitLstmCase, fitTransformerCase } from './seq.js';

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
];
