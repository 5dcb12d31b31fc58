// backend().floatPrecision() and epsilon(), as tfjs' KernelBackend has them, on every backend that starts here.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { testBackends } from '../helpers/check_op.js';

describe('backend float precision', () => {
  for (const name of testBackends()) {
    it(`${name}: 32-bit floats, epsilon 1e-7`, async () => {
      const prev = nr.getBackend();
      await nr.setBackend(name);
      try {
        const b = nr.backend();
        expect(b.floatPrecision?.()).toBe(32);
        expect(b.epsilon?.()).toBe(1e-7);
        // the epsilon keeps 1 - eps below 1 in float32 (what clipByValue(x, eps, 1 - eps) relies on)
        expect((await nr.sub(1, b.epsilon?.() ?? 0).data())[0]).toBeLessThan(1);
      } finally {
        await nr.setBackend(prev);
      }
    });
  }
});
