import type { Store } from '@mlinfra/core';
import {
  assertDigest,
  MissingDependencyError,
  MlinfraError,
  parseOptions,
  ValidationError,
} from '@mlinfra/core';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import {
  BACKEND_NAMES,
  type BackendInfo,
  type BackendName,
  useBackend,
} from '../backend/backend.js';
import { concatBuffers, toArrayBuffer } from '../internal/bytes.js';
import {
  type JsonValue,
  MODEL_ARTIFACT_FORMAT,
  type ModelManifest,
  manifestSchema,
} from './manifest.js';

/** Raw input rows: objects keyed by feature name. */
export type Row = Record<string, unknown>;

/** Turns raw rows into model input rows using a stored transform (e.g. from `@mlinfra/datasets`). */
export type TransformApplier = (
  transform: JsonValue,
  rows: readonly Row[],
) => Float32Array | number[][];

/** A loaded model artifact. */
export interface LoadedModel {
  /** The tfjs model. */
  model: tf.LayersModel;
  /** The artifact's manifest. */
  manifest: ModelManifest;
  /** The backend the model runs on. */
  backend: string;
  /**
   * Predicts a batch. `input` is `number[][]` (one array per row) or a row-major `Float32Array`
   * whose length is a multiple of the input width. Returns one `Float32Array` per row holding that
   * row's outputs (outputs of a multi-output model concatenated in signature order).
   *
   * @param batchSize rows per tfjs call. Default 1024 (tfjs's 32 is ~20x slower on wasm).
   */
  predict(input: Float32Array | number[][], batchSize?: number): Promise<Float32Array[]>;
  /**
   * Predicts raw rows (objects keyed by feature name): applies the stored transform, or with none
   * takes `signature.features` in order (booleans count as 0/1).
   */
  predictRows(rows: readonly Row[], batchSize?: number): Promise<Float32Array[]>;
  /** Runs the model on a tensor; the caller disposes the result. */
  predictTensor(x: tf.Tensor | tf.Tensor[], batchSize?: number): tf.Tensor | tf.Tensor[];
  /** Frees the model's weights. */
  dispose(): void;
}

const optionsShape = {
  /**
   * Backend to run on; `'current'` keeps tfjs's active backend. Default `'auto'` (the fastest
   * that loads: tensorflow-gpu, tensorflow, wasm, cpu).
   */
  backend: z
    .enum(['current', ...BACKEND_NAMES] as [
      BackendName | 'current',
      ...(BackendName | 'current')[],
    ])
    .optional(),
  /** Applies the artifact's stored transform in `predictRows`. Needed only when one is stored. */
  applyTransform: z
    .custom<TransformApplier>((value) => typeof value === 'function', 'a function')
    .optional(),
};

const optionsSchema: z.ZodObject<typeof optionsShape, z.core.$strict> =
  z.strictObject(optionsShape);

/** Options of {@link loadModelArtifact}. */
export type LoadModelArtifactOptions = z.input<typeof optionsSchema>;

/** Reads and validates a model manifest. @throws NotFoundError, IntegrityError, ValidationError. */
export async function readModelManifest(store: Store, id: string): Promise<ModelManifest> {
  const digest = assertDigest(id);
  const raw = await store.readJson<unknown>(digest);
  const format =
    typeof raw === 'object' && raw !== null ? (raw as { format?: unknown }).format : undefined;
  if (format !== MODEL_ARTIFACT_FORMAT) {
    throw new ValidationError(
      `Blob ${digest} is not a model artifact (format ${JSON.stringify(format)}, expected "${MODEL_ARTIFACT_FORMAT}"); pass the id that saveModelArtifact returned`,
    );
  }
  return parseOptions(manifestSchema, raw, `model manifest ${digest}`) as ModelManifest;
}

/** Reads the artifact's files into tfjs ModelArtifacts. */
export async function readModelArtifacts(
  store: Store,
  manifest: ModelManifest,
): Promise<tf.io.ModelArtifacts> {
  const modelJson = await store.readJson<tf.io.ModelJSON>(manifest.modelJson.digest);
  const group = modelJson.weightsManifest?.[0];
  if (group === undefined || modelJson.weightsManifest.length !== 1) {
    throw new ValidationError(
      'The stored model.json must have exactly one weights group; save the model again with saveModelArtifact',
    );
  }
  const shards = await Promise.all(manifest.weights.map((file) => store.read(file.digest)));
  const weightData =
    shards.length === 1 ? toArrayBuffer(shards[0] as Uint8Array) : concatBuffers(shards);
  if (weightData.byteLength !== manifest.weightBytes) {
    throw new ValidationError(
      `The weight shards hold ${weightData.byteLength} bytes but the manifest says ${manifest.weightBytes}; the artifact is inconsistent, save it again`,
    );
  }
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: modelJson.modelTopology,
    weightSpecs: group.weights,
    weightData,
    format: modelJson.format ?? 'layers-model',
  };
  if (modelJson.generatedBy !== undefined) artifacts.generatedBy = modelJson.generatedBy;
  if (modelJson.trainingConfig !== undefined) artifacts.trainingConfig = modelJson.trainingConfig;
  return artifacts;
}

const DATASETS_TRANSFORM_KIND = 'mlinfra.feature-transform/v1';

/** Whether a stored transform is a `@mlinfra/datasets` FeatureTransform's JSON. */
export function isDatasetsTransform(transform: JsonValue): boolean {
  return (
    typeof transform === 'object' &&
    transform !== null &&
    !Array.isArray(transform) &&
    transform.kind === DATASETS_TRANSFORM_KIND
  );
}

async function loadDatasetsTransform(
  transform: JsonValue,
): Promise<(rows: readonly Row[]) => Float32Array> {
  const specifier = '@mlinfra/datasets/features';
  let module: {
    FeatureTransform: {
      fromJSON(json: unknown): { transform(rows: readonly Row[]): Float32Array };
    };
  };
  try {
    module = (await import(/* @vite-ignore */ specifier)) as typeof module;
  } catch (error) {
    throw new MissingDependencyError(
      `Cannot import "${specifier}". Install @mlinfra/datasets to apply this artifact's feature transform, or pass loadModelArtifact(store, id, { applyTransform })`,
      { cause: error },
    );
  }
  const fitted = module.FeatureTransform.fromJSON(transform);
  return (rows) => fitted.transform(rows);
}

function inputWidth(manifest: ModelManifest): number {
  const shape = manifest.signature.inputs[0]?.shape ?? [];
  return shape.slice(1).reduce<number>((product, dimension) => product * (dimension ?? 1), 1);
}

function rowsToMatrix(rows: readonly Row[], features: readonly string[]): Float32Array {
  const out = new Float32Array(rows.length * features.length);
  const issues: Array<{ path: Array<string | number>; message: string }> = [];
  rows.forEach((row, index) => {
    features.forEach((feature, column) => {
      const value = row?.[feature];
      let number: number;
      if (typeof value === 'number') number = value;
      else if (typeof value === 'boolean') number = value ? 1 : 0;
      else if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
        number = Number(value);
      else {
        if (issues.length < 50) {
          issues.push({
            path: [index, feature],
            message:
              value === undefined
                ? 'missing; give a number'
                : `${JSON.stringify(value)} is not a number`,
          });
        }
        number = Number.NaN;
      }
      out[index * features.length + column] = number;
    });
  });
  if (issues.length > 0) {
    throw new ValidationError(
      `Rows do not match the model's features (${features.join(', ')})`,
      issues,
    );
  }
  return out;
}

/**
 * Loads a model artifact saved by {@link saveModelArtifact}.
 *
 * @throws NotFoundError when a blob is missing, IntegrityError when one is corrupted, ValidationError
 * when `id` is not a model artifact, MissingDependencyError when the backend's package is missing.
 *
 * @example
 * ```ts
 * const loaded = await loadModelArtifact(store, id, { backend: 'wasm' });
 * const [scores] = await loaded.predict([[0.1, 0.2]]);
 * ```
 */
export async function loadModelArtifact(
  store: Store,
  id: string,
  options: LoadModelArtifactOptions = {},
): Promise<LoadedModel> {
  parseOptions(optionsSchema, options, 'loadModelArtifact options');
  const manifest = await readModelManifest(store, id);
  let backend: string;
  if (options.backend === 'current') {
    await tf.ready();
    backend = tf.getBackend();
  } else {
    const info: BackendInfo = await useBackend(options.backend ?? 'auto');
    backend = info.name;
  }
  const model = await tf.loadLayersModel(
    tf.io.fromMemory(await readModelArtifacts(store, manifest)),
  );
  const width = inputWidth(manifest);
  const inputShape = manifest.signature.inputs[0]?.shape
    .slice(1)
    .map((dimension) => dimension ?? 1) ?? [width];

  let datasetsTransform: ((rows: readonly Row[]) => Float32Array) | undefined;
  const predictMatrix = async (flat: Float32Array, batchSize: number): Promise<Float32Array[]> => {
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new ValidationError(`batchSize must be a positive integer, got ${batchSize}`);
    }
    if (width === 0 || flat.length % width !== 0) {
      throw new ValidationError(
        `Input of length ${flat.length} is not a whole number of rows of width ${width}; give ${width} values per row`,
      );
    }
    const count = flat.length / width;
    if (count === 0) return [];
    const x = tf.tensor(flat, [count, ...inputShape], 'float32');
    try {
      const result = model.predict(x, { batchSize });
      const outputs = Array.isArray(result) ? result : [result];
      const datas = await Promise.all(
        outputs.map((tensor) => tensor.data() as Promise<Float32Array>),
      );
      tf.dispose(outputs);
      if (datas.length === 1) {
        const data = datas[0] as Float32Array;
        const per = data.length / count;
        return Array.from({ length: count }, (_, row) => data.subarray(row * per, (row + 1) * per));
      }
      const widths = datas.map((data) => data.length / count);
      const total = widths.reduce((sum, value) => sum + value, 0);
      return Array.from({ length: count }, (_, row) => {
        const out = new Float32Array(total);
        let offset = 0;
        datas.forEach((data, output) => {
          const size = widths[output] as number;
          out.set(data.subarray(row * size, (row + 1) * size), offset);
          offset += size;
        });
        return out;
      });
    } finally {
      x.dispose();
    }
  };

  const toFlat = (input: Float32Array | number[][]): Float32Array => {
    if (input instanceof Float32Array) return input;
    if (!Array.isArray(input)) {
      throw new ValidationError(
        'predict() takes number[][] (one array per row) or a row-major Float32Array',
      );
    }
    const out = new Float32Array(input.length * width);
    input.forEach((row, index) => {
      if (!Array.isArray(row) || row.length !== width) {
        throw new ValidationError(
          `Row ${index} has ${Array.isArray(row) ? row.length : 'no'} values; give ${width} per row`,
        );
      }
      out.set(row, index * width);
    });
    return out;
  };

  return {
    model,
    manifest,
    backend,
    async predict(input, batchSize = 1024) {
      return predictMatrix(toFlat(input), batchSize);
    },
    async predictRows(rows, batchSize = 1024) {
      if (!Array.isArray(rows))
        throw new ValidationError('predictRows() takes an array of row objects');
      if (manifest.transform !== null) {
        if (options.applyTransform === undefined && isDatasetsTransform(manifest.transform)) {
          datasetsTransform ??= await loadDatasetsTransform(manifest.transform);
          return predictMatrix(datasetsTransform(rows), batchSize);
        }
        if (options.applyTransform === undefined) {
          throw new MlinfraError(
            'This artifact stores a feature transform; pass loadModelArtifact(store, id, { applyTransform }) (e.g. from @mlinfra/datasets) to predict raw rows, or call predict() with transformed input',
            'UNSUPPORTED',
          );
        }
        return predictMatrix(
          toFlat(options.applyTransform(manifest.transform, rows) as number[][]),
          batchSize,
        );
      }
      return predictMatrix(rowsToMatrix(rows, manifest.signature.features), batchSize);
    },
    predictTensor: (x, batchSize = 1024) => model.predict(x, { batchSize }),
    dispose: () => model.dispose(),
  };
}
