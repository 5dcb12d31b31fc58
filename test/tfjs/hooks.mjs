// Module hooks for the tfjs spec harness: tfjs-core's compiled specs import `../index`; point it at the library under test.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** @type {{ dist: string, lib: 'neurite' | 'tfjs', map: Record<string, string>, neuriteOnly: Record<string, string>, seedrandom: string, testHelpers: string[] }} */
let config;

/** Receives run.ts's data: the dist folder URL, which library, and the module map. */
export function initialize(data) {
  config = data;
}

/** A path under dist without its `.js`: `ops/ops`, `index`, `` for the folder itself. */
function distKey(url) {
  return url.slice(config.dist.length).replace(/\.js$/, '').replace(/\/$/, '');
}

function realFile(url) {
  const path = fileURLToPath(url);
  if (existsSync(`${path}.js`)) return `${url}.js`;
  if (existsSync(path) && statSync(path).isDirectory()) return `${url.replace(/\/$/, '')}/index.js`;
  return url;
}

export async function resolve(specifier, context, next) {
  const parent = context.parentURL;
  if (parent && parent.startsWith(config.dist) && specifier.startsWith('.')) {
    const target = new URL(specifier, parent).href;
    const key = distKey(target) || 'index';
    // Only the specs' own imports are redirected; tfjs's modules (the control) keep their real imports.
    const fromSpec = parent.endsWith('_test.js') || config.testHelpers.includes(distKey(parent));
    const mapped = !fromSpec
      ? undefined
      : (config.map[key] ?? (config.lib === 'neurite' ? config.neuriteOnly[key] : undefined));
    if (mapped) return next(mapped, context);
    if (config.lib === 'neurite' && !key.endsWith('_test') && !config.testHelpers.includes(key)) {
      // A tfjs internal module, not neurite API: the file loads, and each spec that uses it fails.
      return { url: `${INTERNAL}${key}`, format: 'module', shortCircuit: true };
    }
    return { url: realFile(target), format: 'module', shortCircuit: true };
  }
  if (specifier === 'seedrandom' && parent && parent.startsWith(config.dist))
    return next(config.seedrandom, context);
  return next(specifier, context);
}

const INTERNAL = 'tfjs-internal:';

/** The names a dist module exports, following `export *` (read from its source, never run). */
function exportNames(key, seen = new Set()) {
  const file = fileURLToPath(realFile(`${config.dist}${key}`));
  if (seen.has(file) || !existsSync(file)) return [];
  seen.add(file);
  const src = readFileSync(file, 'utf8');
  const names = [];
  for (const m of src.matchAll(
    /^export (?:async )?(?:function\*?|const|let|var|class) ([A-Za-z_$][\w$]*)/gm,
  ))
    names.push(m[1]);
  for (const m of src.matchAll(/^export \{([^}]*)\}/gm))
    for (const part of m[1].split(',')) {
      const name = part
        .trim()
        .split(/\s+as\s+/)
        .pop();
      if (name) names.push(name);
    }
  for (const m of src.matchAll(/^export \* from '([^']+)'/gm)) {
    const sub = new URL(m[1], `${config.dist}${key}`).href
      .slice(config.dist.length)
      .replace(/\.js$/, '');
    names.push(...exportNames(sub, seen));
  }
  return [...new Set(names)].filter((n) => n !== 'default');
}

/**
 * A tfjs internal module, for neurite: each export is neurite's public function of the same name (top
 * level, tf.util, tf.io, tf.tensor_util or tf.serialization, as tfjs exports them there; ENGINE is tf.engine()), else
 * a stub that fails when used, so only the specs touching tfjs internals fail.
 */
function internalModule(key) {
  const lines = [
    `import * as nr from ${JSON.stringify(config.map.index)};`,
    `const fail = (name) => { throw new Error('tfjs internal ' + name + ' (module ${key}) is not neurite API'); };`,
    `const stub = (name) => new Proxy(function () {}, {`,
    `  get(_t, p) { if (p === 'prototype') return {}; fail(name); },`,
    `  apply() { fail(name); },`,
    `  construct() { fail(name); },`,
    `});`,
    // tfjs's ENGINE is the object tfjs exposes publicly as tf.engine()
    `const spaces = [nr, nr.util, nr.io, nr.tensor_util, nr.serialization].filter(Boolean);`,
    `const pick = (name) => name === 'ENGINE' && typeof nr.engine === 'function' ? nr.engine() : (spaces.find((s) => name in s) ?? { [name]: stub(name) })[name];`,
  ];
  // tfjs' util module shares names with ops (tanh: a number function there, an op at the top level)
  if (key === 'util' || key === 'util_base')
    lines.push(
      `const pickTop = pick;`,
      `const pickUtil = (name) => nr.util && name in nr.util ? nr.util[name] : pickTop(name);`,
    );
  const picker = key === 'util' || key === 'util_base' ? 'pickUtil' : 'pick';
  for (const name of exportNames(key))
    lines.push(`export const ${name} = ${picker}(${JSON.stringify(name)});`);
  return lines.join('\n');
}

export async function load(url, context, next) {
  if (url.startsWith(INTERNAL))
    return {
      format: 'module',
      source: internalModule(url.slice(INTERNAL.length)),
      shortCircuit: true,
    };
  // tfjs-core's dist files are ES modules in a package without "type": "module".
  if (url.startsWith(config.dist) && url.endsWith('.js'))
    return next(url, { ...context, format: 'module' });
  return next(url, context);
}
