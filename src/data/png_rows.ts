// PNG decoding row by row for the common case (8-bit, not interlaced), with bounded memory.
import { Unzlib } from 'fflate';
import { IOError } from '../core/errors.js';

/** What the row decoder needs from a PNG's chunks (read and checked by the caller). */
export interface PngRowsInput {
  width: number;
  height: number;
  colorType: number;
  depth: number;
  interlaced: boolean;
  /** The IDAT chunks' data, in order. */
  idat: Uint8Array[];
  /** PLTE's RGB triples, or null. */
  palette: Uint8Array | null;
  /** tRNS's data, or null. */
  transparency: Uint8Array | null;
}

/** Bytes per pixel of the 8-bit colour types this decoder handles. */
const BYTES_PER_PIXEL: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Compressed bytes fed to the inflater at a time (at most about 1 MB of output each). */
const PIECE = 1024;

/**
 * Whether `decodePngRows` handles this image: 8-bit samples, not interlaced, and no tRNS colour
 * key on grey or RGB images (palettes may have one). Others go to pngjs.
 * @example if (canDecodeRows(header)) decodePngRows(header, 'a.png', onRow);
 */
export function canDecodeRows(png: PngRowsInput): boolean {
  return (
    png.depth === 8 &&
    !png.interlaced &&
    png.colorType in BYTES_PER_PIXEL &&
    (png.transparency === null || png.colorType === 3)
  );
}

/** Paeth's predictor: whichever of left, up and upper-left is nearest to left + up - upper-left. */
function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/** Undoes a scanline's filter in place (`row` without its filter byte; `prev` the row above). */
function unfilter(filter: number, row: Uint8Array, prev: Uint8Array, bpp: number): boolean {
  const n = row.length;
  switch (filter) {
    case 0:
      return true;
    case 1:
      for (let i = bpp; i < n; i++) row[i] = (row[i] + row[i - bpp]) & 255;
      return true;
    case 2:
      for (let i = 0; i < n; i++) row[i] = (row[i] + prev[i]) & 255;
      return true;
    case 3:
      for (let i = 0; i < n; i++)
        row[i] = (row[i] + (((i >= bpp ? row[i - bpp] : 0) + prev[i]) >> 1)) & 255;
      return true;
    case 4:
      for (let i = 0; i < n; i++)
        row[i] =
          (row[i] +
            (i >= bpp ? paeth(row[i - bpp], prev[i], prev[i - bpp]) : paeth(0, prev[i], 0))) &
          255;
      return true;
    default:
      return false;
  }
}

/**
 * Inflates and unfilters a PNG one scanline at a time, handing each row to `onRow` as 8-bit RGBA
 * (palette entries looked up, tRNS alpha applied). Memory: two rows and the inflater's window,
 * whatever the image's size; data past the header's size stops the inflation at once.
 * @example decodePngRows(header, 'a.png', (rgba, y) => out.set(rgba, y * width * 4));
 */
export function decodePngRows(
  png: PngRowsInput,
  name: string,
  onRow: (rgba: Uint8Array, y: number) => void,
): void {
  const { width, height, colorType, palette, transparency } = png;
  const bpp = BYTES_PER_PIXEL[colorType];
  const stride = width * bpp;
  let row = new Uint8Array(stride);
  let prev = new Uint8Array(stride);
  const rgba = new Uint8Array(width * 4);
  if (colorType === 3 && palette === null) throw new IOError(`${name}: corrupt PNG (no PLTE)`);
  let y = 0;
  let filter = -1;
  let filled = 0;
  const emit = (): void => {
    if (!unfilter(filter, row, prev, bpp))
      throw new IOError(`${name}: corrupt PNG (filter type ${filter} in row ${y})`);
    toRgba(row, rgba, colorType, palette, transparency, name);
    onRow(rgba, y);
    [row, prev] = [prev, row];
    y++;
    filter = -1;
    filled = 0;
  };
  const z = new Unzlib((chunk, final) => {
    for (let at = 0; at < chunk.length;) {
      if (y === height)
        throw new IOError(
          `${name}: corrupt PNG (image data past the ${height} rows of its header)`,
        );
      if (filter < 0) filter = chunk[at++];
      else {
        const take = Math.min(stride - filled, chunk.length - at);
        row.set(chunk.subarray(at, at + take), filled);
        filled += take;
        at += take;
      }
      if (filter >= 0 && filled === stride) emit();
    }
    if (final && y !== height)
      throw new IOError(`${name}: truncated PNG (image data ends in row ${y} of ${height})`);
  });
  try {
    const last = png.idat.length - 1;
    png.idat.forEach((c, i) => {
      for (let at = 0; at < c.length; at += PIECE)
        z.push(c.subarray(at, at + PIECE), i === last && at + PIECE >= c.length);
    });
    if (last < 0 || png.idat[last].length === 0) z.push(new Uint8Array(0), true);
  } catch (e) {
    if (e instanceof IOError) throw e;
    throw new IOError(
      `${name}: corrupt PNG (image data: ${e instanceof Error ? e.message : String(e)})`,
    );
  }
  if (y !== height)
    throw new IOError(`${name}: truncated PNG (image data ends in row ${y} of ${height})`);
}

/** One unfiltered row to RGBA. */
function toRgba(
  row: Uint8Array,
  rgba: Uint8Array,
  colorType: number,
  palette: Uint8Array | null,
  transparency: Uint8Array | null,
  name: string,
): void {
  const width = rgba.length / 4;
  for (let x = 0, o = 0; x < width; x++, o += 4) {
    switch (colorType) {
      case 0:
        rgba[o] = rgba[o + 1] = rgba[o + 2] = row[x];
        rgba[o + 3] = 255;
        break;
      case 4:
        rgba[o] = rgba[o + 1] = rgba[o + 2] = row[2 * x];
        rgba[o + 3] = row[2 * x + 1];
        break;
      case 2:
        rgba[o] = row[3 * x];
        rgba[o + 1] = row[3 * x + 1];
        rgba[o + 2] = row[3 * x + 2];
        rgba[o + 3] = 255;
        break;
      case 6:
        rgba[o] = row[4 * x];
        rgba[o + 1] = row[4 * x + 1];
        rgba[o + 2] = row[4 * x + 2];
        rgba[o + 3] = row[4 * x + 3];
        break;
      default: {
        const i = row[x];
        if (palette === null || 3 * i + 2 >= palette.length)
          throw new IOError(`${name}: corrupt PNG (palette index ${i} past the palette)`);
        rgba[o] = palette[3 * i];
        rgba[o + 1] = palette[3 * i + 1];
        rgba[o + 2] = palette[3 * i + 2];
        rgba[o + 3] = transparency !== null && i < transparency.length ? transparency[i] : 255;
      }
    }
  }
}
