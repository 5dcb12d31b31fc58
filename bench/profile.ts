// Where a fit step's time goes: kernel time and calls per primitive (and per input shapes) of neurite's fit cases.
// Usage: node --import tsx bench/profile.ts <lstm|transformer|mlp|cnn> [--jit] [--backend wasm|cpu|webgpu] [--fusion on|off]
// A diagnostic, not a benchmark: the wrapped kernels time themselves, so figures include a little of the wrapper.
import * as nr from '../src/node.js';
import {
  blockData,
  BLOCK,
  DATE,
  lstmData,
  neuriteBlockModel,
  neuriteLstmModel,
} from './cases/seq.js';
import { neuriteModel, randomData } from './cases/models.js';

const args = process.argv.slice(2);
const which = args[0] ?? 'lstm';
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const jitCompile = args.includes('--jit');
const backendName = opt('backend') ?? 'wasm';
await nr.setBackend(backendName);
if (backendName === 'wasm') nr.setThreadsCount(Number(opt('threads') ?? 1));
if (opt('fusion')) nr.setFusion(opt('fusion') === 'on');
const STEPS = 4;
const WARM = 3;

/** The model, its inputs and labels for STEPS + WARM batches. */
function setup(): { model: nr.Model; xs: nr.Tensor[]; y: nr.Tensor; batch: number } {
  if (which === 'lstm' || which === 'transformer') {
    const batch = which === 'lstm' ? DATE.batch : BLOCK.batch;
    const d = which === 'lstm' ? lstmData(batch * (STEPS + WARM)) : blockData(batch * (STEPS + WARM));
    const xs = d.inputs.map((i) =>
      nr.tensor(i.values, i.shape, i.values instanceof Int32Array ? 'int32' : 'float32'),
    );
    const model = which === 'lstm' ? neuriteLstmModel() : neuriteBlockModel();
    return { model, xs, y: nr.tensor(d.y, d.yShape), batch };
  }
  if (which !== 'mlp' && which !== 'cnn') throw new Error(`unknown model ${which}`);
  const batch = 128;
  const d = randomData(which, batch * (STEPS + WARM));
  const x = nr.tensor(d.x, d.xShape);
  return { model: neuriteModel(which), xs: [x], y: nr.tensor(d.y, d.yShape), batch };
}

const { model, xs, y, batch } = setup();
model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', jitCompile });
const fitArgs = { epochs: 1, batchSize: batch, verbose: 0, shuffle: false } as const;
const part = (from: number, n: number): [nr.Tensor[], nr.Tensor] => [
  xs.map((t) => t.slice(from * batch, n * batch)),
  y.slice(from * batch, n * batch),
];
// warm-up batches: with jitCompile the first builds the optimizer's state, the second traces and the
// third is the first replay (which builds the kernels' per-program plans and compiles lazily made kernels)
await model.fit(...part(0, WARM), fitArgs);

type Run = (p: string, inputs: readonly { shape: readonly number[] }[], attrs: object) => unknown;
const backend = nr.backend() as unknown as { run: Run };
const original: Run = backend.run.bind(backend);
const stats = new Map<string, { calls: number; ms: number }>();
let inKernels = 0;
backend.run = (p, inputs, attrs) => {
  const t0 = performance.now();
  const out = original(p, inputs, attrs);
  const dt = performance.now() - t0;
  inKernels += dt;
  const op = 'op' in attrs && typeof attrs.op === 'string' ? `:${attrs.op}` : '';
  const key = `${p}${op} ${inputs.map((x) => x.shape.join('x') || 'scalar').join(', ')}`;
  const s = stats.get(key) ?? { calls: 0, ms: 0 };
  s.calls++;
  s.ms += dt;
  stats.set(key, s);
  return out;
};
// webgpu: GPU dispatches too (a kernel may dispatch several programs, Adam one per group of variables)
let dispatches = 0;
for (const name of ['dispatch', 'dispatchMany']) {
  const b: object = nr.backend();
  const f: unknown = Reflect.get(b, name);
  if (typeof f !== 'function') continue;
  Reflect.set(b, name, (...a: unknown[]) => {
    dispatches++;
    return Reflect.apply(f, b, a);
  });
}
const t0 = performance.now();
await model.fit(...part(WARM, STEPS), fitArgs);
const wall = (performance.now() - t0) / STEPS;
const calls = [...stats.values()].reduce((a, s) => a + s.calls, 0) / STEPS;
console.log(
  `${which} on ${backendName}${jitCompile ? ' (jitCompile)' : ''}: ${wall.toFixed(1)} ms per batch, ` +
    `${(inKernels / STEPS).toFixed(1)} ms in ${calls} kernels` +
    (dispatches ? ` (${dispatches / STEPS} GPU dispatches)` : ''),
);
const byPrim = new Map<string, { calls: number; ms: number }>();
for (const [k, s] of stats) {
  const p = k.split(' ')[0];
  const q = byPrim.get(p) ?? { calls: 0, ms: 0 };
  q.calls += s.calls;
  q.ms += s.ms;
  byPrim.set(p, q);
}
const print = (m: Map<string, { calls: number; ms: number }>, n: number): void => {
  for (const [k, s] of [...m].sort((a, b) => b[1].ms - a[1].ms).slice(0, n))
    console.log(
      `${(s.ms / STEPS).toFixed(2).padStart(8)} ms ${String(s.calls / STEPS).padStart(7)}×  ${k}`,
    );
};
console.log('-- per primitive');
print(byPrim, 20);
console.log('-- per primitive and input shapes');
print(stats, Number(process.env.PROFILE_ROWS ?? 30));
