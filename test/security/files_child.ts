// Child process of the hostile-file suite: runs one case module and prints a JSON report
// (error class, time, peak memory per case, Object.prototype pollution) on its last line.
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NeuriteError } from '../../src/core/errors.js';
import { dispose } from '../../src/index.js';
import type { CaseResult, FileCase } from './files_harness.js';

const rssMB = (): number => process.resourceUsage().maxRSS / 1024;

/** Disposes tensors anywhere in a result (arrays, objects of tensors). */
function release(v: unknown): void {
  try {
    dispose(v as Parameters<typeof dispose>[0]);
  } catch {
    // Results that hold no tensors need nothing.
  }
}

async function main(): Promise<void> {
  const file = process.argv[2];
  const mod = (await import(
    pathToFileURL(resolve(fileURLToPath(new URL('.', import.meta.url)), file)).href
  )) as {
    cases: () => FileCase[] | Promise<FileCase[]>;
    cleanup?: () => void | Promise<void>;
  };
  const before = new Set(Object.getOwnPropertyNames(Object.prototype));
  const cases = await mod.cases();
  const baseline = rssMB();
  const results: CaseResult[] = [];
  for (const c of cases) {
    const t0 = performance.now();
    let got = 'ok';
    let typed = true;
    let message = '';
    try {
      release(await c.run());
    } catch (e) {
      got = e instanceof Error ? e.constructor.name : typeof e;
      typed = e instanceof NeuriteError;
      message = (e instanceof Error ? e.message : String(e)).slice(0, 300);
    }
    results.push({
      name: c.name,
      expect: c.expect,
      got,
      typed,
      message,
      ms: Math.round(performance.now() - t0),
      peakMB: Math.round(rssMB() - baseline),
      maxMs: c.maxMs ?? 5000,
      maxMB: c.maxMB ?? 150,
    });
  }
  await mod.cleanup?.();
  const polluted = Object.getOwnPropertyNames(Object.prototype).filter((k) => !before.has(k));
  if (Object.getPrototypeOf({}) !== Object.prototype) polluted.push('({}) lost its prototype');
  process.stdout.write(`\n${JSON.stringify({ results, polluted })}\n`);
}

await main();
