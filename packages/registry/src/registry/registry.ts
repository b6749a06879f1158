import type { Store } from '@mlinfra/core';
import { ValidationError } from '@mlinfra/core';
import { dialectRules } from '../driver/dialect.js';
import type { SqlDriver } from '../driver/sql-driver.js';
import { type AuditLogOptions, auditLog } from '../events/audit-log.js';
import type { EventHub } from '../events/event-hub.js';
import {
  type RegistryWatch,
  type SubscribeOptions,
  subscribe,
  type WatchOptions,
  watch,
} from '../events/watch.js';
import { appendAudit, type RegistryContext } from '../internal/context.js';
import { assertKey } from '../internal/validate.js';
import {
  type Lineage,
  lineage,
  type TrainedVersion,
  versionsTrainedOn,
} from '../lineage/lineage.js';
import { deleteAlias, setAlias } from '../models/aliases.js';
import type { PromotionReport } from '../models/gates.js';
import {
  type ApprovalOptions,
  createModel,
  deleteModelTags,
  deleteVersionTags,
  setApproval,
  setModelTags,
  setVersionTags,
  updateModel,
} from '../models/model-commands.js';
import {
  getModel,
  getVersion,
  listModels,
  listVersions,
  type ModelPage,
  type PageOptions,
  resolve,
  type VersionPage,
} from '../models/model-reads.js';
import { type PromoteOptions, promote } from '../models/promotion.js';
import { type RegisterModelOptions, registerModel } from '../models/register-model.js';
import { createExperiment, getExperiment, listExperiments } from '../tracking/experiments.js';
import { Run } from '../tracking/run.js';
import { type MetricHistoryOptions, readMetricHistory, readRun } from '../tracking/run-queries.js';
import { type RunPage, type SearchRunsOptions, searchRuns } from '../tracking/search-runs.js';
import { type StartRunOptions, startRun } from '../tracking/start-run.js';
import type {
  Experiment,
  MetricPoint,
  ModelVersion,
  RegisteredModel,
  RegistryEvent,
  RunRecord,
} from '../types.js';

/** Internal wiring handed to the Registry constructor by openRegistry. */
export interface RegistryParts {
  driver: SqlDriver;
  store: Store;
  hub: EventHub;
  actor: string;
  metricBatchSize: number;
  metricFlushIntervalMs: number;
  verifyArtifacts: boolean | 'hash';
}

/**
 * Experiment tracking and model registry. Create one with {@link openRegistry}. Every method is
 * async and safe to call from several processes on the same database at once.
 *
 * A registry is a `ModelSource` for `@mlinfra/serving` ({@link Registry.resolve},
 * {@link Registry.watch}) and its runs are `RunLogger`s for `@mlinfra/trainer`.
 *
 * This class is a facade: each method checks nothing itself and calls the module that owns the
 * concept (tracking/, models/, lineage/, events/), passing the registry's context.
 */
export class Registry {
  private readonly context: RegistryContext;
  private readonly runs = new Set<Run>();
  private closed = false;

  /** @internal Use {@link openRegistry}. */
  constructor(private readonly parts: RegistryParts) {
    const { driver, store, actor, hub } = parts;
    const dialect = dialectRules(driver.dialect);
    this.context = {
      driver,
      dialect,
      store,
      hub,
      actor,
      verifyArtifacts: parts.verifyArtifacts,
      metricBatchSize: parts.metricBatchSize,
      metricFlushIntervalMs: parts.metricFlushIntervalMs,
      audit: (executor, entry) => appendAudit(executor, dialect, entry, actor, Date.now()),
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

  private track(run: Run): Run {
    this.runs.add(run);
    return run;
  }

  // ---------------------------------------------------------------- experiments and runs

  /**
   * Creates an experiment. @throws ConflictError when it exists (startRun creates experiments on
   * first use, so calling this is optional).
   */
  createExperiment(
    name: string,
    options: { description?: string; tags?: Record<string, string> } = {},
  ): Promise<Experiment> {
    return createExperiment(this.context, name, options);
  }

  /** An experiment by name. @throws NotFoundError. */
  getExperiment(name: string): Promise<Experiment> {
    return getExperiment(this.context, name);
  }

  /** Every experiment, by name. */
  listExperiments(): Promise<Experiment[]> {
    return listExperiments(this.context);
  }

  /**
   * Starts a run (creating its experiment on first use) and returns a handle to record it.
   * @throws ValidationError for bad names, params or tags.
   */
  async startRun(options: StartRunOptions = {}): Promise<Run> {
    return this.track(await startRun(this.context, options));
  }

  /** A handle on an existing run, to record more (from another process, say). @throws NotFoundError. */
  async openRun(id: string): Promise<Run> {
    const record = await this.getRun(id);
    return this.track(new Run(this.context, record.id, record.experiment));
  }

  /** Everything recorded about a run. @throws NotFoundError. */
  getRun(id: string): Promise<RunRecord> {
    if (typeof id !== 'string' || id.length === 0) {
      throw new ValidationError('getRun() takes a run id, as returned by startRun().id');
    }
    return this.parts.driver.transaction('read', (executor) => readRun(executor, id));
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
  searchRuns(options: SearchRunsOptions = {}): Promise<RunPage> {
    return searchRuns(this.context, options);
  }

  // ---------------------------------------------------------------- models and versions

  /** Creates a model without versions. @throws ConflictError when it exists. */
  async createModel(
    name: string,
    options: { description?: string; tags?: Record<string, string> } = {},
  ): Promise<RegisteredModel> {
    await createModel(this.context, name, options);
    return this.getModel(name);
  }

  /** A model with its tags and aliases. @throws NotFoundError. */
  getModel(name: string): Promise<RegisteredModel> {
    return getModel(this.context, name);
  }

  /** Models by name, a page at a time. */
  listModels(options: PageOptions = {}): Promise<ModelPage> {
    return listModels(this.context, options);
  }

  /** Changes a model's description. @throws NotFoundError. */
  async updateModel(name: string, options: { description: string }): Promise<RegisteredModel> {
    await updateModel(this.context, name, options);
    return this.getModel(name);
  }

  /**
   * Registers a new version of a model (creating the model on first use). Versions are numbered
   * 1, 2, 3, ... with no gap or duplicate, even with several processes registering at once.
   * @throws ValidationError (bad name or options), NotFoundError (unknown run or artifact digest),
   * IntegrityError (the artifact's bytes do not match its digest).
   */
  registerModel(name: string, options: RegisterModelOptions): Promise<ModelVersion> {
    return registerModel(this.context, name, options);
  }

  /** One version with its tags and aliases. @throws NotFoundError. */
  getVersion(name: string, version: number): Promise<ModelVersion> {
    return getVersion(this.context, name, version);
  }

  /**
   * A page of versions, highest first (default) or lowest first. Keyset pagination: a page costs
   * the same at version 100,000 as at version 1.
   */
  listVersions(
    name: string,
    options: PageOptions & { order?: 'asc' | 'desc' } = {},
  ): Promise<VersionPage> {
    return listVersions(this.context, name, options);
  }

  /**
   * Resolves `name@alias`, `name/3`, `name@latest` or a bare `name` (its highest version) to a
   * version with its artifact digest. This is the `ModelSource.resolve` of `@mlinfra/serving`.
   * @throws ValidationError (malformed reference), NotFoundError (unknown model, alias or version).
   */
  resolve(reference: string): Promise<ModelVersion> {
    return resolve(this.context, reference);
  }

  /** Reads a version's artifact bytes, verified against the digest. @throws NotFoundError, IntegrityError. */
  async readArtifact(reference: string): Promise<Uint8Array> {
    const version = await this.resolve(reference);
    return this.parts.store.read(version.artifact);
  }

  /** Points `alias` at `version` (moving it if set). @throws NotFoundError, ValidationError. */
  setAlias(name: string, alias: string, version: number): Promise<void> {
    return setAlias(this.context, name, alias, version);
  }

  /** Removes an alias. @throws NotFoundError for an unknown model or alias. */
  deleteAlias(name: string, alias: string): Promise<void> {
    return deleteAlias(this.context, name, alias);
  }

  /** Sets model tags (a new value replaces the old). @throws NotFoundError. */
  setModelTags(name: string, tags: Record<string, string>): Promise<void> {
    return setModelTags(this.context, name, tags);
  }

  /** Removes model tags by key (absent keys are ignored). @throws NotFoundError. */
  deleteModelTags(name: string, keys: string[]): Promise<void> {
    return deleteModelTags(this.context, name, keys);
  }

  /** Sets version tags (a new value replaces the old). @throws NotFoundError. */
  setVersionTags(name: string, version: number, tags: Record<string, string>): Promise<void> {
    return setVersionTags(this.context, name, version, tags);
  }

  /** Removes version tags by key. @throws NotFoundError. */
  deleteVersionTags(name: string, version: number, keys: string[]): Promise<void> {
    return deleteVersionTags(this.context, name, version, keys);
  }

  /** Records an approval decision (who, when, why). @throws NotFoundError, ValidationError. */
  setApproval(name: string, version: number, options: ApprovalOptions): Promise<ModelVersion> {
    return setApproval(this.context, name, version, options);
  }

  /**
   * Moves `alias` to `version` if every gate passes, atomically: the gates are checked against
   * the alias's holder inside the same write transaction that moves it.
   * @throws PromotionRefusedError (a ConflictError carrying the report) when a gate fails; nothing
   * changes. NotFoundError, ValidationError.
   */
  promote(
    name: string,
    version: number,
    alias: string,
    options: PromoteOptions = {},
  ): Promise<PromotionReport> {
    return promote(this.context, name, version, alias, options);
  }

  // ---------------------------------------------------------------- lineage and audit

  /** Where a version came from: its run, the run's dataset versions, and its aliases. @throws NotFoundError. */
  lineage(name: string, version: number): Promise<Lineage> {
    return lineage(this.context, name, version);
  }

  /** The reverse lineage question: which model versions were trained on a dataset version. */
  versionsTrainedOn(datasetVersion: string): Promise<TrainedVersion[]> {
    return versionsTrainedOn(this.context, datasetVersion);
  }

  /** Audit entries, oldest first. */
  auditLog(options: AuditLogOptions = {}): Promise<RegistryEvent[]> {
    return auditLog(this.context, options);
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
    options: SubscribeOptions = {},
  ): () => void {
    return subscribe(this.parts.hub, name, listener, options);
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
    return watch(this.parts.hub, name, options);
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
