// The elementwise table, the contract's elementwise vocabulary: per op its scalar function, WGSL expression, dtype rule and gradient.
// Every backend builds its elementwise kernels from these rows; a new unary op is one row here.
import { f16round } from './float16.js';
import * as sm from './scalar_math.js';
import type { DType } from './dtype.js';
import type { Tensor } from './tensor.js';

/**
 * Dtype rule of an elementwise op:
 * - `float`: computes in float32 (int/bool inputs are cast first), output float32
 * - `same`: keeps the input dtype (int32 stays int32; bool is promoted to int32)
 * - `predicate`: every numeric dtype in, bool out
 * - `logical`: bool inputs, bool output
 */
export type DTypeRule = 'float' | 'same' | 'predicate' | 'logical';

/**
 * A float op's dtype: float16 stays float16, complex64 stays complex64 (ops/complex.ts runs it or
 * refuses it), everything else computes in float32.
 * @example floatOf('int32') // 'float32'
 */
export function floatOf(input: DType): DType {
  return input === 'float16' || input === 'complex64' ? input : 'float32';
}

/** The output dtype of an elementwise row's rule for an input dtype (the fusion recorder uses it too). @example outDType('predicate', 'float32') // 'bool' */
export function outDType(rule: DTypeRule, input: DType): DType {
  if (rule === 'float') return floatOf(input);
  if (rule === 'same') return input;
  return 'bool';
}

/** A unary row. `alpha` is the op's one scalar parameter (leakyRelu's slope), 0 when unused. */
export interface UnaryRow {
  readonly fn: (x: number, alpha: number) => number;
  /** WGSL expression over `x` (and `alpha`), for the WebGPU backend; `x` is f32 unless the rule keeps ints. */
  readonly wgsl: string;
  /** WGSL over an i32 `x` where `wgsl` does not type-check for ints (float literals, floor...). */
  readonly wgslInt?: string;
  readonly dtype: DTypeRule;
  /** dx from dy, the input x and the output y; null when the op has no gradient (its inputs get none). */
  readonly vjp: ((dy: Tensor, x: Tensor, y: Tensor, alpha: number) => Tensor) | null;
}

/** The smallest normal float32. */
const FLT_MIN = 1.1754943508222875e-38;
const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;
const SQRT_2_OVER_PI = 0.7978845608028654;
const GELU_C = 0.044715;
const INV_SQRT_2PI = 0.3989422804014327;
const TWO_OVER_SQRT_PI = 1.1283791670955126;

const geluTanhInner = (x: number) => SQRT_2_OVER_PI * (x + GELU_C * x * x * x);
const zeroGrad = (dy: Tensor) => dy.mul(0);

export const UNARY = {
  // d|x| = sign(x) dx
  abs: { fn: Math.abs, wgsl: 'abs(x)', dtype: 'same', vjp: (dy, x) => dy.mul(x.sign()) },
  // d(-x) = -dx
  neg: { fn: (x) => -x, wgsl: '-x', dtype: 'same', vjp: (dy) => dy.neg() },
  // d e^x = e^x dx
  // NOTE: some drivers (SwiftShader) give exp(-inf) > 0; below -104 the float32 result is 0.
  exp: {
    fn: Math.exp,
    wgsl: 'select(exp(x), 0.0, x < -104.0)',
    dtype: 'float',
    vjp: (dy, _x, y) => dy.mul(y),
  },
  // d(e^x - 1) = e^x dx
  expm1: { fn: Math.expm1, wgsl: 'exp(x) - 1.0', dtype: 'float', vjp: (dy, x) => dy.mul(x.exp()) },
  // d log x = dx / x
  // log_ and log1p_ (webgpu/elementwise.ts): drivers' log is only accurate to 2^-21 absolute
  log: { fn: Math.log, wgsl: 'log_(x)', dtype: 'float', vjp: (dy, x) => dy.div(x) },
  // d log(1+x) = dx / (1+x)
  log1p: { fn: Math.log1p, wgsl: 'log1p_(x)', dtype: 'float', vjp: (dy, x) => dy.div(x.add(1)) },
  // d sqrt x = dx / (2 sqrt x)
  sqrt: { fn: Math.sqrt, wgsl: 'sqrt(x)', dtype: 'float', vjp: (dy, x) => dy.div(x.sqrt().mul(2)) },
  // d x^-1/2 = -1/2 x^-3/2 dx
  rsqrt: {
    fn: (x) => 1 / Math.sqrt(x),
    wgsl: 'inverseSqrt(x)',
    dtype: 'float',
    vjp: (dy, x) => dy.mul(x.rsqrt().div(x).mul(-0.5)),
  },
  // d x^2 = 2x dx
  square: { fn: (x) => x * x, wgsl: 'x * x', dtype: 'same', vjp: (dy, x) => dy.mul(x.mul(2)) },
  // d 1/x = -dx / x^2
  reciprocal: {
    fn: (x) => 1 / x,
    wgsl: '1.0 / x',
    dtype: 'float',
    vjp: (dy, x) => dy.neg().div(x.square()),
  },
  // d sin = cos
  // (WebGPU: sin_/cos_/tan_ reduce the argument themselves, Vulkan's sin and cos are off by ~1e-4.)
  sin: { fn: Math.sin, wgsl: 'sin_(x)', dtype: 'float', vjp: (dy, x) => dy.mul(x.cos()) },
  // d cos = -sin
  cos: { fn: Math.cos, wgsl: 'cos_(x)', dtype: 'float', vjp: (dy, x) => dy.mul(x.sin().neg()) },
  // d tan = 1 + tan^2
  tan: { fn: Math.tan, wgsl: 'tan_(x)', dtype: 'float', vjp: (dy, x) => dy.div(x.cos().square()) },
  // d asin = 1 / sqrt(1 - x^2)
  asin: {
    fn: Math.asin,
    wgsl: 'asin(x)',
    dtype: 'float',
    vjp: (dy, x) => dy.mul(x.square().neg().add(1).rsqrt()),
  },
  // d acos = -1 / sqrt(1 - x^2)
  acos: {
    fn: Math.acos,
    // NOTE: acos is only accurate to ~1e-4 in Vulkan (SwiftShader gives 1.57073 at 0); asin is better.
    wgsl: '1.5707963267948966 - asin(x)',
    dtype: 'float',
    vjp: (dy, x) => dy.mul(x.square().neg().add(1).rsqrt()).neg(),
  },
  // d atan = 1 / (1 + x^2)
  atan: {
    fn: Math.atan,
    wgsl: 'atan(x)',
    dtype: 'float',
    vjp: (dy, x) => dy.div(x.square().add(1)),
  },
  // d sinh = cosh
  sinh: { fn: Math.sinh, wgsl: 'sinh(x)', dtype: 'float', vjp: (dy, x) => dy.mul(x.cosh()) },
  // d cosh = sinh
  cosh: { fn: Math.cosh, wgsl: 'cosh(x)', dtype: 'float', vjp: (dy, x) => dy.mul(x.sinh()) },
  // d tanh = 1 - tanh^2
  tanh: {
    fn: Math.tanh,
    // tanh_ (webgpu/elementwise.ts): drivers' tanh may be NaN for large |x| and inexact near 0
    wgsl: 'tanh_(x)',
    dtype: 'float',
    vjp: (dy, _x, y) => dy.mul(y.square().neg().add(1)),
  },
  // d asinh = 1 / sqrt(x^2 + 1)
  asinh: {
    fn: Math.asinh,
    wgsl: 'asinh(x)',
    dtype: 'float',
    vjp: (dy, x) => dy.mul(x.square().add(1).rsqrt()),
  },
  // d acosh = 1 / sqrt(x^2 - 1)
  acosh: {
    fn: Math.acosh,
    wgsl: 'acosh_(x)',
    dtype: 'float',
    vjp: (dy, x) => dy.mul(x.square().sub(1).rsqrt()),
  },
  // d atanh = 1 / (1 - x^2)
  atanh: {
    fn: Math.atanh,
    wgsl: 'atanh_(x)',
    dtype: 'float',
    vjp: (dy, x) => dy.div(x.square().neg().add(1)),
  },
  // d sigmoid = s (1 - s)
  sigmoid: {
    fn: sm.sigmoid,
    wgsl: '1.0 / (1.0 + exp(-x))',
    dtype: 'float',
    vjp: (dy, _x, y) => dy.mul(y.mul(y.neg().add(1))),
  },
  // d log sigmoid(x) = sigmoid(-x)
  logSigmoid: {
    fn: (x) => -sm.softplus(-x),
    wgsl: '-(max(-x, 0.0) + log(1.0 + exp(-abs(x))))',
    dtype: 'float',
    vjp: (dy, x) => dy.mul(x.neg().sigmoid()),
  },
  // d relu = [x > 0] = sign(y), as y = relu(x) >= 0 (one float pass instead of a compare and a cast)
  relu: {
    fn: (x) => (x > 0 ? x : 0),
    wgsl: 'max(x, 0.0)',
    wgslInt: 'max(x, 0)',
    dtype: 'same',
    vjp: (dy, _x, y) => dy.mul(y.sign().cast(dy.dtype)),
  },
  // d relu6 = [0 < x < 6] = sign(y (6 - y)), as y = relu6(x) is in [0, 6]: from the output, like relu,
  // so a matMul/conv epilogue differentiates from its output with this row (ops/fused_activation.ts)
  relu6: {
    fn: (x) => Math.min(Math.max(x, 0), 6),
    wgsl: 'clamp(x, 0.0, 6.0)',
    wgslInt: 'clamp(x, 0, 6)',
    dtype: 'same',
    vjp: (dy, _x, y) => dy.mul(y.mul(y.neg().add(6)).sign().cast(dy.dtype)),
  },
  // x with subnormal values (|x| < 2^-126) replaced by 0, so moments that decay geometrically do not
  // drop into slow subnormal arithmetic (see optimizers/optimizer.ts); d = [|x| >= 2^-126]
  flushSubnormal: {
    fn: (x) => (Math.abs(x) < FLT_MIN ? 0 : x),
    wgsl: 'select(x, 0.0, abs(x) < 1.1754943508222875e-38)',
    dtype: 'float',
    vjp: (dy, x) => dy.mul(x.abs().greaterEqual(FLT_MIN).cast(dy.dtype)),
  },
  // x rounded to the nearest IEEE binary16 value (ties to even, overflow to ±Infinity, subnormals
  // kept): the engine applies it to every float16 result (float16 is stored as float32); internal,
  // so no gradient. WGSL works on the bits: pack2x16float leaves ties and overflow to the driver.
  f16round: { fn: f16round, wgsl: 'f16round_(x)', dtype: 'same', vjp: null },
  // d elu = 1 for x > 0, else e^x = y + 1
  elu: {
    fn: (x) => (x > 0 ? x : Math.expm1(x)),
    wgsl: 'select(exp(x) - 1.0, x, x > 0.0)',
    dtype: 'float',
    vjp: (dy, x, y) => dy.mul(x.greater(0).where(1, y.add(1))),
  },
  // d selu = scale for x > 0, else y + scale*alpha
  selu: {
    fn: (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x)),
    wgsl: `${SELU_SCALE} * select(${SELU_ALPHA} * (exp(x) - 1.0), x, x > 0.0)`,
    dtype: 'float',
    vjp: (dy, x, y) => dy.mul(x.greater(0).where(SELU_SCALE, y.add(SELU_SCALE * SELU_ALPHA))),
  },
  // d leakyRelu = 1 for x > 0, else alpha
  leakyRelu: {
    fn: (x, a) => (x > 0 ? x : a * x),
    wgsl: 'select(alpha * x, x, x > 0.0)',
    dtype: 'float',
    vjp: (dy, x, _y, a) => dy.mul(x.greater(0).where(1, a)),
  },
  // d softplus = sigmoid
  softplus: {
    fn: sm.softplus,
    wgsl: 'max(x, 0.0) + log(1.0 + exp(-abs(x)))',
    dtype: 'float',
    vjp: (dy, x) => dy.mul(x.sigmoid()),
  },
  // d x/(1+|x|) = 1/(1+|x|)^2
  softsign: {
    fn: (x) => x / (1 + Math.abs(x)),
    wgsl: 'x / (1.0 + abs(x))',
    dtype: 'float',
    vjp: (dy, x) => dy.div(x.abs().add(1).square()),
  },
  // d x Phi(x) = Phi(x) + x phi(x)
  gelu: {
    fn: (x) => 0.5 * x * (1 + sm.erf(x / Math.SQRT2)),
    wgsl: '0.5 * x * (1.0 + erf_(x * 0.7071067811865476))',
    dtype: 'float',
    vjp: (dy, x) =>
      dy.mul(
        x
          .mul(Math.SQRT1_2)
          .erf()
          .add(1)
          .mul(0.5)
          .add(x.mul(x.square().mul(-0.5).exp()).mul(INV_SQRT_2PI)),
      ),
  },
  // with u = sqrt(2/pi)(x + c x^3): d 0.5x(1+tanh u) = 0.5(1+tanh u) + 0.5x(1-tanh^2 u) sqrt(2/pi)(1+3c x^2)
  geluTanh: {
    fn: (x) => 0.5 * x * (1 + Math.tanh(geluTanhInner(x))),
    wgsl: `0.5 * x * (1.0 + tanh_(${SQRT_2_OVER_PI} * (x + ${GELU_C} * x * x * x)))`,
    dtype: 'float',
    vjp: (dy, x) => {
      const t = x.pow(3).mul(GELU_C).add(x).mul(SQRT_2_OVER_PI).tanh();
      const du = x
        .square()
        .mul(3 * GELU_C)
        .add(1)
        .mul(SQRT_2_OVER_PI);
      return dy.mul(
        t
          .add(1)
          .mul(0.5)
          .add(x.mul(0.5).mul(t.square().neg().add(1)).mul(du)),
      );
    },
  },
  // d x s(x) = s + x s (1 - s)
  silu: {
    fn: (x) => x * sm.sigmoid(x),
    wgsl: 'x / (1.0 + exp(-x))',
    dtype: 'float',
    vjp: (dy, x) => {
      const s = x.sigmoid();
      return dy.mul(s.add(x.mul(s).mul(s.neg().add(1))));
    },
  },
  // d x tanh(sp(x)) = tanh(sp) + x (1 - tanh^2(sp)) sigmoid(x)
  mish: {
    fn: (x) => x * Math.tanh(sm.softplus(x)),
    wgsl: 'x * tanh_(max(x, 0.0) + log(1.0 + exp(-abs(x))))',
    dtype: 'float',
    vjp: (dy, x) => {
      const t = x.softplus().tanh();
      return dy.mul(t.add(x.mul(t.square().neg().add(1)).mul(x.sigmoid())));
    },
  },
  // d erf = 2/sqrt(pi) e^{-x^2}
  erf: {
    fn: sm.erf,
    wgsl: 'erf_(x)',
    dtype: 'float',
    vjp: (dy, x) => dy.mul(x.square().neg().exp().mul(TWO_OVER_SQRT_PI)),
  },
  // piecewise constant: zero gradient
  sign: { fn: Math.sign, wgsl: 'sign(x)', dtype: 'same', vjp: zeroGrad },
  floor: { fn: Math.floor, wgsl: 'floor(x)', wgslInt: 'x', dtype: 'same', vjp: zeroGrad },
  ceil: { fn: Math.ceil, wgsl: 'ceil(x)', wgslInt: 'x', dtype: 'same', vjp: zeroGrad },
  round: { fn: sm.roundHalfEven, wgsl: 'round(x)', wgslInt: 'x', dtype: 'same', vjp: zeroGrad },
  // NOTE: bit tests, because shader compilers may fold `x != x` and treat infinities as undefined.
  isNaN: {
    fn: (x) => (Number.isNaN(x) ? 1 : 0),
    wgsl: '(bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u',
    dtype: 'predicate',
    vjp: null,
  },
  isInf: {
    fn: (x) => (x === Infinity || x === -Infinity ? 1 : 0),
    wgsl: '(bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u',
    dtype: 'predicate',
    vjp: null,
  },
  isFinite: {
    fn: (x) => (Number.isFinite(x) ? 1 : 0),
    wgsl: '(bitcast<u32>(x) & 0x7fffffffu) < 0x7f800000u',
    dtype: 'predicate',
    vjp: null,
  },
  logicalNot: { fn: (x) => (x ? 0 : 1), wgsl: '!x', dtype: 'logical', vjp: null },
} satisfies Record<string, UnaryRow>;

/** Names of the unary ops. */
export type UnaryOp = keyof typeof UNARY;

/** A binary row; `vjp` returns the gradients of a and b at the output's shape (the engine unbroadcasts). */
export interface BinaryRow {
  readonly fn: (a: number, b: number) => number;
  /** Optional exact int32 version (e.g. Math.imul for mul), used when both inputs are int32. */
  readonly intFn?: (a: number, b: number) => number;
  readonly wgsl: string;
  /** WGSL over i32 `a` and `b` where `wgsl` does not fit ints; helpers `*_i` live in webgpu/elementwise.ts. */
  readonly wgslInt?: string;
  readonly dtype: DTypeRule;
  /** The public op's parameter names where they are not tfjs's usual 'a' and 'b' (pow: 'base', 'exp'), for errors. */
  readonly args?: readonly [string, string];
  readonly vjp:
    ((dy: Tensor, a: Tensor, b: Tensor, y: Tensor) => [Tensor | null, Tensor | null]) | null;
}

export const BINARY = {
  // d(a+b) = da + db
  add: { fn: (a, b) => a + b, wgsl: 'a + b', dtype: 'same', vjp: (dy) => [dy, dy] },
  // d(a-b) = da - db
  sub: { fn: (a, b) => a - b, wgsl: 'a - b', dtype: 'same', vjp: (dy) => [dy, dy.neg()] },
  // d(ab) = b da + a db
  mul: {
    fn: (a, b) => a * b,
    intFn: Math.imul,
    wgsl: 'a * b',
    dtype: 'same',
    vjp: (dy, a, b) => [dy.mul(b), dy.mul(a)],
  },
  // d(a/b) = da/b - a/b^2 db ; int32 / int32 floors, as tfjs does
  div: {
    fn: (a, b) => a / b,
    intFn: sm.floorDiv,
    wgsl: 'a / b',
    wgslInt: 'floordiv_i(a, b)',
    dtype: 'same',
    vjp: (dy, a, b) => [dy.div(b), dy.mul(a).div(b.square()).neg()],
  },
  // like div but 0 where b == 0 (value and gradients)
  divNoNan: {
    fn: (a, b) => (b === 0 ? 0 : a / b),
    wgsl: 'select(a / b, 0.0, b == 0.0)',
    dtype: 'float',
    vjp: (dy, a, b) => {
      const safe = b.equal(0).where(1, b);
      const nz = b.notEqual(0).cast('float32');
      return [dy.div(safe).mul(nz), dy.mul(a).div(safe.square()).neg().mul(nz)];
    },
  },
  // piecewise constant in a and b
  floorDiv: {
    fn: sm.floorDiv,
    wgsl: 'floor(a / b)',
    wgslInt: 'floordiv_i(a, b)',
    dtype: 'same',
    vjp: (dy) => [dy.mul(0), dy.mul(0)],
  },
  // a mod b = a - floor(a/b) b
  mod: {
    fn: sm.mod,
    wgsl: 'a - floor(a / b) * b',
    wgslInt: 'mod_i(a, b)',
    dtype: 'same',
    vjp: (dy, a, b) => [dy, dy.mul(a.div(b).floor()).neg()],
  },
  // d a^b = b a^(b-1) da + a^b log(a) db (the db term is 0 where a <= 0)
  pow: {
    args: ['base', 'exp'],
    fn: Math.pow,
    wgsl: 'pow_(a, b)',
    wgslInt: 'pow_i(a, b)',
    dtype: 'same',
    vjp: (dy, a, b, y) => {
      const da = dy.mul(b.mul(a.pow(b.sub(1))));
      const pos = a.greater(0);
      const db = dy.mul(pos.where(y.mul(pos.where(a, 1).log()), 0));
      return [da, db];
    },
  },
  // the gradient goes to a where a >= b
  maximum: {
    fn: Math.max,
    wgsl: 'max(a, b)',
    dtype: 'same',
    vjp: (dy, a, b) => [dy.mul(a.greaterEqual(b).cast(dy.dtype)), dy.mul(a.less(b).cast(dy.dtype))],
  },
  // the gradient goes to a where a <= b
  minimum: {
    fn: Math.min,
    wgsl: 'min(a, b)',
    dtype: 'same',
    vjp: (dy, a, b) => [dy.mul(a.lessEqual(b).cast(dy.dtype)), dy.mul(a.greater(b).cast(dy.dtype))],
  },
  // d (a-b)^2 = 2(a-b)(da - db)
  squaredDifference: {
    fn: (a, b) => (a - b) * (a - b),
    wgsl: '(a - b) * (a - b)',
    dtype: 'same',
    vjp: (dy, a, b) => {
      const g = dy.mul(a.sub(b).mul(2));
      return [g, g.neg()];
    },
  },
  // atan2(a, b): d = (b da - a db) / (a^2 + b^2)
  atan2: {
    fn: Math.atan2,
    wgsl: 'atan2(a, b)',
    dtype: 'float',
    vjp: (dy, a, b) => {
      const r = a.square().add(b.square());
      return [dy.mul(b).div(r), dy.mul(a).div(r).neg()];
    },
  },
  equal: { fn: (a, b) => (a === b ? 1 : 0), wgsl: 'a == b', dtype: 'predicate', vjp: null },
  notEqual: { fn: (a, b) => (a !== b ? 1 : 0), wgsl: 'a != b', dtype: 'predicate', vjp: null },
  less: { fn: (a, b) => (a < b ? 1 : 0), wgsl: 'a < b', dtype: 'predicate', vjp: null },
  lessEqual: { fn: (a, b) => (a <= b ? 1 : 0), wgsl: 'a <= b', dtype: 'predicate', vjp: null },
  greater: { fn: (a, b) => (a > b ? 1 : 0), wgsl: 'a > b', dtype: 'predicate', vjp: null },
  greaterEqual: { fn: (a, b) => (a >= b ? 1 : 0), wgsl: 'a >= b', dtype: 'predicate', vjp: null },
  logicalAnd: { fn: (a, b) => (a && b ? 1 : 0), wgsl: 'a && b', dtype: 'logical', vjp: null },
  logicalOr: { fn: (a, b) => (a || b ? 1 : 0), wgsl: 'a || b', dtype: 'logical', vjp: null },
  logicalXor: {
    fn: (a, b) => ((a ? 1 : 0) !== (b ? 1 : 0) ? 1 : 0),
    wgsl: 'a != b',
    dtype: 'logical',
    vjp: null,
  },
  // bits of int32 values (the op accepts int32 only); no gradient
  bitwiseAnd: {
    fn: (a, b) => a & b,
    wgsl: 'f32(i32(a) & i32(b))',
    wgslInt: 'a & b',
    dtype: 'same',
    vjp: null,
  },
} satisfies Record<string, BinaryRow>;

/** Names of the binary ops. */
export type BinaryOp = keyof typeof BINARY;
