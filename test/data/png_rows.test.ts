// The row-by-row PNG decoder against pngjs: every 8-bit colour type, every filter, palettes with tRNS.
import { zlibSync } from 'fflate';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import * as data from '../../src/data/index.js';
import { rng } from './helpers.js';
import { chunk, ihdr, png } from '../security/files_build.js';

/** pngjs' own reading of the file, as RGBA. */
function reference(bytes: Uint8Array): number[] {
  return [...PNG.sync.read(Buffer.from(bytes)).data];
}

async function rgbaOf(bytes: Uint8Array): Promise<number[]> {
  const t = await data.decodeImage(bytes, { channels: 4 });
  const v = [...(await t.data())];
  t.dispose();
  return v;
}

describe('PNG rows', () => {
  it('decodes every 8-bit colour type and filter as pngjs does', async () => {
    const r = rng(7);
    for (const colorType of [0, 2, 4, 6] as const) {
      for (const filterType of [-1, 0, 1, 2, 3, 4]) {
        for (const [w, h] of [
          [1, 1],
          [7, 5],
          [33, 9],
        ]) {
          const img = new PNG({ width: w, height: h });
          for (let i = 0; i < img.data.length; i++) img.data[i] = Math.floor(r() * 256);
          const bytes = new Uint8Array(
            PNG.sync.write(img, { colorType, inputHasAlpha: true, filterType }),
          );
          expect(await rgbaOf(bytes), `type ${colorType} filter ${filterType} ${w}x${h}`).toEqual(
            reference(bytes),
          );
        }
      }
    }
  });

  it('looks up palettes, with and without tRNS alpha', async () => {
    const r = rng(3);
    const w = 6;
    const h = 4;
    const plte = Uint8Array.from({ length: 3 * 5 }, () => Math.floor(r() * 256));
    const rows = new Uint8Array(h * (1 + w));
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) rows[y * (1 + w) + 1 + x] = Math.floor(r() * 5);
    for (const trns of [null, Uint8Array.from([0, 128, 255])]) {
      const parts = [ihdr(w, h, 3), chunk('PLTE', plte)];
      if (trns) parts.push(chunk('tRNS', trns));
      const bytes = png(...parts, chunk('IDAT', zlibSync(rows)));
      expect(await rgbaOf(bytes)).toEqual(reference(bytes));
    }
  });

  it('refuses a bad filter type, a palette index past the palette and a bad CRC', async () => {
    const rows = Uint8Array.from([7, 1, 2]);
    await expect(
      data.decodeImage(png(ihdr(2, 1, 0), chunk('IDAT', zlibSync(rows)))),
    ).rejects.toThrow(/filter type 7/);
    const index = Uint8Array.from([0, 9]);
    await expect(
      data.decodeImage(
        png(ihdr(1, 1, 3), chunk('PLTE', [1, 2, 3]), chunk('IDAT', zlibSync(index))),
      ),
    ).rejects.toThrow(/palette index 9/);
    const bad = png(ihdr(1, 1, 0), chunk('IDAT', zlibSync(Uint8Array.from([0, 5]))));
    bad[30] ^= 1;
    await expect(data.decodeImage(bad)).rejects.toThrow(/bad CRC/);
  });
});
