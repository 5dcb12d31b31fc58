// Memory scopes: which tensors a `tidy` owns, and how the current scope follows async code.
import type { Tensor } from './tensor.js';

/**
 * A set of tensors freed together. `tidy` makes one per call; in browsers, where async code cannot be
 * followed, make one yourself and run each synchronous slice of work in it with `run`.
 * @example
 * const scope = new nr.Scope();
 * const y = scope.run(() => x.square().sum());   // intermediates are owned by `scope`
 * await somethingAsync();
 * scope.dispose([y]);                            // frees all but y
 */
export class Scope {
  readonly tensors = new Set<Tensor>();
  constructor(readonly parent: Scope | null = null) {}

  track(t: Tensor): void {
    this.tensors.add(t);
    t.scope = this;
  }

  untrack(t: Tensor): void {
    this.tensors.delete(t);
    if (t.scope === this) t.scope = null;
  }

  /** Runs a synchronous function with this scope current: tensors it creates belong to the scope. */
  run<T>(fn: () => T): T {
    return scopeContext.run(this, fn);
  }

  /** Frees every tensor of the scope except those in `keep`, which move to the parent scope. */
  dispose(keep: Iterable<Tensor> = []): void {
    const kept = new Set(keep);
    for (const t of this.tensors) {
      if (kept.has(t)) {
        this.untrack(t);
        if (this.parent) this.parent.track(t);
        else onUnowned(t);
      } else t.dispose();
    }
    this.tensors.clear();
  }
}

/** What happens to a tensor the outermost scope keeps, so that no scope owns it (set by the engine). */
let onUnowned: (t: Tensor) => void = () => {};

/**
 * Sets what happens to a tensor that leaves the outermost scope (the engine watches it for leaks).
 * @example setUnownedHandler((t) => ENGINE.watch(t)); // what the engine does
 */
export function setUnownedHandler(fn: (t: Tensor) => void): void {
  onUnowned = fn;
}

/** How the engine finds the current scope: a plain stack, or AsyncLocalStorage in Node. */
export interface ScopeContext {
  /** True when the current scope follows `await` (each async task sees its own scope). */
  readonly followsAsync: boolean;
  current(): Scope | null;
  run<T>(scope: Scope, fn: () => T): T;
}

/** Default context: a stack. The scope is current only during the synchronous part of `fn`. */
class StackContext implements ScopeContext {
  readonly followsAsync = false;
  private readonly stack: Scope[] = [];
  current(): Scope | null {
    return this.stack.length ? this.stack[this.stack.length - 1] : null;
  }
  run<T>(scope: Scope, fn: () => T): T {
    this.stack.push(scope);
    try {
      return fn();
    } finally {
      this.stack.pop();
    }
  }
}

let scopeContext: ScopeContext = new StackContext();

/** Replaces the scope context (the Node entry installs one over AsyncLocalStorage). @example setScopeContext(new AsyncLocalContext()) // what src/node.ts does */
export function setScopeContext(ctx: ScopeContext): void {
  scopeContext = ctx;
}

/** The context in use. @example getScopeContext().current() // the scope that owns new tensors */
export function getScopeContext(): ScopeContext {
  return scopeContext;
}
