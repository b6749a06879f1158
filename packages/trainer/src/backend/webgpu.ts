import { MlinfraError } from '@mlinfra/core';
import * as tf from '@tensorflow/tfjs';

/** The WebGPU adapter backend `'webgpu'` runs on, as the adapter reports it. */
export interface GpuAdapterInfo {
  /** GPU vendor, e.g. `'nvidia'`, `'amd'`, `'intel'`, `'google'` (SwiftShader); may be empty. */
  vendor: string;
  /** GPU family, e.g. `'hopper'`, `'rdna-3'`, `'swiftshader'`; may be empty. */
  architecture: string;
  /** Device name or id; may be empty. */
  device: string;
  /** Driver's description, e.g. `'NVIDIA H100 80GB HBM3'`, `'SwiftShader driver 5.0.0'`; may be empty. */
  description: string;
  /** True when the adapter says it is a fallback (software, slow) adapter. */
  isFallbackAdapter: boolean;
  /**
   * True for a software rasteriser on the CPU (SwiftShader, llvmpipe/lavapipe, WARP, or any
   * fallback adapter): correct but many times slower than the `cpu` backend, for tests only.
   */
  software: boolean;
}

/** What Dawn's `requestAdapter` gives back, as far as this module reads it. */
interface Adapter {
  info?: Partial<Record<'vendor' | 'architecture' | 'device' | 'description', string>> & {
    isFallbackAdapter?: boolean;
  };
  isFallbackAdapter?: boolean;
  features: { has(name: string): boolean };
  limits: Record<string, number>;
  requestDevice(descriptor: object): Promise<Device>;
}
interface Device {
  destroy(): void;
}
export interface Gpu {
  requestAdapter(options?: {
    powerPreference?: 'high-performance' | 'low-power';
  }): Promise<Adapter | null>;
}
/** The parts of `@tensorflow/tfjs-backend-webgpu` used here. */
export interface TfjsWebGpuModule {
  WebGPUBackend: new (device: Device, adapterInfo: unknown) => tf.KernelBackend;
}

/** The ICD file Debian's `chromium` package ships for SwiftShader, Vulkan on the CPU. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|warp|basic render|microsoft basic/i;

/** True when `info` names a software adapter (never picked by `backend: 'auto'`). */
export function isSoftwareAdapter(info: Omit<GpuAdapterInfo, 'software'>): boolean {
  return (
    info.isFallbackAdapter ||
    SOFTWARE.test(`${info.vendor} ${info.architecture} ${info.device} ${info.description}`)
  );
}

function describe(adapter: Adapter): GpuAdapterInfo {
  const info = adapter.info ?? {};
  const base = {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
  };
  return { ...base, software: isSoftwareAdapter(base) };
}

/** The device and adapter of the live `'webgpu'` tfjs backend, for reuse and for release. */
let current: { device: Device | undefined; adapter: GpuAdapterInfo } | undefined;

/** Limits tfjs's webgpu backend raises to the adapter's maximum (as its own factory does). */
const RAISED_LIMITS = [
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
];

/** Names what to install when no adapter is found, for {@link MlinfraError} messages. */
export const NO_ADAPTER_HELP =
  'backend "webgpu" needs a GPU driver with Vulkan on Linux (the Vulkan loader libvulkan1 plus the vendor driver, e.g. the NVIDIA driver with its Vulkan ICD), Metal on macOS or D3D12 on Windows. ' +
  `On a machine without a GPU, for tests only, Debian's chromium ships the SwiftShader Vulkan driver: apt-get install chromium, then run with VK_ICD_FILENAMES=${SWIFTSHADER_ICD} and LD_LIBRARY_PATH=/usr/lib/chromium. Or pick backend "wasm"`;

/**
 * Registers tfjs's `'webgpu'` backend on the adapter Dawn ranks first for
 * `powerPreference: 'high-performance'` (a discrete GPU before an integrated one, a software
 * adapter last), keeping the device so {@link releaseWebGpu} can destroy it.
 *
 * @param gpu `navigator.gpu` from the `webgpu` package.
 * @param loadModule imports `@tensorflow/tfjs-backend-webgpu` (after an adapter was found).
 * @returns the adapter the backend runs on.
 * @throws MlinfraError `UNSUPPORTED` when no adapter is found, naming the driver to install.
 */
export async function registerWebGpu(
  gpu: Gpu,
  loadModule: () => Promise<TfjsWebGpuModule>,
): Promise<GpuAdapterInfo> {
  if (current !== undefined && tf.findBackend('webgpu') !== null) return current.adapter;
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null || adapter === undefined) {
    throw new MlinfraError(`No WebGPU adapter found: ${NO_ADAPTER_HELP}`, 'UNSUPPORTED');
  }
  const webgpuModule = await loadModule();
  const info = describe(adapter);
  const state: { device: Device | undefined; adapter: GpuAdapterInfo } = {
    device: undefined,
    adapter: info,
  };
  if (tf.findBackendFactory('webgpu') !== null) tf.removeBackend('webgpu');
  tf.registerBackend(
    'webgpu',
    async () => {
      const requiredFeatures = ['timestamp-query'].filter((name) => adapter.features.has(name));
      const requiredLimits: Record<string, number> = {};
      for (const name of RAISED_LIMITS) {
        const limit = adapter.limits[name];
        if (limit !== undefined) requiredLimits[name] = limit;
      }
      const device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
      state.device = device;
      return new webgpuModule.WebGPUBackend(device, adapter.info);
    },
    3,
  );
  current = state;
  return info;
}

/**
 * Disposes tfjs's `'webgpu'` backend (its GPU buffers) and destroys the WebGPU device, so the
 * GPU memory is returned and the process can exit. tfjs falls back to another registered backend
 * if webgpu was active; the next `useBackend('webgpu')` starts a fresh device. No-op when webgpu
 * never started.
 */
export function releaseWebGpu(): void {
  const state = current;
  current = undefined;
  if (tf.findBackendFactory('webgpu') !== null) tf.removeBackend('webgpu');
  state?.device?.destroy();
}
