// tf.signal: frames of a signal, the Hann / Hamming windows and the short-time Fourier transform, composed from existing ops.
import type { TensorLike } from '../core/dtype.js';
import { ArgumentError, ShapeError, show } from '../core/errors.js';
import { tidy } from '../core/memory.js';
import type { Tensor } from '../core/tensor.js';
import * as ops from './all.js';
import { toTensor } from './convert.js';
import { rfft } from './spectral.js';

type Operand = Tensor | TensorLike;

function cosineWindow(op: string, length: number, a: number, b: number): Tensor {
  if (!Number.isInteger(length) || length < 1)
    throw new ArgumentError(
      `${op}: windowLength must be a positive integer, received ${show(length)}`,
    );
  if (length === 1) return ops.tensor([1]);
  // Periodic window (as tfjs and TF's signal windows): denominator N, not N - 1.
  const even = 1 - (length % 2);
  const values = Array.from(
    { length },
    (_, n) => a - b * Math.cos((2 * Math.PI * n) / (length + even - 1)),
  );
  return ops.tensor(values);
}

/**
 * The Hann window of a length: 0.5 - 0.5 cos(2 pi n / N).
 * @example nr.signal.hannWindow(4) // [0, 0.5, 1, 0.5]
 */
export function hannWindow(windowLength: number): Tensor {
  return cosineWindow('hannWindow', windowLength, 0.5, 0.5);
}

/**
 * The Hamming window of a length: 0.54 - 0.46 cos(2 pi n / N).
 * @example nr.signal.hammingWindow(3)
 */
export function hammingWindow(windowLength: number): Tensor {
  return cosineWindow('hammingWindow', windowLength, 0.54, 0.46);
}

/**
 * Slides a window of frameLength over a 1-D signal by frameStep: [numFrames, frameLength]; with padEnd
 * the last frames run past the end, filled with padValue.
 * @example nr.signal.frame([1, 2, 3, 4, 5], 2, 2) // [[1, 2], [3, 4]]
 */
export function frame(
  signal: Operand,
  frameLength: number,
  frameStep: number,
  padEnd = false,
  padValue = 0,
): Tensor {
  return tidy(() => {
    const x = toTensor(signal, 'frame', 'signal');
    if (x.rank !== 1)
      throw new ShapeError(`frame: signal must have rank 1, received shape ${show(x.shape)}`);
    for (const [arg, v] of [
      ['frameLength', frameLength],
      ['frameStep', frameStep],
    ] as const)
      if (!Number.isInteger(v) || v < 1)
        throw new ArgumentError(`frame: ${arg} must be a positive integer, received ${show(v)}`);
    const n = x.shape[0];
    let count = n < frameLength ? 0 : Math.floor((n - frameLength) / frameStep) + 1;
    let src = x;
    if (padEnd) {
      count = Math.max(Math.ceil(n / frameStep), 0);
      const needed = (count - 1) * frameStep + frameLength;
      if (needed > n) src = ops.concat([x, ops.fill([needed - n], padValue, x.dtype)]);
    }
    if (count === 0) return ops.zeros([0, frameLength], x.dtype);
    const idx: number[] = [];
    for (let f = 0; f < count; f++)
      for (let k = 0; k < frameLength; k++) idx.push(f * frameStep + k);
    return ops.reshape(ops.gather(src, ops.tensor(idx, [idx.length], 'int32')), [
      count,
      frameLength,
    ]);
  });
}

/**
 * The short-time Fourier transform of a 1-D signal: frames of frameLength every frameStep, each
 * multiplied by windowFn(frameLength) (default the Hann window), then rfft'd at fftLength (default the
 * smallest power of two ≥ frameLength): complex64 [numFrames, fftLength / 2 + 1].
 * @example nr.signal.stft(nr.tensor([1, 1, 1, 1, 1]), 3, 1) // complex64 [3, 3]
 */
export function stft(
  signal: Operand,
  frameLength: number,
  frameStep: number,
  fftLength?: number,
  windowFn: (length: number) => Tensor = hannWindow,
): Tensor {
  if (fftLength !== undefined && (!Number.isInteger(fftLength) || fftLength < 1))
    throw new ArgumentError(
      `stft: fftLength must be a positive integer, received ${show(fftLength)}`,
    );
  return tidy(() => {
    const frames = frame(signal, frameLength, frameStep);
    const windowed = ops.mul(frames, windowFn(frameLength));
    return rfft(windowed, fftLength ?? 2 ** Math.ceil(Math.log2(frameLength)));
  });
}

/** tf.signal: frame, hannWindow, hammingWindow, stft. @example nr.signal.hannWindow(8) */
export const signal = { frame, hannWindow, hammingWindow, stft };
