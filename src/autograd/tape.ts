// The gradient tape: records the ops that touch watched tensors and runs their VJPs in reverse.
import type { DType } from '../core/dtype.js';
import { ENGINE } from '../core/engine.js';
import { shapesEqual } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { sumToShape } from '../ops/reduce_util.js';

/**
 * Gradients flow into every numeric tensor, as in tfjs: an int32 or bool tensor is differentiated as the
 * real values it holds (complex64's cotangent holds dL/dre and dL/dim). Strings have no gradient.
 */
function differentiable(dtype: DType): boolean {
  return dtype !== 'string';
}

/** One recorded op: saved handles on its inputs/outputs and the closure that maps dys to dxs. */
interface Node {
  inputs: Tensor[];
  outputs: Tensor[];
  /** Other tensors the VJP needs (customGrad's saved tensors). */
  extra: Tensor[];
  backward: (
    dys: readonly Tensor[],
    inputs: readonly Tensor[],
    outputs: readonly Tensor[],
    extra: readonly Tensor[],
    needs: readonly boolean[],
  ) => readonly (Tensor | null)[];
}

/**
 * Reverse-mode tape. It watches the tape keys of the sources; an op is recorded when one of its inputs
 * is watched, and its outputs become watched. Saved tensors are extra references on the buffers,
 * so user code may dispose the originals; each node's references are dropped right after its VJP runs.
 */
export class Tape {
  private readonly watched = new Set<number>();
  private readonly nodes: Node[] = [];
  /** Watched tensors some op inside f read (with or without a gradient). */
  private readonly used = new Set<number>();

  constructor(sources: readonly Tensor[]) {
    for (const s of sources) this.watched.add(s.tapeKey);
  }

  record(
    inputs: readonly Tensor[],
    outputs: readonly Tensor[],
    backward: Node['backward'],
    extra: readonly Tensor[] = [],
  ): void {
    if (!inputs.some((t) => this.watched.has(t.tapeKey))) return;
    this.touch(inputs);
    for (const o of outputs) this.watched.add(o.tapeKey);
    const share = (t: Tensor) => ENGINE.share(t);
    this.nodes.push({
      inputs: inputs.map(share),
      outputs: outputs.map(share),
      extra: extra.map(share),
      backward,
    });
  }

  /** Marks the watched ones of `inputs` as read inside f (ops without a gradient call this directly). */
  touch(inputs: readonly Tensor[]): void {
    for (const t of inputs) if (this.watched.has(t.tapeKey)) this.used.add(t.tapeKey);
  }

  /** Whether f read `t` (or t is f's output): false means t was used only outside f, or not at all. */
  reached(t: Tensor, y: Tensor): boolean {
    return this.used.has(t.tapeKey) || t.tapeKey === y.tapeKey;
  }

  /** Gradients of `y` (seeded with `dy`) with respect to `sources`; unreached sources get null. */
  backward(y: Tensor, dy: Tensor, sources: readonly Tensor[]): (Tensor | null)[] {
    const grads = new Map<number, Tensor>();
    grads.set(y.tapeKey, dy);
    const wanted = new Set(sources.map((s) => s.tapeKey));
    for (let n = this.nodes.length - 1; n >= 0; n--) {
      const node = this.nodes[n];
      if (node.outputs.some((o) => grads.has(o.tapeKey))) {
        const dys = node.outputs.map((o) => grads.get(o.tapeKey) ?? o.zerosLike());
        for (const o of node.outputs) if (!wanted.has(o.tapeKey)) grads.delete(o.tapeKey);
        const needs = node.inputs.map(
          (x) => this.watched.has(x.tapeKey) && differentiable(x.dtype),
        );
        const dxs = node.backward(dys, node.inputs, node.outputs, node.extra, needs);
        node.inputs.forEach((x, i) => {
          const g = dxs[i];
          if (!g || !this.watched.has(x.tapeKey) || !differentiable(x.dtype)) return;
          const shaped = shapesEqual(g.shape, x.shape) ? g : sumToShape(g, x.shape);
          const prev = grads.get(x.tapeKey);
          grads.set(x.tapeKey, prev ? prev.add(shaped) : shaped);
        });
        // Free the consumed cotangents now rather than at the end of the gradient scope.
        const held = new Set(grads.values());
        for (const d of dys) if (d !== dy && !held.has(d) && !dxs.includes(d)) d.dispose();
      }
      this.release(node);
    }
    this.nodes.length = 0;
    return sources.map((s) => grads.get(s.tapeKey) ?? null);
  }

  private release(node: Node): void {
    for (const t of node.inputs) t.dispose();
    for (const t of node.outputs) t.dispose();
    for (const t of node.extra) t.dispose();
  }

  /** Drops every saved reference (after a failure, or when the tape is not used). */
  dispose(): void {
    for (const node of this.nodes) this.release(node);
    this.nodes.length = 0;
  }
}
