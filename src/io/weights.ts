// Weight bytes: encode named tensors into one buffer with a manifest, and decode it back with checks.
import { bytesPerElement, type DType, makeArray } from '../core/dtype.js';
import { ENGINE } from '../core/engine.js';
import { IOError, show } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { MAX_WEIGHT_BYTES, type WeightSpec } from './artifacts.js';

const DTYPES: readonly DType[] = ['float32', 'int32', 'bool'];

/** Checks one manifest entry and returns its byte size. `where` names the file for errors. */
export function specBytes(spec: unknown, where: string): number {
  const s = spec as Partial<WeightSpec> | null;
  if (s === null || typeof s !== 'object' || typeof s.name !== 'string')
    throw new IOError(`${where}: a weight entry has no name: ${show(spec)}`);
  if (!DTYPES.includes(s.dtype as DType))
    throw new IOError(
      `${where}: weight '${s.name}' has dtype ${show(s.dtype)}, which neurite does not know (float32, int32, bool)`,
    );
  if (
    !Array.isArray(s.shape) ||
    !s.shape.every((d) => Number.isInteger(d) && d >= 0 && d < 2 ** 31)
  ) {
    throw new IOError(`${where}: weight '${s.name}' has an invalid shape ${show(s.shape)}`);
  }
  const size = s.shape.reduce((a: number, b: number) => a * b, 1);
  const bytes = size * bytesPerElement(s.dtype as DType);
  if (!Number.isSafeInteger(bytes) || bytes > MAX_WEIGHT_BYTES)
    throw new IOError(
      `${where}: weight '${s.name}' declares an absurd size: shape ${show(s.shape)} (${bytes} bytes)`,
    );
  return bytes;
}

/** One weight of a file: its manifest entry and where its bytes are. */
interface WeightEntry {
  spec: WeightSpec;
  offset: number;
  bytes: number;
}

/**
 * The weights of a file, checked (names, shapes, dtypes, byte sizes against the buffer) but not yet
 * decoded: a tensor is made only when a weight is asked for, so a model can be checked weight by
 * weight against the file before it allocates anything.
 * @example const file = new WeightFile(specs, data, 'model.json'); const t = file.tensor('dense/kernel');
 */
export class WeightFile {
  private readonly entries = new Map<string, WeightEntry>();

  constructor(
    specs: readonly WeightSpec[],
    private readonly data: ArrayBuffer,
    private readonly where: string,
  ) {
    let offset = 0;
    for (const spec of specs) {
      const bytes = specBytes(spec, where);
      if (this.entries.has(spec.name))
        throw new IOError(`${where}: weight '${spec.name}' appears twice in the manifest`);
      this.entries.set(spec.name, { spec, offset, bytes });
      offset += bytes;
    }
    if (offset !== data.byteLength)
      throw new IOError(
        `${where}: the manifest declares ${offset} bytes of weights but the shards hold ${data.byteLength}`,
      );
  }

  /** Names of the weights in the file, in manifest order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  /** The manifest entry of a weight, if the file has it. */
  spec(name: string): WeightSpec | undefined {
    return this.entries.get(name)?.spec;
  }

  /** A new tensor of a weight's values as the file stores them. */
  tensor(name: string): Tensor {
    const e = this.entries.get(name);
    if (!e) throw new IOError(`${this.where}: weight '${name}' is not in the file`);
    const values = makeArray(e.spec.dtype, e.bytes / bytesPerElement(e.spec.dtype));
    // Copy (not view): the offset may not be aligned for the element type.
    new Uint8Array(values.buffer).set(new Uint8Array(this.data, e.offset, e.bytes));
    return ENGINE.fromValues(values, e.spec.shape, e.spec.dtype);
  }
}
