// The one layer checker: output shape vs computeOutputShape, weights, config round trip, symbolic call, a training step.
import { expect } from 'vitest';
import * as nr from '../../src/node.js';
import type { Layer } from '../../src/layers/layer.js';
import { deserializeLayer } from '../../src/layers/registry.js';
import { expectClose, rng } from './check_op.js';

/** One layer check. */
export interface LayerCheck {
  /** Shown in the test list. */
  name: string;
  make: () => Layer;
  /** Concrete input shape(s), batch included. */
  inputShape: number[] | number[][];
  inputDtype?: nr.DType;
  /** Range of random inputs (ints drawn in [min, max)). Default [-1, 1]. */
  inputRange?: [number, number];
  expectedOutputShape?: number[] | number[][];
  /** Shapes of `layer.weights`, in order. */
  expectedWeightShapes?: number[][];
  /** Check that one SGD step on the layer's trainable weights lowers a loss (default: when it has any). */
  trainStep?: boolean;
  /** Call options for the check (e.g. { training: false }). */
  callArgs?: { training?: boolean };
}

function randomInput(
  shape: number[],
  dtype: nr.DType,
  range: [number, number],
  seed: number,
): nr.Tensor {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: n }, () => {
    const v = range[0] + (range[1] - range[0]) * r();
    return dtype === 'float32' ? v : Math.floor(v);
  });
  return nr.tensor(values, shape, dtype);
}

const shapesOf = (t: nr.Tensor | nr.Tensor[]) =>
  Array.isArray(t) ? t.map((x) => x.shape.slice()) : t.shape.slice();

/** Runs every check of the layer protocol on one layer configuration. */
export async function checkLayer(c: LayerCheck): Promise<void> {
  const multi = Array.isArray(c.inputShape[0]);
  const shapes = (multi ? c.inputShape : [c.inputShape]) as number[][];
  const dtype = c.inputDtype ?? 'float32';
  const inputs = shapes.map((s, i) => randomInput(s, dtype, c.inputRange ?? [-1, 1], 100 + i));
  const x = multi ? inputs : inputs[0];
  const layer = c.make();
  const kwargs = { training: false, ...c.callArgs };
  const y = layer.apply(x, kwargs);

  // 1. output shape agrees with computeOutputShape (batch dimension left unknown)
  const declared = layer.computeOutputShape(
    multi ? shapes.map((s) => [null, ...s.slice(1)]) : [null, ...shapes[0].slice(1)],
  );
  const withBatch = (s: (number | null)[]) =>
    s.map((d, i) => (i === 0 && d === null ? shapes[0][0] : d));
  const declaredConcrete = Array.isArray(declared[0])
    ? (declared as (number | null)[][]).map(withBatch)
    : withBatch(declared as (number | null)[]);
  expect(shapesOf(y), `${c.name}: output shape vs computeOutputShape`).toEqual(declaredConcrete);
  if (c.expectedOutputShape)
    expect(shapesOf(y), `${c.name}: output shape`).toEqual(c.expectedOutputShape);

  // 2. weights
  if (c.expectedWeightShapes)
    expect(
      layer.weights.map((w) => w.shape.slice()),
      `${c.name}: weight shapes`,
    ).toEqual(c.expectedWeightShapes);
  expect(layer.countParams()).toBe(layer.weights.reduce((n, w) => n + w.size, 0));

  // 3. config round trip: same outputs with the same weights
  const config = layer.getConfig();
  const json = JSON.parse(JSON.stringify(config));
  json.name = `${layer.name}_copy`;
  const copy = deserializeLayer({ className: layer.getClassName(), config: json });
  const y2 = copy.apply(x, kwargs);
  copy.setWeights(layer.getWeights());
  const y3 = copy.apply(x, kwargs);
  const outs = Array.isArray(y) ? y : [y];
  const outs3 = Array.isArray(y3) ? y3 : [y3];
  for (const [i, o] of outs.entries())
    expectClose(
      Array.from(await outs3[i].data()),
      Array.from(await o.data()),
      1e-5,
      1e-5,
      `${c.name}: output after config round trip`,
    );

  // 4. symbolic call gives the same shape
  const sym = shapes.map((s) => nr.input({ shape: s.slice(1), dtype }));
  const ys = c.make().apply(multi ? sym : sym[0], kwargs);
  const symShapes = Array.isArray(ys) ? ys.map((t) => t.shape) : ys.shape;
  expect(symShapes, `${c.name}: symbolic output shape`).toEqual(declared);

  // 5. one training step lowers a loss
  const trainable = layer.trainableWeights;
  if ((c.trainStep ?? true) && trainable.length) {
    const target = nr.tidy(() =>
      outs.map((o, i) => randomInput(o.shape.slice(), 'float32', [-1, 1], 500 + i)),
    );
    const lossOf = () =>
      nr.tidy(() => {
        const out = layer.apply(x, { training: false });
        const list = Array.isArray(out) ? out : [out];
        return list
          .map((o, i) => o.cast('float32').sub(target[i]).square().mean())
          .reduce((a, b) => a.add(b));
      });
    const before = lossOf();
    nr.tidy(() => {
      const { grads } = nr.variableGrads(lossOf, trainable);
      for (const v of trainable) v.assign(v.sub(grads[v.name].mul(0.01)));
    });
    const after = lossOf();
    expect((await after.data())[0], `${c.name}: loss after one SGD step`).toBeLessThan(
      (await before.data())[0],
    );
    nr.dispose([target, before, after]);
  }
  nr.dispose([inputs, y, y2, y3]);
  layer.dispose();
  copy.dispose();
}
