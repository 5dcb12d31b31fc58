// A hostile HTTP server on 127.0.0.1 (cut, reset, endless, slow and lying bodies, redirects) and a second one recording who reaches it.
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a server saw, with the authorization header it carried. */
export interface Hit {
  url: string;
  auth: string | null;
}

/** The two servers and what they saw. */
export interface Hostile {
  base: string;
  otherBase: string;
  otherPort: number;
  hits: Hit[];
  otherHits: Hit[];
  /** Routes answered with a fixed body: path -> bytes. */
  files: Map<string, Uint8Array | string>;
  close(): Promise<void>;
}

/** Writes chunks until the client goes away: a body that never ends. */
function endless(res: ServerResponse, chunk: Uint8Array): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  const pump = () => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once('drain', pump);
  };
  pump();
}

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> {
  const server = createServer(handler);
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

/**
 * Starts both servers. Routes by the first path segment: `cut` (Content-Length 1000, 10 bytes, then
 * the socket closes), `reset` (socket destroyed before any answer), `endless`, `slow` (one byte every
 * 20 ms, forever), `lie` (Content-Length 1000, 10 bytes, socket left open), `silent` (no answer),
 * `redirect` (302 to the other server), `shardredirect` (model.json fine, its shard redirects away),
 * `cutshard` (the shard announces `cutShardBytes`, sends half, and the socket closes); anything else comes from `files` or is a 404.
 * @example const h = await startHostile(); await fetch(`${h.base}/lie/model.json`);
 */
export async function startHostile(cutShardBytes = 100_000): Promise<Hostile> {
  const hits: Hit[] = [];
  const otherHits: Hit[] = [];
  const files = new Map<string, Uint8Array | string>();
  const sockets = new Set<import('node:net').Socket>();
  const record = (list: Hit[], req: IncomingMessage) =>
    list.push({ url: req.url ?? '', auth: req.headers.authorization ?? null });
  let otherBase = '';
  const main = await listen((req, res) => {
    record(hits, req);
    const url = req.url ?? '';
    const kind = url.split('/')[1];
    const filler = new Uint8Array(64 * 1024).fill(0x20);
    if (files.has(url)) {
      const body = files.get(url) ?? '';
      res.writeHead(200, { 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    switch (kind) {
      case 'cut':
        res.writeHead(200, { 'content-length': 1000 });
        res.write('{"modelTop');
        setTimeout(() => res.socket?.destroy(), 10);
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'endless':
        endless(res, filler);
        return;
      case 'slow': {
        res.writeHead(200);
        const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write(' ')), 20);
        res.on('close', () => clearInterval(t));
        return;
      }
      case 'lie':
        res.writeHead(200, { 'content-length': 1000 });
        res.write('{"modelTop');
        return;
      case 'silent':
        return;
      case 'redirect':
        res.writeHead(302, { location: `${otherBase}/m/model.json` }).end();
        return;
      case 'shardredirect':
        if (url.endsWith('.bin')) {
          res.writeHead(302, { location: `${otherBase}/x.bin` }).end();
          return;
        }
        break;
      case 'cutshard':
        if (url.endsWith('.bin')) {
          res.writeHead(200, { 'content-length': cutShardBytes });
          res.write(new Uint8Array(Math.floor(cutShardBytes / 2)));
          setTimeout(() => res.socket?.destroy(), 10);
          return;
        }
        break;
      case 'endlessshard':
        if (url.endsWith('.bin')) {
          endless(res, new Uint8Array(64 * 1024));
          return;
        }
        break;
    }
    res.writeHead(404).end('not found');
  });
  main.on('connection', (s) => sockets.add(s));
  const other = await listen((req, res) => {
    record(otherHits, req);
    res.writeHead(200, { 'content-length': 4 }).end('evil');
  });
  other.on('connection', (s) => sockets.add(s));
  const port = (s: Server) => (s.address() as AddressInfo).port;
  otherBase = `http://127.0.0.1:${port(other)}`;
  return {
    base: `http://127.0.0.1:${port(main)}`,
    otherBase,
    otherPort: port(other),
    hits,
    otherHits,
    files,
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all([main, other].map((s) => new Promise((r) => s.close(r))));
    },
  };
}
