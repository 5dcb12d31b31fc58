// tf.io's weight codec (encodeWeights, decodeWeights, decodeWeightsStream) and the string weight byte format.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { decodeStringWeight, encodeStringWeight } from '../../src/io/string_weights.js';
import type { WeightsManifestEntry } from '../../src/io/weight_codec.js';

function streamOf(bytes: Uint8Array, chunk = 5): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.byteLength) controller.close();
      else {
        controller.enqueue(bytes.slice(at, at + chunk));
        at += chunk;
      }
    },
  });
}

describe('encodeWeights', () => {
  it('takes a {name: tensor} map or a named list; bytes in order, specs without a group', async () => {
    const a = nr.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const b = nr.tensor1d([7, 8], 'int32');
    const c = nr.tensor1d([true, false], 'bool');
    const fromMap = await nr.io.encodeWeights({ a, b, c });
    const fromList = await nr.io.encodeWeights([
      { name: 'a', tensor: a },
      { name: 'b', tensor: b },
      { name: 'c', tensor: c },
    ]);
    for (const { data, specs } of [fromMap, fromList]) {
      expect(data.byteLength).toBe(16 + 8 + 2);
      expect(Array.from(new Float32Array(data, 0, 4))).toEqual([1, 2, 3, 4]);
      expect(Array.from(new Int32Array(data, 16, 2))).toEqual([7, 8]);
      expect(Array.from(new Uint8Array(data, 24, 2))).toEqual([1, 0]);
      expect(specs).toEqual([
        { name: 'a', shape: [2, 2], dtype: 'float32' },
        { name: 'b', shape: [2], dtype: 'int32' },
        { name: 'c', shape: [2], dtype: 'bool' },
      ]);
    }
    const grouped = await nr.io.encodeWeights({ a }, 'optimizer');
    expect(grouped.specs[0].group).toBe('optimizer');
    expect((await nr.io.encodeWeights([])).data.byteLength).toBe(0);
    nr.dispose([a, b, c]);
  });

  it('names a non-tensor entry', async () => {
    await expect(
      nr.io.encodeWeights([{ name: 'x', tensor: Reflect.get({}, 'none') }]),
    ).rejects.toThrow(/encodeWeights: entry 0 must be a named Tensor/);
  });
});

describe('decodeWeights', () => {
  it('round-trips encodeWeights, from one buffer or from shards', async () => {
    const a = nr.tensor2d([[1.5, -2]]);
    const b = nr.tensor1d([3, 4, 5], 'int32');
    const { data, specs } = await nr.io.encodeWeights({ a, b });
    const whole = nr.io.decodeWeights(data, specs);
    const shards = nr.io.decodeWeights(
      [data.slice(0, 5), data.slice(5, 13), data.slice(13)],
      specs,
    );
    for (const out of [whole, shards]) {
      expect(Object.keys(out)).toEqual(['a', 'b']);
      expect(out.a.shape).toEqual([1, 2]);
      expect(Array.from(await out.a.data())).toEqual([1.5, -2]);
      expect(out.b.dtype).toBe('int32');
      expect(Array.from(await out.b.data())).toEqual([3, 4, 5]);
      nr.dispose(out);
    }
    nr.dispose([a, b]);
  });

  it('expands uint8/uint16 quantization (q·scale + min; int32 rounds) and float16', async () => {
    const q = (dtype: 'uint8' | 'uint16'): WeightsManifestEntry[] => [
      { name: 'f', dtype: 'float32', shape: [3], quantization: { dtype, min: -1, scale: 0.1 } },
      { name: 'i', dtype: 'int32', shape: [3], quantization: { dtype, min: -1, scale: 0.1 } },
    ];
    for (const [dtype, raw] of [
      ['uint8', new Uint8Array([0, 48, 255, 0, 48, 255])],
      ['uint16', new Uint16Array([0, 48, 255, 0, 48, 255])],
    ] as const) {
      const out = nr.io.decodeWeights(raw.buffer, q(dtype));
      const f = Array.from(await out.f.data());
      [-1, 3.8, 24.5].forEach((v, k) => expect(f[k]).toBeCloseTo(v, 5));
      expect(Array.from(await out.i.data())).toEqual([-1, 4, 25]);
      expect(out.i.dtype).toBe('int32');
      nr.dispose(out);
    }
    const half = nr.io.decodeWeights(new Uint16Array([0x3400, 0x3800, 0x3a00, 0xfc00]).buffer, [
      { name: 'h', dtype: 'float32', shape: [4], quantization: { dtype: 'float16' } },
    ]);
    expect(Array.from(await half.h.data())).toEqual([0.25, 0.5, 0.75, -Infinity]);
    nr.dispose(half);
  });

  it('rejects hostile manifests before allocating, naming the weight', () => {
    const buf = new ArrayBuffer(8);
    // hostile manifests do not fit the type: call through Reflect, as untyped JS would
    const decode = (s: Record<string, unknown>) =>
      Reflect.apply(nr.io.decodeWeights, undefined, [
        buf,
        [{ name: 'x', dtype: 'float32', shape: [2], ...s }],
      ]);
    expect(() => decode({ dtype: 'int16' })).toThrow(
      /decodeWeights: Unsupported dtype in weight 'x': int16/,
    );
    expect(() => decode({ shape: [2 ** 30, 2 ** 30] })).toThrow(/declares more than \d+ bytes/);
    expect(() => decode({ shape: [-1] })).toThrow(/invalid shape/);
    expect(() => decode({ shape: [3] })).toThrow(
      /declares 12 bytes of weights but the data holds 8/,
    );
    expect(() => decode({ quantization: { dtype: 'uint8', min: 0, scale: NaN } })).toThrow(
      /scale\/min/,
    );
    const before = nr.memory().numTensors;
    expect(() =>
      nr.io.decodeWeights(buf, [
        { name: 'x', dtype: 'float32', shape: [1] },
        { name: 'x', dtype: 'float32', shape: [1] },
      ]),
    ).toThrow(/weight 'x' appears twice/);
    expect(nr.memory().numTensors).toBe(before);
  });

  it('keeps names from files off Object.prototype', async () => {
    const out = nr.io.decodeWeights(new Float32Array([1]).buffer, [
      { name: '__proto__', dtype: 'float32', shape: [] },
    ]);
    expect(Object.getPrototypeOf(out)).toBe(null);
    expect(Array.from(await out['__proto__'].data())).toEqual([1]);
    nr.dispose(Object.values(out));
  });
});

describe('string and complex64 weights', () => {
  it('round-trip with the other dtypes, from a buffer and from a stream', async () => {
    const s = nr.tensor([
      ['a', 'bc'],
      ['здраво', ''],
    ]);
    const c = nr.complex([1, -2], [0.5, 3]);
    const f = nr.tensor1d([1.5, 2.5]);
    const { data, specs } = await nr.io.encodeWeights({ s, c, f });
    // strings: per element a 4-byte length then its bytes; complex64: float32 (re, im) pairs
    expect(data.byteLength).toBe(4 * 4 + 1 + 2 + 12 + 0 + 2 * 8 + 2 * 4);
    expect(Array.from(new Float32Array(data.slice(31, 47)))).toEqual([1, 0.5, -2, 3]);
    expect(specs.map((e) => e.dtype)).toEqual(['string', 'complex64', 'float32']);
    for (const out of [
      nr.io.decodeWeights(data, specs),
      await nr.io.decodeWeightsStream(streamOf(new Uint8Array(data)), specs),
    ]) {
      expect(out.s.shape).toEqual([2, 2]);
      expect(out.s.arraySync()).toEqual([
        ['a', 'bc'],
        ['здраво', ''],
      ]);
      expect(out.c.dtype).toBe('complex64');
      expect(Array.from(await nr.real(out.c).data())).toEqual([1, -2]);
      expect(Array.from(await nr.imag(out.c).data())).toEqual([0.5, 3]);
      expect(Array.from(await out.f.data())).toEqual([1.5, 2.5]);
      nr.dispose(Object.values(out));
    }
    nr.dispose([s, c, f]);
  });

  it('rejects string lengths past the data, trailing bytes and quantized strings', () => {
    const bytes = new Uint8Array([200, 0, 0, 0, 1, 2]);
    expect(() =>
      nr.io.decodeWeights(bytes.buffer, [{ name: 's', dtype: 'string', shape: [1] }]),
    ).toThrow(/declares 200 bytes but only 2 remain/);
    const ok = new Uint8Array([1, 0, 0, 0, 65, 9]);
    expect(() =>
      nr.io.decodeWeights(ok.buffer, [{ name: 's', dtype: 'string', shape: [1] }]),
    ).toThrow(/end at byte 5 but the data holds 6/);
    expect(() =>
      nr.io.decodeWeights(ok.buffer, [
        {
          name: 's',
          dtype: 'string',
          shape: [1],
          quantization: { dtype: 'uint8', min: 0, scale: 1 },
        },
      ]),
    ).toThrow(nr.IOError);
  });
});

describe('decodeWeightsStream', () => {
  it('reads chunks into the same tensors as decodeWeights', async () => {
    const w = nr.tensor1d([1, 2, 3, 4, 5]);
    const { data, specs } = await nr.io.encodeWeights({ w });
    const out = await nr.io.decodeWeightsStream(streamOf(new Uint8Array(data)), specs);
    expect(Array.from(await out.w.data())).toEqual([1, 2, 3, 4, 5]);
    nr.dispose([w, out.w]);
  });

  it('stops as soon as the stream holds more than the manifest declares', async () => {
    const specs: WeightsManifestEntry[] = [{ name: 'w', dtype: 'float32', shape: [1] }];
    await expect(nr.io.decodeWeightsStream(streamOf(new Uint8Array(64)), specs)).rejects.toThrow(
      /holds more than the 4 bytes the manifest declares/,
    );
  });
});

describe('string weights (tfjs byte format)', () => {
  const utf8 = (s: string) => new TextEncoder().encode(s);

  it('writes a 4-byte little-endian length and the bytes of each element, and reads them back', () => {
    const values = ['здраво', '', 'a'].map(utf8);
    const bytes = encodeStringWeight(values);
    expect(Array.from(bytes.slice(0, 4))).toEqual([12, 0, 0, 0]);
    expect(bytes.byteLength).toBe(4 + 12 + 4 + 0 + 4 + 1);
    const { values: back, end } = decodeStringWeight(bytes, 0, 3, 'test');
    expect(back.map((v) => new TextDecoder().decode(v))).toEqual(['здраво', '', 'a']);
    expect(end).toBe(bytes.byteLength);
  });

  it('rejects a length past the end of the data', () => {
    const bytes = encodeStringWeight([utf8('hello')]);
    new DataView(bytes.buffer).setUint32(0, 2 ** 31, true);
    expect(() => decodeStringWeight(bytes, 0, 1, 'w.bin')).toThrow(
      /w.bin: string element 0 declares 2147483648 bytes but only 5 remain/,
    );
    const one = encodeStringWeight([utf8('a')]);
    expect(() => decodeStringWeight(one, 0, 2, 'w.bin')).toThrow(/past the end of the data/);
  });
});
