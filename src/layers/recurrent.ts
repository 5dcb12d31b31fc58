// Recurrent layers: the time loop (RNN) over a cell, and SimpleRNN, LSTM, GRU with Keras semantics.
import { variable } from '../core/backends_api.js';
import { ENGINE } from '../core/engine.js';
import { ArgumentError, show } from '../core/errors.js';
import { type Config, configAs, type SerializedObject, serialize } from '../core/serialization.js';
import type { Tensor, Variable } from '../core/tensor.js';
import { zeros } from '../ops/creation.js';
import { where } from '../ops/elementwise.js';
import { stack } from '../ops/movement.js';
import {
  type CallArgs,
  Layer,
  type LayerArgs,
  type LayerClassEntry,
  layerShapeError,
} from './layer.js';
import {
  GRUCell,
  type GRUCellArgs,
  LSTMCell,
  type LSTMCellArgs,
  RNNCell,
  SimpleRNNCell,
  type SimpleRNNCellArgs,
} from './recurrent_cells.js';
import { deserializeLayer } from './registry.js';
import type { SymbolicShape } from './symbolic.js';

export {
  RNNCell,
  SimpleRNNCell,
  LSTMCell,
  GRUCell,
  type CellRun,
  type SimpleRNNCellArgs,
  type LSTMCellArgs,
  type GRUCellArgs,
} from './recurrent_cells.js';

/** Options of every recurrent layer (the time loop). */
export interface RNNBaseArgs extends LayerArgs {
  /** Return the output of every step ([batch, time, units]) instead of the last ([batch, units]). Default false. */
  returnSequences?: boolean;
  /** Also return the final states: [output, ...states]. Default false. */
  returnState?: boolean;
  /** Process the sequence from the end; with returnSequences the outputs come in processing order (reversed). Default false. */
  goBackwards?: boolean;
  /** Carry the final states of a batch over as the initial states of the next (fixed batch size); `resetStates()` zeroes them. Default false. */
  stateful?: boolean;
  /** Accepted for Keras compatibility; the loop always runs step by step. Default false. */
  unroll?: boolean;
  /** Output zeros (not the previous output) at masked steps. Default false (Bidirectional sets it to returnSequences). */
  zeroOutputForMask?: boolean;
}

/** Options of `rnn`: a loop over any cell. */
export interface RNNArgs extends RNNBaseArgs {
  /** The cell: an RNNCell or its `{className, config}`. */
  cell: RNNCell | SerializedObject;
}

/**
 * Call options of recurrent layers. Initial states can also be given as extra inputs: `layer.apply([x, h0])`
 * (`[x, h0, c0]` for LSTM), which is the form functional models use.
 */
export interface RecurrentCallArgs extends CallArgs {
  /** Initial states, one [batch, size] tensor per state (zeros when absent). */
  initialState?: Tensor[];
}

/** A mask as bool [batch, time]. */
function boolMask(mask: Tensor): Tensor {
  return mask.dtype === 'bool' ? mask : mask.notEqual(0);
}

/** The first input and its mask, from one tensor or a list. */
function firstMask(mask: CallArgs['mask']): Tensor | null {
  if (Array.isArray(mask)) return mask[0] ?? null;
  return mask ?? null;
}

/**
 * The recurrent loop of Keras' RNN layer over a cell: masking (a masked step keeps the previous output and
 * states), goBackwards, returnSequences, returnState, initial states, stateful. Base of RNN, SimpleRNN, LSTM, GRU.
 * @example
 * const layer: RecurrentLayer = nr.layers.lstm({ units: 4, returnState: true });
 * const [output, h, c] = layer.apply([x, h0, c0]);
 */
export abstract class RecurrentLayer extends Layer {
  readonly cell: RNNCell;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly stateful: boolean;
  readonly unroll: boolean;
  zeroOutputForMask: boolean;
  private stateVariables: Variable[] | null = null;

  protected constructor(
    options: RNNBaseArgs | undefined,
    makeCell: (layerName: string) => RNNCell,
  ) {
    const args = options ?? {};
    super(args);
    this.cell = makeCell(this.name);
    this.returnSequences = args.returnSequences ?? false;
    this.returnState = args.returnState ?? false;
    this.goBackwards = args.goBackwards ?? false;
    this.stateful = args.stateful ?? false;
    this.unroll = args.unroll ?? false;
    this.zeroOutputForMask = args.zeroOutputForMask ?? false;
    for (const k of [
      'returnSequences',
      'returnState',
      'goBackwards',
      'stateful',
      'unroll',
      'zeroOutputForMask',
    ] as const) {
      if (args[k] !== undefined && typeof args[k] !== 'boolean')
        throw new ArgumentError(
          `${this.getClassName()}: ${k} must be a boolean, received ${show(args[k])}`,
        );
    }
    this.supportsMasking = true;
  }

  override childLayers(): Layer[] {
    return [this.cell];
  }

  /** The sequence shape (first input) of one shape or a list [sequence, ...initial states]. */
  private sequenceShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = Array.isArray(inputShape[0])
      ? (inputShape as SymbolicShape[])[0]
      : (inputShape as SymbolicShape);
    if (shape.length !== 3)
      throw layerShapeError(
        this,
        `expected a sequence of rank 3 [batch, time, features], received shape ${show(shape)}`,
      );
    return shape;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = this.sequenceShape(inputShape);
    if (!this.cell.built) this.cell.build([shape[0], shape[2]]);
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[], kwargs: RecurrentCallArgs): Tensor | Tensor[] {
    const [x, ...given] = Array.isArray(inputs) ? inputs : [inputs];
    this.sequenceShape(x.shape.slice());
    const [batch, steps] = x.shape;
    if (steps === 0)
      throw layerShapeError(
        this,
        `the sequence must have at least one step, received shape ${show(x.shape)}`,
      );
    const sizes = this.cell.stateSize;
    const initial = kwargs.initialState ?? (given.length ? given : null);
    let states: Tensor[];
    // zero initial states: see `shared` below
    let zeroStates = false;
    if (initial) {
      if (initial.length !== sizes.length)
        throw new ArgumentError(
          `${this.name}: expects ${sizes.length} initial state(s), received ${initial.length}`,
        );
      initial.forEach((s, i) => {
        if (s.rank !== 2 || s.shape[0] !== batch || s.shape[1] !== sizes[i])
          throw layerShapeError(
            this,
            `initial state ${i} must have shape [${batch}, ${sizes[i]}], received ${show(s.shape)}`,
          );
      });
      states = initial;
    } else if (this.stateful) {
      states = this.statefulStates(batch);
    } else {
      states = sizes.map((s) => zeros([batch, s]));
      zeroStates = true;
    }

    const run = this.cell.prepare(x, kwargs.training ?? false);
    const stepInputs = run.inputs.unstack(1);
    const mask = firstMask(kwargs.mask);
    const stepMasks = mask ? boolMask(mask).reshape([batch, steps, 1]).unstack(1) : null;
    if (this.goBackwards) {
      stepInputs.reverse();
      stepMasks?.reverse();
    }
    const outputs: Tensor[] = [];
    let prevOutput: Tensor | null = null;
    // A masked step keeps the previous output and states (Keras' backend rnn); the output starts as zeros.
    // When a step's output is its first state (the built-in cells) and the states start as zeros, the
    // kept output and the kept first state are the same values at every step (hNew of the last unmasked
    // step, zeros before it): one where serves both. `shared` drops for good at a step where that fails.
    let shared = zeroStates;
    for (let t = 0; t < steps; t++) {
      const r = run.step(stepInputs[t], states);
      if (!stepMasks) {
        prevOutput = r.output;
        states = r.states;
        outputs.push(prevOutput);
        continue;
      }
      const m = stepMasks[t];
      const prevFirst = states[0];
      states = r.states.map((s, i) => where(m, s, states[i]));
      shared &&=
        r.output === r.states[0] &&
        r.output.dtype === prevFirst.dtype &&
        (prevOutput === null || prevOutput === prevFirst);
      if (this.zeroOutputForMask) {
        // where(m, where(m, output, prev), 0) = where(m, output, 0): the kept output is never read
        outputs.push(where(m, r.output, 0));
        continue;
      }
      prevOutput = shared ? states[0] : where(m, r.output, prevOutput ?? r.output.zerosLike());
      outputs.push(prevOutput);
    }
    if (this.stateful && this.stateVariables)
      this.stateVariables.forEach((v, i) => v.assign(states[i]));
    const output = this.returnSequences ? stack(outputs, 1) : outputs[steps - 1];
    return this.returnState ? [output, ...states] : output;
  }

  /** The carried states of a stateful layer, created as zeros for the first batch. */
  private statefulStates(batch: number): Tensor[] {
    // the batch size declared by batchInputShape (tfjs and Keras require one for stateful layers) wins
    const built = this.builtInputShape;
    const declared = built && !Array.isArray(built[0]) ? built[0] : null;
    if (typeof declared === 'number' && declared !== batch)
      throw layerShapeError(
        this,
        `a stateful layer needs a fixed batch size: batchInputShape declares ${declared} samples, received ${batch}`,
      );
    if (!this.stateVariables) {
      this.stateVariables = this.cell.stateSize.map((s) => {
        const start = zeros([batch, s]);
        const v = variable(start, false, ENGINE.uniqueVariableName(`${this.name}/state`));
        start.dispose();
        return v;
      });
    }
    const held = this.stateVariables[0].shape[0];
    if (held !== batch)
      throw layerShapeError(
        this,
        `a stateful layer needs a fixed batch size: states are for ${held} samples, received ${batch}`,
      );
    return this.stateVariables;
  }

  /**
   * Resets the states of a stateful layer to zeros (or to given values).
   * @example layer.resetStates()
   */
  resetStates(values?: Tensor[]): void {
    if (!this.stateful) throw new ArgumentError(`${this.name}: resetStates needs stateful: true`);
    if (!this.stateVariables) return;
    this.stateVariables.forEach((v, i) => {
      const next = values?.[i] ?? zeros(v.shape);
      v.assign(next);
      if (!values?.[i]) next.dispose();
    });
  }

  override computeOutputShape(
    inputShape: SymbolicShape | SymbolicShape[],
  ): SymbolicShape | SymbolicShape[] {
    const [batch, steps] = this.sequenceShape(inputShape);
    const units = this.cell.stateSize[0];
    const output = this.returnSequences ? [batch, steps, units] : [batch, units];
    return this.returnState ? [output, ...this.cell.stateSize.map((s) => [batch, s])] : output;
  }

  override computeMask(_inputs: Tensor | Tensor[], mask: CallArgs['mask']): Tensor | null {
    return this.returnSequences ? firstMask(mask) : null;
  }

  override dispose(): void {
    this.stateVariables?.forEach((v) => v.dispose());
    this.stateVariables = null;
    super.dispose();
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      goBackwards: this.goBackwards,
      stateful: this.stateful,
      unroll: this.unroll,
      zeroOutputForMask: this.zeroOutputForMask,
    };
  }
}

function toCell(owner: string, cell: RNNCell | SerializedObject | undefined): RNNCell {
  if (cell instanceof RNNCell) return cell;
  if (cell && typeof cell === 'object' && typeof cell.className === 'string') {
    const layer = deserializeLayer(cell);
    if (layer instanceof RNNCell) return layer;
    throw new ArgumentError(
      `${owner}: cell must be an RNN cell, received a ${layer.getClassName()}`,
    );
  }
  throw new ArgumentError(
    `${owner}: cell must be an RNNCell or {className, config}, received ${show(cell)}`,
  );
}

/**
 * The recurrent loop over any cell (Keras' RNN): built-in or a custom RNNCell subclass.
 * @example nr.layers.rnn({ cell: nr.layers.lstmCell({ units: 8 }), returnSequences: true })
 */
export class RNN extends RecurrentLayer {
  static readonly className = 'RNN';
  constructor(args: RNNArgs) {
    super(args, () => toCell('RNN', args?.cell));
  }
  override getClassName(): string {
    return RNN.className;
  }
  override getConfig(): Config {
    return { ...super.getConfig(), cell: { ...serialize(this.cell) } };
  }
}

/** Cell options only (layer options such as name and inputShape stay with the layer). */
function cellArgs<T extends SimpleRNNCellArgs>(args: T & RNNBaseArgs, name: string): T {
  const {
    returnSequences: _a,
    returnState: _b,
    goBackwards: _c,
    stateful: _d,
    unroll: _e,
    zeroOutputForMask: _f,
    inputShape: _g,
    batchInputShape: _h,
    batchSize: _i,
    ...rest
  } = args;
  return { ...rest, name } as T;
}

/** Checks units before the cell does, so the error names the layer ('LSTM: units ...'). */
function withUnits<T extends SimpleRNNCellArgs>(owner: string, args: T): T {
  const units = args?.units;
  if (typeof units !== 'number' || !Number.isInteger(units) || units < 1)
    throw new ArgumentError(`${owner}: units must be a positive integer, received ${show(units)}`);
  return args;
}

/** Options of `simpleRNN`. */
export interface SimpleRNNArgs extends SimpleRNNCellArgs, RNNBaseArgs {}
/** Options of `lstm`. */
export interface LSTMArgs extends LSTMCellArgs, RNNBaseArgs {}
/** Options of `gru`. */
export interface GRUArgs extends GRUCellArgs, RNNBaseArgs {}

/**
 * Fully connected RNN whose output is fed back: h_t = activation(x_t·kernel + h_{t-1}·recurrentKernel + bias).
 * Weights: kernel [inputDim, units], recurrent_kernel [units, units], bias [units].
 * @example nr.layers.simpleRNN({ units: 16, returnSequences: true })
 */
export class SimpleRNN extends RecurrentLayer {
  static readonly className = 'SimpleRNN';
  constructor(args: SimpleRNNArgs) {
    super(
      withUnits('SimpleRNN', args),
      (name) => new SimpleRNNCell(cellArgs<SimpleRNNCellArgs>(args, `${name}/simple_rnn_cell`)),
    );
  }
  override getClassName(): string {
    return SimpleRNN.className;
  }
  override getConfig(): Config {
    const { name: _n, trainable: _t, dtype: _d, ...cell } = this.cell.getConfig();
    return { ...super.getConfig(), ...cell };
  }
}

/**
 * Long short-term memory (Hochreiter 1997), Keras semantics: gates i, f, c, o; states [h, c].
 * Weights: kernel [inputDim, 4·units], recurrent_kernel [units, 4·units], bias [4·units] (forget bias 1 by default).
 * Initial states: `layer.apply([x, h0, c0])`. Dropout masks are drawn once per sequence.
 * @example nr.layers.lstm({ units: 32, returnSequences: true })
 */
export class LSTM extends RecurrentLayer {
  static readonly className = 'LSTM';
  constructor(args: LSTMArgs) {
    super(
      withUnits('LSTM', args),
      (name) => new LSTMCell(cellArgs<LSTMCellArgs>(args, `${name}/lstm_cell`)),
    );
  }
  override getClassName(): string {
    return LSTM.className;
  }
  override getConfig(): Config {
    const { name: _n, trainable: _t, dtype: _d, ...cell } = this.cell.getConfig();
    return { ...super.getConfig(), ...cell };
  }
}

/**
 * Gated recurrent unit (Cho 2014), Keras semantics: gates z, r, h; resetAfter (default true) matches cuDNN
 * and torch with bias [2, 3·units] = [input bias; recurrent bias].
 * Weights: kernel [inputDim, 3·units], recurrent_kernel [units, 3·units], bias.
 * @example nr.layers.gru({ units: 32 })
 */
export class GRU extends RecurrentLayer {
  static readonly className = 'GRU';
  constructor(args: GRUArgs) {
    super(
      withUnits('GRU', args),
      (name) => new GRUCell(cellArgs<GRUCellArgs>(args, `${name}/gru_cell`)),
    );
  }
  override getClassName(): string {
    return GRU.className;
  }
  override getConfig(): Config {
    const { name: _n, trainable: _t, dtype: _d, ...cell } = this.cell.getConfig();
    return { ...super.getConfig(), ...cell };
  }
}

/** A recurrent loop over a cell. @example nr.layers.rnn({ cell: nr.layers.gruCell({ units: 4 }) }) */
export const rnn = (args: RNNArgs) => new RNN(args);
/** A SimpleRNN layer. @example nr.layers.simpleRNN({ units: 8 }) */
export const simpleRNN = (args: SimpleRNNArgs) => new SimpleRNN(args);
/** An LSTM layer. @example nr.layers.lstm({ units: 8, returnSequences: true }) */
export const lstm = (args: LSTMArgs) => new LSTM(args);
/** A GRU layer. @example nr.layers.gru({ units: 8 }) */
export const gru = (args: GRUArgs) => new GRU(args);
/** A SimpleRNN cell. @example nr.layers.simpleRNNCell({ units: 8 }) */
export const simpleRNNCell = (args: SimpleRNNCellArgs) => new SimpleRNNCell(args);
/** An LSTM cell. @example nr.layers.lstmCell({ units: 8 }) */
export const lstmCell = (args: LSTMCellArgs) => new LSTMCell(args);
/** A GRU cell. @example nr.layers.gruCell({ units: 8 }) */
export const gruCell = (args: GRUCellArgs) => new GRUCell(args);

/** Registry entries of this family. */
export const recurrentLayers: LayerClassEntry[] = [
  ['RNN', (c) => new RNN(configAs<RNNArgs>(c))],
  ['SimpleRNN', (c) => new SimpleRNN(configAs<SimpleRNNArgs>(c))],
  ['LSTM', (c) => new LSTM(configAs<LSTMArgs>(c))],
  // A config without resetAfter comes from TensorFlow.js (or Keras 1), whose GRU is the resetAfter: false form.
  ['GRU', (c) => new GRU({ ...configAs<GRUArgs>(c), resetAfter: c.resetAfter === undefined ? false : configAs<GRUArgs>(c).resetAfter })],
  ['SimpleRNNCell', (c) => new SimpleRNNCell(configAs<SimpleRNNCellArgs>(c))],
  ['LSTMCell', (c) => new LSTMCell(configAs<LSTMCellArgs>(c))],
  ['GRUCell', (c) => new GRUCell(configAs<GRUCellArgs>(c))],
];
