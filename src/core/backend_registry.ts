// The backend registry: registered factories by priority, the backends started, and the current one.
import type { Backend, BackendFactory } from '../backends/backend.js';
import { createCpuBackend, createCpuBackendSync } from '../backends/cpu/index.js';
import { BackendError, show } from './errors.js';

interface Registration {
  factory: BackendFactory;
  priority: number;
}

/**
 * Which backends exist, which started, and which runs primitives now. cpu, wasm and webgpu are
 * registered here (no registration by import side effect); others through nr.registerBackend.
 * @example const registry = new BackendRegistry(); await registry.select('cpu');
 */
export class BackendRegistry {
  private readonly registry = new Map<string, Registration>();
  private readonly instances = new Map<string, Backend>();
  private selected: Backend | null = null;
  /**
   * True once the current backend was chosen (by select or ready), false while it is the cpu backend that
   * current() started because an op ran first: that one gives way to a better backend when one starts.
   */
  private chosen = false;
  /** The start ready() has in flight. */
  private starting: Promise<void> | null = null;

  constructor() {
    this.register('cpu', createCpuBackend, 1);
    // wasm is the default wherever it starts (it is faster than cpu on every primitive it runs in wasm,
    // and runs the cpu kernels on its heap for the rest); cpu stays the reference
    this.register(
      'wasm',
      () => import('../backends/wasm/index.js').then((m) => m.createWasmBackend()),
      2,
    );
    // webgpu is opt-in for now (await nr.setBackend('webgpu')): below cpu until its priority is decided
    this.register(
      'webgpu',
      () => import('../backends/webgpu/index.js').then((m) => m.createWebGpuBackend()),
      -1,
    );
  }

  /** Registers (or replaces) a factory; higher priority is tried first by ready(). */
  register(name: string, factory: BackendFactory, priority = 0): void {
    this.registry.set(name, { factory, priority });
  }

  /** Registered names, in registration order. */
  names(): string[] {
    return [...this.registry.keys()];
  }

  /** The started backends by name. */
  started(): ReadonlyMap<string, Backend> {
    return this.instances;
  }

  /** Starts a backend once (later calls return the same instance). */
  async init(name: string): Promise<Backend> {
    const existing = this.instances.get(name);
    if (existing) return existing;
    const reg = this.registry.get(name);
    if (!reg)
      throw new BackendError(
        `setBackend: unknown backend ${show(name)}; registered: ${this.names()
          .map((n) => `'${n}'`)
          .join(', ')}`,
      );
    const backend = await reg.factory();
    this.instances.set(name, backend);
    return backend;
  }

  /** Starts a backend and makes it the current one. */
  async select(name: string): Promise<void> {
    this.selected = await this.init(name);
    this.chosen = true;
  }

  /**
   * Selects the highest-priority backend that starts on this platform, unless one was chosen. The cpu
   * backend that ops started before ready() gives way (their tensors move over when next used).
   * Concurrent calls share one start.
   */
  ready(): Promise<void> {
    if (this.chosen) return Promise.resolve();
    this.starting ??= this.startBest().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  /**
   * Resolves when the start that ready() has in flight ends (at once if none; never rejects): the training
   * loop waits here so that a program that never awaited ready() trains on the backend being started.
   */
  settled(): Promise<void> {
    return this.starting ? this.starting.catch(() => undefined) : Promise.resolve();
  }

  private async startBest(): Promise<void> {
    const byPriority = [...this.registry.entries()].sort((a, b) => b[1].priority - a[1].priority);
    const failures: string[] = [];
    for (const [name] of byPriority) {
      try {
        const backend = await this.init(name);
        // NOTE: a select() during the await wins: the program's own choice is never overridden
        if (!this.chosen) {
          this.selected = backend;
          this.chosen = true;
        }
        return;
      } catch (e) {
        failures.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    throw new BackendError(`ready: no backend could start (${failures.join('; ')})`);
  }

  /** The current backend; the CPU backend is started synchronously if none was chosen yet. */
  current(): Backend {
    if (!this.selected) {
      let cpu = this.instances.get('cpu');
      if (!cpu) {
        cpu = createCpuBackendSync();
        this.instances.set('cpu', cpu);
      }
      this.selected = cpu;
    }
    return this.selected;
  }

  /** A started backend by name. */
  find(name: string): Backend | undefined {
    return this.instances.get(name);
  }

  /** Unregisters a backend and disposes its instance (the current one falls back to the default). */
  remove(name: string): void {
    const b = this.instances.get(name);
    if (b === this.selected) {
      this.selected = null;
      this.chosen = false;
    }
    this.instances.delete(name);
    this.registry.delete(name);
    b?.dispose();
  }
}
