import type { Digest } from '@mlinfra/core';
import type { JsonValue } from '@mlinfra/core/contracts';
import { z } from 'zod';

/** The `format` field of every model manifest this version writes and reads. */
export const MODEL_ARTIFACT_FORMAT = 'mlinfra-model@1';

/** Element type of a signature tensor. */
export type SignatureDtype = 'float32' | 'int32' | 'bool';

/** One named tensor of a model's signature. */
export interface SignatureTensor {
  /**
   * Tensor name. Defaults: a single input is `features` (its last dimension holds
   * `signature.features` in order), a single output is named after the label column `train()` saw
   * (`fromColumnBatches({ label })`), else `output`; several inputs or outputs keep tfjs's names.
   */
  name: string;
  /** Element type. Default `'float32'`. */
  dtype: SignatureDtype;
  /** Shape with `null` for the batch dimension (and any free dimension), e.g. `[null, 20]`. */
  shape: Array<number | null>;
}

/**
 * The input/output contract of a model artifact.
 *
 * `features` are the raw feature (column) names in the order they fill the last dimension of the
 * first input, which is what `predictRows` uses when no transform is stored.
 */
export interface ModelSignature {
  /** Raw feature names, in column order of the first input. */
  features: string[];
  /** Model inputs, in order. */
  inputs: SignatureTensor[];
  /** Model outputs, in order. */
  outputs: SignatureTensor[];
  /**
   * Class names of the (first) output in index order, e.g. `['setosa', 'versicolor', 'virginica']`
   * for a softmax over 3 units, or the names of 0 and 1 (`['stay', 'churn']`) for a single sigmoid
   * unit. Written by `saveModelArtifact` from `signature.labels`, else from the `classes` that
   * `train()` kept with the model (its `classes` option or `fromColumnBatches({ classes })`).
   * Serving uses them to answer with class names. Absent when unknown.
   */
  labels?: string[];
}

/** A blob of the artifact: the file name it gets on export and its digest in the store. */
export interface ArtifactFile {
  /** File name inside an exported folder, e.g. `model.json`, `group1-shard1of1.bin`. */
  path: string;
  /** Digest of the blob in the store. */
  digest: Digest;
  /** Size in bytes. */
  size: number;
}

/** Where a model came from. Every field is optional; registry promotion gates read it. */
export interface ModelLineage {
  /** Dataset version ids (manifest digests) used for training/validation. */
  datasets?: string[];
  /** Training run id (e.g. a registry run). */
  runId?: string;
  /** Checkpoint the weights came from. */
  checkpoint?: string;
  /** Seed of the training run. */
  seed?: number;
  /** Anything else, JSON only. */
  [key: string]: unknown;
}

/** JSON value (what a stored transform, lineage or metadata may contain); from `@mlinfra/core/contracts`. */
export type { JsonValue };

/**
 * The manifest blob of a model artifact (JSON, format `'mlinfra-model@1'`). Its digest is the
 * artifact's id.
 */
export interface ModelManifest {
  /** Always `'mlinfra-model@1'`. */
  format: typeof MODEL_ARTIFACT_FORMAT;
  /** tfjs version that wrote the model. */
  tfjsVersion: string;
  /** The tfjs layers `model.json` (modelTopology + weightsManifest) as a blob. */
  modelJson: ArtifactFile;
  /** Weight shards, in the order `weightsManifest[0].paths` lists them. */
  weights: ArtifactFile[];
  /** Total weight bytes. */
  weightBytes: number;
  /** Input/output signature. */
  signature: ModelSignature;
  /** Feature transform (JSON, e.g. from `@mlinfra/datasets`), or null. */
  transform: JsonValue | null;
  /** Training lineage, or null. */
  lineage: ModelLineage | null;
  /** Free-form metadata (metrics, description), or null. */
  metadata: Record<string, JsonValue> | null;
}

const digestSchema = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be a sha256:<64 hex> digest');

const fileSchema = z.object({
  path: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9._-]+$/, 'must be a plain file name (letters, digits, ., _, -)'),
  digest: digestSchema,
  size: z.number().int().nonnegative(),
});

const tensorSchema = z.object({
  name: z.string().min(1),
  dtype: z.enum(['float32', 'int32', 'bool']),
  shape: z.array(z.number().int().positive().nullable()),
});

/** zod schema of a {@link ModelSignature}. */
export const signatureSchema = z.object({
  features: z.array(z.string()),
  inputs: z.array(tensorSchema).min(1),
  outputs: z.array(tensorSchema).min(1),
  labels: z.array(z.string()).optional(),
});

const jsonSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(jsonSchema),
    z.record(z.string(), jsonSchema),
  ]),
);

/** zod schema of a {@link ModelManifest}. */
export const manifestSchema = z.object({
  format: z.literal(MODEL_ARTIFACT_FORMAT),
  tfjsVersion: z.string(),
  modelJson: fileSchema,
  weights: z.array(fileSchema),
  weightBytes: z.number().int().nonnegative(),
  signature: signatureSchema,
  transform: jsonSchema.nullable(),
  lineage: z.record(z.string(), z.unknown()).nullable(),
  metadata: z.record(z.string(), jsonSchema).nullable(),
});
