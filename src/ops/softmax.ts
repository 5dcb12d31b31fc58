// The softmax primitive over the last axis: one fused kernel where a backend has it, else the kernels composed.
import type { Backend, DataId, TensorInfo } from '../backends/backend.js';
import { one, type RuleTable } from '../core/primitives.js';

/**
 * softmax(x) over the last axis as backend kernels, in the order a fused kernel must match:
 * m = max(x) (NaN if the row has one); shift = isFinite(m) ? m : 0; e = exp(x - shift); y = e / sum(e).
 * Shifting by 0 when the max is ±Inf keeps the finite entries finite instead of NaN.
 * @example const id = softmaxComposed(backend, { dataId, shape: [2, 3], dtype: 'float32' });
 */
export function softmaxComposed(b: Backend, x: TensorInfo): DataId {
  const shape = x.shape;
  const kept = [...shape.slice(0, -1), 1];
  const axes = [shape.length - 1];
  const temps: DataId[] = [];
  const info = (dataId: DataId, s = shape, dtype: TensorInfo['dtype'] = 'float32'): TensorInfo => {
    temps.push(dataId);
    return { dataId, shape: s, dtype };
  };
  const m = info(b.reduce('max', x, axes, 'float32'), kept);
  const finite = info(b.unary('isFinite', m, 'bool', 0), kept, 'bool');
  const zero = info(b.write(new Float32Array(1), 'float32'), []);
  const shift = info(b.where(finite, m, zero, kept, 'float32'), kept);
  const e = info(b.unary('exp', info(b.binary('sub', x, shift, shape, 'float32')), 'float32', 0));
  const s = info(b.reduce('sum', e, axes, 'float32'), kept);
  const y = b.binary('div', e, s, shape, 'float32');
  for (const id of temps) b.free(id);
  return y;
}

export const softmaxRules = {
  softmax: {
    // input: float logits of rank >= 1 (ops/nn.ts checks); output: same shape and dtype
    forward: (b, [x]) => one(b.softmax?.(x) ?? softmaxComposed(b, x), x.shape, x.dtype),
    // d softmax: dx = y · (dy - sum(dy · y)) along the last axis
    vjp: ([dy], _inputs, [y]) => [y.mul(dy.sub(dy.mul(y).sum(-1, true)))],
  },
} satisfies Pick<RuleTable, 'softmax'>;
