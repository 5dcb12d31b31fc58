// Small pieces of the training loop that are not about models: shuffling, yielding, the output stream.
import type { ProgressStream } from '../callbacks/progbar.js';
import { ENGINE } from '../core/engine.js';
import { HostRandom } from '../data/random.js';

/**
 * The shuffle's own Philox stream: dataset shuffles use small stream numbers (their epochs), and random ops lay
 * their counter out differently (HostRandom's fourth word is 0x5eed), so no two draw the same words.
 */
const SHUFFLE_STREAM = 0x5f1e;

/**
 * A random permutation of 0..n-1 (Fisher-Yates), computed on the host: no tensor read. It draws from the
 * global seed and advances its counter, so `nr.setSeed(s)` makes `fit`'s shuffles (and the whole fit) repeat.
 * @example nr.setSeed(1); shuffled(4) // the same permutation after every setSeed(1)
 */
export function shuffled(n: number): Int32Array {
  const rng = new HostRandom(ENGINE.randomSeed, SHUFFLE_STREAM, ENGINE.randomCounter);
  const a = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  ENGINE.randomCounter = rng.position;
  return a;
}

/** Lets timers, I/O and callbacks run (works in Node and browsers). @example await yieldToLoop(); */
export function yieldToLoop(): Promise<void> {
  // NOTE: Node's setTimeout(0) waits at least 1 ms; setImmediate resumes after one turn of the event
  // loop, which still runs due timers and I/O first
  const immediate = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
  if (immediate) return new Promise((resolve) => void immediate(resolve));
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** process.stdout in Node; the console elsewhere (one line per epoch). @example new Progbar(defaultStream(), 5) */
export function defaultStream(): ProgressStream {
  const proc = (globalThis as { process?: { stdout?: ProgressStream } }).process;
  if (proc?.stdout) return proc.stdout;
  let pending = '';
  return {
    write(s: string) {
      pending += s;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) console.log(l);
    },
    isTTY: false,
  };
}
