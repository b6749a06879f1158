import { ValidationError } from '@mlinfra/core';
import { z } from 'zod';
import type { SqlValue } from '../driver/sql-driver.js';
import type { RegistryContext } from '../internal/context.js';
import {
  assertName,
  decodePageToken,
  encodePageToken,
  parseOptions,
} from '../internal/validate.js';
import type { RunRecord } from '../types.js';
import { type RunRow, readRuns } from './run-queries.js';
import { compileFilter, compileOrder } from './search-filter.js';

/** Options of {@link Registry.searchRuns}. */
export interface SearchRunsOptions {
  /** Only runs of this experiment (or these experiments). Default all. */
  experiment?: string | string[];
  /**
   * Conditions joined by AND, such as `metrics.val_loss < 0.5 and params.optimizer = 'adam' and
   * status = 'finished'`. Fields: `metrics.<key>` (latest value), `params.<key>`, `tags.<key>`,
   * and `status`, `name`, `run_id`, `start_time`, `end_time` (ms), `code_version`, `created_by`.
   * Operators: `= != < <= > >= LIKE ILIKE` (LIKE ignores ASCII case, as SQLite's does, on every
   * database).
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

const searchSchema = z.strictObject({
  experiment: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
  filter: z.string().max(10_000).optional(),
  orderBy: z.string().max(1000).optional(),
  limit: z.number().int().min(1).max(1000).optional(),
  pageToken: z.string().optional(),
});

/** Searches runs with a filter and order, a page at a time. @throws ValidationError for a bad filter. */
export async function searchRuns(
  context: RegistryContext,
  options: SearchRunsOptions = {},
): Promise<RunPage> {
  const checked = parseOptions(searchSchema, options, 'searchRuns() options');
  const limit = checked.limit ?? 100;
  const filter = compileFilter(checked.filter ?? '', context.dialect);
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
  return context.driver.transaction('read', async (executor) => {
    const rows = await executor.all<RunRow>(sql, parameters);
    const page: RunPage = { runs: await readRuns(executor, rows.slice(0, limit)) };
    if (rows.length > limit)
      page.nextPageToken = encodePageToken({ k: 'runs', q: signature, o: offset + limit });
    return page;
  });
}
