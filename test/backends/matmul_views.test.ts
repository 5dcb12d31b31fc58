// The matMul kernels reading operands through strided views (KernelAttrs['matMul'].views): bitwise the product of contiguous copies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, TensorInfo } from '../../src/backends/backend.js';
import { createCpuBackendSync } from '../../src/backends/cpu/index.js';
import { WasmBackend } from '../../src/backends/wasm/index.js';
import { sizeOf, stridesOf } from '../../src/core/shape.js';
import { matMulShape } from '../../src/ops/matmul.js';
import {
  broadcastView,
  matrixLayout,
  sliceView,
  type StridedView,
  transposeView,
} from '../../src/core/strided.js';
import { transposeWriteView } from '../../src/core/jit/fuse_matmul.js';
import { rng } from '../helpers/check_op.js';
import { splittingWasmBackend } from '../helpers/wasm_backend.js';

/** A wasm backend whose pool has `threads` threads and splits every product it can. */
async function wasmBackend(threads: number): Promise<WasmBackend> {
  return (await splittingWasmBackend(threads)).backend;
}

/** An operand: its source buffer's shape and the view (of the logical shape `shape`) read from it. */
interface ViewOperand {
  readonly source: number[];
  readonly shape: number[];
  readonly view: StridedView;
}

/** x.transpose(perm) of a source shaped `source`. */
function transposed(source: number[], perm: number[]): ViewOperand {
  return { source, shape: perm.map((p) => source[p]), view: transposeView(source, perm) };
}

/** x.slice(begin, size) of a source shaped `source`. */
function sliced(source: number[], begin: number[], size: number[]): ViewOperand {
  return {
    source,
    shape: size,
    view: sliceView(
      source,
      begin,
      source.map(() => 1),
    ),
  };
}

/** x.broadcastTo(shape) of a source shaped `source`. */
function broadcast(source: number[], shape: number[]): ViewOperand {
  return { source, shape, view: broadcastView(source, shape) };
}

/** A row-major operand (no view). */
function plain(shape: number[]): ViewOperand {
  return { source: shape, shape, view: { offset: 0, strides: stridesOf(shape) } };
}

function randomValues(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
}

/** The view's elements in logical row-major order (what copyStrided writes). */
function gather(src: Float32Array, o: ViewOperand): Float32Array {
  const n = sizeOf(o.shape);
  const out = new Float32Array(n);
  const strides = stridesOf(o.shape);
  for (let i = 0; i < n; i++) {
    let at = o.view.offset;
    for (let d = 0; d < o.shape.length; d++)
      at += (Math.floor(i / strides[d]) % o.shape[d]) * o.view.strides[d];
    out[i] = src[at];
  }
  return out;
}

/** C through the views and C of contiguous copies, on one backend. */
function bothWays(
  backend: Backend,
  a: ViewOperand,
  b: ViewOperand,
  transposeA: boolean,
  transposeB: boolean,
  outShape: number[],
  seed: number,
): [Float32Array, Float32Array] {
  const aSrc = randomValues(sizeOf(a.source), seed);
  const bSrc = randomValues(sizeOf(b.source), seed + 1);
  const info = (values: Float32Array, shape: number[]): TensorInfo => ({
    dataId: backend.write(values, 'float32'),
    shape,
    dtype: 'float32',
  });
  const attrs = { transposeA, transposeB, outShape, activation: 'linear' as const };
  const run = (x: TensorInfo, y: TensorInfo, views?: [StridedView, StridedView]): Float32Array => {
    const id = backend.run('matMul', [x, y], views ? { ...attrs, views } : attrs);
    const out = Float32Array.from(backend.readSync(id));
    backend.free(id);
    return out;
  };
  const infos = [
    info(aSrc, a.shape),
    info(bSrc, b.shape),
    info(gather(aSrc, a), a.shape),
    info(gather(bSrc, b), b.shape),
  ];
  const viewed = run(infos[0], infos[1], [a.view, b.view]);
  const copied = run(infos[2], infos[3]);
  for (const t of infos) backend.free(t.dataId);
  return [viewed, copied];
}

function expectBitwise(x: Float32Array, y: Float32Array, what: string): void {
  expect(x.length, what).toBe(y.length);
  for (let i = 0; i < x.length; i++)
    if (!Object.is(x[i], y[i])) expect.fail(`${what}[${i}]: ${x[i]} vs ${y[i]}`);
}

/** A product case: operands, flags and output shape. */
interface Case {
  readonly name: string;
  readonly a: ViewOperand;
  readonly b: ViewOperand;
  readonly tA: boolean;
  readonly tB: boolean;
  readonly out: number[];
}

// attention's shapes: q, k, v [B, T, H, dh] seen as [B, H, T, dh]
const B = 2;
const T = 24;
const H = 3;
const DH = 16;
const heads = (t: number, d: number): ViewOperand => transposed([B, t, H, d], [0, 2, 1, 3]);

const CASES: Case[] = [
  {
    name: 'q·kᵀ, both heads views',
    a: heads(T, DH),
    b: heads(T, DH),
    tA: false,
    tB: true,
    out: [B, H, T, T],
  },
  {
    name: 'p·v or dS·k: B a heads view',
    a: plain([B, H, T, T]),
    b: heads(T, DH),
    tA: false,
    tB: false,
    out: [B, H, T, DH],
  },
  {
    name: 'dSᵀ·q or pᵀ·dC: transposeA, B a heads view',
    a: plain([B, H, T, T]),
    b: heads(T, DH),
    tA: true,
    tB: false,
    out: [B, H, T, DH],
  },
  {
    name: 'a transposed matrix, transposeA',
    a: transposed([36, 40], [1, 0]),
    b: plain([40, 28]),
    tA: true,
    tB: false,
    out: [36, 28],
  },
  {
    name: 'a transposed matrix as A',
    a: transposed([40, 36], [1, 0]),
    b: plain([40, 28]),
    tA: false,
    tB: false,
    out: [36, 28],
  },
  {
    name: 'a transposed B, transposeB',
    a: plain([20, 40]),
    b: transposed([40, 36], [1, 0]),
    tA: false,
    tB: true,
    out: [20, 36],
  },
  {
    name: 'both transposed, both flags',
    a: transposed([36, 40], [1, 0]),
    b: transposed([40, 28], [1, 0]),
    tA: true,
    tB: true,
    out: [36, 28],
  },
  {
    name: 'column slices (a row stride)',
    a: sliced([30, 50], [2, 5], [28, 40]),
    b: sliced([45, 33], [1, 0], [40, 32]),
    tA: false,
    tB: false,
    out: [28, 32],
  },
  {
    name: 'K over one block (k = 520)',
    a: transposed([520, 12], [1, 0]),
    b: plain([520, 20]),
    tA: false,
    tB: false,
    out: [12, 20],
  },
  {
    name: 'batch broadcast: one B for all batches',
    a: heads(T, DH),
    b: plain([DH, 12]),
    tA: false,
    tB: false,
    out: [B, H, T, 12],
  },
  {
    name: 'batch broadcast: a broadcastTo view',
    a: plain([3, 20, 24]),
    b: broadcast([24, 28], [3, 24, 28]),
    tA: false,
    tB: false,
    out: [3, 20, 28],
  },
  {
    name: 'a sliced batch',
    a: sliced([4, 20, 24], [1, 0, 0], [2, 20, 24]),
    b: transposed([2, 28, 24], [0, 2, 1]),
    tA: false,
    tB: false,
    out: [2, 20, 28],
  },
];

// GEMV-sized products (1-4 rows): A and B views, B stored either way, with either flag
for (const m of [1, 2, 3, 4])
  for (const tB of [false, true]) {
    CASES.push({
      name: `GEMV ${m} rows, transposed-storage B, transposeB=${tB}`,
      a: transposed([96, m], [1, 0]),
      b: tB ? transposed([96, 80], [1, 0]) : transposed([80, 96], [1, 0]),
      tA: false,
      tB,
      out: [m, 80],
    });
    CASES.push({
      name: `GEMV ${m} rows, sliced B, transposeB=${tB}`,
      a: sliced([m + 2, 100], [1, 4], [m, 96]),
      b: tB ? sliced([80, 100], [0, 3], [80, 96]) : sliced([96, 90], [0, 6], [96, 80]),
      tA: false,
      tB,
      out: [m, 80],
    });
  }

const backends: [string, () => Promise<Backend>][] = [
  ['cpu', async () => createCpuBackendSync()],
  ['wasm, 1 thread', () => wasmBackend(1)],
  ['wasm, 2 threads', () => wasmBackend(2)],
];

for (const [label, make] of backends) {
  describe(`matMul through views on ${label}`, () => {
    let backend: Backend;
    beforeAll(async () => {
      backend = await make();
    });
    afterAll(() => {
      if (backend instanceof WasmBackend) backend.dispose();
    });

    it('declares the capability the fusion pass asks for', () => {
      expect(backend.matMulViews).toBe(true);
    });

    CASES.forEach((c, i) => {
      it(`${c.name}: bitwise the product of contiguous copies`, () => {
        expect(matMulShape(c.a.shape, c.b.shape, c.tA, c.tB)).toEqual(c.out);
        const [viewed, copied] = bothWays(backend, c.a, c.b, c.tA, c.tB, c.out, 11 + 7 * i);
        expectBitwise(viewed, copied, c.name);
      });
    });
  });
}

/** An output case: A, B (row-major), flags, C's shape and the transpose C is written in. */
interface OutCase {
  readonly name: string;
  readonly a: number[];
  readonly b: number[];
  readonly tA: boolean;
  readonly tB: boolean;
  readonly out: number[];
  readonly perm: number[];
  readonly bias?: boolean;
}

const OUT_CASES: OutCase[] = [
  {
    name: 'attention context back to [B, T, H, dh]',
    a: [B, H, T, T],
    b: [B, H, T, DH],
    tA: false,
    tB: false,
    out: [B, H, T, DH],
    perm: [0, 2, 1, 3],
  },
  {
    name: 'a gradient with transposeA',
    a: [B, H, T, T],
    b: [B, H, T, DH],
    tA: true,
    tB: false,
    out: [B, H, T, DH],
    perm: [0, 2, 1, 3],
  },
  {
    name: 'with a bias and relu epilogue',
    a: [3, 2, 20, 24],
    b: [24, 28],
    tA: false,
    tB: false,
    out: [3, 2, 20, 28],
    perm: [1, 0, 2, 3],
    bias: true,
  },
  {
    name: 'K over one block',
    a: [2, 12, 520],
    b: [2, 520, 20],
    tA: false,
    tB: false,
    out: [2, 12, 20],
    perm: [1, 0, 2],
  },
  ...[1, 2, 3, 4].map((m) => ({
    name: `GEMV ${m} rows`,
    a: [5, m, 96],
    b: [5, 80, 96],
    tA: false,
    tB: true,
    out: [5, m, 80],
    perm: [1, 0, 2],
  })),
];

/** x (row-major, of `shape`) transposed by `perm`, row-major. */
function permute(x: Float32Array, shape: number[], perm: number[]): Float32Array {
  const view = transposeView(shape, perm);
  return gather(x, { source: shape, shape: perm.map((p) => shape[p]), view });
}

for (const [label, make] of backends) {
  describe(`matMul writing C through a view on ${label}`, () => {
    let backend: Backend;
    beforeAll(async () => {
      backend = await make();
    });
    afterAll(() => {
      if (backend instanceof WasmBackend) backend.dispose();
    });

    OUT_CASES.forEach((c, i) => {
      it(`${c.name}: bitwise the transposed product`, () => {
        expect(matMulShape(c.a, c.b, c.tA, c.tB)).toEqual(c.out);
        const n = c.out[c.out.length - 1];
        const info = (values: Float32Array, shape: number[]): TensorInfo => ({
          dataId: backend.write(values, 'float32'),
          shape,
          dtype: 'float32',
        });
        const inputs = [
          info(randomValues(sizeOf(c.a), 40 + i), c.a),
          info(randomValues(sizeOf(c.b), 41 + i), c.b),
          ...(c.bias ? [info(randomValues(n, 42 + i), [n])] : []),
        ];
        const attrs = {
          transposeA: c.tA,
          transposeB: c.tB,
          outShape: c.out,
          activation: c.bias ? ('relu' as const) : ('linear' as const),
        };
        const read = (id: ReturnType<Backend['write']>): Float32Array => {
          const out = Float32Array.from(backend.readSync(id));
          backend.free(id);
          return out;
        };
        const plainC = read(backend.run('matMul', inputs, attrs));
        const outView = transposeWriteView(
          c.out,
          c.perm.map((p) => c.out[p]),
          transposeView(c.out, c.perm),
        );
        expect(outView).not.toBeNull();
        const written = read(
          backend.run('matMul', inputs, { ...attrs, outView: outView ?? undefined }),
        );
        for (const t of inputs) backend.free(t.dataId);
        expectBitwise(written, permute(plainC, c.out, c.perm), c.name);
      });
    });
  });
}

describe('matrixLayout', () => {
  it('reads a transposed matrix and per-batch offsets', () => {
    const l = matrixLayout([2, 3, 4], transposeView([2, 4, 3], [0, 2, 1]));
    expect(l && { ...l, offsets: Array.from(l.offsets) }).toEqual({
      offsets: [0, 12],
      rowStride: 1,
      colStride: 3,
    });
  });

  it('declines a matrix with no unit stride and negative strides', () => {
    // every other column of a [4, 6] matrix: row stride 6, column stride 2
    expect(matrixLayout([4, 3], { offset: 0, strides: [6, 2] })).toBeNull();
    expect(matrixLayout([4, 3], { offset: 9, strides: [-3, 1] })).toBeNull();
  });

  it('transposeWriteView inverts a transpose: where each input element lands in its output', () => {
    // y = x.transpose([1, 0]) of x [2, 3]: x[i, j] is y[j, i], at j·2 + i
    expect(transposeWriteView([2, 3], [3, 2], transposeView([2, 3], [1, 0]))).toEqual({
      offset: 0,
      strides: [1, 2],
    });
    expect(transposeWriteView([2, 3], [3, 2], { offset: 1, strides: [1, 3] })).toBeNull();
  });

  it('takes any stride along an axis of length 1', () => {
    const l = matrixLayout([1, 5], { offset: 2, strides: [0, 7] });
    expect(l && { row: l.rowStride, col: l.colStride }).toEqual({ row: 1, col: 7 });
  });
});
