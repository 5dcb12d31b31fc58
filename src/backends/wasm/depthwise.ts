// wasm depthwise conv2d and its gradients for channel multiplier 1, NHWC, f32x4 over channels.
import type { Conv2DInfo, DataId, TensorInfo } from '../backend.js';
import { F32, V128 } from './asm.js';
import {
  channelLoop,
  Fn,
  forLoop,
  instantiate,
  type Lanes,
  loadRecord,
  nextPixel,
  splitPixel,
  writeRecord,
} from './emit.js';
import type { Block } from './heap.js';
import type { WasmStore } from './store.js';

/** Fields of the geometry record, in record order (channels in and out are equal: multiplier 1). */
const FIELDS = [
  'inH',
  'inW',
  'cBytes',
  'outH',
  'outW',
  'filterH',
  'filterW',
  'strideH',
  'strideW',
  'dilationH',
  'dilationW',
  'padTop',
  'padLeft',
] as const;

type Kind = 'forward' | 'backpropInput' | 'backpropFilter';

/**
 * One depthwise kernel over output pixels [p0, p1), params (geometry, a, b, out, p0, p1):
 * forward: a = x, b = filter, out[p] = Σ taps x · filter;
 * backpropInput: a = dy, b = filter, dx[tap pixel] += dy[p] · filter[tap];
 * backpropFilter: a = x, b = dy, dfilter[tap] += x[tap pixel] · dy[p].
 * Threads: the forward splits by pixels; backpropInput by whole images (windows overlap); backpropFilter
 * by pixels into per-thread partial filters summed afterwards.
 */
function depthwiseKernel(kind: Kind): Fn {
  const f = new Fn(`depthwise_${kind}`, 6);
  const c = f.code;
  const [a, b, out, p0, p1] = [1, 2, 3, 4, 5];
  const g = loadRecord(f, 0, FIELDS);
  const at = { b: f.local(), oy: f.local(), ox: f.local() };
  const [p, yBase, xBase, img, fy, y, fx, xx, cb, rowBytes, imgBytes, pix, tap, addr] = Array.from(
    { length: 14 },
    () => f.local(),
  );
  const accV = f.local(V128);
  const accS = f.local(F32);
  const acc = (l: Lanes): number => (l.width === 4 ? accV : accS);
  const get = (l: number) => () => void c.localGet(l);
  c.localGet(g.inW).localGet(g.cBytes).i32Mul().localSet(rowBytes);
  c.localGet(g.inH).localGet(rowBytes).i32Mul().localSet(imgBytes);
  splitPixel(f, at, p0, g.outH, g.outW);
  /** Visits the in-image taps of the pixel: `pix` (input pixel) and `tap` (filter tap) byte offsets. */
  const taps = (body: () => void): void => {
    forLoop(
      f,
      fy,
      () => c.i32Const(0),
      get(g.filterH),
      () => {
        c.localGet(yBase).localGet(fy).localGet(g.dilationH).i32Mul().i32Add().localTee(y);
        c.localGet(g.inH).i32LtU().if();
        forLoop(
          f,
          fx,
          () => c.i32Const(0),
          get(g.filterW),
          () => {
            c.localGet(xBase).localGet(fx).localGet(g.dilationW).i32Mul().i32Add().localTee(xx);
            c.localGet(g.inW).i32LtU().if();
            c.localGet(img).localGet(y).localGet(rowBytes).i32Mul().i32Add();
            c.localGet(xx).localGet(g.cBytes).i32Mul().i32Add().localGet(cb).i32Add().localSet(pix);
            c.localGet(fy).localGet(g.filterW).i32Mul().localGet(fx).i32Add();
            c.localGet(g.cBytes).i32Mul().localGet(cb).i32Add().localSet(tap);
            body();
            c.end();
          },
        );
        c.end();
      },
    );
  };
  forLoop(f, p, get(p0), get(p1), () => {
    c.localGet(at.oy).localGet(g.strideH).i32Mul().localGet(g.padTop).i32Sub().localSet(yBase);
    c.localGet(at.ox).localGet(g.strideW).i32Mul().localGet(g.padLeft).i32Sub().localSet(xBase);
    c.localGet(at.b).localGet(imgBytes).i32Mul().localSet(img);
    channelLoop(f, cb, g.cBytes, (l) => {
      const m = acc(l);
      // the output pixel's channel offset
      const outAt = (): void =>
        void c.localGet(p).localGet(g.cBytes).i32Mul().localGet(cb).i32Add();
      if (kind === 'forward') {
        l.zero();
        c.localSet(m);
        taps(() => {
          c.localGet(m).localGet(a).localGet(pix).i32Add();
          l.load();
          c.localGet(b).localGet(tap).i32Add();
          l.load();
          l.mul();
          l.add();
          c.localSet(m);
        });
        c.localGet(out);
        outAt();
        c.i32Add().localGet(m);
        l.store();
        return;
      }
      // both gradients read dy at the output pixel once
      c.localGet(kind === 'backpropInput' ? a : b);
      outAt();
      c.i32Add();
      l.load();
      c.localSet(m);
      taps(() => {
        const target = kind === 'backpropInput' ? pix : tap;
        const other =
          kind === 'backpropInput'
            ? () => c.localGet(b).localGet(tap)
            : () => c.localGet(a).localGet(pix);
        c.localGet(out).localGet(target).i32Add().localTee(addr).localGet(addr);
        l.load();
        other();
        c.i32Add();
        l.load();
        c.localGet(m);
        l.mul();
        l.add();
        l.store();
      });
    });
    nextPixel(f, at, g.outH, g.outW);
  });
  return f;
}

/** (geometry, a, b, out, p0, p1), byte offsets. */
type DepthwiseFn = (geo: number, a: number, b: number, out: number, p0: number, p1: number) => void;

/**
 * Depthwise conv2d and its gradients in wasm for channel multiplier 1; other multipliers return null
 * (the reference kernels run them).
 * @example const dw = await WasmDepthwise.compile(store); dw.forward(x, filter, info);
 */
export class WasmDepthwise {
  private readonly geometry: Block;

  private constructor(
    private readonly store: WasmStore,
    private readonly fns: Record<Kind, DepthwiseFn>,
  ) {
    this.geometry = store.heap.alloc(FIELDS.length * 4);
  }

  static async compile(store: WasmStore): Promise<WasmDepthwise> {
    const kinds: Kind[] = ['forward', 'backpropInput', 'backpropFilter'];
    const ex = await instantiate(
      store.heap,
      kinds.map((k) => depthwiseKernel(k).def()),
    );
    const fns = {} as Record<Kind, DepthwiseFn>;
    for (const k of kinds) {
      const fn = ex.get(`depthwise_${k}`);
      if (!fn) throw new Error(`wasm: export depthwise_${k} missing`);
      fns[k] = (geo, a, b, out, p0, p1) => {
        fn(geo, a, b, out, p0, p1);
      };
    }
    return new WasmDepthwise(store, fns);
  }

  private launch(kind: Kind, i: Conv2DInfo, a: TensorInfo, b: TensorInfo, out: DataId): void {
    const s = this.store;
    writeRecord(s, this.geometry, FIELDS, { ...i, cBytes: i.inC * 4 });
    const pixels = i.batch * i.outH * i.outW;
    const [aAt, bAt] = [s.offsetOf(a.dataId), s.offsetOf(b.dataId)];
    this.fns[kind](this.geometry.offset, aAt, bAt, s.offsetOf(out), 0, pixels);
  }

  /** out[b, oy, ox, c] = Σ taps x · filter[fy, fx, c]; null unless multiplier 1. */
  forward(x: TensorInfo, filter: TensorInfo, i: Conv2DInfo): DataId | null {
    if (i.channelMultiplier !== 1) return null;
    const id = this.store.allocRaw('float32', i.batch * i.outH * i.outW * i.inC);
    this.launch('forward', i, x, filter, id);
    return id;
  }

  /** dx[tap pixel] += dy · filter[tap]; null unless multiplier 1. */
  backpropInput(dy: TensorInfo, filter: TensorInfo, i: Conv2DInfo): DataId | null {
    if (i.channelMultiplier !== 1) return null;
    const { id } = this.store.alloc('float32', i.batch * i.inH * i.inW * i.inC);
    this.launch('backpropInput', i, dy, filter, id);
    return id;
  }

  /** dfilter[tap] += x[tap pixel] · dy; null unless multiplier 1. */
  backpropFilter(x: TensorInfo, dy: TensorInfo, i: Conv2DInfo): DataId | null {
    if (i.channelMultiplier !== 1) return null;
    const { id } = this.store.alloc('float32', i.filterH * i.filterW * i.inC);
    this.launch('backpropFilter', i, x, dy, id);
    return id;
  }
}
