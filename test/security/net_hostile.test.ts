// Network readers against a hostile HTTP server (in a child process): typed errors, bounded time and memory, no credential leaves the model's origin.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';
import { type CaseResult, runCases } from './helpers/child.js';

/** Error class expected per case (by name prefix); null: must succeed. */
const EXPECTED: [RegExp, string | null][] = [
  [/^control|^audit/, null],
  [/cut short|connection reset|readBytes: reset/, 'NetworkError'],
  [/endless/, 'SizeLimitError'],
  [/slow|Content-Length|no answer/, 'TimeoutError'],
  [/redirects to another origin|^shard path/, 'UrlPolicyError'],
  [/aborted/, 'AbortedError'],
  [/^file:/, 'IOError'],
];

/** Peak memory a case may add to the child (caps in the cases are 1 MiB; a blow-up is GBs). */
const MAX_GROWTH_MIB = 96;
/** Time a case may take: its timeouts are 0.3 to 1.5 s. */
const MAX_MS = 4000;

describe('network readers under hostile servers', async () => {
  let output: CaseResult[] = [];
  output = await runCases('cases/net_cases.ts');

  it('ran every case', () => {
    expect(output.length).toBeGreaterThan(35);
  });

  it.each(output.map((r) => [r.name, r] as const))('%s', (_name, r) => {
    const rule = EXPECTED.find(([re]) => re.test(r.name));
    expect(rule, `no expectation for ${r.name}`).toBeDefined();
    expect(r.error, r.message).toBe(rule?.[1] ?? null);
    expect(r.ms).toBeLessThan(MAX_MS);
    expect(r.peakGrowthMiB).toBeLessThan(MAX_GROWTH_MIB);
    if (/^control/.test(r.name)) expect(r.extra?.shardAuth).toBe(true);
    if (/^audit/.test(r.name)) expect(r.extra).toEqual({ otherHits: 0, outside: 0 });
  });
});

describe('the URL policy resolves first, then checks', () => {
  const model = new URL('http://127.0.0.1:8000/models/m/model.json');
  it.each([
    '\t//127.0.0.1:9/x.bin',
    '\n//evil.example/x.bin',
    ' //evil.example/x.bin',
    '%2e%2e/secret.bin',
    '.%2E/secret.bin',
    '%2e%2e%2fsecret.bin',
    'a/%2e%2e/%2e%2e/secret.bin',
    '../secret.bin',
    '..\\secret.bin',
    '\\\\evil.example\\x.bin',
    '/\\evil.example/x.bin',
    '//evil.example/x.bin',
    'http://evil.example/models/m/x.bin',
    'https://127.0.0.1:8000/models/m/x.bin',
    'http://user:pw@127.0.0.1:8000/models/m/x.bin',
    '/models/other/x.bin',
    '/models/m',
    'data:application/octet-stream,AAAA',
  ])('refuses %j with a UrlPolicyError', (p) => {
    expect(() => nr.io.resolveShardUrl(p, model, 'model.json')).toThrow(nr.UrlPolicyError);
  });

  it.each([
    ['group1-shard1of1.bin', 'http://127.0.0.1:8000/models/m/group1-shard1of1.bin'],
    ['sub/w.bin', 'http://127.0.0.1:8000/models/m/sub/w.bin'],
    ['http://127.0.0.1:8000/models/m/w.bin', 'http://127.0.0.1:8000/models/m/w.bin'],
    ['./w.bin?v=2', 'http://127.0.0.1:8000/models/m/w.bin?v=2'],
  ])('accepts %j as %s', (p, href) => {
    expect(nr.io.resolveShardUrl(p, model, 'model.json').href).toBe(href);
  });
});
