/**
 * `@mlinfra/registry`: experiment tracking and model registry on embedded SQLite, with
 * artifacts in the `@mlinfra/core` store.
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
 *   aliases, runId?, approval, createdAt, ... }` and `artifact` is the `sha256:` digest of the
 *   model artifact in the core store
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
export type { GateCheck, PromotionGate, PromotionReport } from './models/gates.js';
export { openRegistry } from './registry/open-registry.js';
export type { RegistryOptions } from './registry/options.js';
export {
  type ApprovalOptions,
  type AuditLogOptions,
  type Lineage,
  type ModelPage,
  type PageOptions,
  type PromoteOptions,
  PromotionRefusedError,
  type RegisterModelOptions,
  Registry,
  type RegistryWatch,
  type RunPage,
  type SearchRunsOptions,
  type StartRunOptions,
  type TrainedVersion,
  type VersionPage,
  type WatchOptions,
} from './registry/registry.js';
export { type LogMetricsOptions, Run, type StoredBlob } from './tracking/run.js';
export type { MetricHistoryOptions } from './tracking/run-queries.js';
export type {
  ApprovalStatus,
  Experiment,
  JsonValue,
  MetricPoint,
  ModelApproval,
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
