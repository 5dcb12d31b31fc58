// The fused Adam step primitive: the backend's adamUpdate kernel (fused, or composed of its other kernels).
import type { Produced, RuleTable } from '../core/primitives.js';

// The composed kernel lives beside the kernels; re-exported for the tests and tools that compare against it.
export { adamComposed } from '../backends/composed.js';

export const optimizerRules = {
  adamUpdate: {
    // inputs: grad, m, v, w (one shape, float32) and alpha (a float32 scalar)
    forward: (b, [g, m, v, w, alpha], attrs): Produced[] => {
      const ids = b.run('adamUpdate', [g, m, v, w, alpha], attrs);
      return ids.map((dataId) => ({ dataId, shape: g.shape, dtype: 'float32' }));
    },
    // an optimizer step runs under noGrad: nothing differentiates through it
    vjp: null,
  },
} satisfies Pick<RuleTable, 'adamUpdate'>;
