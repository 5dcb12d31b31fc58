// Image ops (tfjs' `image` namespace): bilinear and nearest-neighbour resize of NHWC images, with gradients.
import type { TensorLike } from '../core/dtype.js';
import { imageOps } from './image_ops.js';
import { transform } from './image_transform.js';
import { ENGINE } from '../core/engine.js';
import { ArgumentError, DTypeError, ShapeError, show } from '../core/errors.js';
import { tidy } from '../core/memory.js';
import { one, type RuleTable } from '../core/primitives.js';
import type { Tensor } from '../core/tensor.js';
import { toTensor } from './convert.js';

type Operand = Tensor | TensorLike;

interface ResizeArgs {
  /** The images as rank 4 (a rank-3 image gets a batch of 1). */
  x: Tensor;
  rank3: boolean;
  outH: number;
  outW: number;
}

function resizeArgs(
  op: string,
  images: Operand,
  size: readonly [number, number],
  alignCorners: boolean,
  halfPixelCenters: boolean,
): ResizeArgs {
  const t = toTensor(images, op, 'images');
  if (t.rank !== 3 && t.rank !== 4)
    throw new ShapeError(
      `${op}: images must be rank 3 or 4 (NHWC), received rank ${t.rank} (shape ${show(t.shape)})`,
    );
  if (t.dtype === 'bool') throw new DTypeError(`${op}: images must be numeric, received 'bool'`);
  if (
    !Array.isArray(size) ||
    size.length !== 2 ||
    !size.every((d) => Number.isInteger(d) && d >= 1)
  ) {
    throw new ArgumentError(
      `${op}: size must be [height, width] with positive integers, received ${show(size)}`,
    );
  }
  if (typeof alignCorners !== 'boolean')
    throw new ArgumentError(
      `${op}: alignCorners must be a boolean, received ${show(alignCorners)}`,
    );
  if (typeof halfPixelCenters !== 'boolean')
    throw new ArgumentError(
      `${op}: halfPixelCenters must be a boolean, received ${show(halfPixelCenters)}`,
    );
  if (alignCorners && halfPixelCenters)
    throw new ArgumentError(
      `${op}: halfPixelCenters requires alignCorners = false, received alignCorners=true, halfPixelCenters=true`,
    );
  const rank3 = t.rank === 3;
  const x = rank3 ? t.reshape([1, ...t.shape]) : t;
  if (x.shape[1] < 1 || x.shape[2] < 1)
    throw new ShapeError(
      `${op}: images must have height and width >= 1, received shape ${show(t.shape)}`,
    );
  return { x, rank3, outH: size[0], outW: size[1] };
}

function restoreRank(y: Tensor, rank3: boolean): Tensor {
  return rank3 ? y.reshape(y.shape.slice(1)) : y;
}

/**
 * Bilinear resize of NHWC images (rank 3 or 4) to `size` = [height, width]; float32 output.
 * `alignCorners` maps corner pixel centres onto each other; `halfPixelCenters` samples at pixel centres
 * (what PyTorch's align_corners=False and OpenCV do). At most one of them may be true.
 * @example nr.image.resizeBilinear(img, [224, 224], false, true)
 */
function resizeBilinear(
  images: Operand,
  size: readonly [number, number],
  alignCorners = false,
  halfPixelCenters = false,
): Tensor {
  return tidy(() => {
    const a = resizeArgs('resizeBilinear', images, size, alignCorners, halfPixelCenters);
    const x = a.x.dtype === 'float32' ? a.x : a.x.cast('float32');
    const y = ENGINE.run1('resizeBilinear', [x], {
      outH: a.outH,
      outW: a.outW,
      alignCorners,
      halfPixelCenters,
    });
    return restoreRank(y, a.rank3);
  });
}

/**
 * Nearest-neighbour resize of NHWC images (rank 3 or 4) to `size`; keeps the dtype. With `alignCorners`
 * the source index is rounded (half away from zero), otherwise floored, as in TensorFlow.
 * @example nr.image.resizeNearestNeighbor(mask, [64, 64])
 */
function resizeNearestNeighbor(
  images: Operand,
  size: readonly [number, number],
  alignCorners = false,
  halfPixelCenters = false,
): Tensor {
  return tidy(() => {
    const a = resizeArgs('resizeNearestNeighbor', images, size, alignCorners, halfPixelCenters);
    const y = ENGINE.run1('resizeNearest', [a.x], {
      outH: a.outH,
      outW: a.outW,
      alignCorners,
      halfPixelCenters,
    });
    return restoreRank(y, a.rank3);
  });
}

/**
 * Image operations, as tfjs' `tf.image`.
 * @example const small = nr.image.resizeBilinear(img, [32, 32]);
 */
export const image = { resizeBilinear, resizeNearestNeighbor, ...imageOps, transform };

function nhwc(x: { shape: readonly number[] }, h: number, w: number): number[] {
  return [x.shape[0], h, w, x.shape[3]];
}

/** Forwards and VJPs of the resize primitives and their gradients, gathered by ops/rules.ts. */
export const imageRules = {
  resizeBilinear: {
    forward: (b, [x], { outH, outW, alignCorners, halfPixelCenters }) =>
      one(
        b.run('resizeBilinear', [x], { outH, outW, alignCorners, halfPixelCenters }),
        nhwc(x, outH, outW),
        'float32',
      ),
    // y = R x for a fixed sparse matrix R (4 taps per output pixel), so dx = Rᵀ dy
    vjp: ([dy], [x], _y, { alignCorners, halfPixelCenters }) => [
      ENGINE.run1('resizeBilinearGrad', [dy, x], { alignCorners, halfPixelCenters }),
    ],
  },
  resizeBilinearGrad: {
    forward: (b, [dy, x], { alignCorners, halfPixelCenters }) =>
      one(
        b.run('resizeBilinearGrad', [dy, x], { alignCorners, halfPixelCenters }),
        x.shape,
        'float32',
      ),
    // dx = Rᵀ dy is linear in dy, so its own adjoint is R again: d dy = R ddx. x only lends its shape: no gradient.
    vjp: ([ddx], [dy], _y, { alignCorners, halfPixelCenters }) => [
      ENGINE.run1('resizeBilinear', [ddx], {
        outH: dy.shape[1],
        outW: dy.shape[2],
        alignCorners,
        halfPixelCenters,
      }),
      null,
    ],
  },
  resizeNearest: {
    forward: (b, [x], { outH, outW, alignCorners, halfPixelCenters }) =>
      one(
        b.run('resizeNearest', [x], { outH, outW, alignCorners, halfPixelCenters }),
        nhwc(x, outH, outW),
        x.dtype,
      ),
    // y = S x for a 0/1 selection matrix S, so dx = Sᵀ dy (each dy pixel added to its source pixel)
    vjp: ([dy], [x], _y, { alignCorners, halfPixelCenters }) => [
      ENGINE.run1('resizeNearestGrad', [dy, x], { alignCorners, halfPixelCenters }),
    ],
  },
  resizeNearestGrad: {
    forward: (b, [dy, x], { alignCorners, halfPixelCenters }) =>
      one(
        b.run('resizeNearestGrad', [dy, x], { alignCorners, halfPixelCenters }),
        x.shape,
        'float32',
      ),
    // linear in dy with adjoint S: d dy = S ddx; x only lends its shape
    vjp: ([ddx], [dy], _y, { alignCorners, halfPixelCenters }) => [
      ENGINE.run1('resizeNearest', [ddx], {
        outH: dy.shape[1],
        outW: dy.shape[2],
        alignCorners,
        halfPixelCenters,
      }),
      null,
    ],
  },
} satisfies Pick<
  RuleTable,
  'resizeBilinear' | 'resizeBilinearGrad' | 'resizeNearest' | 'resizeNearestGrad'
>;
