// AdditiveAttention (Bahdanau): scores sum(scale · tanh(query + key)) with a learned per-feature scale.
import { configAs, type Config } from '../core/serialization.js';
import type { Tensor, Variable } from '../core/tensor.js';
import { ArgumentError, show } from '../core/errors.js';
import { Attention, type AttentionArgs } from './attention.js';
import type { LayerClassEntry } from './layer.js';
import type { SymbolicShape } from './symbolic.js';

/** Options of `additiveAttention`. */
export interface AdditiveAttentionArgs extends Omit<AttentionArgs, 'scoreMode'> {
  /** Learn a scale per feature that weighs the tanh terms. Default true (Keras). */
  useScale?: boolean;
}

/**
 * Additive (Bahdanau) attention: scores[i, j] = sum_d scale_d · tanh(query[i, d] + key[j, d]), then
 * softmax(scores)·value. Inputs `[query, value]` or `[query, value, key]`; weight `scale` [dim] when useScale.
 * @example nr.layers.additiveAttention().apply([query, value])
 */
export class AdditiveAttention extends Attention {
  static override readonly className = 'AdditiveAttention';
  readonly useFeatureScale: boolean;
  featureScale: Variable | null = null;

  constructor(args: AdditiveAttentionArgs = {}) {
    const useScale = args.useScale ?? true;
    if (typeof useScale !== 'boolean')
      throw new ArgumentError(`AdditiveAttention: useScale must be a boolean, received ${show(args.useScale)}`);
    // the base's scalar scale and scoreMode do not apply: this layer has its own scores
    super({ ...args, useScale: false, scoreMode: 'dot' });
    this.useFeatureScale = useScale;
  }

  override getClassName(): string {
    return AdditiveAttention.className;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const list = inputShape as SymbolicShape[];
    const key = list[2] ?? list[1];
    const dim = Array.isArray(key) ? key[key.length - 1] : null;
    if (this.useFeatureScale) {
      if (typeof dim !== 'number')
        throw new ArgumentError(`${this.name}: the key's last dimension must be known, received ${show(inputShape)}`);
      this.featureScale = this.addWeight('scale', { shape: [dim], initializer: 'glorotUniform' });
    }
    super.build(inputShape);
  }

  protected override scores(q: Tensor, k: Tensor): Tensor {
    // [B, Tq, 1, d] + [B, 1, Tv, d] -> [B, Tq, Tv]
    const t = q.expandDims(-2).add(k.expandDims(-3)).tanh();
    return (this.featureScale ? t.mul(this.featureScale) : t).sum(-1);
  }

  override getConfig(): Config {
    const { scoreMode: _mode, ...rest } = super.getConfig();
    return { ...rest, useScale: this.useFeatureScale };
  }
}

/** An additive attention layer. @example nr.layers.additiveAttention({ useScale: true }) */
export const additiveAttention = (args: AdditiveAttentionArgs = {}) => new AdditiveAttention(args);

/** Registry entries of this family. */
export const additiveAttentionLayers: LayerClassEntry[] = [
  ['AdditiveAttention', (c) => new AdditiveAttention(configAs<AdditiveAttentionArgs>(c))],
];
