// CPU pooling kernels, NHWC: max and average pooling and their gradients, channels in the inner loop.
import type { DataId, Pool2DInfo, TensorInfo } from '../backend.js';
import type { KernelStore } from './storage.js';
import type { SomeHostKernels } from '../kernel_table.js';
import type { CpuHost } from './storage.js';

/** The window of output (oy, ox) clipped to the image: [y0, y1) x [x0, x1). */
function window(i: Pool2DInfo, oy: number, ox: number): [number, number, number, number] {
  const yStart = oy * i.strideH - i.padTop;
  const xStart = ox * i.strideW - i.padLeft;
  return [
    Math.max(0, yStart),
    Math.min(i.inH, yStart + i.filterH),
    Math.max(0, xStart),
    Math.min(i.inW, xStart + i.filterW),
  ];
}

/** Max over each window; NaN wins (as in the reductions). Windows are never empty (the frontend checks). @example maxPool(store, x, info) */
export function maxPool(s: KernelStore, x: TensorInfo, i: Pool2DInfo): DataId {
  const xv = s.values(x);
  const C = i.channels;
  const { id, values: out } = s.alloc(x.dtype, i.batch * i.outH * i.outW * C);
  let o = 0;
  for (let b = 0; b < i.batch; b++) {
    const img = b * i.inH * i.inW;
    for (let oy = 0; oy < i.outH; oy++) {
      for (let ox = 0; ox < i.outW; ox++, o += C) {
        const [y0, y1, x0, x1] = window(i, oy, ox);
        let first = true;
        for (let y = y0; y < y1; y++) {
          for (let xx = x0; xx < x1; xx++) {
            const src = (img + y * i.inW + xx) * C;
            if (first) {
              for (let c = 0; c < C; c++) out[o + c] = xv[src + c];
              first = false;
              continue;
            }
            for (let c = 0; c < C; c++) {
              const v = xv[src + c];
              const m = out[o + c];
              if (v > m || (v !== v && m === m)) out[o + c] = v;
            }
          }
        }
      }
    }
  }
  return id;
}

/** dy of each window goes to its first maximum in row-major window order (TF's choice on ties). @example maxPoolGrad(store, dy, x, info) */
export function maxPoolGrad(s: KernelStore, dy: TensorInfo, x: TensorInfo, i: Pool2DInfo): DataId {
  const xv = s.values(x);
  const dv = s.values(dy);
  const C = i.channels;
  const { id, values: dx } = s.alloc('float32', i.batch * i.inH * i.inW * C);
  let o = 0;
  for (let b = 0; b < i.batch; b++) {
    const img = b * i.inH * i.inW;
    for (let oy = 0; oy < i.outH; oy++) {
      for (let ox = 0; ox < i.outW; ox++, o += C) {
        const [y0, y1, x0, x1] = window(i, oy, ox);
        for (let c = 0; c < C; c++) {
          let best = (img + y0 * i.inW + x0) * C + c;
          let m = xv[best];
          for (let y = y0; y < y1; y++) {
            for (let xx = x0; xx < x1; xx++) {
              const at = (img + y * i.inW + xx) * C + c;
              const v = xv[at];
              // the same update rule as the forward pass, so the winner is the element it returned
              if (v > m || (v !== v && m === m)) {
                m = v;
                best = at;
              }
            }
          }
          dx[best] += dv[o + c];
        }
      }
    }
  }
  return id;
}

/**
 * Mean over the real elements of each window.
 * NOTE: padded positions are not counted (TF's 'same' average), so border windows divide by less than
 * filterH·filterW.
 * @example avgPool(store, x, info)
 */
export function avgPool(s: KernelStore, x: TensorInfo, i: Pool2DInfo): DataId {
  const xv = s.values(x);
  const C = i.channels;
  const { id, values: out } = s.alloc('float32', i.batch * i.outH * i.outW * C);
  let o = 0;
  for (let b = 0; b < i.batch; b++) {
    const img = b * i.inH * i.inW;
    for (let oy = 0; oy < i.outH; oy++) {
      for (let ox = 0; ox < i.outW; ox++, o += C) {
        const [y0, y1, x0, x1] = window(i, oy, ox);
        for (let y = y0; y < y1; y++) {
          for (let xx = x0; xx < x1; xx++) {
            const src = (img + y * i.inW + xx) * C;
            for (let c = 0; c < C; c++) out[o + c] += xv[src + c];
          }
        }
        const count = (y1 - y0) * (x1 - x0);
        for (let c = 0; c < C; c++) out[o + c] /= count;
      }
    }
  }
  return id;
}

/** Each window's dy / count, added to every real element of the window. @example avgPoolGrad(store, dy, info) */
export function avgPoolGrad(s: KernelStore, dy: TensorInfo, i: Pool2DInfo): DataId {
  const dv = s.values(dy);
  const C = i.channels;
  const { id, values: dx } = s.alloc('float32', i.batch * i.inH * i.inW * C);
  let o = 0;
  for (let b = 0; b < i.batch; b++) {
    const img = b * i.inH * i.inW;
    for (let oy = 0; oy < i.outH; oy++) {
      for (let ox = 0; ox < i.outW; ox++, o += C) {
        const [y0, y1, x0, x1] = window(i, oy, ox);
        const count = (y1 - y0) * (x1 - x0);
        for (let y = y0; y < y1; y++) {
          for (let xx = x0; xx < x1; xx++) {
            const dst = (img + y * i.inW + xx) * C;
            for (let c = 0; c < C; c++) dx[dst + c] += dv[o + c] / count;
          }
        }
      }
    }
  }
  return id;
}

/** The pooling kernels of the CPU table. @example CPU_POOL.maxPool(host, [x], { info }) */
export const CPU_POOL = {
  maxPool: (h, [x], a) => maxPool(h.store, x, a.info),
  maxPoolGrad: (h, [dy, x], a) => maxPoolGrad(h.store, dy, x, a.info),
  avgPool: (h, [x], a) => avgPool(h.store, x, a.info),
  avgPoolGrad: (h, [dy], a) => avgPoolGrad(h.store, dy, a.info),
} satisfies SomeHostKernels<CpuHost>;
