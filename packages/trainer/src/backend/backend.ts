import {
  isModuleNotFound,
  MissingDependencyError,
  MlinfraError,
  ValidationError,
} from '@mlinfra/core';
import * as tf from '@tensorflow/tfjs';
import {
  type Gpu,
  type GpuAdapterInfo,
  NO_ADAPTER_HELP,
  registerWebGpu,
  releaseWebGpu,
  type TfjsWebGpuModule,
} from './webgpu.js';

/**
 * Where tensors run.
 * - `'auto'`: the fastest that loads, in the order tensorflow-gpu, tensorflow, wasm, cpu. webgpu is
 *   not in the order: it has been measured only on a software adapter (SwiftShader, many times
 *   slower than cpu), and `auto` never picks a software adapter.
 * - `'tensorflow-gpu'`: libtensorflow with CUDA, from the optional peer `@tensorflow/tfjs-node-gpu`
 *   (needs CUDA 11.2 and cuDNN 8.1).
 * - `'tensorflow'`: libtensorflow on the CPU, from the optional peer `@tensorflow/tfjs-node`.
 * - `'webgpu'`: the GPU through WebGPU (Dawn over Vulkan on Linux, Metal on macOS, D3D12 on Windows),
 *   from the optional peers `webgpu` and `@tensorflow/tfjs-backend-webgpu`; the adapter is the one
 *   Dawn ranks first for high performance (a discrete GPU before an integrated one), reported in
 *   {@link BackendInfo.adapter}. {@link releaseBackend} destroys its device.
 * - `'wasm'`: WebAssembly with SIMD; always installed, the default where nothing native is.
 * - `'cpu'`: plain JavaScript; slowest, but bit-for-bit deterministic (exact resume is promised here).
 */
export type BackendName = 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

/** A concrete backend (not `'auto'`). */
export type ConcreteBackendName = Exclude<BackendName, 'auto'>;

/** Every accepted backend name. */
export const BACKEND_NAMES: readonly BackendName[] = [
  'auto',
  'tensorflow-gpu',
  'tensorflow',
  'webgpu',
  'wasm',
  'cpu',
];

/** The order `'auto'` tries. */
export const AUTO_BACKEND_ORDER: readonly ConcreteBackendName[] = [
  'tensorflow-gpu',
  'tensorflow',
  'wasm',
  'cpu',
];

/** What {@link useBackend} did. */
export interface BackendInfo {
  /** The name asked for. */
  requested: BackendName;
  /** The backend that now runs. */
  name: ConcreteBackendName;
  /** tfjs's own name for it (`'tensorflow'`, `'wasm'`, `'cpu'`, `'webgpu'`). */
  tfjsBackend: string;
  /** Backends tried before this one (only for `'auto'`), with why each failed. */
  skipped: Array<{ name: ConcreteBackendName; reason: string }>;
  /** The GPU adapter, for `'webgpu'` only (vendor, architecture, description, software or not). */
  adapter?: GpuAdapterInfo;
}

interface BackendSpec {
  tfjsName: string;
  /** Packages imported, in order, before setBackend. */
  packages: string[];
  note: string;
}

const SPECS: Record<ConcreteBackendName, BackendSpec> = {
  'tensorflow-gpu': {
    tfjsName: 'tensorflow',
    packages: ['@tensorflow/tfjs-node-gpu'],
    note: ' (npm install @tensorflow/tfjs-node-gpu@4.22.0; it needs Linux x64 with an NVIDIA GPU, CUDA 11.2 and cuDNN 8.1, and downloads libtensorflow when installed)',
  },
  tensorflow: {
    tfjsName: 'tensorflow',
    packages: ['@tensorflow/tfjs-node'],
    note: ' (npm install @tensorflow/tfjs-node@4.22.0; it downloads libtensorflow 2.9.1 when installed)',
  },
  webgpu: {
    tfjsName: 'webgpu',
    packages: ['webgpu', '@tensorflow/tfjs-backend-webgpu'],
    note: ' (npm install webgpu @tensorflow/tfjs-backend-webgpu; it needs a GPU with Vulkan, Metal or D3D12 drivers)',
  },
  wasm: { tfjsName: 'wasm', packages: ['@tensorflow/tfjs-backend-wasm'], note: '' },
  cpu: { tfjsName: 'cpu', packages: [], note: '' },
};

/** Loads a module whose name is only known at run time, so bundlers and tsc leave it alone. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

const defaultImporter: ModuleImporter = (specifier) => import(/* @vite-ignore */ specifier);

async function importFor(
  name: ConcreteBackendName,
  specifier: string,
  importer: ModuleImporter,
): Promise<unknown> {
  const spec = SPECS[name];
  try {
    return await importer(specifier);
  } catch (error) {
    if (isModuleNotFound(error, specifier)) {
      throw new MissingDependencyError(
        `Cannot import "${specifier}". Install it to use backend: "${name}".${spec.note}`,
        { cause: error },
      );
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new MissingDependencyError(
      `"${specifier}" is installed but failed to load (${reason}), so backend "${name}" cannot run; reinstall it and check its system requirements${spec.note}, or pick backend "wasm"`,
      { cause: error },
    );
  }
}

async function setUpWebGpu(importer: ModuleImporter): Promise<GpuAdapterInfo> {
  const dawn = (await importFor('webgpu', 'webgpu', importer)) as {
    create?: (flags: string[]) => unknown;
    globals?: Record<string, unknown>;
  };
  if (typeof dawn.create !== 'function') {
    throw new MissingDependencyError(
      'The "webgpu" package has no create() export; install webgpu@0.6.2 to use backend: "webgpu"',
    );
  }
  const global = globalThis as { navigator?: { gpu?: unknown } };
  if (global.navigator?.gpu === undefined) {
    // Node has no navigator; tfjs-backend-webgpu registers only when navigator.gpu exists at import.
    if (dawn.globals !== undefined) Object.assign(globalThis, dawn.globals);
    const gpu = dawn.create([]);
    if (global.navigator === undefined) {
      Object.defineProperty(globalThis, 'navigator', {
        value: { gpu },
        configurable: true,
        writable: true,
      });
    } else {
      Object.defineProperty(global.navigator, 'gpu', { value: gpu, configurable: true });
    }
  }
  const gpu = global.navigator?.gpu as Gpu | undefined;
  if (gpu === undefined || typeof gpu.requestAdapter !== 'function') {
    throw new MlinfraError(`No WebGPU adapter found: ${NO_ADAPTER_HELP}`, 'UNSUPPORTED');
  }
  return registerWebGpu(gpu, async () => {
    const webgpuModule = (await importFor(
      'webgpu',
      '@tensorflow/tfjs-backend-webgpu',
      importer,
    )) as Partial<TfjsWebGpuModule>;
    if (typeof webgpuModule.WebGPUBackend !== 'function') {
      throw new MissingDependencyError(
        'The installed "@tensorflow/tfjs-backend-webgpu" has no WebGPUBackend export; install @tensorflow/tfjs-backend-webgpu@4.22.0 to use backend: "webgpu"',
      );
    }
    return webgpuModule as TfjsWebGpuModule;
  });
}

async function activate(
  name: ConcreteBackendName,
  importer: ModuleImporter,
): Promise<Pick<BackendInfo, 'tfjsBackend' | 'adapter'>> {
  const spec = SPECS[name];
  let adapter: GpuAdapterInfo | undefined;
  if (name === 'webgpu') {
    adapter = await setUpWebGpu(importer);
  } else {
    for (const specifier of spec.packages) await importFor(name, specifier, importer);
  }
  let ok = false;
  try {
    ok = await tf.setBackend(spec.tfjsName);
    await tf.ready();
  } catch (error) {
    throw new MlinfraError(
      `Backend "${name}" failed to start (${error instanceof Error ? error.message : String(error)}); pick another backend such as "wasm"`,
      'UNSUPPORTED',
      { cause: error },
    );
  }
  if (!ok || tf.getBackend() !== spec.tfjsName) {
    throw new MlinfraError(
      `Backend "${name}" did not initialise (tfjs reports "${tf.getBackend()}"); pick another backend such as "wasm"`,
      'UNSUPPORTED',
    );
  }
  if (name === 'cpu') {
    // The cpu backend prints a long "install tfjs-node" banner on first use; the caller chose it.
    (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  }
  return adapter === undefined
    ? { tfjsBackend: spec.tfjsName }
    : { tfjsBackend: spec.tfjsName, adapter };
}

/**
 * Makes `name` tfjs's active backend, importing optional peers on demand.
 *
 * @param name default `'auto'`.
 * @param importer how modules are imported; replace only to load peers from a custom location.
 * @throws MissingDependencyError when a backend's package is not installed: the message names the
 * install command (and, for tensorflow-gpu, the CUDA 11.2 / cuDNN 8.1 requirement), `cause` holds the import error.
 * @throws MlinfraError `UNSUPPORTED` when the package loads but the backend cannot start (e.g. no
 * WebGPU adapter: the message names the Vulkan driver to install, or SwiftShader for a machine without a GPU).
 */
export async function useBackend(
  name: BackendName = 'auto',
  importer: ModuleImporter = defaultImporter,
): Promise<BackendInfo> {
  if (!BACKEND_NAMES.includes(name)) {
    throw new ValidationError(
      `Unknown backend "${String(name)}"; use one of ${BACKEND_NAMES.join(', ')}`,
    );
  }
  if (name !== 'auto') {
    return { requested: name, name, ...(await activate(name, importer)), skipped: [] };
  }
  const skipped: BackendInfo['skipped'] = [];
  for (const candidate of AUTO_BACKEND_ORDER) {
    try {
      return {
        requested: 'auto',
        name: candidate,
        ...(await activate(candidate, importer)),
        skipped,
      };
    } catch (error) {
      skipped.push({
        name: candidate,
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  }
  throw new MlinfraError(
    `No backend could start: ${skipped.map((entry) => `${entry.name}: ${entry.reason}`).join('; ')}`,
    'UNSUPPORTED',
  );
}

/** The concrete backend name matching tfjs's active backend (tensorflow counts as `'tensorflow'`). */
export function currentBackend(): ConcreteBackendName {
  const active = tf.getBackend();
  if (active === 'wasm' || active === 'cpu' || active === 'webgpu' || active === 'tensorflow')
    return active;
  return 'cpu';
}

/**
 * Frees what the active GPU backend holds: for `'webgpu'`, disposes tfjs's webgpu backend (every
 * tensor on it) and destroys the WebGPU device, returning its memory. Call it when done training or
 * serving on webgpu; models built on it must be rebuilt after. No-op for the other backends.
 */
export function releaseBackend(): void {
  releaseWebGpu();
}
