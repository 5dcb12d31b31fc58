// Where a model.predict call's time goes (MLP 784-512-512-10): kernels against the rest, eager and jitCompile, cold and warm.
// Usage: node --import tsx bench/profile_predict.ts [--backend wasm|cpu] [--threads 1] [--rows 1] [--calls 2000] [--runs 7]
// A diagnostic, not a benchmark: CPU times (process.cpuUsage, so a shared machine's other work counts
// less than in wall time); the kernel wrapper's own clock reads count as kernel time. Compare one run's rows.
import * as nr from '../src/node.js';
import { neuriteModel, randomData } from './cases/models.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const backendName = opt('backend', 'wasm');
const rows = Number(opt('rows', '1'));
const calls = Number(opt('calls', '2000'));
const runs = Number(opt('runs', '7'));
await nr.setBackend(backendName);
if (backendName === 'wasm') nr.setThreadsCount(Number(opt('threads', '1')));

/** CPU milliseconds of this process so far (wall time means little on a shared machine). */
const cpuMs = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

/** CPU milliseconds spent inside the backend's `run` (kernels and their dispatch), while `on`. */
const kernelClock = { ms: 0, on: false };
{
  // Shadow the backend's `run` with a timing own property (typed through Reflect: no casts needed).
  const backend: object = nr.backend();
  const original: unknown = Reflect.get(backend, 'run');
  if (typeof original !== 'function') throw new Error(`${backendName}: the backend has no run()`);
  let depth = 0;
  Object.defineProperty(backend, 'run', {
    configurable: true,
    value(this: unknown, ...a: unknown[]): unknown {
      if (!kernelClock.on || depth > 0) return Reflect.apply(original, this, a);
      depth++;
      const t0 = cpuMs();
      try {
        return Reflect.apply(original, this, a);
      } finally {
        kernelClock.ms += cpuMs() - t0;
        depth--;
      }
    },
  });
}

const d = randomData('mlp', rows);
const x = nr.tensor(d.x, d.xShape);
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1];
const us = (ms: number): string => `${(ms * 1000).toFixed(1)}`.padStart(7);

/** One predict call as the infer-mlp bench times it: predict, read the output back, dispose. */
async function call(model: nr.Model): Promise<void> {
  const y = model.predict(x, { batchSize: rows });
  const out = Array.isArray(y) ? y[0] : y;
  await out.data();
  nr.dispose(y);
}

/** The model for one mode; jitCompile needs a compile (predict itself does not). */
function model(jitCompile: boolean): nr.Model {
  const m = neuriteModel('mlp');
  if (jitCompile) m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', jitCompile });
  return m;
}

console.log(
  `predict MLP 784-512-512-10, ${rows} row(s), ${backendName}${backendName === 'wasm' ? ` ${opt('threads', '1')}t` : ''}; µs per call`,
);
console.log(
  'mode    cold wall   warm wall    cpu  kernels  JS (cpu - kernels)   [cold: median of calls 6-55 of a new model; warm: after 1,000 calls; kernels: CPU inside backend.run]',
);
for (const jitCompile of [false, true]) {
  const m = model(jitCompile);
  // cold: what `npm run bench -- --quick` sees (5 warm-up calls, then 50 timed ones)
  const cold: number[] = [];
  for (let i = 0; i < 55; i++) {
    const t0 = performance.now();
    await call(m);
    if (i >= 5) cold.push(performance.now() - t0);
  }
  for (let i = 0; i < 1000; i++) await call(m);
  const wall: number[] = [];
  const cpu: number[] = [];
  const kern: number[] = [];
  for (let r = 0; r < runs; r++) {
    kernelClock.ms = 0;
    kernelClock.on = true;
    const c0 = cpuMs();
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) await call(m);
    wall.push((performance.now() - t0) / calls);
    cpu.push((cpuMs() - c0) / calls);
    kernelClock.on = false;
    kern.push(kernelClock.ms / calls);
  }
  const js = cpu.map((c, i) => c - kern[i]);
  console.log(
    `${jitCompile ? 'jit  ' : 'eager'}   ${us(median(cold))}      ${us(median(wall))} ${us(median(cpu))} ${us(median(kern))}  ${us(median(js))}`,
  );
  m.dispose();
}
x.dispose();
