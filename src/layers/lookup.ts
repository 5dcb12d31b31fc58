// CategoryEncoding (ids to one-hot / multi-hot / counts) and the vocabulary lookups IntegerLookup and StringLookup.
import { ArgumentError, show } from '../core/errors.js';
import { configAs, type Config } from '../core/serialization.js';
import type { Tensor } from '../core/tensor.js';
import { tensor } from '../ops/creation.js';
import { oneHot, where } from '../ops/elementwise.js';
import { positiveInt } from './conv.js';
import { single } from './core.js';
import { type CallArgs, Layer, type LayerArgs, type LayerClassEntry, type LayerInput } from './layer.js';
import type { SymbolicShape } from './symbolic.js';

/** How ids are encoded: Keras' spellings, tfjs' camelCase accepted. */
export type EncodingMode = 'one_hot' | 'multi_hot' | 'count';

function encodingOf(owner: string, v: unknown, fallback: EncodingMode): EncodingMode {
  if (v === undefined) return fallback;
  const keras: Record<string, EncodingMode> = { one_hot: 'one_hot', oneHot: 'one_hot', multi_hot: 'multi_hot', multiHot: 'multi_hot', count: 'count' };
  const mode = typeof v === 'string' && Object.hasOwn(keras, v) ? keras[v] : undefined;
  if (!mode) throw new ArgumentError(`${owner}: outputMode must be 'one_hot', 'multi_hot' or 'count', received ${show(v)}`);
  return mode;
}

/** Encodes int ids over `n` tokens; ids outside [0, n) contribute nothing (as tfjs' oneHot). */
function encode(ids: Tensor, n: number, mode: EncodingMode): Tensor {
  const i = ids.dtype === 'int32' ? ids : ids.cast('int32');
  if (mode === 'one_hot') {
    const squeezed = i.rank >= 2 && i.shape[i.rank - 1] === 1 ? i.squeeze([i.rank - 1]) : i;
    return oneHot(squeezed, n).cast('float32');
  }
  // multi-hot / count over the last axis: [..., T] -> [..., n]
  const hot = oneHot(i, n).cast('float32');
  return mode === 'count' ? hot.sum(-2) : hot.max(-2);
}

function encodedShape(shape: SymbolicShape, n: number, mode: EncodingMode): SymbolicShape {
  if (shape.length === 0) return [n];
  if (mode === 'one_hot' && (shape.length === 1 || shape[shape.length - 1] !== 1)) return [...shape, n];
  return [...shape.slice(0, -1), n];
}

/** Options of `categoryEncoding`. */
export interface CategoryEncodingArgs extends LayerArgs {
  /** Number of distinct ids: inputs are ids in [0, numTokens). */
  numTokens: number;
  /** 'multi_hot' (default), 'one_hot' or 'count'. */
  outputMode?: EncodingMode | 'oneHot' | 'multiHot';
}

/**
 * Encodes integer ids as one-hot, multi-hot or count vectors of length numTokens.
 * @example nr.layers.categoryEncoding({ numTokens: 4, outputMode: 'multi_hot' }).apply(nr.tensor([[0, 1], [3, 3]], undefined, 'int32'))
 */
export class CategoryEncoding extends Layer {
  static readonly className = 'CategoryEncoding';
  readonly numTokens: number;
  readonly outputMode: EncodingMode;
  constructor(args: CategoryEncodingArgs) {
    super(args);
    this.numTokens = positiveInt(CategoryEncoding.className, 'numTokens', args?.numTokens);
    this.outputMode = encodingOf(CategoryEncoding.className, args.outputMode, 'multi_hot');
  }
  override getClassName(): string {
    return CategoryEncoding.className;
  }
  protected override castsInputs(): boolean {
    return false;
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
    return encode(single(this, inputs), this.numTokens, this.outputMode);
  }
  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return encodedShape(inputShape as SymbolicShape, this.numTokens, this.outputMode);
  }
  override getConfig(): Config {
    return { ...super.getConfig(), numTokens: this.numTokens, outputMode: this.outputMode };
  }
}

/** Lookup output: token ids ('int') or an encoding of them over the vocabulary size. */
export type LookupOutputMode = 'int' | EncodingMode;

/** Options shared by IntegerLookup and StringLookup. */
interface LookupArgs<T> extends LayerArgs {
  /** The vocabulary, without mask and OOV tokens. */
  vocabulary: T[];
  /** Out-of-vocabulary indices: 1 (default; every unknown token gets it) or 0 (StringLookup throws on an unknown token; IntegerLookup gives -1). */
  numOovIndices?: number;
  /** A token that marks padding and maps to index 0; default none. */
  maskToken?: T | null;
  /** 'int' (default), 'one_hot', 'multi_hot' or 'count'. */
  outputMode?: LookupOutputMode | 'oneHot' | 'multiHot';
}

/** Index layout (Keras): [mask token?][OOV index?][vocabulary...]. */
function lookupLayout<T>(owner: string, args: LookupArgs<T>, valid: (v: unknown) => v is T) {
  if (!Array.isArray(args?.vocabulary) || !args.vocabulary.every(valid))
    throw new ArgumentError(`${owner}: vocabulary must be an array of ${owner === 'StringLookup' ? 'strings' : 'integers'}, received ${show(args?.vocabulary)}`);
  if (new Set(args.vocabulary).size !== args.vocabulary.length)
    throw new ArgumentError(`${owner}: the vocabulary has repeated tokens`);
  const numOov = args.numOovIndices ?? 1;
  if (numOov !== 0 && numOov !== 1)
    throw new ArgumentError(
      `${owner}: numOovIndices must be 0 or 1 (Keras hashes several OOV buckets with FarmHash, which is not implemented), received ${show(args.numOovIndices)}`,
    );
  const mask = args.maskToken ?? null;
  if (mask !== null && !valid(mask)) throw new ArgumentError(`${owner}: maskToken has the wrong type, received ${show(mask)}`);
  const mode: LookupOutputMode = args.outputMode === undefined || args.outputMode === 'int' ? 'int' : encodingOf(owner, args.outputMode, 'multi_hot');
  const offset = (mask === null ? 0 : 1) + numOov;
  return { vocabulary: args.vocabulary.slice(), numOov, mask, mode, offset, size: offset + args.vocabulary.length };
}

/** Options of `integerLookup`. */
export interface IntegerLookupArgs extends LookupArgs<number> {
  /** Map indices back to tokens instead (outputMode 'int' only). Default false. */
  invert?: boolean;
  /** The token an OOV index inverts to. Default -1. */
  oovToken?: number;
}

/**
 * Maps integer tokens to indices in a fixed vocabulary (unknown tokens to the OOV index), or back with `invert`.
 * @example nr.layers.integerLookup({ vocabulary: [12, 36, 1138] }).apply(nr.tensor([[12, 1138], [7, 36]], undefined, 'int32')) // [[1, 3], [0, 2]]
 */
export class IntegerLookup extends Layer {
  static readonly className = 'IntegerLookup';
  readonly vocabulary: number[];
  readonly numOovIndices: number;
  readonly maskToken: number | null;
  readonly outputMode: LookupOutputMode;
  readonly invert: boolean;
  readonly oovToken: number;
  private readonly offset: number;
  constructor(args: IntegerLookupArgs) {
    super(args);
    const owner = IntegerLookup.className;
    const l = lookupLayout(owner, args, (v): v is number => Number.isSafeInteger(v));
    this.vocabulary = l.vocabulary;
    this.numOovIndices = l.numOov;
    this.maskToken = l.mask;
    this.outputMode = l.mode;
    this.offset = l.offset;
    this.invert = args.invert ?? false;
    if (this.invert && this.outputMode !== 'int')
      throw new ArgumentError(`${owner}: invert needs outputMode 'int', received ${show(args.outputMode)}`);
    this.oovToken = args.oovToken ?? -1;
  }
  override getClassName(): string {
    return IntegerLookup.className;
  }
  /** Vocabulary size including the mask and OOV indices. @example layer.vocabularySize() */
  vocabularySize(): number {
    return this.offset + this.vocabulary.length;
  }
  /** The full table: mask, OOV token, vocabulary. @example layer.getVocabulary() */
  getVocabulary(): number[] {
    return [...(this.maskToken === null ? [] : [this.maskToken]), ...Array<number>(this.numOovIndices).fill(this.oovToken), ...this.vocabulary];
  }
  protected override castsInputs(): boolean {
    return false;
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(this, inputs).cast('int32');
    if (this.invert) {
      const table = tensor(this.getVocabulary(), undefined, 'int32');
      return table.gather(x.clipByValue(0, this.vocabularySize() - 1));
    }
    // compare every id with the vocabulary: [..., V] matches, the first match's position, or the OOV index
    const vocab = tensor(this.vocabulary, undefined, 'int32');
    const eq = x.expandDims(-1).equal(vocab);
    let ids = where(eq.any(-1), eq.cast('int32').argMax(-1).add(this.offset), this.numOovIndices ? this.offset - 1 : -1);
    if (this.maskToken !== null) ids = where(x.equal(this.maskToken), 0, ids);
    return this.outputMode === 'int' ? ids : encode(ids, this.vocabularySize(), this.outputMode);
  }
  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = inputShape as SymbolicShape;
    return this.outputMode === 'int' ? s.slice() : encodedShape(s, this.vocabularySize(), this.outputMode);
  }
  override getConfig(): Config {
    return {
      ...super.getConfig(),
      vocabulary: this.vocabulary,
      numOovIndices: this.numOovIndices,
      maskToken: this.maskToken,
      outputMode: this.outputMode,
      invert: this.invert,
      oovToken: this.oovToken,
    };
  }
}

/** Options of `stringLookup`. */
export type StringLookupArgs = LookupArgs<string>;

/**
 * Maps strings to indices in a fixed vocabulary (unknown strings to the OOV index 0 + mask offset). Tensors
 * hold no strings here, so it runs where the data is prepared: `layer.apply(['a', 'b'])` or nested arrays,
 * like TextVectorization; it cannot run inside a model graph.
 * @example nr.layers.stringLookup({ vocabulary: ['a', 'b', 'c'] }).apply([['a', 'x'], ['c', 'b']]) // int32 [[1, 0], [3, 2]]
 */
export class StringLookup extends Layer {
  static readonly className = 'StringLookup';
  readonly vocabulary: string[];
  readonly numOovIndices: number;
  readonly maskToken: string | null;
  readonly outputMode: LookupOutputMode;
  private readonly index: Map<string, number>;
  private readonly offset: number;
  constructor(args: StringLookupArgs) {
    super(args);
    const l = lookupLayout(StringLookup.className, args, (v): v is string => typeof v === 'string');
    this.vocabulary = l.vocabulary;
    this.numOovIndices = l.numOov;
    this.maskToken = l.mask;
    this.outputMode = l.mode;
    this.offset = l.offset;
    // a Map, so tokens such as '__proto__' are plain keys
    this.index = new Map(this.vocabulary.map((t, i) => [t, i + l.offset]));
  }
  override getClassName(): string {
    return StringLookup.className;
  }
  /** Vocabulary size including the mask and OOV indices. @example layer.vocabularySize() */
  vocabularySize(): number {
    return this.offset + this.vocabulary.length;
  }
  private id(token: unknown): number {
    if (typeof token !== 'string')
      throw new ArgumentError(`${this.name}: StringLookup takes strings, received ${show(token)}`);
    if (this.maskToken !== null && token === this.maskToken) return 0;
    const i = this.index.get(token);
    if (i !== undefined) return i;
    if (!this.numOovIndices)
      throw new ArgumentError(`${this.name}: token ${show(token)} is not in the vocabulary and numOovIndices is 0`);
    return this.offset - 1;
  }
  /**
   * Looks strings up: a string array gives int32 [n], nested arrays [n, m] (equal lengths).
   * @example layer.apply([['cat', 'dog']])
   */
  override apply(inputs: LayerInput | string[] | string[][], kwargs?: CallArgs): Tensor;
  override apply(inputs: never, kwargs?: CallArgs): never;
  override apply(inputs: LayerInput | string[] | string[][], _kwargs: CallArgs = {}): Tensor {
    if (!Array.isArray(inputs) || inputs.some((v) => typeof v !== 'string' && !Array.isArray(v)))
      throw new ArgumentError(
        `${this.name}: StringLookup takes an array of strings (or of string arrays) through apply(); it cannot run inside a tensor graph`,
      );
    const rows = inputs as (string | string[])[];
    let ids: Tensor;
    if (rows.every((r) => typeof r === 'string')) ids = tensor(rows.map((t) => this.id(t)), [rows.length], 'int32');
    else {
      const width = Array.isArray(rows[0]) ? rows[0].length : -1;
      if (!rows.every((r) => Array.isArray(r) && r.length === width))
        throw new ArgumentError(`${this.name}: nested arrays must all have the same length, received ${show(rows.map((r) => (Array.isArray(r) ? r.length : r)))}`);
      ids = tensor((rows as string[][]).flatMap((r) => r.map((t) => this.id(t))), [rows.length, width], 'int32');
    }
    if (this.outputMode === 'int') return ids;
    const out = encode(ids, this.vocabularySize(), this.outputMode);
    ids.dispose();
    return out;
  }
  override call(): Tensor {
    throw new ArgumentError(`${this.name}: StringLookup takes strings through apply(); it cannot run inside a tensor graph`);
  }
  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = inputShape as SymbolicShape;
    return this.outputMode === 'int' ? s.slice() : encodedShape(s, this.vocabularySize(), this.outputMode);
  }
  override getConfig(): Config {
    return {
      ...super.getConfig(),
      vocabulary: this.vocabulary,
      numOovIndices: this.numOovIndices,
      maskToken: this.maskToken,
      outputMode: this.outputMode,
    };
  }
}

/** A category encoding layer. @example nr.layers.categoryEncoding({ numTokens: 10, outputMode: 'one_hot' }) */
export const categoryEncoding = (args: CategoryEncodingArgs) => new CategoryEncoding(args);
/** An integer lookup layer. @example nr.layers.integerLookup({ vocabulary: [3, 7] }) */
export const integerLookup = (args: IntegerLookupArgs) => new IntegerLookup(args);
/** A string lookup layer. @example nr.layers.stringLookup({ vocabulary: ['a', 'b'] }) */
export const stringLookup = (args: StringLookupArgs) => new StringLookup(args);

/** Registry entries of this family. */
export const lookupLayers: LayerClassEntry[] = [
  ['CategoryEncoding', (c) => new CategoryEncoding(configAs<CategoryEncodingArgs>(c))],
  ['IntegerLookup', (c) => new IntegerLookup(configAs<IntegerLookupArgs>(c))],
  ['StringLookup', (c) => new StringLookup(configAs<StringLookupArgs>(c))],
];
