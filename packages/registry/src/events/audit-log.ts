import { z } from 'zod';
import type { SqlValue } from '../driver/sql-driver.js';
import type { RegistryContext } from '../internal/context.js';
import { parseOptions } from '../internal/validate.js';
import type { RegistryEvent } from '../types.js';
import { type AuditRow, eventFromRow } from './event-hub.js';

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

const auditSchema = z.strictObject({
  model: z.string().optional(),
  runId: z.string().optional(),
  afterId: z.number().int().min(0).optional(),
  limit: z.number().int().min(1).max(10_000).optional(),
});

/** Audit entries, oldest first. */
export async function auditLog(
  context: RegistryContext,
  options: AuditLogOptions = {},
): Promise<RegistryEvent[]> {
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
  const rows = await context.driver.all<AuditRow>(
    `SELECT * FROM audit_log WHERE ${conditions.join(' AND ')} ORDER BY id LIMIT ?`,
    parameters,
  );
  return rows.map(eventFromRow);
}
