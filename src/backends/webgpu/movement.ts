// WebGPU movement kernels: strided copy and its adjoint, concat, constant pad. They move 32-bit words, so
// one pipeline serves every dtype (f32, i32 and bool-as-u32 are all copied as u32 bits).
import type { DType } from '../../core/dtype.js';
import { sizeOf, stridesOf, type Shape } from '../../core/shape.js';
import type { DataId, TensorInfo } from '../backend.js';
import { dispatch1D, type GpuProgramHost, main1D, uniformDecl } from './program.js';
import type { SomeHostKernels } from '../kernel_table.js';

const WG = 64;

/** WGSL turning flat index `i` into the offset `off` of a strided view: uniforms [.., offset at `base`, shape, strides]. */
function stridedOffset(rank: number, base: number): string {
  return `  var rem = i;
  var off = ui(${base}u);
  for (var d = ${rank - 1}; d >= 0; d--) {
    let dim = uu(${base + 1}u + u32(d));
    off += i32(rem % dim) * ui(${base + 1 + rank}u + u32(d));
    rem = rem / dim;
  }`;
}

/**
 * out[idx] = x.flat[offset + idx·strides] (strides may be negative or 0).
 * @example copyStrided(host, x, [3, 2], 0, [1, 3]) // a transpose of a [2, 3] x
 */
export function copyStrided(
  host: GpuProgramHost,
  x: TensorInfo,
  outShape: Shape,
  offset: number,
  strides: readonly number[],
): DataId {
  const n = sizeOf(outShape);
  const rank = outShape.length;
  const wgsl = `@group(0) @binding(0) var<storage, read> xs: array<u32>;
@group(0) @binding(1) var<storage, read_write> ys: array<u32>;
${uniformDecl(2, 2 + 2 * rank)}
${main1D(WG)}
  if (i >= uu(0u)) { return; }
${stridedOffset(rank, 1)}
  ys[i] = xs[off];
}`;
  return host.dispatch({
    key: `copyStrided:${rank}`,
    wgsl,
    inputs: [x],
    output: { dtype: x.dtype, size: n },
    uniforms: new Int32Array([n, offset, ...outShape, ...strides]),
    dispatch: dispatch1D(n, WG),
  });
}

/**
 * The adjoint of copyStrided for non-overlapping maps: zeros of `size`, out[offset + idx·strides] = dy[idx].
 * @example scatterStrided(host, dy, 6, 0, [1, 3])
 */
export function scatterStrided(
  host: GpuProgramHost,
  dy: TensorInfo,
  size: number,
  offset: number,
  strides: readonly number[],
): DataId {
  const n = sizeOf(dy.shape);
  const rank = dy.shape.length;
  const wgsl = `@group(0) @binding(0) var<storage, read> xs: array<u32>;
@group(0) @binding(1) var<storage, read_write> ys: array<u32>;
${uniformDecl(2, 2 + 2 * rank)}
${main1D(WG)}
  if (i >= uu(0u)) { return; }
${stridedOffset(rank, 1)}
  ys[off] = xs[i];
}`;
  return host.dispatch({
    key: `scatterStrided:${rank}`,
    wgsl,
    inputs: [dy],
    output: { dtype: dy.dtype, size },
    uniforms: new Int32Array([n, offset, ...dy.shape, ...strides]),
    dispatch: dispatch1D(n, WG),
    zeroOutput: true,
  });
}

/** Inputs one concat program reads (storage-buffer bindings per stage, less the output). */
function concatFanIn(host: GpuProgramHost): number {
  return Math.max(2, Math.min(8, host.gpu.limits.maxStorageBuffersPerShaderStage - 1));
}

/**
 * Joins tensors along `axis`. Each output element finds its input by column; more inputs than one
 * program may bind are joined in groups first.
 * @example concat(host, [a, b], 1, [2, 5])
 */
export function concat(
  host: GpuProgramHost,
  xs: readonly TensorInfo[],
  axis: number,
  outShape: Shape,
): DataId {
  const fanIn = concatFanIn(host);
  if (xs.length > fanIn) {
    // Join the first group, then the partial result with the rest.
    const head = xs.slice(0, fanIn);
    const headShape = outShape.slice();
    headShape[axis] = head.reduce((s, x) => s + x.shape[axis], 0);
    const part = concat(host, head, axis, headShape);
    const joined = concat(
      host,
      [{ dataId: part, shape: headShape, dtype: xs[0].dtype }, ...xs.slice(fanIn)],
      axis,
      outShape,
    );
    host.free(part);
    return joined;
  }
  const n = sizeOf(outShape);
  const outRow = sizeOf(outShape.slice(axis));
  const starts = [0];
  for (const x of xs) starts.push(starts[starts.length - 1] + sizeOf(x.shape.slice(axis)));
  const k = xs.length;
  const decls = xs
    .map((_, j) => `@group(0) @binding(${j}) var<storage, read> x${j}: array<u32>;`)
    .join('\n');
  // Which input holds column c: the last j with starts[j] <= c.
  const picks = xs
    .map((_, j) => {
      const row = `(uu(${3 + j}u) - uu(${2 + j}u))`;
      return `  if (c < uu(${3 + j}u)) { ys[i] = x${j}[o * ${row} + c - uu(${2 + j}u)]; return; }`;
    })
    .join('\n');
  const wgsl = `${decls}
@group(0) @binding(${k}) var<storage, read_write> ys: array<u32>;
${uniformDecl(k + 1, 3 + k)}
${main1D(WG)}
  if (i >= uu(0u)) { return; }
  let o = i / uu(1u);
  let c = i % uu(1u);
${picks}
}`;
  return host.dispatch({
    key: `concat:${k}`,
    wgsl,
    inputs: xs,
    output: { dtype: xs[0].dtype, size: n },
    uniforms: new Int32Array([n, Math.max(outRow, 1), ...starts]),
    dispatch: dispatch1D(n, WG),
  });
}

/**
 * The 32-bit pattern of `value` stored as `dtype` (f32 bits, i32, or bool 0/1).
 * @example valueBits(1, 'float32') // 0x3f800000
 */
export function valueBits(value: number, dtype: DType): number {
  if (dtype === 'float32') return new Int32Array(new Float32Array([value]).buffer)[0];
  if (dtype === 'int32') return value | 0;
  return value ? 1 : 0;
}

/**
 * Pads x with a constant: out = value outside the interior window, x inside.
 * @example padConstant(host, x, [[1, 1]], 0, [4])
 */
export function padConstant(
  host: GpuProgramHost,
  x: TensorInfo,
  paddings: readonly (readonly [number, number])[],
  value: number,
  outShape: Shape,
): DataId {
  const n = sizeOf(outShape);
  const rank = outShape.length;
  const xStrides = stridesOf(x.shape);
  // uniforms: [n, value bits, outShape, padBefore, xShape, xStrides]
  const wgsl = `@group(0) @binding(0) var<storage, read> xs: array<u32>;
@group(0) @binding(1) var<storage, read_write> ys: array<u32>;
${uniformDecl(2, 2 + 4 * rank)}
${main1D(WG)}
  if (i >= uu(0u)) { return; }
  var rem = i;
  var off = 0u;
  var inside = true;
  for (var d = ${rank - 1}; d >= 0; d--) {
    let dim = uu(2u + u32(d));
    let c = i32(rem % dim) - ui(${2 + rank}u + u32(d));
    rem = rem / dim;
    if (c < 0 || c >= ui(${2 + 2 * rank}u + u32(d))) { inside = false; }
    off += u32(max(c, 0)) * uu(${2 + 3 * rank}u + u32(d));
  }
  ys[i] = select(uu(1u), xs[off], inside);
}`;
  return host.dispatch({
    key: `padConstant:${rank}`,
    wgsl,
    inputs: [x],
    output: { dtype: x.dtype, size: n },
    uniforms: new Int32Array([
      n,
      valueBits(value, x.dtype),
      ...outShape,
      ...paddings.map((p) => p[0]),
      ...x.shape,
      ...xStrides,
    ]),
    dispatch: dispatch1D(n, WG),
  });
}

/** The movement kernels of the WebGPU table. @example GPU_MOVEMENT.concat(host, [a, b], { axis: 0, outShape: [4] }) */
export const GPU_MOVEMENT = {
  copyStrided: (h, [x], a) => copyStrided(h, x, a.outShape, a.offset, a.strides),
  scatterStrided: (h, [dy], a) => scatterStrided(h, dy, a.size, a.offset, a.strides),
  concat: (h, xs, a) => concat(h, xs, a.axis, a.outShape),
  padConstant: (h, [x], a) => padConstant(h, x, a.paddings, a.value, a.outShape),
} satisfies SomeHostKernels<GpuProgramHost>;
