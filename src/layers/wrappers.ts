// Wrapper layers: Bidirectional (a recurrent layer run both ways, outputs merged) and TimeDistributed.
import { ArgumentError, show } from '../core/errors.js';
import { type Config, configAs, type SerializedObject, serialize } from '../core/serialization.js';
import type { Tensor } from '../core/tensor.js';
import { concat } from '../ops/movement.js';
import { single } from './core.js';
import {
  type CallArgs,
  Layer,
  type LayerArgs,
  type LayerClassEntry,
  layerShapeError,
} from './layer.js';
import { type RecurrentCallArgs, RecurrentLayer } from './recurrent.js';
import { deserializeLayer } from './registry.js';
import type { SymbolicShape } from './symbolic.js';

/** How Bidirectional combines the forward and backward outputs; null returns both. */
export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave' | null;

const MERGE_MODES: readonly MergeMode[] = ['concat', 'sum', 'mul', 'ave', null];

/** Options of `bidirectional`. */
export interface BidirectionalArgs extends LayerArgs {
  /** The recurrent layer (LSTM, GRU, SimpleRNN, RNN) or its `{className, config}`; a fresh copy runs forward. */
  layer: RecurrentLayer | SerializedObject;
  /** How to combine the two directions. Default 'concat'. */
  mergeMode?: MergeMode;
  /** The layer for the backward direction (goBackwards must differ from `layer`'s); default a copy of `layer` going backwards. */
  backwardLayer?: RecurrentLayer | SerializedObject;
}

/** A layer instance, or one built from `{className, config}`; null for anything else. */
function toLayer(v: Layer | SerializedObject | undefined): Layer | null {
  if (v instanceof Layer) return v;
  if (v && typeof v === 'object' && typeof v.className === 'string') return deserializeLayer(v);
  return null;
}

function toRecurrent(
  owner: string,
  arg: string,
  v: RecurrentLayer | SerializedObject | undefined,
): RecurrentLayer {
  const layer = toLayer(v);
  if (layer instanceof RecurrentLayer) return layer;
  throw new ArgumentError(
    `${owner}: ${arg} must be a recurrent layer (LSTM, GRU, SimpleRNN, RNN) or its {className, config}, received ${layer ? layer.getClassName() : show(v)}`,
  );
}

/** A copy of a layer from its config, renamed, goBackwards optionally changed. */
function copyOf(layer: RecurrentLayer, name: string, goBackwards?: boolean): RecurrentLayer {
  const { className, config } = serialize(layer);
  const changed: Config =
    goBackwards === undefined ? { ...config, name } : { ...config, name, goBackwards };
  return toRecurrent('Bidirectional', 'layer', { className, config: changed });
}

/** The mask of the first input (masks of a list input come as a list). */
function firstMask(mask: CallArgs['mask']): Tensor | null {
  if (Array.isArray(mask)) return mask[0] ?? null;
  return mask ?? null;
}

/** The wrapped layer's own name: a saved config holds the forward copy ('forward_lstm'), so either prefix goes. */
const baseName = (name: string) => name.replace(/^(forward_|backward_)/, '');

/**
 * Runs a recurrent layer forwards and a copy backwards over the sequence and merges the outputs (the backward
 * sequence is flipped back to time order first). Initial states: `apply([x, ...forwardStates, ...backwardStates])`
 * (or `initialState` in the call options).
 * With returnState the outputs are [merged, ...forwardStates, ...backwardStates] (mergeMode null: [forward, backward, ...]).
 * @example nr.layers.bidirectional({ layer: nr.layers.lstm({ units: 16, returnSequences: true }) })
 */
export class Bidirectional extends Layer {
  static readonly className = 'Bidirectional';
  readonly forwardLayer: RecurrentLayer;
  readonly backwardLayer: RecurrentLayer;
  readonly mergeMode: MergeMode;
  private readonly customBackward: boolean;

  constructor(args: BidirectionalArgs) {
    super(args);
    const owner = 'Bidirectional';
    const mode = args?.mergeMode === undefined ? 'concat' : args.mergeMode;
    if (!MERGE_MODES.includes(mode))
      throw new ArgumentError(
        `${owner}: mergeMode must be one of 'concat', 'sum', 'mul', 'ave' or null, received ${show(args.mergeMode)}`,
      );
    this.mergeMode = mode;
    const layer = toRecurrent(owner, 'layer', args?.layer);
    // Like Keras, both directions are fresh layers built from the given layer's config.
    this.forwardLayer = copyOf(layer, `forward_${baseName(layer.name)}`);
    this.customBackward = args.backwardLayer !== undefined;
    this.backwardLayer =
      args.backwardLayer === undefined
        ? copyOf(layer, `backward_${baseName(layer.name)}`, !layer.goBackwards)
        : toRecurrent(owner, 'backwardLayer', args.backwardLayer);
    const f = this.forwardLayer;
    const b = this.backwardLayer;
    if (f.goBackwards === b.goBackwards)
      throw new ArgumentError(
        `${owner}: the forward and backward layers must have different goBackwards, received ${f.goBackwards} for both`,
      );
    for (const k of ['stateful', 'returnSequences', 'returnState'] as const) {
      if (f[k] !== b[k])
        throw new ArgumentError(
          `${owner}: the forward and backward layers must have the same ${k}, received ${f[k]} and ${b[k]}`,
        );
    }
    // Keras zeroes masked outputs of the sequences it flips and merges.
    f.zeroOutputForMask = f.returnSequences;
    b.zeroOutputForMask = b.returnSequences;
  }

  override getClassName(): string {
    return Bidirectional.className;
  }

  get returnSequences(): boolean {
    return this.forwardLayer.returnSequences;
  }

  get returnState(): boolean {
    return this.forwardLayer.returnState;
  }

  override childLayers(): Layer[] {
    return [this.forwardLayer, this.backwardLayer];
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = Array.isArray(inputShape[0])
      ? (inputShape as SymbolicShape[])[0]
      : (inputShape as SymbolicShape);
    if (!this.forwardLayer.built) this.forwardLayer.build(shape);
    if (!this.backwardLayer.built) this.backwardLayer.build(shape);
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[], kwargs: RecurrentCallArgs): Tensor | Tensor[] {
    const [x, ...given] = Array.isArray(inputs) ? inputs : [inputs];
    const states = kwargs.initialState ?? given;
    if (states.length % 2 !== 0)
      throw new ArgumentError(
        `${this.name}: initial states must come in equal numbers for both directions, received ${states.length}`,
      );
    const half = states.length / 2;
    const mask = firstMask(kwargs.mask);
    const sub: CallArgs = { training: kwargs.training, mask };
    const run = (layer: RecurrentLayer, s: Tensor[]) => {
      const out = layer.apply(s.length ? [x, ...s] : x, sub);
      return Array.isArray(out) ? out : [out];
    };
    const [y, ...fStates] = run(this.forwardLayer, states.slice(0, half));
    const [yBack, ...bStates] = run(this.backwardLayer, states.slice(half));
    const yRev = this.returnSequences ? yBack.reverse(1) : yBack;
    const merged = this.merge(y, yRev);
    const outputs = [...merged, ...fStates, ...bStates];
    return outputs.length === 1 ? outputs[0] : outputs;
  }

  private merge(y: Tensor, yRev: Tensor): Tensor[] {
    switch (this.mergeMode) {
      case 'concat':
        return [concat([y, yRev], -1)];
      case 'sum':
        return [y.add(yRev)];
      case 'ave':
        return [y.add(yRev).div(2)];
      case 'mul':
        return [y.mul(yRev)];
      case null:
        return [y, yRev];
      default:
        return this.mergeMode satisfies never;
    }
  }

  override computeOutputShape(
    inputShape: SymbolicShape | SymbolicShape[],
  ): SymbolicShape | SymbolicShape[] {
    const shape = Array.isArray(inputShape[0])
      ? (inputShape as SymbolicShape[])[0]
      : (inputShape as SymbolicShape);
    const inner = this.forwardLayer.computeOutputShape(shape);
    const [out, ...stateShapes] = this.returnState
      ? (inner as SymbolicShape[])
      : [inner as SymbolicShape];
    const last = out[out.length - 1];
    let merged: SymbolicShape[] = [out];
    if (this.mergeMode === 'concat')
      merged = [[...out.slice(0, -1), last === null ? null : last * 2]];
    else if (this.mergeMode === null) merged = [out, out];
    const all = [...merged, ...stateShapes, ...stateShapes];
    return all.length === 1 ? all[0] : all;
  }

  override computeMask(_inputs: Tensor | Tensor[], mask: CallArgs['mask']): Tensor | null {
    if (!this.returnSequences) return null;
    return firstMask(mask);
  }

  override getConfig(): Config {
    const config: Config = {
      ...super.getConfig(),
      layer: { ...serialize(this.forwardLayer) },
      mergeMode: this.mergeMode,
    };
    if (this.customBackward) config.backwardLayer = { ...serialize(this.backwardLayer) };
    return config;
  }
}

/** Options of `timeDistributed`. */
export interface TimeDistributedArgs extends LayerArgs {
  /** The layer applied to every time step, or its `{className, config}`. */
  layer: Layer | SerializedObject;
}

/**
 * Applies a layer to every time step: input [batch, time, ...] is folded to [batch·time, ...], passed through
 * the layer, and unfolded. The wrapped layer's weights are shared by all steps.
 * @example nr.layers.timeDistributed({ layer: nr.layers.dense({ units: 8 }) })
 */
export class TimeDistributed extends Layer {
  static readonly className = 'TimeDistributed';
  readonly layer: Layer;

  constructor(args: TimeDistributedArgs) {
    super(args);
    const layer = toLayer(args?.layer);
    if (!layer)
      throw new ArgumentError(
        `TimeDistributed: layer must be a Layer or {className, config}, received ${show(args?.layer)}`,
      );
    this.layer = layer;
    this.supportsMasking = true;
  }

  override getClassName(): string {
    return TimeDistributed.className;
  }

  override childLayers(): Layer[] {
    return [this.layer];
  }

  /** [batch, time, ...rest] -> [batch, ...rest], the shape each step has. */
  private stepShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = inputShape as SymbolicShape;
    if (Array.isArray(shape[0]) || shape.length < 3)
      throw layerShapeError(
        this,
        `expected one input of rank >= 3 [batch, time, ...], received shape ${show(inputShape)}`,
      );
    return [shape[0], ...shape.slice(2)];
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const step = this.stepShape(inputShape);
    if (!this.layer.built) this.layer.build(step);
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor {
    const x = single(this, inputs);
    this.stepShape(x.shape.slice());
    const [batch, steps, ...rest] = x.shape;
    const mask = firstMask(kwargs.mask);
    const foldedMask =
      mask && mask.rank >= 2 ? mask.reshape([batch * steps, ...mask.shape.slice(2)]) : null;
    const y = this.layer.apply(x.reshape([batch * steps, ...rest]), {
      training: kwargs.training,
      mask: foldedMask,
    });
    if (Array.isArray(y))
      throw layerShapeError(this, `the wrapped layer must return one tensor, received ${y.length}`);
    return y.reshape([batch, steps, ...y.shape.slice(1)]);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const out = this.layer.computeOutputShape(this.stepShape(inputShape));
    if (Array.isArray(out[0]))
      throw layerShapeError(this, 'the wrapped layer must have one output');
    const o = out as SymbolicShape;
    return [o[0], (inputShape as SymbolicShape)[1], ...o.slice(1)];
  }

  override getConfig(): Config {
    return { ...super.getConfig(), layer: { ...serialize(this.layer) } };
  }
}

/** A bidirectional wrapper. @example nr.layers.bidirectional({ layer: nr.layers.gru({ units: 8 }), mergeMode: 'sum' }) */
export const bidirectional = (args: BidirectionalArgs) => new Bidirectional(args);
/** A time-distributed wrapper. @example nr.layers.timeDistributed({ layer: nr.layers.dense({ units: 4 }) }) */
export const timeDistributed = (args: TimeDistributedArgs) => new TimeDistributed(args);

/** Registry entries of this family. */
export const wrappersLayers: LayerClassEntry[] = [
  ['Bidirectional', (c) => new Bidirectional(configAs<BidirectionalArgs>(c))],
  ['TimeDistributed', (c) => new TimeDistributed(configAs<TimeDistributedArgs>(c))],
];
