// Merge layers: the layer checker for every configuration, broadcasting, masks, Dot's batch_dot shapes, errors.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { checkLayer } from '../helpers/check_layer.js';
import { expectClose } from '../helpers/check_op.js';

const L = nr.layers;
const out = (t: nr.Tensor | nr.Tensor[]) => t as nr.Tensor;

describe('merge layers (layer checker)', () => {
  it('Add of three inputs', () =>
    checkLayer({
      name: 'Add',
      make: () => L.add(),
      inputShape: [
        [2, 3],
        [2, 3],
        [2, 3],
      ],
      expectedOutputShape: [2, 3],
    }));
  it('Add broadcasting a lower-rank input', () =>
    checkLayer({
      name: 'Add broadcast',
      make: () => L.add(),
      inputShape: [
        [2, 3, 4],
        [2, 4],
      ],
      expectedOutputShape: [2, 3, 4],
    }));
  it('Subtract', () =>
    checkLayer({
      name: 'Subtract',
      make: () => L.subtract(),
      inputShape: [
        [2, 4],
        [2, 4],
      ],
      expectedOutputShape: [2, 4],
    }));
  it('Multiply with a size-1 axis', () =>
    checkLayer({
      name: 'Multiply',
      make: () => L.multiply(),
      inputShape: [
        [2, 3, 1],
        [2, 3, 4],
      ],
      expectedOutputShape: [2, 3, 4],
    }));
  it('Average', () =>
    checkLayer({
      name: 'Average',
      make: () => L.average(),
      inputShape: [
        [2, 5],
        [2, 5],
      ],
      expectedOutputShape: [2, 5],
    }));
  it('Maximum', () =>
    checkLayer({
      name: 'Maximum',
      make: () => L.maximum(),
      inputShape: [
        [2, 5],
        [2, 5],
        [2, 5],
      ],
      expectedOutputShape: [2, 5],
    }));
  it('Minimum', () =>
    checkLayer({
      name: 'Minimum',
      make: () => L.minimum(),
      inputShape: [
        [2, 5],
        [2, 5],
      ],
      expectedOutputShape: [2, 5],
    }));
  it('Concatenate on the last axis', () =>
    checkLayer({
      name: 'Concatenate',
      make: () => L.concatenate(),
      inputShape: [
        [2, 3, 2],
        [2, 3, 4],
      ],
      expectedOutputShape: [2, 3, 6],
    }));
  it('Concatenate on axis 1', () =>
    checkLayer({
      name: 'Concatenate axis 1',
      make: () => L.concatenate({ axis: 1 }),
      inputShape: [
        [2, 1, 4],
        [2, 3, 4],
        [2, 2, 4],
      ],
      expectedOutputShape: [2, 6, 4],
    }));
  it('Dot of two vectors', () =>
    checkLayer({
      name: 'Dot',
      make: () => L.dot({ axes: 1 }),
      inputShape: [
        [3, 4],
        [3, 4],
      ],
      expectedOutputShape: [3, 1],
    }));
  it('Dot axes [2, 1] of two matrices', () =>
    checkLayer({
      name: 'Dot matrices',
      make: () => L.dot({ axes: [2, 1] }),
      inputShape: [
        [2, 3, 4],
        [2, 4, 5],
      ],
      expectedOutputShape: [2, 3, 5],
    }));
  it('Dot normalize, axes [1, 2]', () =>
    checkLayer({
      name: 'Dot normalize',
      make: () => L.dot({ axes: [1, 2], normalize: true }),
      inputShape: [
        [2, 4],
        [2, 3, 4],
      ],
      expectedOutputShape: [2, 3],
    }));
});

describe('merge layers: values, masks, errors', () => {
  const a = nr.tensor([
    [1, 5],
    [3, -2],
  ]);
  const b = nr.tensor([
    [4, 2],
    [0, 1],
  ]);

  it('elementwise merges', async () => {
    expect(await out(L.add().apply([a, b])).array()).toEqual([
      [5, 7],
      [3, -1],
    ]);
    expect(await out(L.subtract().apply([a, b])).array()).toEqual([
      [-3, 3],
      [3, -3],
    ]);
    expect(await out(L.multiply().apply([a, b])).array()).toEqual([
      [4, 10],
      [0, -2],
    ]);
    expect(await out(L.average().apply([a, b])).array()).toEqual([
      [2.5, 3.5],
      [1.5, -0.5],
    ]);
    expect(await out(L.maximum().apply([a, b])).array()).toEqual([
      [4, 5],
      [3, 1],
    ]);
    expect(await out(L.minimum().apply([a, b])).array()).toEqual([
      [1, 2],
      [0, -2],
    ]);
  });

  it('a lower-rank input gets its new axes after the batch axis (Keras)', async () => {
    const x = nr.ones([2, 3, 2]);
    const y = out(
      L.add().apply([
        x,
        nr.tensor([
          [10, 20],
          [30, 40],
        ]),
      ]),
    );
    expect(await y.array()).toEqual([
      [
        [11, 21],
        [11, 21],
        [11, 21],
      ],
      [
        [31, 41],
        [31, 41],
        [31, 41],
      ],
    ]);
  });

  it('masks: OR of the input masks when every input has one', async () => {
    const ma = nr.tensor([[true, false]]);
    const mb = nr.tensor([[false, false]]);
    const x = nr.tensor([[[2], [3]]]);
    const y = nr.tensor([[[5], [7]]]);
    const sum = out(L.add().apply([x, y], { mask: [ma, mb] }));
    expect(await sum.array()).toEqual([[[7], [10]]]);
    expect(await L.getMask(sum)?.cast('int32').array()).toEqual([[1, 0]]);
    expect(L.getMask(out(L.add().apply([x, y], { mask: [ma, null] })))).toBeNull();
    // Multiply: masked entries count as 1; entries masked in every input become 0
    expect(await out(L.multiply().apply([x, y], { mask: [ma, null] })).array()).toEqual([
      [[10], [7]],
    ]);
    expect(await out(L.multiply().apply([x, y], { mask: [ma, mb] })).array()).toEqual([[[2], [0]]]);
    // Maximum / Minimum skip masked entries
    const big = nr.tensor([[[9], [9]]]);
    expect(await out(L.maximum().apply([x, big], { mask: [null, ma] })).array()).toEqual([
      [[9], [3]],
    ]);
    expect(await out(L.minimum().apply([big, x], { mask: [ma, null] })).array()).toEqual([
      [[2], [3]],
    ]);
  });

  it('Concatenate joins masks, filling unmasked inputs with true', async () => {
    const x = nr.ones([1, 2, 2]);
    const y = nr.ones([1, 3, 2]);
    const c = out(
      L.concatenate({ axis: 1 }).apply([x, y], { mask: [nr.tensor([[true, false]]), null] }),
    );
    expect(c.shape).toEqual([1, 5, 2]);
    expect(await L.getMask(c)?.cast('int32').array()).toEqual([[1, 0, 1, 1, 1]]);
    expect(L.getMask(out(L.concatenate().apply([x, x])))).toBeNull();
  });

  it('Dot values: vectors, cosine similarity, batch matrix product', async () => {
    expect(await out(L.dot({ axes: 1 }).apply([a, b])).array()).toEqual([[14], [-2]]);
    const cos = out(
      L.dot({ axes: -1, normalize: true }).apply([nr.tensor([[3, 4]]), nr.tensor([[4, 3]])]),
    );
    expectClose(await cos.data(), [24 / 25], 1e-6, 1e-6, 'cosine');
    const m = out(
      L.dot({ axes: [2, 1] }).apply([
        nr.tensor([
          [
            [1, 2],
            [3, 4],
          ],
        ]),
        nr.tensor([
          [
            [1, 0, 2],
            [0, 1, 3],
          ],
        ]),
      ]),
    );
    expect(await m.array()).toEqual([
      [
        [1, 2, 8],
        [3, 4, 18],
      ],
    ]);
    // axes [1, 1] on [b, 2, 3] and [b, 2, 4] contracts the length-2 axes: x^T y per sample
    const t = out(L.dot({ axes: 1 }).apply([nr.ones([1, 2, 3]), nr.ones([1, 2, 4])]));
    expect(t.shape).toEqual([1, 3, 4]);
    expect(Array.from(await t.data()).every((v) => v === 2)).toBe(true);
  });

  it('works inside a functional model', () => {
    const x1 = nr.input({ shape: [3] });
    const x2 = nr.input({ shape: [3] });
    const h = L.concatenate().apply([
      L.dense({ units: 2 }).apply(x1),
      L.dense({ units: 4 }).apply(x2),
    ]);
    const model = nr.model({
      inputs: [x1, x2],
      outputs: L.dot({ axes: 1 }).apply([h, L.dense({ units: 6 }).apply(x1)]),
    });
    const y = model.predict([nr.ones([5, 3]), nr.ones([5, 3])]) as nr.Tensor;
    expect(y.shape).toEqual([5, 1]);
  });

  it('errors name the layer and what it received', () => {
    expect(() => L.subtract({ name: 'sub' }).apply([a, b, a])).toThrow(
      'sub: a Subtract layer takes a list of exactly 2 inputs, received 3 (shapes [(2, 2), (2, 2), (2, 2)])',
    );
    expect(() => L.add({ name: 'add_one' }).apply([a])).toThrow(
      'add_one: a Add layer takes a list of at least 2 inputs, received 1',
    );
    expect(() => L.add({ name: 'add_bad' }).apply([a, nr.ones([2, 3])])).toThrow(
      'add_bad: inputs have incompatible shapes [(2, 2), (2, 3)]',
    );
    expect(() => L.add({ name: 'add_batch' }).apply([a, nr.ones([3, 2])])).toThrow(
      'add_batch: cannot merge tensors with different batch sizes, received shapes [(2, 2), (3, 2)]',
    );
    expect(() =>
      L.concatenate({ name: 'cat' }).apply([nr.ones([2, 3, 4]), nr.ones([2, 2, 5])]),
    ).toThrow(
      /cat: a Concatenate layer requires inputs with matching shapes except for the concatenation axis -1/,
    );
    expect(() => L.concatenate({ axis: 0, name: 'cat0' }).apply([a, b])).toThrow(
      /cat0: axis 0 is out of range/,
    );
    expect(() => L.dot({ axes: 1, name: 'dot_bad' }).apply([a, nr.ones([2, 3])])).toThrow(
      'dot_bad: incompatible input shapes: 2 (axis 1) != 3 (axis 1), received shapes [(2, 2), (2, 3)]',
    );
    expect(() => L.dot({ axes: 0, name: 'dot0' }).apply([a, b])).toThrow(
      /dot0: axes 0 must name non-batch axes/,
    );
    expect(() => L.dot({ axes: [1, 2, 3] as unknown as [number, number] })).toThrow(
      'Dot: axes must be an integer or a pair of integers, received [1,2,3]',
    );
  });
});
