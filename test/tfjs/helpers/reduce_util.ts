// Test plumbing for argMax/argMin/unsortedSegmentSum specs: the input sizes tfjs's specs derive from its reduce constants.

/** tfjs sizes some reduction specs as twice this value, to cross its parallel-reduction path. */
export const PARALLELIZE_THRESHOLD = 30;

/** tfjs's window for a reduction of n values (sizes the spec inputs): n when small, else the first divisor from sqrt(n) up. */
export function computeOptimalWindowSize(n: number): number {
  if (n <= PARALLELIZE_THRESHOLD) return n;
  for (let w = Math.floor(Math.sqrt(n)); w < n; w++) if (n % w === 0) return w;
  return n;
}
