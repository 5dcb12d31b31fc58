// Attention layers: MultiHeadAttention (Keras' per-head projections) and dot-product/additive Attention.
import type { Constraint } from '../constraints/index.js';
import { positiveInt } from '../core/dtype.js';
import { ArgumentError, show } from '../core/errors.js';
import { type Config, configAs } from '../core/serialization.js';
import type { Tensor, Variable } from '../core/tensor.js';
import type { Initializer } from '../initializers/index.js';
import { range } from '../ops/creation.js';
import { matMulWith } from '../ops/matmul.js';
import { dropout } from '../ops/nn.js';
import type { Regularizer } from '../regularizers/index.js';
import { specOf } from './core.js';
import {
  type CallArgs,
  Layer,
  type LayerArgs,
  type LayerClassEntry,
  layerShapeError,
} from './layer.js';
import type { SymbolicShape } from './symbolic.js';

/** Keras' large negative number for masked float32 scores. */
const LARGE_NEGATIVE = -1e9;

/** Call options of the attention layers (Keras passes these to `call`). */
export interface AttentionCallArgs extends CallArgs {
  /** Boolean (or 0/1) mask [batch, T, S] (MultiHeadAttention) of the positions each query may attend to. */
  attentionMask?: Tensor;
  /** Let position i attend only to positions <= i; overrides the constructor default for this call. */
  useCausalMask?: boolean;
  /** Also return the attention probabilities; overrides the constructor default for this call (eager calls only). */
  returnAttentionScores?: boolean;
}

const size = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/** x · w (+ bias, flattened): the bias rides in the product's kernel, as in Dense. */
function product(x: Tensor, w: Tensor, bias: Variable | undefined): Tensor {
  if (!bias) return x.matMul(w);
  return matMulWith(x, w, false, false, { bias: bias.reshape([-1]), activation: 'linear' });
}

function rate(owner: string, v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !(v >= 0 && v < 1))
    throw new ArgumentError(`${owner}: dropout must be a number in [0, 1), received ${show(v)}`);
  return v;
}

function optionalBool(owner: string, arg: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean')
    throw new ArgumentError(`${owner}: ${arg} must be a boolean, received ${show(v)}`);
  return v;
}

const asBool = (m: Tensor) => (m.dtype === 'bool' ? m : m.notEqual(0));

/** Keras' masked softmax: masked scores become -1e9, and fully masked rows give zeros, not a uniform row. */
function maskedSoftmax(scores: Tensor, mask: Tensor | null): Tensor {
  if (!mask) return scores.softmax(-1);
  return mask.where(mask.where(scores, LARGE_NEGATIVE).softmax(-1), 0);
}

/** A [1, T, S] lower-triangular boolean mask (position i sees j <= i). */
function causalMask(t: number, s: number): Tensor {
  return range(0, t)
    .reshape([1, t, 1])
    .greaterEqual(range(0, s).reshape([1, 1, s]));
}

/** The mask of input i when masks come as a list. */
function maskAt(mask: CallArgs['mask'], i: number): Tensor | null {
  if (Array.isArray(mask)) return mask[i] ?? null;
  return i === 0 ? (mask ?? null) : null;
}

/** Options of `multiHeadAttention`. */
export interface MultiHeadAttentionArgs extends LayerArgs {
  /** Number of attention heads. */
  numHeads: number;
  /** Size of each head for query and key. */
  keyDim: number;
  /** Size of each head for value. Default keyDim. */
  valueDim?: number;
  /** Dropout rate on the attention probabilities while training. Default 0. */
  dropout?: number;
  /** Whether the projections have biases. Default true. */
  useBias?: boolean;
  /** Trailing shape of the output (a size or sizes). Default: the query's last dimension. */
  outputShape?: number | number[];
  /** Input axes attended over (between batch and features); the others act as batch axes. Default: all of them. */
  attentionAxes?: number | number[] | null;
  kernelInitializer?: string | Initializer;
  biasInitializer?: string | Initializer;
  kernelRegularizer?: string | Regularizer;
  biasRegularizer?: string | Regularizer;
  kernelConstraint?: string | Constraint;
  biasConstraint?: string | Constraint;
  /** Seed of the dropout. */
  seed?: number;
  /** Default of the call option `useCausalMask` (in functional models only constructor options apply). Default false. */
  useCausalMask?: boolean;
  /** Default of the call option `returnAttentionScores`: outputs [output, scores [batch, heads, T, S]]. Default false. */
  returnAttentionScores?: boolean;
}

/**
 * Multi-head attention (Vaswani et al. 2017) with Keras' weights: per-head projections query/key/value kernels
 * [dim, heads, keyDim|valueDim] and an attention_output kernel [heads, valueDim, outDim].
 * Inputs: `[query, value]`, `[query, value, key]` or `[query, value, key, attentionMask]`; one tensor means
 * self-attention. The attention mask may also be passed as the call option `attentionMask`; masks of the
 * inputs (e.g. from an Embedding with maskZero) are combined as in Keras.
 * @example
 * const mha = nr.layers.multiHeadAttention({ numHeads: 2, keyDim: 8 });
 * const y = mha.apply([query, value]);
 */
export class MultiHeadAttention extends Layer {
  static readonly className = 'MultiHeadAttention';
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly dropout: number;
  readonly useBias: boolean;
  readonly outputDims: number[] | null;
  readonly attentionAxes: number[] | null;
  readonly seed: number | null;
  readonly useCausalMask: boolean;
  readonly returnAttentionScores: boolean;
  private readonly args: MultiHeadAttentionArgs;
  private readonly kernels = new Map<string, Variable>();
  private readonly biases = new Map<string, Variable>();
  private calls = 0;

  constructor(args: MultiHeadAttentionArgs) {
    super(args);
    const owner = 'MultiHeadAttention';
    this.numHeads = positiveInt(owner, 'numHeads', args?.numHeads);
    this.keyDim = positiveInt(owner, 'keyDim', args.keyDim);
    this.valueDim =
      args.valueDim === undefined ? this.keyDim : positiveInt(owner, 'valueDim', args.valueDim);
    this.dropout = rate(owner, args.dropout);
    this.useBias = optionalBool(owner, 'useBias', args.useBias, true);
    const out = args.outputShape;
    if (out !== undefined && out !== null) {
      const dims = Array.isArray(out) ? out : [out];
      dims.forEach((d) => positiveInt(owner, 'outputShape', d));
      this.outputDims = dims.slice();
    } else this.outputDims = null;
    const axes = args.attentionAxes;
    if (
      axes !== undefined &&
      axes !== null &&
      !(
        Number.isInteger(axes) ||
        (Array.isArray(axes) && axes.length > 0 && axes.every((a) => Number.isInteger(a)))
      )
    ) {
      throw new ArgumentError(
        `${owner}: attentionAxes must be an integer, a non-empty array of integers or null, received ${show(axes)}`,
      );
    }
    this.attentionAxes = axes === undefined || axes === null ? null : [axes].flat();
    this.seed = args.seed ?? null;
    this.useCausalMask = optionalBool(owner, 'useCausalMask', args.useCausalMask, false);
    this.returnAttentionScores = optionalBool(
      owner,
      'returnAttentionScores',
      args.returnAttentionScores,
      false,
    );
    this.args = args;
    this.supportsMasking = true;
  }

  override getClassName(): string {
    return MultiHeadAttention.className;
  }

  /** [query, value, key] shapes from one shape (self-attention) or a list. */
  private shapesOf(
    inputShape: SymbolicShape | SymbolicShape[],
  ): [SymbolicShape, SymbolicShape, SymbolicShape] {
    const list = Array.isArray(inputShape[0])
      ? (inputShape as SymbolicShape[])
      : [inputShape as SymbolicShape];
    if (list.length > 4)
      throw new ArgumentError(
        `${this.name}: expects [query, value], [query, value, key] or [query, value, key, attentionMask], received ${list.length} inputs`,
      );
    const [q, v = q, k = v] = list;
    if (q.length < 3)
      throw layerShapeError(
        this,
        `query must have rank >= 3 [batch, ..., features], received shape ${show(q)}`,
      );
    if (v.length !== q.length || k.length !== q.length)
      throw layerShapeError(
        this,
        `query, value and key must have the same rank, received ${show([q, v, k])}`,
      );
    return [q, v, k];
  }

  /** Attention axes of an input of rank r, normalised to [1, r - 2] and sorted. */
  private axesFor(r: number): number[] {
    if (!this.attentionAxes) return Array.from({ length: r - 2 }, (_, i) => i + 1);
    return this.attentionAxes
      .map((a) => {
        const n = a < 0 ? a + r : a;
        if (n < 1 || n > r - 2)
          throw layerShapeError(
            this,
            `attention axis ${a} must be between the batch and the feature axes of a rank-${r} input`,
          );
        return n;
      })
      .sort((a, b) => a - b);
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const [q, v, k] = this.shapesOf(inputShape);
    const last = (s: SymbolicShape, what: string) => {
      const d = s[s.length - 1];
      if (d === null)
        throw layerShapeError(
          this,
          `the last dimension of ${what} must be known, received shape ${show(s)}`,
        );
      return d;
    };
    const qDim = last(q, 'query');
    const out = this.outputDims ?? [qDim];
    const h = this.numHeads;
    const a = this.args;
    const dense = (name: string, kernel: number[], bias: number[]) => {
      this.kernels.set(
        name,
        this.addWeight(`${name}/kernel`, {
          shape: kernel,
          initializer: a.kernelInitializer ?? 'glorotUniform',
          regularizer: a.kernelRegularizer,
          constraint: a.kernelConstraint,
        }),
      );
      if (this.useBias)
        this.biases.set(
          name,
          this.addWeight(`${name}/bias`, {
            shape: bias,
            initializer: a.biasInitializer ?? 'zeros',
            regularizer: a.biasRegularizer,
            constraint: a.biasConstraint,
          }),
        );
    };
    dense('query', [qDim, h, this.keyDim], [h, this.keyDim]);
    dense('key', [last(k, 'key'), h, this.keyDim], [h, this.keyDim]);
    dense('value', [last(v, 'value'), h, this.valueDim], [h, this.valueDim]);
    dense('attention_output', [h, this.valueDim, ...out], out);
    super.build(inputShape);
  }

  /** x [..., d] · kernel [d, H, dh] + bias -> [..., H, dh]. */
  private project(name: string, x: Tensor): Tensor {
    const kernel = this.kernels.get(name) as Variable;
    const [d, h, dh] = kernel.shape;
    const bias = this.biases.get(name);
    const y = product(x.reshape([-1, d]), kernel.reshape([d, h * dh]), bias);
    return y.reshape([...x.shape.slice(0, -1), h, dh]);
  }

  override call(inputs: Tensor | Tensor[], kwargs: AttentionCallArgs): Tensor | Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const [query, value = query, key = value, listMask] = list;
    this.shapesOf(list.slice(0, 3).map((t) => t.shape.slice()));
    const r = query.rank;
    const axes = this.axesFor(r);
    const others = Array.from({ length: r - 2 }, (_, i) => i + 1).filter((i) => !axes.includes(i));
    const h = this.numHeads;
    // [B, d..., H, dh] -> [B, others..., H, attended..., dh] -> [B·others, H, attended, dh]
    const perm = [0, ...others, r - 1, ...axes, r];
    const flatten = (t: Tensor) => {
      const moved = t.transpose(perm);
      return moved.reshape([-1, h, size(axes.map((a) => t.shape[a])), t.shape[r]]);
    };
    const q = this.project('query', query).mul(1 / Math.sqrt(this.keyDim));
    const k = this.project('key', key);
    const v = this.project('value', value);
    const batchShape = [query.shape[0], ...others.map((a) => query.shape[a])];
    const tDims = axes.map((a) => query.shape[a]);
    const sDims = axes.map((a) => key.shape[a]);
    const scoresShape = [...batchShape, h, ...tDims, ...sDims];
    const scores = flatten(q).matMul(flatten(k), false, true);

    const mask = this.attentionMask(
      kwargs,
      listMask ?? kwargs.attentionMask ?? null,
      query,
      value,
      list.length,
      axes.length,
      scoresShape,
    );
    const probs = maskedSoftmax(
      scores,
      mask ? mask.broadcastTo(scoresShape).reshape(scores.shape) : null,
    );
    const seed = this.seed === null ? undefined : this.seed + this.calls++;
    const dropped =
      kwargs.training && this.dropout > 0 ? dropout(probs, this.dropout, undefined, seed) : probs;
    // [B·others, H, T, dv] -> [B, others..., H, attended..., dv] -> [B, d..., H, dv]
    const context = dropped.matMul(flatten(v));
    const inverse = perm.map((_, i) => perm.indexOf(i));
    const unflat = context.reshape([...batchShape, h, ...tDims, this.valueDim]).transpose(inverse);
    const outKernel = this.kernels.get('attention_output') as Variable;
    const outShape = outKernel.shape.slice(2);
    const out = product(
      unflat.reshape([-1, h * this.valueDim]),
      outKernel.reshape([h * this.valueDim, size(outShape)]),
      this.biases.get('attention_output'),
    );
    const output = out.reshape([...query.shape.slice(0, -1), ...outShape]);
    return (kwargs.returnAttentionScores ?? this.returnAttentionScores)
      ? [output, probs.reshape(scoresShape)]
      : output;
  }

  /** Keras' _compute_attention_mask: input masks, the causal mask and the given mask ANDed, expanded over heads. */
  private attentionMask(
    kwargs: AttentionCallArgs,
    given: Tensor | null,
    query: Tensor,
    value: Tensor,
    nInputs: number,
    nAxes: number,
    scoresShape: number[],
  ): Tensor | null {
    const parts: Tensor[] = [];
    const qMask = maskAt(kwargs.mask, 0);
    // Self-attention on one tensor: its mask is the query's and the value's.
    const vMask = nInputs === 1 ? qMask : maskAt(kwargs.mask, 1);
    const kMask = nInputs > 2 ? maskAt(kwargs.mask, 2) : null;
    if (qMask) parts.push(asBool(qMask).expandDims(-1));
    if (vMask) parts.push(asBool(vMask).expandDims(-2));
    if (kMask) parts.push(asBool(kMask).expandDims(-2));
    if (kwargs.useCausalMask ?? this.useCausalMask)
      parts.push(causalMask(query.shape[1], value.shape[1]));
    if (given) parts.push(asBool(given));
    if (!parts.length) return null;
    let mask = parts.reduce((a, b) => a.logicalAnd(b));
    // Insert the heads axis (and any missing batch-like axes) before the attended axes, as Keras does.
    while (mask.rank < scoresShape.length) mask = mask.expandDims(mask.rank - 2 * nAxes);
    return mask;
  }

  override computeOutputShape(
    inputShape: SymbolicShape | SymbolicShape[],
  ): SymbolicShape | SymbolicShape[] {
    const [q, , k] = this.shapesOf(inputShape);
    const out = [...q.slice(0, -1), ...(this.outputDims ?? [q[q.length - 1]])];
    if (!this.returnAttentionScores) return out;
    const axes = this.axesFor(q.length);
    const others = Array.from({ length: q.length - 2 }, (_, i) => i + 1).filter(
      (i) => !axes.includes(i),
    );
    return [
      out,
      [
        q[0],
        ...others.map((a) => q[a]),
        this.numHeads,
        ...axes.map((a) => q[a]),
        ...axes.map((a) => k[a]),
      ],
    ];
  }

  override computeMask(_inputs: Tensor | Tensor[], mask: CallArgs['mask']): Tensor | null {
    return maskAt(mask, 0);
  }

  override getConfig(): Config {
    const a = this.args;
    return {
      ...super.getConfig(),
      numHeads: this.numHeads,
      keyDim: this.keyDim,
      valueDim: this.valueDim,
      dropout: this.dropout,
      useBias: this.useBias,
      outputShape: this.outputDims,
      attentionAxes: this.attentionAxes,
      kernelInitializer: specOf(a.kernelInitializer, 'glorotUniform'),
      biasInitializer: specOf(a.biasInitializer, 'zeros'),
      kernelRegularizer: specOf(a.kernelRegularizer, null),
      biasRegularizer: specOf(a.biasRegularizer, null),
      kernelConstraint: specOf(a.kernelConstraint, null),
      biasConstraint: specOf(a.biasConstraint, null),
      seed: this.seed,
      useCausalMask: this.useCausalMask,
      returnAttentionScores: this.returnAttentionScores,
    };
  }
}

/** Options of `attention`. */
export interface AttentionArgs extends LayerArgs {
  /** Learn a scalar that multiplies the scores ('dot') or the sum inside tanh ('concat'). Default false. */
  useScale?: boolean;
  /** 'dot': query·keyᵀ (Luong); 'concat': sum(tanh(query + key)) (Bahdanau), times a learned scalar. Default 'dot'. */
  scoreMode?: 'dot' | 'concat';
  /** Dropout rate on the attention probabilities while training. Default 0. */
  dropout?: number;
  seed?: number;
  /** Default of the call option `useCausalMask`. Default false. */
  useCausalMask?: boolean;
  /** Default of the call option `returnAttentionScores`: outputs [output, scores [batch, Tq, Tv]]. Default false. */
  returnAttentionScores?: boolean;
}

/**
 * Dot-product (Luong) or additive (Bahdanau, scoreMode 'concat') attention without projections:
 * softmax(scores(query, key))·value. Inputs `[query, value]` or `[query, value, key]`; masks of query and value
 * (from the inputs) are honoured as in Keras.
 * @example nr.layers.attention({ useScale: true }).apply([query, value])
 */
export class Attention extends Layer {
  static readonly className: string = 'Attention';
  readonly useScale: boolean;
  readonly scoreMode: 'dot' | 'concat';
  readonly dropout: number;
  readonly seed: number | null;
  readonly useCausalMask: boolean;
  readonly returnAttentionScores: boolean;
  scale: Variable | null = null;
  concatScoreWeight: Variable | null = null;
  private calls = 0;

  constructor(args: AttentionArgs = {}) {
    super(args);
    const owner = 'Attention';
    this.useScale = optionalBool(owner, 'useScale', args.useScale, false);
    const mode = args.scoreMode ?? 'dot';
    if (mode !== 'dot' && mode !== 'concat')
      throw new ArgumentError(
        `${owner}: scoreMode must be 'dot' or 'concat', received ${show(args.scoreMode)}`,
      );
    this.scoreMode = mode;
    this.dropout = rate(owner, args.dropout);
    this.seed = args.seed ?? null;
    this.useCausalMask = optionalBool(owner, 'useCausalMask', args.useCausalMask, false);
    this.returnAttentionScores = optionalBool(
      owner,
      'returnAttentionScores',
      args.returnAttentionScores,
      false,
    );
    this.supportsMasking = true;
  }

  override getClassName(): string {
    return Attention.className;
  }

  private shapesOf(
    inputShape: SymbolicShape | SymbolicShape[],
  ): [SymbolicShape, SymbolicShape, SymbolicShape] {
    const list = Array.isArray(inputShape[0]) ? (inputShape as SymbolicShape[]) : null;
    if (!list || list.length < 2 || list.length > 3)
      throw new ArgumentError(
        `${this.name}: expects a list [query, value] or [query, value, key], received ${show(inputShape)}`,
      );
    const [q, v, k = v] = list;
    return [q, v, k];
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    this.shapesOf(inputShape);
    if (this.useScale) this.scale = this.addWeight('scale', { shape: [], initializer: 'ones' });
    if (this.scoreMode === 'concat')
      this.concatScoreWeight = this.addWeight('concat_score_weight', {
        shape: [],
        initializer: 'ones',
      });
    super.build(inputShape);
  }

  protected scores(q: Tensor, k: Tensor): Tensor {
    if (this.scoreMode === 'dot') {
      const s = q.matMul(k, false, true);
      return this.scale ? s.mul(this.scale) : s;
    }
    // [B, Tq, 1, d] + [B, 1, Tv, d] -> sum over d of tanh(...)
    let sum = q.expandDims(-2).add(k.expandDims(-3));
    if (this.scale) sum = sum.mul(this.scale);
    return sum
      .tanh()
      .sum(-1)
      .mul(this.concatScoreWeight as Variable);
  }

  override call(inputs: Tensor | Tensor[], kwargs: AttentionCallArgs): Tensor | Tensor[] {
    if (!Array.isArray(inputs))
      throw new ArgumentError(
        `${this.name}: expects a list [query, value] or [query, value, key], received one tensor`,
      );
    this.shapesOf(inputs.map((t) => t.shape.slice()));
    const [q, v, k = v] = inputs;
    let scores = this.scores(q, k);
    const parts: Tensor[] = [];
    const vMask = maskAt(kwargs.mask, 1);
    if (vMask) parts.push(asBool(vMask).expandDims(-2));
    if (kwargs.useCausalMask ?? this.useCausalMask)
      parts.push(causalMask(scores.shape[scores.rank - 2], scores.shape[scores.rank - 1]));
    if (parts.length) {
      const keep = parts.reduce((a, b) => a.logicalAnd(b));
      // Keras subtracts 1e9 from masked scores (rather than replacing them).
      scores = keep.where(scores, scores.add(LARGE_NEGATIVE));
    }
    const weights = scores.softmax(-1);
    const seed = this.seed === null ? undefined : this.seed + this.calls++;
    const dropped =
      kwargs.training && this.dropout > 0
        ? dropout(weights, this.dropout, undefined, seed)
        : weights;
    let out = dropped.matMul(v);
    const qMask = maskAt(kwargs.mask, 0);
    if (qMask) out = asBool(qMask).expandDims(-1).where(out, 0);
    return (kwargs.returnAttentionScores ?? this.returnAttentionScores) ? [out, weights] : out;
  }

  override computeOutputShape(
    inputShape: SymbolicShape | SymbolicShape[],
  ): SymbolicShape | SymbolicShape[] {
    const [q, v, k] = this.shapesOf(inputShape);
    const out = [...q.slice(0, -1), v[v.length - 1]];
    return this.returnAttentionScores ? [out, [...q.slice(0, -1), k[k.length - 2]]] : out;
  }

  override computeMask(_inputs: Tensor | Tensor[], mask: CallArgs['mask']): Tensor | null {
    return maskAt(mask, 0);
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      useScale: this.useScale,
      scoreMode: this.scoreMode,
      dropout: this.dropout,
      seed: this.seed,
      useCausalMask: this.useCausalMask,
      returnAttentionScores: this.returnAttentionScores,
    };
  }
}

/** A multi-head attention layer. @example nr.layers.multiHeadAttention({ numHeads: 4, keyDim: 16 }) */
export const multiHeadAttention = (args: MultiHeadAttentionArgs) => new MultiHeadAttention(args);
/** A dot-product attention layer. @example nr.layers.attention({ useScale: true }) */
export const attention = (args: AttentionArgs = {}) => new Attention(args);

/** Registry entries of this family. */
export const attentionLayers: LayerClassEntry[] = [
  ['MultiHeadAttention', (c) => new MultiHeadAttention(configAs<MultiHeadAttentionArgs>(c))],
  ['Attention', (c) => new Attention(configAs<AttentionArgs>(c))],
];
