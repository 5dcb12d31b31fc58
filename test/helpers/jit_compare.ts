// A function run eagerly with fusion off, then replayed under nr.jit with fusion on: both results and what the replay dispatched, for the fusion tests.
import { expect } from 'vitest';
import * as nr from '../../src/node.js';
import type { KernelName } from '../../src/backends/backend.js';
import { interceptKernels } from './kernel_calls.js';

/**
 * The values of tensors, as plain arrays (read asynchronously: any backend).
 * @example expect(await values([y])).toEqual([[1, 2]]);
 */
export const values = async (ts: readonly nr.Tensor[]): Promise<number[][]> =>
  Promise.all(ts.map(async (t) => Array.from(await t.data())));

/**
 * `f` eagerly with fusion off (one kernel per op), then jitted with fusion on and replayed a third
 * time with every backend dispatch passed to `describe` (what it returns is listed in `seen`).
 * @example const { eager, replayed, seen } = await eagerAndReplayed(f, [x], (k) => k);
 */
export async function eagerAndReplayed<D>(
  f: (...xs: nr.Tensor[]) => nr.Tensor | nr.Tensor[],
  inputs: nr.Tensor[],
  describe: (kernel: KernelName, attrs: object) => D,
): Promise<{ eager: number[][]; replayed: number[][]; seen: D[]; kernels: number | null }> {
  const list = (r: nr.Tensor | nr.Tensor[]): nr.Tensor[] => (Array.isArray(r) ? r : [r]);
  nr.setFusion(false);
  const e = list(f(...inputs));
  const eager = await values(e);
  nr.dispose(e);
  nr.setFusion(true);
  const jitted = nr.jit(f);
  nr.dispose(list(jitted(...inputs)));
  nr.dispose(list(jitted(...inputs)));
  const seen: D[] = [];
  let r: nr.Tensor[] = [];
  const restore = interceptKernels(nr.backend(), (kernel, attrs) => {
    seen.push(describe(kernel, attrs));
  });
  try {
    r = list(jitted(...inputs));
  } finally {
    restore();
  }
  const replayed = await values(r);
  nr.dispose(r);
  const { kernels, replays } = jitted.stats();
  expect(replays).toBe(2);
  jitted.dispose();
  return { eager, replayed, seen, kernels };
}
