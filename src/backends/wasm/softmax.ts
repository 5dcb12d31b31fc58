// Softmax over the last axis in one pass: a wasm SIMD kernel over rows (with SIMD), else in JS over heap
// views for small tensors (for a batch-1 classifier the eight composed kernel calls cost more in dispatch).
import { sizeOf } from '../../core/shape.js';
import type { DataId, TensorInfo } from '../backend.js';
import { Code, F32, F64, type FuncDef, I32, V128 } from './asm.js';
import { exp, VecFn } from './simd_math.js';
import type { WasmStore } from './store.js';

/**
 * Without SIMD, up to this many elements the JS one pass wins: it costs about 36 ns an element (Math.exp in double),
 * the composed SIMD kernels about 10 µs of dispatch plus a few ns an element (measured, 1 thread:
 * [1,10] 0.6 against 7.8 µs, [4,64] 10 against 11.5, [1,512] 19 against 19, [128,10] 45 against 30).
 */
export const SOFTMAX_ONE_PASS_MAX = 256;

/**
 * softmax(x) over the last axis as softmaxComposed (ops/softmax.ts) defines it: shift by the row's max
 * (by 0 when that max is ±Inf; a NaN anywhere gives a NaN row), exp, divide by the sum. The sum is
 * accumulated in double like the reference reduction; exp runs in double and rounds once to float32.
 * @example const id = softmaxRows(store, { dataId, shape: [1, 10], dtype: 'float32' });
 */
export function softmaxRows(s: WasmStore, x: TensorInfo): DataId {
  const size = sizeOf(x.shape);
  const n = x.shape[x.shape.length - 1];
  const id = s.allocRaw('float32', size);
  // views after the allocation: a grow would detach earlier ones
  const src = s.get(x.dataId);
  const dst = s.get(id);
  for (let o = 0; o < size; o += n) {
    let m = -Infinity;
    for (let j = o; j < o + n; j++) {
      const v = src[j];
      if (v > m || v !== v) m = v;
      if (m !== m) break;
    }
    const shift = Number.isFinite(m) ? m : 0;
    let sum = 0;
    for (let j = o; j < o + n; j++) {
      const e = Math.fround(Math.exp(Math.fround(src[j] - shift)));
      dst[j] = e;
      sum += e;
    }
    const total = Math.fround(sum);
    for (let j = o; j < o + n; j++) dst[j] = dst[j] / total;
  }
  return id;
}

/**
 * rows x n softmax, rows contiguous, as softmaxComposed orders it: m = max of the row (NaN-propagating);
 * shift = m if finite, else 0; e = exp(x - shift) by the same f32x4 exp as the unary kernel, summed in
 * f64 lanes (as the SIMD sum reduction); out = e / float32(sum). Three passes over the row: max,
 * exp + sum (writing e), divide. The last n % 4 elements go through lane 0 of a vector.
 * @example softmaxCode() // the FuncDef of export 'softmax'(x, out, rows, n)
 */
export function softmaxCode(): FuncDef {
  // params 0 x, 1 out, 2 rows, 3 n; locals 4 r, 5 j, 6 m (f32), 7 sum (f64), 8 vm, 9 shift, 10 acc0,
  // 11 acc1, 12 tot, 13 vx (v128), then the exp lowerings' own
  const [x, out, rows, n] = [0, 1, 2, 3];
  const [r, j, m, sum, vm, shift, acc0, acc1, tot, vx] = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  const c = new Code();
  const f = new VecFn(c, 14);
  /** Address of element j of the row at pointer local `p`. */
  const at = (p: number): Code => c.localGet(p).localGet(j).i32Const(2).i32Shl().i32Add();
  /** A counted loop over j: whole vectors while `vectors`, else the elements left. */
  const loop = (vectors: boolean, body: () => void): void => {
    c.block().loop();
    if (vectors) c.localGet(j).i32Const(4).i32Add().localGet(n).i32GtU().brIf(1);
    else c.localGet(j).localGet(n).i32GeU().brIf(1);
    body();
    c.localGet(j)
      .i32Const(vectors ? 4 : 1)
      .i32Add()
      .localSet(j);
    c.br(0).end().end();
  };
  c.i32Const(0).localSet(r);
  c.block().loop();
  c.localGet(r).localGet(rows).i32GeU().brIf(1);
  // pass 1: the row's max
  c.f32x4Const(-Infinity).localSet(vm).i32Const(0).localSet(j);
  loop(true, () => void at(x).v128Load().localGet(vm).f32x4Max().localSet(vm));
  c.localGet(vm).f32x4ExtractLane(0).localGet(vm).f32x4ExtractLane(1).f32Max();
  c.localGet(vm).f32x4ExtractLane(2).localGet(vm).f32x4ExtractLane(3).f32Max().f32Max().localSet(m);
  loop(false, () => {
    c.localGet(m);
    at(x).f32Load().f32Max().localSet(m);
  });
  // shift = isFinite(m) ? m : 0
  c.localGet(m).f32Const(0);
  c.localGet(m).i32ReinterpretF32().i32Const(0x7fffffff).i32And().i32Const(0x7f800000).i32LtU();
  c.select().f32x4Splat().localSet(shift);
  // pass 2: e = exp(x - shift) into out, summed in f64 lanes
  c.v128Zero().localSet(acc0).v128Zero().localSet(acc1).i32Const(0).localSet(j);
  loop(true, () => {
    at(x).v128Load().localGet(shift).f32x4Sub().localSet(vx);
    const y = f.let(exp(f, vx));
    at(out).localGet(y).v128Store();
    c.localGet(acc0).localGet(y).f64x2PromoteLowF32x4().f64x2Add().localSet(acc0);
    c.localGet(acc1).localGet(y).localGet(y).f32x4Shuffle(2, 3, 0, 1).f64x2PromoteLowF32x4();
    c.f64x2Add().localSet(acc1);
  });
  c.localGet(acc0).f64x2ExtractLane(0).localGet(acc1).f64x2ExtractLane(0).f64Add();
  c.localGet(acc0).f64x2ExtractLane(1).localGet(acc1).f64x2ExtractLane(1).f64Add().f64Add();
  c.localSet(sum);
  loop(false, () => {
    at(x).v128Load32Zero().localGet(shift).f32x4Sub().localSet(vx);
    const y = f.let(exp(f, vx));
    at(out).localGet(y).f32x4ExtractLane(0).f32Store();
    c.localGet(sum).localGet(y).f32x4ExtractLane(0).f64PromoteF32().f64Add().localSet(sum);
  });
  // pass 3: divide by the float32 sum
  c.localGet(sum).f32DemoteF64().f32x4Splat().localSet(tot).i32Const(0).localSet(j);
  loop(true, () => {
    at(out);
    at(out).v128Load().localGet(tot).f32x4Div().v128Store();
  });
  loop(false, () => {
    at(out);
    at(out).f32Load().localGet(tot).f32x4ExtractLane(0).f32Div().f32Store();
  });
  const rowBytes = (): Code => c.localGet(n).i32Const(2).i32Shl();
  c.localGet(x);
  rowBytes().i32Add().localSet(x);
  c.localGet(out);
  rowBytes().i32Add().localSet(out);
  c.localGet(r).i32Const(1).i32Add().localSet(r);
  c.br(0).end().end();
  return {
    name: 'softmax',
    params: [I32, I32, I32, I32],
    results: [],
    locals: [I32, I32, F32, F64, V128, V128, V128, V128, V128, V128, ...f.locals],
    code: c,
  };
}
