// wasm comparisons, logical ops, isFinite/isNaN/isInf, where and squaredDifference against the cpu reference, bit for bit.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend, DataId, TensorInfo } from '../../src/backends/backend.js';
import { createCpuBackendSync } from '../../src/backends/cpu/index.js';
import { createWasmBackend, type WasmBackend } from '../../src/backends/wasm/index.js';
import { SimdPredicates } from '../../src/backends/wasm/predicate.js';
import { forEachPlane } from '../../src/backends/wasm/broadcast.js';
import type { DType, TypedArray } from '../../src/core/dtype.js';
import type { BinaryOp, UnaryOp } from '../../src/core/elementwise_table.js';
import { broadcastShapes } from '../../src/core/shape.js';
import { rng } from '../helpers/check_op.js';

const cpu = createCpuBackendSync({ precision: 'float32' });
let wasm: Backend;
beforeAll(async () => {
  wasm = await createWasmBackend();
});

const bcast = (a: number[], b: number[]): number[] => broadcastShapes('test', a, b);
const size = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

/** Values of `dtype` with NaN, ±Inf, ±0 and ties mixed in (floats), or small ints that often tie. */
function values(r: () => number, n: number, dtype: DType): TypedArray {
  if (dtype === 'bool') return Uint8Array.from({ length: n }, () => (r() < 0.5 ? 1 : 0));
  if (dtype === 'int32') return Int32Array.from({ length: n }, () => Math.floor(r() * 7) - 3);
  const special = [NaN, Infinity, -Infinity, 0, -0, 1, 3.4028234663852886e38, 1e-45];
  return Float32Array.from({ length: n }, () =>
    r() < 0.2 ? special[Math.floor(r() * special.length)] : Math.round(r() * 8 - 4) / 2,
  );
}

/** One kernel on both backends over the same inputs; the outputs' dtypes and bits must agree. */
function expectBitwise(
  run: (b: Backend, xs: TensorInfo[]) => DataId,
  inputs: { shape: number[]; values: TypedArray; dtype: DType }[],
  what: string,
): void {
  const [want, got] = [cpu, wasm].map((b) => {
    const xs = inputs.map((x) => ({ dataId: b.write(x.values, x.dtype), ...x }));
    const out = b.readSync(run(b, xs)).slice();
    for (const x of xs) b.free(x.dataId);
    return out;
  });
  expect(got.constructor, what).toBe(want.constructor);
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    if (!Object.is(got[i], want[i]) && !(Number.isNaN(got[i]) && Number.isNaN(want[i])))
      expect(got[i], `${what} [${i}]`).toBe(want[i]);
}

/** Broadcast pairs: same shape, scalars, a column against rows, rows against a column, odd widths. */
const PAIRS: [number[], number[]][] = [
  [[7], [7]],
  [[64, 10], []],
  [[], [3, 5]],
  [
    [128, 1],
    [128, 64],
  ],
  [
    [5, 1],
    [5, 7],
  ],
  [
    [2, 3, 9],
    [3, 1],
  ],
  [
    [4, 1, 6],
    [1, 5, 1],
  ],
  [[1], [13]],
  [[2, 0, 3], [3]],
];

describe('wasm predicates agree with the reference bit for bit', () => {
  it('comparisons on float32 (NaN, ±Inf, ±0) and int32 under broadcasts', () => {
    const r = rng(5);
    const ops: BinaryOp[] = ['equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual'];
    for (const dtype of ['float32', 'int32'] as const)
      for (const [as, bs] of PAIRS) {
        const out = bcast(as, bs);
        const a = { shape: as, values: values(r, size(as), dtype), dtype };
        const b = { shape: bs, values: values(r, size(bs), dtype), dtype };
        for (const op of ops)
          expectBitwise(
            (k, [x, y]) => k.run('binary', [x, y], { op, outShape: out, dtype: 'bool' }),
            [a, b],
            `${op} ${dtype} ${as}/${bs}`,
          );
      }
  });

  it('logical ops on bool, with broadcasts', () => {
    const r = rng(6);
    for (const [as, bs] of PAIRS) {
      const out = bcast(as, bs);
      const a = { shape: as, values: values(r, size(as), 'bool'), dtype: 'bool' as const };
      const b = { shape: bs, values: values(r, size(bs), 'bool'), dtype: 'bool' as const };
      for (const op of ['logicalAnd', 'logicalOr', 'logicalXor'] as const)
        expectBitwise(
          (k, [x, y]) => k.run('binary', [x, y], { op, outShape: out, dtype: 'bool' }),
          [a, b],
          `${op} ${as}/${bs}`,
        );
    }
  });

  it('isFinite, isNaN, isInf (float32) and logicalNot (bool) on every length', () => {
    const r = rng(7);
    for (const n of [0, 1, 3, 4, 5, 17, 1280]) {
      const x = { shape: [n], values: values(r, n, 'float32'), dtype: 'float32' as const };
      const ops: UnaryOp[] = ['isFinite', 'isNaN', 'isInf'];
      for (const op of ops)
        expectBitwise(
          (k, [t]) => k.run('unary', [t], { op, dtype: 'bool', alpha: 0 }),
          [x],
          `${op} n=${n}`,
        );
      const bx = { shape: [n], values: values(r, n, 'bool'), dtype: 'bool' as const };
      expectBitwise(
        (k, [t]) => k.run('unary', [t], { op: 'logicalNot', dtype: 'bool', alpha: 0 }),
        [bx],
        `logicalNot n=${n}`,
      );
    }
  });

  it('casts to and from bool (NaN and -0 included) on every length', () => {
    const r = rng(10);
    const pairs: [DType, DType][] = [
      ['bool', 'float32'],
      ['bool', 'int32'],
      ['float32', 'bool'],
      ['int32', 'bool'],
    ];
    for (const n of [0, 1, 3, 4, 7, 1001])
      for (const [from, to] of pairs) {
        const v = values(r, n, from);
        if (from === 'bool' && n > 2) v[1] = 2; // a byte that is not 0 or 1 keeps its value, as the reference
        expectBitwise(
          (k, [t]) => k.run('cast', [t], { dtype: to }),
          [{ shape: [n], values: v, dtype: from }],
          `cast ${from}>${to} n=${n}`,
        );
      }
  });

  it('where: the RNN masks ([b,1] against [b,n] and scalars), full shapes, float32 and int32', () => {
    const r = rng(8);
    const cases: [number[], number[], number[]][] = [
      [[128, 1], [128, 64], []],
      [[128, 1], [], [128, 64]],
      [
        [128, 1],
        [128, 64],
        [128, 64],
      ],
      [
        [5, 7],
        [5, 7],
        [5, 7],
      ],
      [[], [3, 5], [3, 5]],
      [
        [2, 1, 3],
        [4, 3],
        [2, 4, 1],
      ],
      [[9], [1], [9]],
      [[3, 0], [3, 1], []],
    ];
    for (const dtype of ['float32', 'int32'] as const)
      for (const [cs, as, bs] of cases) {
        const out = bcast(bcast(cs, as), bs);
        const c = { shape: cs, values: values(r, size(cs), 'bool'), dtype: 'bool' as const };
        const a = { shape: as, values: values(r, size(as), dtype), dtype };
        const b = { shape: bs, values: values(r, size(bs), dtype), dtype };
        expectBitwise(
          (k, [x, y, z]) => k.run('where', [x, y, z], { outShape: out, dtype }),
          [c, a, b],
          `where ${dtype} ${cs}/${as}/${bs}`,
        );
      }
  });

  it('squaredDifference in double like the reference, under the SIMD binaries broadcasts', () => {
    const r = rng(9);
    const pairs: [number[], number[]][] = [
      ...PAIRS,
      [
        [64, 32, 64],
        [64, 32, 1],
      ],
      [[6, 20], [20]],
    ];
    for (const [as, bs] of pairs) {
      const out = bcast(as, bs);
      const wide = (n: number): Float32Array => {
        const v = values(r, n, 'float32') as Float32Array;
        // magnitudes far apart, so rounding a - b to float32 first would differ from the double
        for (let i = 0; i < n; i += 3) v[i] = (r() - 0.5) * 2 ** Math.floor(r() * 60 - 30);
        return v;
      };
      const a = { shape: as, values: wide(size(as)), dtype: 'float32' as const };
      const b = { shape: bs, values: wide(size(bs)), dtype: 'float32' as const };
      expectBitwise(
        (k, [x, y]) =>
          k.run('binary', [x, y], { op: 'squaredDifference', outShape: out, dtype: 'float32' }),
        [a, b],
        `squaredDifference ${as}/${bs}`,
      );
    }
  });
});

describe('SimdPredicates', () => {
  it('runs the cases above in wasm and declines other dtypes', async () => {
    const store = (wasm as WasmBackend).store;
    const p = await SimdPredicates.compile(store);
    const put = (shape: number[], dtype: DType): TensorInfo => ({
      dataId: wasm.write(values(rng(1), size(shape), dtype), dtype),
      shape,
      dtype,
    });
    const [c, f, i] = [put([4, 1], 'bool'), put([4, 3], 'float32'), put([4, 3], 'int32')];
    expect(p.where(c, f, f, [4, 3], 'float32')).not.toBeNull();
    expect(p.where(c, i, i, [4, 3], 'int32')).not.toBeNull();
    expect(p.where(f, f, f, [4, 3], 'float32')).toBeNull();
    expect(p.where(c, f, i, [4, 3], 'float32')).toBeNull();
    expect(p.binary('greater', f, f, [4, 3])).not.toBeNull();
    expect(p.binary('greater', f, i, [4, 3])).toBeNull();
    expect(p.binary('greater', c, c, [4, 1])).toBeNull();
    expect(p.binary('logicalAnd', c, c, [4, 1])).not.toBeNull();
    expect(p.binary('add', f, f, [4, 3])).toBeNull();
    expect(p.unary('isNaN', f)).not.toBeNull();
    expect(p.unary('isNaN', i)).toBeNull();
    expect(p.unary('logicalNot', c)).not.toBeNull();
    expect(p.cast(c, 'float32')).not.toBeNull();
    expect(p.cast(f, 'bool')).not.toBeNull();
    expect(p.cast(f, 'int32')).toBeNull();
  });
});

describe('forEachPlane', () => {
  it('collapses jointly and walks the outer dims', () => {
    const seen: string[] = [];
    // [2, 3, 4] of a [2, 1, 4] and a [3, 1]: no two dims merge, so dim 0 is walked here
    forEachPlane(
      [2, 3, 4],
      [
        [4, 0, 1],
        [0, 1, 0],
      ],
      (p, at, o) => seen.push(`${p.rows}x${p.cols} ${p.colStep}/${p.rowStep} ${at} ${o}`),
    );
    expect(seen).toEqual(['3x4 1,0/0,1 0,0 0', '3x4 1,0/0,1 4,0 12']);
    seen.length = 0;
    // [2, 3, 4] of a [4] and a full tensor: dims 0 and 1 merge into 6 rows
    forEachPlane(
      [2, 3, 4],
      [
        [0, 0, 1],
        [12, 4, 1],
      ],
      (p, at, o) => seen.push(`${p.rows}x${p.cols} ${p.colStep}/${p.rowStep} ${at} ${o}`),
    );
    expect(seen).toEqual(['6x4 1,1/0,4 0,0 0']);
  });
});
