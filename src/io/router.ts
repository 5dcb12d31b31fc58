// Chooses an IO handler from a URL scheme: file://, http(s)://, localstorage://, indexeddb://, downloads://.
import { ArgumentError, show } from '../core/errors.js';
import type { IOHandler } from './artifacts.js';
import { downloadsHandler, indexedDbHandler, localStorageHandler } from './handlers/browser.js';
import { type HttpOptions, httpHandler } from './handlers/http.js';

/**
 * The handler for a URL (or the handler itself). Plain paths in Node mean file://; `httpOptions`
 * (headers, limits) go to the http(s) handler.
 * @example const h = await getHandler('file://./model');
 */
export async function getHandler(
  urlOrHandler: string | IOHandler,
  op: string,
  httpOptions: HttpOptions = {},
): Promise<IOHandler> {
  if (typeof urlOrHandler !== 'string') {
    if (
      urlOrHandler &&
      (typeof urlOrHandler.save === 'function' || typeof urlOrHandler.load === 'function')
    )
      return urlOrHandler;
    throw new ArgumentError(
      `${op}: expected a URL or an IOHandler, received ${show(urlOrHandler)}`,
    );
  }
  const url = urlOrHandler;
  const scheme = /^([a-z]+):\/\//i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'http':
    case 'https':
      return httpHandler(url, {
        requestInit: httpOptions.requestInit,
        fetchFunc: httpOptions.fetchFunc,
        maxBytes: httpOptions.maxBytes,
        idleTimeoutMs: httpOptions.idleTimeoutMs,
        totalTimeoutMs: httpOptions.totalTimeoutMs,
        signal: httpOptions.signal,
      });
    case 'localstorage':
      return localStorageHandler(url.slice('localstorage://'.length));
    case 'indexeddb':
      return indexedDbHandler(url.slice('indexeddb://'.length));
    case 'downloads':
      return downloadsHandler(url.slice('downloads://'.length));
    case 'file':
    case undefined: {
      const isNode = Boolean(
        (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node,
      );
      if (!isNode)
        throw new ArgumentError(
          `${op}: ${show(url)} is a file path, which only works in Node; use indexeddb://, localstorage:// or downloads:// in a browser`,
        );
      // Loaded on use: browser bundles never include node:fs.
      const { fileHandler } = await import('./handlers/file.js');
      return fileHandler(url);
    }
    default:
      throw new ArgumentError(
        `${op}: unknown URL scheme '${scheme}://' in ${show(url)}; use file://, http(s)://, localstorage://, indexeddb:// or downloads://`,
      );
  }
}
