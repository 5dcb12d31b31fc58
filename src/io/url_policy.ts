// The URL policy of model loading: a shard or redirect is resolved first, then must stay on the model's origin and folder.
import { UrlPolicyError, show } from '../core/errors.js';

/** Characters that URL parsing silently strips or rewrites (ASCII controls, tab, newline, space at the ends). */
const STRIPPED = /[\u0000-\u0020\u007f]/;
/** Encoded '.', '/' and '\' in a path: a server that decodes them could step out of the folder. */
const ENCODED_SEPARATORS = /%(2e|2f|5c)/i;

/**
 * The folder a model.json URL lives in (`http://h/a/b/model.json` gives `http://h/a/b/`).
 * @example modelFolder(new URL('http://h/m/model.json')).href // 'http://h/m/'
 */
export function modelFolder(modelJsonUrl: URL): URL {
  const folder = new URL('./', modelJsonUrl);
  folder.search = '';
  folder.hash = '';
  return folder;
}

/**
 * Whether `target` is on `folder`'s origin (scheme, host and port), carries the same user info, and
 * its path lies under the folder's path with no encoded dots or slashes after it.
 * @example isUnderFolder(new URL('http://h/m/x.bin'), new URL('http://h/m/')) // true
 */
export function isUnderFolder(target: URL, folder: URL): boolean {
  if (target.origin !== folder.origin || target.origin === 'null') return false;
  if (target.username !== folder.username || target.password !== folder.password) return false;
  if (!target.pathname.startsWith(folder.pathname)) return false;
  return !ENCODED_SEPARATORS.test(target.pathname.slice(folder.pathname.length));
}

/**
 * Resolves a shard path from model.json against the model's URL the way fetch will (`new URL(p, base)`:
 * tabs and newlines stripped, `%2e%2e` read as `..`, backslashes as slashes), then requires the result
 * to be on the model's origin and under its folder. Anything else is a `UrlPolicyError`.
 * @example resolveShardUrl('group1-shard1of1.bin', new URL('http://h/m/model.json'), 'model.json')
 */
export function resolveShardUrl(path: unknown, modelJsonUrl: URL, where: string): URL {
  if (typeof path !== 'string' || path === '')
    throw new UrlPolicyError(
      `${where}: a shard path must be a non-empty string, received ${show(path)}`,
    );
  if (STRIPPED.test(path))
    throw new UrlPolicyError(
      `${where}: shard path ${JSON.stringify(path)} holds spaces or control characters, which URL parsing would strip`,
    );
  let resolved: URL;
  try {
    resolved = new URL(path, modelJsonUrl);
  } catch {
    throw new UrlPolicyError(`${where}: shard path ${show(path)} is not a valid URL`);
  }
  const folder = modelFolder(modelJsonUrl);
  if (!isUnderFolder(resolved, folder))
    throw new UrlPolicyError(
      `${where}: shard path ${show(path)} resolves to ${resolved.href}, outside the model's folder ${folder.href}; shards must be on the same origin and under the folder of model.json`,
    );
  return resolved;
}

/**
 * The redirect rule for model loading: follow only to the same origin and under `folder`, so headers
 * and credentials from `requestInit` never reach another host.
 * @example const allow = redirectsUnder(modelFolder(url)); allow(from, to)
 */
export function redirectsUnder(folder: URL): (from: URL, to: URL) => boolean {
  return (_from, to) => isUnderFolder(to, folder);
}

/**
 * The default redirect rule of plain reads: same origin only (another host never receives the
 * request's headers).
 * @example sameOrigin(new URL('http://a/x'), new URL('http://a/y')) // true
 */
export function sameOrigin(from: URL, to: URL): boolean {
  return from.origin === to.origin && to.origin !== 'null';
}
