// The lesson's computations, apart from the page's DOM: data loading, the two pipelines, training and evaluation.
import * as nr from '../../src/index.js';
import { CLASS_NAMES, cnn, mlp } from '../fashion-mnist/models.js';
import { FEATURE_LENGTH, featureMatrix, SIDE } from './features.js';

export { CLASS_NAMES };
const PIXELS = SIDE * SIDE;

/** Images as [count × 784] values in [0, 1] and their labels. */
export interface Split {
  pixels: Float32Array;
  labels: Int32Array;
  count: number;
}

const cache = new Map<string, Promise<Split>>();

/** Fetches and decodes one split from the lesson's server (/data/*.gz); cached. */
export function loadSplit(split: 'train' | 'test'): Promise<Split> {
  const hit = cache.get(split);
  if (hit) return hit;
  const prefix = split === 'train' ? 'train' : 't10k';
  const load = async (): Promise<Split> => {
    const fetchBytes = async (file: string) => {
      const res = await fetch(`data/${file}`);
      if (!res.ok) throw new Error(`data/${file}: HTTP ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    };
    const [images, labels] = await Promise.all([
      fetchBytes(`${prefix}-images-idx3-ubyte.gz`),
      fetchBytes(`${prefix}-labels-idx1-ubyte.gz`),
    ]);
    const x = nr.data.parseIdx(images, `${prefix} images`);
    const y = nr.data.parseIdx(labels, `${prefix} labels`);
    const count = Math.min(x.shape[0], y.shape[0]);
    const pixels = new Float32Array(count * PIXELS);
    for (let i = 0; i < pixels.length; i++) pixels[i] = x.values[i] / 255;
    return { pixels, labels: Int32Array.from(y.values.subarray(0, count)), count };
  };
  const promise = load();
  cache.set(split, promise);
  promise.catch(() => cache.delete(split));
  return promise;
}

/** The first `n` examples of a split. */
export function head(split: Split, n: number): Split {
  const count = Math.min(n, split.count);
  return {
    pixels: split.pixels.subarray(0, count * PIXELS),
    labels: split.labels.subarray(0, count),
    count,
  };
}

/** Images as an [n, 28, 28, 1] tensor and labels as int32 [n]. */
export function tensors(split: Split): { x: nr.Tensor; y: nr.Tensor } {
  return {
    x: nr.tensor(split.pixels, [split.count, SIDE, SIDE, 1], 'float32'),
    y: nr.tensor(split.labels, [split.count], 'int32'),
  };
}

/** Predicted classes of `x` (batched), read back. */
export async function predictClasses(model: nr.Model, x: nr.Tensor): Promise<Int32Array> {
  const classes = nr.tidy(() => (model.predict(x, { batchSize: 256 }) as nr.Tensor).argMax(-1));
  const values = Int32Array.from(await classes.data());
  classes.dispose();
  return values;
}

/** Accuracy and confusion matrix (rows: true class) of predictions against labels. */
export function score(
  labels: Int32Array,
  predicted: Int32Array,
): { accuracy: number; matrix: number[][] } {
  const k = CLASS_NAMES.length;
  const matrix = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let right = 0;
  for (let i = 0; i < labels.length; i++) {
    matrix[labels[i]][predicted[i]]++;
    if (labels[i] === predicted[i]) right++;
  }
  return { accuracy: right / Math.max(1, labels.length), matrix };
}

/** Result of the "machine learning vs deep learning" comparison. */
export interface Comparison {
  featureAccuracy: number;
  cnnAccuracy: number;
  featureSeconds: number;
  cnnSeconds: number;
  /** The CNN's first-layer filters, [5, 5, 1, filters] values. */
  filters: { values: Float32Array; size: number; count: number };
}

/**
 * Trains both pipelines on the first `trainCount` training images and scores them on `testCount`
 * test images: hand-designed features + softmax regression, and a small CNN on the pixels.
 */
export async function compare(
  trainCount: number,
  testCount: number,
  epochs: number,
): Promise<Comparison> {
  const [trainAll, testAll] = await Promise.all([loadSplit('train'), loadSplit('test')]);
  const train = head(trainAll, trainCount);
  const test = head(testAll, testCount);
  nr.setSeed(1);

  // Machine learning: features designed by hand, a linear classifier learns only their weights.
  let start = performance.now();
  const fx = nr.tensor(featureMatrix(train.pixels, train.count), [train.count, FEATURE_LENGTH]);
  const fy = nr.tensor(train.labels, [train.count], 'int32');
  const linear = nr.sequential({
    layers: [nr.layers.dense({ units: 10, activation: 'softmax', inputShape: [FEATURE_LENGTH] })],
  });
  linear.compile({ optimizer: nr.train.adam(0.01), loss: 'sparseCategoricalCrossentropy' });
  await linear.fit(fx, fy, { epochs: epochs * 2, batchSize: 64, verbose: 0 });
  const tx = nr.tensor(featureMatrix(test.pixels, test.count), [test.count, FEATURE_LENGTH]);
  const featureAccuracy = score(test.labels, await predictClasses(linear, tx)).accuracy;
  const featureSeconds = (performance.now() - start) / 1000;
  nr.dispose([fx, fy, tx]);
  linear.dispose();

  // Deep learning: the convolution filters are weights too, learned from the pixels.
  start = performance.now();
  const L = nr.layers;
  const net = nr.sequential({
    layers: [
      L.conv2d({ filters: 8, kernelSize: 5, activation: 'relu', inputShape: [SIDE, SIDE, 1] }),
      L.maxPooling2d({ poolSize: 2 }),
      L.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }),
      L.maxPooling2d({ poolSize: 2 }),
      L.flatten(),
      L.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  net.compile({ optimizer: nr.train.adam(0.003), loss: 'sparseCategoricalCrossentropy' });
  const { x, y } = tensors(train);
  await net.fit(x, y, { epochs, batchSize: 64, verbose: 0 });
  const t = tensors(test);
  const cnnAccuracy = score(test.labels, await predictClasses(net, t.x)).accuracy;
  const cnnSeconds = (performance.now() - start) / 1000;
  const kernel = net.layers[0].getWeights()[0];
  const filters = { values: Float32Array.from(await kernel.data()), size: 5, count: 8 };
  nr.dispose([x, y, t.x, t.y]);
  net.dispose();
  return { featureAccuracy, cnnAccuracy, featureSeconds, cnnSeconds, filters };
}

/** Options of a training run of the training section. */
export interface TrainOptions {
  kind: 'mlp' | 'cnn';
  epochs: number;
  trainCount: number;
  batchSize?: number;
  /** Test images scored at the end. */
  testCount?: number;
  callbacks?: (nr.callbacks.Callback | nr.callbacks.CallbackHooks)[];
  /** Called with the model before fit, so a stop button can set model.stopTraining. */
  onModel?: (model: nr.Sequential) => void;
}

/** What a training run gives back: the model and its scores. */
export interface TrainResult {
  model: nr.Sequential;
  accuracy: number;
  matrix: number[][];
  /** Test examples it got wrong: index into the test split, truth and prediction. */
  mistakes: { index: number; truth: number; predicted: number }[];
  steps: number;
  seconds: number;
  stepsPerSecond: number;
  backend: string;
  threads: number;
  losses: number[];
}

/** Trains the lesson's MLP or CNN (the same as examples/fashion-mnist) and scores it on the test set. */
export async function trainModel(o: TrainOptions): Promise<TrainResult> {
  const [trainAll, testAll] = await Promise.all([loadSplit('train'), loadSplit('test')]);
  const train = head(trainAll, o.trainCount);
  const test = head(testAll, o.testCount ?? 2000);
  nr.setSeed(42);
  const model = o.kind === 'mlp' ? mlp() : cnn();
  model.compile({
    optimizer: 'adam',
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  });
  o.onModel?.(model);
  const { x, y } = tensors(train);
  let steps = 0;
  const counter = { onBatchEnd: () => void steps++ };
  const start = performance.now();
  const history = await model.fit(x, y, {
    epochs: o.epochs,
    batchSize: o.batchSize ?? 64,
    verbose: 0,
    callbacks: [...(o.callbacks ?? []), counter],
  });
  const seconds = (performance.now() - start) / 1000;
  nr.dispose([x, y]);
  const t = tensors(test);
  const predicted = await predictClasses(model, t.x);
  nr.dispose([t.x, t.y]);
  const { accuracy, matrix } = score(test.labels, predicted);
  const mistakes: TrainResult['mistakes'] = [];
  for (let i = 0; i < test.count && mistakes.length < 24; i++)
    if (predicted[i] !== test.labels[i])
      mistakes.push({ index: i, truth: test.labels[i], predicted: predicted[i] });
  return {
    model,
    accuracy,
    matrix,
    mistakes,
    steps,
    seconds,
    stepsPerSecond: steps / Math.max(seconds, 1e-9),
    backend: nr.getBackend(),
    threads: nr.getBackend() === 'wasm' ? nr.getThreadsCount() : 1,
    losses: (history.history.loss ?? []) as number[],
  };
}

/** Class probabilities of one 28 × 28 image, and the milliseconds per prediction (median of `repeats`). */
export async function classify(
  model: nr.Model,
  pixels: Float32Array,
  repeats = 5,
): Promise<{ probabilities: Float32Array; milliseconds: number }> {
  const x = nr.tensor(pixels, [1, SIDE, SIDE, 1], 'float32');
  let probabilities = new Float32Array(0);
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    const y = model.predict(x) as nr.Tensor;
    probabilities = Float32Array.from(await y.data());
    times.push(performance.now() - start);
    y.dispose();
  }
  x.dispose();
  times.sort((a, b) => a - b);
  return { probabilities, milliseconds: times[Math.floor(times.length / 2)] };
}
