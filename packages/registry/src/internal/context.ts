import type { Store } from '@mlinfra/core';
import type { SqlDriver, SqlExecutor } from '../driver/sql-driver.js';
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

/** What a Run handle needs from its registry. */
export interface RegistryContext {
  readonly driver: SqlDriver;
  readonly store: Store;
  readonly actor: string;
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
  entry: AuditEntry,
  actor: string,
  at: number,
): Promise<number> {
  const row = await executor.get<{ id: number }>(
    `INSERT INTO audit_log (at, actor, action, model, version, alias, run_id, details)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
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
