// Rendering: Vega-Lite spec → SVG (vega's headless view) → PNG (resvg in WebAssembly), and atomic file writes.
import type { InitInput } from '@resvg/resvg-wasm';
import type { TopLevelSpec } from 'vega-lite';
import { ArgumentError, IOError, show } from '../core/errors.js';
import { fetchBytes } from '../io/net.js';

/** Where the renderer gets its WebAssembly module and fonts; in Node both default to the installed packages. */
export interface RendererOptions {
  /** The resvg wasm: a URL (string or URL), a fetch Response, bytes or a compiled module. */
  wasm?: InitInput | Promise<InitInput>;
  /** Font files (TTF/OTF): bytes, URLs to fetch, or in Node file paths; PNG text is drawn only with these fonts. */
  fonts?: (Uint8Array | ArrayBuffer | string | URL)[];
}

/** Options of `svgToPNG`. */
export interface PNGOptions {
  /** Pixels per SVG unit (2 for a sharp image on a high-density screen). Default 1. */
  scale?: number;
  /** Colour behind the chart; default white. */
  background?: string;
}

let wasmReady: Promise<void> | null = null;
let fontBuffers: Promise<Uint8Array[]> | null = null;

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/** Resolves a file shipped by an installed package (Node only). */
async function packageFile(specifier: string): Promise<Uint8Array> {
  // Loaded on use, so browser bundles never see node:fs.
  const { createRequire } = await import('node:module');
  const { readFile } = await import('node:fs/promises');
  return new Uint8Array(await readFile(createRequire(import.meta.url).resolve(specifier)));
}

async function fontBytes(font: Uint8Array | ArrayBuffer | string | URL): Promise<Uint8Array> {
  if (font instanceof Uint8Array) return font;
  if (font instanceof ArrayBuffer) return new Uint8Array(font);
  if (isNode() && !/^https?:/.test(String(font))) {
    // In Node a string or file: URL names a local file.
    const { readFile } = await import('node:fs/promises');
    try {
      return new Uint8Array(await readFile(font));
    } catch (e) {
      throw new IOError(
        `initRenderer: cannot read font ${show(String(font))}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }
  // Through the bounded byte source, as every network read (a font is a few MB at most).
  let url: URL;
  try {
    url = new URL(String(font), globalThis.location?.href);
  } catch {
    throw new IOError(`initRenderer: font ${show(String(font))} is not a URL`);
  }
  return fetchBytes(url, { maxBytes: 64 * 2 ** 20, what: 'font' });
}

async function defaultWasm(): Promise<InitInput> {
  if (isNode()) return packageFile('@resvg/resvg-wasm/index_bg.wasm');
  throw new ArgumentError(
    "viz: PNG output in the browser needs the resvg wasm; call viz.initRenderer({ wasm: '/resvg.wasm', fonts: [fontBytes] }) first",
  );
}

async function defaultFonts(): Promise<Uint8Array[]> {
  if (!isNode()) return [];
  return Promise.all([
    packageFile('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
    packageFile('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
  ]);
}

/**
 * Sets up PNG rendering. Optional in Node (the installed wasm and DejaVu Sans are used); in the browser,
 * call it once with the wasm URL and a font before `toPNG`. Fonts given later replace earlier ones.
 * @example
 * await nr.viz.initRenderer({ wasm: '/assets/index_bg.wasm', fonts: ['/assets/DejaVuSans.ttf'] });
 */
export async function initRenderer(options: RendererOptions = {}): Promise<void> {
  if (options.fonts !== undefined) {
    if (!Array.isArray(options.fonts))
      throw new ArgumentError(
        `initRenderer: fonts must be an array, received ${show(options.fonts)}`,
      );
    const given = Promise.all(options.fonts.map(fontBytes));
    fontBuffers = given;
    try {
      await given;
    } catch (e) {
      if (fontBuffers === given) fontBuffers = null;
      throw e;
    }
  }
  if (wasmReady === null) {
    const { initWasm } = await import('@resvg/resvg-wasm');
    const attempt = (async () => initWasm(await (options.wasm ?? defaultWasm())))();
    wasmReady = attempt;
    // A failed start may be retried with other options.
    attempt.catch(() => {
      if (wasmReady === attempt) wasmReady = null;
    });
  }
  await wasmReady;
}

type Vega = typeof import('vega');
type VegaLite = typeof import('vega-lite');
let libraries: Promise<[Vega, VegaLite]> | null = null;

/**
 * Renders a Vega-Lite spec to an SVG document of exactly `width` × `height` units: vega lays the chart
 * out, and if its size differs the drawing is scaled uniformly and centred in that box.
 * @example
 * const svg = await specToSVG({ mark: 'point', data: { values: [{ a: 1 }] }, encoding: { x: { field: 'a' } } }, 200, 100);
 */
export async function specToSVG(
  spec: TopLevelSpec,
  width: number,
  height: number,
): Promise<string> {
  libraries ??= Promise.all([import('vega'), import('vega-lite')]);
  const [vega, vegaLite] = await libraries;
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return fitSVG(await view.toSVG(), width, height);
  } finally {
    view.finalize();
  }
}

/** Sets the root `<svg>` size; its viewBox keeps the drawing whole (preserveAspectRatio defaults to centred, meet). */
function fitSVG(svg: string, width: number, height: number): string {
  return svg.replace(/^<svg([^>]*)>/, (_root, attributes: string) => {
    const rest = attributes.replace(/\s(width|height)="[^"]*"/g, '');
    return `<svg${rest} width="${width}" height="${height}">`;
  });
}

/**
 * Rasterises an SVG document to PNG bytes with resvg. The image is the SVG's size times `scale`.
 * @example
 * const png = await svgToPNG('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', { scale: 2 });
 */
export async function svgToPNG(svg: string, options: PNGOptions = {}): Promise<Uint8Array> {
  const scale = options.scale ?? 1;
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0)
    throw new ArgumentError(`toPNG: scale must be a positive number, received ${show(scale)}`);
  await initRenderer();
  fontBuffers ??= defaultFonts();
  const fonts = await fontBuffers;
  const { Resvg } = await import('@resvg/resvg-wasm');
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: options.background ?? 'white',
    font: { fontBuffers: fonts, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  try {
    const image = resvg.render();
    try {
      return image.asPng();
    } finally {
      image.free();
    }
  } finally {
    resvg.free();
  }
}

/**
 * Writes a file atomically (Node only): to a temporary file beside it, then renamed over the target,
 * so a reader never sees half a picture.
 * @example
 * await writeFileAtomic('plots/loss.svg', svgText);
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  if (!isNode())
    throw new ArgumentError(
      `save: writing files needs Node; in the browser use toSVG() or toPNG(), received path ${show(path)}`,
    );
  const { writeFile, rename, unlink } = await import('node:fs/promises');
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw new IOError(
      `save: cannot write ${show(path)}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}
