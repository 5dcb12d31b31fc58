// Images: PNG and JPEG decoding to [h, w, c] tensors (format sniffed from the bytes), encoding, files.
import { Unzlib } from 'fflate';
import { ArgumentError, IOError, show } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { typedTensor } from './container.js';
import { canDecodeRows, decodePngRows, type PngRowsInput } from './png_rows.js';
import { type FileSource, readBytes, sourceName, writeBytesAtomic } from './read_source.js';

/** The image formats neurite reads and writes. */
export type ImageFormat = 'png' | 'jpeg';

/** Options of `decodeImage` and `loadImage`. */
export interface DecodeImageOptions {
  /** 0 keeps the image's own channels (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA); 1, 3 or 4 converts. Default 0. */
  channels?: 0 | 1 | 3 | 4;
  /** 'int32' (default, as tfjs-node) or 'float32'; values stay in 0..255 either way. */
  dtype?: 'int32' | 'float32';
  /**
   * Refuse images with more pixels than this, checked from the headers before anything is
   * decoded. Default 2^24 (16,777,216, e.g. 4096x4096), which bounds the decode's peak memory to
   * about 600 MB for RGBA int32 output (see docs/guide/security.md, "File readers").
   */
  maxPixels?: number;
  /** How the image is named in errors. */
  name?: string;
}

/** The default `maxPixels`: 2^24 pixels (4096x4096). @example decodeImage(bytes, { maxPixels: 4 * DEFAULT_MAX_PIXELS }) */
export const DEFAULT_MAX_PIXELS = 2 ** 24;

/**
 * What jpeg-js may allocate per pixel (its own count): a 3-component 4096x4096 image asks for
 * about 19 bytes per pixel (coefficients, component lines, RGBA output); 32 leaves room for 4
 * components and padded blocks while still bounding memory by the pixel limit.
 */
const JPEG_BYTES_PER_PIXEL = 32;

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * The format of image bytes from their magic number, or null.
 * @example sniffImageFormat(bytes) // 'png'
 */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | null {
  if (bytes.length >= 8 && PNG_MAGIC.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff)
    return 'jpeg';
  return null;
}

/** What the headers say, read before anything is decoded. */
interface Header {
  width: number;
  height: number;
  channels: number;
}

/** A PNG's header and the facts the bounded decode needs. */
interface PngHeader extends Header, PngRowsInput {
  interlaced: boolean;
  /** The first chunk whose CRC is wrong, or null. */
  badCrc: string | null;
  /** Bytes the image data inflates to (filter bytes included), from the header alone. */
  inflatedBytes: number;
  /** The concatenated IDAT chunks (views of the input when there is one). */
  idat: Uint8Array[];
  idatBytes: number;
}

/** Compressed bytes fed to the inflater at a time: at most about 1 MB of output per piece. */
const INFLATE_PIECE = 1024;

/** Deflate's best ratio: a 258-byte match in 2 bits. More output per input byte cannot be real. */
const DEFLATE_MAX_RATIO = 1032;

/** CRC-32 (PNG's, ISO 3309) by table. */
const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 255] ^ (c >>> 8);
  return ~c >>> 0;
}

/** Bits per sample each PNG colour type allows, and its channels. */
const PNG_TYPES: Record<number, { channels: number; depths: readonly number[] }> = {
  0: { channels: 1, depths: [1, 2, 4, 8, 16] },
  2: { channels: 3, depths: [8, 16] },
  3: { channels: 1, depths: [1, 2, 4, 8] },
  4: { channels: 2, depths: [8, 16] },
  6: { channels: 4, depths: [8, 16] },
};

/** Bytes of the filtered scanlines of a `width` x `height` image (0 rows or columns: none). */
function scanlineBytes(width: number, height: number, bitsPerPixel: number): number {
  return width === 0 || height === 0 ? 0 : height * (1 + Math.ceil((width * bitsPerPixel) / 8));
}

/** Adam7's seven passes: starting column/row and steps. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/**
 * Walks every chunk of a PNG (not only the first): exactly one IHDR, and it comes first, so the
 * size checked here is the size the decoder uses; chunk lengths within the file; an IEND.
 */
function pngHeader(bytes: Uint8Array, name: string): PngHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const corrupt = (what: string): never => {
    throw new IOError(`${name}: corrupt PNG (${what})`);
  };
  let ihdr: Omit<
    PngHeader,
    'idat' | 'idatBytes' | 'inflatedBytes' | 'palette' | 'transparency' | 'badCrc'
  > | null = null;
  let palette: Uint8Array | null = null;
  // Reported after the size check, so an oversized image is refused as such whatever its CRCs.
  let badCrc: string | null = null;
  let transparency: Uint8Array | null = null;
  let bitsPerPixel = 0;
  const idat: Uint8Array[] = [];
  let idatBytes = 0;
  let pos = 8;
  let ended = false;
  while (!ended) {
    if (pos + 12 > bytes.length) corrupt(`truncated at byte ${pos}, no IEND chunk`);
    const length = view.getUint32(pos, false);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    const data = pos + 8;
    if (length > bytes.length - data - 4)
      corrupt(
        `chunk ${show(type)} at byte ${pos} declares ${length} bytes, past the end of the file`,
      );
    if (pos === 8 && type !== 'IHDR') corrupt('the first chunk is not IHDR');
    if (
      badCrc === null &&
      crc32(bytes.subarray(pos + 4, data + length)) !== view.getUint32(data + length, false)
    )
      badCrc = `bad CRC in chunk ${show(type)} at byte ${pos}`;
    if (type === 'IHDR') {
      if (ihdr !== null) corrupt(`a second IHDR chunk at byte ${pos}`);
      if (length !== 13) corrupt(`IHDR of ${length} bytes, expected 13`);
      const depth = bytes[data + 8];
      const colorType = bytes[data + 9];
      const kind = PNG_TYPES[colorType] as (typeof PNG_TYPES)[number] | undefined;
      if (kind === undefined) corrupt(`color type ${colorType}`);
      if (!kind?.depths.includes(depth)) corrupt(`bit depth ${depth} for color type ${colorType}`);
      const interlace = bytes[data + 12];
      if (interlace > 1) corrupt(`interlace method ${interlace}`);
      bitsPerPixel = (kind?.channels ?? 0) * depth;
      ihdr = {
        width: view.getUint32(data, false),
        height: view.getUint32(data + 4, false),
        // A palette gives RGB; grey, grey+alpha, RGB and RGBA keep their channels.
        channels: colorType === 3 ? 3 : (kind?.channels ?? 0),
        interlaced: interlace === 1,
        colorType,
        depth,
      };
    } else if (type === 'IDAT') {
      idat.push(bytes.subarray(data, data + length));
      idatBytes += length;
    } else if (type === 'PLTE') palette = bytes.subarray(data, data + length);
    else if (type === 'tRNS') transparency = bytes.subarray(data, data + length);
    else if (type === 'IEND') ended = true;
    pos = data + length + 4;
  }
  if (ihdr === null) return corrupt('no IHDR chunk');
  const { width, height } = ihdr;
  let inflatedBytes = 0;
  if (ihdr.interlaced) {
    for (const [x0, y0, dx, dy] of ADAM7)
      inflatedBytes += scanlineBytes(
        Math.ceil(Math.max(0, width - x0) / dx),
        Math.ceil(Math.max(0, height - y0) / dy),
        bitsPerPixel,
      );
  } else inflatedBytes = scanlineBytes(width, height, bitsPerPixel);
  return { ...ihdr, inflatedBytes, idat, idatBytes, palette, transparency, badCrc };
}

/**
 * Checks that a PNG's image data inflates to exactly what its header says, counting the output
 * without keeping it (no memory beyond fflate's window); a bomb stops at the first byte too many.
 */
function checkInflatedSize(header: PngHeader, name: string): void {
  let total = 0;
  let finished = false;
  const expected = header.inflatedBytes;
  const z = new Unzlib((chunk, final) => {
    total += chunk.byteLength;
    if (total > expected)
      throw new IOError(
        `${name}: corrupt PNG (image data inflates past the ${expected} bytes its header implies)`,
      );
    if (final) finished = true;
  });
  try {
    // Small pieces: fflate inflates a whole piece before reporting, up to 1032 bytes per byte.
    const last = header.idat.length - 1;
    header.idat.forEach((c, i) => {
      for (let at = 0; at < c.length; at += INFLATE_PIECE)
        z.push(c.subarray(at, at + INFLATE_PIECE), i === last && at + INFLATE_PIECE >= c.length);
    });
    if (header.idat.length === 0 || header.idat[last].length === 0) z.push(new Uint8Array(0), true);
  } catch (e) {
    if (e instanceof IOError) throw e;
    throw new IOError(
      `${name}: corrupt PNG (image data: ${e instanceof Error ? e.message : String(e)})`,
    );
  }
  if (!finished || total !== expected)
    throw new IOError(
      `${name}: corrupt PNG (image data inflates to ${total} bytes, its header implies ${expected})`,
    );
}

/**
 * Reads a JPEG's frame header (SOF) and checks it is the only one before the first scan, and that
 * the file is long enough for the blocks it declares: every 8x8 block of the most finely sampled
 * component costs at least one bit (its DC code), so a 1 KB file cannot claim 11000x11000.
 */
function jpegHeader(bytes: Uint8Array, name: string): Header {
  let pos = 2;
  let frame: Header | null = null;
  let minBits = 0;
  while (pos + 4 <= bytes.length) {
    if (bytes[pos] !== 0xff)
      throw new IOError(`${name}: corrupt JPEG (expected a marker at byte ${pos})`);
    const marker = bytes[pos + 1];
    if (marker === 0xff) {
      pos++;
      continue;
    }
    const length = (bytes[pos + 2] << 8) | bytes[pos + 3];
    const isSof =
      marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (frame !== null) throw new IOError(`${name}: corrupt JPEG (a second frame header)`);
      const count = bytes[pos + 9];
      if (pos + 10 + 3 * count > bytes.length || length !== 8 + 3 * count || count === 0)
        throw new IOError(`${name}: corrupt JPEG (truncated frame header)`);
      const height = (bytes[pos + 5] << 8) | bytes[pos + 6];
      const width = (bytes[pos + 7] << 8) | bytes[pos + 8];
      const factors: [number, number][] = [];
      for (let c = 0; c < count; c++) {
        const hv = bytes[pos + 11 + 3 * c];
        factors.push([hv >> 4 || 1, hv & 15 || 1]);
      }
      const hMax = Math.max(...factors.map((f) => f[0]));
      const vMax = Math.max(...factors.map((f) => f[1]));
      for (const [h, v] of factors) {
        const blocks =
          Math.ceil(Math.ceil((width * h) / hMax) / 8) *
          Math.ceil(Math.ceil((height * v) / vMax) / 8);
        minBits = Math.max(minBits, blocks);
      }
      frame = { width, height, channels: count === 1 ? 1 : 3 };
    }
    if (marker === 0xda || length < 2) break;
    pos += 2 + length;
  }
  if (frame === null) throw new IOError(`${name}: corrupt JPEG (no frame header)`);
  if (bytes.length * 8 < minBits)
    throw new IOError(
      `${name}: truncated JPEG (${frame.width}x${frame.height} needs at least ${Math.ceil(minBits / 8)} bytes of image data, the file has ${bytes.length})`,
    );
  return frame;
}

/** Converts 8-bit RGBA pixels to `channels` (1 = luma, 2 = grey+alpha, 3 = RGB, 4 = RGBA). */
function fromRgba(
  rgba: Uint8Array,
  pixels: number,
  channels: number,
  grey: boolean,
  out: Int32Array | Float32Array,
  offset = 0,
): void {
  for (let p = 0, o = offset; p < pixels; p++) {
    const r = rgba[4 * p];
    const g = rgba[4 * p + 1];
    const b = rgba[4 * p + 2];
    if (channels === 1 || channels === 2) {
      // ITU-R BT.601 luma, as tf.image.rgb_to_grayscale; exact for grey sources.
      out[o++] = grey ? r : Math.round(0.299 * r + 0.587 * g + 0.114 * b);
      if (channels === 2) out[o++] = rgba[4 * p + 3];
    } else {
      out[o++] = r;
      out[o++] = g;
      out[o++] = b;
      if (channels === 4) out[o++] = rgba[4 * p + 3];
    }
  }
}

/**
 * Decodes PNG or JPEG bytes (sniffed from the magic number) into a [height, width, channels]
 * tensor of 0..255 values. The header's size is checked before any pixel buffer is allocated;
 * corrupt or unknown data is an `IOError`.
 * @example const img = await nr.data.decodeImage(bytes, { channels: 3 }); // int32 [h, w, 3]
 */
export async function decodeImage(
  bytes: Uint8Array,
  options: DecodeImageOptions = {},
): Promise<Tensor> {
  if (!(bytes instanceof Uint8Array))
    throw new ArgumentError(
      `decodeImage: bytes must be a Uint8Array, received ${show(typeof bytes)}`,
    );
  const name = options.name ?? 'image';
  const wanted = options.channels ?? 0;
  if (![0, 1, 3, 4].includes(wanted))
    throw new ArgumentError(`decodeImage: channels must be 0, 1, 3 or 4, received ${show(wanted)}`);
  const dtype = options.dtype ?? 'int32';
  if (dtype !== 'int32' && dtype !== 'float32')
    throw new ArgumentError(
      `decodeImage: dtype must be 'int32' or 'float32', received ${show(dtype)}`,
    );
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!(Number.isInteger(maxPixels) && maxPixels >= 1))
    throw new ArgumentError(
      `decodeImage: maxPixels must be a positive integer, received ${show(maxPixels)}`,
    );
  const format = sniffImageFormat(bytes);
  if (format === null)
    throw new IOError(
      `${name}: unknown image format (expected PNG or JPEG; first bytes ${show([...bytes.subarray(0, 4)])})`,
    );
  // Every header is read first; the one size check below then covers what the decoder will use.
  const png = format === 'png' ? pngHeader(bytes, name) : null;
  const header = png ?? jpegHeader(bytes, name);
  if (header.width === 0 || header.height === 0)
    throw new IOError(`${name}: ${format.toUpperCase()} has size ${header.width}x${header.height}`);
  if (header.width * header.height > maxPixels)
    throw new IOError(
      `${name}: ${header.width}x${header.height} ${format.toUpperCase()} has more than the limit of ${maxPixels} pixels (maxPixels)`,
    );
  if (png !== null) {
    if (png.badCrc !== null) throw new IOError(`${name}: corrupt PNG (${png.badCrc})`);
    if (png.idatBytes * DEFLATE_MAX_RATIO + 64 < png.inflatedBytes)
      throw new IOError(
        `${name}: truncated PNG (${png.idatBytes} bytes of image data cannot hold ${header.width}x${header.height} pixels)`,
      );
    // pngjs bounds its inflation by the header's size for plain images but not interlaced ones.
    if (png.interlaced) checkInflatedSize(png, name);
  }
  const channels = wanted === 0 ? header.channels : wanted;
  const grey = header.channels <= 2;
  const allocate = (): Int32Array | Float32Array => {
    const n = header.width * header.height * channels;
    return dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
  };
  if (png !== null && canDecodeRows(png)) {
    // Row by row straight into the output: the peak is the output plus two rows.
    const out = allocate();
    const rowValues = header.width * channels;
    decodePngRows(png, name, (rgba, y) =>
      fromRgba(rgba, header.width, channels, grey, out, y * rowValues),
    );
    return typedTensor(out, [header.height, header.width, channels], dtype);
  }
  let rgba: Uint8Array;
  let width: number;
  let height: number;
  try {
    if (format === 'png') {
      const { PNG } = await import('pngjs');
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      ({ width, height } = png);
      rgba = new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength);
    } else {
      const jpeg = await import('jpeg-js');
      const img = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        tolerantDecoding: false,
        // jpeg-js checks every frame header against this, and bounds what it allocates.
        maxResolutionInMP: maxPixels / 1e6,
        maxMemoryUsageInMB: Math.ceil((maxPixels * JPEG_BYTES_PER_PIXEL) / 2 ** 20) + 16,
      });
      ({ width, height } = img);
      rgba = img.data;
    }
  } catch (e) {
    throw new IOError(
      `${name}: corrupt ${format.toUpperCase()} (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  if (width !== header.width || height !== header.height || rgba.length !== width * height * 4)
    throw new IOError(
      `${name}: corrupt ${format.toUpperCase()} (decoded size disagrees with the header)`,
    );
  const out = allocate();
  fromRgba(rgba, width * height, channels, grey, out);
  return typedTensor(out, [height, width, channels], dtype);
}

/** An image tensor's pixels as 8-bit RGBA, with its size and channel count. */
async function toRgba(
  op: string,
  image: Tensor,
): Promise<{ rgba: Uint8Array; width: number; height: number; channels: number }> {
  if (image === null || typeof image !== 'object' || !('shape' in image))
    throw new ArgumentError(`${op}: image must be a tensor, received ${show(typeof image)}`);
  if (image.rank !== 2 && image.rank !== 3)
    throw new ArgumentError(
      `${op}: image must have shape [height, width] or [height, width, channels], received ${show(image.shape)}`,
    );
  const [height, width] = image.shape;
  const channels = image.rank === 2 ? 1 : image.shape[2];
  if (![1, 2, 3, 4].includes(channels))
    throw new ArgumentError(
      `${op}: image must have 1, 2, 3 or 4 channels, received shape ${show(image.shape)}`,
    );
  if (height === 0 || width === 0)
    throw new ArgumentError(`${op}: image is empty (shape ${show(image.shape)})`);
  const values = await image.data();
  const rgba = new Uint8Array(width * height * 4);
  // NOTE: values are rounded and clamped to 0..255; scale [0, 1] images by 255 first.
  const px = (v: number): number => (v > 0 ? Math.min(255, Math.round(v)) : 0);
  for (let p = 0; p < width * height; p++) {
    const at = p * channels;
    const grey = channels <= 2;
    rgba[4 * p] = px(values[at]);
    rgba[4 * p + 1] = px(values[grey ? at : at + 1]);
    rgba[4 * p + 2] = px(values[grey ? at : at + 2]);
    let alpha = 255;
    if (channels === 2) alpha = px(values[at + 1]);
    else if (channels === 4) alpha = px(values[at + 3]);
    rgba[4 * p + 3] = alpha;
  }
  return { rgba, width, height, channels };
}

/**
 * Encodes a [h, w] or [h, w, c] tensor (c = 1, 2, 3, 4; values 0..255) as PNG, keeping its channels.
 * @example const bytes = await nr.data.encodePng(img);
 */
export async function encodePng(image: Tensor): Promise<Uint8Array> {
  const { rgba, width, height, channels } = await toRgba('encodePng', image);
  const { PNG } = await import('pngjs');
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  const colorTypes = { 1: 0, 2: 4, 3: 2, 4: 6 } as const;
  const out = PNG.sync.write(png, { colorType: colorTypes[channels as 1 | 2 | 3 | 4] });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Encodes a [h, w] or [h, w, c] tensor (values 0..255) as baseline JPEG; alpha is dropped.
 * @example const bytes = await nr.data.encodeJpeg(img, 85);
 */
export async function encodeJpeg(image: Tensor, quality = 90): Promise<Uint8Array> {
  if (typeof quality !== 'number' || !(quality >= 1 && quality <= 100))
    throw new ArgumentError(`encodeJpeg: quality must be in [1, 100], received ${show(quality)}`);
  const { rgba, width, height } = await toRgba('encodeJpeg', image);
  const jpeg = await import('jpeg-js');
  const out = jpeg.encode({ data: rgba, width, height }, quality).data;
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * The most bytes an image file of at most `maxPixels` pixels is read with: 10 per pixel (a 16-bit
 * RGBA PNG of noise needs 8, plus deflate's framing) and 64 MiB for metadata chunks, at most
 * 1 GiB. A bigger file could not be a real image within the limit, so it is not read into memory.
 * @example imageFileLimit(2 ** 24) // 234881024 (224 MiB)
 */
export function imageFileLimit(maxPixels: number = DEFAULT_MAX_PIXELS): number {
  const pixels = Number.isFinite(maxPixels) && maxPixels > 0 ? maxPixels : DEFAULT_MAX_PIXELS;
  return Math.min(2 ** 30, pixels * 10 + 64 * 2 ** 20);
}

/**
 * Reads and decodes a PNG or JPEG file (path or URL).
 * @example const img = await nr.data.loadImage('cat.jpg', { channels: 3, dtype: 'float32' });
 */
export async function loadImage(
  source: FileSource,
  options: DecodeImageOptions = {},
): Promise<Tensor> {
  const bytes = await readBytes(source, 'image file', imageFileLimit(options.maxPixels));
  return decodeImage(bytes, { name: sourceName(source), ...options });
}

/** Options of `saveImage`. */
export interface SaveImageOptions {
  /** 'png' or 'jpeg'; by default from the file extension (.png, .jpg, .jpeg). */
  format?: ImageFormat;
  /** JPEG quality in [1, 100]. Default 90. */
  quality?: number;
}

/**
 * Encodes and writes an image tensor atomically (a temporary file, then a rename).
 * @example await nr.data.saveImage(img, 'out/cat.png');
 */
export async function saveImage(
  image: Tensor,
  path: string,
  options: SaveImageOptions = {},
): Promise<void> {
  if (typeof path !== 'string' || path === '')
    throw new ArgumentError(`saveImage: path must be a non-empty string, received ${show(path)}`);
  const ext = /\.([a-z]+)$/i.exec(path)?.[1]?.toLowerCase();
  let format = options.format;
  if (format === undefined && ext === 'png') format = 'png';
  if (format === undefined && (ext === 'jpg' || ext === 'jpeg')) format = 'jpeg';
  if (format !== 'png' && format !== 'jpeg')
    throw new ArgumentError(
      `saveImage: cannot tell the format of ${show(path)}; use a .png/.jpg extension or options.format, received ${show(format)}`,
    );
  const bytes =
    format === 'png' ? await encodePng(image) : await encodeJpeg(image, options.quality ?? 90);
  await writeBytesAtomic(path, bytes);
}
