// Error classes, one per kind of failure, so callers can catch by kind and messages stay uniform.

/**
 * Base class of every error neurite throws on purpose.
 * @example
 * try { nr.matMul(a, b); } catch (e) { if (e instanceof nr.NeuriteError) console.log(e.message); }
 */
export class NeuriteError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Shapes that do not fit together. @example new ShapeError('add: shapes [2,3] and [4] do not broadcast') */
export class ShapeError extends NeuriteError {}

/**
 * A NaN or Infinity found in a primitive's output while debug mode (nr.enableDebugMode) is on.
 * @example try { nr.log(nr.tensor([0])); } catch (e) { if (e instanceof nr.NumericError) ... }
 */
export class NumericError extends NeuriteError {}

/** A dtype an op does not accept. @example new DTypeError("logicalAnd: a must be bool, received 'float32'") */
export class DTypeError extends NeuriteError {}

/** A bad argument value (out of range, wrong type, unknown option). @example new ArgumentError('oneHot: depth must be >= 1, received 0') */
export class ArgumentError extends NeuriteError {}

/** A backend that cannot start or cannot do what was asked. @example new BackendError("setBackend: unknown backend 'tpu'") */
export class BackendError extends NeuriteError {}

/** Use of a tensor after `dispose()`. @example new DisposedError('add: a was disposed') */
export class DisposedError extends NeuriteError {}

/** A file or stream that cannot be read or written. @example new IOError('model.json: truncated') */
export class IOError extends NeuriteError {}

/** The longest text `show` returns: values read from hostile files may be megabytes long. */
const SHOW_MAX = 200;

/**
 * Shortens text for an error message: keeps the start and the end, and says how much was left out.
 * @example clip('x'.repeat(1000), 20) // 15 x, then '…(980 more characters)…', then 5 x
 */
export function clip(text: string, max = SHOW_MAX): string {
  if (text.length <= max) return text;
  const head = Math.ceil((max * 3) / 4);
  const tail = max - head;
  return `${text.slice(0, head)}…(${text.length - head - tail} more characters)…${text.slice(text.length - tail)}`;
}

/** Formats a value for an error message: shapes as [2,3], strings quoted, the rest via JSON; at most about 200 characters. */
export function show(v: unknown): string {
  if (Array.isArray(v)) {
    // Only the first elements are formatted, so a huge array costs nothing.
    const items = v.slice(0, SHOW_MAX).map((e) => show(e));
    if (v.length > SHOW_MAX) items.push(`…(${v.length} items)`);
    return clip(`[${items.join(',')}]`);
  }
  if (typeof v === 'string') return `'${clip(v)}'`;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined)
    return String(v);
  try {
    return clip(JSON.stringify(v) ?? String(v));
  } catch {
    return clip(String(v));
  }
}

/** A URL or path refused by neurite's URL policy (another origin, outside the model's folder). @example new UrlPolicyError("model.json: shard '../x.bin' resolves outside http://h/m/") */
export class UrlPolicyError extends IOError {}

/** A network transfer that failed: a reset, a body cut short, a Content-Length the body does not match. @example new NetworkError('http://h/m.json: connection closed after 10 of 100 bytes') */
export class NetworkError extends IOError {}

/** A read that took longer than its idle or total time limit. @example new TimeoutError('http://h/x.bin: no data for 30000 ms') */
export class TimeoutError extends NetworkError {}

/** A read stopped by the caller's AbortSignal. @example new AbortedError('http://h/x.bin: aborted by the caller') */
export class AbortedError extends IOError {}

/** Input larger than the limit its reader allows. @example new SizeLimitError('http://h/x.csv: more than the limit of 1048576 bytes') */
export class SizeLimitError extends IOError {}

/** A function nr.jit cannot capture: a read of values while tracing, a Promise returned... @example new JitError('nr.jit: unique reads tensor values (dataSync) while tracing') */
export class JitError extends NeuriteError {}
