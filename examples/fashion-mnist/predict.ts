// Phase 2 of the lesson, a separate program: load a saved model, classify image files and the test set.
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as nr from '../../src/node.js';
import { CLASS_NAMES, loadSplit } from './common.js';

/** One image file: 28x28 grey (any size or colour is converted), white garment on black as in the dataset. */
export async function classifyFile(
  model: nr.Model,
  path: string,
): Promise<{ label: string; probability: number }> {
  const image = await nr.data.loadImage(path, { channels: 1 });
  const probs = nr.tidy(() => {
    const x = image.cast('float32').div(255).reshape([1, image.shape[0], image.shape[1], 1]);
    const sized =
      image.shape[0] === 28 && image.shape[1] === 28 ? x : nr.image.resizeBilinear(x, [28, 28]);
    return model.predict(sized) as nr.Tensor;
  });
  const p = await probs.data();
  nr.dispose([image, probs]);
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return { label: CLASS_NAMES[best], probability: p[best] };
}

/** This program's folder: default paths are relative to it, so the lesson runs from any working folder. */
const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * Where outputs go when no --out is given: next to the model, i.e. in the folder that holds the
 * model's folder (`out/cnn` → `out/`), or beside a model given as its `model.json` file.
 */
export function defaultOutFolder(model: string): string {
  // (resolve drops a trailing slash, so a folder's dirname is its parent and a model.json's its folder)
  return dirname(resolve(model));
}

/** Accuracy, per-class precision and recall, and the confusion matrix plot on the 10,000 test images. */
export async function evaluateTestSet(
  model: nr.Model,
  out: string,
  limit?: number,
): Promise<{ accuracy: number; precision: number[]; recall: number[] }> {
  const { x, y } = await loadSplit('test', limit);
  const predicted = nr.tidy(() => (model.predict(x, { batchSize: 256 }) as nr.Tensor).argMax(-1));
  const [truth, guess] = await Promise.all([y.data(), predicted.data()]);
  const k = CLASS_NAMES.length;
  const matrix = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < truth.length; i++) matrix[truth[i]][guess[i]]++;
  const correct = matrix.reduce((s, row, i) => s + row[i], 0);
  const precision = CLASS_NAMES.map(
    (_, c) =>
      matrix[c][c] /
      Math.max(
        1,
        matrix.reduce((s, row) => s + row[c], 0),
      ),
  );
  const recall = CLASS_NAMES.map(
    (_, c) =>
      matrix[c][c] /
      Math.max(
        1,
        matrix[c].reduce((s, v) => s + v, 0),
      ),
  );
  await mkdir(out, { recursive: true }); // an --out given on the command line may not exist yet
  const chart = await nr.viz.plotConfusionMatrix(y, predicted, {
    classNames: [...CLASS_NAMES],
    title: `${model.name}: test set`,
  });
  await chart.save(join(out, `${model.name}-confusion.png`));
  nr.dispose([x, y, predicted]);
  return { accuracy: correct / truth.length, precision, recall };
}

async function cli(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      model: { type: 'string', default: join(HERE, 'out', 'cnn') },
      // default: next to the model (defaultOutFolder)
      out: { type: 'string' },
      'test-limit': { type: 'string' },
      'skip-test-set': { type: 'boolean', default: false },
    },
  });
  await nr.ready();
  const modelPath = resolve(values.model ?? join(HERE, 'out', 'cnn'));
  const out = values.out === undefined ? defaultOutFolder(modelPath) : resolve(values.out);
  const model = await nr.loadLayersModel(`file://${modelPath}`);
  for (const file of positionals) {
    const { label, probability } = await classifyFile(model, file);
    console.log(`${file}: ${label} (${(probability * 100).toFixed(1)} %)`);
  }
  if (!values['skip-test-set']) {
    const r = await evaluateTestSet(
      model,
      out,
      values['test-limit'] ? Number(values['test-limit']) : undefined,
    );
    console.log(`\ntest accuracy: ${(r.accuracy * 100).toFixed(2)} %\n`);
    console.log(`${'class'.padEnd(12)}  precision  recall`);
    CLASS_NAMES.forEach((name, c) =>
      console.log(
        `${name.padEnd(12)}  ${r.precision[c].toFixed(3).padStart(9)}  ${r.recall[c].toFixed(3).padStart(6)}`,
      ),
    );
    console.log(`\nconfusion matrix: ${join(out, `${model.name}-confusion.png`)}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]).endsWith('predict.ts')) {
  cli().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
