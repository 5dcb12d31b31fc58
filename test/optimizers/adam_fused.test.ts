// Adam's fused step (the adamUpdate primitive): wasm's one-pass kernel and the cpu's composed kernels agree bitwise.
import { afterAll, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { rng } from '../helpers/check_op.js';

const prev = nr.getBackend();
afterAll(async () => {
  await nr.setBackend(prev);
});

/** Five Adam (or AdamW) steps on a [37, 29] weight with fixed gradients; the weight and moments. */
async function train(backend: string, amsgrad: boolean, weightDecay?: number): Promise<number[][]> {
  await nr.setBackend(backend);
  const r = rng(3);
  const w = nr.variable(
    nr.tensor(
      Float32Array.from({ length: 37 * 29 }, () => r() - 0.5),
      [37, 29],
    ),
  );
  const opt = weightDecay
    ? new nr.optimizers.AdamW({ learningRate: 0.01, weightDecay })
    : new nr.optimizers.Adam({ learningRate: 0.01, amsgrad });
  for (let s = 0; s < 5; s++) {
    // every third gradient entry 0: those moments decay without a fresh term
    const g = nr.tensor(
      Float32Array.from({ length: 37 * 29 }, (_, i) => (i % 3 === 0 ? 0 : r() - 0.5)),
      [37, 29],
    );
    opt.applyGradients([[g, w]]);
    g.dispose();
  }
  const out = [w, ...opt.weights().slice(1)].map((t) => Array.from(t.dataSync()));
  opt.dispose();
  w.dispose();
  return out;
}

for (const [name, amsgrad, wd] of [
  ['Adam', false, undefined],
  ['Adam amsgrad', true, undefined],
  ['AdamW', false, 0.004],
] as const)
  it(`${name}: wasm and cpu give bitwise equal weights and moments`, async () => {
    const cpu = await train('cpu', amsgrad, wd);
    const wasm = await train('wasm', amsgrad, wd);
    expect(wasm.length).toBe(cpu.length);
    wasm.forEach((values, i) => expect(values).toEqual(cpu[i]));
  });
