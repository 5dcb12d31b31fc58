// Merge layers (several inputs, one output): Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot.
import { ArgumentError, show } from '../core/errors.js';
import { configAs, type Config } from '../core/serialization.js';
import type { Tensor } from '../core/tensor.js';
import { concat } from '../ops/movement.js';
import {
  type CallArgs,
  Layer,
  type LayerArgs,
  type LayerClassEntry,
  layerShapeError,
} from './layer.js';
import { formatShape, type SymbolicShape } from './symbolic.js';

type Mask = Tensor | null;

/** The inputs of a merge call as a list (a functional model passes a lone input bare). */
function inputList(inputs: Tensor | Tensor[]): Tensor[] {
  return Array.isArray(inputs) ? inputs : [inputs];
}

/** The shapes of a merge build as a list. */
function shapeList(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape[] {
  return inputShape.length > 0 && Array.isArray(inputShape[0])
    ? (inputShape as SymbolicShape[])
    : [inputShape as SymbolicShape];
}

/** The masks of a merge call, one per input. */
function maskList(mask: CallArgs['mask'], n: number): Mask[] {
  if (Array.isArray(mask)) return Array.from({ length: n }, (_, i) => mask[i] ?? null);
  return Array.from({ length: n }, (_, i) => (i === 0 ? (mask ?? null) : null));
}

/** A mask [b, steps] broadcast to an input's shape [b, steps, ...features], as bool. */
function expandMask(mask: Tensor, x: Tensor): Tensor {
  let m = mask.cast('bool');
  while (m.rank < x.rank) m = m.expandDims(-1);
  return m.broadcastTo(x.shape);
}

/**
 * Base of the merge layers: a list of inputs sharing the batch size. The output mask is, by default,
 * the OR of the input masks when every input has one (Keras).
 * @example class Add extends Merge { protected merge(xs) { return xs.reduce((a, b) => a.add(b)); } }
 */
export abstract class Merge extends Layer {
  constructor(
    args: LayerArgs = {},
    private readonly minInputs = 2,
    private readonly maxInputs = Number.POSITIVE_INFINITY,
  ) {
    super(args);
    this.supportsMasking = true;
  }

  /** Checks the number of inputs and the batch sizes. */
  protected checkInputs(shapes: SymbolicShape[]): void {
    const n = shapes.length;
    if (n < this.minInputs || n > this.maxInputs) {
      const want =
        this.minInputs === this.maxInputs
          ? `exactly ${this.minInputs}`
          : `at least ${this.minInputs}`;
      throw new ArgumentError(
        `${this.name}: a ${this.getClassName()} layer takes a list of ${want} inputs, received ${n} (shapes ${formatShape(shapes)})`,
      );
    }
    const batches = new Set(shapes.map((s) => s[0]).filter((d) => d !== null && d !== undefined));
    if (batches.size > 1)
      throw layerShapeError(
        this,
        `cannot merge tensors with different batch sizes, received shapes ${formatShape(shapes)}`,
      );
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    this.computeOutputShape(inputShape);
    super.build(inputShape);
  }

  override computeMask(_inputs: Tensor | Tensor[], mask: CallArgs['mask']): Tensor | null {
    if (!mask || !Array.isArray(mask) || mask.some((m) => !m)) return null;
    return (mask as Tensor[]).map((m) => m.cast('bool')).reduce((a, b) => a.logicalOr(b));
  }
}

/**
 * Base of the elementwise merges. Dimensions after the batch broadcast aligned from the right, and a
 * lower-rank input gets size-1 axes right after the batch axis (Keras' rule).
 */
abstract class ElementwiseMerge extends Merge {
  /** The merge of inputs already brought to one rank (they still broadcast). */
  protected abstract merge(xs: Tensor[], masks: Mask[]): Tensor;

  override call(inputs: Tensor | Tensor[], kwargs: CallArgs = {}): Tensor {
    const xs = inputList(inputs);
    this.checkInputs(xs.map((x) => x.shape.slice()));
    const rank = Math.max(...xs.map((x) => x.rank));
    const same = xs.map((x) => {
      let y = x;
      while (y.rank < rank) y = y.expandDims(1);
      return y;
    });
    return this.merge(same, maskList(kwargs.mask, xs.length));
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shapes = shapeList(inputShape);
    this.checkInputs(shapes);
    let out = shapes[0].slice(1);
    for (const s of shapes.slice(1)) out = this.broadcastShapes(out, s.slice(1), shapes);
    const batch = shapes.map((s) => s[0]).find((d) => d !== null && d !== undefined) ?? null;
    return [batch, ...out];
  }

  private broadcastShapes(a: SymbolicShape, b: SymbolicShape, all: SymbolicShape[]): SymbolicShape {
    const [long, short] = a.length >= b.length ? [a, b] : [b, a];
    const lead = long.length - short.length;
    return long.map((d, i) => {
      if (i < lead) return d;
      const e = short[i - lead];
      if (d === null || e === null) return null;
      if (d === 1) return e;
      if (e === 1 || d === e) return d;
      throw layerShapeError(this, `inputs have incompatible shapes ${formatShape(all)}`);
    });
  }
}

/**
 * Sum of its inputs.
 * @example nr.layers.add().apply([a, b])
 */
export class Add extends ElementwiseMerge {
  static readonly className = 'Add';
  override getClassName(): string {
    return Add.className;
  }
  protected merge(xs: Tensor[]): Tensor {
    return xs.reduce((a, b) => a.add(b));
  }
}

/**
 * First input minus the second.
 * @example nr.layers.subtract().apply([a, b])
 */
export class Subtract extends ElementwiseMerge {
  static readonly className = 'Subtract';
  constructor(args: LayerArgs = {}) {
    super(args, 2, 2);
  }
  override getClassName(): string {
    return Subtract.className;
  }
  protected merge(xs: Tensor[]): Tensor {
    return xs[0].sub(xs[1]);
  }
}

/**
 * Mean of its inputs.
 * @example nr.layers.average().apply([a, b, c])
 */
export class Average extends ElementwiseMerge {
  static readonly className = 'Average';
  override getClassName(): string {
    return Average.className;
  }
  protected merge(xs: Tensor[]): Tensor {
    return xs.reduce((a, b) => a.add(b)).div(xs.length);
  }
}

/**
 * Elementwise product of its inputs. Masked entries of an input count as 1; when every input is masked,
 * entries masked in all of them are 0 (Keras).
 * @example nr.layers.multiply().apply([a, b])
 */
export class Multiply extends ElementwiseMerge {
  static readonly className = 'Multiply';
  override getClassName(): string {
    return Multiply.className;
  }
  protected merge(xs: Tensor[], masks: Mask[]): Tensor {
    if (masks.every((m) => m === null)) return xs.reduce((a, b) => a.mul(b));
    const full = xs.map((x, i) => {
      const m = masks[i];
      return m ? expandMask(m, x) : null;
    });
    const product = xs.map((x, i) => full[i]?.where(x, 1) ?? x).reduce((a, b) => a.mul(b));
    const present = full.filter((m): m is Tensor => m !== null);
    if (present.length < full.length) return product;
    // every input masked: entries masked everywhere are 0, as masking leaves them
    return present.reduce((a, b) => a.logicalOr(b)).where(product, 0);
  }
}

/** Maximum or minimum ignoring masked entries: a masked entry takes the other operand's value (Keras). */
function maskedExtreme(xs: Tensor[], masks: Mask[], op: (a: Tensor, b: Tensor) => Tensor): Tensor {
  let out = xs[0];
  let outMask = masks[0] ? expandMask(masks[0], xs[0]) : null;
  for (let i = 1; i < xs.length; i++) {
    const mi = masks[i];
    const m = mi ? expandMask(mi, xs[i]) : null;
    const x = m ? m.where(xs[i], out) : xs[i];
    if (outMask) out = outMask.where(out, x);
    outMask = m && outMask ? outMask.logicalOr(m) : null;
    out = op(out, x);
  }
  return out;
}

/**
 * Elementwise maximum of its inputs (masked entries are skipped).
 * @example nr.layers.maximum().apply([a, b])
 */
export class Maximum extends ElementwiseMerge {
  static readonly className = 'Maximum';
  override getClassName(): string {
    return Maximum.className;
  }
  protected merge(xs: Tensor[], masks: Mask[]): Tensor {
    return maskedExtreme(xs, masks, (a, b) => a.maximum(b));
  }
}

/**
 * Elementwise minimum of its inputs (masked entries are skipped).
 * @example nr.layers.minimum().apply([a, b])
 */
export class Minimum extends ElementwiseMerge {
  static readonly className = 'Minimum';
  override getClassName(): string {
    return Minimum.className;
  }
  protected merge(xs: Tensor[], masks: Mask[]): Tensor {
    return maskedExtreme(xs, masks, (a, b) => a.minimum(b));
  }
}

/** Options of `concatenate`. */
export interface ConcatenateArgs extends LayerArgs {
  /** Axis to join along (batch included, negative from the end). Default -1. */
  axis?: number;
}

/**
 * Joins its inputs along an axis; the other dimensions must match. The output mask (when an input has
 * one) marks the positions where any joined entry is unmasked.
 * @example nr.layers.concatenate({ axis: -1 }).apply([a, b])
 */
export class Concatenate extends Merge {
  static readonly className = 'Concatenate';
  readonly axis: number;
  constructor(args: ConcatenateArgs = {}) {
    super(args, 1);
    const axis = args.axis ?? -1;
    if (!Number.isInteger(axis))
      throw new ArgumentError(`Concatenate: axis must be an integer, received ${show(args.axis)}`);
    this.axis = axis;
  }
  override getClassName(): string {
    return Concatenate.className;
  }
  private axisFor(shapes: SymbolicShape[]): number {
    const rank = shapes[0].length;
    const a = this.axis < 0 ? this.axis + rank : this.axis;
    if (a < 1 || a >= rank)
      throw layerShapeError(
        this,
        `axis ${this.axis} is out of range for inputs of rank ${rank} (the batch axis cannot be joined), received shapes ${formatShape(shapes)}`,
      );
    return a;
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
    const xs = inputList(inputs);
    const shapes = xs.map((x) => x.shape.slice());
    this.computeOutputShape(shapes);
    return concat(xs, this.axisFor(shapes));
  }
  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shapes = shapeList(inputShape);
    this.checkInputs(shapes);
    const axis = this.axisFor(shapes);
    const out = shapes[0].slice();
    for (const s of shapes.slice(1)) {
      const bad =
        s.length !== out.length ||
        s.some((d, i) => i !== axis && d !== null && out[i] !== null && d !== out[i]);
      if (bad)
        throw layerShapeError(
          this,
          `a Concatenate layer requires inputs with matching shapes except for the concatenation axis ${this.axis}, received shapes ${formatShape(shapes)}`,
        );
      s.forEach((d, i) => {
        if (i !== axis && out[i] === null) out[i] = d;
      });
      const a = out[axis];
      const b = s[axis];
      out[axis] = a === null || b === null ? null : a + b;
    }
    return out;
  }
  override computeMask(inputs: Tensor | Tensor[], mask: CallArgs['mask']): Tensor | null {
    const xs = inputList(inputs);
    const masks = maskList(mask, xs.length);
    if (masks.every((m) => !m)) return null;
    const axis = this.axisFor(xs.map((x) => x.shape.slice()));
    const full = xs.map((x, i) => {
      const m = masks[i];
      return m ? expandMask(m, x) : x.onesLike().cast('bool');
    });
    return concat(full, axis).any(-1);
  }
  override getConfig(): Config {
    return { ...super.getConfig(), axis: this.axis };
  }
}

/** Options of `dot`. */
export interface DotArgs extends LayerArgs {
  /** Axis of both inputs to contract, or [axis of the first, axis of the second]; never 0 (the batch). */
  axes: number | [number, number];
  /** L2-normalize both inputs along the axes first, giving cosine similarities. Default false. */
  normalize?: boolean;
}

/** x / sqrt(max(sum(x²), 1e-12)) along an axis, as tf.nn.l2_normalize. */
function l2Normalize(x: Tensor, axis: number): Tensor {
  return x.div(x.square().sum(axis, true).maximum(1e-12).sqrt());
}

/**
 * Dot product of two inputs along the given axes, per sample (Keras' batch_dot): x [b, ...X, n] · y
 * [b, n, ...Y] gives [b, ...X, ...Y]; two vectors give [b, 1].
 * @example nr.layers.dot({ axes: 1, normalize: true }).apply([a, b]) // cosine similarity, [b, 1]
 */
export class Dot extends Merge {
  static readonly className = 'Dot';
  readonly axes: number | [number, number];
  readonly normalize: boolean;
  constructor(args: DotArgs) {
    super(args, 2, 2);
    const axes = args?.axes;
    const okAxis = (a: unknown) => typeof a === 'number' && Number.isInteger(a);
    if (!(okAxis(axes) || (Array.isArray(axes) && axes.length === 2 && axes.every(okAxis)))) {
      throw new ArgumentError(
        `Dot: axes must be an integer or a pair of integers, received ${show(axes)}`,
      );
    }
    this.axes = Array.isArray(axes) ? [axes[0], axes[1]] : axes;
    this.normalize = args.normalize ?? false;
  }
  override getClassName(): string {
    return Dot.className;
  }
  /** The two contraction axes, non-negative, checked against the shapes. */
  private resolveAxes(s1: SymbolicShape, s2: SymbolicShape): [number, number] {
    const [a, b] = Array.isArray(this.axes) ? this.axes : [this.axes, this.axes];
    const r = [a < 0 ? a + s1.length : a, b < 0 ? b + s2.length : b] as [number, number];
    if (r[0] < 1 || r[0] >= s1.length || r[1] < 1 || r[1] >= s2.length) {
      throw layerShapeError(
        this,
        `axes ${show(this.axes)} must name non-batch axes of inputs with shapes ${formatShape([s1, s2])}`,
      );
    }
    const d1 = s1[r[0]];
    const d2 = s2[r[1]];
    if (d1 !== null && d2 !== null && d1 !== d2) {
      throw layerShapeError(
        this,
        `incompatible input shapes: ${d1} (axis ${r[0]}) != ${d2} (axis ${r[1]}), received shapes ${formatShape([s1, s2])}`,
      );
    }
    return r;
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
    const [x0, y0] = inputList(inputs);
    this.checkInputs(inputList(inputs).map((t) => t.shape.slice()));
    const [ax, ay] = this.resolveAxes(x0.shape.slice(), y0.shape.slice());
    const x = this.normalize ? l2Normalize(x0, ax) : x0;
    const y = this.normalize ? l2Normalize(y0, ay) : y0;
    const b = x.shape[0];
    const n = x.shape[ax];
    const restX = x.shape.filter((_, i) => i !== 0 && i !== ax);
    const restY = y.shape.filter((_, i) => i !== 0 && i !== ay);
    const size = (s: number[]) => s.reduce((p, d) => p * d, 1);
    // x -> [b, X, n], y -> [b, n, Y], one batched matMul, then unflatten X and Y
    const xm = x
      .transpose([0, ...x.shape.map((_, i) => i).filter((i) => i !== 0 && i !== ax), ax])
      .reshape([b, size(restX), n]);
    const ym = y
      .transpose([0, ay, ...y.shape.map((_, i) => i).filter((i) => i !== 0 && i !== ay)])
      .reshape([b, n, size(restY)]);
    const out = [...restX, ...restY];
    return xm.matMul(ym).reshape([b, ...(out.length ? out : [1])]);
  }
  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shapes = shapeList(inputShape);
    this.checkInputs(shapes);
    const [s1, s2] = shapes;
    const [ax, ay] = this.resolveAxes(s1, s2);
    const out = [
      ...s1.filter((_, i) => i !== 0 && i !== ax),
      ...s2.filter((_, i) => i !== 0 && i !== ay),
    ];
    return [s1[0] ?? s2[0], ...(out.length ? out : [1])];
  }
  override computeMask(): Tensor | null {
    return null;
  }
  override getConfig(): Config {
    return { ...super.getConfig(), axes: this.axes, normalize: this.normalize };
  }
}

/** An addition layer. @example nr.layers.add().apply([a, b]) */
export const add = (args: LayerArgs = {}) => new Add(args);
/** A subtraction layer. @example nr.layers.subtract().apply([a, b]) */
export const subtract = (args: LayerArgs = {}) => new Subtract(args);
/** A multiplication layer. @example nr.layers.multiply().apply([a, b]) */
export const multiply = (args: LayerArgs = {}) => new Multiply(args);
/** An averaging layer. @example nr.layers.average().apply([a, b]) */
export const average = (args: LayerArgs = {}) => new Average(args);
/** An elementwise maximum layer. @example nr.layers.maximum().apply([a, b]) */
export const maximum = (args: LayerArgs = {}) => new Maximum(args);
/** An elementwise minimum layer. @example nr.layers.minimum().apply([a, b]) */
export const minimum = (args: LayerArgs = {}) => new Minimum(args);
/** A concatenation layer. @example nr.layers.concatenate({ axis: 1 }).apply([a, b]) */
export const concatenate = (args: ConcatenateArgs = {}) => new Concatenate(args);
/** A dot-product layer. @example nr.layers.dot({ axes: -1 }).apply([a, b]) */
export const dot = (args: DotArgs) => new Dot(args);

/** Registry entries of this family. */
export const mergeLayers: LayerClassEntry[] = [
  ['Add', (c) => new Add(configAs<LayerArgs>(c))],
  ['Subtract', (c) => new Subtract(configAs<LayerArgs>(c))],
  ['Multiply', (c) => new Multiply(configAs<LayerArgs>(c))],
  ['Average', (c) => new Average(configAs<LayerArgs>(c))],
  ['Maximum', (c) => new Maximum(configAs<LayerArgs>(c))],
  ['Minimum', (c) => new Minimum(configAs<LayerArgs>(c))],
  ['Concatenate', (c) => new Concatenate(configAs<ConcatenateArgs>(c))],
  ['Dot', (c) => new Dot(configAs<DotArgs>(c))],
];
