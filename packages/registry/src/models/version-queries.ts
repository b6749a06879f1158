import { type Digest, NotFoundError } from '@mlinfra/core';
import type { SqlExecutor } from '../driver/sql-driver.js';
import { placeholders } from '../tracking/run-queries.js';
import type {
  ApprovalStatus,
  JsonValue,
  ModelFormat,
  ModelVersion,
  RegisteredModel,
  SliceMetrics,
} from '../types.js';

/** A model_versions row as stored. */
export interface VersionRow {
  model: string;
  version: number;
  run_id: string | null;
  artifact: string;
  artifact_size: number;
  format: string;
  input_columns: string | null;
  signature: string | null;
  metrics: string;
  slices: string;
  description: string | null;
  created_at: number;
  created_by: string;
  approval: string;
  approval_by: string | null;
  approval_at: number | null;
  approval_reason: string | null;
}

/** A models row as stored. */
export interface ModelRow {
  name: string;
  description: string | null;
  last_version: number;
  created_at: number;
  updated_at: number;
}

/** Builds a ModelVersion from its row, tags and aliases. */
export function versionFromRow(
  row: VersionRow,
  tags: Record<string, string>,
  aliases: string[],
): ModelVersion {
  const version: ModelVersion = {
    name: row.model,
    version: Number(row.version),
    artifact: row.artifact as Digest,
    artifactSize: Number(row.artifact_size),
    format: row.format as ModelFormat,
    metrics: JSON.parse(row.metrics) as Record<string, number>,
    slices: JSON.parse(row.slices) as SliceMetrics,
    tags,
    aliases,
    approval: { status: row.approval as ApprovalStatus },
    createdAt: new Date(Number(row.created_at)),
    createdBy: row.created_by,
  };
  if (row.signature !== null) version.signature = JSON.parse(row.signature) as JsonValue;
  if (row.input_columns !== null)
    version.inputColumns = JSON.parse(row.input_columns) as Record<string, string[]>;
  if (row.run_id !== null) version.runId = row.run_id;
  if (row.description !== null) version.description = row.description;
  if (row.approval_by !== null) version.approval.by = row.approval_by;
  if (row.approval_at !== null) version.approval.at = new Date(Number(row.approval_at));
  if (row.approval_reason !== null) version.approval.reason = row.approval_reason;
  return version;
}

/** Reads the given version rows' tags and aliases and builds the records, in row order. */
export async function completeVersions(
  executor: SqlExecutor,
  name: string,
  rows: readonly VersionRow[],
): Promise<ModelVersion[]> {
  if (rows.length === 0) return [];
  const numbers = rows.map((row) => Number(row.version));
  const inList = `version IN (${placeholders(numbers.length)})`;
  // Tags and aliases in one round trip (a remote database pays per query, not per row).
  const extras = await executor.all<{
    kind: number;
    version: number;
    key: string;
    value: string | null;
  }>(
    `SELECT 0 AS kind, version, key, value FROM version_tags WHERE model = ? AND ${inList}
     UNION ALL
     SELECT 1 AS kind, version, alias AS key, NULL AS value FROM aliases WHERE model = ? AND ${inList}
     ORDER BY kind, key`,
    [name, ...numbers, name, ...numbers],
  );
  const tagsOf = new Map<number, Record<string, string>>();
  const aliasesOf = new Map<number, string[]>();
  for (const number of numbers) {
    tagsOf.set(number, {});
    aliasesOf.set(number, []);
  }
  for (const extra of extras) {
    const version = Number(extra.version);
    if (Number(extra.kind) === 0) tagsOf.get(version)![extra.key] = extra.value!;
    else aliasesOf.get(version)!.push(extra.key);
  }
  return rows.map((row) =>
    versionFromRow(row, tagsOf.get(Number(row.version))!, aliasesOf.get(Number(row.version))!),
  );
}

/** Reads a model row. @throws NotFoundError naming the fix. */
export async function requireModel(executor: SqlExecutor, name: string): Promise<ModelRow> {
  const row = await executor.get<ModelRow>('SELECT * FROM models WHERE name = ?', [name]);
  if (row === undefined) {
    throw new NotFoundError(
      `Model "${name}" is not registered; check the name, or register a first version with registerModel("${name}", { artifact })`,
    );
  }
  return row;
}

/** Reads one version. @throws NotFoundError for an unknown model or version. */
export async function readVersion(
  executor: SqlExecutor,
  name: string,
  version: number,
): Promise<ModelVersion> {
  const row = await executor.get<VersionRow>(
    'SELECT * FROM model_versions WHERE model = ? AND version = ?',
    [name, version],
  );
  if (row === undefined) {
    const model = await requireModel(executor, name);
    throw new NotFoundError(
      `Model "${name}" has no version ${version}; its versions are 1 to ${Number(model.last_version)}`,
    );
  }
  return (await completeVersions(executor, name, [row]))[0]!;
}

/** Builds a RegisteredModel from its row plus tags and aliases. */
export async function completeModels(
  executor: SqlExecutor,
  rows: readonly ModelRow[],
): Promise<RegisteredModel[]> {
  if (rows.length === 0) return [];
  const names = rows.map((row) => row.name);
  const inList = `model IN (${placeholders(names.length)})`;
  // One query at a time: a transaction's connection runs queries in sequence anyway.
  const tags = await executor.all<{ model: string; key: string; value: string }>(
    `SELECT model, key, value FROM model_tags WHERE ${inList} ORDER BY key`,
    names,
  );
  const aliases = await executor.all<{ model: string; alias: string; version: number }>(
    `SELECT model, alias, version FROM aliases WHERE ${inList} ORDER BY alias`,
    names,
  );
  const models = new Map<string, RegisteredModel>();
  for (const row of rows) {
    const model: RegisteredModel = {
      name: row.name,
      latestVersion: Number(row.last_version),
      createdAt: new Date(Number(row.created_at)),
      updatedAt: new Date(Number(row.updated_at)),
      tags: {},
      aliases: {},
    };
    if (row.description !== null) model.description = row.description;
    models.set(row.name, model);
  }
  for (const tag of tags) models.get(tag.model)!.tags[tag.key] = tag.value;
  for (const alias of aliases)
    models.get(alias.model)!.aliases[alias.alias] = Number(alias.version);
  return names.map((name) => models.get(name)!);
}
