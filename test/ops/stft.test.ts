// tf.signal.stft: frames × window, rfft'd, against numpy; default fftLength and window; gradient; errors.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { checkGradient, expectClose, testBackends } from '../helpers/check_op.js';

const SIGNAL = [1, -2, 3, 0.5, 4, -1, 2, 0];

// numpy: w = 0.5 - 0.5 cos(2π n/4) (periodic Hann); frames of 4 every 2; np.fft.rfft(frames * w, n)
const AT_4 = [
  [2.25, 0, -3, 1.25, 3.75, 0],
  [3.75, 0, -4, -0.75, 4.25, 0],
  [1.5, 0, -2, 0.5, 2.5, 0],
].flat();
const AT_8 = [
  [2.25, 0, -0.88388348, -2.46966991, -3, 1.25, 0.88388348, 3.53033009, 3.75, 0],
  [3.75, 0, 0.53033009, -3.8232233, -4, -0.75, -0.53033009, 4.1767767, 4.25, 0],
  [1.5, 0, -0.35355339, -1.64644661, -2, 0.5, 0.35355339, 2.35355339, 2.5, 0],
].flat();

describe.each(testBackends())('stft on %s', (backend) => {
  it('agrees with numpy (Hann window, default and explicit fftLength)', async () => {
    await nr.setBackend(backend);
    const a = nr.signal.stft(nr.tensor(SIGNAL), 4, 2);
    expect(a.dtype).toBe('complex64');
    expect(a.shape).toEqual([3, 3]);
    expectClose(await a.data(), AT_4, 1e-5, 1e-5, 'stft fftLength 4');
    const b = nr.signal.stft(nr.tensor(SIGNAL), 4, 2, 8);
    expect(b.shape).toEqual([3, 5]);
    expectClose(await b.data(), AT_8, 1e-5, 1e-5, 'stft fftLength 8');
    nr.dispose([a, b]);
  });

  it('takes a window function, and rounds a default fftLength up to a power of two', async () => {
    await nr.setBackend(backend);
    const ones = (n: number): nr.Tensor => nr.ones([n]);
    const s = nr.signal.stft(nr.tensor([1, 2, 3, 4, 5]), 3, 2, undefined, ones);
    // frames [1,2,3] and [3,4,5], zero-padded to 4: rfft = [6, -2-2j, 2], [12, -2-4j, 4]
    expect(s.shape).toEqual([2, 3]);
    expectClose(await s.data(), [6, 0, -2, -2, 2, 0, 12, 0, -2, -4, 4, 0], 1e-5, 1e-5, 'stft');
    s.dispose();
  });
});

describe('stft', () => {
  it('has gradients through frame, window and rfft', () =>
    checkGradient(
      {
        name: 'stft gradient',
        fn: (x) => {
          const s = nr.signal.stft(x, 4, 3, 6);
          return nr.stack([nr.real(s), nr.imag(s)]);
        },
        inputs: [{ shape: [10] }],
      },
      'cpu',
    ));

  it('refuses a bad fftLength with a typed error', () => {
    expect(() => nr.signal.stft(nr.tensor(SIGNAL), 4, 2, 0)).toThrow(nr.ArgumentError);
    expect(() => nr.signal.stft(nr.tensor(SIGNAL), 4, 2, 2.5)).toThrow(/fftLength/);
  });
});
