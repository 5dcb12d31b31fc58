// The one network byte source: fetch with a size cap, idle and total timeouts, abort, checked redirects, typed errors.
import {
  AbortedError,
  ArgumentError,
  NetworkError,
  SizeLimitError,
  TimeoutError,
  UrlPolicyError,
  show,
} from '../core/errors.js';
import { sameOrigin } from './url_policy.js';

/** Default time without a byte (waiting for headers included) before a read fails: 30 s. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
/** Default time one whole read may take: 10 minutes. */
export const DEFAULT_TOTAL_TIMEOUT_MS = 600_000;
/** Default number of redirects followed (each one checked against the policy). */
export const DEFAULT_MAX_REDIRECTS = 5;

/**
 * Limits of a network read; every one can be set by the caller.
 * @example await fetchBytes(url, { maxBytes: 2 ** 20, idleTimeoutMs: 5000, signal: ctrl.signal })
 */
export interface NetLimits {
  /** Most bytes the body may have (after content decoding); more is a `SizeLimitError`. */
  maxBytes?: number;
  /** Most milliseconds without receiving a byte. Default 30 s (see `setNetDefaults`). */
  idleTimeoutMs?: number;
  /** Most milliseconds for the whole read. Default 10 minutes (see `setNetDefaults`). */
  totalTimeoutMs?: number;
  /** Stops the read with an `AbortedError`. */
  signal?: AbortSignal;
}

const defaults = {
  idleTimeoutMs: DEFAULT_IDLE_TIMEOUT_MS,
  totalTimeoutMs: DEFAULT_TOTAL_TIMEOUT_MS,
};

/**
 * Sets the process-wide idle and total timeouts used by every network read that does not pass its
 * own (readers such as `nr.data.csv(url)` included); returns the previous values.
 * @example nr.io.setNetDefaults({ idleTimeoutMs: 5000, totalTimeoutMs: 60_000 });
 */
export function setNetDefaults(limits: { idleTimeoutMs?: number; totalTimeoutMs?: number }): {
  idleTimeoutMs: number;
  totalTimeoutMs: number;
} {
  const previous = { ...defaults };
  defaults.idleTimeoutMs = checkLimit(
    'idleTimeoutMs',
    limits.idleTimeoutMs,
    defaults.idleTimeoutMs,
  );
  defaults.totalTimeoutMs = checkLimit(
    'totalTimeoutMs',
    limits.totalTimeoutMs,
    defaults.totalTimeoutMs,
  );
  return previous;
}

/** The idle and total timeouts in force. @example netDefaults().idleTimeoutMs // 30000 */
export function netDefaults(): { idleTimeoutMs: number; totalTimeoutMs: number } {
  return { ...defaults };
}

/** Options of `openUrl` and `fetchBytes`. */
export interface FetchOptions extends NetLimits {
  /** Passed to fetch (headers, credentials, ...); `redirect` and `signal` are neurite's. */
  requestInit?: RequestInit;
  /** A fetch implementation (default: globalThis.fetch). */
  fetchFunc?: typeof fetch;
  /** Extra request headers (a Range, say). */
  headers?: Record<string, string>;
  /** Which redirects may be followed; default: the same origin only. */
  allowRedirect?: (from: URL, to: URL) => boolean;
  /** Redirects followed before giving up. Default 5. */
  maxRedirects?: number;
  /** What is read, for error messages ('model.json', 'weight shard'). */
  what?: string;
}

/** An open response whose body is read in bounded chunks. */
export interface OpenBody {
  /** The URL that answered (after redirects). */
  url: URL;
  status: number;
  statusText: string;
  headers: Headers;
  /** Content-Length when given and the body is not content-encoded, else null. */
  declaredLength: number | null;
  /** The body's chunks; throws the typed errors of `fetchBytes`. Ends the read when done. */
  chunks(): AsyncGenerator<Uint8Array, void, undefined>;
  /** Drops the body and the timers (call it when not reading `chunks`). */
  close(): Promise<void>;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function checkLimit(name: string, v: number | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !(v > 0))
    throw new ArgumentError(`fetch: ${name} must be a positive number, received ${show(v)}`);
  return v;
}

function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause instanceof Error ? e.cause : null;
  const code = cause && 'code' in cause ? ` ${String(cause.code)}` : '';
  return cause ? `${e.message}: ${cause.message}${code}` : e.message;
}

/** Timers and abort wiring of one read; `fail` turns whatever was thrown into the typed error. */
class Guard {
  readonly controller = new AbortController();
  private why: 'idle' | 'total' | 'caller' | null = null;
  private idle: ReturnType<typeof setTimeout> | null = null;
  private readonly total: ReturnType<typeof setTimeout>;
  private readonly signals: AbortSignal[];
  private readonly onAbort = () => this.stop('caller');

  constructor(
    private readonly name: string,
    private readonly idleMs: number,
    private readonly totalMs: number,
    signals: (AbortSignal | null | undefined)[],
  ) {
    this.signals = signals.filter((s): s is AbortSignal => s != null);
    for (const s of this.signals) {
      if (s.aborted) this.stop('caller');
      else s.addEventListener('abort', this.onAbort, { once: true });
    }
    this.total = setTimeout(() => this.stop('total'), totalMs);
    this.touch();
  }

  private stop(why: 'idle' | 'total' | 'caller'): void {
    this.why ??= why;
    this.controller.abort();
  }

  /** Bytes arrived: the idle clock starts again. */
  touch(): void {
    if (this.idle !== null) clearTimeout(this.idle);
    this.idle = setTimeout(() => this.stop('idle'), this.idleMs);
  }

  /** Throws the typed error for the stop reason, if the read was stopped. */
  check(): void {
    if (this.why !== null) throw this.fail(null);
  }

  fail(e: unknown): Error {
    if (this.why === 'caller') return new AbortedError(`${this.name}: aborted by the caller`);
    if (this.why === 'idle')
      return new TimeoutError(`${this.name}: no data for ${this.idleMs} ms (idleTimeoutMs)`);
    if (this.why === 'total')
      return new TimeoutError(
        `${this.name}: not finished after ${this.totalMs} ms (totalTimeoutMs)`,
      );
    if (e instanceof NetworkError || e instanceof SizeLimitError || e instanceof UrlPolicyError)
      return e;
    return new NetworkError(`${this.name}: ${describe(e)}`, { cause: e });
  }

  end(): void {
    if (this.idle !== null) clearTimeout(this.idle);
    clearTimeout(this.total);
    for (const s of this.signals) s.removeEventListener('abort', this.onAbort);
  }
}

/**
 * Sends a GET and returns the response with its body unread, following redirects only where
 * `allowRedirect` agrees (handled by hand, so headers never reach a refused host).
 * @example const body = await openUrl('https://h/data.bin', { maxBytes: 1e6 }); for await (const c of body.chunks()) ...
 */
export async function openUrl(url: string | URL, options: FetchOptions = {}): Promise<OpenBody> {
  const fetchFn = options.fetchFunc ?? globalThis.fetch;
  const what = options.what ?? 'file';
  let current = new URL(url);
  const name = `${current.href}: ${what}`;
  if (typeof fetchFn !== 'function')
    throw new NetworkError(`${name}: no fetch() in this environment`);
  const maxBytes = checkLimit('maxBytes', options.maxBytes, Number.MAX_SAFE_INTEGER);
  const guard = new Guard(
    `${current.href} (${what})`,
    checkLimit('idleTimeoutMs', options.idleTimeoutMs, defaults.idleTimeoutMs),
    checkLimit('totalTimeoutMs', options.totalTimeoutMs, defaults.totalTimeoutMs),
    [options.signal, options.requestInit?.signal],
  );
  const allow = options.allowRedirect ?? sameOrigin;
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const init = options.requestInit ?? {};
  let res: Response;
  try {
    for (let hop = 0; ; hop++) {
      guard.check();
      if (current.protocol !== 'http:' && current.protocol !== 'https:')
        throw new UrlPolicyError(`${name}: refusing protocol ${show(current.protocol)}`);
      const headers = new Headers(init.headers);
      for (const [k, v] of Object.entries(options.headers ?? {})) headers.set(k, v);
      res = await fetchFn(current.href, {
        ...init,
        headers,
        redirect: 'manual',
        signal: guard.controller.signal,
      });
      guard.touch();
      if (res.type === 'opaqueredirect')
        throw new UrlPolicyError(
          `${name}: the server redirects, and this environment hides where to; load the final URL instead`,
        );
      // A custom fetchFunc may follow redirects itself: its result is used only where allowed.
      if (res.redirected && res.url && !allow(current, new URL(res.url)))
        throw new UrlPolicyError(
          `${name}: the response came from ${res.url}, a redirect neurite does not allow`,
        );
      if (!REDIRECTS.has(res.status)) break;
      await res.body?.cancel().catch(() => {});
      const location = res.headers.get('location');
      if (!location)
        throw new NetworkError(`${name}: HTTP ${res.status} redirect without a Location`);
      const next = new URL(location, current);
      if (!allow(current, next))
        throw new UrlPolicyError(
          `${name}: refusing the redirect from ${current.href} to ${next.href} (another origin or outside the allowed folder)`,
        );
      if (hop >= maxRedirects)
        throw new NetworkError(
          `${name}: more than ${maxRedirects} redirects (last to ${next.href})`,
        );
      current = next;
    }
  } catch (e) {
    guard.end();
    throw guard.fail(e);
  }
  const encoded = (res.headers.get('content-encoding') ?? 'identity') !== 'identity';
  const cl = res.headers.get('content-length');
  const declaredLength = !encoded && cl !== null && /^\d+$/.test(cl.trim()) ? Number(cl) : null;
  const body = res.body;
  const close = async () => {
    guard.end();
    await body?.cancel().catch(() => {});
  };
  if (declaredLength !== null && declaredLength > maxBytes) {
    await close();
    throw new SizeLimitError(
      `${current.href}: ${what} is ${declaredLength} bytes (Content-Length), more than the limit of ${maxBytes} (maxBytes)`,
    );
  }
  const finalUrl = current;
  async function* chunks(): AsyncGenerator<Uint8Array, void, undefined> {
    let total = 0;
    try {
      if (!body) return;
      const reader = body.getReader();
      try {
        for (;;) {
          let step: ReadableStreamReadResult<Uint8Array>;
          try {
            step = await reader.read();
          } catch (e) {
            const of = declaredLength === null ? '' : ` of ${declaredLength}`;
            throw guard.fail(
              new NetworkError(
                `${finalUrl.href}: ${what}: connection lost after ${total}${of} bytes (${describe(e)})`,
                { cause: e },
              ),
            );
          }
          guard.check();
          if (step.done) break;
          guard.touch();
          total += step.value.byteLength;
          if (total > maxBytes)
            throw new SizeLimitError(
              `${finalUrl.href}: ${what} is more than the limit of ${maxBytes} bytes (maxBytes)`,
            );
          yield step.value;
        }
      } finally {
        await reader.cancel().catch(() => {});
      }
      if (declaredLength !== null && total !== declaredLength)
        throw new NetworkError(
          `${finalUrl.href}: ${what} truncated: received ${total} of ${declaredLength} bytes (Content-Length)`,
        );
    } finally {
      guard.end();
    }
  }
  return {
    url: finalUrl,
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
    declaredLength,
    chunks,
    close,
  };
}

/**
 * Reads a whole http(s) body into memory within the limits: a non-2xx status is a `NetworkError`,
 * more than `maxBytes` a `SizeLimitError`, silence or slowness a `TimeoutError`, the caller's
 * signal an `AbortedError`, a refused redirect a `UrlPolicyError`.
 * @example const bytes = await fetchBytes('https://h/iris.csv', { maxBytes: 2 ** 20, what: 'CSV file' });
 */
export async function fetchBytes(
  url: string | URL,
  options: FetchOptions = {},
): Promise<Uint8Array> {
  const body = await openUrl(url, options);
  const what = options.what ?? 'file';
  if (body.status < 200 || body.status > 299) {
    await body.close();
    throw new NetworkError(
      `${body.url.href}: cannot fetch ${what}: HTTP ${body.status} ${body.statusText}`.trimEnd(),
    );
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const c of body.chunks()) {
    parts.push(c);
    total += c.byteLength;
  }
  // A lone chunk is returned as is only when it owns its whole buffer (callers may use `.buffer`).
  if (
    parts.length === 1 &&
    parts[0].byteOffset === 0 &&
    parts[0].byteLength === parts[0].buffer.byteLength
  )
    return parts[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}
