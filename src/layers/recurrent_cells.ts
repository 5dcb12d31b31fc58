// Recurrent cells (one time step): SimpleRNNCell, LSTMCell, GRUCell, with Keras' weight layouts and gate orders.
import {
  getActivation,
  isElementwiseActivation,
  serializeActivation,
  type ActivationFn,
} from '../activations/index.js';
import type { Constraint } from '../constraints/index.js';
import { ENGINE } from '../core/engine.js';
import { ArgumentError, show } from '../core/errors.js';
import type { DType } from '../core/dtype.js';
import { tidy } from '../core/memory.js';
import type { Config } from '../core/serialization.js';
import type { Tensor, Variable } from '../core/tensor.js';
import { getInitializer, Initializer } from '../initializers/index.js';
import { ones } from '../ops/creation.js';
import { concat } from '../ops/movement.js';
import { dropout } from '../ops/nn.js';
import type { Regularizer } from '../regularizers/index.js';
import { specOf } from './core.js';
import { type CallArgs, Layer, type LayerArgs, layerShapeError } from './layer.js';
import type { SymbolicShape } from './symbolic.js';

/** What a cell prepares once per sequence: the per-step inputs and the step itself. */
export interface CellRun {
  /** Per-step inputs, [batch, time, features]: the raw inputs, or their projections for built-in cells. */
  inputs: Tensor;
  /** One time step: the output and the next states. */
  step(input: Tensor, states: Tensor[]): { output: Tensor; states: Tensor[] };
}

/**
 * Base of recurrent cells: `call([x_t, ...states])` gives `[output, ...newStates]` for one step. A custom cell
 * overrides `call` and `stateSize`; `prepare` lets built-in cells do per-sequence work (input projections for
 * every step in one matMul, dropout masks shared by all steps) before the time loop.
 * @example
 * const cell = nr.layers.lstmCell({ units: 8 });
 * const layer = nr.layers.rnn({ cell, returnSequences: true });
 */
export abstract class RNNCell extends Layer {
  /** Size of each state ([units] or [units, units] for LSTM). The first is the output size. */
  abstract get stateSize(): number[];

  /** Per-sequence preparation; by default each step calls `call([x_t, ...states])`. */
  prepare(sequence: Tensor, training: boolean): CellRun {
    return {
      inputs: sequence,
      step: (x, states) => {
        const out = this.call([x, ...states], { training });
        const list = Array.isArray(out) ? out : [out];
        return { output: list[0], states: list.length > 1 ? list.slice(1) : [list[0]] };
      },
    };
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape[] {
    const shapes = Array.isArray(inputShape[0])
      ? (inputShape as SymbolicShape[])
      : [inputShape as SymbolicShape];
    const batch = shapes[0][0];
    return [[batch, this.stateSize[0]], ...this.stateSize.map((s) => [batch, s])];
  }
}

/** Options shared by the built-in cells (and their layers). */
export interface SimpleRNNCellArgs extends LayerArgs {
  /** Size of the output and of each state (positive integer). */
  units: number;
  /** Activation of the candidate/output. Default 'tanh'. */
  activation?: string | ActivationFn;
  /** Whether to add biases. Default true. */
  useBias?: boolean;
  /** Initializer of the input kernel [inputDim, gates·units]. Default 'glorotUniform'. */
  kernelInitializer?: string | Initializer;
  /** Initializer of the recurrent kernel [units, gates·units]. Default 'orthogonal'. */
  recurrentInitializer?: string | Initializer;
  /** Initializer of the bias. Default 'zeros'. */
  biasInitializer?: string | Initializer;
  kernelRegularizer?: string | Regularizer;
  recurrentRegularizer?: string | Regularizer;
  biasRegularizer?: string | Regularizer;
  kernelConstraint?: string | Constraint;
  recurrentConstraint?: string | Constraint;
  biasConstraint?: string | Constraint;
  /** Fraction of the input features dropped while training (one mask per sequence, shared by all steps and gates). Default 0. */
  dropout?: number;
  /** Fraction of the previous output dropped in the recurrent product while training (one mask per sequence). Default 0. */
  recurrentDropout?: number;
  /** Seed of the dropout masks. */
  seed?: number;
}

/** Options of `lstmCell` (and `lstm`). */
export interface LSTMCellArgs extends SimpleRNNCellArgs {
  /** Activation of the input, forget and output gates. Default 'sigmoid'. */
  recurrentActivation?: string | ActivationFn;
  /** Initialise the forget-gate bias to 1 (the rest with biasInitializer). Default true. */
  unitForgetBias?: boolean;
}

/** Options of `gruCell` (and `gru`). */
export interface GRUCellArgs extends SimpleRNNCellArgs {
  /** Activation of the update and reset gates. Default 'sigmoid'. */
  recurrentActivation?: string | ActivationFn;
  /** Apply the reset gate after the recurrent product (Keras 2+/cuDNN/torch style; bias [2, 3·units]). Default true. */
  resetAfter?: boolean;
}

function checkRate(owner: string, arg: string, v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !(v >= 0 && v < 1))
    throw new ArgumentError(`${owner}: ${arg} must be a number in [0, 1), received ${show(v)}`);
  return v;
}

/** A mask of 0 and 1 / (1 - rate) (inverted dropout applied to ones). */
function dropoutMask(shape: number[], rate: number, seed: number | undefined): Tensor {
  return dropout(ones(shape), rate, undefined, seed);
}

/**
 * LSTM bias start: biasInitializer for the input gate, ones for the forget gate, biasInitializer for the
 * candidate and output gates (Keras' unit_forget_bias). Never serialized: configs keep `unitForgetBias`.
 */
class UnitForgetBias extends Initializer {
  constructor(
    private readonly units: number,
    private readonly base: Initializer,
  ) {
    super();
  }
  call(_shape: readonly number[], dtype: DType = 'float32'): Tensor {
    const u = this.units;
    // a scope, so the three parts are freed once joined (they leaked 3 tensors per LSTM build)
    return tidy(() =>
      concat([this.base.call([u], dtype), ones([u], dtype), this.base.call([2 * u], dtype)], 0),
    );
  }
  override getClassName(): string {
    return 'UnitForgetBias';
  }
}

/** The built-in cells: input kernel, recurrent kernel and bias with `gates` blocks of `units` columns. */
abstract class GatedCell extends RNNCell {
  readonly units: number;
  readonly activation: ActivationFn;
  readonly useBias: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly seed: number | null;
  protected readonly args: SimpleRNNCellArgs;
  kernel: Variable | null = null;
  recurrentKernel: Variable | null = null;
  bias: Variable | null = null;
  private calls = 0;

  constructor(args: SimpleRNNCellArgs) {
    super(args);
    const owner = this.getClassName();
    if (typeof args?.units !== 'number' || !Number.isInteger(args.units) || args.units < 1) {
      throw new ArgumentError(
        `${owner}: units must be a positive integer, received ${show(args?.units)}`,
      );
    }
    this.units = args.units;
    this.activation = getActivation(args.activation ?? 'tanh');
    this.useBias = args.useBias ?? true;
    this.dropout = checkRate(owner, 'dropout', args.dropout);
    this.recurrentDropout = checkRate(owner, 'recurrentDropout', args.recurrentDropout);
    this.seed = args.seed ?? null;
    this.args = args;
  }

  /** Number of gate blocks (1, 4 or 3). */
  protected abstract get gates(): number;

  get stateSize(): number[] {
    return [this.units];
  }

  protected biasShape(): number[] {
    return [this.gates * this.units];
  }

  protected biasInitializer(): string | Initializer {
    return this.args.biasInitializer ?? 'zeros';
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = Array.isArray(inputShape[0])
      ? (inputShape as SymbolicShape[])[0]
      : (inputShape as SymbolicShape);
    const inDim = shape[shape.length - 1];
    if (inDim === null || inDim === undefined)
      throw layerShapeError(
        this,
        `the last dimension of the input must be known, received shape ${show(shape)}`,
      );
    const a = this.args;
    const cols = this.gates * this.units;
    this.kernel = this.addWeight('kernel', {
      shape: [inDim, cols],
      initializer: a.kernelInitializer ?? 'glorotUniform',
      regularizer: a.kernelRegularizer,
      constraint: a.kernelConstraint,
    });
    this.recurrentKernel = this.addWeight('recurrent_kernel', {
      shape: [this.units, cols],
      initializer: a.recurrentInitializer ?? 'orthogonal',
      regularizer: a.recurrentRegularizer,
      constraint: a.recurrentConstraint,
    });
    if (this.useBias)
      this.bias = this.addWeight('bias', {
        shape: this.biasShape(),
        initializer: this.biasInitializer(),
        regularizer: a.biasRegularizer,
        constraint: a.biasConstraint,
      });
    super.build(inputShape);
  }

  /** The bias added to the input projection (all of it, except GRU's recurrent half). */
  protected inputBias(): Tensor | null {
    return this.bias;
  }

  /**
   * What every step reads of the recurrent weights, made once per sequence in `prepare` (a slice of a
   * weight taken per step costs a copy each step and, in the backward, a scatter and an add each step).
   */
  protected recurrentWeights(): Tensor[] {
    return [this.recurrentKernel as Variable];
  }

  /** One step from the projected input `p` (x·kernel + input bias), the states and recurrentWeights(). */
  protected abstract recurrentStep(
    p: Tensor,
    states: Tensor[],
    recMask: Tensor | null,
    weights: Tensor[],
  ): { output: Tensor; states: Tensor[] };

  override prepare(sequence: Tensor, training: boolean): CellRun {
    if (!this.kernel) throw layerShapeError(this, 'called before build');
    const [b, t, d] = sequence.shape;
    let x = sequence;
    // NOTE: one mask per sequence, broadcast over time: Keras caches the cell's masks for the whole call.
    if (training && this.dropout > 0)
      x = x.mul(dropoutMask([b, 1, d], this.dropout, this.nextSeed()));
    let proj = x.reshape([b * t, d]).matMul(this.kernel);
    const bias = this.inputBias();
    if (bias) proj = proj.add(bias);
    const recMask =
      training && this.recurrentDropout > 0
        ? dropoutMask([b, this.units], this.recurrentDropout, this.nextSeed())
        : null;
    // NOTE: under a mixed-precision policy every read of a variable is a cast whose gradient returns to
    // float32 at once; pieces made once would add up the steps' gradients in float16: made per step then
    const autocast = ENGINE.autocastDtype !== null && ENGINE.autocastDtype !== 'float32';
    const weights = autocast ? null : this.recurrentWeights();
    return {
      inputs: proj.reshape([b, t, this.gates * this.units]),
      step: (p, states) =>
        this.recurrentStep(p, states, recMask, weights ?? this.recurrentWeights()),
    };
  }

  private nextSeed(): number | undefined {
    return this.seed === null ? undefined : this.seed + this.calls++;
  }

  /** One step on its own: inputs [x_t, ...states] give [output, ...newStates]. */
  override call(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const n = this.stateSize.length;
    if (list.length !== 1 + n)
      throw new ArgumentError(
        `${this.name}: expects [input, ${n === 1 ? 'state' : `${n} states`}], received ${list.length} tensors`,
      );
    const [x, ...states] = list;
    const run = this.prepare(x.expandDims(1), kwargs.training ?? false);
    const r = run.step(run.inputs.squeeze([1]), states);
    return [r.output, ...r.states];
  }

  override getConfig(): Config {
    const a = this.args;
    return {
      ...super.getConfig(),
      units: this.units,
      activation: serializeActivation(this.activation),
      useBias: this.useBias,
      kernelInitializer: specOf(a.kernelInitializer, 'glorotUniform'),
      recurrentInitializer: specOf(a.recurrentInitializer, 'orthogonal'),
      biasInitializer: specOf(a.biasInitializer, 'zeros'),
      kernelRegularizer: specOf(a.kernelRegularizer, null),
      recurrentRegularizer: specOf(a.recurrentRegularizer, null),
      biasRegularizer: specOf(a.biasRegularizer, null),
      kernelConstraint: specOf(a.kernelConstraint, null),
      recurrentConstraint: specOf(a.recurrentConstraint, null),
      biasConstraint: specOf(a.biasConstraint, null),
      dropout: this.dropout,
      recurrentDropout: this.recurrentDropout,
      seed: this.seed,
    };
  }
}

/**
 * Fully connected recurrent cell: h = activation(x·kernel + bias + h_prev·recurrentKernel).
 * @example nr.layers.rnn({ cell: nr.layers.simpleRNNCell({ units: 4 }) })
 */
export class SimpleRNNCell extends GatedCell {
  static readonly className = 'SimpleRNNCell';
  override getClassName(): string {
    return SimpleRNNCell.className;
  }
  protected get gates(): number {
    return 1;
  }
  protected recurrentStep(
    p: Tensor,
    [h]: Tensor[],
    recMask: Tensor | null,
    [kernel]: Tensor[],
  ): { output: Tensor; states: Tensor[] } {
    const hPrev = recMask ? h.mul(recMask) : h;
    const out = this.activation(p.add(hPrev.matMul(kernel)));
    return { output: out, states: [out] };
  }
}

/**
 * LSTM cell, gates in Keras order i, f, c, o (torch's i, f, g, o):
 * c = f·c_prev + i·activation(z_c), h = o·activation(c), with i, f, o = recurrentActivation(z).
 * @example nr.layers.lstmCell({ units: 8 })
 */
export class LSTMCell extends GatedCell {
  static readonly className = 'LSTMCell';
  readonly recurrentActivation: ActivationFn;
  readonly unitForgetBias: boolean;
  constructor(args: LSTMCellArgs) {
    super(args);
    this.recurrentActivation = getActivation(args.recurrentActivation ?? 'sigmoid');
    this.unitForgetBias = args.unitForgetBias ?? true;
  }
  override getClassName(): string {
    return LSTMCell.className;
  }
  protected get gates(): number {
    return 4;
  }
  override get stateSize(): number[] {
    return [this.units, this.units];
  }
  protected override biasInitializer(): string | Initializer {
    const base = super.biasInitializer();
    return this.unitForgetBias ? new UnitForgetBias(this.units, getInitializer(base)) : base;
  }
  protected recurrentStep(
    p: Tensor,
    [h, c]: Tensor[],
    recMask: Tensor | null,
    [kernel]: Tensor[],
  ): { output: Tensor; states: Tensor[] } {
    const hPrev = recMask ? h.mul(recMask) : h;
    const u = this.units;
    const act = this.recurrentActivation;
    let i: Tensor;
    let f: Tensor;
    let zc: Tensor;
    let zo: Tensor;
    if (isElementwiseActivation(act)) {
      // i and f side by side: one recurrentActivation over both (the same arithmetic as one per gate),
      // three fewer kernels in the backward of each step
      let zif: Tensor;
      [zif, zc, zo] = p.add(hPrev.matMul(kernel)).split([2 * u, u, u], -1);
      [i, f] = act(zif).split(2, -1);
    } else {
      let zi: Tensor;
      let zf: Tensor;
      [zi, zf, zc, zo] = p.add(hPrev.matMul(kernel)).split(4, -1);
      i = act(zi);
      f = act(zf);
    }
    const o = act(zo);
    const cNew = f.mul(c).add(i.mul(this.activation(zc)));
    const hNew = o.mul(this.activation(cNew));
    return { output: hNew, states: [hNew, cNew] };
  }
  override getConfig(): Config {
    return {
      ...super.getConfig(),
      recurrentActivation: serializeActivation(this.recurrentActivation),
      unitForgetBias: this.unitForgetBias,
    };
  }
}

/**
 * GRU cell, gates in Keras order z (update), r (reset), h (candidate): h = z·h_prev + (1 - z)·hh.
 * With resetAfter (default, torch/cuDNN style) hh = activation(x·W_h + b_in + r·(h_prev·U_h + b_rec)) and the
 * bias is [2, 3·units] = [input bias; recurrent bias]; otherwise hh = activation(x·W_h + b + (r·h_prev)·U_h).
 * @example nr.layers.gruCell({ units: 8 })
 */
export class GRUCell extends GatedCell {
  static readonly className = 'GRUCell';
  readonly recurrentActivation: ActivationFn;
  readonly resetAfter: boolean;
  constructor(args: GRUCellArgs) {
    super(args);
    this.recurrentActivation = getActivation(args.recurrentActivation ?? 'sigmoid');
    this.resetAfter = args.resetAfter ?? true;
  }
  override getClassName(): string {
    return GRUCell.className;
  }
  protected get gates(): number {
    return 3;
  }
  protected override biasShape(): number[] {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }
  protected override inputBias(): Tensor | null {
    if (!this.bias || !this.resetAfter) return this.bias;
    return this.bias.slice([0, 0], [1, 3 * this.units]).reshape([3 * this.units]);
  }
  protected override recurrentWeights(): Tensor[] {
    const u = this.units;
    const kernel = this.recurrentKernel as Variable;
    if (!this.resetAfter) return kernel.split([2 * u, u], 1);
    return this.bias ? [kernel, this.bias.slice([1, 0], [1, 3 * u])] : [kernel];
  }
  protected recurrentStep(
    p: Tensor,
    [h]: Tensor[],
    recMask: Tensor | null,
    weights: Tensor[],
  ): { output: Tensor; states: Tensor[] } {
    const u = this.units;
    const hPrev = recMask ? h.mul(recMask) : h;
    const [xzr, xh] = p.split([2 * u, u], -1);
    let hh: Tensor;
    let zr: Tensor[];
    if (this.resetAfter) {
      const [kernel, recurrentBias] = weights;
      let inner = hPrev.matMul(kernel);
      if (recurrentBias) inner = inner.add(recurrentBias);
      const [izr, ih] = inner.split([2 * u, u], -1);
      zr = this.updateAndReset(xzr, izr);
      hh = this.activation(xh.add(zr[1].mul(ih)));
    } else {
      const [uzr, uh] = weights;
      zr = this.updateAndReset(xzr, hPrev.matMul(uzr));
      hh = this.activation(xh.add(zr[1].mul(hPrev).matMul(uh)));
    }
    const z = zr[0];
    // h = z·h_prev + (1 - z)·hh, written as hh + z·(h_prev - hh) to save an op
    const hNew = hh.add(z.mul(h.sub(hh)));
    return { output: hNew, states: [hNew] };
  }
  /**
   * The update and reset gates z, r from their input and recurrent parts [z | r] side by side: one add
   * and one recurrentActivation over both when it is elementwise (the same arithmetic as one per gate).
   */
  private updateAndReset(x: Tensor, rec: Tensor): Tensor[] {
    if (isElementwiseActivation(this.recurrentActivation))
      return this.recurrentActivation(x.add(rec)).split(2, -1);
    const [xz, xr] = x.split(2, -1);
    const [rz, rr] = rec.split(2, -1);
    return [this.recurrentActivation(xz.add(rz)), this.recurrentActivation(xr.add(rr))];
  }
  override getConfig(): Config {
    return {
      ...super.getConfig(),
      recurrentActivation: serializeActivation(this.recurrentActivation),
      resetAfter: this.resetAfter,
    };
  }
}
