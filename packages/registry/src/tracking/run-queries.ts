import { type Digest, NotFoundError, ValidationError } from '@mlinfra/core';
import type { SqlExecutor, SqlValue } from '../driver/sql-driver.js';
import type { MetricPoint, ParamValue, RunArtifact, RunRecord, RunStatus } from '../types.js';

/** A runs row as stored. */
export interface RunRow {
  id: string;
  experiment: string;
  name: string | null;
  status: string;
  code_version: string | null;
  started_at: number;
  ended_at: number | null;
  created_by: string;
}

/** Encodes a param for storage: its text and its type, so numbers come back as numbers. */
export function encodeParam(value: ParamValue): { text: string; type: string } {
  return { text: String(value), type: typeof value };
}

/** Decodes a stored param. */
export function decodeParam(text: string, type: string): ParamValue {
  if (type === 'number') return Number(text);
  if (type === 'boolean') return text === 'true';
  return text;
}

/** A stored metric value: NULL stands for NaN (SQLite cannot store NaN). */
export function decodeMetric(value: number | null): number {
  return value === null ? Number.NaN : Number(value);
}

/** `?, ?, ?` for `count` placeholders. */
export function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

/** Reads full records for the given runs, in the order given. */
export async function readRuns(
  executor: SqlExecutor,
  rows: readonly RunRow[],
): Promise<RunRecord[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  const where = `run_id IN (${placeholders(ids.length)})`;
  // One query at a time: a transaction's connection runs queries in sequence anyway.
  const params = await executor.all<{ run_id: string; key: string; value: string; type: string }>(
    `SELECT run_id, key, value, type FROM run_params WHERE ${where}`,
    ids,
  );
  const tags = await executor.all<{ run_id: string; key: string; value: string }>(
    `SELECT run_id, key, value FROM run_tags WHERE ${where}`,
    ids,
  );
  const metrics = await executor.all<{ run_id: string; key: string; value: number | null }>(
    `SELECT run_id, key, value FROM metric_series WHERE ${where}`,
    ids,
  );
  const inputs = await executor.all<{ run_id: string; dataset: string }>(
    `SELECT run_id, dataset FROM run_inputs WHERE ${where}`,
    ids,
  );
  const artifacts = await executor.all<{
    run_id: string;
    name: string;
    digest: string;
    size: number;
    logged_at: number;
  }>(`SELECT run_id, name, digest, size, logged_at FROM run_artifacts WHERE ${where}`, ids);
  // Sorting here is cheaper than a temporary B-tree per query in SQLite.
  const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  params.sort((a, b) => byText(a.key, b.key));
  tags.sort((a, b) => byText(a.key, b.key));
  metrics.sort((a, b) => byText(a.key, b.key));
  inputs.sort((a, b) => byText(a.dataset, b.dataset));
  artifacts.sort((a, b) => byText(a.name, b.name));
  const records = new Map<string, RunRecord>();
  for (const row of rows) {
    const record: RunRecord = {
      id: row.id,
      experiment: row.experiment,
      status: row.status as RunStatus,
      startedAt: new Date(Number(row.started_at)),
      createdBy: row.created_by,
      params: {},
      tags: {},
      metrics: {},
      inputs: [],
      artifacts: [],
    };
    if (row.name !== null) record.name = row.name;
    if (row.code_version !== null) record.codeVersion = row.code_version;
    if (row.ended_at !== null) record.endedAt = new Date(Number(row.ended_at));
    records.set(row.id, record);
  }
  for (const param of params) {
    records.get(param.run_id)!.params[param.key] = decodeParam(param.value, param.type);
  }
  for (const tag of tags) records.get(tag.run_id)!.tags[tag.key] = tag.value;
  for (const metric of metrics) {
    records.get(metric.run_id)!.metrics[metric.key] = decodeMetric(metric.value);
  }
  for (const input of inputs) records.get(input.run_id)!.inputs.push(input.dataset);
  for (const artifact of artifacts) {
    const entry: RunArtifact = {
      name: artifact.name,
      digest: artifact.digest as Digest,
      size: Number(artifact.size),
      loggedAt: new Date(Number(artifact.logged_at)),
    };
    records.get(artifact.run_id)!.artifacts.push(entry);
  }
  return ids.map((id) => records.get(id)!);
}

/** Reads one run's record. @throws NotFoundError. */
export async function readRun(executor: SqlExecutor, id: string): Promise<RunRecord> {
  const row = await executor.get<RunRow>('SELECT * FROM runs WHERE id = ?', [id]);
  if (row === undefined) {
    throw new NotFoundError(
      `Run ${JSON.stringify(id)} does not exist; check the id returned by startRun()`,
    );
  }
  return (await readRuns(executor, [row]))[0]!;
}

/** Options of a metric history query. */
export interface MetricHistoryOptions {
  /** Only points with a step >= this. */
  fromStep?: number;
  /** Only points with a step < this. */
  toStep?: number;
  /** At most this many points (default all). */
  limit?: number;
}

/** Every point of one metric of one run, by step then time. */
export async function readMetricHistory(
  executor: SqlExecutor,
  runId: string,
  key: string,
  options: MetricHistoryOptions = {},
): Promise<MetricPoint[]> {
  const { fromStep, toStep, limit } = options;
  for (const [name, value] of Object.entries({ fromStep, toStep, limit })) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
      throw new ValidationError(`metric history ${name} must be an integer >= 0, got ${value}`);
    }
  }
  const series = await executor.get<{ id: number }>(
    'SELECT id FROM metric_series WHERE run_id = ? AND key = ?',
    [runId, key],
  );
  if (series === undefined) return [];
  const parameters: SqlValue[] = [series.id, fromStep ?? 0, toStep ?? Number.MAX_SAFE_INTEGER];
  let sql =
    'SELECT step, value, at FROM metrics WHERE series_id = ? AND step >= ? AND step < ? ORDER BY step, at';
  if (limit !== undefined) {
    sql += ' LIMIT ?';
    parameters.push(limit);
  }
  const rows = await executor.all<{ step: number; value: number | null; at: number }>(
    sql,
    parameters,
  );
  return rows.map((row) => ({
    step: Number(row.step),
    value: decodeMetric(row.value),
    timestamp: new Date(Number(row.at)),
  }));
}
