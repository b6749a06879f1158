import { isModuleNotFound, MissingDependencyError } from '@mlinfra/core';

/** Loads a module whose name is only known at run time, so bundlers and tsc leave it alone. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

/** The parts of an `onnxruntime-node` tensor the server reads. */
export interface OrtTensor {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: unknown;
  dispose?(): void;
}

/** One input or output of a session, as `InferenceSession.inputMetadata` describes it. */
export interface OrtValueMetadata {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: string;
  readonly shape?: readonly (number | string)[];
}

/** The parts of an `onnxruntime-node` `InferenceSession` the server drives. */
export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata?: readonly OrtValueMetadata[];
  readonly outputMetadata?: readonly OrtValueMetadata[];
  run(
    feeds: Record<string, OrtTensor>,
    fetches?: readonly string[],
  ): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

/** The parts of the `onnxruntime-node` module the server uses. */
export interface OnnxRuntime {
  InferenceSession: { create(model: Uint8Array, options?: object): Promise<OrtSession> };
  Tensor: new (type: string, data: unknown, dims: readonly number[]) => OrtTensor;
}

/** How to install `onnxruntime-node` without its install script (it downloads GPU binaries). */
export const ONNX_INSTALL_HINT =
  'npm install onnxruntime-node@1.30.0 --ignore-scripts (under pnpm: add `allowBuilds: { onnxruntime-node: false }` to pnpm-workspace.yaml); the CPU binary ships inside the package';

const defaultImporter: ModuleImporter = (specifier) => import(/* @vite-ignore */ specifier);
let cached: Promise<OnnxRuntime> | undefined;

async function load(importer: ModuleImporter): Promise<OnnxRuntime> {
  const specifier = 'onnxruntime-node';
  let module: Partial<OnnxRuntime> & { default?: Partial<OnnxRuntime> };
  try {
    module = (await importer(specifier)) as typeof module;
  } catch (error) {
    if (isModuleNotFound(error, specifier)) {
      throw new MissingDependencyError(
        `Cannot import "onnxruntime-node". Install it to serve ONNX models: ${ONNX_INSTALL_HINT}.`,
        { cause: error },
      );
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new MissingDependencyError(
      `"onnxruntime-node" is installed but failed to load (${reason}); reinstall it: ${ONNX_INSTALL_HINT}.`,
      { cause: error },
    );
  }
  const runtime = module.InferenceSession !== undefined ? module : module.default;
  if (
    typeof runtime?.InferenceSession?.create !== 'function' ||
    typeof runtime.Tensor !== 'function'
  ) {
    throw new MissingDependencyError(
      `The installed "onnxruntime-node" has no InferenceSession.create or Tensor; install a supported version: ${ONNX_INSTALL_HINT}.`,
    );
  }
  return runtime as OnnxRuntime;
}

/**
 * Imports the optional peer `onnxruntime-node` once (later calls share the module).
 * @param importer - replaces `import()`, for tests; a given importer is never cached.
 * @throws MissingDependencyError naming the install command when it is missing or broken.
 */
export function importOnnxRuntime(importer?: ModuleImporter): Promise<OnnxRuntime> {
  if (importer !== undefined) return load(importer);
  cached ??= load(defaultImporter);
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}
