// The softmax primitive over the last axis: the backend's softmax kernel (fused, or composed of its other kernels).
import { one, type RuleTable } from '../core/primitives.js';

// The composed kernel lives beside the kernels; re-exported for the tests and tools that compare against it.
export { softmaxComposed } from '../backends/composed.js';

export const softmaxRules = {
  softmax: {
    // input: float logits of rank >= 1 (ops/nn.ts checks); output: same shape and dtype
    forward: (b, [x]) => one(b.run('softmax', [x], {}), x.shape, x.dtype),
    // d softmax: dx = y · (dy - sum(dy · y)) along the last axis
    vjp: ([dy], _inputs, [y]) => [y.mul(dy.sub(dy.mul(y).sum(-1, true)))],
  },
} satisfies Pick<RuleTable, 'softmax'>;
