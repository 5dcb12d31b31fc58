// Keras 3 layers added for real files: 1-D reshaping, Group/UnitNormalization, 1-D transposed/depthwise/separable convs, Resizing, CenterCrop.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { checkLayer } from '../helpers/check_layer.js';
import { checkGradient, expectClose, testBackends } from '../helpers/check_op.js';

// made by test/fixtures/make_layer_fixtures_extra.py (PyTorch, float64)
const F = JSON.parse(
  readFileSync(new URL('../fixtures/layers_extra.json', import.meta.url), 'utf8'),
) as Record<string, Record<string, number[]>>;

async function out(layer: nr.layers.Layer, x: nr.Tensor, training = false): Promise<number[]> {
  const y = layer.apply(x, { training }) as nr.Tensor;
  const v = Array.from(await y.data());
  y.dispose();
  return v;
}

describe('layer checks', () => {
  it.each([
    ['UpSampling1D', () => nr.layers.upSampling1d({ size: 3 }), [2, 4, 3], [2, 12, 3]],
    ['ZeroPadding1D', () => nr.layers.zeroPadding1d({ padding: [2, 1] }), [2, 4, 3], [2, 7, 3]],
    ['Cropping1D', () => nr.layers.cropping1d({ cropping: [1, 2] }), [2, 6, 3], [2, 3, 3]],
    ['GroupNormalization', () => nr.layers.groupNormalization({ groups: 2 }), [2, 3, 4], [2, 3, 4]],
    ['GroupNormalization axis 1', () => nr.layers.groupNormalization({ groups: 3, axis: 1 }), [2, 6, 2], [2, 6, 2]],
    ['UnitNormalization', () => nr.layers.unitNormalization({ axis: [1, 2] }), [2, 3, 4], [2, 3, 4]],
    ['Conv1DTranspose same', () => nr.layers.conv1dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' }), [2, 5, 3], [2, 10, 2]],
    ['Conv1DTranspose channelsFirst', () => nr.layers.conv1dTranspose({ filters: 2, kernelSize: 2, dataFormat: 'channelsFirst' }), [2, 3, 5], [2, 2, 6]],
    ['DepthwiseConv1D', () => nr.layers.depthwiseConv1d({ kernelSize: 3, depthMultiplier: 2, padding: 'causal' }), [2, 5, 3], [2, 5, 6]],
    ['SeparableConv1D', () => nr.layers.separableConv1d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }), [2, 6, 3], [2, 6, 4]],
    ['Resizing', () => nr.layers.resizing({ height: 5, width: 3 }), [2, 4, 6, 2], [2, 5, 3, 2]],
    ['Resizing nearest, crop', () => nr.layers.resizing({ height: 2, width: 2, interpolation: 'nearest', cropToAspectRatio: true }), [2, 4, 6, 2], [2, 2, 2, 2]],
    ['CenterCrop', () => nr.layers.centerCrop({ height: 2, width: 3 }), [2, 5, 6, 1], [2, 2, 3, 1]],
  ] as const)('%s', (name, make, inputShape, expectedOutputShape) =>
    checkLayer({ name, make, inputShape: inputShape.slice(), expectedOutputShape: expectedOutputShape.slice() }),
  );
});

describe('known values', () => {
  it('UpSampling1D, ZeroPadding1D, Cropping1D', async () => {
    const x = nr.tensor([[[1], [2], [3]]]);
    expect(await out(nr.layers.upSampling1d({ size: 2 }), x)).toEqual([1, 1, 2, 2, 3, 3]);
    expect(await out(nr.layers.zeroPadding1d({ padding: [1, 2] }), x)).toEqual([0, 1, 2, 3, 0, 0]);
    expect(await out(nr.layers.cropping1d({ cropping: [1, 0] }), x)).toEqual([2, 3]);
    expect(() => nr.layers.cropping1d({ cropping: 2 }).apply(x)).toThrow(/leaves no steps/);
  });
  it('UnitNormalization: unit L2 norm, zeros stay zeros', async () => {
    const x = nr.tensor([[3, 4], [0, 0]]);
    expectClose(await out(nr.layers.unitNormalization(), x), [0.6, 0.8, 0, 0], 1e-7, 1e-6);
  });
  it('GroupNormalization matches torch group_norm', async () => {
    const c = F.groupNorm;
    const l = nr.layers.groupNormalization({ groups: 3 });
    const x = nr.tensor(c.x, c.xShape);
    l.build(x.shape.slice());
    l.setWeights([nr.tensor(c.gamma), nr.tensor(c.beta)]);
    expectClose(await out(l, x), c.y, 1e-5, 1e-4, 'groupNorm');
    expect(() => nr.layers.groupNormalization({ groups: 4 }).apply(x)).toThrow(/divide/);
  });
  it('Conv1DTranspose, DepthwiseConv1D, SeparableConv1D match torch', async () => {
    const t = F.conv1dTranspose;
    const ct = nr.layers.conv1dTranspose({ filters: 4, kernelSize: 3, strides: 2 });
    const xt = nr.tensor(t.x, [2, 5, 3]);
    ct.build(xt.shape.slice());
    ct.setWeights([nr.tensor(t.kernel, [3, 4, 3]), nr.tensor(t.bias)]);
    const yt = ct.apply(xt) as nr.Tensor;
    expect(yt.shape).toEqual(t.yShape);
    expectClose(Array.from(await yt.data()), t.y, 1e-5, 1e-4, 'conv1dTranspose');

    const d = F.depthwiseConv1d;
    const dw = nr.layers.depthwiseConv1d({ kernelSize: 3, depthMultiplier: 2, dilationRate: 2 });
    const xd = nr.tensor(d.x, [2, 7, 3]);
    dw.build(xd.shape.slice());
    dw.setWeights([nr.tensor(d.kernel, [3, 3, 2]), nr.tensor(d.bias)]);
    const yd = dw.apply(xd) as nr.Tensor;
    expect(yd.shape).toEqual(d.yShape);
    expectClose(Array.from(await yd.data()), d.y, 1e-5, 1e-4, 'depthwiseConv1d');

    const s = F.separableConv1d;
    const sep = nr.layers.separableConv1d({ filters: 4, kernelSize: 2, depthMultiplier: 2, strides: 2 });
    const xs = nr.tensor(s.x, [2, 6, 3]);
    sep.build(xs.shape.slice());
    expect(sep.weights.map((w) => w.shape)).toEqual([[2, 3, 2], [1, 6, 4], [4]]);
    sep.setWeights([nr.tensor(s.depthwise, [2, 3, 2]), nr.tensor(s.pointwise, [1, 6, 4]), nr.tensor(s.bias)]);
    const ys = sep.apply(xs) as nr.Tensor;
    expect(ys.shape).toEqual(s.yShape);
    expectClose(Array.from(await ys.data()), s.y, 1e-5, 1e-4, 'separableConv1d');
  });
  it('Resizing bilinear matches torch (half-pixel centres); CenterCrop takes the middle', async () => {
    const r = F.resizeBilinear;
    expectClose(await out(nr.layers.resizing({ height: 5, width: 3 }), nr.tensor(r.x, [1, 3, 4, 2])), r.y, 1e-5, 1e-4, 'resize');
    const img = nr.range(0, 16).reshape([4, 4, 1]);
    expect(await out(nr.layers.centerCrop({ height: 2, width: 2 }), img)).toEqual([5, 6, 9, 10]);
    // smaller than the target: resized up, as Keras does
    const up = nr.layers.centerCrop({ height: 8, width: 8 }).apply(img) as nr.Tensor;
    expect(up.shape).toEqual([8, 8, 1]);
  });
});

describe.each(testBackends())('gradients through the input on %s', (backend) => {
  it.each([
    ['GroupNormalization', () => nr.layers.groupNormalization({ groups: 2, center: false, scale: false }), [2, 3, 4]],
    ['UnitNormalization', () => nr.layers.unitNormalization(), [2, 4]],
    ['UpSampling1D', () => nr.layers.upSampling1d({ size: 2 }), [1, 3, 2]],
    ['Cropping1D', () => nr.layers.cropping1d({ cropping: [1, 1] }), [1, 4, 2]],
  ] as const)('%s', (name, make, shape) =>
    checkGradient({ name, fn: (x) => make().apply(x) as nr.Tensor, inputs: [{ shape: shape.slice() }] }, backend),
  );
});
