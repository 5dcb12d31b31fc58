// The fused Adam step primitive: the backend's adamUpdate kernel over all of a step's variables at once.
import type { Produced, RuleTable } from '../core/primitives.js';
import { adamList } from '../backends/adam_list.js';

// The composed kernel lives beside the kernels; re-exported for the tests and tools that compare against it.
export { adamComposed } from '../backends/composed.js';

export const optimizerRules = {
  adamUpdate: {
    // inputs: grad, m, v, w of each variable (one shape each, float32), then alpha (a float32 scalar);
    // checked here so a bad list fails before the kernel allocates anything
    forward: (b, inputs, attrs): Produced[] => {
      const { variables } = adamList(inputs);
      const ids = b.run('adamUpdate', inputs, attrs);
      return ids.map((dataId, i) => ({
        dataId,
        shape: variables[Math.floor(i / 3)].g.shape,
        dtype: 'float32',
      }));
    },
    // an optimizer step runs under noGrad: nothing differentiates through it
    vjp: null,
  },
} satisfies Pick<RuleTable, 'adamUpdate'>;
