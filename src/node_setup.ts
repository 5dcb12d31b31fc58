// Node set-up shared by both Node entries: memory scopes that follow async code (AsyncLocalStorage), leak reports.
import { AsyncLocalStorage } from 'node:async_hooks';
import { type Scope, type ScopeContext, setScopeContext } from './core/scope.js';
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
