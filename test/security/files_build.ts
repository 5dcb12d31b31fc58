// Builders of hostile files for the security suite: PNG chunks, JPEG frames, pickles, tar, npy.
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** Concatenates byte arrays. */
export function cat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A PNG chunk with a correct CRC. */
export function chunk(type: string, data: Uint8Array | number[]): Uint8Array {
  const body = cat(ascii(type), data);
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  out.set(body, 4);
  v.setUint32(8 + data.length, crc32(body));
  return out;
}

/** An IHDR chunk (8-bit samples unless `depth` says otherwise). */
export function ihdr(width: number, height: number, colorType = 6, interlace = 0, depth = 8) {
  const d = new Uint8Array(13);
  const v = new DataView(d.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  d.set([depth, colorType, 0, 0, interlace], 8);
  return chunk('IHDR', d);
}

export const PNG_SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

/** A PNG from its chunks (signature first, IEND last). */
export function png(...chunks: Uint8Array[]): Uint8Array {
  return cat(PNG_SIGNATURE, ...chunks, chunk('IEND', []));
}

/**
 * zlib data of `n` zero bytes, written directly as one fixed-Huffman deflate block (a literal 0,
 * then matches of 258 at distance 1): a bomb of any size costs about n / 160 bytes and no time.
 */
export function zlibZeros(n: number): Uint8Array {
  const out: number[] = [0x78, 0x01];
  let acc = 0;
  let bits = 0;
  const put = (value: number, count: number) => {
    for (let i = 0; i < count; i++) {
      acc |= ((value >> i) & 1) << bits;
      if (++bits === 8) {
        out.push(acc);
        acc = 0;
        bits = 0;
      }
    }
  };
  // Huffman codes go most significant bit first.
  const code = (value: number, count: number) => {
    for (let i = count - 1; i >= 0; i--) put((value >> i) & 1, 1);
  };
  put(1, 1); // BFINAL
  put(1, 2); // BTYPE = fixed Huffman
  let left = n;
  if (left > 0) {
    code(0x30, 8); // literal 0
    left--;
  }
  for (; left >= 258; left -= 258) {
    code(0b11000101, 8); // length 258 (code 285)
    code(0, 5); // distance 1
  }
  for (; left > 0; left--) code(0x30, 8);
  code(0, 7); // end of block
  if (bits > 0) out.push(acc);
  const adler = (((n % 65521) << 16) | 1) >>> 0;
  out.push(adler >>> 24, (adler >>> 16) & 255, (adler >>> 8) & 255, adler & 255);
  return Uint8Array.from(out);
}

/** Scanline bytes of an image (filter byte per row), for plain or Adam7-interlaced layout. */
export function scanlineBytes(w: number, h: number, channels: number, interlaced: boolean): number {
  const rows = (cw: number, ch: number) => (cw && ch ? ch * (1 + cw * channels) : 0);
  if (!interlaced) return rows(w, h);
  const passes = [
    [0, 0, 8, 8],
    [4, 0, 8, 8],
    [0, 4, 4, 8],
    [2, 0, 4, 4],
    [0, 2, 2, 4],
    [1, 0, 2, 2],
    [0, 1, 1, 2],
  ];
  return passes.reduce(
    (n, [x0, y0, dx, dy]) =>
      n + rows(Math.ceil(Math.max(0, w - x0) / dx), Math.ceil(Math.max(0, h - y0) / dy)),
    0,
  );
}

/**
 * A JPEG whose only content is a frame header (SOF0) of `width` x `height` with 3 components,
 * padded to `size` bytes after an SOS marker: a tiny file that claims a huge image.
 */
export function jpegFrame(width: number, height: number, size = 1024): Uint8Array {
  const sof = [0xff, 0xc0, 0, 17, 8, height >> 8, height & 255, width >> 8, width & 255, 3];
  for (let c = 1; c <= 3; c++) sof.push(c, 0x11, 0);
  const sos = [0xff, 0xda, 0, 12, 3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0];
  const head = cat([0xff, 0xd8], sof, sos);
  const out = new Uint8Array(Math.max(size, head.length + 2));
  out.set(head);
  out.fill(0x55, head.length);
  out.set([0xff, 0xd9], out.length - 2);
  return out;
}

/** A .npy file (version 1) with the given header text and data. */
export function npy(header: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  let text = header;
  while ((10 + text.length + 1) % 64 !== 0) text += ' ';
  text += '\n';
  const head = new Uint8Array(10);
  head.set([0x93, ...ascii('NUMPY'), 1, 0]);
  new DataView(head.buffer).setUint16(8, text.length, true);
  return cat(head, ascii(text), data);
}

/** A ustar tar archive of regular files, with correct checksums and the two end blocks. */
export function tar(files: { name: string; data: Uint8Array }[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of files) {
    const h = new Uint8Array(512);
    h.set(ascii(f.name).slice(0, 100), 0);
    h.set(ascii('0000644\0'), 100);
    h.set(ascii(`${f.data.length.toString(8).padStart(11, '0')}\0`), 124);
    h[156] = 48;
    h.set(ascii('ustar\0'), 257);
    h.fill(32, 148, 156);
    const sum = h.reduce((a, b) => a + b, 0);
    h.set(ascii(`${sum.toString(8).padStart(6, '0')}\0 `), 148);
    parts.push(h, f.data, new Uint8Array((512 - (f.data.length % 512)) % 512));
  }
  return cat(...parts, new Uint8Array(1024));
}

/** Pickle opcodes for building data pickles by hand (protocol 2+). */
export const P = {
  proto: (v: number) => [0x80, v],
  stop: [0x2e],
  mark: [0x28],
  emptyDict: [0x7d],
  emptyList: [0x5d],
  setItems: [0x75],
  appends: [0x65],
  tuple: [0x74],
  tuple2: [0x86],
  tuple3: [0x87],
  reduce: [0x52],
  newFalse: [0x89],
  newTrue: [0x88],
  binInt: (v: number) => {
    const b = new Uint8Array(5);
    b[0] = 0x4a;
    new DataView(b.buffer).setInt32(1, v, true);
    return [...b];
  },
  str: (s: string) => [0x8c, s.length, ...ascii(s)],
  global: (module: string, name: string) => [0x63, ...ascii(`${module}\n${name}\n`)],
  bytes: (b: Uint8Array) => {
    const h = new Uint8Array(5);
    h[0] = 0x42;
    new DataView(h.buffer).setUint32(1, b.length, true);
    return [...cat(h, b)];
  },
};
