// The lesson page's server: bundles the page, serves it with COOP/COEP (wasm threads) on 127.0.0.1, plus the local data and models.
//
//   npm run example:browser               # http://127.0.0.1:8080/
//   npm run example:browser -- --port 0   # any free port
//
// Routes (nothing else is served; names are matched against fixed patterns, never joined blindly):
//   /                      the page; /plain/ is the same page without cross-origin isolation (one thread)
//   /<chunk>.js            the page's script, bundled at start from main.ts and src/ (no build step)
//   /data/<file>.gz        Fashion-MNIST from Debian's dataset-fashion-mnist, else the committed subset
//   /images/<file>.png     the ten example images of examples/fashion-mnist/images
//   /models/<name>/<file>  models saved by examples/fashion-mnist/train.ts (its out/ folder, or --models)
//   /info.json             which data and models the server found
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { nodeOnlyStub } from '../../scripts/browser_build.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** Where Debian's package puts the four files. */
export const DEBIAN_DATA = '/usr/share/datasets/fashion-mnist';
/** The committed subset (examples/browser/make_subset.ts wrote it from the real files). */
export const SUBSET_DATA = join(HERE, 'data');
const DATA_FILES = new Set([
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
]);
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.png': 'image/png',
  '.gz': 'application/octet-stream',
  '.bin': 'application/octet-stream',
};

/** Options of `startServer`. */
export interface ServerOptions {
  /** Port on 127.0.0.1; 0 picks a free one. Default 8080. */
  port?: number;
  /** Folder of saved models (each a sub-folder with model.json); default examples/fashion-mnist/out. */
  models?: string;
  /** Folder with the four .gz files; default Debian's, else the committed subset. */
  data?: string;
}

/** The running server and what it serves. */
export interface LessonServer {
  server: Server;
  url: string;
  dataDir: string;
  /** 'full' for the whole dataset, 'subset' for the committed few hundred images. */
  dataKind: 'full' | 'subset';
  close(): Promise<void>;
}

/** Bundles the page script (and its lazily loaded chunks) in memory. */
async function bundlePage(): Promise<Map<string, Uint8Array>> {
  const result = await build({
    entryPoints: { main: join(HERE, 'main.ts') },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: 'linked',
    outdir: '/page',
    write: false,
    plugins: [nodeOnlyStub],
    logLevel: 'error',
  });
  return new Map(result.outputFiles.map((f) => [basename(f.path), f.contents]));
}

function modelNames(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter(
    (n) => /^[\w-]+$/.test(n) && existsSync(join(dir, n, 'model.json')),
  );
}

/**
 * Starts the lesson's server; resolves once it listens.
 * @example const s = await startServer({ port: 0 }); console.log(s.url); await s.close();
 */
export async function startServer(options: ServerOptions = {}): Promise<LessonServer> {
  const dataDir =
    options.data ??
    (existsSync(join(DEBIAN_DATA, 't10k-images-idx3-ubyte.gz')) ? DEBIAN_DATA : SUBSET_DATA);
  const dataKind = dataDir === SUBSET_DATA ? 'subset' : 'full';
  const modelsDir = resolve(options.models ?? join(HERE, '..', 'fashion-mnist', 'out'));
  const imagesDir = join(HERE, '..', 'fashion-mnist', 'images');
  const scripts = await bundlePage();
  const html = await readFile(join(HERE, 'index.html'));

  const server = createServer((req, res) => {
    void (async () => {
      let path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      // /plain/...: the same page and files, without the headers that make it cross-origin isolated
      const plain = path === '/plain' || path.startsWith('/plain/');
      if (plain) path = path.slice('/plain'.length) || '/';
      const headers: Record<string, string> = plain ? {} : { ...ISOLATION };
      const send = (status: number, body: Uint8Array | string, type = 'text/plain') => {
        res.writeHead(status, { ...headers, 'Content-Type': type, 'Cache-Control': 'no-store' });
        res.end(body);
      };
      const sendFile = async (file: string) => {
        const ext = file.slice(file.lastIndexOf('.'));
        send(200, await readFile(file), TYPES[ext] ?? 'application/octet-stream');
      };
      const parts = path.split('/').slice(1);
      if (path === '/' || path === '/index.html') return send(200, html, TYPES['.html']);
      if (path === '/favicon.ico') return send(204, '');
      if (path === '/info.json')
        return send(
          200,
          JSON.stringify({ data: dataKind, models: modelNames(modelsDir) }),
          TYPES['.json'],
        );
      if (parts.length === 1 && scripts.has(parts[0])) {
        const ext = parts[0].slice(parts[0].lastIndexOf('.'));
        return send(200, scripts.get(parts[0]) ?? '', TYPES[ext]);
      }
      if (parts[0] === 'data' && parts.length === 2 && DATA_FILES.has(parts[1]))
        return sendFile(join(dataDir, parts[1]));
      if (parts[0] === 'images' && parts.length === 2 && /^[\w-]+\.png$/.test(parts[1]))
        return sendFile(join(imagesDir, parts[1]));
      if (
        parts[0] === 'models' &&
        parts.length === 3 &&
        /^[\w-]+$/.test(parts[1]) &&
        /^[\w.-]+\.(json|bin)$/.test(parts[2]) &&
        !parts[2].startsWith('.')
      ) {
        const file = join(modelsDir, parts[1], parts[2]);
        if (existsSync(file) && statSync(file).isFile()) return sendFile(file);
      }
      send(404, 'not found');
    })().catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(e instanceof Error ? e.message : String(e));
    });
  });
  await new Promise<void>((done) => server.listen(options.port ?? 8080, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    server,
    url,
    dataDir,
    dataKind,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

if (process.argv[1] && resolve(process.argv[1]).endsWith('serve.ts')) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8080' },
      models: { type: 'string' },
      data: { type: 'string' },
    },
  });
  const s = await startServer({
    port: Number(values.port),
    ...(values.models ? { models: values.models } : {}),
    ...(values.data ? { data: values.data } : {}),
  });
  console.log(`neurite lesson: open ${s.url}`);
  console.log(
    `  data: ${s.dataKind === 'full' ? s.dataDir : `the committed subset (${s.dataDir})`}`,
  );
  console.log(`  the same page without cross-origin isolation (one thread): ${s.url}plain/`);
}
