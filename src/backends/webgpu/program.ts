// Running WGSL programs: pipelines cached by key, uniforms cached by content, dispatches batched per encoder.
/// <reference types="@webgpu/types" />
import type { DType } from '../../core/dtype.js';
import { BackendError } from '../../core/errors.js';
import type { DataId, TensorInfo } from '../backend.js';
import { BufferPool, GpuData } from './buffers.js';
import type { GpuContext, GpuInfo } from './device.js';

/**
 * One compute program and its dispatch.
 *
 * Bindings, all in `@group(0)`: inputs at 0..n-1 as `var<storage, read>`, the output at n as
 * `var<storage, read_write>`, and a `var<uniform>` block at n+1 when `uniforms` is given. Entry point `main`.
 * Element storage: float32 -> `array<f32>`, int32 -> `array<i32>`, bool -> `array<u32>` (0 or 1).
 * Buffers are rounded up to a size class, so `arrayLength()` may exceed the tensor size: pass sizes in
 * uniforms. The output is NOT zeroed unless `zeroOutput` is set: a kernel writes every element.
 * @example
 * const id = host.dispatch({
 *   wgsl: `@group(0) @binding(0) var<storage, read> x: array<f32>;
 * @group(0) @binding(1) var<storage, read_write> y: array<f32>;
 * @group(0) @binding(2) var<uniform> u: vec4<u32>;
 * ${main1D(64)} if (i < u.x) { y[i] = 2.0 * x[i]; } }`,
 *   inputs: [x], output: { dtype: 'float32', size: n },
 *   uniforms: new Uint32Array([n]), dispatch: dispatch1D(n, 64),
 * });
 */
export interface ProgramSpec {
  /** Cache key of the compiled pipeline (the WGSL text itself when omitted). */
  key?: string;
  wgsl: string;
  inputs: readonly TensorInfo[];
  /** size in elements. */
  output: { dtype: DType; size: number };
  /**
   * Further outputs (a fused program's values read outside it: dispatchMany), bound as
   * `var<storage, read_write>` right after `output` (n+1, n+2...); the uniforms then follow them.
   */
  moreOutputs?: readonly { dtype: DType; size: number }[];
  /** Packed as 4-byte words (padded to 16 bytes); i32/u32 via Int32Array/Uint32Array, f32 via Float32Array. */
  uniforms?: Int32Array | Uint32Array | Float32Array;
  /**
   * The uniforms differ on every call (a random draw's counter): their buffer is not cached but
   * destroyed once the work using it is submitted, so a training loop's GPU memory stays flat.
   */
  uniformsChange?: boolean;
  /** Workgroups [x, y, z]; see dispatch1D for counts above 65535. */
  dispatch: readonly [number, number, number];
  /** Clears the output to zeros before the dispatch (for kernels that accumulate or scatter). */
  zeroOutput?: boolean;
}

/**
 * What a kernel file needs of the backend: running programs, freeing temporaries, the device's limits.
 * @example function double(host: GpuProgramHost, x: TensorInfo): DataId { return host.dispatch({ ... }); }
 */
export interface GpuProgramHost {
  dispatch(spec: ProgramSpec): DataId;
  /** As dispatch, for a program with `moreOutputs`: returns `output`'s buffer, then theirs. */
  dispatchMany(spec: ProgramSpec): DataId[];
  free(id: DataId): void;
  readonly gpu: GpuInfo;
}

/** Most workgroups per dispatch dimension that every WebGPU device accepts. */
export const MAX_WORKGROUPS_PER_DIM = 65535;

/**
 * Workgroup counts covering `size` invocations of `workgroupSize` threads: x up to 65535, the rest
 * folded into y. Pair it with main1D in the shader, which rebuilds the flat index and may overshoot
 * `size` (guard with `if (i < n)`).
 * @example dispatch1D(1_000_000, 64) // [15625, 1, 1]
 */
export function dispatch1D(size: number, workgroupSize: number): [number, number, number] {
  const groups = Math.ceil(size / workgroupSize);
  if (groups <= MAX_WORKGROUPS_PER_DIM) return [groups, 1, 1];
  const y = Math.ceil(groups / MAX_WORKGROUPS_PER_DIM);
  return [Math.ceil(groups / y), y, 1];
}

/**
 * The opening of a 1-D `main` matching dispatch1D: declares `i: u32`, the flat invocation index.
 * The caller writes the body and the closing brace.
 * @example `${main1D(64)} if (i < u.n) { y[i] = x[i]; } }`
 */
export function main1D(workgroupSize: number): string {
  return `@compute @workgroup_size(${workgroupSize})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * ${workgroupSize}u;`;
}

/**
 * The WGSL element type a dtype is stored as.
 * @example wgslType('bool') // 'u32'
 */
export function wgslType(dtype: DType): 'f32' | 'i32' | 'u32' {
  if (dtype === 'float32') return 'f32';
  return dtype === 'int32' ? 'i32' : 'u32';
}

/**
 * Declares the uniform block at `binding` as `words` 4-byte words, read with `ui(k)` (i32), `uu(k)`
 * (u32) and `uf(k)` (f32 bits). Uniform arrays need a 16-byte stride, hence vec4 rows.
 * @example `${uniformDecl(2, 3)} ... let n = uu(0u);`
 */
export function uniformDecl(binding: number, words: number): string {
  const rows = Math.max(1, Math.ceil(words / 4));
  return `struct Uniforms { w: array<vec4<i32>, ${rows}> }
@group(0) @binding(${binding}) var<uniform> uni: Uniforms;
fn ui(k: u32) -> i32 { return uni.w[k / 4u][k % 4u]; }
fn uu(k: u32) -> u32 { return u32(uni.w[k / 4u][k % 4u]); }
fn uf(k: u32) -> f32 { return bitcast<f32>(uni.w[k / 4u][k % 4u]); }
`;
}

/**
 * Packs integers and floats (given as {f: value}) into uniform words.
 * @example packUniforms([n, { f: 0.5 }])
 */
export function packUniforms(values: readonly (number | { f: number })[]): Int32Array {
  const out = new Int32Array(values.length);
  const f32 = new Float32Array(out.buffer);
  values.forEach((v, i) => {
    if (typeof v === 'number') out[i] = v;
    else f32[i] = v.f;
  });
  return out;
}

/** Dispatches recorded before the encoder is submitted. */
const BATCH = 64;
/** Distinct uniform blocks kept; past it the cache is emptied (after a submit). */
const UNIFORM_CACHE = 2048;

interface Pipeline {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

/**
 * The program runner behind the backend: owns the device's buffers, pipelines and command batching.
 * @example const programs = new Programs(await acquireDevice()); programs.run(spec);
 */
export class Programs {
  readonly device: GPUDevice;
  readonly storage: BufferPool;
  readonly staging: BufferPool;
  private readonly pipelines = new Map<string, Pipeline>();
  private readonly layouts = new Map<string, GPUBindGroupLayout>();
  private readonly uniforms = new Map<string, GPUBuffer>();
  uniformBytes = 0;
  /** Uniform buffers of the open encoder that no later dispatch shares: destroyed after its submit. */
  private oneShot: GPUBuffer[] = [];
  private encoder: GPUCommandEncoder | null = null;
  private pending = 0;
  /** Buffers freed while the open encoder may still use them: pooled only after it is submitted. */
  private quarantine: GPUBuffer[] = [];
  /** Bytes of live tensors. */
  liveBytes = 0;
  /** Validation or out-of-memory errors the device reported (first few); thrown at the next read. */
  private errors: string[] = [];
  /** Why the device is gone, once it is. */
  private lostReason: string | null = null;
  /** Dispatches and submits so far (for tests and tuning). */
  stats = { dispatches: 0, submits: 0, pipelines: 0 };

  constructor(readonly context: GpuContext) {
    const device = context.device;
    this.device = device;
    this.storage = new BufferPool(
      device,
      GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      'tensor',
    );
    this.staging = new BufferPool(
      device,
      GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      'read',
    );
    device.onuncapturederror = (ev) => {
      this.report(ev.error.message);
    };
    void device.lost.then((info) => {
      this.lostReason ??= `the GPU device was lost (${info.reason}: ${info.message})`;
    });
  }

  /** Throws when the device can no longer run work. */
  check(): void {
    if (this.lostReason) throw new BackendError(`webgpu: ${this.lostReason}`);
  }

  /** Marks the runner disposed: every later call throws. */
  markDisposed(): void {
    this.lostReason = 'the backend was disposed';
  }

  /** A new tensor buffer of `size` elements (contents undefined). */
  alloc(dtype: DType, size: number): GpuData {
    this.check();
    const data = new GpuData(this.storage.acquire(size * 4), dtype, size);
    this.liveBytes += data.byteLength;
    return data;
  }

  /** The live buffer behind a handle, or a clear error. */
  data(id: DataId, what = 'input'): GpuData {
    if (!(id instanceof GpuData))
      throw new BackendError(
        `webgpu: ${what} is not a webgpu buffer (it belongs to another backend)`,
      );
    if (id.freed) throw new BackendError(`webgpu: ${what} buffer was already freed`);
    return id;
  }

  free(id: DataId): void {
    if (!(id instanceof GpuData) || id.freed) return;
    id.freed = true;
    this.liveBytes -= id.byteLength;
    if (this.encoder) this.quarantine.push(id.buffer);
    else this.storage.release(id.buffer);
  }

  /** Copies values into a new buffer. */
  write(values: Float32Array | Int32Array | Uint32Array, dtype: DType): GpuData {
    const data = this.alloc(dtype, values.length);
    // Safe for a pooled buffer: every buffer in the pool was last used by work already submitted, and
    // writeBuffer runs after submitted work (buffers freed under an open encoder wait in quarantine).
    if (values.length)
      this.device.queue.writeBuffer(
        data.buffer,
        0,
        values.buffer,
        values.byteOffset,
        values.byteLength,
      );
    return data;
  }

  /** Records one program; returns its output buffer. */
  run(spec: ProgramSpec): GpuData {
    return this.runMany(spec)[0];
  }

  /** Records one program; returns its output buffer, then those of `moreOutputs`. */
  runMany(spec: ProgramSpec): GpuData[] {
    this.check();
    const inputs = spec.inputs.map((t, i) => this.data(t.dataId, `input ${i}`));
    const outs = [spec.output, ...(spec.moreOutputs ?? [])].map((o) => this.alloc(o.dtype, o.size));
    const [x, y, z] = spec.dispatch;
    if (spec.output.size === 0 || x * y * z === 0) return outs;
    const hasUniforms = spec.uniforms !== undefined;
    const { pipeline, layout } = this.pipeline(
      spec.key ?? spec.wgsl,
      spec.wgsl,
      inputs.length,
      hasUniforms,
      outs.length,
    );
    const entries: GPUBindGroupEntry[] = inputs.map((d, i) => ({
      binding: i,
      resource: { buffer: d.buffer },
    }));
    outs.forEach((o, k) =>
      entries.push({ binding: inputs.length + k, resource: { buffer: o.buffer } }),
    );
    if (spec.uniforms)
      entries.push({
        binding: inputs.length + outs.length,
        resource: { buffer: this.uniform(spec.uniforms, spec.uniformsChange === true) },
      });
    const bindGroup = this.device.createBindGroup({ layout, entries });
    const encoder = (this.encoder ??= this.device.createCommandEncoder());
    if (spec.zeroOutput) for (const o of outs) encoder.clearBuffer(o.buffer);
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    pass.end();
    this.stats.dispatches++;
    if (++this.pending >= BATCH) this.flush();
    return outs;
  }

  /** Submits the recorded work; freed buffers then return to the pool. */
  flush(): void {
    if (!this.encoder) return;
    this.device.queue.submit([this.encoder.finish()]);
    this.stats.submits++;
    this.encoder = null;
    this.pending = 0;
    for (const b of this.quarantine) this.storage.release(b);
    this.quarantine = [];
    // destroying a buffer that submitted work uses is allowed: it goes once that work is done
    for (const b of this.oneShot) b.destroy();
    this.uniformBytes -= this.oneShot.reduce((sum, b) => sum + b.size, 0);
    this.oneShot = [];
  }

  /** Copies a buffer back to the CPU: submits pending work, maps a staging buffer, copies out. */
  async read(data: GpuData): Promise<ArrayBuffer> {
    this.check();
    const bytes = data.byteLength;
    if (bytes === 0) {
      this.flush();
      return new ArrayBuffer(0);
    }
    const staging = this.staging.acquire(bytes);
    const encoder = (this.encoder ??= this.device.createCommandEncoder());
    encoder.copyBufferToBuffer(data.buffer, 0, staging, 0, bytes);
    this.flush();
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, bytes);
    } catch (e) {
      this.check();
      if (this.compiling.size) await Promise.all(this.compiling);
      throw new BackendError(
        `webgpu: reading a buffer failed: ${e instanceof Error ? e.message : String(e)}${this.errors.length ? ` (device error: ${this.errors[0]})` : ''}`,
      );
    }
    const copy = staging.getMappedRange(0, bytes).slice(0);
    staging.unmap();
    // Only now, mapped and unmapped, may the staging buffer serve another read.
    this.staging.release(staging);
    if (this.compiling.size) await Promise.all(this.compiling);
    this.throwDeviceError();
    return copy;
  }

  /** Compile checks still in flight; a read waits for them so that their errors come out first. */
  private readonly compiling = new Set<Promise<void>>();

  private report(message: string, first = false): void {
    if (first) this.errors.unshift(message);
    else if (this.errors.length < 4) this.errors.push(message);
  }

  /** Throws (once) the errors the device reported asynchronously. */
  throwDeviceError(): void {
    if (this.errors.length) {
      const all = this.errors.slice(0, 4).join('\n');
      this.errors = [];
      throw new BackendError(`webgpu: the device reported an error: ${all}`);
    }
  }

  /** GPU memory in bytes: every buffer allocated (tensors, pools, uniforms) and the pooled part. */
  memory(): { gpuBytes: number; pooledBytes: number } {
    return {
      gpuBytes: this.storage.allocatedBytes + this.staging.allocatedBytes + this.uniformBytes,
      pooledBytes: this.storage.pooledBytes + this.staging.pooledBytes,
    };
  }

  /** Frees everything the runner holds (the device itself is destroyed by the backend). */
  dispose(): void {
    this.flush();
    this.storage.trim();
    this.staging.trim();
    for (const b of this.uniforms.values()) b.destroy();
    this.uniforms.clear();
    this.uniformBytes = 0;
  }

  private layout(inputs: number, hasUniforms: boolean, outputs: number): GPUBindGroupLayout {
    const key = `${inputs}:${hasUniforms}:${outputs}`;
    let layout = this.layouts.get(key);
    if (!layout) {
      const entries: GPUBindGroupLayoutEntry[] = [];
      for (let i = 0; i < inputs; i++)
        entries.push({
          binding: i,
          visibility: GPUShaderStage.COMPUTE,
          buffer: { type: 'read-only-storage' },
        });
      for (let k = 0; k < outputs; k++)
        entries.push({
          binding: inputs + k,
          visibility: GPUShaderStage.COMPUTE,
          buffer: { type: 'storage' },
        });
      if (hasUniforms)
        entries.push({
          binding: inputs + outputs,
          visibility: GPUShaderStage.COMPUTE,
          buffer: { type: 'uniform' },
        });
      layout = this.device.createBindGroupLayout({ entries });
      this.layouts.set(key, layout);
    }
    return layout;
  }

  private pipeline(
    key: string,
    wgsl: string,
    inputs: number,
    hasUniforms: boolean,
    outputs: number,
  ): Pipeline {
    const cacheKey = `${inputs}:${hasUniforms}:${outputs}:${key}`;
    let p = this.pipelines.get(cacheKey);
    if (p) return p;
    const layout = this.layout(inputs, hasUniforms, outputs);
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ code: wgsl, label: key.slice(0, 80) });
    const pipeline = this.device.createComputePipeline({
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: 'main' },
    });
    const popped = this.device.popErrorScope().then((err) => {
      this.compiling.delete(popped);
      // Compile errors explain the "invalid pipeline" errors that follow, so they go first.
      if (err) this.report(`compiling program '${key.slice(0, 80)}': ${err.message}`, true);
    });
    this.compiling.add(popped);
    p = { pipeline, layout };
    this.pipelines.set(cacheKey, p);
    this.stats.pipelines++;
    return p;
  }

  /**
   * A uniform buffer holding these words, shared by every dispatch that passes the same content, or
   * (`oneShot`) one for this dispatch alone, destroyed after the submit.
   */
  private uniform(words: Int32Array | Uint32Array | Float32Array, oneShot: boolean): GPUBuffer {
    const bits = new Uint32Array(words.buffer, words.byteOffset, words.length);
    const key = oneShot ? '' : bits.join(',');
    let buffer = oneShot ? undefined : this.uniforms.get(key);
    if (buffer) return buffer;
    if (!oneShot && this.uniforms.size >= UNIFORM_CACHE) {
      // Destroying a buffer that unsubmitted work uses is an error at submit: submit first.
      this.flush();
      for (const b of this.uniforms.values()) b.destroy();
      this.uniforms.clear();
      this.uniformBytes = 0;
    }
    const size = Math.max(16, Math.ceil(words.length / 4) * 16);
    buffer = this.device.createBuffer({
      size,
      usage: GPUBufferUsage.UNIFORM,
      mappedAtCreation: true,
    });
    new Uint32Array(buffer.getMappedRange()).set(bits);
    buffer.unmap();
    this.uniformBytes += size;
    if (oneShot) this.oneShot.push(buffer);
    else this.uniforms.set(key, buffer);
    return buffer;
  }
}
