// tfjs' remaining dataset creators: tf.data.func (a function returning {value, done}) and TextLineDataset.
import { ArgumentError, show } from '../core/errors.js';
import { Dataset } from './dataset.js';
import { type FileSource, readBytes } from './read_source.js';

/**
 * A dataset from a function called for each element, returning `{value, done}` (or a promise of it),
 * as tfjs' `tf.data.func`; every epoch calls the same function again.
 * @example let i = 0; const ds = nr.data.func(() => (i < 3 ? { value: i++, done: false } : { value: 0, done: true }));
 */
export function func<T>(f: () => IteratorResult<T> | Promise<IteratorResult<T>>): Dataset<T> {
  if (typeof f !== 'function')
    throw new ArgumentError(`func: f must be a function, received ${show(typeof f)}`);
  return new Dataset(async function* () {
    for (;;) {
      const r = await f();
      if (r === null || typeof r !== 'object' || !('done' in r))
        throw new ArgumentError(`func: f must return {value, done}, received ${show(r)}`);
      if (r.done) return;
      yield r.value;
    }
  });
}

/** Splits UTF-8 text into lines (without '\n' or '\r\n'); a final newline adds no empty line. */
function linesOf(bytes: Uint8Array): string[] {
  const lines = new TextDecoder('utf-8').decode(bytes).split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/**
 * The lines of a text file (a path, a file:// or http(s):// URL, or bytes), one string element per line,
 * as tfjs' `TextLineDataset`. The file is read once per epoch, within readBytes' size limit.
 * @example for await (const line of new nr.data.TextLineDataset('file://./poem.txt')) console.log(line);
 */
export class TextLineDataset extends Dataset<string> {
  constructor(source: FileSource | Uint8Array) {
    if (typeof source !== 'string' && !(source instanceof URL) && !(source instanceof Uint8Array))
      throw new ArgumentError(
        `TextLineDataset: source must be a path, a URL or bytes, received ${show(typeof source)}`,
      );
    super(async function* () {
      const bytes = source instanceof Uint8Array ? source : await readBytes(source, 'text file');
      yield* linesOf(bytes);
    });
  }
}
