// The backend registry's choice: ready() picks the best backend, replaces the cpu backend that early ops started, and never overrides a program's own choice.
import { describe, expect, it } from 'vitest';
import { createCpuBackend } from '../../src/backends/cpu/index.js';
import { BackendRegistry } from '../../src/core/backend_registry.js';

/** A registry whose best backend is a second cpu instance named 'best' (no wasm start in this unit test). */
function registryWithBest(): BackendRegistry {
  const r = new BackendRegistry();
  r.register('best', createCpuBackend, 10);
  return r;
}

describe('BackendRegistry.ready', () => {
  it('selects the highest-priority backend that starts', async () => {
    const r = registryWithBest();
    await r.ready();
    expect(r.current()).toBe(r.find('best'));
  });

  it('the cpu backend started by an op before ready() gives way to the best one', async () => {
    const r = registryWithBest();
    const early = r.current(); // what an op run before ready() gets
    expect(early).toBe(r.find('cpu'));
    await r.ready();
    expect(r.current()).toBe(r.find('best'));
    expect(r.current()).not.toBe(early);
  });

  it("a program's own select() is kept by a later ready()", async () => {
    const r = registryWithBest();
    await r.select('cpu');
    await r.ready();
    expect(r.current()).toBe(r.find('cpu'));
    expect(r.find('best')).toBeUndefined(); // never started
  });

  it('a select() made while ready() starts its backend wins', async () => {
    const r = new BackendRegistry();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((res) => (release = res));
    r.register('slow', () => gate.then(() => createCpuBackend()), 10);
    const pending = r.ready();
    await r.select('cpu');
    release();
    await pending;
    expect(r.current()).toBe(r.find('cpu'));
  });
});
