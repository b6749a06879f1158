import { MlinfraError } from '@mlinfra/core';
import { dialectRules } from './dialect.js';
import type { SqlDriver } from './sql-driver.js';

/** The schema version this release writes. Older databases are migrated on open. */
export const SCHEMA_VERSION = 2;

// Portable DDL: TEXT, BIGINT and DOUBLE PRECISION mean the same in SQLite and PostgreSQL; only
// the auto-increment key differs. Times are integer milliseconds since the Unix epoch (UTC).
// Metric points reference a (run, key) series by a small integer instead of repeating the run id
// and key in every row: at 10 million points that halves the table and its index, and the series
// row holds the latest value, which searches filter and sort on.
const SCHEMA_V1 = `
CREATE TABLE IF NOT EXISTS registry_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS experiments (
  name TEXT PRIMARY KEY, description TEXT, tags TEXT NOT NULL, created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY, experiment TEXT NOT NULL, name TEXT, status TEXT NOT NULL,
  code_version TEXT, started_at BIGINT NOT NULL, ended_at BIGINT, created_by TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_experiment ON runs (experiment, started_at);
CREATE TABLE IF NOT EXISTS run_params (
  run_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, type TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
);
CREATE TABLE IF NOT EXISTS run_tags (
  run_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (run_id, key)
);
CREATE TABLE IF NOT EXISTS run_inputs (
  run_id TEXT NOT NULL, dataset TEXT NOT NULL, PRIMARY KEY (run_id, dataset)
);
CREATE INDEX IF NOT EXISTS run_inputs_by_dataset ON run_inputs (dataset);
CREATE TABLE IF NOT EXISTS metric_series (
  id {{serial}}, run_id TEXT NOT NULL, key TEXT NOT NULL, step BIGINT NOT NULL, at BIGINT NOT NULL,
  value DOUBLE PRECISION, UNIQUE (run_id, key)
);
CREATE INDEX IF NOT EXISTS metric_series_by_key ON metric_series (key, value);
CREATE TABLE IF NOT EXISTS metrics (
  series_id BIGINT NOT NULL, step BIGINT NOT NULL, at BIGINT NOT NULL, value DOUBLE PRECISION
);
CREATE INDEX IF NOT EXISTS metrics_by_series ON metrics (series_id, step, at);
CREATE TABLE IF NOT EXISTS run_artifacts (
  run_id TEXT NOT NULL, name TEXT NOT NULL, digest TEXT NOT NULL, size BIGINT NOT NULL,
  logged_at BIGINT NOT NULL, PRIMARY KEY (run_id, name)
);
CREATE TABLE IF NOT EXISTS models (
  name TEXT PRIMARY KEY, description TEXT, last_version BIGINT NOT NULL,
  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS model_tags (
  model TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (model, key)
);
CREATE TABLE IF NOT EXISTS model_versions (
  model TEXT NOT NULL, version BIGINT NOT NULL, run_id TEXT, artifact TEXT NOT NULL,
  artifact_size BIGINT NOT NULL, signature TEXT, metrics TEXT NOT NULL, slices TEXT NOT NULL,
  description TEXT, created_at BIGINT NOT NULL, created_by TEXT NOT NULL,
  approval TEXT NOT NULL, approval_by TEXT, approval_at BIGINT, approval_reason TEXT,
  PRIMARY KEY (model, version)
);
CREATE INDEX IF NOT EXISTS model_versions_by_run ON model_versions (run_id);
CREATE TABLE IF NOT EXISTS version_tags (
  model TEXT NOT NULL, version BIGINT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (model, version, key)
);
CREATE TABLE IF NOT EXISTS aliases (
  model TEXT NOT NULL, alias TEXT NOT NULL, version BIGINT NOT NULL, updated_at BIGINT NOT NULL,
  PRIMARY KEY (model, alias)
);
CREATE INDEX IF NOT EXISTS aliases_by_version ON aliases (model, version);
CREATE TABLE IF NOT EXISTS audit_log (
  id {{serial}}, at BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, model TEXT,
  version BIGINT, alias TEXT, run_id TEXT, details TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_log_by_model ON audit_log (model, id);
`;

// Version 2: the artifact's format (which loader serving uses) and the dataset columns fed to each
// model input (JSON), for models trained elsewhere (ONNX). Rows of version 1 are tfjs models.
const SCHEMA_V2 = `
ALTER TABLE model_versions ADD COLUMN format TEXT NOT NULL DEFAULT 'tfjs';
ALTER TABLE model_versions ADD COLUMN input_columns TEXT
`;

/** The script that brings a database from version `index` to `index + 1`. */
const MIGRATIONS = [SCHEMA_V1, SCHEMA_V2];

function statementsOf(script: string, serial: string): string[] {
  return script
    .replaceAll('{{serial}}', serial)
    .split(';')
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}

/** Creates or migrates the schema. Safe to run from several processes at once. */
export async function migrate(driver: SqlDriver): Promise<void> {
  const serial = dialectRules(driver.dialect).serialPrimaryKey;
  await driver.transaction('write', async (executor) => {
    await executor.run(statementsOf(SCHEMA_V1, serial)[0]!);
    const existing = await executor.get<{ value: string }>(
      `SELECT value FROM registry_meta WHERE key = 'schema_version'`,
    );
    const version = existing === undefined ? 0 : Number(existing.value);
    if (version > SCHEMA_VERSION) {
      throw new MlinfraError(
        `The registry database ${driver.location} has schema version ${version}, newer than this @mlinfra/registry understands (${SCHEMA_VERSION}); upgrade @mlinfra/registry`,
        'UNSUPPORTED',
      );
    }
    if (version === SCHEMA_VERSION) return;
    for (const script of MIGRATIONS.slice(version)) {
      for (const statement of statementsOf(script, serial)) await executor.run(statement);
    }
    await executor.run(
      `INSERT INTO registry_meta (key, value) VALUES ('schema_version', ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      [String(SCHEMA_VERSION)],
    );
  });
}
