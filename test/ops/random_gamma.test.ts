// randomGamma: moments of large seeded samples against Gamma(alpha, rate beta), determinism, dtype, errors.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { hostDraw } from '../../src/ops/random.js';

function moments(values: ArrayLike<number>): [number, number] {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  const mean = s / values.length;
  let v = 0;
  for (let i = 0; i < values.length; i++) v += (values[i] - mean) ** 2;
  return [mean, v / values.length];
}

describe('randomGamma', () => {
  it('matches the mean alpha/beta and variance alpha/beta^2 (alpha >= 1 and alpha < 1)', () => {
    for (const [alpha, beta] of [
      [2, 2],
      [0.5, 1],
      [5, 0.5],
    ]) {
      const [mean, variance] = moments(
        nr.randomGamma([20000], alpha, beta, 'float32', 11).dataSync(),
      );
      expect(Math.abs(mean - alpha / beta)).toBeLessThan(0.05 * (alpha / beta));
      expect(Math.abs(variance - alpha / beta ** 2)).toBeLessThan(0.1 * (alpha / beta ** 2));
    }
  });

  it('is deterministic for a seed, positive, and int32 on request', () => {
    const a = nr.randomGamma([50], 3, 1, 'float32', 5).dataSync();
    const b = nr.randomGamma([50], 3, 1, 'float32', 5).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a).every((v) => v > 0)).toBe(true);
    expect(nr.randomGamma([2, 3], 2, 1, 'int32').dtype).toBe('int32');
    expect(() => nr.randomGamma([2], -1)).toThrow(nr.ArgumentError);
  });

  it('draws its normal and uniform numbers in JS, equal to the seeded tensors (no device read)', async () => {
    const normal = nr.randomNormal([257], 0, 1, 'float32', 11);
    const uniform = nr.randomUniform([257], 0, 1, 'float32', 12);
    expect(hostDraw('test', 257, 'normal', 0, 1, 11)).toEqual(await normal.data());
    expect(hostDraw('test', 257, 'uniform', 0, 1, 12)).toEqual(await uniform.data());
    nr.dispose([normal, uniform]);
  });
});
