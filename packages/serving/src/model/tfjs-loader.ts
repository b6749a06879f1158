import { MissingDependencyError, type Store, ValidationError } from '@mlinfra/core';
import { importOptional } from './import-optional.js';
import type { LoaderContext, ModelLoader } from './loader.js';
import type {
  InstanceRow,
  Predictor,
  RawFeature,
  TensorDatatype,
  TensorSpec,
} from './predictor.js';

/** The parts of a `@mlinfra/trainer` model manifest the loader reads. */
interface ManifestTensor {
  name: string;
  dtype: 'float32' | 'int32' | 'bool';
  shape: readonly (number | null)[];
}
interface LoadedArtifact {
  manifest: {
    signature: {
      features: readonly string[];
      inputs: readonly ManifestTensor[];
      outputs: readonly ManifestTensor[];
      labels?: readonly string[];
    };
    transform: unknown;
    metadata?: Record<string, unknown> | null;
  };
  predict(input: Float32Array, batchSize?: number): Promise<Float32Array[]>;
  dispose(): void;
}
interface TrainerModule {
  loadModelArtifact(
    store: Store,
    id: string,
    options?: { backend?: string },
  ): Promise<LoadedArtifact>;
}
interface DatasetsFeaturesModule {
  FeatureTransform: {
    fromJSON(json: unknown): { transform(rows: readonly InstanceRow[]): Float32Array };
  };
}

const DATATYPES: Record<ManifestTensor['dtype'], TensorDatatype> = {
  float32: 'FP32',
  int32: 'INT32',
  bool: 'BOOL',
};

function toSpec(tensor: ManifestTensor): TensorSpec {
  return {
    name: tensor.name,
    datatype: DATATYPES[tensor.dtype] ?? 'FP32',
    shape: tensor.shape.map((dimension, index) =>
      dimension === null ? (index === 0 ? -1 : 1) : dimension,
    ),
  };
}

/** Raw rows to a matrix in `features` order (numbers, numeric strings and booleans). */
function featureMatrix(rows: readonly InstanceRow[], features: readonly string[]): Float32Array {
  const out = new Float32Array(rows.length * features.length);
  const issues: { path: (string | number)[]; message: string }[] = [];
  rows.forEach((row, index) => {
    features.forEach((feature, column) => {
      const value = row[feature];
      let number = Number.NaN;
      if (typeof value === 'number') number = value;
      else if (typeof value === 'boolean') number = value ? 1 : 0;
      else if (typeof value === 'string' && value.trim() !== '') number = Number(value);
      if (!Number.isFinite(number) && issues.length < 20) {
        issues.push({
          path: ['instances', index, feature],
          message:
            value === undefined
              ? 'missing; give a number'
              : `${JSON.stringify(value)} is not a number`,
        });
      }
      out[index * features.length + column] = number;
    });
  });
  if (issues.length > 0)
    throw new ValidationError(
      `Instances do not match the model's features (${features.join(', ')}).`,
      issues,
    );
  return out;
}

const NUMERIC_KINDS = new Set(['standardize', 'minMax', 'passthrough']);

/**
 * The raw features of an artifact: the columns its feature transform reads (numeric ones carry
 * the fill value fitted for nulls), else `signature.features`, none filled.
 */
function rawFeatures(
  features: readonly string[],
  transform: unknown,
): readonly RawFeature[] | undefined {
  if (transform === null || transform === undefined) return features.map((name) => ({ name }));
  const fitted = (transform as { features?: unknown }).features;
  if (!Array.isArray(fitted)) return undefined;
  const byName = new Map<string, RawFeature>();
  for (const feature of fitted as { column?: unknown; kind?: unknown; fill?: unknown }[]) {
    if (typeof feature?.column !== 'string') return undefined;
    const filled = NUMERIC_KINDS.has(String(feature.kind)) && typeof feature.fill === 'number';
    const known = byName.get(feature.column);
    byName.set(feature.column, { name: feature.column, filled: filled && known?.filled !== false });
  }
  return [...byName.values()];
}

/** The class names an artifact stores: `signature.labels`, else `metadata.labels`. */
function classLabels(manifest: LoadedArtifact['manifest']): readonly string[] | undefined {
  const candidates = [manifest.signature.labels, manifest.metadata?.labels];
  for (const labels of candidates) {
    if (Array.isArray(labels) && labels.length > 0 && labels.every((l) => typeof l === 'string')) {
      return labels as string[];
    }
  }
  return undefined;
}

/** Adapts a loaded `@mlinfra/trainer` artifact to a {@link Predictor}. */
export function artifactPredictor(loaded: LoadedArtifact): Predictor {
  const { signature, transform } = loaded.manifest;
  let fitted: Promise<{ transform(rows: readonly InstanceRow[]): Float32Array }> | undefined;
  const features = rawFeatures(signature.features, transform);
  const labels = classLabels(loaded.manifest);
  const hasTransform = transform !== null && transform !== undefined;
  return {
    signature: { inputs: signature.inputs.map(toSpec), outputs: signature.outputs.map(toSpec) },
    ...(features === undefined ? {} : { features }),
    ...(labels === undefined ? {} : { labels }),
    // Without a transform each input column is one raw feature, so V2 may name them.
    ...(hasTransform ? {} : { inputColumns: signature.features }),
    async predict(batch, rows) {
      const perRow = await loaded.predict(batch, Math.max(rows, 1));
      const first = perRow[0];
      if (first === undefined) return new Float32Array(0);
      const width = first.length;
      // One output: the rows are consecutive views of one buffer, so no copy is needed.
      const last = perRow[perRow.length - 1]!;
      if (
        last.buffer === first.buffer &&
        last.byteOffset === first.byteOffset + (rows - 1) * width * 4
      ) {
        return new Float32Array(first.buffer, first.byteOffset, rows * width);
      }
      const out = new Float32Array(rows * width);
      perRow.forEach((row, index) => {
        out.set(row, index * width);
      });
      return out;
    },
    async transform(rows) {
      if (transform === null || transform === undefined)
        return featureMatrix(rows, signature.features);
      fitted ??= importOptional<DatasetsFeaturesModule>(
        '@mlinfra/datasets',
        'to apply the feature transform stored in this model artifact',
      ).then((module) => module.FeatureTransform.fromJSON(transform));
      return (await fitted).transform(rows);
    },
    dispose: () => loaded.dispose(),
  };
}

/**
 * The `tfjs` artifact loader: loads a `@mlinfra/trainer` model artifact (`mlinfra-model@1`)
 * from the store by its digest and adapts it to a {@link Predictor}; raw `/v1` rows go through
 * the artifact's feature transform (`@mlinfra/datasets`) or, without one, its feature names.
 * @param specifier the trainer package to import (tests name a missing one).
 */
export function tfjsLoader(context: LoaderContext, specifier = '@mlinfra/trainer'): ModelLoader {
  return async (resolved) => {
    const trainer = await importOptional<TrainerModule>(
      specifier,
      'to serve model artifacts, or pass a "loader" or a "predictor"',
    );
    if (typeof trainer.loadModelArtifact !== 'function') {
      throw new MissingDependencyError(
        'The installed "@mlinfra/trainer" has no loadModelArtifact; upgrade it (npm install @mlinfra/trainer@latest).',
      );
    }
    const { store, id } = context.locate(resolved.artifact);
    const backend = context.backend;
    const loaded = await trainer.loadModelArtifact(
      store,
      id,
      backend === undefined ? {} : { backend },
    );
    return artifactPredictor(loaded);
  };
}
