import type { Digest, Store } from '@mlinfra/core';
import { parseOptions, ValidationError } from '@mlinfra/core';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { concatBuffers } from '../internal/bytes.js';
import { labelMetadataOf } from '../internal/label-metadata.js';
import {
  type ArtifactFile,
  type JsonValue,
  MODEL_ARTIFACT_FORMAT,
  type ModelLineage,
  type ModelManifest,
  type ModelSignature,
  type SignatureTensor,
  signatureSchema,
} from './manifest.js';

/** What {@link saveModelArtifact} returns. */
export interface SavedModelArtifact {
  /** The artifact's id: the digest of its manifest blob. */
  id: Digest;
  /** The manifest stored under `id`. */
  manifest: ModelManifest;
}

const signatureOptionsShape = {
  /** Raw feature names, in column order of the first input. */
  features: z.array(z.string().min(1)).optional(),
  /** Model inputs, in order. Default read from the model. */
  inputs: z.array(z.custom<SignatureTensor>()).optional(),
  /** Model outputs, in order. Default read from the model. */
  outputs: z.array(z.custom<SignatureTensor>()).optional(),
  /** Class labels of the (first) output, e.g. `['no', 'yes']`. Default none. */
  labels: z.array(z.string()).optional(),
};

const signatureOptionsSchema: z.ZodObject<typeof signatureOptionsShape, z.core.$strict> =
  z.strictObject(signatureOptionsShape);

const optionsShape = {
  /**
   * Input/output signature. Fields left out are read from the model: `inputs`/`outputs` from its
   * input and output layers, `features` as `x0..x{n-1}` for the last dimension of the first input.
   */
  signature: signatureOptionsSchema.optional(),
  /**
   * The feature transform that turns raw rows into the input tensor: any JSON-serialisable value, or
   * an object with `toJSON()` such as a `@mlinfra/datasets` FeatureTransform. Default none.
   */
  transform: z.unknown().optional(),
  /** Training lineage (datasets, run, checkpoint, seed). Default none. */
  lineage: z
    .custom<ModelLineage>(
      (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
      'an object',
    )
    .optional(),
  /** Free-form JSON metadata (metrics, description). Default none. */
  metadata: z.record(z.string(), z.unknown()).optional(),
  /** Largest weight shard in bytes. Default 4194304 (4 MiB, as tfjs's converter). */
  shardBytes: z.number().int().min(1024).optional(),
};

const optionsSchema: z.ZodObject<typeof optionsShape, z.core.$strict> =
  z.strictObject(optionsShape);

/** Options of {@link saveModelArtifact}. */
export type SaveModelArtifactOptions = z.input<typeof optionsSchema>;

function tensorsOf(
  symbolic: readonly tf.SymbolicTensor[],
  names: readonly string[],
): SignatureTensor[] {
  return symbolic.map((tensor, index) => ({
    name: names[index] ?? tensor.name,
    dtype: tensor.dtype === 'int32' || tensor.dtype === 'bool' ? tensor.dtype : 'float32',
    shape: tensor.shape.map((dimension) => dimension ?? null),
  }));
}

/**
 * Tensor names of the signature: a single input is `features` (the row of feature values), a single
 * output is named after the label column the trainer saw (else `output`); several keep tfjs's names.
 */
function namesOf(
  symbolic: readonly tf.SymbolicTensor[],
  tfjsNames: readonly string[],
  single: string,
) {
  return symbolic.length === 1 ? [single] : tfjsNames;
}

/** Fills the signature's missing parts from the model and checks the parts given. */
export function completeSignature(
  model: tf.LayersModel,
  given: Partial<ModelSignature> = {},
): ModelSignature {
  const recorded = labelMetadataOf(model);
  const inputs =
    (given.inputs as SignatureTensor[] | undefined) ??
    tensorsOf(model.inputs, namesOf(model.inputs, model.inputNames, 'features'));
  const outputs =
    (given.outputs as SignatureTensor[] | undefined) ??
    tensorsOf(model.outputs, namesOf(model.outputs, model.outputNames, recorded.label ?? 'output'));
  const width = inputs[0]?.shape.at(-1);
  const features =
    given.features ??
    (typeof width === 'number' ? Array.from({ length: width }, (_, index) => `x${index}`) : []);
  const signature: ModelSignature = { features, inputs, outputs };
  const labels = given.labels ?? recorded.classes;
  if (labels !== undefined) signature.labels = labels;
  return signature;
}

function isDatasetsTransformJson(
  value: JsonValue | undefined,
): value is { kind: string; features: Array<{ column: string }> } {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    value.kind === 'mlinfra.feature-transform/v1' &&
    Array.isArray(value.features) &&
    value.features.every(
      (feature) =>
        typeof feature === 'object' &&
        feature !== null &&
        typeof (feature as { column?: unknown }).column === 'string',
    )
  );
}

function toJson(value: unknown, what: string): JsonValue {
  try {
    return JSON.parse(JSON.stringify(value)) as JsonValue;
  } catch (error) {
    throw new ValidationError(
      `${what} is not JSON-serialisable; give plain objects, arrays, strings and numbers`,
      [],
      {
        cause: error,
      },
    );
  }
}

/**
 * Stores a tfjs LayersModel as a model artifact: the layers `model.json` and weight shards as
 * blobs, plus a JSON manifest (format `'mlinfra-model@1'`) naming them by digest together with the
 * signature, transform and lineage. The id is the manifest's digest, so saving the same model twice
 * gives the same id. The weights load in stock `tf.loadLayersModel` (see {@link exportLayersModel}).
 *
 * @throws ValidationError for bad options or a signature that does not match the model.
 *
 * @example
 * ```ts
 * const { id } = await saveModelArtifact(store, model, { signature: { features: ['age', 'income'] } });
 * ```
 */
export async function saveModelArtifact(
  store: Store,
  model: tf.LayersModel,
  options: SaveModelArtifactOptions = {},
): Promise<SavedModelArtifact> {
  const parsed = parseOptions(optionsSchema, options, 'saveModelArtifact options');
  if (
    model === null ||
    typeof model !== 'object' ||
    typeof (model as tf.LayersModel).save !== 'function'
  ) {
    throw new ValidationError(
      'saveModelArtifact needs a tfjs LayersModel (tf.sequential() or tf.model())',
    );
  }
  const transformJson =
    parsed.transform === undefined ? undefined : toJson(parsed.transform, 'The transform');
  const { features, inputs, outputs, labels } = parsed.signature ?? {};
  const given: Partial<ModelSignature> = {
    ...(features === undefined ? {} : { features }),
    ...(inputs === undefined ? {} : { inputs }),
    ...(outputs === undefined ? {} : { outputs }),
    ...(labels === undefined ? {} : { labels }),
  };
  if (given.features === undefined && isDatasetsTransformJson(transformJson)) {
    // A datasets FeatureTransform reads these raw columns; predictRows takes rows keyed by them.
    given.features = [...new Set(transformJson.features.map((feature) => feature.column))];
  }
  const signature = parseOptions(
    signatureSchema,
    completeSignature(model, given),
    'signature (inputs/outputs need name, dtype and shape)',
  ) as ModelSignature;
  const first = signature.inputs[0];
  const width = first?.shape.at(-1);
  if (
    parsed.transform === undefined &&
    typeof width === 'number' &&
    signature.features.length !== width
  ) {
    throw new ValidationError(
      `The signature lists ${signature.features.length} features but the model's first input has ${width} columns; list one feature name per column`,
    );
  }
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (captured === undefined || captured.modelTopology === undefined) {
    throw new ValidationError(
      'The model produced no topology when saved; build it (give an inputShape) before saving',
    );
  }
  const weightData = captured.weightData;
  const bytes = new Uint8Array(
    weightData === undefined
      ? new ArrayBuffer(0)
      : Array.isArray(weightData)
        ? concatBuffers(weightData)
        : weightData,
  );
  const shardBytes = parsed.shardBytes ?? 4 * 1024 * 1024;
  const shardCount = Math.max(1, Math.ceil(bytes.byteLength / shardBytes));
  const weights: ArtifactFile[] = [];
  for (let shard = 0; shard < shardCount; shard++) {
    const part = bytes.subarray(
      shard * shardBytes,
      Math.min(bytes.byteLength, (shard + 1) * shardBytes),
    );
    const info = await store.put(part);
    weights.push({
      path: `group1-shard${shard + 1}of${shardCount}.bin`,
      digest: info.digest,
      size: info.size,
    });
  }
  const modelJson: Record<string, unknown> = {
    modelTopology: captured.modelTopology,
    format: captured.format ?? 'layers-model',
    generatedBy: captured.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: captured.convertedBy ?? null,
    weightsManifest: [
      { paths: weights.map((file) => file.path), weights: captured.weightSpecs ?? [] },
    ],
  };
  if (captured.trainingConfig !== undefined) modelJson.trainingConfig = captured.trainingConfig;
  const modelJsonInfo = await store.putJson(modelJson);
  const manifest: ModelManifest = {
    format: MODEL_ARTIFACT_FORMAT,
    tfjsVersion: tf.version.tfjs,
    modelJson: { path: 'model.json', digest: modelJsonInfo.digest, size: modelJsonInfo.size },
    weights,
    weightBytes: bytes.byteLength,
    signature,
    transform: transformJson ?? null,
    lineage:
      parsed.lineage === undefined ? null : (toJson(parsed.lineage, 'The lineage') as ModelLineage),
    metadata:
      parsed.metadata === undefined
        ? null
        : (toJson(parsed.metadata, 'The metadata') as Record<string, JsonValue>),
  };
  const { digest } = await store.putJson(manifest);
  return { id: digest, manifest };
}
