// Kernels composed of other kernels of the same backend: the base softmax and Adam step every fused kernel must match.
import type { AdamAttrs, Backend, DataId, TensorInfo } from './backend.js';

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
  const m = info(b.run('reduce', [x], { op: 'max', axes, dtype: 'float32' }), kept);
  const finite = info(
    b.run('unary', [m], { op: 'isFinite', dtype: 'bool', alpha: 0 }),
    kept,
    'bool',
  );
  const zero = info(b.write(new Float32Array(1), 'float32'), []);
  const shift = info(b.run('where', [finite, m, zero], { outShape: kept, dtype: 'float32' }), kept);
  const diff = info(b.run('binary', [x, shift], { op: 'sub', outShape: shape, dtype: 'float32' }));
  const e = info(b.run('unary', [diff], { op: 'exp', dtype: 'float32', alpha: 0 }));
  const s = info(b.run('reduce', [e], { op: 'sum', axes, dtype: 'float32' }), kept);
  const y = b.run('binary', [e, s], { op: 'div', outShape: shape, dtype: 'float32' });
  for (const id of temps) b.free(id);
  return y;
}

/**
 * The Keras Adam update as float32 kernels, in this order (a fused kernel must round the same way):
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
  { c1, c2, epsilon }: AdamAttrs,
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
    b.run('binary', [x, y], { op, outShape: shape, dtype: 'float32' });
  const un = (op: 'flushSubnormal' | 'square' | 'sqrt', x: TensorInfo): DataId =>
    b.run('unary', [x], { op, dtype: 'float32', alpha: 0 });
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
