// The harness's own statistics helpers for random-op specs (tfjs's rand_util test helpers).
import { expectNumbersClose, testEpsilon } from './test_util.js';

function mean(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s / v.length;
}

function centralMoment(v: ArrayLike<number>, m: number, k: number): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] - m) ** k;
  return s / v.length;
}

/**
 * The Jarque-Bera statistic n/6 (S^2 + (K-3)^2 / 4): about chi-squared with 2 degrees of freedom for
 * normal samples, so below 5.991 with 95% probability.
 */
export function jarqueBeraNormalityTest(values: ArrayLike<number>): void {
  const n = values.length;
  const m = mean(values);
  const m2 = centralMoment(values, m, 2);
  const skew = centralMoment(values, m, 3) / m2 ** 1.5;
  const kurt = centralMoment(values, m, 4) / m2 ** 2;
  const jb = (n / 6) * (skew ** 2 + (kurt - 3) ** 2 / 4);
  if (jb > 5.991) throw new Error(`Invalid p-value for JB: ${jb}`);
}

/** The sample mean and standard deviation within epsilon of the expected ones. */
export function expectArrayInMeanStdRange(
  actual: ArrayLike<number>,
  expectedMean: number,
  expectedStdDev: number,
  epsilon?: number,
): void {
  const eps = epsilon ?? testEpsilon();
  const m = mean(actual);
  expectNumbersClose(m, expectedMean, eps);
  expectNumbersClose(Math.sqrt(centralMoment(actual, m, 2)), expectedStdDev, eps);
}
