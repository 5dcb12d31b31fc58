// nr.io.browserFiles: a model from the files a user picked (model.json + weights), sizes checked before reading.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/index.js';

/** The files `downloads://` would give for a small model, as DOM File objects (Node 20 has File). */
async function pickedFiles(): Promise<{ files: File[]; expected: Float32Array; x: nr.Tensor }> {
  nr.setSeed(2);
  const model = nr.sequential({
    layers: [nr.layers.dense({ units: 3, activation: 'tanh', inputShape: [4] })],
  });
  const x = nr.randomNormal([2, 4], 0, 1, 'float32', 9);
  const y = model.predict(x) as nr.Tensor;
  const expected = Float32Array.from(await y.data());
  y.dispose();
  let files: File[] = [];
  await model.save(
    nr.io.withSaveHandler(async (a) => {
      const json = nr.io.toModelJson(a, ['my-model.weights.bin']);
      files = [
        new File([JSON.stringify(json)], 'my-model.json'),
        new File([new Uint8Array(a.weightData)], 'my-model.weights.bin'),
      ];
    }),
  );
  model.dispose();
  return { files, expected, x };
}

describe('io.browserFiles', () => {
  it('loads the model a page saved, from its two files in any order', async () => {
    const { files, expected, x } = await pickedFiles();
    const loaded = await nr.loadLayersModel(nr.io.browserFiles([files[1], files[0]]));
    const y = loaded.predict(x) as nr.Tensor;
    expect(Array.from(await y.data())).toEqual(Array.from(expected));
    nr.dispose([x, y]);
    loaded.dispose();
  });

  it('names what is wrong: no or two .json files, a missing or oversized weight file', async () => {
    const { files, x } = await pickedFiles();
    x.dispose();
    const [json, weights] = files;
    await expect(nr.loadLayersModel(nr.io.browserFiles([weights]))).rejects.toThrow(
      /expected exactly one \.json file among the files, received \['my-model\.weights\.bin'\]/,
    );
    await expect(nr.loadLayersModel(nr.io.browserFiles([json, json]))).rejects.toThrow(
      /exactly one/,
    );
    await expect(nr.loadLayersModel(nr.io.browserFiles([json]))).rejects.toThrow(
      /lists weight file 'my-model\.weights\.bin', which was not among the files chosen/,
    );
    // a weight file larger than the manifest declares is refused before its bytes are read
    let read = false;
    const huge = {
      name: 'my-model.weights.bin',
      size: 2 ** 40,
      arrayBuffer: async () => {
        read = true;
        return new ArrayBuffer(0);
      },
    };
    await expect(nr.loadLayersModel(nr.io.browserFiles([json, huge]))).rejects.toThrow(
      /is 1099511627776 bytes, more than the \d+ left/,
    );
    expect(read).toBe(false);
    expect(() => nr.io.browserFiles('model.json' as never)).toThrow(
      /must be an array of File objects/,
    );
  });
});
