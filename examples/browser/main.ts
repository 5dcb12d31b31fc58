// The lesson page's script: wires the four sections to lesson.ts and draws results; `window.lesson` lets tests drive it.
import * as nr from '../../src/index.js';
import {
  CLASS_NAMES,
  classify,
  compare,
  loadSplit,
  trainModel,
  type TrainResult,
} from './lesson.js';
import { SIDE } from './features.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
};
const status = (text: string) => void ($('status').textContent = text);
const percent = (v: number) => `${(v * 100).toFixed(1)} %`;

/** What the page detected at start (the Installing section). */
interface Detected {
  isolated: boolean;
  threads: number;
  simd: boolean;
  relaxedSimd: boolean;
  webgpu: string | null;
  backends: string[];
}

/** Draws [28 × 28] values in [0, 1] (or any range, scaled) into a new canvas, `scale` pixels per value. */
function pixelCanvas(
  values: ArrayLike<number>,
  side: number,
  scale: number,
  signed = false,
): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = side;
  canvas.className = 'pixels';
  canvas.style.width = canvas.style.height = `${side * scale}px`;
  const ctx = canvas.getContext('2d');
  if (!ctx) return canvas;
  const image = ctx.createImageData(side, side);
  let lo = 0;
  let hi = 1;
  if (signed) {
    const m = Math.max(...Array.from(values, Math.abs), 1e-6);
    [lo, hi] = [-m, m];
  }
  for (let i = 0; i < side * side; i++) {
    const v = Math.round(((values[i] - lo) / (hi - lo)) * 255);
    image.data.set([v, v, v, 255], i * 4);
  }
  ctx.putImageData(image, 0, 0);
  return canvas;
}

// ---- Installing: what this browser offers -------------------------------------------------------

async function detect(): Promise<Detected> {
  let webgpu: string | null = null;
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (gpu) {
    const adapter = await gpu.requestAdapter().catch(() => null);
    if (adapter) {
      const info: Partial<GPUAdapterInfo> = (adapter as { info?: GPUAdapterInfo }).info ?? {};
      webgpu =
        [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') ||
        'an adapter';
    }
  }
  await nr.ready();
  const features = (nr.backend() as { features?: { simd: boolean; relaxedSimd: boolean } })
    .features;
  const backends = ['wasm', ...(webgpu ? ['webgpu'] : []), 'cpu'];
  return {
    isolated: globalThis.crossOriginIsolated === true,
    threads: nr.getThreadsCount(),
    simd: features?.simd ?? false,
    relaxedSimd: features?.relaxedSimd ?? false,
    webgpu,
    backends,
  };
}

function showDetected(d: Detected): void {
  const rows: [string, string][] = [
    ['Backend', `${nr.getBackend()} (available here: ${d.backends.join(', ')})`],
    [
      'CPU threads',
      d.isolated
        ? `${d.threads} (of ${navigator.hardwareConcurrency} cores; the page is cross-origin isolated)`
        : '1: the page is not cross-origin isolated, so workers cannot share memory (serve it with COOP/COEP)',
    ],
    ['WebAssembly SIMD', d.simd ? 'yes' : 'no'],
    ['Relaxed SIMD (fused multiply-add)', d.relaxedSimd ? 'yes' : 'no'],
    ['WebGPU', d.webgpu ? `yes: ${d.webgpu}` : 'no adapter in this browser'],
    ['Install steps', 'none: open the page'],
  ];
  $('detected').innerHTML = rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('');
  $('train-backend').innerHTML = d.backends
    .map((b) => `<option value="${b}">${b}</option>`)
    .join('');
}

// ---- Machine learning vs deep learning ----------------------------------------------------------

async function runCompare(trainCount = 10_000, testCount = 2000, epochs = 3) {
  $<HTMLButtonElement>('compare-run').disabled = true;
  $('compare-note').textContent = `training both on ${trainCount} images…`;
  try {
    const r = await compare(trainCount, testCount, epochs);
    $('features-accuracy').textContent = percent(r.featureAccuracy);
    $('features-detail').textContent =
      `${r.featureSeconds.toFixed(1)} s, including computing the features`;
    $('cnn-accuracy').textContent = percent(r.cnnAccuracy);
    const grid = $('filters');
    grid.innerHTML = '';
    const { values, size, count } = r.filters;
    for (let f = 0; f < count; f++) {
      const filter = new Float32Array(size * size);
      for (let i = 0; i < size * size; i++) filter[i] = values[i * count + f]; // [kh, kw, 1, filters]
      const fig = document.createElement('figure');
      fig.append(pixelCanvas(filter, size, 12, true));
      grid.append(fig);
    }
    $('compare-note').textContent =
      `${trainCount} training images, ${testCount} test images, on ${nr.getBackend()}; the CNN took ${r.cnnSeconds.toFixed(1)} s`;
    return r;
  } finally {
    $<HTMLButtonElement>('compare-run').disabled = false;
  }
}

// ---- The training phase -------------------------------------------------------------------------

let trained: TrainResult | null = null;
let training: nr.Sequential | null = null;

async function runTraining(
  options: {
    kind?: 'mlp' | 'cnn';
    backend?: string;
    epochs?: number;
    trainCount?: number;
    testCount?: number;
  } = {},
) {
  const kind = options.kind ?? ($<HTMLSelectElement>('train-model').value as 'mlp' | 'cnn');
  const backend = options.backend ?? $<HTMLSelectElement>('train-backend').value;
  const epochs = options.epochs ?? Number($<HTMLInputElement>('train-epochs').value);
  const trainCount = options.trainCount ?? Number($<HTMLInputElement>('train-count').value);
  const run = $<HTMLButtonElement>('train-run');
  const stop = $<HTMLButtonElement>('train-stop');
  run.disabled = true;
  stop.disabled = false;
  const progress = $<HTMLProgressElement>('train-progress');
  try {
    await nr.setBackend(backend);
    status(`training the ${kind.toUpperCase()} on ${backend}…`);
    const chart = nr.viz.fitCallbacks($('train-chart'), ['loss', 'accuracy'], {
      width: 440,
      height: 220,
    });
    const bar = new (class extends nr.callbacks.Callback {
      override onBatchEnd(batch: number) {
        const total = this.params.epochs * this.params.steps;
        progress.max = total;
        progress.value = done + batch + 1;
      }
      override onEpochEnd() {
        done += this.params.steps;
      }
    })();
    let done = 0;
    const r = await trainModel({
      kind,
      epochs,
      trainCount,
      testCount: options.testCount ?? 2000,
      callbacks: [chart, bar],
      onModel: (m) => void (training = m),
    });
    trained?.model.dispose();
    trained = r;
    $('train-accuracy').textContent =
      `${percent(r.accuracy)} on ${r.matrix.flat().reduce((a, b) => a + b, 0)} test images`;
    $('train-speed').textContent =
      `${r.steps} steps in ${r.seconds.toFixed(1)} s: ${r.stepsPerSecond.toFixed(1)} steps/s on ${r.backend}${r.backend === 'wasm' ? ` with ${r.threads} thread${r.threads > 1 ? 's' : ''}` : ''}`;
    await showConfusion(r.matrix);
    await showMistakes(r.mistakes);
    $<HTMLButtonElement>('save-idb').disabled = false;
    $<HTMLButtonElement>('save-download').disabled = false;
    refreshModelList();
    status(`trained the ${kind.toUpperCase()} on ${backend}`);
    return {
      accuracy: r.accuracy,
      steps: r.steps,
      seconds: r.seconds,
      stepsPerSecond: r.stepsPerSecond,
      backend: r.backend,
      threads: r.threads,
      losses: r.losses,
    };
  } finally {
    run.disabled = false;
    stop.disabled = true;
    training = null;
  }
}

async function showConfusion(matrix: number[][]): Promise<void> {
  const most = Math.max(...matrix.flat(), 1);
  const short = CLASS_NAMES.map((n) => n.split('/')[0].slice(0, 7));
  const head = `<tr><th></th>${short.map((n) => `<th>${n}</th>`).join('')}</tr>`;
  const rows = matrix.map(
    (row, i) =>
      `<tr><th>${short[i]}</th>${row
        .map((v) => {
          const a = (v / most).toFixed(2);
          return `<td style="background:rgba(31,119,180,${a});color:${v / most > 0.5 ? 'white' : 'black'}">${v}</td>`;
        })
        .join('')}</tr>`,
  );
  $('confusion').innerHTML = `<table class="confusion">${head}${rows.join('')}</table>`;
}

async function showMistakes(mistakes: TrainResult['mistakes']): Promise<void> {
  const test = await loadSplit('test');
  const grid = $('mistakes');
  grid.innerHTML = '';
  for (const m of mistakes) {
    const fig = document.createElement('figure');
    fig.append(
      pixelCanvas(
        test.pixels.subarray(m.index * SIDE * SIDE, (m.index + 1) * SIDE * SIDE),
        SIDE,
        2,
      ),
    );
    const caption = document.createElement('figcaption');
    caption.textContent = `${CLASS_NAMES[m.truth]} → ${CLASS_NAMES[m.predicted]}`;
    fig.append(caption);
    grid.append(fig);
  }
}

async function save(where: 'indexeddb' | 'downloads'): Promise<void> {
  if (!trained) return;
  const name = `fashion-${trained.model.name.replace(/^fashion_/, '')}`;
  await trained.model.save(`${where}://${name}`);
  $('save-note').textContent =
    where === 'indexeddb'
      ? `saved as indexeddb://${name}`
      : `downloaded ${name}.json and ${name}.weights.bin`;
  refreshModelList();
}

// ---- The inference phase ------------------------------------------------------------------------

let serverModels: string[] = [];
let inferModel: nr.Model | null = null;

function refreshModelList(): void {
  const options = [
    ...serverModels.map((m) => [`server:${m}`, `trained in Node: ${m}`]),
    ...(trained ? [['page', `trained on this page: ${trained.model.name}`]] : []),
    ['indexeddb:fashion-mlp', 'saved in this browser: fashion-mlp'],
    ['indexeddb:fashion-cnn', 'saved in this browser: fashion-cnn'],
  ];
  const select = $<HTMLSelectElement>('infer-model');
  const was = select.value;
  select.innerHTML = options.map(([v, t]) => `<option value="${v}">${t}</option>`).join('');
  if (options.some(([v]) => v === was)) select.value = was;
}

async function loadModel(source?: string): Promise<string> {
  const choice = source ?? $<HTMLSelectElement>('infer-model').value;
  let model: nr.Model;
  if (choice === 'page') {
    if (!trained) throw new Error('train a model in the training section first');
    model = trained.model;
  } else if (choice.startsWith('server:'))
    model = await nr.loadLayersModel(
      new URL(`models/${choice.slice(7)}/model.json`, location.href).href,
    );
  else model = await nr.loadLayersModel(`indexeddb://${choice.slice('indexeddb:'.length)}`);
  if (inferModel && inferModel !== trained?.model) inferModel.dispose();
  inferModel = model;
  $('infer-note').textContent = `loaded ${model.name} (${choice})`;
  await predictCanvas();
  return model.name;
}

const canvas = () => $<HTMLCanvasElement>('draw');

/** The canvas as 28 × 28 values in [0, 1]: the mean of each 10 × 10 block of its red channel. */
function canvasPixels(): Float32Array {
  const c = canvas();
  const ctx = c.getContext('2d', { willReadFrequently: true });
  const out = new Float32Array(SIDE * SIDE);
  if (!ctx) return out;
  const data = ctx.getImageData(0, 0, c.width, c.height).data;
  const block = c.width / SIDE;
  for (let r = 0; r < c.height; r++)
    for (let col = 0; col < c.width; col++)
      out[Math.floor(r / block) * SIDE + Math.floor(col / block)] += data[(r * c.width + col) * 4];
  for (let i = 0; i < out.length; i++) out[i] /= 255 * block * block;
  return out;
}

async function predictCanvas(): Promise<{
  label: string;
  probabilities: number[];
  milliseconds: number;
} | null> {
  if (!inferModel) return null;
  const { probabilities, milliseconds } = await classify(inferModel, canvasPixels());
  let best = 0;
  for (let i = 1; i < probabilities.length; i++)
    if (probabilities[i] > probabilities[best]) best = i;
  $('probabilities').innerHTML = CLASS_NAMES.map(
    (n, i) =>
      `<div class="bar"><span>${n}</span><div style="width:${(probabilities[i] * 200).toFixed(0)}px;${i === best ? 'background:#ff7f0e' : ''}"></div><span>${percent(probabilities[i])}</span></div>`,
  ).join('');
  $('infer-time').textContent =
    `${milliseconds.toFixed(2)} ms per prediction on ${nr.getBackend()}`;
  return { label: CLASS_NAMES[best], probabilities: Array.from(probabilities), milliseconds };
}

/** Draws an image on the canvas: 28 × 28 images pixel for pixel (each a 10 × 10 block), others scaled in grey. */
async function drawImage(source: Blob | string): Promise<void> {
  const blob = typeof source === 'string' ? await (await fetch(source)).blob() : source;
  const bitmap = await createImageBitmap(blob, {
    colorSpaceConversion: 'none',
    premultiplyAlpha: 'none',
  });
  const c = canvas();
  const ctx = c.getContext('2d', { willReadFrequently: true });
  if (!ctx) return;
  ctx.imageSmoothingEnabled = !(bitmap.width === SIDE && bitmap.height === SIDE);
  ctx.fillStyle = 'black';
  ctx.fillRect(0, 0, c.width, c.height);
  ctx.filter = 'grayscale(1)';
  ctx.drawImage(bitmap, 0, 0, c.width, c.height);
  ctx.filter = 'none';
  bitmap.close();
}

function setUpDrawing(): void {
  const c = canvas();
  const ctx = c.getContext('2d', { willReadFrequently: true });
  if (!ctx) return;
  const clear = () => {
    ctx.fillStyle = 'black';
    ctx.fillRect(0, 0, c.width, c.height);
  };
  clear();
  let last: [number, number] | null = null;
  const at = (e: PointerEvent): [number, number] => {
    const box = c.getBoundingClientRect();
    return [
      ((e.clientX - box.left) * c.width) / box.width,
      ((e.clientY - box.top) * c.height) / box.height,
    ];
  };
  c.addEventListener('pointerdown', (e) => {
    last = at(e);
    c.setPointerCapture(e.pointerId);
  });
  c.addEventListener('pointermove', (e) => {
    if (!last) return;
    const p = at(e);
    ctx.strokeStyle = 'white';
    ctx.lineWidth = 22;
    ctx.lineCap = 'round';
    ctx.beginPath();
    ctx.moveTo(...last);
    ctx.lineTo(...p);
    ctx.stroke();
    last = p;
  });
  c.addEventListener('pointerup', () => {
    last = null;
    void predictCanvas();
  });
  c.addEventListener('dragover', (e) => e.preventDefault());
  c.addEventListener('drop', (e) => {
    e.preventDefault();
    const file = e.dataTransfer?.files[0];
    if (file) void drawImage(file).then(predictCanvas);
  });
  $('draw-clear').addEventListener('click', () => {
    clear();
    void predictCanvas();
  });
}

const SAMPLES = [
  '0000-ankle-boot',
  '0001-pullover',
  '0002-trouser',
  '0004-shirt',
  '0006-coat',
  '0008-sandal',
  '0009-sneaker',
  '0013-dress',
  '0018-bag',
  '0019-t-shirt-top',
];

function setUpSamples(): void {
  const box = $('samples');
  box.innerHTML = '<p class="muted">Test images (click one):</p>';
  for (const s of SAMPLES) {
    const img = document.createElement('img');
    img.src = `images/${s}.png`;
    img.alt = img.title = s.slice(5);
    img.addEventListener('click', () => void drawImage(img.src).then(predictCanvas));
    box.append(img);
  }
}

// ---- Start --------------------------------------------------------------------------------------

async function start(): Promise<void> {
  setUpDrawing();
  setUpSamples();
  const info = (await (await fetch('info.json')).json()) as { data: string; models: string[] };
  serverModels = info.models;
  refreshModelList();
  const detected = await detect();
  showDetected(detected);
  $('compare-run').addEventListener('click', () => void runCompare().catch(fail));
  $('train-run').addEventListener('click', () => void runTraining().catch(fail));
  $('train-stop').addEventListener('click', () => {
    if (training) training.stopTraining = true;
  });
  $('save-idb').addEventListener('click', () => void save('indexeddb').catch(fail));
  $('save-download').addEventListener('click', () => void save('downloads').catch(fail));
  $('infer-load').addEventListener('click', () => void loadModel().catch(fail));
  $<HTMLInputElement>('infer-files').addEventListener('change', (e) => {
    const files = (e.target as HTMLInputElement).files;
    if (!files?.length) return;
    void nr
      .loadLayersModel(nr.io.browserFiles(Array.from(files)))
      .then(async (m) => {
        inferModel = m;
        $('infer-note').textContent = `loaded ${m.name} from ${files.length} files`;
        await predictCanvas();
      })
      .catch(fail);
  });
  if (serverModels.length)
    await loadModel(`server:${serverModels.includes('mlp') ? 'mlp' : serverModels[0]}`);
  else
    $('infer-note').textContent =
      'no model trained in Node yet: run npx tsx examples/fashion-mnist/train.ts (the server offers its out/ folder), or train one above';
  status(
    `Ready: ${nr.getBackend()}${nr.getBackend() === 'wasm' ? ` on ${detected.threads} thread${detected.threads > 1 ? 's' : ''}` : ''}; data: ${info.data === 'full' ? 'Fashion-MNIST (70,000 images)' : 'a committed subset of Fashion-MNIST'}.`,
  );
  document.body.dataset.ready = 'true';
}

function fail(e: unknown): void {
  const message = e instanceof Error ? e.message : String(e);
  status(`Error: ${message}`);
  console.error(e);
}

/** What tests (and the curious, from the console) can call: the same functions the buttons call. */
const lesson = {
  compare: runCompare,
  train: runTraining,
  loadModel,
  drawImage,
  predictCanvas,
  canvasPixels: () => Array.from(canvasPixels()),
  save,
  stop: () => {
    if (training) training.stopTraining = true;
  },
  /** Predictions of the current inference model on the first n test images, for cross-checks with Node. */
  predictTest: async (n: number) => {
    if (!inferModel) throw new Error('no model loaded');
    const test = await loadSplit('test');
    const x = nr.tensor(test.pixels.subarray(0, n * SIDE * SIDE), [n, SIDE, SIDE, 1]);
    const y = inferModel.predict(x) as nr.Tensor;
    const values = Array.from(await y.data());
    nr.dispose([x, y]);
    return values;
  },
};
Object.assign(globalThis, { lesson });

start().catch(fail);
