// Hostile configs and shapes: deep nesting, prototype keys, huge allocations (run in a child).
import { assertConfigDepth, convertConfigKeys } from '../../src/core/serialization.js';
import { eye, matMul, ones, range, zeros } from '../../src/index.js';
import { parseModelJson } from '../../src/io/model_json.js';
import { convertKeys } from '../../src/io/pythonic.js';
import type { FileCase } from './files_harness.js';

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(`check failed: ${what}`);
}

const nested = (depth: number): unknown =>
  JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
const toCamel = (k: string) => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export function cases(): FileCase[] {
  const deep = nested(2000);
  const deeper = nested(1_000_000);
  const deepArray = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
  return [
    {
      name: 'config: 2,000 nested objects (a stack overflow before)',
      run: () => convertConfigKeys(deep, toCamel, 'model.json'),
      expect: 'IOError',
    },
    {
      name: 'config: 1,000,000 nested objects',
      run: () => convertConfigKeys(deeper, toCamel, 'model.json'),
      expect: 'IOError',
    },
    {
      name: 'config: 100,000 nested arrays, depth check alone',
      run: () => assertConfigDepth(deepArray, 'model.json'),
      expect: 'IOError',
    },
    {
      name: 'model.json nested 2,000 deep, through the loader (a stack overflow before)',
      run: () =>
        parseModelJson(
          JSON.stringify({ modelTopology: nested(2000), weightsManifest: [] }),
          'model.json',
        ),
      expect: 'IOError',
    },
    {
      name: "a '__proto__' key in a layer config, through the key converter the loader uses",
      run: () => {
        const out = convertKeys(JSON.parse('{"__proto__": {"polluted": true}}'), toCamel);
        check(Object.getPrototypeOf(out) === Object.prototype, 'prototype unchanged');
        check(({} as Record<string, unknown>).polluted === undefined, 'Object.prototype clean');
      },
      expect: 'ok',
    },
    {
      name: "config: a '__proto__' key stays an ordinary key of the copy",
      run: () => {
        const out = convertConfigKeys(
          JSON.parse('{"layer_config": {"__proto__": {"polluted": true}, "units": 3}}'),
          toCamel,
          'config.json',
        ) as { layerConfig: Record<string, unknown> };
        const inner = out.layerConfig;
        check(Object.getPrototypeOf(inner) === Object.prototype, 'prototype unchanged');
        check(Object.keys(inner).join() === '_Proto__,units', `keys ${Object.keys(inner)}`);
        check(inner.polluted === undefined, 'nothing inherited');
        check(inner.units === 3, 'values kept');
        const same = convertConfigKeys(
          JSON.parse('{"__proto__": {"x": 1}}'),
          (k) => k,
          'c',
        ) as Record<string, unknown>;
        check(
          Object.hasOwn(same, '__proto__') && Object.getPrototypeOf(same) === Object.prototype,
          'own __proto__',
        );
      },
      expect: 'ok',
    },
    {
      name: 'zeros([1e6, 1e6]) (a RangeError before)',
      run: () => zeros([1e6, 1e6]),
      expect: 'ShapeError',
    },
    {
      name: 'ones([65536, 65536, 2]), eye(1e6), range(0, 1e12)',
      run: () => {
        const errors: string[] = [];
        for (const f of [() => ones([65536, 65536, 2]), () => eye(1e6), () => range(0, 1e12)]) {
          try {
            f();
          } catch (e) {
            errors.push(e instanceof Error ? e.constructor.name : String(e));
          }
        }
        check(errors.join() === 'ShapeError,ShapeError,ArgumentError', errors.join());
      },
      expect: 'ok',
    },
    {
      name: 'matMul with a 10^10-element output',
      run: () => {
        const a = zeros([100_000, 1]);
        const b = zeros([1, 100_000]);
        try {
          return matMul(a, b);
        } finally {
          a.dispose();
          b.dispose();
        }
      },
      expect: 'BackendError',
    },
  ];
}
