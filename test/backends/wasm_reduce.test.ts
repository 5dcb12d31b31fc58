// wasm reductions, movement, broadcasting binaries and casts against the cpu reference.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend, ReduceOp, TensorInfo } from '../../src/backends/backend.js';
import { createCpuBackendSync } from '../../src/backends/cpu/index.js';
import { createWasmBackend } from '../../src/backends/wasm/index.js';
import { collapse } from '../../src/backends/wasm/movement.js';
import { reductionRuns } from '../../src/backends/wasm/reduce.js';
import type { DType, TypedArray } from '../../src/core/dtype.js';
import { rng } from '../helpers/check_op.js';
import { calls } from '../helpers/kernel_calls.js';

const cpu = createCpuBackendSync({ precision: 'float32' });
let wasm: Backend;
beforeAll(async () => {
  wasm = await createWasmBackend();
});

function put(
  b: Backend,
  shape: number[],
  values: TypedArray,
  dtype: DType = 'float32',
): TensorInfo {
  return { dataId: b.write(values, dtype), shape, dtype };
}

function randomShape(r: () => number, rank: number): number[] {
  return Array.from({ length: rank }, () => 1 + Math.floor(r() * 7));
}

function randomValues(r: () => number, n: number, nanRate = 0): Float32Array {
  return Float32Array.from({ length: n }, () => (r() < nanRate ? NaN : r() * 4 - 2));
}

/** The same kernel on both backends; returns both outputs. */
function both(
  values: TypedArray,
  shape: number[],
  run: (b: Backend, x: TensorInfo) => unknown,
  dtype: DType = 'float32',
): [TypedArray, TypedArray] {
  const out = [cpu, wasm].map((b) => {
    const id = run(b, put(b, shape, values, dtype)) as object;
    return b.readSync(id).slice();
  });
  return [out[0], out[1]];
}

function expectSame(got: TypedArray, want: TypedArray, rel: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(want[i])) expect(got[i], `${what} [${i}]`).toBeNaN();
    else
      expect(
        Math.abs(got[i] - want[i]),
        `${what} [${i}]: ${got[i]} vs ${want[i]}`,
      ).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(want[i])));
  }
}

describe('wasm reductions', () => {
  it('merges axes into [outer, mid, inner] runs', () => {
    expect(reductionRuns([2, 3, 4], [1])).toEqual({ outer: 2, mid: 3, inner: 4 });
    expect(reductionRuns([2, 3, 4], [1, 2])).toEqual({ outer: 2, mid: 12, inner: 1 });
    expect(reductionRuns([2, 1, 3, 4], [0, 2])).toEqual({ outer: 1, mid: 6, inner: 4 });
    expect(reductionRuns([2, 3, 4], [0, 2])).toBeNull();
  });

  it.each(['sum', 'prod', 'max', 'min'] as ReduceOp[])(
    '%s agrees with the reference on random shapes and axes (NaNs included)',
    (op) => {
      const r = rng(7);
      for (let t = 0; t < 60; t++) {
        const rank = 1 + Math.floor(r() * 4);
        const shape = randomShape(r, rank);
        const axes = shape.map((_, i) => i).filter(() => r() < 0.5);
        if (axes.length === 0) axes.push(Math.floor(r() * rank));
        const n = shape.reduce((a, b) => a * b, 1);
        const values = randomValues(r, n, t % 5 === 0 ? 0.05 : 0);
        const [want, got] = both(values, shape, (b, x) => calls(b).reduce(op, x, axes, 'float32'));
        expectSame(got, want, 2e-6, `${op} ${JSON.stringify(shape)} axes ${JSON.stringify(axes)}`);
      }
    },
  );

  it('row and column reductions of a [1024, 1024] matrix', () => {
    const r = rng(3);
    const values = randomValues(r, 1024 * 1024);
    for (const op of ['sum', 'max', 'min'] as ReduceOp[])
      for (const axes of [[0], [1]]) {
        const [want, got] = both(values, [1024, 1024], (b, x) =>
          calls(b).reduce(op, x, axes, 'float32'),
        );
        expectSame(got, want, 1e-6, `${op} over ${axes[0]}`);
      }
  });

  it('sums 1e6 float32 values no less accurately than the reference', () => {
    const r = rng(11);
    const n = 1_000_000;
    // positive values: the worst case for a running float32 sum
    const values = Float32Array.from({ length: n }, () => r() + 0.5);
    let exact = 0;
    for (const v of values) exact += v;
    for (const shape of [[n], [1000, 1000]]) {
      const axes = shape.map((_, i) => i);
      const [want, got] = both(values, shape, (b, x) => calls(b).reduce('sum', x, axes, 'float32'));
      const refErr = Math.abs(want[0] - exact);
      expect(Math.abs(got[0] - exact)).toBeLessThanOrEqual(refErr);
    }
    // a column sum (the bias gradient's shape): every column's error is the reference's or less
    const cols = [1000, 1000];
    const [want, got] = both(values, cols, (b, x) => calls(b).reduce('sum', x, [0], 'float32'));
    for (let j = 0; j < 1000; j += 97) {
      let e = 0;
      for (let i = 0; i < 1000; i++) e += values[i * 1000 + j];
      expect(Math.abs(got[j] - e)).toBeLessThanOrEqual(Math.abs(want[j] - e));
    }
  });

  it.each(['argMax', 'argMin'] as const)('%s agrees with the reference, first NaN wins', (op) => {
    const r = rng(5);
    for (let t = 0; t < 60; t++) {
      const rank = 1 + Math.floor(r() * 3);
      const shape = randomShape(r, rank);
      const axis = Math.floor(r() * rank);
      const n = shape.reduce((a, b) => a * b, 1);
      // few distinct values, so ties are common and the first index must win
      const values = Float32Array.from({ length: n }, () =>
        r() < (t % 4 === 0 ? 0.1 : 0) ? NaN : Math.floor(r() * 4),
      );
      const [want, got] = both(values, shape, (b, x) => calls(b).argReduce(op, x, axis));
      expect(Array.from(got), `${op} ${JSON.stringify(shape)} axis ${axis}`).toEqual(
        Array.from(want),
      );
    }
  });

  it('empty and int32 inputs fall back to the reference', () => {
    const [want, got] = both(new Float32Array(0), [0, 3], (b, x) =>
      calls(b).reduce('max', x, [0], 'float32'),
    );
    expect(Array.from(got)).toEqual(Array.from(want));
    const ints = Int32Array.from([1, 2, 3, 4, 5, 6]);
    const [wi, gi] = both(ints, [2, 3], (b, x) => calls(b).reduce('sum', x, [1], 'int32'), 'int32');
    expect(Array.from(gi)).toEqual(Array.from(wi));
  });
});

describe('wasm movement', () => {
  it('collapses dims that walk memory as one', () => {
    expect(collapse([2, 3, 4], [12, 4, 1])).toEqual({ shape: [24], strides: [1] });
    expect(collapse([2, 1, 4], [4, 99, 1])).toEqual({ shape: [8], strides: [1] });
    expect(collapse([4, 3], [1, 4])).toEqual({ shape: [4, 3], strides: [1, 4] });
  });

  it('copyStrided agrees with the reference: permutations, slices, reversals, broadcasts', () => {
    const r = rng(9);
    for (let t = 0; t < 120; t++) {
      const rank = 1 + Math.floor(r() * 4);
      const shape = randomShape(r, rank);
      shape[rank - 1] += t % 3 === 0 ? 8 : 0; // some rows wider than a 4x4 tile
      const n = shape.reduce((a, b) => a * b, 1);
      const base = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
      const dtype: DType = t % 7 === 0 ? 'bool' : t % 5 === 0 ? 'int32' : 'float32';
      const values =
        dtype === 'float32'
          ? randomValues(r, n)
          : Int32Array.from({ length: n }, () => Math.floor(r() * 2));
      const typed = dtype === 'bool' ? Uint8Array.from(values) : values;
      // a random permutation, with a step-2 slice, a reversal or a broadcast on some dims
      const perm = shape.map((_, i) => i).sort(() => r() - 0.5);
      let offset = 0;
      const outShape: number[] = [];
      const strides: number[] = [];
      for (const p of perm) {
        const kind = r();
        if (kind < 0.15 && shape[p] > 2) {
          outShape.push(Math.ceil(shape[p] / 2));
          strides.push(2 * base[p]);
        } else if (kind < 0.3) {
          offset += (shape[p] - 1) * base[p];
          outShape.push(shape[p]);
          strides.push(-base[p]);
        } else if (kind < 0.4) {
          outShape.push(3);
          strides.push(0);
        } else {
          outShape.push(shape[p]);
          strides.push(base[p]);
        }
      }
      const [want, got] = both(
        typed,
        shape,
        (b, x) => calls(b).copyStrided(x, outShape, offset, strides),
        dtype,
      );
      expect(Array.from(got), `${dtype} ${JSON.stringify([shape, outShape, strides])}`).toEqual(
        Array.from(want),
      );
    }
  });

  it('scatterStrided (a slice gradient) agrees with the reference: permuted, stepped, reversed, repeated', () => {
    const r = rng(19);
    for (let t = 0; t < 120; t++) {
      // x: the full tensor; dy: a strided view of it, scattered back into zeros of x's size
      const rank = 1 + Math.floor(r() * 4);
      const shape = randomShape(r, rank);
      shape[rank - 1] += t % 3 === 0 ? 9 : 0;
      const size = shape.reduce((a, b) => a * b, 1);
      const base = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
      const dtype: DType = t % 7 === 0 ? 'bool' : t % 5 === 0 ? 'int32' : 'float32';
      const perm = shape.map((_, i) => i).sort(() => (t % 2 === 0 ? 0 : r() - 0.5));
      let offset = 0;
      const dyShape: number[] = [];
      const strides: number[] = [];
      for (const p of perm) {
        const kind = r();
        if (kind < 0.2 && shape[p] > 2) {
          dyShape.push(Math.ceil(shape[p] / 2));
          strides.push(2 * base[p]);
        } else if (kind < 0.35) {
          offset += (shape[p] - 1) * base[p];
          dyShape.push(shape[p]);
          strides.push(-base[p]);
        } else if (kind < 0.45 && shape[p] > 1) {
          // a run of rows starting at 1 (the RNN's per-step slices)
          offset += base[p];
          dyShape.push(shape[p] - 1);
          strides.push(base[p]);
        } else if (kind < 0.5) {
          // written twice: the later write wins, as in the reference
          dyShape.push(2);
          strides.push(0);
        } else {
          dyShape.push(shape[p]);
          strides.push(base[p]);
        }
      }
      const n = dyShape.reduce((a, b) => a * b, 1);
      const values =
        dtype === 'float32'
          ? randomValues(r, n)
          : Int32Array.from({ length: n }, () => 1 + Math.floor(r() * 5));
      const typed = dtype === 'bool' ? Uint8Array.from(values, (v) => v & 1) : values;
      // twice, freeing the output, so the second lands on a reused block holding the first's values
      for (let k = 0; k < 2; k++) {
        const [want, got] = [cpu, wasm].map((b) => {
          const x = put(b, dyShape, typed, dtype);
          const id = b.run('scatterStrided', [x], { size, offset, strides });
          const out = b.readSync(id).slice();
          b.free(id);
          b.free(x.dataId);
          return out;
        });
        expect(Array.from(got), `${dtype} ${JSON.stringify([shape, dyShape, strides])}`).toEqual(
          Array.from(want),
        );
      }
    }
  });

  it('transposes a [1024, 1024] matrix and odd shapes exactly', () => {
    for (const [m, n] of [
      [1024, 1024],
      [5, 7],
      [13, 4],
      [1, 9],
    ]) {
      const values = randomValues(rng(m * n), m * n);
      const [want, got] = both(values, [m, n], (b, x) =>
        calls(b).copyStrided(x, [n, m], 0, [1, n]),
      );
      expect(Array.from(got)).toEqual(Array.from(want));
    }
  });

  it('concat agrees with the reference on every axis', () => {
    const r = rng(2);
    for (let t = 0; t < 30; t++) {
      const rank = 1 + Math.floor(r() * 3);
      const axis = Math.floor(r() * rank);
      const shapes = [0, 1, 2].map(() => randomShape(r, rank));
      for (const s of shapes) for (let d = 0; d < rank; d++) if (d !== axis) s[d] = shapes[0][d];
      const outShape = shapes[0].map((d, i) =>
        i === axis ? shapes.reduce((a, s) => a + s[axis], 0) : d,
      );
      const dtype: DType = t % 3 === 0 ? 'bool' : 'float32';
      const outs = [cpu, wasm].map((b) => {
        const xs = shapes.map((s) => {
          const v = randomValues(
            rng(t),
            s.reduce((a, c) => a * c, 1),
          );
          return put(
            b,
            s,
            dtype === 'bool' ? Uint8Array.from(v, (x) => (x > 0 ? 1 : 0)) : v,
            dtype,
          );
        });
        return Array.from(b.readSync(calls(b).concat(xs, axis, outShape)).slice());
      });
      expect(outs[1]).toEqual(outs[0]);
    }
  });
});

describe('wasm broadcasting binaries and casts', () => {
  it.each(['add', 'sub', 'mul', 'div', 'maximum', 'minimum'] as const)(
    '%s agrees with the reference under random broadcasts',
    (op) => {
      const r = rng(13);
      for (let t = 0; t < 60; t++) {
        const rank = 1 + Math.floor(r() * 4);
        const outShape = randomShape(r, rank);
        // each operand drops some leading dims and sets some others to 1
        const operand = (): number[] =>
          outShape.slice(Math.floor(r() * 2)).map((d) => (r() < 0.35 ? 1 : d));
        const [sa, sb] = [operand(), operand()];
        const size = (s: number[]): number => s.reduce((p, d) => p * d, 1);
        const av = randomValues(r, size(sa), 0.02);
        const bv = randomValues(r, size(sb), 0.02);
        const outs = [cpu, wasm].map((b) =>
          b
            .readSync(calls(b).binary(op, put(b, sa, av), put(b, sb, bv), outShape, 'float32'))
            .slice(),
        );
        expect(Array.from(outs[1]), `${op} ${JSON.stringify([sa, sb, outShape])}`).toEqual(
          Array.from(outs[0]),
        );
      }
    },
  );

  it('casts float32 <-> int32 as the reference does (in range)', () => {
    const r = rng(4);
    for (const n of [1, 3, 4, 7, 1000]) {
      const f = Float32Array.from({ length: n }, () => (r() - 0.5) * 2e6);
      if (n > 3) f.set([-0.5, 0.5, -1.5, NaN].slice(0, n));
      const [want, got] = both(f, [n], (b, x) => calls(b).cast(x, 'int32'));
      expect(Array.from(got)).toEqual(Array.from(want));
      const ints = Int32Array.from({ length: n }, () => Math.floor((r() - 0.5) * 2 ** 31));
      const [wf, gf] = both(ints, [n], (b, x) => calls(b).cast(x, 'float32'), 'int32');
      expect(Array.from(gf)).toEqual(Array.from(wf));
    }
  });
});
