// Elementwise ops: unary and binary rows of the table, where, cast, and small composites (clip, prelu, oneHot).
import { type DType, isFloatDType, type TensorLike, upcast } from '../core/dtype.js';
import { ENGINE } from '../core/engine.js';
import { ArgumentError, DTypeError, ShapeError, show } from '../core/errors.js';
import { one, type RuleTable } from '../core/primitives.js';
import { broadcastShapes, shapesEqual } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { scalar } from './creation.js';
import { dtypeArg, toTensor, toTensorAny, toTensorAs } from './convert.js';
import { compareStrings, holdsStrings } from './string_compare.js';
import {
  BINARY,
  type BinaryOp,
  type BinaryRow,
  type DTypeRule,
  floatOf,
  outDType,
  UNARY,
  type UnaryOp,
} from '../core/elementwise_table.js';

type Operand = Tensor | TensorLike;

/** The dtype the kernel computes in, given the rule and the (common) input dtype. */
function computeDType(op: string, rule: DTypeRule, input: DType): DType {
  switch (rule) {
    case 'float':
      return floatOf(input);
    case 'same':
      return input === 'bool' ? 'int32' : input;
    case 'predicate':
      return input;
    case 'logical':
      if (input !== 'bool') throw new DTypeError(`${op}: expects bool inputs, received '${input}'`);
      return 'bool';
    default:
      return rule satisfies never;
  }
}

function castTo(x: Tensor, dtype: DType): Tensor {
  return x.dtype === dtype ? x : cast(x, dtype);
}

// tfjs parses plain values given to logical ops as bool (numbers by != 0)
function logicalArg(
  op: UnaryOp | BinaryOp,
  rule: DTypeRule,
  v: Operand,
  arg: string,
): Tensor | null {
  return rule === 'logical' && !(v instanceof Tensor) ? toTensorAs(v, op, arg, 'bool') : null;
}

function runUnary(op: UnaryOp, xIn: Operand, alpha = 0): Tensor {
  const x = logicalArg(op, UNARY[op].dtype, xIn, 'x') ?? toTensor(xIn, op, 'x');
  const dt = computeDType(op, UNARY[op].dtype, x.dtype);
  const xc = castTo(x, dt);
  try {
    return ENGINE.run1('unary', [xc], { op, alpha });
  } finally {
    freeTemps([xIn], [x, xc]);
  }
}

/** Disposes tensors an op created for itself (not the caller's). */
function freeTemps(given: readonly unknown[], made: readonly Tensor[]): void {
  for (const t of new Set(made)) if (!given.includes(t)) t.dispose();
}

function runBinary(op: BinaryOp, aIn: Operand, bIn: Operand): Tensor {
  const row: BinaryRow = BINARY[op];
  // comparisons are defined on strings too (bytewise order), on the host; other ops refuse them in toTensor
  if (row.dtype === 'predicate' && (holdsStrings(aIn) || holdsStrings(bIn)))
    return compareStrings(op, aIn, bIn, (order) => row.fn(order, 0));
  const [aName, bName] = row.args ?? ['a', 'b'];
  const a =
    logicalArg(op, row.dtype, aIn, aName) ??
    toTensor(aIn, op, aName, bIn instanceof Tensor ? bIn.dtype : undefined);
  let b: Tensor;
  try {
    b = logicalArg(op, row.dtype, bIn, bName) ?? toTensor(bIn, op, bName, a.dtype);
  } catch (e) {
    freeTemps([aIn], [a]);
    throw e;
  }
  const made = [a, b];
  try {
    broadcastShapes(op, a.shape, b.shape);
    const dt = computeDType(op, BINARY[op].dtype, upcast(a.dtype, b.dtype));
    const ac = castTo(a, dt);
    const bc = castTo(b, dt);
    made.push(ac, bc);
    return ENGINE.run1('binary', [ac, bc], { op });
  } finally {
    freeTemps([aIn, bIn], made);
  }
}

const unary = (op: UnaryOp) => (x: Operand) => runUnary(op, x);
const binary = (op: BinaryOp) => (a: Operand, b: Operand) => runBinary(op, a, b);

/** |x|. @example nr.abs(nr.tensor([-1, 2])) // [1, 2] */
export const abs = unary('abs');
/** -x. @example nr.neg(x) */
export const neg = unary('neg');
/** e^x. @example nr.exp(x) */
export const exp = unary('exp');
/** e^x - 1, accurate near 0. @example nr.expm1(x) */
export const expm1 = unary('expm1');
/** Natural log. @example nr.log(x) */
export const log = unary('log');
/** log(1 + x), accurate near 0. @example nr.log1p(x) */
export const log1p = unary('log1p');
/** Square root. @example nr.sqrt(x) */
export const sqrt = unary('sqrt');
/** 1 / sqrt(x). @example nr.rsqrt(x) */
export const rsqrt = unary('rsqrt');
/** x². @example nr.square(x) */
export const square = unary('square');
/** 1 / x. @example nr.reciprocal(x) */
export const reciprocal = unary('reciprocal');
/** Sine. @example nr.sin(x) */
export const sin = unary('sin');
/** Cosine. @example nr.cos(x) */
export const cos = unary('cos');
/** Tangent. @example nr.tan(x) */
export const tan = unary('tan');
/** Arcsine. @example nr.asin(x) */
export const asin = unary('asin');
/** Arccosine. @example nr.acos(x) */
export const acos = unary('acos');
/** Arctangent. @example nr.atan(x) */
export const atan = unary('atan');
/** Hyperbolic sine. @example nr.sinh(x) */
export const sinh = unary('sinh');
/** Hyperbolic cosine. @example nr.cosh(x) */
export const cosh = unary('cosh');
/** Hyperbolic tangent. @example nr.tanh(x) */
export const tanh = unary('tanh');
/** Inverse hyperbolic sine. @example nr.asinh(x) */
export const asinh = unary('asinh');
/** Inverse hyperbolic cosine. @example nr.acosh(x) */
export const acosh = unary('acosh');
/** Inverse hyperbolic tangent. @example nr.atanh(x) */
export const atanh = unary('atanh');
/** 1 / (1 + e^-x). @example nr.sigmoid(x) */
export const sigmoid = unary('sigmoid');
/** log(sigmoid(x)), stable for large |x|. @example nr.logSigmoid(x) */
export const logSigmoid = unary('logSigmoid');
/** max(x, 0). @example nr.relu(x) */
export const relu = unary('relu');
/** min(max(x, 0), 6). @example nr.relu6(x) */
export const relu6 = unary('relu6');
/** x for x > 0, else e^x - 1. @example nr.elu(x) */
export const elu = unary('elu');
/** Scaled ELU (Klambauer et al.). @example nr.selu(x) */
export const selu = unary('selu');
/** log(1 + e^x), stable. @example nr.softplus(x) */
export const softplus = unary('softplus');
/** x / (1 + |x|). @example nr.softsign(x) */
export const softsign = unary('softsign');
/** x · sigmoid(x). @example nr.silu(x) */
export const silu = unary('silu');
/** Alias of silu (Keras' swish). @example nr.swish(x) */
export const swish = silu;
/** x · tanh(softplus(x)). @example nr.mish(x) */
export const mish = unary('mish');
/** Gauss error function. @example nr.erf(x) */
export const erf = unary('erf');
/** -1, 0 or 1 by sign. @example nr.sign(x) */
export const sign = unary('sign');
/** Round down. @example nr.floor(x) */
export const floor = unary('floor');
/** Round up. @example nr.ceil(x) */
export const ceil = unary('ceil');
/** Round half to even. @example nr.round(nr.tensor([0.5, 1.5])) // [0, 2] */
export const round = unary('round');
/** Whether each value is NaN. @example nr.isNaN(x) */
export const isNaN = unary('isNaN');
/** Whether each value is ±Infinity. @example nr.isInf(x) */
export const isInf = unary('isInf');
/** Whether each value is finite. @example nr.isFinite(x) */
export const isFinite = unary('isFinite');
/** Logical not of a bool tensor. @example nr.logicalNot(mask) */
export const logicalNot = unary('logicalNot');

/** x for x > 0, else alpha · x. @example nr.leakyRelu(x, 0.1) */
export function leakyRelu(x: Operand, alpha = 0.2): Tensor {
  if (typeof alpha !== 'number' || !Number.isFinite(alpha))
    throw new ArgumentError(`leakyRelu: alpha must be a finite number, received ${show(alpha)}`);
  return runUnary('leakyRelu', x, alpha);
}

/** GELU; `approximate` uses the tanh form. @example nr.gelu(x) */
export function gelu(x: Operand, approximate = false): Tensor {
  return runUnary(approximate ? 'geluTanh' : 'gelu', x);
}

/** x for x > 0, else alpha · x with a learned (broadcast) alpha. @example nr.prelu(x, nr.scalar(0.1)) */
export function prelu(x: Operand, alpha: Operand): Tensor {
  const xt = toTensor(x, 'prelu', 'x');
  const at = toTensor(alpha, 'prelu', 'alpha', xt.dtype);
  const positive = xt.greater(0);
  const scaled = xt.mul(at);
  try {
    return where(positive, xt, scaled);
  } finally {
    freeTemps([x, alpha], [at, positive, scaled]);
  }
}

/** a + b with broadcasting. @example nr.add(nr.tensor([1, 2]), 1) // [2, 3] */
export const add = binary('add');
/** a - b. @example nr.sub(a, b) */
export const sub = binary('sub');
/** a · b. @example nr.mul(a, b) */
export const mul = binary('mul');
/** a / b (int32 / int32 floors, as in tfjs). @example nr.div(a, b) */
export const div = binary('div');
/** a / b, 0 where b is 0. @example nr.divNoNan(a, b) */
export const divNoNan = binary('divNoNan');
/** floor(a / b). @example nr.floorDiv(a, b) */
export const floorDiv = binary('floorDiv');
/** Remainder with the divisor's sign. @example nr.mod(nr.tensor([-7]), 3) // [2] */
export const mod = binary('mod');
/** a^b. @example nr.pow(x, 2) */
export const pow = binary('pow');
/** Elementwise max. @example nr.maximum(a, b) */
export const maximum = binary('maximum');
/** Elementwise min. @example nr.minimum(a, b) */
export const minimum = binary('minimum');
/** (a - b)². @example nr.squaredDifference(a, b) */
export const squaredDifference = binary('squaredDifference');
/** atan2(a, b). @example nr.atan2(y, x) */
export const atan2 = binary('atan2');
/** a == b (bool). @example nr.equal(a, b) */
export const equal = binary('equal');
/** a != b (bool). @example nr.notEqual(a, b) */
export const notEqual = binary('notEqual');
/** a < b (bool). @example nr.less(a, b) */
export const less = binary('less');
/** a <= b (bool). @example nr.lessEqual(a, b) */
export const lessEqual = binary('lessEqual');
/** a > b (bool). @example nr.greater(a, b) */
export const greater = binary('greater');
/** a >= b (bool). @example nr.greaterEqual(a, b) */
export const greaterEqual = binary('greaterEqual');
/** a AND b on bool tensors. @example nr.logicalAnd(m1, m2) */
export const logicalAnd = binary('logicalAnd');
/** a OR b on bool tensors. @example nr.logicalOr(m1, m2) */
export const logicalOr = binary('logicalOr');
/** a XOR b on bool tensors. @example nr.logicalXor(m1, m2) */
export const logicalXor = binary('logicalXor');

/**
 * Bitwise AND of two int32 tensors of the same shape (tfjs' bitwiseAnd; no broadcasting, as in tfjs).
 * @example nr.bitwiseAnd(nr.tensor1d([5, 3], 'int32'), nr.tensor1d([1, 6], 'int32')) // [1, 2]
 */
export function bitwiseAnd(x: Tensor, y: Tensor): Tensor {
  for (const [arg, t] of [
    ['x', x],
    ['y', y],
  ] as const)
    if (!(t instanceof Tensor))
      throw new ArgumentError(`bitwiseAnd: ${arg} must be a Tensor, received ${show(t)}`);
  // the shape first, then the dtype, in tfjs' order
  if (!shapesEqual(x.shape, y.shape))
    throw new ShapeError(
      `bitwiseAnd: x and y must have the same shape, received ${show(x.shape)} and ${show(y.shape)}`,
    );
  for (const [arg, t] of [
    ['x', x],
    ['y', y],
  ] as const) {
    if (t.dtype !== 'int32')
      throw new DTypeError(
        `bitwiseAnd: ${arg} must be an int32 tensor, received dtype '${t.dtype}'`,
      );
  }
  return runBinary('bitwiseAnd', x, y);
}

/**
 * Picks a where cond is true, else b; all three broadcast (a and b may be string tensors).
 * @example nr.where(nr.tensor([true, false]), 1, 2) // [1, 2]
 */
export function where(condition: Operand, a: Operand, b: Operand): Tensor {
  const made: Tensor[] = [];
  try {
    const c = toTensorAs(condition, 'where', 'condition', 'bool');
    made.push(c);
    if (c.dtype !== 'bool')
      throw new DTypeError(`where: condition must be bool, received '${c.dtype}'`);
    // strings too: the where primitive picks element indices (core/strings.ts)
    const at = toTensorAny(a, 'where', 'a', b instanceof Tensor ? b.dtype : undefined);
    made.push(at);
    const bt = toTensorAny(b, 'where', 'b', at.dtype);
    made.push(bt);
    if ((at.dtype === 'string') !== (bt.dtype === 'string'))
      throw new DTypeError(
        `where: a and b must both be strings or both numeric, received '${at.dtype}' and '${bt.dtype}'`,
      );
    broadcastShapes('where', broadcastShapes('where', c.shape, at.shape), bt.shape);
    const dt = upcast(at.dtype, bt.dtype);
    const ac = castTo(at, dt);
    const bc = castTo(bt, dt);
    made.push(ac, bc);
    return ENGINE.run1('where', [c, ac, bc], {});
  } finally {
    freeTemps([condition, a, b], made);
  }
}

/** Converts to another dtype (float → int truncates toward zero). @example nr.cast(x, 'int32') */
export function cast(x: Operand, dtype: DType): Tensor {
  const xt = toTensor(x, 'cast', 'x');
  const dt = dtypeArg('cast', dtype);
  if (dt === 'string') {
    if (!(x instanceof Tensor)) xt.dispose();
    throw new DTypeError(
      `cast: a '${xt.dtype}' tensor cannot be cast to 'string'; make string tensors from strings (nr.tensor(['a']))`,
    );
  }
  if (xt.dtype === dt) return xt.clone();
  return ENGINE.run1('cast', [xt], { dtype: dt });
}

/** Clamps values into [min, max]. @example nr.clipByValue(x, 0, 1) */
export function clipByValue(x: Operand, min: number, max: number): Tensor {
  if (!(min <= max))
    throw new ArgumentError(
      `clipByValue: min must be <= max, received min=${show(min)}, max=${show(max)}`,
    );
  const xt = toTensor(x, 'clipByValue', 'x');
  const lower = xt.maximum(min);
  try {
    return lower.minimum(max);
  } finally {
    lower.dispose();
  }
}

/**
 * One-hot encoding of int32 indices along a new last axis (out-of-range indices give all-off rows).
 * @example nr.oneHot(nr.tensor([0, 2], [2], 'int32'), 3) // [[1,0,0],[0,0,1]]
 */
export function oneHot(
  indices: Operand,
  depth: number,
  onValue = 1,
  offValue = 0,
  dtype: DType = 'int32',
): Tensor {
  const idx = toTensorAs(indices, 'oneHot', 'indices', 'int32');
  if (idx.dtype !== 'int32')
    throw new DTypeError(`oneHot: indices must be int32, received '${idx.dtype}'`);
  if (!Number.isInteger(depth) || depth < 1)
    throw new ArgumentError(`oneHot: depth must be a positive integer, received ${show(depth)}`);
  const classes = ENGINE.fromValues(
    Int32Array.from({ length: depth }, (_, i) => i),
    [depth],
    'int32',
  );
  const column = idx.reshape([...idx.shape, 1]);
  const hit = column.equal(classes);
  const on = scalar(onValue, dtype);
  const off = scalar(offValue, dtype);
  try {
    return where(hit, on, off);
  } finally {
    freeTemps([indices], [idx, classes, column, hit, on, off]);
  }
}

export const elementwiseRules = {
  unary: {
    forward: (b, [x], { op, alpha }) => {
      const dt = outDType(UNARY[op].dtype, x.dtype);
      return one(b.run('unary', [x], { op, dtype: dt, alpha }), x.shape, dt);
    },
    vjp: ([dy], [x], [y], { op, alpha }) => {
      const v = UNARY[op].vjp;
      return [v ? v(dy, x, y, alpha) : null];
    },
  },
  binary: {
    forward: (b, [x, y], { op }) => {
      const shape = broadcastShapes(op, x.shape, y.shape);
      const dt = outDType(BINARY[op].dtype, x.dtype);
      return one(b.run('binary', [x, y], { op, outShape: shape, dtype: dt }), shape, dt);
    },
    vjp: ([dy], [a, b], [y], { op }) => {
      const v = BINARY[op].vjp;
      return v ? v(dy, a, b, y) : [null, null];
    },
  },
  where: {
    forward: (b, [c, x, y]) => {
      const shape = broadcastShapes('where', broadcastShapes('where', c.shape, x.shape), y.shape);
      return one(b.run('where', [c, x, y], { outShape: shape, dtype: x.dtype }), shape, x.dtype);
    },
    // d where(c, a, b) = where(c, da, db); a branch that wants no gradient (a constant) costs no kernel
    vjp: ([dy], [c], _y, _attrs, needs) => [
      null,
      needs[1] ? where(c, dy, 0) : null,
      needs[2] ? where(c, 0, dy) : null,
    ],
  },
  cast: {
    forward: (b, [x], { dtype }) => one(b.run('cast', [x], { dtype }), x.shape, dtype),
    // float -> float: the gradient in x's dtype. float -> int32/bool truncates, a piecewise-constant
    // step whose gradient is zero (null), not tfjs's straight-through identity. int32/bool -> anything:
    // the input is differentiated as the real values it holds, so it takes dy as it is (tfjs's Cast).
    vjp: ([dy], [x], [y]) => {
      if (x.dtype === 'complex64') return [null];
      if (!isFloatDType(x.dtype)) return [dy];
      return [isFloatDType(y.dtype) ? castTo(dy, x.dtype) : null];
    },
  },
} satisfies Pick<RuleTable, 'unary' | 'binary' | 'where' | 'cast'>;
