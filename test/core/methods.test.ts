// Every op that takes a tensor first is also a chainable Tensor method, and the method gives the same result.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';

const METHODS = [
  ...Object.keys(nr.UNARY).filter(
    (k) => k !== 'geluTanh' && k !== 'flushSubnormal' && k !== 'f16round',
  ),
  ...Object.keys(nr.BINARY),
  'where',
  'clipByValue',
  'cast',
  'zerosLike',
  'onesLike',
  'prelu',
  'swish',
  'sum',
  'mean',
  'prod',
  'max',
  'min',
  'any',
  'all',
  'argMax',
  'argMin',
  'logSumExp',
  'norm',
  'cumsum',
  'cumprod',
  'moments',
  'reshape',
  'transpose',
  'slice',
  'stridedSlice',
  'reverse',
  'expandDims',
  'squeeze',
  'broadcastTo',
  'tile',
  'pad',
  'concat',
  'split',
  'unstack',
  'gather',
  'gatherND',
  'topk',
  'mirrorPad',
  'unsortedSegmentSum',
  'booleanMaskAsync',
  'oneHot',
  'matMul',
  'dot',
  'outerProduct',
  'conv1d',
  'conv2d',
  'conv2dTranspose',
  'depthwiseConv2d',
  'separableConv2d',
  'maxPool',
  'avgPool',
  'softmax',
  'logSoftmax',
  'batchNorm',
  'dropout',
  'localResponseNormalization',
  'resizeBilinear',
  'resizeNearestNeighbor',
  'multinomial',
  'clone',
  'dispose',
  'data',
  'dataSync',
  'array',
  'arraySync',
  'print',
  'toString',
];

describe('chainable methods', () => {
  it.each(METHODS)('Tensor has %s()', (name) => {
    expect(typeof Reflect.get(nr.Tensor.prototype, name)).toBe('function');
  });

  it('methods and functions agree', () => {
    const x = nr.tensor([
      [1, -2],
      [3, 4],
    ]);
    expect(x.relu().arraySync()).toEqual(nr.relu(x).arraySync());
    expect(x.sum(1).arraySync()).toEqual(nr.sum(x, 1).arraySync());
    expect(x.transpose().arraySync()).toEqual(nr.transpose(x).arraySync());
    expect(x.topk(1).values.arraySync()).toEqual(nr.topk(x, 1).values.arraySync());
    expect(x.matMul(x).arraySync()).toEqual(nr.matMul(x, x).arraySync());
  });
});
