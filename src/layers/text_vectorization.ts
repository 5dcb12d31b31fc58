// TextVectorization: strings to token ids (or multi-hot/count/tf-idf vectors), with a vocabulary learned by adapt().
import { ArgumentError, show } from '../core/errors.js';
import { ENGINE } from '../core/engine.js';
import type { Config } from '../core/serialization.js';
import type { Tensor } from '../core/tensor.js';
import { buildVocabulary, type StandardizeMode, tokenize } from '../data/text.js';
import { type CallArgs, Layer, type LayerArgs, type LayerInput } from './layer.js';
import type { SymbolicShape } from './symbolic.js';

/** Options of `textVectorization` (Keras names in camelCase). */
export interface TextVectorizationArgs extends LayerArgs {
  /** Vocabulary size including the special tokens; unlimited by default. */
  maxTokens?: number | null;
  /** 'lower_and_strip_punctuation' (default), 'lower', 'strip_punctuation' or null. */
  standardize?: StandardizeMode;
  /** 'whitespace' (default), 'character' or null. */
  split?: 'whitespace' | 'character' | null;
  /** n-gram sizes to add. */
  ngrams?: number | number[] | null;
  /** 'int' (token ids, default), 'multi_hot', 'count' or 'tf_idf'. */
  outputMode?: 'int' | 'multi_hot' | 'count' | 'tf_idf';
  /** In 'int' mode, pad or truncate every sequence to this length (default: the longest in the batch). */
  outputSequenceLength?: number | null;
  /** A vocabulary to use instead of adapt() (without the special tokens, which are added). */
  vocabulary?: string[];
  /** Inverse document frequencies for 'tf_idf' with a given vocabulary. */
  idfWeights?: number[];
}

const MODES = ['int', 'multi_hot', 'count', 'tf_idf'] as const;

/**
 * Turns strings into token ids (`outputMode: 'int'`, padded with 0, unknown words 1) or bag-of-words
 * vectors. Learn the vocabulary with `await layer.adapt(texts)`, then call `layer.apply(texts)` on an
 * array of strings; it is a preprocessing step in front of a model (tensors hold no strings).
 * @example
 * const vectorize = nr.layers.textVectorization({ maxTokens: 10000, outputSequenceLength: 200 });
 * await vectorize.adapt(trainTexts);
 * const ids = vectorize.apply(['a great movie', 'a boring one']); // int32 [2, 200]
 */
export class TextVectorization extends Layer {
  static readonly className = 'TextVectorization';
  readonly maxTokens: number | null;
  readonly standardize: StandardizeMode;
  readonly split: 'whitespace' | 'character' | null;
  readonly ngrams: number | number[] | null;
  readonly outputMode: (typeof MODES)[number];
  readonly outputSequenceLength: number | null;
  private vocab: string[] = [];
  private index = new Map<string, number>();
  private idf: number[] | null = null;

  constructor(args: TextVectorizationArgs = {}) {
    super(args);
    this.maxTokens = args.maxTokens ?? null;
    if (this.maxTokens !== null && (!Number.isInteger(this.maxTokens) || this.maxTokens < 2))
      throw new ArgumentError(
        `TextVectorization: maxTokens must be an integer >= 2, received ${show(args.maxTokens)}`,
      );
    this.standardize =
      args.standardize === undefined ? 'lower_and_strip_punctuation' : args.standardize;
    this.split = args.split === undefined ? 'whitespace' : args.split;
    this.ngrams = args.ngrams ?? null;
    this.outputMode = args.outputMode ?? 'int';
    if (!MODES.includes(this.outputMode))
      throw new ArgumentError(
        `TextVectorization: outputMode must be one of ${MODES.join(', ')}, received ${show(args.outputMode)}`,
      );
    this.outputSequenceLength = args.outputSequenceLength ?? null;
    if (
      this.outputSequenceLength !== null &&
      (!Number.isInteger(this.outputSequenceLength) || this.outputSequenceLength < 1)
    ) {
      throw new ArgumentError(
        `TextVectorization: outputSequenceLength must be a positive integer, received ${show(args.outputSequenceLength)}`,
      );
    }
    if (this.outputSequenceLength !== null && this.outputMode !== 'int')
      throw new ArgumentError(
        `TextVectorization: outputSequenceLength only applies to outputMode 'int', received outputMode ${show(this.outputMode)}`,
      );
    if (args.vocabulary) this.setVocabulary(args.vocabulary, args.idfWeights);
    this.built = true;
  }

  override getClassName(): string {
    return TextVectorization.className;
  }

  private get special(): string[] {
    return this.outputMode === 'int' ? ['', '[UNK]'] : ['[UNK]'];
  }

  /** The vocabulary, special tokens first ('' and '[UNK]' in int mode). @example layer.getVocabulary().slice(0, 5) */
  getVocabulary(): string[] {
    return this.vocab.slice();
  }

  /** Vocabulary size including the special tokens. */
  vocabularySize(): number {
    return this.vocab.length;
  }

  /** Sets the vocabulary (special tokens are added if missing), and idf weights for 'tf_idf'. */
  setVocabulary(vocabulary: readonly string[], idfWeights?: readonly number[]): void {
    if (!Array.isArray(vocabulary) || !vocabulary.every((t) => typeof t === 'string'))
      throw new ArgumentError(
        `TextVectorization: vocabulary must be an array of strings, received ${show(vocabulary)}`,
      );
    const special = this.special;
    const rest = vocabulary.filter((t, i) => !(i < special.length && t === special[i]));
    const full = [...special, ...rest.filter((t) => !special.includes(t))];
    if (this.maxTokens !== null && full.length > this.maxTokens)
      throw new ArgumentError(
        `TextVectorization: the vocabulary has ${full.length} tokens, more than maxTokens ${this.maxTokens}`,
      );
    this.vocab = full;
    this.index = new Map(full.map((t, i) => [t, i]));
    if (this.outputMode === 'tf_idf') {
      if (!idfWeights || idfWeights.length !== full.length)
        throw new ArgumentError(
          `TextVectorization: 'tf_idf' needs one idf weight per vocabulary entry (${full.length}), received ${idfWeights?.length ?? 0}`,
        );
      this.idf = idfWeights.slice();
    }
  }

  private tokens(text: string): string[] {
    if (typeof text !== 'string')
      throw new ArgumentError(`${this.name}: inputs must be strings, received ${show(text)}`);
    return tokenize(text, {
      standardize: this.standardize,
      split: this.split,
      ngrams: this.ngrams,
    });
  }

  /**
   * Learns the vocabulary (and idf weights) from texts: an array, or any (async) iterable such as a
   * dataset of strings or of string batches.
   * @example await layer.adapt(['the cat sat', 'the dog ran']);
   */
  async adapt(data: Iterable<string | string[]> | AsyncIterable<string | string[]>): Promise<void> {
    const docs: string[][] = [];
    const add = (item: string | string[]) => {
      for (const text of Array.isArray(item) ? item : [item]) docs.push(this.tokens(text));
    };
    if (Symbol.asyncIterator in Object(data))
      for await (const item of data as AsyncIterable<string | string[]>) add(item);
    else for (const item of data as Iterable<string | string[]>) add(item);
    const vocab = buildVocabulary(docs, {
      maxTokens: this.maxTokens,
      maskToken: this.outputMode === 'int' ? '' : null,
    });
    let idf: number[] | undefined;
    if (this.outputMode === 'tf_idf') {
      // Keras: idf = log(1 + documents / (1 + documents containing the token)).
      const df = new Map<string, number>();
      for (const d of docs) for (const t of new Set(d)) df.set(t, (df.get(t) ?? 0) + 1);
      idf = vocab.map((t) => Math.log(1 + docs.length / (1 + (df.get(t) ?? 0))));
    }
    this.setVocabulary(vocab, idf);
  }

  /**
   * Vectorizes strings; tensors in, as in other layers, are refused with a clear error.
   * @example layer.apply(['hello world']);
   */
  override apply(inputs: LayerInput | string[] | string, kwargs?: CallArgs): Tensor;
  override apply(inputs: never, kwargs?: CallArgs): never;
  override apply(inputs: LayerInput | string[] | string, _kwargs: CallArgs = {}): Tensor {
    const texts = typeof inputs === 'string' ? [inputs] : inputs;
    if (!Array.isArray(texts) || !texts.every((t) => typeof t === 'string'))
      throw new ArgumentError(
        `${this.name}: TextVectorization takes an array of strings, received ${show(Array.isArray(texts) ? `an array of ${typeof texts[0]}` : texts)}`,
      );
    if (!this.vocab.length)
      throw new ArgumentError(`${this.name}: no vocabulary; call adapt() or pass vocabulary first`);
    return this.vectorize(texts as string[]);
  }

  private vectorize(texts: string[]): Tensor {
    const ids = texts.map((t) =>
      this.tokens(t).map((tok) => this.index.get(tok) ?? (this.outputMode === 'int' ? 1 : 0)),
    );
    if (this.outputMode === 'int') {
      const len = this.outputSequenceLength ?? Math.max(1, ...ids.map((s) => s.length));
      const out = new Int32Array(texts.length * len);
      ids.forEach((s, i) => out.set(s.slice(0, len), i * len));
      return ENGINE.fromValues(out, [texts.length, len], 'int32');
    }
    const v = this.vocab.length;
    const out = new Float32Array(texts.length * v);
    ids.forEach((s, i) => {
      for (const id of s)
        out[i * v + id] = this.outputMode === 'multi_hot' ? 1 : out[i * v + id] + 1;
    });
    if (this.outputMode === 'tf_idf' && this.idf)
      for (let i = 0; i < out.length; i++) out[i] *= this.idf[i % v];
    return ENGINE.fromValues(out, [texts.length, v], 'float32');
  }

  override call(): LayerInput {
    throw new ArgumentError(
      `${this.name}: TextVectorization takes an array of strings through apply(); it cannot run inside a tensor graph`,
    );
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const batch = (inputShape as SymbolicShape)[0] ?? null;
    return this.outputMode === 'int'
      ? [batch, this.outputSequenceLength]
      : [batch, this.vocab.length || null];
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      maxTokens: this.maxTokens,
      standardize: this.standardize,
      split: this.split,
      ngrams: this.ngrams,
      outputMode: this.outputMode,
      outputSequenceLength: this.outputSequenceLength,
      vocabulary: this.vocab,
      ...(this.idf ? { idfWeights: this.idf } : {}),
    };
  }
}

/** A TextVectorization layer. @example nr.layers.textVectorization({ maxTokens: 20000, outputSequenceLength: 250 }) */
export const textVectorization = (args: TextVectorizationArgs = {}) => new TextVectorization(args);
