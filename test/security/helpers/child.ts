// Runs a hostile-input case script in a child process (node --import tsx), so its peak memory (maxRSS) is its own.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** What a case script reports for each case. */
export interface CaseResult {
  name: string;
  /** The error's class name, or null when the case did not throw. */
  error: string | null;
  message: string;
  ms: number;
  /** Peak resident memory of the child after the case, minus before the first case (MiB). */
  peakGrowthMiB: number;
  /** Anything else the case measured. */
  extra?: Record<string, number | string | boolean>;
}

/**
 * Runs `script` (relative to this folder's parent) and returns the JSON it printed after 'RESULT '.
 * @example const results = await runCases('cases/net_cases.ts');
 */
export async function runCases(script: string, timeoutMs = 45_000): Promise<CaseResult[]> {
  const file = fileURLToPath(new URL(`../${script}`, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
  clearTimeout(timer);
  const line = out.split('\n').find((l) => l.startsWith('RESULT '));
  if (code !== 0 || !line)
    throw new Error(`${script} exited with ${code}:\n${out.slice(-2000)}\n${err.slice(-4000)}`);
  return JSON.parse(line.slice('RESULT '.length)) as CaseResult[];
}

/**
 * Inside a case script: runs the cases in turn, recording the error class, the time and the growth
 * of the process's peak memory (maxRSS only grows, so the growth after a case bounds its peak), then
 * prints the results for `runCases`.
 * @example await measureCases([['endless body', () => nr.io.fetchBytes(url, { maxBytes: 1e6 })]]);
 */
export async function measureCases(
  cases: [string, () => Promise<unknown> | unknown][],
): Promise<void> {
  const maxRss = () => process.resourceUsage().maxRSS / 1024;
  const base = maxRss();
  const results: CaseResult[] = [];
  for (const [name, run] of cases) {
    const t0 = performance.now();
    let error: string | null = null;
    let message = '';
    let extra: CaseResult['extra'];
    try {
      const r = await run();
      // Only a plain object of numbers, strings and booleans is a measurement (not a loaded model).
      if (r && typeof r === 'object' && Object.getPrototypeOf(r) === Object.prototype)
        extra = Object.fromEntries(
          Object.entries(r).filter(([, v]) => ['number', 'string', 'boolean'].includes(typeof v)),
        );
    } catch (e) {
      error = e instanceof Error ? e.constructor.name : typeof e;
      message = e instanceof Error ? e.message.slice(0, 300) : String(e);
    }
    results.push({
      name,
      error,
      message,
      ms: Math.round(performance.now() - t0),
      peakGrowthMiB: Math.round(maxRss() - base),
      ...(extra ? { extra } : {}),
    });
  }
  console.log(`RESULT ${JSON.stringify(results)}`);
}
