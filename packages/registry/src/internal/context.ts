import type { Store } from '@mlinfra/core';
import type { SqlDialectRules } from '../driver/dialect.js';
import type { SqlDriver, SqlExecutor } from '../driver/sql-driver.js';
import type { EventHub } from '../events/event-hub.js';
import type { JsonValue, RegistryAction } from '../types.js';

/** One audit entry to append. */
export interface AuditEntry {
  action: RegistryAction;
  model?: string;
  version?: number;
  alias?: string;
  runId?: string;
  actor?: string;
  details?: Record<string, JsonValue>;
}

/** What the registry's command and query modules (and a Run handle) need from the registry. */
export interface RegistryContext {
  readonly driver: SqlDriver;
  /** The dialect-specific SQL fragments of `driver`. */
  readonly dialect: SqlDialectRules;
  readonly store: Store;
  readonly hub: EventHub;
  readonly actor: string;
  /** How `registerModel` checks an artifact given by digest (see RegistryOptions.verifyArtifacts). */
  readonly verifyArtifacts: boolean | 'hash';
  readonly metricBatchSize: number;
  readonly metricFlushIntervalMs: number;
  /** Appends an audit entry inside `executor`'s transaction; returns its id. */
  audit(executor: SqlExecutor, entry: AuditEntry): Promise<number>;
  /** Tells local watchers that something changed. */
  changed(): void;
  /** Milliseconds since the epoch. */
  now(): number;
  /** A run handle ended: the registry stops tracking it for close(). */
  runEnded(run: object): void;
}

/** Appends an audit row. Portable SQL; the id comes from the table's auto-increment key. */
export async function appendAudit(
  executor: SqlExecutor,
  dialect: SqlDialectRules,
  entry: AuditEntry,
  actor: string,
  at: number,
): Promise<number> {
  const row = await executor.get<{ id: number }>(
    `INSERT INTO audit_log (at, actor, action, model, version, alias, run_id, details)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${dialect.auditReturning}`,
    [
      at,
      entry.actor ?? actor,
      entry.action,
      entry.model ?? null,
      entry.version ?? null,
      entry.alias ?? null,
      entry.runId ?? null,
      JSON.stringify(entry.details ?? {}),
    ],
  );
  return Number(row!.id);
}
