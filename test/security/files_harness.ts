// The hostile-file harness: runs a reader's cases in a child process and reports, per case, the
// error class, the time and the process's peak memory, so a test can bound all three.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** One hostile input for a reader. */
export interface FileCase {
  /** What the input is, e.g. 'PNG with a second IHDR of 30000x30000'. */
  name: string;
  /** Reads the input; returns (and the child disposes) whatever the reader gave back. */
  run: () => unknown;
  /** The error class expected (by name, a NeuriteError subclass), or 'ok' when it must succeed. */
  expect: string;
  /**
   * The time limit in milliseconds. Default 5000: the fixed readers take a few ms on these cases
   * (the unfixed ones took 13 s to minutes), and the limit leaves room for a loaded machine.
   */
  maxMs?: number;
  /** The limit on the peak memory growth in MB over the child's baseline. Default 150. */
  maxMB?: number;
}

/** What the child reports for a case. */
export interface CaseResult {
  name: string;
  expect: string;
  /** 'ok', or the thrown error's class name. */
  got: string;
  /** Whether the thrown value is a NeuriteError (true for 'ok'). */
  typed: boolean;
  message: string;
  ms: number;
  /** The process's peak resident memory growth over its baseline after this case, in MB. */
  peakMB: number;
  maxMs: number;
  maxMB: number;
}

/** The child's whole report. */
export interface ReaderReport {
  results: CaseResult[];
  /** Object.prototype keys added by the cases, and whether `{}` still has Object.prototype. */
  polluted: string[];
}

const CHILD = fileURLToPath(new URL('./files_child.ts', import.meta.url));

/**
 * Runs the cases exported as `cases` by `test/security/<module>` in a fresh `node --import tsx`
 * process (so memory is measured apart from the test runner) and returns its report.
 * @example const report = runCases('files_images.cases.ts');
 */
export function runCases(module: string, timeoutMs = 120_000): ReaderReport {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD, module], {
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 16 * 2 ** 20,
  });
  const line = r.stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{"results"'));
  if (r.status !== 0 || line === undefined)
    throw new Error(
      `the child for ${module} failed (status ${r.status}, signal ${r.signal}): ${r.stderr.slice(-2000)}`,
    );
  return JSON.parse(line) as ReaderReport;
}

/** One line per failed expectation of a case (empty when the case passed). */
export function problems(r: CaseResult): string[] {
  const out: string[] = [];
  if (r.got !== r.expect) out.push(`expected ${r.expect}, got ${r.got}: ${r.message}`);
  if (!r.typed) out.push(`untyped error ${r.got}: ${r.message}`);
  if (r.ms > r.maxMs) out.push(`took ${r.ms} ms, limit ${r.maxMs}`);
  if (r.peakMB > r.maxMB) out.push(`peak memory grew ${r.peakMB} MB, limit ${r.maxMB}`);
  return out;
}
