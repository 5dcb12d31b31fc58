// tfjs' engine-level API: tf.engine() (isTapeOn, backendName), disposeVariables, tensor_util, version_core.
import { afterEach, describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';

afterEach(() => nr.disposeVariables());

describe('engine()', () => {
  it('isTapeOn is true only while a gradient is being recorded', () => {
    expect(nr.engine().isTapeOn()).toBe(false);
    let inside = false;
    const x = nr.scalar(3);
    const g = nr.grad((t) => {
      inside = nr.engine().isTapeOn();
      return t.square();
    })(x);
    expect(inside).toBe(true);
    expect(nr.engine().isTapeOn()).toBe(false);
    nr.dispose([x, g]);
  });

  it('backendName follows setBackend on the same view', async () => {
    const view = nr.engine();
    const start = nr.getBackend();
    await nr.setBackend('cpu');
    expect(view.backendName).toBe('cpu');
    await nr.setBackend(start);
    expect(view.backendName).toBe(start);
  });

  it('a gradient rule that throws leaves no saved tensors behind', () => {
    const x = nr.scalar(2);
    const before = nr.memory().numTensors;
    const op = nr.customGrad((t) => {
      const input = t as nr.Tensor;
      return {
        value: input.square(),
        gradFunc: () => {
          throw new Error('failed backward pass');
        },
      };
    });
    expect(() => nr.grad((t) => op(t))(x)).toThrow(/failed backward pass/);
    expect(nr.memory().numTensors).toBe(before);
    expect(nr.engine().isTapeOn()).toBe(false);
    x.dispose();
  });
});

describe('disposeVariables', () => {
  it('disposes every live variable, trainable or not', () => {
    const before = nr.memory().numTensors;
    const a = nr.variable(nr.scalar(1), true, 'engine_tfjs_a');
    const b = nr.variable(nr.scalar(2), false, 'engine_tfjs_b');
    nr.disposeVariables();
    expect(a.isDisposed).toBe(true);
    expect(b.isDisposed).toBe(true);
    // the two scalars the variables were made from stay
    expect(nr.memory().numTensors).toBe(before + 2);
    // the names are free again
    const c = nr.variable(nr.scalar(3), true, 'engine_tfjs_a');
    expect(c.name).toBe('engine_tfjs_a');
  });
});

describe('tensor_util', () => {
  it('isTensorInList compares identity, getTensorsInContainer walks nested containers', () => {
    const a = nr.scalar(1);
    const b = nr.scalar(1);
    expect(nr.tensor_util.isTensorInList(a, [b, a])).toBe(true);
    expect(nr.tensor_util.isTensorInList(a, [b])).toBe(false);
    const loop: { self?: unknown; t: nr.Tensor } = { t: b };
    loop.self = loop;
    expect(nr.tensor_util.getTensorsInContainer({ x: [a, { y: loop }] })).toEqual([a, b]);
    expect(nr.tensor_util.getTensorsInContainer(null)).toEqual([]);
    nr.dispose([a, b]);
  });

  it('makeTypesMatch upcasts; assertTypesMatch names both dtypes', () => {
    const i = nr.tensor([1, 2], undefined, 'int32');
    const f = nr.tensor([0.5, 1]);
    const [x, y] = nr.tensor_util.makeTypesMatch(i, f);
    expect([x.dtype, y.dtype]).toEqual(['float32', 'float32']);
    expect(y).toBe(f);
    expect(() => nr.tensor_util.assertTypesMatch(i, f)).toThrow(/'int32' and 'float32'/);
    nr.dispose([i, f, x]);
  });
});

describe('version_core', () => {
  it("is neurite's version, the one saved files record", async () => {
    const { GENERATED_BY } = await import('../../src/io/model_json.js');
    expect(GENERATED_BY).toBe(`neurite ${nr.version_core}`);
    expect(nr.version_core).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('time and tidy (tfjs forms)', () => {
  it('time reports kernelMs <= wallMs and frees what f made', async () => {
    const a = nr.zeros([64, 64]);
    const before = nr.memory().numTensors;
    const t = await nr.time(() => a.matMul(a));
    expect(t.kernelMs).toBeGreaterThan(0);
    expect(t.kernelMs).toBeLessThanOrEqual(t.wallMs);
    expect(nr.memory().numTensors).toBe(before);
    a.dispose();
  });

  it('tidy with two arguments needs a name first', () => {
    const f = () => nr.scalar(1);
    expect(() => Reflect.apply(nr.tidy, undefined, [f, f])).toThrow(
      /with two arguments the first must be the scope's name/,
    );
    const out = nr.tidy('named', f);
    expect(out.dtype).toBe('float32');
    out.dispose();
  });
});
