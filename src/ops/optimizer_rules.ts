// The fused Adam step primitive: one pass on backends that have it, else the same op sequence composed.
import type { Backend, DataId, TensorInfo } from '../backends/backend.js';
import type { Produced, RuleTable } from '../core/primitives.js';

/**
 * The Keras Adam update as float32 ops, in this order (a fused kernel must round the same way):
 * m' = flush(m + (g - m)·c1); v' = flush(v + (g² - v)·c2); w' = w - (m'·alpha) / (√v' + ε),
 * where flush zeroes |x| < FLT_MIN (see optimizers/optimizer.ts) and c1 = 1 - β1, c2 = 1 - β2.
 * @example const [m, v, w] = adamComposed(backend, g, m, v, w, alpha, { c1: 0.1, c2: 0.001, epsilon: 1e-7 });
 */
export function adamComposed(
  b: Backend,
  g: TensorInfo,
  m: TensorInfo,
  v: TensorInfo,
  w: TensorInfo,
  alpha: TensorInfo,
  { c1, c2, epsilon }: { c1: number; c2: number; epsilon: number },
): [DataId, DataId, DataId] {
  const shape = g.shape;
  const temps: DataId[] = [];
  const full = (dataId: DataId): TensorInfo => ({ dataId, shape, dtype: 'float32' });
  const temp = (dataId: DataId): TensorInfo => {
    temps.push(dataId);
    return full(dataId);
  };
  const scalar = (value: number): TensorInfo => {
    const dataId = b.write(new Float32Array([value]), 'float32');
    temps.push(dataId);
    return { dataId, shape: [], dtype: 'float32' };
  };
  const bin = (op: 'add' | 'sub' | 'mul' | 'div', x: TensorInfo, y: TensorInfo): DataId =>
    b.binary(op, x, y, shape, 'float32');
  const un = (op: 'flushSubnormal' | 'square' | 'sqrt', x: TensorInfo): DataId =>
    b.unary(op, x, 'float32', 0);
  const mNew = un(
    'flushSubnormal',
    temp(bin('add', m, temp(bin('mul', temp(bin('sub', g, m)), scalar(c1))))),
  );
  const g2 = temp(un('square', g));
  const vNew = un(
    'flushSubnormal',
    temp(bin('add', v, temp(bin('mul', temp(bin('sub', g2, v)), scalar(c2))))),
  );
  const num = temp(bin('mul', full(mNew), alpha));
  const den = temp(bin('add', temp(un('sqrt', full(vNew))), scalar(epsilon)));
  const wNew = bin('sub', w, temp(bin('div', num, den)));
  for (const id of temps) b.free(id);
  return [mNew, vNew, wNew];
}

export const optimizerRules = {
  adamUpdate: {
    // inputs: grad, m, v, w (one shape, float32) and alpha (a float32 scalar)
    forward: (b, [g, m, v, w, alpha], attrs): Produced[] => {
      const ids =
        b.adamUpdate?.(g, m, v, w, alpha, attrs) ?? adamComposed(b, g, m, v, w, alpha, attrs);
      return ids.map((dataId) => ({ dataId, shape: g.shape, dtype: 'float32' }));
    },
    // an optimizer step runs under noGrad: nothing differentiates through it
    vjp: null,
  },
} satisfies Pick<RuleTable, 'adamUpdate'>;
