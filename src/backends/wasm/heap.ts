// The wasm backend's heap: one growable WebAssembly.Memory and a size-class free-list allocator over it.
import { BackendError } from '../../core/errors.js';

const PAGE = 65536;
/** 4 GiB minus one page: wasm32 addresses stop at 2^32, and the engine asks for a maximum below that. */
export const MAX_PAGES = 65535;
export const MAX_BYTES = MAX_PAGES * PAGE;
const INITIAL_PAGES = 256; // 16 MiB
/** Every block starts on this boundary: a v128 load is fastest aligned, and so are cache lines. */
const ALIGN = 64;

/**
 * The block size serving a request: at least 64 bytes, then four classes per power of two
 * (1.25, 1.5, 1.75, 2 × 2^e), so a block wastes at most a fifth of itself and freed blocks fit again.
 * @example sizeClass(100) // 112
 */
export function sizeClass(bytes: number): number {
  if (bytes <= ALIGN) return ALIGN;
  const base = 2 ** Math.floor(Math.log2(bytes - 1));
  const step = Math.max(base / 4, 16);
  return base + Math.ceil((bytes - base) / step) * step;
}

/** A block of the heap: its byte offset and its class size. */
export interface Block {
  readonly offset: number;
  readonly size: number;
  /** Never handed out before, so still zero (wasm memory starts zeroed). */
  readonly fresh: boolean;
}

/**
 * A bump allocator with one free list per size class over a growable memory. Shared memory (when the
 * platform allows it) keeps old typed-array views valid across `grow`; with plain memory they detach, and
 * `generation` counts the grows so callers can tell that views they hold went stale.
 * @example
 * const heap = new Heap();
 * const b = heap.alloc(400);
 * new Float32Array(heap.memory.buffer, b.offset, 100).fill(1);
 * heap.free(b);
 */
export class Heap {
  readonly memory: WebAssembly.Memory;
  readonly shared: boolean;
  /** Increments on every grow of a non-shared memory (its views detach then). */
  generation = 0;
  /** Bytes in live blocks (class sizes). */
  bytesInUse = 0;
  private top = ALIGN; // offset 0 stays unused, so no block is at the null address
  private readonly freeLists = new Map<number, number[]>();
  /** Buffers the memory had before each grow: views made then still point into this heap. */
  private readonly pastBuffers = new WeakSet<ArrayBufferLike>();

  /**
   * @param initialPages starting size in 64 KiB pages
   * @param preferShared false forces plain memory (the fallback where shared memory is refused)
   */
  constructor(initialPages = INITIAL_PAGES, preferShared = true) {
    let memory: WebAssembly.Memory | null = null;
    if (preferShared) {
      try {
        memory = new WebAssembly.Memory({
          initial: initialPages,
          maximum: MAX_PAGES,
          shared: true,
        });
      } catch {
        // NOTE: browsers without cross-origin isolation refuse shared memory; plain memory works, but
        // its views detach on grow (see `generation`).
      }
    }
    const shared = memory !== null;
    memory ??= new WebAssembly.Memory({ initial: initialPages, maximum: MAX_PAGES });
    this.memory = memory;
    this.shared = shared;
  }

  /** Current size of the memory in bytes. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /** Bytes reserved so far (live and free blocks). */
  get reserved(): number {
    return this.top;
  }

  /** A block of at least `bytes` bytes (not zeroed); reuses a freed block of the same class first. */
  alloc(bytes: number): Block {
    const size = sizeClass(bytes);
    const list = this.freeLists.get(size);
    const reused = list?.pop();
    if (reused !== undefined) {
      this.bytesInUse += size;
      return { offset: reused, size, fresh: false };
    }
    const end = this.top + size;
    if (end > MAX_BYTES)
      throw new BackendError(
        `wasm: cannot allocate ${bytes} bytes: the WebAssembly heap is capped at ${MAX_BYTES} bytes ` +
          `(4 GiB address space) and ${this.top} are already reserved`,
      );
    if (end > this.byteLength) this.grow(end);
    this.top = end;
    this.bytesInUse += size;
    return { offset: end - size, size, fresh: true };
  }

  /** Returns a block to its class's free list. */
  free(block: Block): void {
    let list = this.freeLists.get(block.size);
    if (!list) {
      list = [];
      this.freeLists.set(block.size, list);
    }
    list.push(block.offset);
    this.bytesInUse -= block.size;
  }

  /** Whether a typed array over `buffer` is a view of this heap (then wasm can read it in place). */
  owns(buffer: ArrayBufferLike): boolean {
    return buffer === this.memory.buffer || this.pastBuffers.has(buffer);
  }

  /** Grows to hold `end` bytes, at least doubling (capped) so a run of allocations grows rarely. */
  private grow(end: number): void {
    this.pastBuffers.add(this.memory.buffer);
    const pages = this.byteLength / PAGE;
    const needed = Math.ceil(end / PAGE);
    const target = Math.min(MAX_PAGES, Math.max(needed, pages * 2));
    try {
      this.memory.grow(target - pages);
    } catch {
      this.growExactly(pages, needed);
    }
    if (!this.shared) this.generation++;
  }

  private growExactly(pages: number, needed: number): void {
    try {
      this.memory.grow(needed - pages);
    } catch (e) {
      throw new BackendError(`wasm: cannot grow the heap to ${needed * PAGE} bytes: ${String(e)}`);
    }
  }
}
