// Node's default for leak reports: one summary line at exit instead of a line per leaked tensor.
import { memory, setLeakReporter } from './memory.js';
import { show } from './errors.js';

/** The environment variable that picks how leaks are reported in Node. */
export const LEAKS_VAR = 'NEURITE_LEAKS';

/** How leaks are reported: a summary line at exit, a line per leak (at most ten), or nothing. */
export type LeakMode = 'summary' | 'each' | 'off';

/** The mode NEURITE_LEAKS asks for; unset means 'summary'; an unknown value warns and keeps 'summary'. */
export function leakModeFrom(raw: string | undefined): LeakMode {
  const v = raw?.trim().toLowerCase();
  if (v === undefined || v === '' || v === 'summary') return 'summary';
  if (v === 'each' || v === 'off') return v;
  console.warn(
    `neurite: ${LEAKS_VAR} must be summary, each or off; using summary. Received: ${show(raw)}`,
  );
  return 'summary';
}

/** The line printed at exit when n tensors were garbage-collected without dispose(). */
export function leakSummaryLine(n: number): string {
  const what = n === 1 ? '1 tensor was' : `${n} tensors were`;
  return (
    `neurite: ${what} garbage-collected without dispose(); their backend memory stayed allocated ` +
    `(wrap loops in nr.tidy() or dispose results; ${LEAKS_VAR}=each lists them, ${LEAKS_VAR}=off hides this line)`
  );
}

/**
 * Installs Node's leak reporting: 'summary' (default) stays quiet while running and prints one line at
 * exit if any tensor leaked; 'each' keeps a console.warn per leak (at most ten); 'off' prints nothing.
 * `nr.memory().numLeaked` counts leaks in every mode.
 * @example installLeakReporting(process.env.NEURITE_LEAKS) // the Node entry does this at import
 */
export function installLeakReporting(raw: string | undefined): LeakMode {
  const mode = leakModeFrom(raw);
  if (mode !== 'each') setLeakReporter(null);
  if (mode === 'summary') {
    process.once('exit', () => {
      const n = memory().numLeaked;
      if (n > 0) process.stderr.write(`${leakSummaryLine(n)}\n`);
    });
  }
  return mode;
}
