// tf.spectral: fft, ifft, rfft, irfft over the innermost axis, on the one `fft` primitive over complex pairs.
//
// The primitive transforms float32 pairs [..., n, 2] (a complex64 tensor's zero-copy view, ops/complex.ts)
// along n, forward (unnormalised) or inverse (divided by n), in O(n log n) for every n: backends use
// radix-2 for powers of two and Bluestein's chirp-z otherwise. rfft and irfft are compositions: a real
// signal made complex and transformed, then its first n/2 + 1 bins; irfft rebuilds the Hermitian
// spectrum from them and keeps the real part of its inverse.
import type { TensorLike } from '../core/dtype.js';
import { ENGINE } from '../core/engine.js';
import { ArgumentError, DTypeError, ShapeError, show } from '../core/errors.js';
import { tidy } from '../core/memory.js';
import { one, type RuleTable } from '../core/primitives.js';
import type { Tensor } from '../core/tensor.js';
import * as ops from './all.js';
import { complex, imag, real } from './complex.js';
import { fromPairs, pairs } from './complex_view.js';
import { toTensor } from './convert.js';

type Operand = Tensor | TensorLike;

function complexArg(op: string, input: Operand): Tensor {
  const x = toTensor(input, op, 'input');
  if (x.dtype !== 'complex64')
    throw new DTypeError(
      `${op}: input must be complex64 (make one with nr.complex(real, imag)), received '${x.dtype}'`,
    );
  if (x.rank < 1)
    throw new ShapeError(`${op}: input must have rank >= 1, received shape ${show(x.shape)}`);
  return x;
}

// in one scope with the argument's conversion, so plain values given as input are freed with it
function transform(op: string, input: Operand, inverse: boolean): Tensor {
  return tidy(() => fromPairs(ENGINE.run1('fft', [pairs(complexArg(op, input))], { inverse })));
}

/**
 * The discrete Fourier transform over the innermost axis of a complex64 tensor (unnormalised):
 * X[k] = sum_j x[j] e^{-2 pi i jk/n}.
 * @example nr.spectral.fft(nr.complex([1, 2], [0, 0])) // [3 + 0j, -1 + 0j]
 */
export function fft(input: Operand): Tensor {
  return transform('fft', input, false);
}

/**
 * The inverse discrete Fourier transform over the innermost axis: x[j] = (1/n) sum_k X[k] e^{2 pi i jk/n}.
 * @example nr.spectral.ifft(nr.spectral.fft(c)) // c
 */
export function ifft(input: Operand): Tensor {
  return transform('ifft', input, true);
}

/**
 * The Fourier transform of a real signal over its innermost axis: the n/2 + 1 non-redundant bins
 * (n = fftLength, default the axis' length; the signal is cropped or zero-padded to it).
 * @example nr.spectral.rfft(nr.tensor([1, 2, 3])) // 2 bins: [6 + 0j, -1.5 + 0.866j]
 */
export function rfft(input: Operand, fftLength?: number): Tensor {
  return tidy(() => {
    const x = toTensor(input, 'rfft', 'input');
    if (x.dtype === 'complex64')
      throw new DTypeError("rfft: input must be real (float32), received 'complex64'");
    if (x.rank < 1)
      throw new ShapeError(`rfft: input must have rank >= 1, received shape ${show(x.shape)}`);
    const inner = x.shape[x.rank - 1];
    const n = fftLength ?? inner;
    if (!Number.isInteger(n) || n < 1)
      throw new ArgumentError(
        `rfft: fftLength must be a positive integer, received ${show(fftLength)}`,
      );
    let signal = x.cast('float32');
    const lead = x.shape.slice(0, -1);
    if (n < inner) signal = ops.slice(signal, lead.map(() => 0).concat(0), [...lead, n]);
    else if (n > inner)
      signal = ops.pad(signal, [...lead.map((): [number, number] => [0, 0]), [0, n - inner]]);
    const spectrum = fft(complex(signal, ops.zerosLike(signal)));
    const bins = Math.floor(n / 2) + 1;
    return ops.slice(spectrum, lead.map(() => 0).concat(0), [...lead, bins]);
  });
}

/**
 * The real signal whose rfft is `input` (m bins): the inverse transform of the Hermitian spectrum they
 * define, of length 2(m - 1) (m when m ≤ 2, as tfjs).
 * @example nr.spectral.irfft(nr.spectral.rfft(nr.tensor([1, 2, 3, 4]))) // [1, 2, 3, 4]
 */
export function irfft(input: Operand): Tensor {
  return tidy(() => {
    const x = complexArg('irfft', input);
    const m = x.shape[x.rank - 1];
    if (m <= 2) return real(ifft(x));
    const lead = x.shape.slice(0, -1);
    const start = [...lead.map(() => 0), 1];
    const size = [...lead, m - 2];
    const re = real(x);
    const im = imag(x);
    // X[n - k] = conj(X[k]) for k = 1 .. m - 2
    const reTail = ops.reverse(ops.slice(re, start, size), -1);
    const imTail = ops.reverse(ops.slice(im, start, size), -1).neg();
    const full = complex(ops.concat([re, reTail], -1), ops.concat([im, imTail], -1));
    return real(ifft(full));
  });
}

/** tf.spectral: fft, ifft, rfft, irfft. @example nr.spectral.rfft(nr.tensor([1, 0, 0, 0])) */
export const spectral = { fft, ifft, rfft, irfft };

/**
 * The fft rule. The transform F is linear; the adjoint of the unnormalised DFT is its conjugate
 * transpose, n · ifft, and the adjoint of ifft = F^H / n is F / n. On the real pairs the adjoint of a
 * complex-linear map is the real transpose, which is exactly that conjugate transpose.
 */
export const spectralRules = {
  fft: {
    forward: (b, [x], { inverse }) => {
      if (x.dtype !== 'float32' || x.shape.length < 2 || x.shape[x.shape.length - 1] !== 2)
        throw new ShapeError(
          `fft: input must be float32 pairs [..., n, 2], received ${x.dtype} ${show(x.shape)}`,
        );
      return one(b.run('fft', [x], { inverse }), x.shape, 'float32');
    },
    vjp: ([dy], [x], _y, { inverse }) => {
      const n = x.shape[x.shape.length - 2];
      const back = ENGINE.run1('fft', [dy], { inverse: !inverse });
      return [back.mul(inverse ? 1 / n : n)];
    },
  },
} satisfies Pick<RuleTable, 'fft'>;
