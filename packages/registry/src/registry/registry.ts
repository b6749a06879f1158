import { randomUUID } from 'node:crypto';
import {
  type BlobSource,
  ConflictError,
  type Digest,
  errorGuard,
  isDigest,
  NotFoundError,
  type Store,
  ValidationError,
} from '@mlinfra/core';
import { z } from 'zod';
import type { SqlDriver, SqlExecutor, SqlValue } from '../driver/sql-driver.js';
import { type AuditRow, type EventHub, eventFromRow } from '../events/event-hub.js';
import { type AuditEntry, appendAudit, type RegistryContext } from '../internal/context.js';
import {
  assertAlias,
  assertKey,
  assertName,
  assertTags,
  assertVersion,
  decodePageToken,
  encodePageToken,
  parseModelReference,
  parseOptions,
} from '../internal/validate.js';
import {
  evaluateGates,
  type GateCheck,
  gatesSchema,
  type PromotionGate,
  type PromotionReport,
} from '../models/gates.js';
import {
  completeModels,
  completeVersions,
  type ModelRow,
  readVersion,
  requireModel,
  type VersionRow,
} from '../models/version-queries.js';
import { Run, type StoredBlob } from '../tracking/run.js';
import {
  encodeParam,
  type MetricHistoryOptions,
  type RunRow,
  readMetricHistory,
  readRun,
  readRuns,
} from '../tracking/run-queries.js';
import { compileFilter, compileOrder } from '../tracking/search-filter.js';
import type {
  ApprovalStatus,
  Experiment,
  JsonValue,
  MetricPoint,
  ModelVersion,
  ParamValue,
  RegisteredModel,
  RegistryEvent,
  RunRecord,
  SliceMetrics,
} from '../types.js';

/** Options of {@link Registry.startRun}. */
export interface StartRunOptions {
  /** Experiment name; created on first use. Default `"default"`. */
  experiment?: string;
  /** Display name of the run (not unique). */
  name?: string;
  /** Initial parameters (immutable). */
  params?: Record<string, ParamValue>;
  /** Initial tags. */
  tags?: Record<string, string>;
  /** Dataset version ids the run trains on (for lineage). */
  inputs?: string[];
  /** Commit hash or other code version. */
  codeVersion?: string;
}

/** Options of {@link Registry.searchRuns}. */
export interface SearchRunsOptions {
  /** Only runs of this experiment (or these experiments). Default all. */
  experiment?: string | string[];
  /**
   * Conditions joined by AND, such as `metrics.val_loss < 0.5 and params.optimizer = 'adam' and
   * status = 'finished'`. Fields: `metrics.<key>` (latest value), `params.<key>`, `tags.<key>`,
   * and `status`, `name`, `run_id`, `start_time`, `end_time` (ms), `code_version`, `created_by`.
   * Operators: `= != < <= > >= LIKE ILIKE`.
   */
  filter?: string;
  /** Such as `metrics.val_loss ASC` or `start_time DESC, name ASC`. Default `start_time DESC`. */
  orderBy?: string;
  /** Page size, 1 to 1000. Default 100. */
  limit?: number;
  /** `nextPageToken` of the previous page. */
  pageToken?: string;
}

/** A page of runs. */
export interface RunPage {
  /** The runs of this page. */
  runs: RunRecord[];
  /** Pass as `pageToken` for the next page; absent on the last page. */
  nextPageToken?: string;
}

/** Options of {@link Registry.registerModel}. */
export interface RegisterModelOptions {
  /**
   * The model artifact: the digest of bytes already in the core store (such as a trainer model
   * manifest), `{ digest }`, bytes / a stream to store now, or, with `run`, the name of an
   * artifact that run logged (such as `'model'`).
   */
  artifact: string | StoredBlob | Exclude<BlobSource, string>;
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

/** Options of listing pages. */
export interface PageOptions {
  /** Page size, 1 to 1000. Default 100. */
  limit?: number;
  /** `nextPageToken` of the previous page. */
  pageToken?: string;
}

/** A page of model versions. */
export interface VersionPage {
  /** Versions, highest first (or lowest first with `order: 'asc'`). */
  versions: ModelVersion[];
  /** Pass as `pageToken` for the next page; absent on the last page. */
  nextPageToken?: string;
}

/** A page of models. */
export interface ModelPage {
  /** Models by name. */
  models: RegisteredModel[];
  /** Pass as `pageToken` for the next page; absent on the last page. */
  nextPageToken?: string;
}

/** Options of {@link Registry.setApproval}. */
export interface ApprovalOptions {
  /** The new status. */
  status: ApprovalStatus;
  /** Who decided. Default the registry's actor. */
  by?: string;
  /** Why. */
  reason?: string;
}

/** Options of {@link Registry.promote}. */
export interface PromoteOptions {
  /** Gates the candidate must pass. Default none. */
  gates?: PromotionGate[];
  /** Refuse unless the candidate's approval status is `approved`. Default false. */
  requireApproval?: boolean;
  /** Evaluate the gates and return the report without moving the alias (never throws for a failed gate). */
  dryRun?: boolean;
}

/** What {@link Registry.lineage} returns. */
export interface Lineage {
  /** The model version, with its aliases. */
  version: ModelVersion;
  /** The run that produced it, when one was given at registration. */
  run?: RunRecord;
  /** Dataset version ids the run trained on. */
  datasets: string[];
}

/** A model version trained on a dataset version (see {@link Registry.versionsTrainedOn}). */
export interface TrainedVersion {
  /** Model name. */
  name: string;
  /** Version number. */
  version: number;
  /** The run that trained it. */
  runId: string;
}

/** Options of {@link Registry.auditLog}. */
export interface AuditLogOptions {
  /** Only entries about this model. */
  model?: string;
  /** Only entries about this run. */
  runId?: string;
  /** Only entries with an id above this. Default 0. */
  afterId?: number;
  /** At most this many, 1 to 10000. Default 1000. */
  limit?: number;
}

/** Options of {@link Registry.watch} and {@link Registry.subscribe}. */
export interface WatchOptions {
  /** Deliver events with an id above this (replay). Default: only changes after the call. */
  afterId?: number;
  /** Stops the watch. */
  signal?: AbortSignal;
}

/** An async iterator of registry events that can be closed. */
export interface RegistryWatch extends AsyncIterableIterator<RegistryEvent> {
  /** Stops watching; a pending `next()` resolves as done. */
  close(): void;
}

/** A failed promotion gate: nothing was changed. `report` says which checks failed and why. */
export class PromotionRefusedError extends ConflictError {
  /** True when `value` is a PromotionRefusedError (also from another copy of this package). */
  static override isInstance = errorGuard<PromotionRefusedError>('PromotionRefusedError');
  /** The full gate report. */
  readonly report: PromotionReport;
  constructor(report: PromotionReport) {
    const failures = report.failures
      .slice(0, 10)
      .map((check) => `  - ${check.metric} ${check.reason}`)
      .join('\n');
    super(
      `Promotion of ${report.name}/${report.version} to @${report.alias} refused: ${report.failures.length} gate check(s) failed; nothing was changed. Improve the model or relax the gates.\n${failures}`,
    );
    this.report = report;
  }
}

const VERIFY_IN_MEMORY_BYTES = 16 * 1024 * 1024;

const metricRecord = z.record(
  z.string().min(1).max(250),
  z.number().refine(Number.isFinite, 'must be a finite number'),
);
const jsonValue: z.ZodType<JsonValue> = z.json();

const registerSchema = z.strictObject({
  artifact: z
    .unknown()
    .refine(
      (value) => value !== undefined && value !== null,
      'artifact is required: a digest from store.put() or the bytes',
    ),
  run: z.union([z.string().min(1), z.object({ id: z.string().min(1) })]).optional(),
  signature: jsonValue.optional(),
  metrics: metricRecord.optional(),
  slices: z.record(z.string().min(1).max(250), metricRecord).optional(),
  tags: z.record(z.string(), z.unknown()).optional(),
  description: z.string().max(10_000).optional(),
});

const startRunSchema = z.strictObject({
  experiment: z.string().optional(),
  name: z.string().min(1).max(250).optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  tags: z.record(z.string(), z.unknown()).optional(),
  inputs: z.array(z.string().min(1).max(1000)).optional(),
  codeVersion: z.string().min(1).max(250).optional(),
});

const describedSchema = z.strictObject({
  description: z.string().max(10_000).optional(),
  tags: z.record(z.string(), z.unknown()).optional(),
});

const pageSchema = z.strictObject({
  limit: z.number().int().min(1).max(1000).optional(),
  pageToken: z.string().optional(),
});

const versionPageSchema = pageSchema.extend({ order: z.enum(['asc', 'desc']).optional() });

const searchSchema = z.strictObject({
  experiment: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
  filter: z.string().max(10_000).optional(),
  orderBy: z.string().max(1000).optional(),
  limit: z.number().int().min(1).max(1000).optional(),
  pageToken: z.string().optional(),
});

const approvalSchema = z.strictObject({
  status: z.enum(['pending', 'approved', 'rejected']),
  by: z.string().min(1).max(250).optional(),
  reason: z.string().max(10_000).optional(),
});

const promoteSchema = z.strictObject({
  gates: gatesSchema.optional(),
  requireApproval: z.boolean().optional(),
  dryRun: z.boolean().optional(),
});

const auditSchema = z.strictObject({
  model: z.string().optional(),
  runId: z.string().optional(),
  afterId: z.number().int().min(0).optional(),
  limit: z.number().int().min(1).max(10_000).optional(),
});

const watchSchema = z.strictObject({
  afterId: z.number().int().min(0).optional(),
  signal: z
    .custom<AbortSignal>((value) => value instanceof AbortSignal, 'signal must be an AbortSignal')
    .optional(),
});

/** Internal wiring handed to the Registry constructor by openRegistry. */
export interface RegistryParts {
  driver: SqlDriver;
  store: Store;
  hub: EventHub;
  actor: string;
  metricBatchSize: number;
  metricFlushIntervalMs: number;
  verifyArtifacts: boolean;
}

/**
 * Experiment tracking and model registry. Create one with {@link openRegistry}. Every method is
 * async and safe to call from several processes on the same database at once.
 *
 * A registry is a `ModelSource` for `@mlinfra/serving` ({@link Registry.resolve},
 * {@link Registry.watch}) and its runs are `RunLogger`s for `@mlinfra/trainer`.
 */
export class Registry {
  private readonly context: RegistryContext;
  private readonly runs = new Set<Run>();
  private closed = false;

  /** @internal Use {@link openRegistry}. */
  constructor(private readonly parts: RegistryParts) {
    const { driver, store, actor, hub } = parts;
    this.context = {
      driver,
      store,
      actor,
      metricBatchSize: parts.metricBatchSize,
      metricFlushIntervalMs: parts.metricFlushIntervalMs,
      audit: (executor, entry) => appendAudit(executor, entry, actor, Date.now()),
      changed: () => hub.poke(),
      now: () => Date.now(),
      runEnded: (run) => this.runs.delete(run as Run),
    };
  }

  /** The core store holding artifacts. */
  get store(): Store {
    return this.parts.store;
  }

  /** Where the metadata lives (a SQLite file path, or the driver's location). */
  get location(): string {
    return this.parts.driver.location;
  }

  /** The actor recorded in the audit log for changes made through this instance. */
  get actor(): string {
    return this.parts.actor;
  }

  private write<T>(work: (executor: SqlExecutor) => Promise<T>): Promise<T> {
    return this.parts.driver.transaction('write', work);
  }

  private read<T>(work: (executor: SqlExecutor) => Promise<T>): Promise<T> {
    return this.parts.driver.transaction('read', work);
  }

  private audit(executor: SqlExecutor, entry: AuditEntry): Promise<number> {
    return this.context.audit(executor, entry);
  }

  // ---------------------------------------------------------------- experiments and runs

  /**
   * Creates an experiment. @throws ConflictError when it exists (startRun creates experiments on
   * first use, so calling this is optional).
   */
  async createExperiment(
    name: string,
    options: { description?: string; tags?: Record<string, string> } = {},
  ): Promise<Experiment> {
    assertName(name, 'experiment');
    parseOptions(describedSchema, options, 'createExperiment() options');
    const tags = assertTags(options.tags ?? {}, 'experiment');
    const createdAt = Date.now();
    await this.write(async (executor) => {
      const result = await executor.run(
        'INSERT INTO experiments (name, description, tags, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING',
        [name, options.description ?? null, JSON.stringify(tags), createdAt],
      );
      if (result.changes === 0) {
        throw new ConflictError(
          `Experiment "${name}" already exists; use getExperiment("${name}") or another name`,
        );
      }
      await this.audit(executor, { action: 'experiment.created', details: { name } });
    });
    this.context.changed();
    const experiment: Experiment = { name, tags, createdAt: new Date(createdAt) };
    if (options.description !== undefined) experiment.description = options.description;
    return experiment;
  }

  /** An experiment by name. @throws NotFoundError. */
  async getExperiment(name: string): Promise<Experiment> {
    assertName(name, 'experiment');
    const row = await this.parts.driver.get<{
      name: string;
      description: string | null;
      tags: string;
      created_at: number;
    }>('SELECT * FROM experiments WHERE name = ?', [name]);
    if (row === undefined) {
      throw new NotFoundError(
        `Experiment "${name}" does not exist; startRun({ experiment: "${name}" }) creates it`,
      );
    }
    return experimentFromRow(row);
  }

  /** Every experiment, by name. */
  async listExperiments(): Promise<Experiment[]> {
    const rows = await this.parts.driver.all<{
      name: string;
      description: string | null;
      tags: string;
      created_at: number;
    }>('SELECT * FROM experiments ORDER BY name');
    return rows.map(experimentFromRow);
  }

  /**
   * Starts a run (creating its experiment on first use) and returns a handle to record it.
   * @throws ValidationError for bad names, params or tags.
   */
  async startRun(options: StartRunOptions = {}): Promise<Run> {
    const checked = parseOptions(startRunSchema, options, 'startRun() options');
    const experiment = assertName(checked.experiment ?? 'default', 'experiment');
    const tags = assertTags(checked.tags ?? {}, 'run');
    const params = Object.entries(checked.params ?? {}).map(([key, value]) => {
      assertKey(key, 'param');
      if (
        !(
          typeof value === 'string' ||
          typeof value === 'boolean' ||
          (typeof value === 'number' && Number.isFinite(value))
        )
      ) {
        throw new ValidationError(
          `Param "${key}" must be a string, finite number or boolean; JSON.stringify objects first`,
        );
      }
      return [key, encodeParam(value)] as const;
    });
    const inputs = [...new Set(checked.inputs ?? [])];
    const id = randomUUID().replaceAll('-', '');
    const now = Date.now();
    await this.write(async (executor) => {
      const created = await executor.run(
        'INSERT INTO experiments (name, description, tags, created_at) VALUES (?, NULL, ?, ?) ON CONFLICT (name) DO NOTHING',
        [experiment, '{}', now],
      );
      if (created.changes > 0)
        await this.audit(executor, { action: 'experiment.created', details: { name: experiment } });
      await executor.run(
        `INSERT INTO runs (id, experiment, name, status, code_version, started_at, ended_at, created_by)
         VALUES (?, ?, ?, 'running', ?, ?, NULL, ?)`,
        [id, experiment, checked.name ?? null, checked.codeVersion ?? null, now, this.parts.actor],
      );
      for (const [key, { text, type }] of params) {
        await executor.run(
          'INSERT INTO run_params (run_id, key, value, type) VALUES (?, ?, ?, ?)',
          [id, key, text, type],
        );
      }
      for (const [key, value] of Object.entries(tags)) {
        await executor.run('INSERT INTO run_tags (run_id, key, value) VALUES (?, ?, ?)', [
          id,
          key,
          value,
        ]);
      }
      for (const dataset of inputs) {
        await executor.run('INSERT INTO run_inputs (run_id, dataset) VALUES (?, ?)', [id, dataset]);
      }
      const details: Record<string, JsonValue> = { experiment, inputs };
      if (checked.name !== undefined) details.name = checked.name;
      await this.audit(executor, { action: 'run.started', runId: id, details });
    });
    this.context.changed();
    const run = new Run(this.context, id, experiment);
    this.track(run);
    return run;
  }

  private track(run: Run): void {
    this.runs.add(run);
  }

  /** A handle on an existing run, to record more (from another process, say). @throws NotFoundError. */
  async openRun(id: string): Promise<Run> {
    const record = await this.getRun(id);
    const run = new Run(this.context, record.id, record.experiment);
    this.track(run);
    return run;
  }

  /** Everything recorded about a run. @throws NotFoundError. */
  getRun(id: string): Promise<RunRecord> {
    if (typeof id !== 'string' || id.length === 0) {
      throw new ValidationError('getRun() takes a run id, as returned by startRun().id');
    }
    return this.read((executor) => readRun(executor, id));
  }

  /** The history of one metric of a run, by step. */
  metricHistory(
    runId: string,
    key: string,
    options?: MetricHistoryOptions,
  ): Promise<MetricPoint[]> {
    return readMetricHistory(this.parts.driver, runId, assertKey(key, 'metric'), options);
  }

  /** Searches runs with a filter and order, a page at a time. @throws ValidationError for a bad filter. */
  async searchRuns(options: SearchRunsOptions = {}): Promise<RunPage> {
    const checked = parseOptions(searchSchema, options, 'searchRuns() options');
    const limit = checked.limit ?? 100;
    const filter = compileFilter(checked.filter ?? '');
    const order =
      checked.orderBy === undefined || checked.orderBy.trim() === ''
        ? undefined
        : compileOrder(checked.orderBy);
    const signature = `${JSON.stringify(checked.experiment ?? null)}|${checked.filter ?? ''}|${checked.orderBy ?? ''}`;
    let offset = 0;
    if (checked.pageToken !== undefined) {
      const token = decodePageToken(checked.pageToken, 'runs');
      if (token.q !== signature || typeof token.o !== 'number') {
        throw new ValidationError(
          'This page token belongs to a search with another experiment, filter or order; pass the same options as for the first page',
        );
      }
      offset = token.o;
    }
    const parameters: SqlValue[] = [...(order?.joins.parameters ?? [])];
    const conditions = [filter.sql];
    parameters.push(...filter.parameters);
    if (checked.experiment !== undefined) {
      const experiments = Array.isArray(checked.experiment)
        ? checked.experiment
        : [checked.experiment];
      for (const experiment of experiments) assertName(experiment, 'experiment');
      conditions.push(`r.experiment IN (${experiments.map(() => '?').join(', ')})`);
      parameters.push(...experiments);
    }
    const sql = `SELECT r.* FROM runs r ${order?.joins.sql ?? ''} WHERE ${conditions.join(' AND ')}
      ORDER BY ${order === undefined ? '' : `${order.order}, `}r.started_at DESC, r.id LIMIT ? OFFSET ?`;
    parameters.push(limit + 1, offset);
    return this.read(async (executor) => {
      const rows = await executor.all<RunRow>(sql, parameters);
      const page: RunPage = { runs: await readRuns(executor, rows.slice(0, limit)) };
      if (rows.length > limit)
        page.nextPageToken = encodePageToken({ k: 'runs', q: signature, o: offset + limit });
      return page;
    });
  }

  // ---------------------------------------------------------------- models and versions

  /** Creates a model without versions. @throws ConflictError when it exists. */
  async createModel(
    name: string,
    options: { description?: string; tags?: Record<string, string> } = {},
  ): Promise<RegisteredModel> {
    assertName(name, 'model');
    parseOptions(describedSchema, options, 'createModel() options');
    const tags = assertTags(options.tags ?? {}, 'model');
    await this.write(async (executor) => {
      const now = Date.now();
      const result = await executor.run(
        `INSERT INTO models (name, description, last_version, created_at, updated_at) VALUES (?, ?, 0, ?, ?)
         ON CONFLICT (name) DO NOTHING`,
        [name, options.description ?? null, now, now],
      );
      if (result.changes === 0)
        throw new ConflictError(
          `Model "${name}" already exists; use getModel("${name}") or another name`,
        );
      for (const [key, value] of Object.entries(tags)) {
        await executor.run('INSERT INTO model_tags (model, key, value) VALUES (?, ?, ?)', [
          name,
          key,
          value,
        ]);
      }
      await this.audit(executor, { action: 'model.created', model: name, details: { tags } });
    });
    this.context.changed();
    return this.getModel(name);
  }

  /** A model with its tags and aliases. @throws NotFoundError. */
  async getModel(name: string): Promise<RegisteredModel> {
    assertName(name, 'model');
    return this.read(
      async (executor) =>
        (await completeModels(executor, [await requireModel(executor, name)]))[0]!,
    );
  }

  /** Models by name, a page at a time. */
  async listModels(options: PageOptions = {}): Promise<ModelPage> {
    const checked = parseOptions(pageSchema, options, 'listModels() options');
    const limit = checked.limit ?? 100;
    const after =
      checked.pageToken === undefined ? '' : String(decodePageToken(checked.pageToken, 'models').a);
    return this.read(async (executor) => {
      const rows = await executor.all<ModelRow>(
        'SELECT * FROM models WHERE name > ? ORDER BY name LIMIT ?',
        [after, limit + 1],
      );
      const page: ModelPage = { models: await completeModels(executor, rows.slice(0, limit)) };
      if (rows.length > limit)
        page.nextPageToken = encodePageToken({ k: 'models', a: rows[limit - 1]!.name });
      return page;
    });
  }

  /** Changes a model's description. @throws NotFoundError. */
  async updateModel(name: string, options: { description: string }): Promise<RegisteredModel> {
    assertName(name, 'model');
    if (typeof options?.description !== 'string')
      throw new ValidationError('updateModel() takes { description: string }');
    await this.write(async (executor) => {
      await requireModel(executor, name);
      await executor.run('UPDATE models SET description = ?, updated_at = ? WHERE name = ?', [
        options.description,
        Date.now(),
        name,
      ]);
      await this.audit(executor, {
        action: 'model.updated',
        model: name,
        details: { description: options.description },
      });
    });
    this.context.changed();
    return this.getModel(name);
  }

  /**
   * Registers a new version of a model (creating the model on first use). Versions are numbered
   * 1, 2, 3, ... with no gap or duplicate, even with several processes registering at once.
   * @throws ValidationError (bad name or options), NotFoundError (unknown run or artifact digest),
   * IntegrityError (the artifact's bytes do not match its digest).
   */
  async registerModel(name: string, options: RegisterModelOptions): Promise<ModelVersion> {
    assertName(name, 'model');
    const checked = parseOptions(registerSchema, options, `registerModel("${name}") options`);
    const tags = assertTags(checked.tags ?? {}, 'version');
    const runId = typeof checked.run === 'string' ? checked.run : checked.run?.id;
    const { digest, size } = await this.storeArtifact(options.artifact, runId);
    const now = Date.now();
    const metrics = checked.metrics ?? {};
    const slices = checked.slices ?? {};
    const version = await this.write(async (executor) => {
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
        await this.audit(executor, { action: 'model.created', model: name, details: {} });
      // One UPDATE ... RETURNING allocates the number under the write lock: no gap, no duplicate.
      const allocated = await executor.get<{ last_version: number }>(
        'UPDATE models SET last_version = last_version + 1, updated_at = ? WHERE name = ? RETURNING last_version',
        [now, name],
      );
      const number = Number(allocated!.last_version);
      await executor.run(
        `INSERT INTO model_versions (model, version, run_id, artifact, artifact_size, signature, metrics, slices,
           description, created_at, created_by, approval, approval_by, approval_at, approval_reason)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', NULL, NULL, NULL)`,
        [
          name,
          number,
          runId ?? null,
          digest,
          size,
          checked.signature === undefined ? null : JSON.stringify(checked.signature),
          JSON.stringify(metrics),
          JSON.stringify(slices),
          checked.description ?? null,
          now,
          this.parts.actor,
        ],
      );
      for (const [key, value] of Object.entries(tags)) {
        await executor.run(
          'INSERT INTO version_tags (model, version, key, value) VALUES (?, ?, ?, ?)',
          [name, number, key, value],
        );
      }
      const details: Record<string, JsonValue> = { artifact: digest };
      if (runId !== undefined) details.runId = runId;
      const entry: AuditEntry = {
        action: 'version.created',
        model: name,
        version: number,
        details,
      };
      if (runId !== undefined) entry.runId = runId;
      await this.audit(executor, entry);
      return number;
    });
    this.context.changed();
    const result: ModelVersion = {
      name,
      version,
      artifact: digest,
      artifactSize: size,
      metrics,
      slices,
      tags,
      aliases: [],
      approval: { status: 'pending' },
      createdAt: new Date(now),
      createdBy: this.parts.actor,
    };
    if (checked.signature !== undefined) result.signature = checked.signature;
    if (runId !== undefined) result.runId = runId;
    if (checked.description !== undefined) result.description = checked.description;
    return result;
  }

  private async storeArtifact(
    artifact: unknown,
    runId: string | undefined,
  ): Promise<{ digest: Digest; size: number }> {
    const store = this.parts.store;
    let digest: unknown;
    if (typeof artifact === 'string' && !isDigest(artifact) && runId !== undefined) {
      // The name of an artifact the run logged, such as "model".
      const logged = await this.parts.driver.get<{ digest: string }>(
        'SELECT digest FROM run_artifacts WHERE run_id = ? AND name = ?',
        [runId, artifact],
      );
      if (logged === undefined) {
        throw new NotFoundError(
          `Run ${runId} has no artifact named ${JSON.stringify(artifact)}; log it with run.logArtifact() first, or pass its digest`,
        );
      }
      digest = logged.digest;
    } else if (typeof artifact === 'string') digest = artifact;
    else if (
      typeof artifact === 'object' &&
      artifact !== null &&
      !(artifact instanceof Uint8Array) &&
      !(Symbol.asyncIterator in artifact) &&
      !(Symbol.iterator in artifact)
    ) {
      digest = (artifact as { digest?: unknown }).digest;
    } else {
      return store.put(artifact as BlobSource);
    }
    if (!isDigest(digest)) {
      throw new ValidationError(
        `registerModel() artifact must be a digest such as "sha256:<64 hex>" (from store.put()), { digest }, the bytes, or with { run } the name of an artifact the run logged; got ${JSON.stringify(String(digest).slice(0, 80))}`,
      );
    }
    if (!this.parts.verifyArtifacts) return { digest, size: (await store.stat(digest)).size };
    // Reading through the store verifies the bytes against the digest (IntegrityError otherwise).
    // Small blobs are read whole (cheaper in the core store), large ones streamed.
    const { size } = await store.stat(digest);
    if (size <= VERIFY_IN_MEMORY_BYTES)
      return { digest, size: (await store.read(digest)).byteLength };
    let streamed = 0;
    for await (const chunk of await store.get(digest)) streamed += (chunk as Uint8Array).byteLength;
    return { digest, size: streamed };
  }

  /** One version with its tags and aliases. @throws NotFoundError. */
  async getVersion(name: string, version: number): Promise<ModelVersion> {
    assertName(name, 'model');
    assertVersion(version);
    return this.read((executor) => readVersion(executor, name, version));
  }

  /**
   * A page of versions, highest first (default) or lowest first. Keyset pagination: a page costs
   * the same at version 100,000 as at version 1.
   */
  async listVersions(
    name: string,
    options: PageOptions & { order?: 'asc' | 'desc' } = {},
  ): Promise<VersionPage> {
    assertName(name, 'model');
    const checked = parseOptions(versionPageSchema, options, 'listVersions() options');
    const limit = checked.limit ?? 100;
    const descending = (checked.order ?? 'desc') === 'desc';
    const kind = descending ? 'versions-desc' : 'versions-asc';
    const after =
      checked.pageToken === undefined
        ? undefined
        : Number(decodePageToken(checked.pageToken, kind).a);
    return this.read(async (executor) => {
      const rows = await executor.all<VersionRow>(
        descending
          ? 'SELECT * FROM model_versions WHERE model = ? AND version < ? ORDER BY version DESC LIMIT ?'
          : 'SELECT * FROM model_versions WHERE model = ? AND version > ? ORDER BY version ASC LIMIT ?',
        [name, after ?? (descending ? Number.MAX_SAFE_INTEGER : 0), limit + 1],
      );
      if (rows.length === 0 && after === undefined) await requireModel(executor, name);
      const page: VersionPage = {
        versions: await completeVersions(executor, name, rows.slice(0, limit)),
      };
      if (rows.length > limit)
        page.nextPageToken = encodePageToken({ k: kind, a: Number(rows[limit - 1]!.version) });
      return page;
    });
  }

  /**
   * Resolves `name@alias`, `name/3`, `name@latest` or a bare `name` (its highest version) to a
   * version with its artifact digest. This is the `ModelSource.resolve` of `@mlinfra/serving`.
   * @throws ValidationError (malformed reference), NotFoundError (unknown model, alias or version).
   */
  async resolve(reference: string): Promise<ModelVersion> {
    const parsed = parseModelReference(reference);
    return this.read(async (executor) => {
      let version: number;
      if (parsed.kind === 'version') version = parsed.version;
      else if (parsed.kind === 'latest') {
        const model = await requireModel(executor, parsed.name);
        version = Number(model.last_version);
        if (version === 0)
          throw new NotFoundError(
            `Model "${parsed.name}" has no versions yet; register one with registerModel()`,
          );
      } else {
        const row = await executor.get<{ version: number }>(
          'SELECT version FROM aliases WHERE model = ? AND alias = ?',
          [parsed.name, parsed.alias],
        );
        if (row === undefined) {
          await requireModel(executor, parsed.name);
          throw new NotFoundError(
            `Model "${parsed.name}" has no alias "${parsed.alias}"; set it with setAlias("${parsed.name}", "${parsed.alias}", version) or use "${parsed.name}@latest"`,
          );
        }
        version = Number(row.version);
      }
      return readVersion(executor, parsed.name, version);
    });
  }

  /** Reads a version's artifact bytes, verified against the digest. @throws NotFoundError, IntegrityError. */
  async readArtifact(reference: string): Promise<Uint8Array> {
    const version = await this.resolve(reference);
    return this.parts.store.read(version.artifact);
  }

  /** Points `alias` at `version` (moving it if set). @throws NotFoundError, ValidationError. */
  async setAlias(name: string, alias: string, version: number): Promise<void> {
    assertName(name, 'model');
    assertAlias(alias);
    assertVersion(version);
    const changed = await this.write((executor) =>
      this.moveAlias(executor, name, alias, version, {}),
    );
    if (changed) this.context.changed();
  }

  private async moveAlias(
    executor: SqlExecutor,
    name: string,
    alias: string,
    version: number,
    details: Record<string, JsonValue>,
  ): Promise<boolean> {
    const exists = await executor.get(
      'SELECT 1 AS found FROM model_versions WHERE model = ? AND version = ?',
      [name, version],
    );
    if (exists === undefined) await readVersion(executor, name, version);
    const previous = await executor.get<{ version: number }>(
      'SELECT version FROM aliases WHERE model = ? AND alias = ?',
      [name, alias],
    );
    if (previous !== undefined && Number(previous.version) === version) return false;
    const now = Date.now();
    await executor.run(
      `INSERT INTO aliases (model, alias, version, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (model, alias) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at`,
      [name, alias, version, now],
    );
    await executor.run('UPDATE models SET updated_at = ? WHERE name = ?', [now, name]);
    await this.audit(executor, {
      action: 'alias.set',
      model: name,
      version,
      alias,
      details: {
        ...details,
        previousVersion: previous === undefined ? null : Number(previous.version),
      },
    });
    return true;
  }

  /** Removes an alias. @throws NotFoundError for an unknown model or alias. */
  async deleteAlias(name: string, alias: string): Promise<void> {
    assertName(name, 'model');
    assertAlias(alias);
    await this.write(async (executor) => {
      const previous = await executor.get<{ version: number }>(
        'SELECT version FROM aliases WHERE model = ? AND alias = ?',
        [name, alias],
      );
      if (previous === undefined) {
        await requireModel(executor, name);
        throw new NotFoundError(`Model "${name}" has no alias "${alias}" to delete`);
      }
      await executor.run('DELETE FROM aliases WHERE model = ? AND alias = ?', [name, alias]);
      await executor.run('UPDATE models SET updated_at = ? WHERE name = ?', [Date.now(), name]);
      await this.audit(executor, {
        action: 'alias.deleted',
        model: name,
        version: Number(previous.version),
        alias,
        details: {},
      });
    });
    this.context.changed();
  }

  /** Sets model tags (a new value replaces the old). @throws NotFoundError. */
  async setModelTags(name: string, tags: Record<string, string>): Promise<void> {
    assertName(name, 'model');
    const checked = assertTags(tags, 'model');
    await this.write(async (executor) => {
      await requireModel(executor, name);
      for (const [key, value] of Object.entries(checked)) {
        await executor.run(
          'INSERT INTO model_tags (model, key, value) VALUES (?, ?, ?) ON CONFLICT (model, key) DO UPDATE SET value = excluded.value',
          [name, key, value],
        );
      }
      await this.audit(executor, { action: 'model.tags', model: name, details: { set: checked } });
    });
    this.context.changed();
  }

  /** Removes model tags by key (absent keys are ignored). @throws NotFoundError. */
  async deleteModelTags(name: string, keys: string[]): Promise<void> {
    assertName(name, 'model');
    if (!Array.isArray(keys))
      throw new ValidationError('Pass the tag keys to delete as an array of strings');
    for (const key of keys) assertKey(key, 'model tag');
    await this.write(async (executor) => {
      await requireModel(executor, name);
      for (const key of keys)
        await executor.run('DELETE FROM model_tags WHERE model = ? AND key = ?', [name, key]);
      await this.audit(executor, { action: 'model.tags', model: name, details: { deleted: keys } });
    });
    this.context.changed();
  }

  /** Sets version tags (a new value replaces the old). @throws NotFoundError. */
  async setVersionTags(name: string, version: number, tags: Record<string, string>): Promise<void> {
    assertName(name, 'model');
    assertVersion(version);
    const checked = assertTags(tags, 'version');
    await this.write(async (executor) => {
      await readVersion(executor, name, version);
      for (const [key, value] of Object.entries(checked)) {
        await executor.run(
          `INSERT INTO version_tags (model, version, key, value) VALUES (?, ?, ?, ?)
           ON CONFLICT (model, version, key) DO UPDATE SET value = excluded.value`,
          [name, version, key, value],
        );
      }
      await this.audit(executor, {
        action: 'version.tags',
        model: name,
        version,
        details: { set: checked },
      });
    });
    this.context.changed();
  }

  /** Removes version tags by key. @throws NotFoundError. */
  async deleteVersionTags(name: string, version: number, keys: string[]): Promise<void> {
    assertName(name, 'model');
    assertVersion(version);
    if (!Array.isArray(keys))
      throw new ValidationError('Pass the tag keys to delete as an array of strings');
    for (const key of keys) assertKey(key, 'version tag');
    await this.write(async (executor) => {
      await readVersion(executor, name, version);
      for (const key of keys) {
        await executor.run('DELETE FROM version_tags WHERE model = ? AND version = ? AND key = ?', [
          name,
          version,
          key,
        ]);
      }
      await this.audit(executor, {
        action: 'version.tags',
        model: name,
        version,
        details: { deleted: keys },
      });
    });
    this.context.changed();
  }

  /** Records an approval decision (who, when, why). @throws NotFoundError, ValidationError. */
  async setApproval(
    name: string,
    version: number,
    options: ApprovalOptions,
  ): Promise<ModelVersion> {
    assertName(name, 'model');
    assertVersion(version);
    const checked = parseOptions(approvalSchema, options, 'setApproval() options');
    const by = checked.by ?? this.parts.actor;
    const result = await this.write(async (executor) => {
      const before = await readVersion(executor, name, version);
      const now = Date.now();
      await executor.run(
        'UPDATE model_versions SET approval = ?, approval_by = ?, approval_at = ?, approval_reason = ? WHERE model = ? AND version = ?',
        [checked.status, by, now, checked.reason ?? null, name, version],
      );
      const details: Record<string, JsonValue> = {
        status: checked.status,
        previousStatus: before.approval.status,
      };
      if (checked.reason !== undefined) details.reason = checked.reason;
      await this.audit(executor, {
        action: 'version.approval',
        model: name,
        version,
        actor: by,
        details,
      });
      return readVersion(executor, name, version);
    });
    this.context.changed();
    return result;
  }

  /**
   * Moves `alias` to `version` if every gate passes, atomically: the gates are checked against
   * the alias's holder inside the same write transaction that moves it.
   * @throws PromotionRefusedError (a ConflictError carrying the report) when a gate fails; nothing
   * changes. NotFoundError, ValidationError.
   */
  async promote(
    name: string,
    version: number,
    alias: string,
    options: PromoteOptions = {},
  ): Promise<PromotionReport> {
    assertName(name, 'model');
    assertVersion(version);
    assertAlias(alias);
    const checked = parseOptions(promoteSchema, options, 'promote() options');
    const gates = (checked.gates ?? []) as PromotionGate[];
    const evaluate = async (executor: SqlExecutor): Promise<PromotionReport> => {
      const candidate = await readVersion(executor, name, version);
      const holderRow = await executor.get<{ version: number }>(
        'SELECT version FROM aliases WHERE model = ? AND alias = ?',
        [name, alias],
      );
      const holder =
        holderRow === undefined
          ? undefined
          : await readVersion(executor, name, Number(holderRow.version));
      const checks: GateCheck[] = evaluateGates(gates, candidate, holder);
      if (checked.requireApproval === true) {
        const approved = candidate.approval.status === 'approved';
        checks.unshift({
          metric: 'approval',
          passed: approved,
          reason: approved
            ? `approved by ${candidate.approval.by ?? 'unknown'}`
            : `the version is ${candidate.approval.status}; approve it with setApproval() first`,
        });
      }
      const report: PromotionReport = {
        name,
        version,
        alias,
        promoted: false,
        checks,
        failures: checks.filter((check) => !check.passed),
      };
      if (holder !== undefined) report.previousVersion = holder.version;
      return report;
    };
    if (checked.dryRun === true) return this.read(evaluate);
    const report = await this.write(async (executor) => {
      // Touching the model row first makes concurrent promotions of one model take turns on
      // databases with row locks (PostgreSQL); SQLite's write lock already does.
      await executor.run('UPDATE models SET updated_at = updated_at WHERE name = ?', [name]);
      const report = await evaluate(executor);
      if (report.failures.length > 0) return report;
      report.promoted =
        (await this.moveAlias(executor, name, alias, version, {
          promotion: { gates: gates.length, checks: report.checks.length },
        })) || report.previousVersion === version;
      return report;
    });
    if (report.failures.length > 0) throw new PromotionRefusedError(report);
    this.context.changed();
    return report;
  }

  // ---------------------------------------------------------------- lineage and audit

  /** Where a version came from: its run, the run's dataset versions, and its aliases. @throws NotFoundError. */
  async lineage(name: string, version: number): Promise<Lineage> {
    assertName(name, 'model');
    assertVersion(version);
    return this.read(async (executor) => {
      const found = await readVersion(executor, name, version);
      const result: Lineage = { version: found, datasets: [] };
      if (found.runId !== undefined) {
        const row = await executor.get<RunRow>('SELECT * FROM runs WHERE id = ?', [found.runId]);
        if (row !== undefined) {
          result.run = (await readRuns(executor, [row]))[0]!;
          result.datasets = result.run.inputs;
        }
      }
      return result;
    });
  }

  /** The reverse lineage question: which model versions were trained on a dataset version. */
  async versionsTrainedOn(datasetVersion: string): Promise<TrainedVersion[]> {
    if (typeof datasetVersion !== 'string' || datasetVersion.length === 0) {
      throw new ValidationError(
        'versionsTrainedOn() takes a dataset version id, as given in startRun({ inputs })',
      );
    }
    const rows = await this.parts.driver.all<{ model: string; version: number; run_id: string }>(
      `SELECT v.model, v.version, v.run_id FROM run_inputs i JOIN model_versions v ON v.run_id = i.run_id
       WHERE i.dataset = ? ORDER BY v.model, v.version`,
      [datasetVersion],
    );
    return rows.map((row) => ({
      name: row.model,
      version: Number(row.version),
      runId: row.run_id,
    }));
  }

  /** Audit entries, oldest first. */
  async auditLog(options: AuditLogOptions = {}): Promise<RegistryEvent[]> {
    const checked = parseOptions(auditSchema, options, 'auditLog() options');
    const conditions = ['id > ?'];
    const parameters: SqlValue[] = [checked.afterId ?? 0];
    if (checked.model !== undefined) {
      conditions.push('model = ?');
      parameters.push(checked.model);
    }
    if (checked.runId !== undefined) {
      conditions.push('run_id = ?');
      parameters.push(checked.runId);
    }
    parameters.push(checked.limit ?? 1000);
    const rows = await this.parts.driver.all<AuditRow>(
      `SELECT * FROM audit_log WHERE ${conditions.join(' AND ')} ORDER BY id LIMIT ?`,
      parameters,
    );
    return rows.map(eventFromRow);
  }

  // ---------------------------------------------------------------- events

  /**
   * Calls `listener` with every change to `name` (every model when `name` is undefined): versions
   * created, aliases set or deleted, approvals, tags. Works across processes: changes made through
   * another registry instance or process arrive within about `pollIntervalMs` (default 100 ms).
   * Returns a function that stops it. An error thrown by `listener` goes to `onError` (default: a
   * process warning) and later events still arrive; a database failure ends the subscription
   * after calling `onError`.
   */
  subscribe(
    name: string | undefined,
    listener: (event: RegistryEvent) => void,
    options: WatchOptions & {
      /** Called with a listener's error or the database failure that ended the subscription. */
      onError?: (error: unknown) => void;
      /** Called when the registry closes. */
      onClose?: () => void;
    } = {},
  ): () => void {
    if (name !== undefined) assertName(name, 'model');
    if (typeof listener !== 'function')
      throw new ValidationError('subscribe() takes a listener function');
    const { onError, onClose, ...rest } = options;
    const checked = parseOptions(watchSchema, rest, 'subscribe() options');
    const report =
      onError ??
      ((error: unknown) =>
        process.emitWarning(
          `A registry watcher of ${name ?? 'every model'} failed: ${error instanceof Error ? error.message : String(error)}; pass onError to handle it`,
        ));
    const stop = this.parts.hub.subscribe(name, checked.afterId, listener, report, onClose);
    checked.signal?.addEventListener('abort', stop, { once: true });
    return stop;
  }

  /**
   * The changes to `name` as an async iterator (see {@link Registry.subscribe}). End it with
   * `break`, `close()` or the `signal`.
   *
   * @example
   * ```ts
   * for await (const event of registry.watch('churn')) {
   *   if (event.action === 'alias.set' && event.alias === 'champion') reload(event.version);
   * }
   * ```
   */
  watch(name: string | undefined, options: WatchOptions = {}): RegistryWatch {
    const queue: RegistryEvent[] = [];
    const waiting: Array<{
      resolve: (result: IteratorResult<RegistryEvent>) => void;
      reject: (error: unknown) => void;
    }> = [];
    let done = false;
    let failure: unknown;
    const finish = () => {
      if (done) return;
      done = true;
      stop();
      for (const waiter of waiting.splice(0)) waiter.resolve({ value: undefined, done: true });
    };
    const stop = this.subscribe(
      name,
      (event) => {
        const waiter = waiting.shift();
        if (waiter === undefined) queue.push(event);
        else waiter.resolve({ value: event, done: false });
      },
      {
        ...options,
        onError: (error) => {
          failure = error;
          const waiter = waiting.shift();
          if (waiter !== undefined) waiter.reject(error);
          finish();
        },
        onClose: finish,
      },
    );
    options.signal?.addEventListener('abort', finish, { once: true });
    const iterator: RegistryWatch = {
      next() {
        const event = queue.shift();
        if (event !== undefined) return Promise.resolve({ value: event, done: false });
        if (failure !== undefined) {
          const error = failure;
          failure = undefined;
          return Promise.reject(error);
        }
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
      },
      return() {
        finish();
        return Promise.resolve({ value: undefined, done: true });
      },
      close: finish,
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  /**
   * Flushes every open run's buffered metrics, stops watchers and closes the database. Throws the
   * first flush failure (after closing) so that lost metric points do not go unnoticed.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.parts.hub.close();
    const flushed = await Promise.allSettled([...this.runs].map((run) => run.flush()));
    await this.parts.driver.close();
    // The database is closed either way; a run whose buffered metrics could not be written says so.
    const failure = flushed.find((result) => result.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
  }

  /** `await using registry = await openRegistry()` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function experimentFromRow(row: {
  name: string;
  description: string | null;
  tags: string;
  created_at: number;
}): Experiment {
  const experiment: Experiment = {
    name: row.name,
    tags: JSON.parse(row.tags) as Record<string, string>,
    createdAt: new Date(Number(row.created_at)),
  };
  if (row.description !== null) experiment.description = row.description;
  return experiment;
}
