// Config keys in files are Keras/Python style (snake_case, class_name); in neurite they are camelCase.
import { convertConfigKeys } from '../core/serialization.js';

/** 'useBias' -> 'use_bias'. */
export function toSnake(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/** 'use_bias' -> 'useBias'. */
export function toCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Renames object keys through the whole config, iteratively and depth-bounded (a config nested
 * thousands deep is an IOError, not a stack overflow), onto objects where `__proto__` from a file is
 * an ordinary key.
 * @example convertKeys({ useBias: true }, toSnake) // { use_bias: true }
 */
export function convertKeys(
  value: unknown,
  rename: (k: string) => string,
  where = 'model config',
): unknown {
  return convertConfigKeys(value, rename, where);
}
