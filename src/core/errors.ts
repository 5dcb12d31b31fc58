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

/** Formats a value for an error message: shapes as [2,3], strings quoted, the rest via JSON. */
export function show(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((e) => show(e)).join(',')}]`;
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined)
    return String(v);
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
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
