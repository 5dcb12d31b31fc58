// EinsumDense: a dense layer whose kernel contraction is an einsum equation ('abc,cd->abd'), as in Keras 3.
import {
  type ActivationFn,
  getActivation,
  serializeActivation,
} from '../activations/index.js';
import { type ConstraintIdentifier, getConstraint } from '../constraints/index.js';
import { ArgumentError, show } from '../core/errors.js';
import { configAs, type Config } from '../core/serialization.js';
import type { Tensor, Variable } from '../core/tensor.js';
import { getInitializer, type InitializerIdentifier } from '../initializers/index.js';
import { einsum } from '../ops/matmul.js';
import { getRegularizer, type RegularizerIdentifier } from '../regularizers/index.js';
import { single, specOf } from './core.js';
import { Layer, type LayerArgs, type LayerClassEntry, layerShapeError } from './layer.js';
import { formatShape, type SymbolicShape } from './symbolic.js';

/** Options of `einsumDense`. */
export interface EinsumDenseArgs extends LayerArgs {
  /** 'input,kernel->output' with letters, e.g. 'ab,bc->ac' or '...b,bc->...c' (ellipsis on the left only). */
  equation: string;
  /** The output's dimensions without the batch (or without those the ellipsis stands for); null = from the input. */
  outputShape: number | (number | null)[];
  /** Activation name or function. Default linear. */
  activation?: string | ActivationFn | null;
  /** Output letters that get a bias (e.g. 'd'); default none. */
  biasAxes?: string | null;
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier;
  biasRegularizer?: RegularizerIdentifier;
  kernelConstraint?: ConstraintIdentifier;
  biasConstraint?: ConstraintIdentifier;
}

/** The equation with the ellipsis spelled out in letters, and every dimension's size. */
interface Plan {
  equation: string;
  input: string;
  kernel: string;
  output: string;
  outShape: SymbolicShape;
  kernelShape: number[];
  biasShape: number[] | null;
}

/**
 * A dense layer over any axes: the output is einsum(equation, input, kernel) (+ bias on `biasAxes`), so one
 * layer can project the heads of attention ('abc,cde->abde') or mix a middle axis.
 * @example nr.layers.einsumDense({ equation: 'abc,cd->abd', outputShape: [null, 64], biasAxes: 'd' })
 */
export class EinsumDense extends Layer {
  static readonly className = 'EinsumDense';
  readonly equation: string;
  readonly outputShapeArg: (number | null)[];
  readonly activation: ActivationFn;
  readonly biasAxes: string | null;
  kernel: Variable | null = null;
  bias: Variable | null = null;
  private plan: Plan | null = null;
  private readonly args: EinsumDenseArgs;

  constructor(args: EinsumDenseArgs) {
    super(args);
    const owner = EinsumDense.className;
    const eq = typeof args?.equation === 'string' ? args.equation.replace(/\s+/g, '') : null;
    if (!eq || !/^(\.\.\.)?[a-zA-Z]+,[a-zA-Z]+->(\.\.\.)?[a-zA-Z]+$/.test(eq))
      throw new ArgumentError(
        `${owner}: equation must look like 'ab,bc->ac' (an ellipsis only on the left of the input and output), received ${show(args?.equation)}`,
      );
    if (eq.startsWith('...') !== eq.split('->')[1].startsWith('...'))
      throw new ArgumentError(`${owner}: the input and the output must both start with '...' or neither, received ${show(eq)}`);
    this.equation = eq;
    const os = args.outputShape;
    const list = typeof os === 'number' ? [os] : os;
    if (!Array.isArray(list) || !list.every((d) => d === null || (Number.isInteger(d) && d > 0)))
      throw new ArgumentError(`${owner}: outputShape must be a positive integer or a list of them (null = from the input), received ${show(os)}`);
    this.outputShapeArg = list.slice();
    this.activation = getActivation(args.activation ?? 'linear');
    const output = eq.split('->')[1].replace('...', '');
    if (args.biasAxes !== undefined && args.biasAxes !== null && (typeof args.biasAxes !== 'string' || ![...args.biasAxes].every((c) => output.includes(c))))
      throw new ArgumentError(`${owner}: biasAxes must be letters of the output ${show(output)}, received ${show(args.biasAxes)}`);
    this.biasAxes = args.biasAxes ?? null;
    this.args = args;
  }

  override getClassName(): string {
    return EinsumDense.className;
  }

  private planFor(shape: SymbolicShape): Plan {
    const [lhs, rhsOut] = this.equation.split('->');
    const [inSpec, kernel] = lhs.split(',');
    let input = inSpec;
    let output = rhsOut;
    let elided = '';
    if (input.startsWith('...')) {
      const used = new Set(this.equation);
      const free = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'].filter((c) => !used.has(c));
      const n = shape.length - (input.length - 3);
      if (n < 0 || n > free.length)
        throw layerShapeError(this, `input shape ${formatShape(shape)} does not fit equation ${this.equation}`);
      elided = free.slice(0, n).join('');
      input = elided + input.slice(3);
      output = elided + output.slice(3);
    }
    if (input.length !== shape.length)
      throw layerShapeError(this, `equation ${this.equation} needs an input of rank ${input.length}, received shape ${formatShape(shape)}`);
    // the output dimensions the user gives: all but the batch, or all but the elided ones
    const given = elided ? output.slice(elided.length) : output.slice(1);
    if (given.length !== this.outputShapeArg.length)
      throw new ArgumentError(
        `${this.name}: outputShape ${show(this.outputShapeArg)} must list ${given.length} dimension(s) for output '${given}' of ${this.equation}`,
      );
    const outShape: SymbolicShape = [...output].map((c) => {
      const k = given.indexOf(c);
      const stated = k >= 0 && (elided ? true : output.indexOf(c) > 0) ? this.outputShapeArg[k] : null;
      const fromInput = input.includes(c) ? shape[input.indexOf(c)] : null;
      if (stated !== null && fromInput !== null && stated !== fromInput)
        throw layerShapeError(this, `output dimension '${c}' is ${stated} in outputShape but ${fromInput} in the input ${formatShape(shape)}`);
      return stated ?? fromInput;
    });
    const kernelShape = [...kernel].map((c) => {
      const d = input.includes(c) ? shape[input.indexOf(c)] : output.includes(c) ? outShape[output.indexOf(c)] : null;
      if (d === null)
        throw layerShapeError(this, `kernel dimension '${c}' has no known size (input ${formatShape(shape)}, outputShape ${show(this.outputShapeArg)})`);
      return d;
    });
    let biasShape: number[] | null = null;
    if (this.biasAxes) {
      const first = Math.min(...[...this.biasAxes].map((c) => output.indexOf(c)));
      biasShape = [...output.slice(first)].map((c, i) => {
        if (!this.biasAxes?.includes(c)) return 1;
        const d = outShape[first + i];
        if (d === null) throw layerShapeError(this, `bias axis '${c}' has no known size`);
        return d;
      });
    }
    return { equation: `${input},${kernel}->${output}`, input, kernel, output, outShape, kernelShape, biasShape };
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const plan = this.planFor(inputShape as SymbolicShape);
    const a = this.args;
    this.kernel = this.addWeight('kernel', {
      shape: plan.kernelShape,
      initializer: getInitializer(a.kernelInitializer ?? 'glorotUniform'),
      regularizer: getRegularizer(a.kernelRegularizer),
      constraint: getConstraint(a.kernelConstraint),
    });
    if (plan.biasShape)
      this.bias = this.addWeight('bias', {
        shape: plan.biasShape,
        initializer: getInitializer(a.biasInitializer ?? 'zeros'),
        regularizer: getRegularizer(a.biasRegularizer),
        constraint: getConstraint(a.biasConstraint),
      });
    this.plan = plan;
    this.inputSpec = { rank: plan.input.length };
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(this, inputs);
    if (!this.kernel || !this.plan) throw layerShapeError(this, 'called before build');
    const xf = x.dtype === 'float32' || x.dtype === 'float16' ? x : x.cast('float32');
    let y = einsum(this.plan.equation, xf, this.kernel);
    if (this.bias) y = y.add(this.bias);
    return this.activation(y);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return this.planFor(inputShape as SymbolicShape).outShape;
  }

  override getConfig(): Config {
    const a = this.args;
    return {
      ...super.getConfig(),
      equation: this.equation,
      outputShape: this.outputShapeArg,
      activation: serializeActivation(this.activation),
      biasAxes: this.biasAxes,
      kernelInitializer: specOf(getInitializer(a.kernelInitializer ?? 'glorotUniform'), 'glorotUniform'),
      biasInitializer: specOf(getInitializer(a.biasInitializer ?? 'zeros'), 'zeros'),
      kernelRegularizer: specOf(getRegularizer(a.kernelRegularizer), null),
      biasRegularizer: specOf(getRegularizer(a.biasRegularizer), null),
      kernelConstraint: specOf(getConstraint(a.kernelConstraint), null),
      biasConstraint: specOf(getConstraint(a.biasConstraint), null),
    };
  }
}

/** An EinsumDense layer. @example nr.layers.einsumDense({ equation: 'ab,bc->ac', outputShape: 8, biasAxes: 'c' }) */
export const einsumDense = (args: EinsumDenseArgs) => new EinsumDense(args);

/** Registry entries of this family. */
export const einsumDenseLayers: LayerClassEntry[] = [
  ['EinsumDense', (c) => new EinsumDense(configAs<EinsumDenseArgs>(c))],
];
