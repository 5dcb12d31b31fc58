// Keras 2 / tfjs meanings of names Keras 3 changed: the version test and the config rewrite, and the activation's values.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/index.js';
import { isLegacyKeras, useLegacyActivations } from '../../src/io/legacy_semantics.js';

describe('legacy Keras semantics', () => {
  it('tells pre-Keras-3 files from Keras 3 and neurite files', () => {
    expect(isLegacyKeras('tfjs-layers 4.22.0')).toBe(true);
    expect(isLegacyKeras('2.15.0')).toBe(true);
    expect(isLegacyKeras('2.2.4-tf')).toBe(true);
    expect(isLegacyKeras('3.10.0')).toBe(false);
    expect(isLegacyKeras('tfjs-layers 4.22.0 (neurite 0.1.0)')).toBe(false);
    expect(isLegacyKeras(undefined)).toBe(false);
    expect(isLegacyKeras(3)).toBe(false);
  });

  it("rewrites 'hard_sigmoid' activations at any depth, and nothing else", () => {
    const config = {
      layers: [
        { config: { activation: 'hard_sigmoid', units: 3, name: 'hard_sigmoid' } },
        { config: { layer: { config: { recurrent_activation: 'hard_sigmoid' } } } },
        { config: { recurrentActivation: 'hardSigmoid', activation: 'tanh' } },
      ],
    };
    useLegacyActivations(config);
    expect(config.layers[0].config).toEqual({
      activation: 'hard_sigmoid_legacy',
      units: 3,
      name: 'hard_sigmoid',
    });
    expect(config.layers[1].config.layer?.config.recurrent_activation).toBe('hard_sigmoid_legacy');
    expect(config.layers[2].config).toEqual({
      recurrentActivation: 'hard_sigmoid_legacy',
      activation: 'tanh',
    });
  });

  it('hard_sigmoid_legacy is clip(0.2x + 0.5, 0, 1), Keras 3 hard_sigmoid is relu6(x + 3) / 6', async () => {
    const x = nr.tensor([-3, -2.5, -1, 0, 1, 2.5, 3]);
    const legacy = nr.activations.getActivation('hard_sigmoid_legacy')(x);
    const k3 = nr.activations.getActivation('hard_sigmoid')(x);
    const l = Array.from(await legacy.data());
    const k = Array.from(await k3.data());
    [0, 0, 0.3, 0.5, 0.7, 1, 1].forEach((v, i) => expect(l[i]).toBeCloseTo(v, 6));
    [0, 1 / 12, 1 / 3, 0.5, 2 / 3, 11 / 12, 1].forEach((v, i) => expect(k[i]).toBeCloseTo(v, 6));
    nr.dispose([x, legacy, k3]);
  });
});
