// Moving spatial blocks to and from the batch or depth dimension: spaceToBatchND, batchToSpaceND,
// depthToSpace, composed from pad, reshape, transpose and slice (gradients come from those).
import type { TensorLike } from '../core/dtype.js';
import { ArgumentError, ShapeError, show } from '../core/errors.js';
import { tidy } from '../core/memory.js';
import type { Tensor } from '../core/tensor.js';
import * as ops from './all.js';
import { toTensor } from './convert.js';

type Operand = Tensor | TensorLike;

function checkBlocks(
  op: string,
  x: Tensor,
  blockShape: readonly number[],
  pairs: readonly (readonly number[])[],
  pairsArg: string,
): void {
  const m = blockShape.length;
  if (m < 1 || !blockShape.every((b) => Number.isInteger(b) && b >= 1))
    throw new ArgumentError(
      `${op}: blockShape must be positive integers, received ${show(blockShape)}`,
    );
  if (x.rank < m + 1)
    throw new ShapeError(
      `${op}: x must have rank > blockShape.length (${m}), received shape ${show(x.shape)}`,
    );
  if (
    pairs.length !== m ||
    !pairs.every((p) => p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 0))
  )
    throw new ArgumentError(
      `${op}: ${pairsArg} must be ${m} pairs of non-negative integers, received ${show(pairs)}`,
    );
}

/**
 * Pads the M spatial dimensions after the batch, then moves blockShape blocks of them into the batch.
 * @example nr.spaceToBatchND(x /* [1, 4, 4, 1] *\/, [2, 2], [[0, 0], [0, 0]]) // shape [4, 2, 2, 1]
 */
export function spaceToBatchND(
  x: Operand,
  blockShape: readonly number[],
  paddings: readonly (readonly number[])[],
): Tensor {
  return tidy(() => {
    const xt = toTensor(x, 'spaceToBatchND', 'x');
    checkBlocks('spaceToBatchND', xt, blockShape, paddings, 'paddings');
    const m = blockShape.length;
    const full = xt.shape.map((_, i) =>
      i >= 1 && i <= m
        ? ([paddings[i - 1][0], paddings[i - 1][1]] as [number, number])
        : ([0, 0] as [number, number]),
    );
    const padded = ops.pad(xt, full);
    const batch = xt.shape[0];
    const spatial = padded.shape.slice(1, m + 1);
    spatial.forEach((d, i) => {
      if (d % blockShape[i] !== 0)
        throw new ShapeError(
          `spaceToBatchND: padded dimension ${i + 1} (${d}) must be divisible by blockShape[${i}] (${blockShape[i]})`,
        );
    });
    const rest = xt.shape.slice(m + 1);
    const split = [
      batch,
      ...spatial.flatMap((d, i) => [d / blockShape[i], blockShape[i]]),
      ...rest,
    ];
    const perm = [
      ...blockShape.map((_, i) => 2 + 2 * i),
      0,
      ...blockShape.map((_, i) => 1 + 2 * i),
      ...rest.map((_, i) => 1 + 2 * m + i),
    ];
    const prod = blockShape.reduce((a, b) => a * b, 1);
    return ops.reshape(ops.transpose(ops.reshape(padded, split), perm), [
      batch * prod,
      ...spatial.map((d, i) => d / blockShape[i]),
      ...rest,
    ]);
  });
}

/**
 * The inverse of spaceToBatchND: moves batch blocks back into the M spatial dimensions, then crops.
 * @example nr.batchToSpaceND(x /* [4, 1, 1, 1] *\/, [2, 2], [[0, 0], [0, 0]]) // shape [1, 2, 2, 1]
 */
export function batchToSpaceND(
  x: Operand,
  blockShape: readonly number[],
  crops: readonly (readonly number[])[],
): Tensor {
  return tidy(() => {
    const xt = toTensor(x, 'batchToSpaceND', 'x');
    checkBlocks('batchToSpaceND', xt, blockShape, crops, 'crops');
    const m = blockShape.length;
    const prod = blockShape.reduce((a, b) => a * b, 1);
    const batch = xt.shape[0];
    if (batch % prod !== 0)
      throw new ShapeError(
        `batchToSpaceND: the batch (${batch}) must be divisible by the product of blockShape (${prod})`,
      );
    const spatial = xt.shape.slice(1, m + 1);
    const rest = xt.shape.slice(m + 1);
    const split = [...blockShape, batch / prod, ...spatial, ...rest];
    const perm = [
      m,
      ...spatial.flatMap((_, i) => [m + 1 + i, i]),
      ...rest.map((_, i) => 2 * m + 1 + i),
    ];
    const merged = ops.reshape(ops.transpose(ops.reshape(xt, split), perm), [
      batch / prod,
      ...spatial.map((d, i) => d * blockShape[i]),
      ...rest,
    ]);
    const begin = merged.shape.map((_, i) => (i >= 1 && i <= m ? crops[i - 1][0] : 0));
    const size = merged.shape.map((d, i) =>
      i >= 1 && i <= m ? d - crops[i - 1][0] - crops[i - 1][1] : d,
    );
    if (size.some((s) => s < 0))
      throw new ShapeError(
        `batchToSpaceND: crops ${show(crops)} remove more than the spatial size ${show(merged.shape.slice(1, m + 1))}`,
      );
    return ops.slice(merged, begin, size);
  });
}

/**
 * Rearranges depth into blockSize x blockSize spatial blocks: [b, h, w, c] -> [b, h*bs, w*bs, c/(bs*bs)].
 * @example nr.depthToSpace(x /* [1, 1, 1, 4] *\/, 2) // shape [1, 2, 2, 1]
 */
export function depthToSpace(
  x: Operand,
  blockSize: number,
  dataFormat: 'NHWC' | 'NCHW' = 'NHWC',
): Tensor {
  return tidy(() => {
    const xt = toTensor(x, 'depthToSpace', 'x');
    if (xt.rank !== 4)
      throw new ShapeError(`depthToSpace: x must have rank 4, received shape ${show(xt.shape)}`);
    if (!Number.isInteger(blockSize) || blockSize < 2)
      throw new ArgumentError(
        `depthToSpace: blockSize must be an integer >= 2, received ${show(blockSize)}`,
      );
    if (dataFormat !== 'NHWC' && dataFormat !== 'NCHW')
      throw new ArgumentError(
        `depthToSpace: dataFormat must be 'NHWC' or 'NCHW', received ${show(dataFormat)}`,
      );
    const nhwc = dataFormat === 'NHWC' ? xt : ops.transpose(xt, [0, 2, 3, 1]);
    const [b, h, w, c] = nhwc.shape;
    if (c % (blockSize * blockSize) !== 0)
      throw new ShapeError(
        `depthToSpace: depth (${c}) must be divisible by blockSize * blockSize (${blockSize * blockSize})`,
      );
    const cOut = c / (blockSize * blockSize);
    const moved = ops.reshape(
      ops.transpose(ops.reshape(nhwc, [b, h, w, blockSize, blockSize, cOut]), [0, 1, 3, 2, 4, 5]),
      [b, h * blockSize, w * blockSize, cOut],
    );
    return dataFormat === 'NHWC' ? moved : ops.transpose(moved, [0, 3, 1, 2]);
  });
}
