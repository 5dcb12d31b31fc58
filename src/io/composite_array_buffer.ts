// tf.io.CompositeArrayBuffer and concatenateArrayBuffers: several weight shards read as one byte range
// without first copying them into one buffer (only the bytes a slice asks for are copied).

/** One shard: an ArrayBuffer or a view over part of one. */
type Shard = ArrayBuffer | ArrayBufferView;

function bytesOf(s: Shard): Uint8Array {
  return s instanceof ArrayBuffer
    ? new Uint8Array(s)
    : new Uint8Array(s.buffer, s.byteOffset, s.byteLength);
}

/**
 * Byte shards seen as one buffer: `slice(start, end)` copies that range out across shard boundaries.
 * @example new nr.io.CompositeArrayBuffer([a, b]).slice(2, 6) // an ArrayBuffer of 4 bytes
 */
export class CompositeArrayBuffer {
  private readonly shards: { start: number; end: number; bytes: Uint8Array }[] = [];
  /** Total bytes of all shards. */
  readonly byteLength: number;

  constructor(buffers?: Shard | readonly Shard[]) {
    const list = buffers === undefined ? [] : Array.isArray(buffers) ? buffers : [buffers as Shard];
    let offset = 0;
    for (const s of list) {
      const bytes = bytesOf(s);
      this.shards.push({ start: offset, end: offset + bytes.byteLength, bytes });
      offset += bytes.byteLength;
    }
    this.byteLength = offset;
  }

  /**
   * A copy of bytes [start, end), clamped to the buffer; a NaN bound counts as 0 (tfjs's rule).
   * @example composite.slice(1, 13)
   */
  slice(start = 0, end = this.byteLength): ArrayBuffer {
    const from = Math.max(0, Number.isNaN(Number(start)) ? 0 : start);
    const to = Math.min(this.byteLength, Number.isNaN(Number(end)) ? 0 : end);
    if (to <= from) return new ArrayBuffer(0);
    const out = new Uint8Array(to - from);
    for (const s of this.shards) {
      if (s.end <= from || s.start >= to) continue;
      const a = Math.max(from, s.start);
      const b = Math.min(to, s.end);
      out.set(s.bytes.subarray(a - s.start, b - s.start), a - from);
    }
    return out.buffer;
  }

  /**
   * The shards concatenated into one ArrayBuffer.
   * @example nr.io.CompositeArrayBuffer.join([a, b])
   */
  static join(buffers?: Shard | readonly Shard[]): ArrayBuffer {
    return new CompositeArrayBuffer(buffers).slice();
  }
}

/**
 * Concatenates byte buffers into one ArrayBuffer (tfjs's tf.io.concatenateArrayBuffers).
 * @example nr.io.concatenateArrayBuffers([new Uint8Array([1]).buffer, new Uint8Array([2]).buffer]) // 2 bytes
 */
export function concatenateArrayBuffers(buffers: ArrayBuffer[] | ArrayBuffer): ArrayBuffer {
  return CompositeArrayBuffer.join(buffers);
}
