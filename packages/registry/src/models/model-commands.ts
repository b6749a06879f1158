import { ConflictError, ValidationError } from '@mlinfra/core';
import { z } from 'zod';
import type { SqlExecutor } from '../driver/sql-driver.js';
import type { AuditEntry, RegistryContext } from '../internal/context.js';
import { describedSchema } from '../internal/option-schemas.js';
import {
  assertKey,
  assertName,
  assertTags,
  assertVersion,
  parseOptions,
} from '../internal/validate.js';
import type { ApprovalStatus, JsonValue, ModelVersion } from '../types.js';
import { readVersion, requireModel } from './version-queries.js';

/** Options of {@link Registry.setApproval}. */
export interface ApprovalOptions {
  /** The new status. */
  status: ApprovalStatus;
  /** Who decided. Default the registry's actor. */
  by?: string;
  /** Why. */
  reason?: string;
}

const approvalSchema = z.strictObject({
  status: z.enum(['pending', 'approved', 'rejected']),
  by: z.string().min(1).max(250).optional(),
  reason: z.string().max(10_000).optional(),
});

/** Runs `work` in a write transaction, then tells watchers that something changed. */
async function change<T>(
  context: RegistryContext,
  work: (executor: SqlExecutor) => Promise<T>,
): Promise<T> {
  const result = await context.driver.transaction('write', work);
  context.changed();
  return result;
}

/** Creates a model without versions. @throws ConflictError when it exists. */
export async function createModel(
  context: RegistryContext,
  name: string,
  options: { description?: string; tags?: Record<string, string> } = {},
): Promise<void> {
  assertName(name, 'model');
  parseOptions(describedSchema, options, 'createModel() options');
  const tags = assertTags(options.tags ?? {}, 'model');
  await change(context, async (executor) => {
    const now = Date.now();
    const result = await executor.run(
      `INSERT INTO models (name, description, last_version, created_at, updated_at) VALUES (?, ?, 0, ?, ?)
       ON CONFLICT (name) DO NOTHING`,
      [name, options.description ?? null, now, now],
    );
    if (result.changes === 0)
      throw new ConflictError(
        `Model "${name}" already exists; use getModel("${name}") or another name`,
      );
    for (const [key, value] of Object.entries(tags)) {
      await executor.run('INSERT INTO model_tags (model, key, value) VALUES (?, ?, ?)', [
        name,
        key,
        value,
      ]);
    }
    await context.audit(executor, { action: 'model.created', model: name, details: { tags } });
  });
}

/** Changes a model's description. @throws NotFoundError. */
export async function updateModel(
  context: RegistryContext,
  name: string,
  options: { description: string },
): Promise<void> {
  assertName(name, 'model');
  if (typeof options?.description !== 'string')
    throw new ValidationError('updateModel() takes { description: string }');
  await change(context, async (executor) => {
    await requireModel(executor, name);
    await executor.run('UPDATE models SET description = ?, updated_at = ? WHERE name = ?', [
      options.description,
      Date.now(),
      name,
    ]);
    await context.audit(executor, {
      action: 'model.updated',
      model: name,
      details: { description: options.description },
    });
  });
}

function assertKeys(keys: unknown, what: string): string[] {
  if (!Array.isArray(keys))
    throw new ValidationError('Pass the tag keys to delete as an array of strings');
  for (const key of keys) assertKey(key, what);
  return keys as string[];
}

/** Tags to set (a new value replaces the old) or tag keys to delete. */
type TagChange = { set: Record<string, string> } | { deleted: string[] };

/**
 * Applies a tag change to a model (`version` undefined) or one of its versions, with its audit
 * entry, in one write transaction. @throws NotFoundError for an unknown model or version.
 */
async function changeTags(
  context: RegistryContext,
  name: string,
  version: number | undefined,
  tags: TagChange,
): Promise<void> {
  const owner = version === undefined ? ['model'] : ['model', 'version'];
  const ownerValues = version === undefined ? [name] : [name, version];
  const table = version === undefined ? 'model_tags' : 'version_tags';
  await change(context, async (executor) => {
    if (version === undefined) await requireModel(executor, name);
    else await readVersion(executor, name, version);
    if ('set' in tags) {
      for (const [key, value] of Object.entries(tags.set)) {
        await executor.run(
          `INSERT INTO ${table} (${owner.join(', ')}, key, value) VALUES (${owner.map(() => '?').join(', ')}, ?, ?)
           ON CONFLICT (${owner.join(', ')}, key) DO UPDATE SET value = excluded.value`,
          [...ownerValues, key, value],
        );
      }
    } else {
      for (const key of tags.deleted) {
        await executor.run(
          `DELETE FROM ${table} WHERE ${owner.map((column) => `${column} = ?`).join(' AND ')} AND key = ?`,
          [...ownerValues, key],
        );
      }
    }
    const entry: AuditEntry = {
      action: version === undefined ? 'model.tags' : 'version.tags',
      model: name,
      details: tags,
    };
    if (version !== undefined) entry.version = version;
    await context.audit(executor, entry);
  });
}

/** Sets model tags (a new value replaces the old). @throws NotFoundError. */
export async function setModelTags(
  context: RegistryContext,
  name: string,
  tags: Record<string, string>,
): Promise<void> {
  assertName(name, 'model');
  await changeTags(context, name, undefined, { set: assertTags(tags, 'model') });
}

/** Removes model tags by key (absent keys are ignored). @throws NotFoundError. */
export async function deleteModelTags(
  context: RegistryContext,
  name: string,
  keys: string[],
): Promise<void> {
  assertName(name, 'model');
  await changeTags(context, name, undefined, { deleted: assertKeys(keys, 'model tag') });
}

/** Sets version tags (a new value replaces the old). @throws NotFoundError. */
export async function setVersionTags(
  context: RegistryContext,
  name: string,
  version: number,
  tags: Record<string, string>,
): Promise<void> {
  assertName(name, 'model');
  assertVersion(version);
  await changeTags(context, name, version, { set: assertTags(tags, 'version') });
}

/** Removes version tags by key. @throws NotFoundError. */
export async function deleteVersionTags(
  context: RegistryContext,
  name: string,
  version: number,
  keys: string[],
): Promise<void> {
  assertName(name, 'model');
  assertVersion(version);
  await changeTags(context, name, version, { deleted: assertKeys(keys, 'version tag') });
}

/** Records an approval decision (who, when, why). @throws NotFoundError, ValidationError. */
export async function setApproval(
  context: RegistryContext,
  name: string,
  version: number,
  options: ApprovalOptions,
): Promise<ModelVersion> {
  assertName(name, 'model');
  assertVersion(version);
  const checked = parseOptions(approvalSchema, options, 'setApproval() options');
  const by = checked.by ?? context.actor;
  return change(context, async (executor) => {
    const before = await readVersion(executor, name, version);
    const now = Date.now();
    await executor.run(
      'UPDATE model_versions SET approval = ?, approval_by = ?, approval_at = ?, approval_reason = ? WHERE model = ? AND version = ?',
      [checked.status, by, now, checked.reason ?? null, name, version],
    );
    const details: Record<string, JsonValue> = {
      status: checked.status,
      previousStatus: before.approval.status,
    };
    if (checked.reason !== undefined) details.reason = checked.reason;
    await context.audit(executor, {
      action: 'version.approval',
      model: name,
      version,
      actor: by,
      details,
    });
    return readVersion(executor, name, version);
  });
}
