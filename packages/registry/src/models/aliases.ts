import { NotFoundError } from '@mlinfra/core';
import type { SqlExecutor } from '../driver/sql-driver.js';
import type { RegistryContext } from '../internal/context.js';
import { assertAlias, assertName, assertVersion } from '../internal/validate.js';
import type { JsonValue } from '../types.js';
import { readVersion, requireModel } from './version-queries.js';

/** The version an alias points at, or undefined. */
export async function aliasVersion(
  executor: SqlExecutor,
  name: string,
  alias: string,
): Promise<number | undefined> {
  const row = await executor.get<{ version: number }>(
    'SELECT version FROM aliases WHERE model = ? AND alias = ?',
    [name, alias],
  );
  return row === undefined ? undefined : Number(row.version);
}

/**
 * Points `alias` at `version` inside `executor`'s write transaction, with an audit entry carrying
 * `details`. Returns false (and writes nothing) when the alias already points there.
 */
export async function moveAlias(
  context: RegistryContext,
  executor: SqlExecutor,
  name: string,
  alias: string,
  version: number,
  details: Record<string, JsonValue>,
): Promise<boolean> {
  const exists = await executor.get(
    'SELECT 1 AS found FROM model_versions WHERE model = ? AND version = ?',
    [name, version],
  );
  if (exists === undefined) await readVersion(executor, name, version);
  const previous = await aliasVersion(executor, name, alias);
  if (previous === version) return false;
  const now = Date.now();
  await executor.run(
    `INSERT INTO aliases (model, alias, version, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (model, alias) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at`,
    [name, alias, version, now],
  );
  await executor.run('UPDATE models SET updated_at = ? WHERE name = ?', [now, name]);
  await context.audit(executor, {
    action: 'alias.set',
    model: name,
    version,
    alias,
    details: { ...details, previousVersion: previous ?? null },
  });
  return true;
}

/** Points `alias` at `version` (moving it if set). @throws NotFoundError, ValidationError. */
export async function setAlias(
  context: RegistryContext,
  name: string,
  alias: string,
  version: number,
): Promise<void> {
  assertName(name, 'model');
  assertAlias(alias);
  assertVersion(version);
  const changed = await context.driver.transaction('write', (executor) =>
    moveAlias(context, executor, name, alias, version, {}),
  );
  if (changed) context.changed();
}

/** Removes an alias. @throws NotFoundError for an unknown model or alias. */
export async function deleteAlias(
  context: RegistryContext,
  name: string,
  alias: string,
): Promise<void> {
  assertName(name, 'model');
  assertAlias(alias);
  await context.driver.transaction('write', async (executor) => {
    const previous = await aliasVersion(executor, name, alias);
    if (previous === undefined) {
      await requireModel(executor, name);
      throw new NotFoundError(`Model "${name}" has no alias "${alias}" to delete`);
    }
    await executor.run('DELETE FROM aliases WHERE model = ? AND alias = ?', [name, alias]);
    await executor.run('UPDATE models SET updated_at = ? WHERE name = ?', [Date.now(), name]);
    await context.audit(executor, {
      action: 'alias.deleted',
      model: name,
      version: previous,
      alias,
      details: {},
    });
  });
  context.changed();
}
