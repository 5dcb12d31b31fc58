// The wasm 'fused' kernel against its steps run one by one with the unfused wasm kernels, bitwise: broadcast gathers, scalar lanes, bool and int32 inputs, blocks and threads.
import { describe, expect, it } from 'vitest';
import type { DataId, TensorInfo } from '../../src/backends/backend.js';
import { SimdElementwise } from '../../src/backends/wasm/elementwise.js';
import { Heap, WasmBackend, WasmStore } from '../../src/backends/wasm/index.js';
import { detectFeatures } from '../../src/backends/wasm/kernels.js';
import { WasmGemm } from '../../src/backends/wasm/matmul.js';
import { ThreadPool } from '../../src/backends/wasm/pool.js';
import type { DType } from '../../src/core/dtype.js';
import type { BinaryOp, UnaryOp } from '../../src/core/elementwise_table.js';
import { type FusedStep, makeProgram } from '../../src/core/fusion/program.js';
import { broadcastShapes, sizeOf, type Shape } from '../../src/core/shape.js';
import { rng } from '../helpers/check_op.js';

/** A wasm backend with `threads` threads; elementwise ops split from `parallelMin` floats. */
async function makeBackend(threads: number, parallelMin?: number): Promise<WasmBackend> {
  const features = await detectFeatures();
  const store = new WasmStore(new Heap(16));
  const pool = await ThreadPool.create(store.heap.memory, store.heap.shared, threads);
  const gemm = await WasmGemm.create(store, pool, features.relaxedSimd);
  const simd = await SimdElementwise.compile(store, pool);
  if (parallelMin !== undefined) simd.parallelMin = parallelMin;
  return new WasmBackend(store, features, gemm, simd, { threadPool: pool });
}

const u = (op: UnaryOp, a: number, alpha = 0): FusedStep => ({
  kind: 'unary',
  op,
  alpha,
  dtype: 'float32',
  args: [a],
});
const b = (op: BinaryOp, x: number, y: number, dtype: DType = 'float32'): FusedStep => ({
  kind: 'binary',
  op,
  dtype,
  args: [x, y],
});

/** One program and the inputs it reads (their shapes against OUT, dtypes, and the constants). */
interface Case {
  inputs: { shape: Shape; dtype: DType }[];
  constants: { dtype: DType; value: number }[];
  steps: FusedStep[];
  outputs?: number[];
  /** The output shape (default OUT). */
  out?: Shape;
}

/** 39,390 elements: two blocks of the kernel, the second starting inside a row. */
const OUT = [3, 130, 101];

const CASES: Record<string, Case> = {
  // a column, a row, the middle dim broadcast, a [1, 130, 1] and a [3, 1, 1] (small planes) operand
  everyWalk: {
    inputs: [
      { shape: OUT, dtype: 'float32' },
      { shape: [3, 130, 1], dtype: 'float32' },
      { shape: [101], dtype: 'float32' },
      { shape: [3, 1, 101], dtype: 'float32' },
      { shape: [1, 130, 1], dtype: 'float32' },
      { shape: [3, 1, 1], dtype: 'float32' },
    ],
    constants: [],
    // slots 0-5 inputs, steps from 6
    steps: [
      b('sub', 0, 1),
      b('mul', 6, 2),
      b('add', 7, 3),
      b('maximum', 8, 4),
      b('squaredDifference', 9, 5),
      u('rsqrt', 1),
      b('div', 10, 11),
      b('mul', 2, 3),
      b('add', 12, 13),
    ],
    outputs: [3, 8],
  },
  // scalars: constants read only by SIMD binaries (4 lanes), one also by pow and exp (whole blocks),
  // and a one-element input read by a binary and a unary
  scalars: {
    inputs: [
      { shape: OUT, dtype: 'float32' },
      { shape: [1], dtype: 'float32' },
    ],
    constants: [
      { dtype: 'float32', value: 0.75 },
      { dtype: 'float32', value: 1.5 },
      { dtype: 'float32', value: -2.25 },
    ],
    // slots: 0 x, 1 s, 2-4 constants, steps from 5
    steps: [
      b('mul', 0, 2),
      b('pow', 5, 3),
      b('sub', 4, 6),
      u('exp', 3),
      b('div', 7, 8),
      b('add', 9, 1),
      u('tanh', 1),
      b('mul', 10, 11),
      b('minimum', 4, 12),
    ],
  },
  // a bool column mask and a row through where and logical ops
  boolMasks: {
    inputs: [
      { shape: OUT, dtype: 'float32' },
      { shape: [3, 130, 1], dtype: 'bool' },
      { shape: [101], dtype: 'bool' },
      { shape: [3, 1, 101], dtype: 'float32' },
    ],
    constants: [{ dtype: 'float32', value: 0 }],
    // slots: 0 x, 1 column mask, 2 row mask, 3 y, 4 constant, steps from 5
    steps: [
      { kind: 'where', dtype: 'float32', args: [1, 0, 3] },
      b('logicalAnd', 1, 2, 'bool'),
      { kind: 'where', dtype: 'float32', args: [6, 5, 4] },
      b('greater', 7, 3, 'bool'),
      { kind: 'cast', dtype: 'float32', args: [8] },
      b('add', 9, 7),
    ],
  },
  // planes of 40 elements: a broadcast input too fine for a kernel call per plane is gathered by the
  // reference loop, and a binary step reading it is not run in place
  smallPlanes: {
    out: [40, 30, 2, 20],
    inputs: [
      { shape: [40, 30, 2, 20], dtype: 'float32' },
      { shape: [40, 1, 2, 1], dtype: 'float32' },
      { shape: [30, 1, 20], dtype: 'float32' },
    ],
    constants: [],
    // slots 0-2 inputs, steps from 3
    steps: [b('mul', 0, 1), b('sub', 3, 2), b('maximum', 1, 2), b('add', 4, 5)],
    outputs: [1, 3],
  },
  // int32 broadcast operands and casts both ways
  int32: {
    inputs: [
      { shape: OUT, dtype: 'int32' },
      { shape: [3, 130, 1], dtype: 'int32' },
      { shape: [101], dtype: 'int32' },
    ],
    constants: [{ dtype: 'int32', value: 7 }],
    // slots: 0 x, 1 column, 2 row, 3 constant, steps from 4
    steps: [
      b('add', 0, 1, 'int32'),
      b('mul', 4, 2, 'int32'),
      b('mod', 5, 3, 'int32'),
      { kind: 'cast', dtype: 'float32', args: [6] },
      u('sqrt', 7),
      { kind: 'cast', dtype: 'int32', args: [8] },
      b('sub', 9, 1, 'int32'),
    ],
  },
};

function valuesOf(
  shape: Shape,
  dtype: DType,
  seed: number,
): Float32Array | Int32Array | Uint8Array {
  const r = rng(seed);
  const n = sizeOf(shape);
  if (dtype === 'bool') return Uint8Array.from({ length: n }, () => (r() < 0.5 ? 1 : 0));
  if (dtype === 'int32') return Int32Array.from({ length: n }, () => Math.floor(r() * 200) - 100);
  return Float32Array.from({ length: n }, () => Math.fround(r() * 6 - 3));
}

/** The steps one by one through the backend's own unary/binary/cast/where kernels. */
function opByOp(
  backend: WasmBackend,
  inputs: TensorInfo[],
  c: Case,
  outputs: readonly number[],
): DataId[] {
  const slots: TensorInfo[] = [...inputs];
  for (const k of c.constants) {
    const v = k.dtype === 'int32' ? Int32Array.of(k.value) : Float32Array.of(k.value);
    slots.push({ dataId: backend.write(v, k.dtype), shape: [], dtype: k.dtype });
  }
  for (const st of c.steps) {
    const args = st.args.map((a) => slots[a]);
    const dtype = st.dtype;
    // a step of broadcast or scalar operands alone has their shape unfused
    const shape = args.map((a) => a.shape).reduce((x, y) => broadcastShapes('opByOp', x, y));
    let id: DataId;
    if (st.kind === 'unary') id = backend.run('unary', args, { op: st.op, dtype, alpha: st.alpha });
    else if (st.kind === 'binary')
      id = backend.run('binary', args, { op: st.op, outShape: shape, dtype });
    else if (st.kind === 'cast') id = backend.run('cast', args, { dtype });
    else id = backend.run('where', args, { outShape: shape, dtype });
    slots.push({ dataId: id, shape, dtype });
  }
  const base = inputs.length + c.constants.length;
  return outputs.map((j) => slots[base + j].dataId);
}

/** Each output of the case, fused and op by op, on a backend. */
function runCase(backend: WasmBackend, c: Case): { fused: number[][]; plain: number[][] } {
  const infos = c.inputs.map((t, i) => ({
    dataId: backend.write(valuesOf(t.shape, t.dtype, 11 + i), t.dtype),
    shape: t.shape,
    dtype: t.dtype,
  }));
  const outputs = c.outputs ?? [c.steps.length - 1];
  const out = c.out ?? OUT;
  const program = makeProgram(
    c.inputs,
    c.constants.map((k) => k.dtype),
    c.steps,
    out,
    outputs,
  );
  const ids = backend.run('fused', infos, {
    program,
    constants: c.constants.map((k) => k.value),
    outShape: out,
    dtype: c.steps[c.steps.length - 1].dtype,
  });
  const read = (id: DataId): number[] => Array.from(backend.readSync(id));
  return { fused: ids.map(read), plain: opByOp(backend, infos, c, outputs).map(read) };
}

/** Same values bit for bit (NaN as NaN, -0 as -0). */
function expectBitwise(got: number[], want: number[], what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    if (!Object.is(got[i], want[i])) expect(got[i], `${what}[${i}]`).toBe(want[i]);
}

describe('wasm fused kernel, bitwise its unfused kernels', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: one thread, over two blocks`, async () => {
      const backend = await makeBackend(1);
      try {
        const { fused, plain } = runCase(backend, c);
        fused.forEach((f, k) => expectBitwise(f, plain[k], `${name} output ${k}`));
      } finally {
        backend.dispose();
      }
    });

    it(`${name}: two threads, op by op (every step splits) and block by block (none does)`, async () => {
      const one = await makeBackend(1);
      const want = runCase(one, c).plain;
      one.dispose();
      for (const parallelMin of [0, 1 << 30]) {
        const backend = await makeBackend(2, parallelMin);
        try {
          const { fused, plain } = runCase(backend, c);
          fused.forEach((f, k) => expectBitwise(f, want[k], `${name} min ${parallelMin} ${k}`));
          plain.forEach((p, k) => expectBitwise(p, want[k], `${name} unfused ${k}`));
        } finally {
          backend.dispose();
        }
      }
    });
  }

  it('the scalar lanes and gathers leave no buffer behind', async () => {
    const backend = await makeBackend(1);
    try {
      const before = backend.memory().numBytes;
      const c = CASES.everyWalk;
      const infos = c.inputs.map((t, i) => ({
        dataId: backend.write(valuesOf(t.shape, t.dtype, i), t.dtype),
        shape: t.shape,
        dtype: t.dtype,
      }));
      const held = backend.memory().numBytes;
      const program = makeProgram(c.inputs, [], c.steps, OUT, c.outputs);
      const ids = backend.run('fused', infos, {
        program,
        constants: [],
        outShape: OUT,
        dtype: 'float32',
      });
      for (const id of ids) backend.free(id);
      expect(backend.memory().numBytes).toBe(held);
      for (const t of infos) backend.free(t.dataId);
      expect(backend.memory().numBytes).toBe(before);
    } finally {
      backend.dispose();
    }
  });
});
