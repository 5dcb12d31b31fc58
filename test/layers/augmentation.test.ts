// Random augmentation layers: identity at inference, known transforms at fixed factors, seeded draws, layer checks.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { checkLayer } from '../helpers/check_layer.js';
import { expectClose } from '../helpers/check_op.js';

// one 4x4 single-channel image: value = 4·row + col
const img = () => nr.range(0, 16).reshape([1, 4, 4, 1]);
async function run(layer: nr.layers.Layer, x: nr.Tensor, training = true): Promise<number[]> {
  const y = layer.apply(x, { training }) as nr.Tensor;
  expect(y.shape).toEqual(x.shape);
  const v = Array.from(await y.data());
  y.dispose();
  return v;
}
const grid = (f: (r: number, c: number) => number) =>
  Array.from({ length: 16 }, (_, i) => f(Math.floor(i / 4), i % 4));

describe('augmentation layers', () => {
  it.each([
    ['RandomFlip', () => nr.layers.randomFlip({ seed: 1 })],
    ['RandomRotation', () => nr.layers.randomRotation({ factor: 0.2, seed: 2 })],
    ['RandomZoom', () => nr.layers.randomZoom({ heightFactor: 0.2, seed: 3 })],
    ['RandomTranslation', () => nr.layers.randomTranslation({ heightFactor: 0.2, widthFactor: 0.1, seed: 4 })],
    ['RandomContrast', () => nr.layers.randomContrast({ factor: 0.5, seed: 5 })],
  ] as const)('%s: layer check, and identity at inference', async (name, make) => {
    await checkLayer({ name, make, inputShape: [2, 5, 6, 3] });
    expect(await run(make(), img(), false)).toEqual(grid((r, c) => 4 * r + c));
  });

  it('RandomFlip flips each image or leaves it, and a seed repeats the sequence', async () => {
    const x = nr.tile(img(), [8, 1, 1, 1]);
    const a = await run(nr.layers.randomFlip({ mode: 'horizontal', seed: 9 }), x);
    const b = await run(nr.layers.randomFlip({ mode: 'horizontal', seed: 9 }), x);
    expect(a).toEqual(b);
    const same = grid((r, c) => 4 * r + c);
    const flipped = grid((r, c) => 4 * r + (3 - c));
    const kinds = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const one = a.slice(16 * i, 16 * i + 16);
      const kind = JSON.stringify(one) === JSON.stringify(same) ? 'same' : 'flipped';
      if (kind === 'flipped') expect(one).toEqual(flipped);
      kinds.add(kind);
    }
    expect(kinds.size).toBe(2);
  });

  it('RandomRotation by a quarter turn is rot90 about the centre', async () => {
    const v = await run(nr.layers.randomRotation({ factor: [0.25, 0.25] }), img());
    // output (r, c) shows source (row = c, col = 3 - r): a counter-clockwise quarter turn
    expectClose(v, grid((r, c) => 4 * c + (3 - r)), 1e-4, 0, 'rot90');
  });

  it('RandomTranslation shifts by whole pixels, constant fill', async () => {
    const l = nr.layers.randomTranslation({ heightFactor: [0, 0], widthFactor: [0.25, 0.25], fillMode: 'constant', fillValue: -1 });
    expectClose(await run(l, img()), grid((r, c) => (c === 0 ? -1 : 4 * r + c - 1)), 1e-5, 0, 'shift right');
    const reflect = nr.layers.randomTranslation({ heightFactor: [0, 0], widthFactor: [-0.25, -0.25] });
    // shifted left by 1: the last column reflects ('dcba|abcd|dcba'), so it repeats column 3
    expectClose(await run(reflect, img()), grid((r, c) => 4 * r + Math.min(c + 1, 3)), 1e-5, 0, 'shift left');
  });

  it('RandomZoom: factor 0 is the identity, factor 1 zooms out by 2 around the centre', async () => {
    expectClose(await run(nr.layers.randomZoom({ heightFactor: [0, 0] }), img()), grid((r, c) => 4 * r + c), 1e-5, 0, 'zoom 0');
    const v = await run(nr.layers.randomZoom({ heightFactor: [1, 1], fillMode: 'nearest', interpolation: 'nearest' }), img());
    // source = 2·p - 1.5, rounded and clamped
    const src = (p: number) => Math.min(Math.max(Math.round(2 * p - 1.5), 0), 3);
    expect(v).toEqual(grid((r, c) => 4 * src(r) + src(c)));
  });

  it('RandomContrast scales distances from the channel mean and clips to valueRange', async () => {
    const l = nr.layers.randomContrast({ factor: [1, 1], valueRange: [0, 20], seed: 11 });
    // factor range [1 - 1, 1 + 1] = [0, 2]: read the drawn factor from pixel 11, which no k in [0, 2] clips
    const v = await run(l, img());
    const mean = 7.5;
    const k = (v[11] - mean) / (11 - mean);
    expect(k).toBeGreaterThanOrEqual(0);
    expect(k).toBeLessThanOrEqual(2);
    expectClose(v, grid((r, c) => Math.min(Math.max((4 * r + c - mean) * k + mean, 0), 20)), 1e-4, 1e-5, 'contrast');
  });

  it('validates its options', () => {
    expect(() => nr.layers.randomFlip({ mode: 'diagonal' as never })).toThrow(/mode/);
    expect(() => nr.layers.randomRotation({ factor: [0.3, 0.1] })).toThrow(/factor/);
    expect(() => nr.layers.randomZoom({ heightFactor: [-1, 0] })).toThrow(/> -1/);
    expect(() => nr.layers.randomContrast({ factor: 2 })).toThrow(/factor/);
    expect(() => nr.layers.randomTranslation({ heightFactor: 0.1, widthFactor: 0.1, fillMode: 'mirror' as never })).toThrow(/fillMode/);
  });
});
