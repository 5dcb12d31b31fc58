// tfjs-layers topology behaviour: inputs/outputs, layer.input/output/outputShape, feature extractors, toJSON, registerClass, summary arguments.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { Layer } from '../../src/layers/layer.js';

const dense = (units: number, name?: string, extra: Partial<nr.layers.DenseArgs> = {}) =>
  nr.layers.dense({ units, name, ...extra });

describe('topology of Sequential models', () => {
  it('has symbolic inputs and outputs, and each layer an output', () => {
    const m = nr.sequential({
      layers: [dense(5, 'h', { inputShape: [3], activation: 'relu' }), dense(2, 'out')],
    });
    expect(m.inputs.length).toBe(1);
    expect(m.inputs[0].shape).toEqual([null, 3]);
    expect(m.outputs.length).toBe(1);
    expect(m.outputs[0].shape).toEqual([null, 2]);
    const h = m.getLayer('h');
    expect((h.output as nr.SymbolicTensor).shape).toEqual([null, 5]);
    expect(h.outputShape).toEqual([null, 5]);
    expect(h.inputShape).toEqual([null, 3]);
    expect(h.input).toBe(m.inputs[0]);
    expect(h.inboundNodes.length).toBe(1);
    expect(m.outputNames).toEqual(['out']);
    expect(m.inputNames).toEqual(['h_input']);
    m.dispose();
  });

  it('gets inputs and outputs when built from data, with an open batch size', () => {
    const m = nr.sequential({ layers: [dense(4, 'a'), dense(1, 'b')] });
    expect(m.inputs).toEqual([]);
    nr.dispose(m.predict(nr.ones([7, 2])) as nr.Tensor);
    expect(m.inputs[0].shape).toEqual([null, 2]);
    expect(m.outputs[0].shape).toEqual([null, 1]);
    m.add(dense(3, 'c'));
    expect(m.outputs[0].shape).toEqual([null, 3]);
    m.pop();
    expect(m.outputs[0].shape).toEqual([null, 1]);
    m.dispose();
  });

  it('the feature-extractor idiom: tf.model({inputs: m.inputs, outputs: m.getLayer(h).output})', async () => {
    const m = nr.sequential({
      layers: [
        dense(4, 'h', { inputShape: [3], activation: 'relu', kernelInitializer: 'ones' }),
        dense(2, 'out', { kernelInitializer: 'ones' }),
      ],
    });
    const features = nr.model({ inputs: m.inputs, outputs: m.getLayer('h').output });
    const x = nr.tensor([[1, -2, 3]]);
    const f = features.predict(x) as nr.Tensor;
    // relu(1 - 2 + 3) = 2 in every unit; the extractor shares the trained layer's weights
    expect(await f.array()).toEqual([[2, 2, 2, 2]]);
    expect(features.layers.map((l) => l.name)).toEqual(['h_input', 'h']);
    nr.dispose([x, f]);
    m.dispose();
  });

  it('the idiom on a functional model, and a layer called twice refuses `output`', () => {
    const x = nr.input({ shape: [3], name: 'x' });
    const shared = dense(3, 'shared');
    const h = shared.apply(shared.apply(x));
    const m = nr.model({ inputs: x, outputs: dense(1, 'y').apply(h) });
    expect(m.inputNames).toEqual(['x']);
    expect(m.outputNames).toEqual(['y']);
    expect(m.inputLayers.map((l) => l.name)).toEqual(['x']);
    expect(m.outputLayers.map((l) => l.name)).toEqual(['y']);
    expect(() => shared.output).toThrow(/2 inbound nodes/);
    expect((shared.getOutputAt(1) as nr.SymbolicTensor).shape).toEqual([null, 3]);
    expect(() => dense(2, 'never').output).toThrow(/never been called/);
    const sub = nr.model({ inputs: m.inputs, outputs: m.getLayer('y').output });
    expect(sub.outputs[0].shape).toEqual([null, 1]);
    m.dispose();
  });
});

describe('toJSON and models.modelFromJSON', () => {
  it('round-trips a Sequential and a functional model', async () => {
    const m = nr.sequential({ layers: [dense(3, 'a', { inputShape: [2] }), dense(1, 'b')] });
    const json = m.toJSON() as string;
    expect(typeof json).toBe('string');
    const obj = m.toJSON(null, false) as nr.io.JsonObject;
    expect(obj.class_name).toBe('Sequential');
    const copy = await nr.models.modelFromJSON(json);
    expect(copy.layers.map((l) => l.getClassName())).toEqual(['Dense', 'Dense']);
    copy.setWeights(m.getWeights());
    const x = nr.tensor([[0.5, -1]]);
    expect(await (copy.predict(x) as nr.Tensor).data()).toEqual(await (m.predict(x) as nr.Tensor).data());

    const i = nr.input({ shape: [2] });
    const f = nr.model({ inputs: i, outputs: dense(2, 'fo').apply(i) });
    const fcopy = await nr.models.modelFromJSON({ modelTopology: f.toJSON(null, false) as nr.io.JsonObject });
    expect(fcopy.outputs[0].shape).toEqual([null, 2]);
    await expect(nr.models.modelFromJSON('{not json')).rejects.toThrow(/not JSON/);
    nr.dispose(x);
  });
});

describe('custom layers the tfjs way', () => {
  // tfjs style: no name given, no getClassName, a static className
  class TimesTwo extends Layer {
    static className = 'TimesTwo';
    override call(x: nr.Tensor | nr.Tensor[]): nr.Tensor {
      return (Array.isArray(x) ? x[0] : x).mul(2);
    }
  }

  it('constructs without a name, takes its name from className, registers and loads', async () => {
    const l = new TimesTwo();
    expect(l.getClassName()).toBe('TimesTwo');
    expect(l.name).toMatch(/^times_two/);
    nr.serialization.registerClass(TimesTwo);
    expect(nr.serialization.getRegisteredName(TimesTwo)).toBe('Custom>TimesTwo');
    expect(nr.serialization.SerializationMap.getMap().classNameMap.TimesTwo[0]).toBe(TimesTwo);
    const m = nr.sequential({ layers: [dense(2, 'd', { inputShape: [2] }), new TimesTwo({})] });
    const copy = await nr.models.modelFromJSON(m.toJSON());
    expect(copy.layers[1]).toBeInstanceOf(TimesTwo);
    class NoClassName extends Layer {
      override call(x: nr.Tensor | nr.Tensor[]): nr.Tensor | nr.Tensor[] {
        return x;
      }
    }
    expect(() => nr.serialization.registerClass(NoClassName as never)).toThrow(/static className/);
  });
});

describe('summary(lineLength, positions, printFn)', () => {
  it('sends every line to printFn and honours lineLength and positions', () => {
    const m = nr.sequential({ layers: [dense(3, 'a', { inputShape: [2] })] });
    const lines: string[] = [];
    const text = m.summary(50, [0.5, 0.8, 1], (line) => lines.push(line));
    expect(lines.join('\n')).toBe(text);
    expect(lines[1].length).toBe(50);
    const header = lines[2];
    expect(header.indexOf('Output Shape')).toBe(25);
    expect(header.endsWith('Param #')).toBe(true);
    const viaObject: string[] = [];
    m.summary({ lineLength: 60, printFn: (l) => viaObject.push(l) });
    expect(viaObject[1].length).toBe(60);
    expect(() => m.summary(50, [0.9, 0.2, 1], () => {})).toThrow(/positions/);
  });
});
