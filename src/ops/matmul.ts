// Linear algebra ops: batched matMul (one primitive), and dot, outerProduct and einsum composed from it.
import type { FusedActivation } from '../backends/backend.js';
import { type DType, type TensorLike, upcast } from '../core/dtype.js';
import { ENGINE } from '../core/engine.js';
import { ArgumentError, DTypeError, ShapeError, show } from '../core/errors.js';
import { tidy } from '../core/memory.js';
import { one, type RuleTable } from '../core/primitives.js';
import type { Shape } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { toTensor } from './convert.js';
import { activationGrad } from './fused_activation.js';

type Operand = Tensor | TensorLike;

/** Batch dims of two matmul operands broadcast with numpy rules (right-aligned). */
function batchShape(a: Shape, b: Shape, tA: boolean, tB: boolean): number[] {
  const ba = a.slice(0, -2);
  const bb = b.slice(0, -2);
  const rank = Math.max(ba.length, bb.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = ba[ba.length - rank + i] ?? 1;
    const db = bb[bb.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `matMul: batch dimensions do not broadcast: a is ${show(a)}, b is ${show(b)} (transposeA=${tA}, transposeB=${tB})`,
      );
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

/**
 * Output shape of op(a) · op(b) for rank >= 2 operands: [...broadcast batch, m, n].
 * @example matMulShape([2, 3], [4, 3], false, true) // [2, 4]
 */
export function matMulShape(
  a: Shape,
  b: Shape,
  transposeA: boolean,
  transposeB: boolean,
): number[] {
  const ra = a.length;
  const rb = b.length;
  const m = transposeA ? a[ra - 1] : a[ra - 2];
  const ka = transposeA ? a[ra - 2] : a[ra - 1];
  const kb = transposeB ? b[rb - 1] : b[rb - 2];
  const n = transposeB ? b[rb - 2] : b[rb - 1];
  if (ka !== kb) {
    throw new ShapeError(
      `matMul: inner dimensions differ: a is ${show(a)}, b is ${show(b)} (transposeA=${transposeA}, transposeB=${transposeB})`,
    );
  }
  return [...batchShape(a, b, transposeA, transposeB), m, n];
}

function numericDType(op: string, a: Tensor, b: Tensor): DType {
  const dt = upcast(a.dtype, b.dtype);
  if (dt === 'bool')
    throw new DTypeError(
      `${op}: expects float32 or int32 inputs, received '${a.dtype}' and '${b.dtype}'`,
    );
  return dt;
}

function castTo(x: Tensor, dtype: DType): Tensor {
  return x.dtype === dtype ? x : x.cast(dtype);
}

function operands(
  op: string,
  a: Operand,
  b: Operand,
  names: readonly [string, string] = ['a', 'b'],
): [Tensor, Tensor] {
  const at = toTensor(a, op, names[0], b instanceof Tensor ? b.dtype : undefined);
  const bt = toTensor(b, op, names[1], at.dtype);
  const dt = numericDType(op, at, bt);
  return [castTo(at, dt), castTo(bt, dt)];
}

/**
 * Matrix product of the last two dimensions, batch dimensions broadcasting (numpy rules). Both operands
 * need rank >= 2 (use `dot` for vectors); mixed dtypes are upcast.
 * @example nr.matMul(nr.ones([2, 3]), nr.ones([3, 4])).shape // [2, 4]
 * @example nr.matMul(x, w, false, true) // x · wᵀ
 */
export function matMul(a: Operand, b: Operand, transposeA = false, transposeB = false): Tensor {
  return matMulWith(a, b, transposeA, transposeB);
}

/**
 * matMul with an optional fused epilogue (bias along the last axis, then an activation): the primitive
 * behind `matMul` and `fused.matMul`.
 * @example matMulWith(x, w, false, false, { bias, activation: 'relu' })
 */
export function matMulWith(
  a: Operand,
  b: Operand,
  transposeA = false,
  transposeB = false,
  epilogue?: { bias: Tensor | null; activation: FusedActivation },
): Tensor {
  return tidy(() => matMulChecked(a, b, transposeA, transposeB, epilogue));
}

function matMulChecked(
  a: Operand,
  b: Operand,
  transposeA: boolean,
  transposeB: boolean,
  epilogue?: { bias: Tensor | null; activation: FusedActivation },
): Tensor {
  const [at, bt] = operands('matMul', a, b);
  if (typeof transposeA !== 'boolean')
    throw new ArgumentError(`matMul: transposeA must be a boolean, received ${show(transposeA)}`);
  if (typeof transposeB !== 'boolean')
    throw new ArgumentError(`matMul: transposeB must be a boolean, received ${show(transposeB)}`);
  if (at.rank < 2)
    throw new ShapeError(
      `matMul: a must have rank >= 2, received rank ${at.rank} (shape ${show(at.shape)}); use dot for vectors`,
    );
  if (bt.rank < 2)
    throw new ShapeError(
      `matMul: b must have rank >= 2, received rank ${bt.rank} (shape ${show(bt.shape)}); use dot for vectors`,
    );
  matMulShape(at.shape, bt.shape, transposeA, transposeB);
  if (!epilogue) return ENGINE.run1('matMul', [at, bt], { transposeA, transposeB });
  const { bias, activation } = epilogue;
  const inputs = bias ? [at, bt, bias] : [at, bt];
  return ENGINE.run1('matMul', inputs, { transposeA, transposeB, activation });
}

/**
 * Dot product of vectors and/or matrices (ranks 1 or 2): vector·vector gives a scalar, matrix·vector a
 * vector, matrix·matrix a matrix.
 * @example nr.dot(nr.tensor([1, 2]), nr.tensor([3, 4])) // 11
 */
export function dot(t1: Operand, t2: Operand): Tensor {
  return tidy(() => dotChecked(t1, t2));
}

// tfjs names dot's arguments t1 and t2; errors use those names
function dotChecked(a: Operand, b: Operand): Tensor {
  const [at, bt] = operands('dot', a, b, ['t1', 't2']);
  for (const [name, t] of [
    ['t1', at],
    ['t2', bt],
  ] as const) {
    if (t.rank !== 1 && t.rank !== 2)
      throw new ShapeError(
        `dot: ${name} must be rank 1 or 2, received rank ${t.rank} (shape ${show(t.shape)})`,
      );
  }
  const ka = at.shape[at.rank - 1];
  const kb = bt.shape[0];
  if (ka !== kb)
    throw new ShapeError(
      `dot: inner dimensions differ: t1 is ${show(at.shape)}, t2 is ${show(bt.shape)}`,
    );
  const a2 = at.rank === 1 ? at.reshape([1, ka]) : at;
  const b2 = bt.rank === 1 ? bt.reshape([kb, 1]) : bt;
  const outShape = [
    ...(at.rank === 2 ? [at.shape[0]] : []),
    ...(bt.rank === 2 ? [bt.shape[1]] : []),
  ];
  return matMul(a2, b2).reshape(outShape);
}

/**
 * Outer product of two vectors: out[i, j] = v1[i] · v2[j].
 * @example nr.outerProduct(nr.tensor([1, 2]), nr.tensor([3, 4, 5])).shape // [2, 3]
 */
export function outerProduct(v1: Operand, v2: Operand): Tensor {
  return tidy(() => {
    const [a, b] = operands('outerProduct', v1, v2, ['v1', 'v2']);
    if (a.rank !== 1)
      throw new ShapeError(
        `outerProduct: v1 must be rank 1, received rank ${a.rank} (shape ${show(a.shape)})`,
      );
    if (b.rank !== 1)
      throw new ShapeError(
        `outerProduct: v2 must be rank 1, received rank ${b.rank} (shape ${show(b.shape)})`,
      );
    return matMul(a.reshape([a.shape[0], 1]), b.reshape([1, b.shape[0]]));
  });
}

interface EinsumSpec {
  inputs: string[];
  output: string;
}

function parseEinsum(equation: string, count: number): EinsumSpec {
  if (typeof equation !== 'string')
    throw new ArgumentError(`einsum: equation must be a string, received ${show(equation)}`);
  const eq = equation.replace(/\s+/g, '');
  if (eq.includes('...'))
    throw new ArgumentError(
      `einsum: ellipsis ('...') is not supported, received ${show(equation)}`,
    );
  if (eq.split('->').length > 2)
    throw new ArgumentError(
      `einsum: Expecting exactly one '->' in an equation that names its output (none for numpy's implicit output), received ${show(equation)}`,
    );
  if (!/^[a-zA-Z]*(,[a-zA-Z]*)*(->[a-zA-Z]*)?$/.test(eq)) {
    throw new ArgumentError(
      `einsum: equation must look like 'ij,jk->ik' (letters, commas, one '->'), received ${show(equation)}`,
    );
  }
  const [lhs, rhs] = eq.split('->');
  const inputs = lhs.split(',');
  if (inputs.length !== count)
    throw new ArgumentError(
      `einsum: Expected ${inputs.length} input tensors, received ${count}, for equation ${show(equation)}`,
    );
  if (count < 1 || count > 2)
    throw new ArgumentError(
      `einsum: Expecting 1 or 2 input tensors (more are not supported), received ${count} in ${show(equation)}`,
    );
  inputs.forEach((s, i) => {
    const dup = [...s].find((c, k) => s.indexOf(c) !== k);
    if (dup)
      throw new ArgumentError(
        `einsum: repeated index '${dup}' in operand ${i} ('${s}') (diagonals and traces) is not implemented yet, received ${show(equation)}`,
      );
  });
  let output: string;
  if (rhs === undefined) {
    // numpy's implicit mode: the indices that appear once, in alphabetical order
    const all = inputs.join('');
    output = [...new Set(all)]
      .filter((c) => all.indexOf(c) === all.lastIndexOf(c))
      .sort()
      .join('');
  } else output = rhs;
  for (const c of output) {
    if (!inputs.some((s) => s.includes(c)))
      throw new ArgumentError(
        `einsum: output index '${c}' appears in no operand, received ${show(equation)}`,
      );
    if (output.indexOf(c) !== output.lastIndexOf(c))
      throw new ArgumentError(
        `einsum: output index '${c}' is repeated, received ${show(equation)}`,
      );
  }
  return { inputs, output };
}

/** Sums the axes of x whose index letter is not in `keep`; returns the result and its letters. */
function sumOut(x: Tensor, sub: string, keep: string): [Tensor, string] {
  const axes = [...sub].flatMap((c, i) => (keep.includes(c) ? [] : [i]));
  if (!axes.length) return [x, sub];
  return [x.sum(axes), [...sub].filter((c) => keep.includes(c)).join('')];
}

/** Transposes x (indexed by `sub`) so its letters come in `order`. */
function arrange(x: Tensor, sub: string, order: string): Tensor {
  const perm = [...order].map((c) => sub.indexOf(c));
  return perm.every((p, i) => p === i) ? x : x.transpose(perm);
}

/**
 * Einstein summation for one or two operands, composed from sum, transpose, reshape and matMul:
 * matmul, batched matmul, transpose, outer and inner products, sums over indices. Indices must have
 * equal sizes in every operand (no broadcasting); ellipsis and repeated indices in one operand
 * (diagonals, traces) are not supported. Without '->' the output is numpy's implicit one.
 * @example nr.einsum('ij,jk->ik', a, b) // matMul(a, b)
 * @example nr.einsum('bij->bji', x) // transpose
 */
export function einsum(equation: string, ...tensors: Operand[]): Tensor {
  return tidy(() => einsumChecked(equation, tensors));
}

function einsumChecked(equation: string, tensors: readonly Operand[]): Tensor {
  const spec = parseEinsum(equation, tensors.length);
  const ts = tensors.map((t, i) => toTensor(t, 'einsum', `tensors[${i}]`));
  const size = new Map<string, number>();
  ts.forEach((t, i) => {
    const sub = spec.inputs[i];
    if (sub.length !== t.rank)
      throw new ShapeError(
        `einsum: operand ${i} ('${sub}') needs rank ${sub.length}, received rank ${t.rank} (shape ${show(t.shape)})`,
      );
    [...sub].forEach((c, k) => {
      const prev = size.get(c);
      if (prev !== undefined && prev !== t.shape[k]) {
        throw new ShapeError(
          `einsum: index '${c}' needs dimension ${prev} at axis ${k} of the input shaped ${show(t.shape)} (operand ${i}), but got ${t.shape[k]}; broadcasting is not supported`,
        );
      }
      size.set(c, t.shape[k]);
    });
  });
  const out = spec.output;
  if (ts.length === 1) {
    const [x, sub] = sumOut(ts[0], spec.inputs[0], out);
    const y = arrange(x, sub, out);
    // a new handle even for 'ij->ij', so disposing the result never frees the caller's input
    return y === ts[0] ? y.clone() : y;
  }
  const [a0, b0] = ts;
  const dt = numericDType('einsum', a0, b0);
  const [sa0, sb0] = spec.inputs;
  // indices of one operand that go nowhere else are summed out first
  const [a, sa] = sumOut(castTo(a0, dt), sa0, out + sb0);
  const [b, sb] = sumOut(castTo(b0, dt), sb0, out + sa);
  const batch = [...out].filter((c) => sa.includes(c) && sb.includes(c)).join('');
  const contract = [...sa].filter((c) => sb.includes(c) && !out.includes(c)).join('');
  const aFree = [...out].filter((c) => sa.includes(c) && !sb.includes(c)).join('');
  const bFree = [...out].filter((c) => sb.includes(c) && !sa.includes(c)).join('');
  const dims = (s: string) => [...s].map((c) => size.get(c) ?? 1);
  const prod = (s: string) => dims(s).reduce((p, d) => p * d, 1);
  const am = arrange(a, sa, batch + aFree + contract).reshape([
    prod(batch),
    prod(aFree),
    prod(contract),
  ]);
  const bm = arrange(b, sb, batch + contract + bFree).reshape([
    prod(batch),
    prod(contract),
    prod(bFree),
  ]);
  const c = matMul(am, bm).reshape([...dims(batch), ...dims(aFree), ...dims(bFree)]);
  return arrange(c, batch + aFree + bFree, out);
}

/** matMul's forward and VJP, side by side. @example ruleFor('matMul').vjp */
export const matmulRules = {
  matMul: {
    forward: (b, [x, y, bias], { transposeA, transposeB, activation = 'linear' }) => {
      const shape = matMulShape(x.shape, y.shape, transposeA, transposeB);
      const inputs = bias ? [x, y, bias] : [x, y];
      const attrs = { transposeA, transposeB, outShape: shape, activation };
      return one(b.run('matMul', inputs, attrs), shape, x.dtype);
    },
    // C = A·B: dA = dC·Bᵀ, dB = Aᵀ·dC; the transposed forms follow by transposing both sides
    // (C = Aᵀ·B: dA = B·dCᵀ; C = A·Bᵀ: dB = dCᵀ·A; C = Aᵀ·Bᵀ: dA = Bᵀ·dCᵀ, dB = dCᵀ·Aᵀ).
    // With an epilogue Y = act(C + bias): dC = act'(Y)·dY from the output, dbias = dC (the engine sums it
    // to the bias' shape). Batch dims may come back broadcast: the engine sums them to each input's shape.
    vjp: (
      [dy],
      [a, b, bias],
      [y],
      { transposeA: tA, transposeB: tB, activation = 'linear' },
      needs,
    ) => {
      const dc = activationGrad(dy, y, activation);
      let da: Tensor | null = null;
      let db: Tensor | null = null;
      if (needs[0]) da = tA ? matMul(b, dc, tB, true) : matMul(dc, b, false, !tB);
      if (needs[1]) db = tB ? matMul(dc, a, true, tA) : matMul(a, dc, !tA, false);
      return bias ? [da, db, needs[2] ? dc : null] : [da, db];
    },
  },
} satisfies Pick<RuleTable, 'matMul'>;
