// The ceiling: the wasm GEMM's 4x8 micro-kernel alone on packed panels that stay in cache (no packing, no copy-out).
import { WasmBackend } from '../../src/backends/wasm/index.js';
import { compileGemm, type GemmExports } from '../../src/backends/wasm/gemm.js';
import { MR, NR } from '../../src/backends/wasm/kernels.js';
import * as nr from '../../src/node.js';
import type { BenchCase } from '../harness.js';

const KC = 256;
/** Row panels per block call: 16 x 4 rows x 256 floats = 64 KiB of A in L2, one 8 KiB B panel in L1. */
const NP = 16;
const CALLS = 200;
const FLOPS = 2 * NP * MR * NR * KC * CALLS;

export const microkernelCase: BenchCase = {
  name: 'microkernel',
  title: `wasm GEMM micro-kernel alone: ${MR}x${NR} f32x4 register tile, kc ${KC}, ${NP} A panels per call, panels in cache (the ceiling the GEMM is measured against)`,
  unit: 'GFLOP/s',
  workPerCall: FLOPS,
  // one thread: it is the per-core ceiling
  engines: (e) => e.kind === 'neurite' && e.backend === 'wasm' && (e.threads ?? 1) === 1,
  neurite() {
    const b = nr.backend();
    if (!(b instanceof WasmBackend)) throw new Error('the micro-kernel case runs on wasm only');
    const heap = b.heap;
    const a = heap.alloc(NP * MR * KC * 4);
    const p = heap.alloc(NR * KC * 4);
    const c = heap.alloc(NP * MR * NR * 4);
    const f32 = new Float32Array(heap.memory.buffer);
    for (let i = 0; i < NP * MR * KC; i++) f32[(a.offset >> 2) + i] = Math.sin(i);
    for (let i = 0; i < NR * KC; i++) f32[(p.offset >> 2) + i] = Math.cos(i);
    let block: GemmExports['gemmBlock'] | null = null;
    const ready = compileGemm(heap, b.features.relaxedSimd).then(
      (g) => (block = g.exports.gemmBlock),
    );
    return {
      note: `relaxed-SIMD FMA ${b.features.relaxedSimd ? 'on' : 'off (mul + add)'}`,
      async call() {
        await ready;
        const run = block!;
        for (let i = 0; i < CALLS; i++)
          run(NP, 1, KC, a.offset, p.offset, c.offset, NR * 4, 0, 0, 0, 16, KC * 16, 32, KC * 32);
      },
      dispose() {
        heap.free(a);
        heap.free(p);
        heap.free(c);
      },
    };
  },
  tfjs() {
    throw new Error('neurite only');
  },
};
