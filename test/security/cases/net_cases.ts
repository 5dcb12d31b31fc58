// Child-process script: every network reader against the hostile server, each case timed and its peak memory measured.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as datasets from '../../../src/datasets/index.js';
import * as nr from '../../../src/node.js';
import { measureCases } from '../helpers/child.js';
import { startHostile } from '../helpers/hostile_server.js';

await nr.setBackend('cpu');
const dir = mkdtempSync(join(tmpdir(), 'neurite-net-'));

// A small real model to serve.
const m = nr.sequential({ layers: [nr.layers.dense({ units: 3, inputShape: [2] })] });
let artifacts: nr.io.ModelArtifacts | null = null;
await m.save(nr.io.withSaveHandler(async (a) => void (artifacts = a)));
if (!artifacts) throw new Error('no artifacts');
const a: nr.io.ModelArtifacts = artifacts;
const json = (paths: string[]) => JSON.stringify(nr.io.toModelJson(a, paths));
const weights = new Uint8Array(a.weightData);
const h = await startHostile(weights.byteLength);
h.files.set('/good/model.json', json(['w.bin']));
h.files.set('/good/w.bin', weights);
for (const k of ['shardredirect', 'cutshard', 'endlessshard'])
  h.files.set(`/${k}/model.json`, json(['w.bin']));

const auth = { requestInit: { headers: { authorization: 'Bearer s3cret' } } };
const quick = { idleTimeoutMs: 300, totalTimeoutMs: 1500 };
const load = (path: string, extra: nr.io.HttpOptions = {}) =>
  nr.loadLayersModel(nr.io.httpHandler(`${h.base}${path}`, { ...auth, ...quick, ...extra }));

const other = `127.0.0.1:${h.otherPort}`;
const tricks = [
  `\t//${other}/x.bin`,
  `\n//${other}/x.bin`,
  ` //${other}/x.bin`,
  '%2e%2e/secret.bin',
  '%2E%2E%2Fsecret.bin',
  '../secret.bin',
  'sub/../../secret.bin',
  `http://${other}/x.bin`,
  `HTTP://${other}/x.bin`,
  `\\\\${other}\\x.bin`,
  `/\\${other}/x.bin`,
  `//${other}/x.bin`,
  '/secret.bin',
  'javascript:alert(1)',
];
tricks.forEach((t, i) => h.files.set(`/trick${i}/model.json`, json([t])));

// Local files that are not regular files.
const fifoDir = join(dir, 'fifo');
mkdirSync(fifoDir);
execFileSync('mkfifo', [join(fifoDir, 'model.json')]);
const zeroDir = join(dir, 'zero');
mkdirSync(zeroDir);
writeFileSync(join(zeroDir, 'model.json'), json(['w.bin']));
symlinkSync('/dev/zero', join(zeroDir, 'w.bin'));
const zeroJson = join(dir, 'zero.json');
symlinkSync('/dev/zero', zeroJson);

const cases: [string, () => Promise<unknown>][] = [
  [
    'control: loads with credentials sent to its own origin',
    async () => {
      await load('/good/model.json');
      return { shardAuth: h.hits.some((x) => x.url === '/good/w.bin' && x.auth !== null) };
    },
  ],
  ['model.json cut short', () => load('/cut/model.json')],
  ['connection reset', () => load('/reset/model.json')],
  ['endless model.json', () => load('/endless/model.json', { maxBytes: 2 ** 20 })],
  ['slow model.json (1 byte / 20 ms)', () => load('/slow/model.json')],
  ['Content-Length larger than the body, socket open', () => load('/lie/model.json')],
  ['no answer at all', () => load('/silent/model.json')],
  ['model.json redirects to another origin', () => load('/redirect/model.json')],
  ['shard redirects to another origin', () => load('/shardredirect/model.json')],
  ['shard cut short', () => load('/cutshard/model.json')],
  ['endless shard', () => load('/endlessshard/model.json')],
  ...tricks.map((t, i): [string, () => Promise<unknown>] => [
    `shard path ${JSON.stringify(t)}`,
    () => load(`/trick${i}/model.json`),
  ]),
  [
    'aborted by the caller',
    () => {
      const c = new AbortController();
      setTimeout(() => c.abort(), 100);
      return load('/silent/model.json', { signal: c.signal, idleTimeoutMs: 10_000 });
    },
  ],
  ['readBytes: endless body', () => nr.data.readBytes(`${h.base}/endless/x`, 'file', 2 ** 20)],
  [
    'readBytes: lying Content-Length',
    () => nr.data.readBytes(`${h.base}/lie/x`, 'file', 2 ** 20, quick),
  ],
  ['readBytes: reset', () => nr.data.readBytes(`${h.base}/reset/x`)],
  [
    'csv over http: endless body',
    () => nr.data.csv(`${h.base}/endless/x.csv`, { maxBytes: 2 ** 20 }).toArray(),
  ],
  [
    'csv over http: lying Content-Length (setNetDefaults)',
    async () => {
      const old = nr.io.setNetDefaults(quick);
      try {
        return await nr.data.csv(`${h.base}/lie/x.csv`).toArray();
      } finally {
        nr.io.setNetDefaults(old);
      }
    },
  ],
  [
    'download: endless body',
    async () => {
      const dest = join(dir, 'endless.bin');
      try {
        await datasets.download(`${h.base}/endless/x`, dest, {
          onProgress: null,
          maxBytes: 2 ** 20,
        });
      } finally {
        if (existsSync(`${dest}.part`)) throw new Error('the partial file was left behind');
      }
    },
  ],
  [
    'download: lying Content-Length',
    () =>
      datasets.download(`${h.base}/lie/x`, join(dir, 'lie.bin'), {
        onProgress: null,
        timeoutMs: 300,
      }),
  ],
  [
    'download: slow body past totalTimeoutMs',
    () =>
      datasets.download(`${h.base}/slow/x`, join(dir, 'slow.bin'), {
        onProgress: null,
        timeoutMs: 300,
        totalTimeoutMs: 800,
      }),
  ],
  ['file: model.json is a FIFO', () => nr.loadLayersModel(fifoDir)],
  ['file: shard is a symlink to /dev/zero', () => nr.loadLayersModel(zeroDir)],
  ['file: readBytes of a symlink to /dev/zero', () => nr.data.readBytes(zeroJson)],
];

// Last: what the servers saw over all cases.
cases.push([
  'audit: no request reached the other origin or left the model folders',
  async () => ({
    otherHits: h.otherHits.length,
    outside: h.hits.filter((x) => /secret|x\.bin/.test(x.url)).length,
  }),
]);

await measureCases(cases);
console.log(`HITS ${JSON.stringify({ other: h.otherHits, main: h.hits.map((x) => x.url) })}`);
await h.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
