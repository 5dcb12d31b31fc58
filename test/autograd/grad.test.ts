// Autograd API: grad, grads, valueAndGrad(s), variableGrads, customGrad, stopGradient, noGrad, higher order, tape memory.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';

const vals = (t: nr.Tensor) => Array.from(t.dataSync());

describe('autograd', () => {
  it('grad of x² is 2x', () => {
    expect(vals(nr.grad((x) => x.square())(nr.tensor([1, -3])))).toEqual([2, -6]);
  });

  it('grad takes an explicit dy', () => {
    expect(vals(nr.grad((x) => x.mul(3))(nr.tensor([1, 2]), nr.tensor([1, 10])))).toEqual([3, 30]);
  });

  it('grads of a·b are (b, a), with broadcasting summed back', () => {
    const [da, db] = nr.grads((a, b) => a.mul(b))([
      nr.tensor([
        [1, 2],
        [3, 4],
      ]),
      nr.tensor([10, 20]),
    ]);
    expect(vals(da)).toEqual([10, 20, 10, 20]);
    expect(vals(db)).toEqual([4, 6]);
    expect(db.shape).toEqual([2]);
  });

  it('valueAndGrad and valueAndGrads return the value too', () => {
    const { value, grad } = nr.valueAndGrad((x) => x.square().sum())(nr.tensor([3]));
    expect(vals(value)).toEqual([9]);
    expect(vals(grad)).toEqual([6]);
    const r = nr.valueAndGrads((a, b) => a.mul(b).sum())([nr.tensor([2]), nr.tensor([5])]);
    expect(vals(r.value)).toEqual([10]);
    expect(r.grads.map(vals)).toEqual([[5], [2]]);
  });

  it('an input f never reads is an error (as tfjs); one read through zero-gradient ops gets zeros', () => {
    // b unused, or used only outside f: tfjs throws, zeros would hide the mistake
    expect(() => nr.grads((a) => a.square())([nr.tensor([1]), nr.tensor([7])])).toThrow(
      /with respect to argument 1: no op inside f reads it/,
    );
    const x = nr.tensor([1, 2]);
    const outside = x.square();
    expect(() => nr.grads((_x, o) => o.sum())([x, outside])).toThrow(nr.ArgumentError);
    // read through ops whose gradient is zero: a zero gradient
    expect(vals(nr.grad((a) => a.argMax().cast('float32'))(nr.tensor([1, 3, 2])))).toEqual([
      0, 0, 0,
    ]);
    expect(vals(nr.grad((a) => nr.zerosLike(a).add(1))(nr.tensor([5])))).toEqual([0]);
  });

  it('differentiates int32 and bool inputs as the real values they hold (tfjs)', () => {
    const a = nr.tensor([1, 2, 3, 4], [2, 2], 'int32');
    const g = nr.grad((v) => v.cast('float32').square().sum())(a);
    expect(g.dtype).toBe('float32');
    expect(vals(g)).toEqual([2, 4, 6, 8]);
    const b = nr.tensor([true, true], [2], 'bool');
    expect(vals(nr.grad((v) => v.sum())(b))).toEqual([1, 1]);
  });

  it('variableGrads differentiates with respect to trainable variables', () => {
    const w = nr.variable(nr.tensor([1, 2]), true, 'vg_w');
    const frozen = nr.variable(nr.tensor([5]), false, 'vg_frozen');
    const { value, grads } = nr.variableGrads(() => w.square().sum().add(frozen.sum()), [w]);
    expect(vals(value)).toEqual([10]);
    expect(vals(grads.vg_w)).toEqual([2, 4]);
    nr.dispose([w, frozen, value, grads]);
  });

  it('variableGrads refuses a non-scalar loss and a loss unrelated to the variables', () => {
    const w = nr.variable(nr.tensor([1, 2]), true, 'vg_w2');
    expect(() => nr.variableGrads(() => w.square(), [w])).toThrow(/scalar/);
    expect(() => nr.variableGrads(() => nr.scalar(1), [w])).toThrow(/does not depend/);
    w.dispose();
  });

  it('customGrad uses the supplied gradient', () => {
    const f = nr.customGrad((x, save) => {
      const xt = x as nr.Tensor;
      (save as (t: nr.Tensor[]) => void)([xt]);
      return { value: xt.square(), gradFunc: (dy, [saved]) => dy.mul(saved).mul(10) };
    });
    const g = nr.grad((x) => f(x))(nr.tensor([2]));
    expect(vals(g)).toEqual([20]);
  });

  it('stopGradient blocks the gradient and noGrad records nothing', () => {
    expect(vals(nr.grad((x) => x.mul(nr.stopGradient(x)))(nr.tensor([3])))).toEqual([3]);
    expect(vals(nr.grad((x) => x.add(nr.noGrad(() => x.square())))(nr.tensor([3])))).toEqual([1]);
  });

  it('grad(grad(f)): second derivatives of elementwise ops, reductions and chains', () => {
    const d2 = (f: (x: nr.Tensor) => nr.Tensor, x: number) =>
      nr
        .grad((t) => nr.grad(f)(t))(nr.tensor([x]))
        .dataSync()[0];
    expect(d2((x) => x.sin(), 0.3)).toBeCloseTo(-Math.sin(0.3), 5);
    expect(d2((x) => x.exp().sum(), 0.5)).toBeCloseTo(Math.exp(0.5), 5);
    expect(d2((x) => x.sigmoid(), 0.2)).toBeCloseTo(
      (() => {
        const s = 1 / (1 + Math.exp(-0.2));
        return s * (1 - s) * (1 - 2 * s);
      })(),
      5,
    );
    const d3 = nr.grad((a) => nr.grad((b) => nr.grad((c) => c.pow(4))(b))(a))(nr.tensor([2]));
    expect(d3.dataSync()[0]).toBeCloseTo(24 * 2, 3);
  });

  it('the gradient computation leaves only its results behind', () => {
    const x = nr.tensor([1, 2, 3]);
    const before = nr.memory().numTensors;
    const g = nr.grad((t) => t.square().mul(t.sin()).sum())(x);
    expect(nr.memory().numTensors).toBe(before + 1);
    g.dispose();
    x.dispose();
  });

  it('the tape keeps what it needs even if f disposes intermediates', () => {
    const g = nr.grad((x) => {
      const y = x.square();
      const z = y.sum();
      y.dispose();
      return z;
    })(nr.tensor([4]));
    expect(vals(g)).toEqual([8]);
  });

  it('bad uses give clear errors', () => {
    expect(() => nr.grad(() => 3 as unknown as nr.Tensor)(nr.tensor([1]))).toThrow(
      /must return a Tensor/,
    );
    expect(() => nr.grad((x) => x.square())(nr.tensor([1, 2]), nr.tensor([1]))).toThrow(
      /dy has shape \[1\]/,
    );
    const asyncF = (async (x: nr.Tensor) => x) as unknown as (x: nr.Tensor) => nr.Tensor;
    expect(() => nr.grad(asyncF)(nr.tensor([1]))).toThrow(/synchronous/);
    const d = nr.tensor([1]);
    d.dispose();
    expect(() => nr.grad((x) => x)(d)).toThrow(nr.DisposedError);
  });

  it('gradients flow through int-to-float casts only from float inputs', () => {
    const g = nr.grad((x) => x.cast('int32').cast('float32').mul(x))(nr.tensor([2.5]));
    expect(vals(g)).toEqual([2]);
  });
});
