import { isStore, MlinfraError, type Store } from '@mlinfra/core';
import { type ArtifactLocation, createArtifactLocator } from './artifact-location.js';
import type { ModelSource, ResolvedModel } from './model-source.js';
import { onnxLoader } from './onnx/onnx-loader.js';
import type { OnnxOptions } from './onnx/onnx-options.js';
import type { ServablePredictor } from './tensor-predictor.js';
import { tfjsLoader } from './tfjs-loader.js';

/** Loads a resolved model version's artifact into a `Predictor` or a `TensorPredictor`. */
export type ModelLoader = (resolved: ResolvedModel) => Promise<ServablePredictor>;

/** The artifact format of a resolved version when the source names none. */
export const DEFAULT_FORMAT = 'tfjs';

/** What a built-in loader gets from the service's options. */
export interface LoaderContext {
  /** Finds an artifact's store and id (see `createArtifactLocator`). */
  locate(artifact: string): ArtifactLocation;
  /** The `backend` option (tfjs backend name), when given. */
  backend: string | undefined;
  /** The `onnx` option (onnxruntime session options), when given. */
  onnx?: OnnxOptions | undefined;
}

/** Builds a built-in loader for one format. */
export type LoaderFactory = (context: LoaderContext) => ModelLoader;

/**
 * The loaders that ship with serving, by artifact format. A format's loader imports its runtime
 * (an optional peer dependency) only when a version of that format is first loaded.
 */
export const BUILT_IN_LOADERS: Readonly<Record<string, LoaderFactory>> = {
  tfjs: (context) => tfjsLoader(context),
  onnx: (context) => onnxLoader(context.locate, context.onnx),
};

/** The loading settings of the service's options. */
export interface LoaderOptions {
  loader?: ModelLoader | undefined;
  loaders?: Readonly<Record<string, ModelLoader>> | undefined;
  store?: Store | string | undefined;
  backend?: string | undefined;
  onnx?: OnnxOptions | undefined;
  source?: ModelSource | undefined;
}

/**
 * The service's one loading seam: `loader` when given, else the loader of the artifact's format
 * (`resolved.format`, default `'tfjs'`) from `loaders`, else the built-in one.
 * @throws MlinfraError (`UNSUPPORTED`) at load time for a format no loader handles.
 */
export function createModelLoader(options: LoaderOptions): ModelLoader {
  if (options.loader !== undefined) return options.loader;
  const given = options.loaders ?? {};
  // A registry carries its store; artifacts it names live there unless `store` says otherwise.
  const sourceStore = isStore(options.source?.store) ? options.source.store : undefined;
  const context: LoaderContext = {
    locate: createArtifactLocator(options.store ?? sourceStore),
    backend: options.backend,
    onnx: options.onnx,
  };
  const built = new Map<string, ModelLoader>();
  return (resolved) => {
    const format = resolved.format ?? DEFAULT_FORMAT;
    let load = Object.hasOwn(given, format) ? given[format] : built.get(format);
    if (load === undefined && Object.hasOwn(BUILT_IN_LOADERS, format)) {
      load = BUILT_IN_LOADERS[format]!(context);
      built.set(format, load);
    }
    if (load === undefined) {
      const known = [...new Set([...Object.keys(BUILT_IN_LOADERS), ...Object.keys(given)])];
      return Promise.reject(
        new MlinfraError(
          `Model "${resolved.name}" version ${resolved.version} has artifact format "${format}", which no loader handles (known: ${known.join(', ')}); pass loaders: { ${JSON.stringify(format)}: (resolved) => predictor }.`,
          'UNSUPPORTED',
        ),
      );
    }
    return load(resolved);
  };
}
