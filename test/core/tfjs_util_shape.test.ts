// tf.util's shape and dtype helpers (parseAxisParam, squeezeShape, inferFromImplicitShape, ...) with tfjs semantics.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';

const u = nr.util;

describe('tf.util shape and dtype helpers', () => {
  it('parseAxisParam normalizes negative axes and refuses bad ones', () => {
    expect(u.parseAxisParam(null, [3, 1, 2])).toEqual([0, 1, 2]);
    expect(u.parseAxisParam(-1, [3, 1, 2])).toEqual([2]);
    expect(u.parseAxisParam([-1, 0], [3, 1, 2])).toEqual([2, 0]);
    expect(() => u.parseAxisParam(3, [3, 1, 2])).toThrow(nr.ArgumentError);
    expect(() => u.parseAxisParam(-4, [3, 1, 2])).toThrow(nr.ArgumentError);
    expect(() => u.parseAxisParam(0.5, [3, 1, 2])).toThrow(nr.ArgumentError);
  });

  it('squeezeShape drops size-1 dimensions, only those named when axes are given', () => {
    expect(u.squeezeShape([1, 3, 1])).toEqual({ newShape: [3], keptDims: [1] });
    expect(u.squeezeShape([1, 1, 1, 1, 4], [-2, -3])).toEqual({
      newShape: [1, 1, 4],
      keptDims: [0, 1, 4],
    });
    expect(() => u.squeezeShape([1, 2], [1])).toThrow(nr.ShapeError);
  });

  it('inferFromImplicitShape fills the one -1', () => {
    expect(u.inferFromImplicitShape([2, -1, 4], 24)).toEqual([2, 3, 4]);
    expect(u.inferFromImplicitShape([2, 3], 6)).toEqual([2, 3]);
    expect(() => u.inferFromImplicitShape([2, -1, -1], 24)).toThrow(nr.ShapeError);
    expect(() => u.inferFromImplicitShape([2, 3, -1], 13)).toThrow(nr.ShapeError);
    expect(() => u.inferFromImplicitShape([2, 3, 4], 25)).toThrow(nr.ShapeError);
  });

  it('inferDtype, hasEncodingLoss, isScalarShape, isPromise, checkConversionForErrors', () => {
    expect(u.inferDtype([[true], [false]])).toBe('bool');
    expect(u.inferDtype(new Int32Array(2))).toBe('int32');
    expect(u.inferDtype('a')).toBe('string');
    expect(u.inferDtype([1, 2])).toBe('float32');
    expect(u.hasEncodingLoss('float32', 'int32')).toBe(true);
    expect(u.hasEncodingLoss('bool', 'int32')).toBe(false);
    expect(u.hasEncodingLoss('int32', 'float32')).toBe(false);
    expect(u.isScalarShape([])).toBe(true);
    expect(u.isPromise(Promise.resolve(1))).toBe(true);
    expect(u.isPromise({ then: 1 })).toBe(false);
    expect(() => u.checkConversionForErrors([1, NaN], 'int32')).toThrow(nr.DTypeError);
  });

  it('repeatedTry resolves once the check passes and rejects after maxCounter tries', async () => {
    let n = 0;
    await u.repeatedTry(
      () => ++n === 3,
      () => 0,
    );
    expect(n).toBe(3);
    await expect(
      u.repeatedTry(
        () => false,
        () => 0,
        4,
      ),
    ).rejects.toThrow(/4 tries/);
  });
});
