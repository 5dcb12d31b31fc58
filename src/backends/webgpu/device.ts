// WebGPU device acquisition: Dawn's `webgpu` package in Node, navigator.gpu in browsers; limits, features, loss.
/// <reference types="@webgpu/types" />
import { BackendError } from '../../core/errors.js';

/** What the backend knows of its adapter and device. */
export interface GpuInfo {
  readonly vendor: string;
  readonly architecture: string;
  readonly description: string;
  /** True for software adapters such as SwiftShader (correct, slow). */
  readonly isFallbackAdapter: boolean;
  /** The device's limits that kernels size themselves by. */
  readonly limits: {
    readonly maxStorageBufferBindingSize: number;
    readonly maxBufferSize: number;
    readonly maxStorageBuffersPerShaderStage: number;
    readonly maxComputeWorkgroupStorageSize: number;
    readonly maxComputeInvocationsPerWorkgroup: number;
    readonly maxComputeWorkgroupSizeX: number;
    readonly maxComputeWorkgroupSizeY: number;
    readonly maxComputeWorkgroupsPerDimension: number;
  };
  /** Optional features enabled on the device (of 'timestamp-query', 'shader-f16', 'subgroups'). */
  readonly features: readonly string[];
}

/** A started device and the objects that must live as long as it does. */
export interface GpuContext {
  readonly device: GPUDevice;
  readonly info: GpuInfo;
  /**
   * NOTE: Dawn's Node binding keeps a raw pointer into the object `create()` returned; if V8 collects it
   * while the device lives, the next event poll reads freed memory (crashes or hangs). Held here, and the
   * backend holds this context for as long as the device lives.
   */
  readonly keepAlive: unknown;
}

/** Limits requested at the adapter's own values when it offers more than the defaults. */
const WANTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
] as const;

const WANTED_FEATURES = ['timestamp-query', 'shader-f16', 'subgroups'] as const;

/** Node's `webgpu` module, loaded on demand (an optional peer dependency). */
interface DawnModule {
  create(options: string[]): GPU;
  globals: object;
}

function isNode(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return Boolean(proc?.versions?.node);
}

/** navigator.gpu in a browser (or any runtime that has it); null elsewhere. */
function browserGpu(): GPU | null {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  return nav?.gpu ?? null;
}

async function nodeGpu(): Promise<{ gpu: GPU; keepAlive: unknown }> {
  // A variable specifier keeps bundlers from pulling the native module into browser builds.
  const specifier = 'webgpu';
  let mod: DawnModule;
  try {
    mod = (await import(/* @vite-ignore */ specifier)) as DawnModule;
  } catch (e) {
    throw new BackendError(
      `webgpu: npm install webgpu to use the GPU in Node (loading it failed: ${e instanceof Error ? e.message : String(e)})`,
    );
  }
  // GPUBufferUsage, GPUMapMode, GPUShaderStage... are globals in browsers; Dawn hands them over.
  Object.assign(globalThis, mod.globals);
  const gpu = mod.create([]);
  return { gpu, keepAlive: gpu };
}

function noAdapterReason(): string {
  const platform = (globalThis as { process?: { platform?: string; env?: Record<string, string> } })
    .process;
  if (platform?.platform === 'linux') {
    const icd = platform.env?.VK_ICD_FILENAMES;
    return icd
      ? `no adapter: no usable Vulkan driver (VK_ICD_FILENAMES=${icd})`
      : 'no adapter: no usable Vulkan driver (without a GPU, install chromium and libvulkan1 and set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json)';
  }
  return 'no adapter: the platform offers no WebGPU adapter (no GPU driver, or WebGPU disabled)';
}

/**
 * Starts a WebGPU device with the adapter's useful limits and optional features.
 * Throws BackendError naming why when no GPU can be had.
 * @example const ctx = await acquireDevice(); ctx.info.architecture // 'swiftshader'
 */
export async function acquireDevice(): Promise<GpuContext> {
  let gpu = browserGpu();
  let keepAlive: unknown = gpu;
  if (!gpu) {
    if (!isNode()) throw new BackendError('webgpu: this runtime has no navigator.gpu');
    ({ gpu, keepAlive } = await nodeGpu());
  }
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new BackendError(`webgpu: ${noAdapterReason()}`);

  const requiredLimits: Record<string, number> = {};
  for (const name of WANTED_LIMITS) requiredLimits[name] = adapter.limits[name];
  // Typed as strings: older @webgpu/types lack 'subgroups'.
  const requiredFeatures = WANTED_FEATURES.filter((f) => adapter.features.has(f)) as string[];
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({
      requiredLimits,
      requiredFeatures: requiredFeatures as GPUFeatureName[],
    });
  } catch (e) {
    throw new BackendError(
      `webgpu: requestDevice failed: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  // Older browsers expose adapter.requestAdapterInfo() instead of adapter.info.
  const ai: Partial<GPUAdapterInfo> = (adapter as { info?: GPUAdapterInfo }).info ?? {};
  const limits = {} as Record<(typeof WANTED_LIMITS)[number], number>;
  for (const name of WANTED_LIMITS) limits[name] = device.limits[name];
  const info: GpuInfo = {
    vendor: ai.vendor ?? '',
    architecture: ai.architecture ?? '',
    description: ai.description ?? '',
    isFallbackAdapter:
      (ai as { isFallbackAdapter?: boolean }).isFallbackAdapter ??
      (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter ??
      false,
    limits,
    features: requiredFeatures,
  };
  return { device, info, keepAlive };
}
