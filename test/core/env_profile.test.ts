// nr.env() flags (DEBUG, PROD, deprecation warnings, platform facts) and nr.profile's report.
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as nr from '../../src/node.js';

afterEach(() => {
  nr.env().reset();
  vi.restoreAllMocks();
});

describe('env flags', () => {
  it('gets, sets and resets flags, and knows the platform', () => {
    expect(nr.env().getBool('IS_NODE')).toBe(true);
    expect(nr.env().getBool('IS_BROWSER')).toBe(false);
    expect(nr.env().platform).toBe('node');
    expect(nr.env().getBool('DEBUG')).toBe(false);
    nr.env().set('DEBUG', true);
    expect(nr.env().get('DEBUG')).toBe(true);
    expect(nr.env().flags.DEBUG).toBe(true);
    nr.env().reset();
    expect(nr.env().getBool('DEBUG')).toBe(false);
    expect(() => nr.env().get('NO_SUCH_FLAG')).toThrow(nr.ArgumentError);
    expect(() => nr.env().set('DEBUG', 1)).toThrow(nr.DTypeError);
    expect(() => nr.env().getNumber('DEBUG')).toThrow(nr.DTypeError);
  });

  it('debug mode throws a NumericError naming the primitive; prod mode turns the checks off', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(nr.log(nr.tensor([0])).dataSync()[0]).toBe(-Infinity);
    nr.enableDebugMode();
    expect(nr.env().getBool('DEBUG')).toBe(true);
    expect(() => nr.log(nr.tensor([1, 0]))).toThrow(/log.*-Infinity in output 0 at flat index 1/);
    expect(() => nr.log(nr.tensor([1, 0]))).toThrow(nr.NumericError);
    expect(Array.from(nr.exp(nr.tensor([0])).dataSync())).toEqual([1]);
    nr.enableProdMode();
    expect(nr.env().getBool('PROD')).toBe(true);
    expect(Number.isNaN(nr.sqrt(nr.tensor([-1])).dataSync()[0])).toBe(true);
  });

  it('warns about deprecations until they are disabled', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    nr.deprecationWarn('xyz is deprecated.');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toContain('xyz is deprecated.');
    nr.disableDeprecationWarnings();
    expect(warn).toHaveBeenCalledTimes(2);
    nr.deprecationWarn('xyz is deprecated.');
    expect(warn).toHaveBeenCalledTimes(2);
  });
});

describe('profile', () => {
  it('reports new and peak bytes, new tensors and each kernel', async () => {
    const before = nr.memory().numBytes;
    const freed = await nr.profile(() => {
      const x = nr.tensor([1, 2, 3]);
      x.square().dispose();
      return x;
    });
    // the square was alive next to x for a while: the peak saw both
    expect(freed.newBytes).toBe(12);
    expect(freed.peakBytes).toBe(before + 24);
    freed.result.dispose();
    const info = await nr.profile(() => {
      const x = nr.tensor([1, 2, 3]);
      const sq = x.square();
      sq.dispose();
      return x.square().abs();
    });
    // x, square and abs stay alive: 3 tensors of 12 bytes; the disposed square took part in the peak
    expect(info.newTensors).toBe(3);
    expect(info.newBytes).toBe(36);
    expect(info.peakBytes).toBe(before + 36);
    expect(info.kernelNames).toEqual(['Square', 'Abs']);
    expect(info.kernels).toHaveLength(3);
    const k = info.kernels[2];
    expect(k.name).toBe('Abs');
    expect(k.bytesAdded).toBe(12);
    expect(k.tensorsAdded).toBe(1);
    expect(k.inputShapes).toEqual([[3]]);
    expect(k.outputShapes).toEqual([[3]]);
    expect(k.kernelTimeMs).toBeGreaterThanOrEqual(0);
    expect(Array.from(info.result.dataSync())).toEqual([1, 4, 9]);
  });

  it('follows an async function and nests', async () => {
    const outer = await nr.profile(async () => {
      await new Promise((r) => setTimeout(r, 1));
      const inner = await nr.profile(() => nr.tensor([1, 2]).neg());
      return inner;
    });
    expect(outer.result.kernelNames).toEqual(['Neg']);
    expect(outer.kernelNames).toEqual(['Neg']);
  });
});
