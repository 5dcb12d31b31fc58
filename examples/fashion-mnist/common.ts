// Shared by the Fashion-MNIST lesson's two Node programs: data loading, and the models of models.ts.
import * as nr from '../../src/node.js';

// The models live in models.ts, which the browser page imports too (same architectures in both phases).
export { CLASS_NAMES, cnn, mlp } from './models.js';

/** Images scaled to [0, 1] as [n, 28, 28, 1], labels int32 [n]; `limit` keeps the first n. */
export async function loadSplit(
  split: 'train' | 'test',
  limit?: number,
): Promise<{ x: nr.Tensor; y: nr.Tensor }> {
  const data = await nr.datasets.fashionMnist.load({ dtype: 'float32' });
  const part = data[split];
  const other = data[split === 'train' ? 'test' : 'train'];
  nr.dispose(other);
  const n = Math.min(limit ?? part.x.shape[0], part.x.shape[0]);
  const x = nr.tidy(() => part.x.slice([0, 0, 0], [n, 28, 28]).div(255).reshape([n, 28, 28, 1]));
  const y = part.y.slice([0], [n]);
  nr.dispose(part);
  return { x, y };
}
