// Inputs for `neurite predict`: PNG/JPEG images, .npy arrays and CSV rows, shaped for the model's input.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { ArgumentError, IOError, show } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { decodeImage } from '../data/image.js';
import { ndarrayValues } from '../data/ndarray.js';
import { parseNpy } from '../data/npy.js';
import { tensor } from '../ops/creation.js';

/** How raw values become model inputs. */
export interface InputOptions {
  /** Multiply every value (e.g. 1/255 for images). Default 1. */
  scale: number;
  /** Then add (e.g. -1 for MobileNet's x/127.5 - 1). Default 0. */
  offset: number;
}

/** The model's input shape without the batch dimension; null entries are taken from the data. */
export type SampleShape = (number | null)[];

function fit(
  values: Float32Array,
  sample: SampleShape,
  name: string,
): { values: Float32Array; batch: number } {
  const known = sample.every((d): d is number => d !== null);
  const per = known ? sample.reduce<number>((a, d) => a * (d ?? 1), 1) : values.length;
  if (per === 0 || values.length % per !== 0)
    throw new ArgumentError(
      `${name}: ${values.length} values do not fill samples of shape ${show(sample)}`,
    );
  return { values, batch: values.length / per };
}

/**
 * One file as a batch for a model input of shape `sample`: images are decoded to the channel count the
 * model wants, .npy arrays and CSV rows (numbers, a header row is skipped) are reshaped.
 * @example const x = await readInput('cat.png', [224, 224, 3], { scale: 1 / 255, offset: 0 });
 */
export async function readInput(
  path: string,
  sample: SampleShape,
  opts: InputOptions,
): Promise<Tensor> {
  const ext = extname(path).toLowerCase();
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch {
    throw new IOError(`${path}: not found`);
  }
  let values: Float32Array;
  if (ext === '.png' || ext === '.jpg' || ext === '.jpeg') {
    const channels = sample[sample.length - 1];
    const want = channels === 1 || channels === 3 || channels === 4 ? channels : 3;
    const img = await decodeImage(bytes, { channels: want, dtype: 'float32', name: path });
    const [h, w] = img.shape;
    if ((sample[0] !== null && sample[0] !== h) || (sample[1] !== null && sample[1] !== w)) {
      img.dispose();
      throw new ArgumentError(
        `${path}: image is ${h}x${w}, the model takes ${show(sample.slice(0, 2))}; resize it first`,
      );
    }
    values = Float32Array.from(await img.data());
    img.dispose();
  } else if (ext === '.npy') {
    values = ndarrayValues(parseNpy(bytes, path), path, 'float32');
  } else if (ext === '.csv' || ext === '.txt') {
    const rows = new TextDecoder()
      .decode(bytes)
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l.length);
    const numeric = rows.filter((r) =>
      r.split(',').every((c) => c.trim() !== '' && Number.isFinite(Number(c))),
    );
    if (!numeric.length) throw new ArgumentError(`${path}: no row of numbers`);
    values = Float32Array.from(numeric.flatMap((r) => r.split(',').map(Number)));
  } else
    throw new ArgumentError(`${path}: unknown input type '${ext}' (use .png, .jpg, .npy or .csv)`);
  for (let i = 0; i < values.length; i++) values[i] = values[i] * opts.scale + opts.offset;
  const { batch } = fit(values, sample, path);
  const shape = sample.map((d) => d ?? values.length / batch);
  return tensor(values, [batch, ...shape]);
}
