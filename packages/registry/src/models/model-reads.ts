import { NotFoundError } from '@mlinfra/core';
import { z } from 'zod';
import type { RegistryContext } from '../internal/context.js';
import { pageSchema } from '../internal/option-schemas.js';
import {
  assertName,
  assertVersion,
  decodePageToken,
  encodePageToken,
  parseModelReference,
  parseOptions,
} from '../internal/validate.js';
import type { ModelVersion, RegisteredModel } from '../types.js';
import {
  completeModels,
  completeVersions,
  type ModelRow,
  readVersion,
  requireModel,
  type VersionRow,
} from './version-queries.js';

/** Options of listing pages. */
export interface PageOptions {
  /** Page size, 1 to 1000. Default 100. */
  limit?: number;
  /** `nextPageToken` of the previous page. */
  pageToken?: string;
}

/** A page of model versions. */
export interface VersionPage {
  /** Versions, highest first (or lowest first with `order: 'asc'`). */
  versions: ModelVersion[];
  /** Pass as `pageToken` for the next page; absent on the last page. */
  nextPageToken?: string;
}

/** A page of models. */
export interface ModelPage {
  /** Models by name. */
  models: RegisteredModel[];
  /** Pass as `pageToken` for the next page; absent on the last page. */
  nextPageToken?: string;
}

const versionPageSchema = pageSchema.extend({ order: z.enum(['asc', 'desc']).optional() });

/** A model with its tags and aliases. @throws NotFoundError. */
export async function getModel(context: RegistryContext, name: string): Promise<RegisteredModel> {
  assertName(name, 'model');
  return context.driver.transaction(
    'read',
    async (executor) => (await completeModels(executor, [await requireModel(executor, name)]))[0]!,
  );
}

/** Models by name, a page at a time. */
export async function listModels(
  context: RegistryContext,
  options: PageOptions = {},
): Promise<ModelPage> {
  const checked = parseOptions(pageSchema, options, 'listModels() options');
  const limit = checked.limit ?? 100;
  const after =
    checked.pageToken === undefined ? '' : String(decodePageToken(checked.pageToken, 'models').a);
  return context.driver.transaction('read', async (executor) => {
    const rows = await executor.all<ModelRow>(
      'SELECT * FROM models WHERE name > ? ORDER BY name LIMIT ?',
      [after, limit + 1],
    );
    const page: ModelPage = { models: await completeModels(executor, rows.slice(0, limit)) };
    if (rows.length > limit)
      page.nextPageToken = encodePageToken({ k: 'models', a: rows[limit - 1]!.name });
    return page;
  });
}

/** One version with its tags and aliases. @throws NotFoundError. */
export async function getVersion(
  context: RegistryContext,
  name: string,
  version: number,
): Promise<ModelVersion> {
  assertName(name, 'model');
  assertVersion(version);
  return context.driver.transaction('read', (executor) => readVersion(executor, name, version));
}

/** A page of versions, highest first (default) or lowest first; keyset pagination. */
export async function listVersions(
  context: RegistryContext,
  name: string,
  options: PageOptions & { order?: 'asc' | 'desc' } = {},
): Promise<VersionPage> {
  assertName(name, 'model');
  const checked = parseOptions(versionPageSchema, options, 'listVersions() options');
  const limit = checked.limit ?? 100;
  const descending = (checked.order ?? 'desc') === 'desc';
  const kind = descending ? 'versions-desc' : 'versions-asc';
  const after =
    checked.pageToken === undefined
      ? undefined
      : Number(decodePageToken(checked.pageToken, kind).a);
  return context.driver.transaction('read', async (executor) => {
    const rows = await executor.all<VersionRow>(
      descending
        ? 'SELECT * FROM model_versions WHERE model = ? AND version < ? ORDER BY version DESC LIMIT ?'
        : 'SELECT * FROM model_versions WHERE model = ? AND version > ? ORDER BY version ASC LIMIT ?',
      [name, after ?? (descending ? Number.MAX_SAFE_INTEGER : 0), limit + 1],
    );
    if (rows.length === 0 && after === undefined) await requireModel(executor, name);
    const page: VersionPage = {
      versions: await completeVersions(executor, name, rows.slice(0, limit)),
    };
    if (rows.length > limit)
      page.nextPageToken = encodePageToken({ k: kind, a: Number(rows[limit - 1]!.version) });
    return page;
  });
}

/**
 * Resolves `name@alias`, `name/3`, `name@latest` or a bare `name` (its highest version).
 * @throws ValidationError (malformed reference), NotFoundError (unknown model, alias or version).
 */
export async function resolve(context: RegistryContext, reference: string): Promise<ModelVersion> {
  const parsed = parseModelReference(reference);
  return context.driver.transaction('read', async (executor) => {
    if (parsed.kind === 'version') return readVersion(executor, parsed.name, parsed.version);
    // The pointer and the row it points at in one query; the errors' lookups only when missing.
    const row =
      parsed.kind === 'latest'
        ? await executor.get<VersionRow>(
            `SELECT v.* FROM models m JOIN model_versions v ON v.model = m.name AND v.version = m.last_version
             WHERE m.name = ?`,
            [parsed.name],
          )
        : await executor.get<VersionRow>(
            `SELECT v.* FROM aliases a JOIN model_versions v ON v.model = a.model AND v.version = a.version
             WHERE a.model = ? AND a.alias = ?`,
            [parsed.name, parsed.alias],
          );
    if (row !== undefined) return (await completeVersions(executor, parsed.name, [row]))[0]!;
    await requireModel(executor, parsed.name);
    throw new NotFoundError(
      parsed.kind === 'latest'
        ? `Model "${parsed.name}" has no versions yet; register one with registerModel()`
        : `Model "${parsed.name}" has no alias "${parsed.alias}"; set it with setAlias("${parsed.name}", "${parsed.alias}", version) or use "${parsed.name}@latest"`,
    );
  });
}
