// Node entry: the whole API, with memory scopes that follow async code through AsyncLocalStorage.
import { AsyncLocalStorage } from 'node:async_hooks';
import { type Scope, type ScopeContext, setScopeContext } from './core/scope.js';
import { ready } from './core/backends_api.js';
import { installLeakReporting, LEAKS_VAR } from './core/leak_summary.js';

class AsyncLocalContext implements ScopeContext {
  readonly followsAsync = true;
  private readonly als = new AsyncLocalStorage<Scope | null>();
  current(): Scope | null {
    return this.als.getStore() ?? null;
  }
  run<T>(scope: Scope, fn: () => T): T {
    return this.als.run(scope, fn);
  }
}

setScopeContext(new AsyncLocalContext());

// Leaks: one summary line at exit by default (NEURITE_LEAKS=each|off); see docs/guide/memory.md.
installLeakReporting(process.env[LEAKS_VAR]);

// The best backend from the first op: tfjs programs never call ready(), so the Node entry does it at
// import (top-level await; wasm compiles in about 0.1 s). Should no backend start, the cpu backend
// still starts on first use, and an explicit ready() reports why.
try {
  await ready();
} catch {
  // Reported by an explicit ready() call; nothing to do at import.
}

export * from './index.js';
// Built-in datasets read files and download: Node only.
export * as datasets from './datasets/index.js';
