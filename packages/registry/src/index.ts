/**
 * `@mlinfra/registry`: experiment tracking and model registry on embedded SQLite or a shared
 * PostgreSQL (`openRegistry({ database: 'postgres://...' })`), with artifacts in the
 * `@mlinfra/core` store.
 *
 * ## Contracts other packages wire to (structural; they never import this package)
 *
 * **RunLogger** (consumed by `@mlinfra/trainer`): a {@link Run} from `registry.startRun()` has
 * - `logParams(params: Record<string, string | number | boolean>): Promise<void>` (immutable)
 * - `logMetrics(values: Record<string, number>, options?: { step?: number; timestamp?: Date | number }): Promise<void>`
 *   and the overload `logMetrics(step: number, values: Record<string, number>): Promise<void>`
 * - `logArtifact(name: string, data: Uint8Array | string | Readable | AsyncIterable<Uint8Array> | { digest }): Promise<{ name, digest, size, loggedAt }>`
 * - `setTags(tags: Record<string, string>): Promise<void>`
 * - `end(status?: 'finished' | 'failed' | 'killed'): Promise<void>`, `flush(): Promise<void>`, `id: string`
 *
 * **ModelSource** (consumed by `@mlinfra/serving`): a {@link Registry} has
 * - `resolve(reference: 'name@alias' | 'name/3' | 'name@latest' | 'name'): Promise<ModelVersion>` where
 *   `ModelVersion` is `{ name, version, artifact, artifactSize, signature?, metrics, slices, tags,
 *   aliases, runId?, approval, createdAt, format, inputColumns?, ... }` and `artifact` is the
 *   `sha256:` digest of the model artifact in the core store; `format` (`'tfjs' | 'onnx'`) says
 *   which loader to use
 * - `watch(name): AsyncIterable<RegistryEvent>` (and `subscribe(name, listener) => unsubscribe`)
 *   (the iterator also has `close()`; closing the registry finishes it)
 *   with events `{ id, action: 'version.created' | 'alias.set' | 'alias.deleted' | ..., model,
 *   version?, alias?, at, actor, details }`. Works across processes: other processes' changes
 *   arrive within about `pollIntervalMs` (default 100 ms); same-instance changes at once.
 * - `readArtifact(reference): Promise<Uint8Array>` and `store` (the core store) to load the bytes.
 *
 * @packageDocumentation
 */
export type { SqlDialect, SqlDriver, SqlExecutor, SqlValue } from './driver/sql-driver.js';
export type { AuditLogOptions } from './events/audit-log.js';
export type { RegistryWatch, SubscribeOptions, WatchOptions } from './events/watch.js';
export type { Lineage, TrainedVersion } from './lineage/lineage.js';
export type { ArtifactFile } from './models/artifacts.js';
export type { GateCheck, PromotionGate, PromotionReport } from './models/gates.js';
export type { ApprovalOptions } from './models/model-commands.js';
export type { ModelPage, PageOptions, VersionPage } from './models/model-reads.js';
export { type PromoteOptions, PromotionRefusedError } from './models/promotion.js';
export type { RegisterModelOptions } from './models/register-model.js';
export { openRegistry } from './registry/open-registry.js';
export type { RegistryOptions } from './registry/options.js';
export { Registry } from './registry/registry.js';
export { type LogMetricsOptions, Run, type StoredBlob } from './tracking/run.js';
export type { MetricHistoryOptions } from './tracking/run-queries.js';
export type { RunPage, SearchRunsOptions } from './tracking/search-runs.js';
export type { StartRunOptions } from './tracking/start-run.js';
export type {
  ApprovalStatus,
  Experiment,
  JsonValue,
  MetricPoint,
  ModelApproval,
  ModelFormat,
  ModelVersion,
  ParamValue,
  RegisteredModel,
  RegistryAction,
  RegistryEvent,
  RunArtifact,
  RunRecord,
  RunStatus,
  SliceMetrics,
} from './types.js';
