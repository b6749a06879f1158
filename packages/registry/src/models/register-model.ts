import { type BlobSource, NotFoundError } from '@mlinfra/core';
import { z } from 'zod';
import type { AuditEntry, RegistryContext } from '../internal/context.js';
import { jsonValue, metricRecord } from '../internal/option-schemas.js';
import { assertName, assertTags, parseOptions } from '../internal/validate.js';
import type { StoredBlob } from '../tracking/run.js';
import type { JsonValue, ModelFormat, ModelVersion, SliceMetrics } from '../types.js';
import { type ArtifactFile, inferFormat, storeArtifact } from './artifacts.js';

/** Options of {@link Registry.registerModel}. */
export interface RegisterModelOptions {
  /**
   * The model artifact: the digest of bytes already in the core store (such as a trainer model
   * manifest), `{ digest }` (with the `size` store.put() returned, checked), a file to store now
   * (`{ file: 'model.onnx' }`, or a path string starting with `./`, `../` or `/` or ending in
   * `.onnx`; streamed), bytes / a stream to store now, or, with `run`, the name of an artifact
   * that run logged (such as `'model'`).
   */
  artifact: string | StoredBlob | ArtifactFile | Exclude<BlobSource, string>;
  /**
   * The artifact's format, which tells serving which loader to use (`resolve` returns it).
   * Default: `'onnx'` for a `{ file }` named `*.onnx` or bytes that begin like an ONNX model,
   * else `'tfjs'`. Give it for an ONNX model passed by digest or as a stream.
   */
  format?: ModelFormat;
  /**
   * For each model input name, the dataset columns fed to it, in order, such as
   * `{ features: ['age', 'income'], country: ['country_code'] }`. Serving's `/v1` predict and
   * `scoreDataset` use it for models trained elsewhere. Default none.
   */
  inputColumns?: Record<string, string[]>;
  /** The run that produced it (its id or the Run). Its inputs become the version's lineage. */
  run?: string | { id: string };
  /** Input/output signature (any JSON). */
  signature?: JsonValue;
  /** Overall evaluation metrics (finite numbers), compared by promotion gates. */
  metrics?: Record<string, number>;
  /** Evaluation metrics per slice, such as `{ 'country=DE': { auc: 0.91 } }`. */
  slices?: SliceMetrics;
  /** Version tags. */
  tags?: Record<string, string>;
  /** Free text. */
  description?: string;
}

const registerSchema = z.strictObject({
  artifact: z
    .unknown()
    .refine(
      (value) => value !== undefined && value !== null,
      'artifact is required: a digest from store.put() or the bytes',
    ),
  run: z.union([z.string().min(1), z.object({ id: z.string().min(1) })]).optional(),
  format: z.enum(['tfjs', 'onnx']).optional(),
  inputColumns: z
    .record(z.string().min(1).max(250), z.array(z.string().min(1).max(250)).min(1).max(100_000))
    .refine((value) => Object.keys(value).length > 0, 'give at least one input')
    .optional(),
  signature: jsonValue.optional(),
  metrics: metricRecord.optional(),
  slices: z.record(z.string().min(1).max(250), metricRecord).optional(),
  tags: z.record(z.string(), z.unknown()).optional(),
  description: z.string().max(10_000).optional(),
});

/**
 * Registers a new version of a model (creating the model on first use). Versions are numbered
 * 1, 2, 3, ... with no gap or duplicate, even with several processes registering at once.
 * @throws ValidationError, NotFoundError (unknown run or artifact digest), IntegrityError.
 */
export async function registerModel(
  context: RegistryContext,
  name: string,
  options: RegisterModelOptions,
): Promise<ModelVersion> {
  assertName(name, 'model');
  const checked = parseOptions(registerSchema, options, `registerModel("${name}") options`);
  const tags = assertTags(checked.tags ?? {}, 'version');
  const runId = typeof checked.run === 'string' ? checked.run : checked.run?.id;
  const format = checked.format ?? inferFormat(options.artifact) ?? 'tfjs';
  const artifact = await storeArtifact(context, options.artifact, runId);
  const digest = artifact.digest;
  let size = 0;
  const now = Date.now();
  const metrics = checked.metrics ?? {};
  const slices = checked.slices ?? {};
  const version = await context.driver.transaction('write', async (executor) => {
    if (runId !== undefined) {
      const run = await executor.get('SELECT 1 AS found FROM runs WHERE id = ?', [runId]);
      if (run === undefined)
        throw new NotFoundError(
          `Run ${JSON.stringify(runId)} does not exist; pass the id of a run started with startRun()`,
        );
    }
    const created = await executor.run(
      `INSERT INTO models (name, description, last_version, created_at, updated_at) VALUES (?, NULL, 0, ?, ?)
       ON CONFLICT (name) DO NOTHING`,
      [name, now, now],
    );
    if (created.changes > 0)
      await context.audit(executor, { action: 'model.created', model: name, details: {} });
    // One UPDATE ... RETURNING allocates the number under the write lock (a row lock on
    // PostgreSQL): no gap, no duplicate.
    const allocated = await executor.get<{ last_version: number }>(
      'UPDATE models SET last_version = last_version + 1, updated_at = ? WHERE name = ? RETURNING last_version',
      [now, name],
    );
    const number = Number(allocated!.last_version);
    for (const [key, value] of Object.entries(tags)) {
      await executor.run(
        'INSERT INTO version_tags (model, version, key, value) VALUES (?, ?, ?, ?)',
        [name, number, key, value],
      );
    }
    // The store's check of the artifact ran alongside the statements above; the row that names
    // the artifact is written only once it passed (a failure rolls everything back).
    size = await artifact.size;
    await executor.run(
      `INSERT INTO model_versions (model, version, run_id, artifact, artifact_size, format, input_columns,
         signature, metrics, slices, description, created_at, created_by, approval, approval_by,
         approval_at, approval_reason)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', NULL, NULL, NULL)`,
      [
        name,
        number,
        runId ?? null,
        digest,
        size,
        format,
        checked.inputColumns === undefined ? null : JSON.stringify(checked.inputColumns),
        checked.signature === undefined ? null : JSON.stringify(checked.signature),
        JSON.stringify(metrics),
        JSON.stringify(slices),
        checked.description ?? null,
        now,
        context.actor,
      ],
    );
    const details: Record<string, JsonValue> = { artifact: digest };
    if (runId !== undefined) details.runId = runId;
    const entry: AuditEntry = { action: 'version.created', model: name, version: number, details };
    if (runId !== undefined) entry.runId = runId;
    await context.audit(executor, entry);
    return number;
  });
  context.changed();
  const result: ModelVersion = {
    name,
    version,
    artifact: digest,
    artifactSize: size,
    format,
    metrics,
    slices,
    tags,
    aliases: [],
    approval: { status: 'pending' },
    createdAt: new Date(now),
    createdBy: context.actor,
  };
  if (checked.signature !== undefined) result.signature = checked.signature;
  if (checked.inputColumns !== undefined) result.inputColumns = checked.inputColumns;
  if (runId !== undefined) result.runId = runId;
  if (checked.description !== undefined) result.description = checked.description;
  return result;
}
