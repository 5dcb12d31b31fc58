// Phase 1 of the lesson: train an MLP and a CNN on Fashion-MNIST, save each model and its history plot.
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as nr from '../../src/node.js';
import { cnn, loadSplit, mlp } from './common.js';

/** Options of one training run (the command line maps onto these). */
export interface TrainOptions {
  models: ('mlp' | 'cnn')[];
  /** Epochs per model. */
  epochs: { mlp: number; cnn: number };
  /** Use only the first n training images (the CI run uses 2,000). */
  trainLimit?: number;
  batchSize: number;
  /** Folder for saved models and plots. */
  out: string;
  verbose: 0 | 1 | 2;
  /** Backend to train on (default: what `nr.ready()` picks, wasm where it starts; 'cpu' is the reference). */
  backend?: string;
}

/** Trains the chosen models and returns each one's test accuracy and seconds per epoch. */
export async function train(
  options: TrainOptions,
): Promise<Record<string, { testAccuracy: number; secondsPerEpoch: number; path: string }>> {
  if (options.backend) await nr.setBackend(options.backend);
  else await nr.ready();
  nr.setSeed(42);
  const { x, y } = await loadSplit('train', options.trainLimit);
  const test = await loadSplit('test');
  await mkdir(options.out, { recursive: true });
  const results: Record<string, { testAccuracy: number; secondsPerEpoch: number; path: string }> =
    {};
  for (const kind of options.models) {
    const model = kind === 'mlp' ? mlp() : cnn();
    model.summary();
    model.compile({
      optimizer: 'adam',
      loss: 'sparseCategoricalCrossentropy',
      metrics: ['accuracy'],
    });
    const epochs = options.epochs[kind];
    const start = performance.now();
    // Keep the weights of the best validation epoch: later epochs start to overfit.
    const best = new nr.callbacks.EarlyStopping({
      monitor: 'val_accuracy',
      patience: 3,
      restoreBestWeights: true,
    });
    const history = await model.fit(x, y, {
      epochs,
      batchSize: options.batchSize,
      validationSplit: 0.1,
      verbose: options.verbose,
      callbacks: [best],
    });
    const secondsPerEpoch = (performance.now() - start) / 1000 / Math.max(epochs, 1);
    const scores = model.evaluate(test.x, test.y, { batchSize: 256 }) as nr.Tensor[];
    const testAccuracy = (await scores[1].data())[0];
    nr.dispose(scores);
    const path = join(options.out, kind);
    await model.save(`file://${path}`);
    await nr.viz.historyPlot(history, join(options.out, `${kind}-history.png`));
    console.log(
      `${kind}: test accuracy ${(testAccuracy * 100).toFixed(2)} %, ${secondsPerEpoch.toFixed(1)} s per epoch; saved to ${path}`,
    );
    results[kind] = { testAccuracy, secondsPerEpoch, path };
    model.dispose();
  }
  nr.dispose([x, y, test.x, test.y]);
  return results;
}

/** Models and plots go to this program's out/ folder by default, whatever the working folder. */
const DEFAULT_OUT = join(dirname(fileURLToPath(import.meta.url)), 'out');

async function cli(): Promise<void> {
  const { values } = parseArgs({
    options: {
      models: { type: 'string', default: 'mlp,cnn' },
      'mlp-epochs': { type: 'string', default: '10' },
      'cnn-epochs': { type: 'string', default: '5' },
      'train-limit': { type: 'string' },
      'batch-size': { type: 'string', default: '64' },
      out: { type: 'string', default: DEFAULT_OUT },
      verbose: { type: 'string', default: '1' },
      backend: { type: 'string' },
    },
  });
  const models = (values.models ?? 'mlp,cnn').split(',').map((m) => m.trim());
  for (const m of models)
    if (m !== 'mlp' && m !== 'cnn')
      throw new Error(`--models: expected mlp and/or cnn, received '${m}'`);
  await train({
    models: models as ('mlp' | 'cnn')[],
    epochs: { mlp: Number(values['mlp-epochs']), cnn: Number(values['cnn-epochs']) },
    trainLimit: values['train-limit'] ? Number(values['train-limit']) : undefined,
    batchSize: Number(values['batch-size']),
    out: resolve(values.out ?? DEFAULT_OUT),
    verbose: Number(values.verbose) as 0 | 1 | 2,
    backend: values.backend,
  });
}

if (process.argv[1] && resolve(process.argv[1]).endsWith('train.ts')) {
  cli().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
