import type { PromotionRefusedError, Registry } from '@mlinfra/registry';
import { badRequest, HttpError } from '../http/http-error.js';
import type { UiAction } from '../options.js';
import type { Page } from '../pages/context.js';
import { href, type PageRequest, segment, type UiContext } from '../pages/context.js';
import { versionNumber, versionPage } from '../pages/version-page.js';

/** What a POST does: go to `location`, or show `page` (a refused promotion). */
export type ActionOutcome = { location: string } | { page: Page };

const ALIAS = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/;

/** Opens (and keeps) a registry handle per actor, so the audit log names who made each change. */
export type RegistryForActor = (actor: string) => Promise<Registry>;

/**
 * Runs one change posted by a form, after CSRF and authorisation checks.
 * Routes: `POST /models/<name>/aliases` (alias, version), `POST /models/<name>/versions/<n>/approval`
 * (status, reason), `POST /models/<name>/versions/<n>/promote` (alias).
 */
export async function runAction(
  context: UiContext,
  request: PageRequest,
  kind: 'alias' | 'approval' | 'promote',
  form: URLSearchParams,
  registryFor: RegistryForActor,
): Promise<ActionOutcome> {
  const auth = context.auth;
  if (!context.actions || auth === undefined) {
    throw new HttpError(
      403,
      'Read-only',
      'This UI is read-only; start it with actions enabled and auth to make changes',
    );
  }
  auth.checkCsrf(request.request, form);
  const name = request.params[0] ?? '';
  const version = versionNumber(kind === 'alias' ? (form.get('version') ?? '') : request.params[1]);
  if (Number.isNaN(version)) throw badRequest('The version must be a whole number >= 1');
  await context.registry.getVersion(name, version);
  const back = (notice: string) =>
    href(request, `/models/${segment(name)}/versions/${version}`, { notice });
  let action: UiAction;
  if (kind === 'alias') {
    const alias = form.get('alias') ?? '';
    if (!ALIAS.test(alias) || alias === 'latest') {
      throw badRequest(
        'An alias is letters, digits and . _ - (at most 100, not "latest"), such as champion',
      );
    }
    action = { type: 'alias.set', model: name, alias, version };
  } else if (kind === 'approval') {
    const status = form.get('status');
    if (status !== 'approved' && status !== 'rejected') {
      throw badRequest('The approval status must be approved or rejected');
    }
    action = { type: 'version.approval', model: name, version, status };
  } else {
    const alias = form.get('alias') ?? '';
    if (context.gates[name]?.[alias] === undefined) {
      throw badRequest(
        `No gates are configured for ${name}@${alias}; promote to one of: ${Object.keys(context.gates[name] ?? {}).join(', ') || '(none)'}`,
      );
    }
    action = { type: 'version.promote', model: name, version, alias };
  }
  const actor = await auth.authorize(request.request, action);
  const registry = await registryFor(actor);
  if (action.type === 'alias.set') {
    await registry.setAlias(name, action.alias, version);
    return { location: back('alias-set') };
  }
  if (action.type === 'version.approval') {
    const reason = (form.get('reason') ?? '').slice(0, 500);
    await registry.setApproval(name, version, {
      status: action.status,
      by: actor,
      ...(reason === '' ? {} : { reason }),
    });
    return { location: back(action.status) };
  }
  try {
    await registry.promote(name, version, action.alias, {
      gates: context.gates[name]?.[action.alias] ?? [],
      requireApproval: context.requireApproval,
    });
  } catch (error) {
    // A refused promotion is a ConflictError carrying the gate report (checked by shape, so a
    // second copy of @mlinfra/registry in the app still counts).
    const report = (error as Partial<PromotionRefusedError> | undefined)?.report;
    if ((error as { code?: unknown })?.code === 'CONFLICT' && report !== undefined) {
      return { page: await versionPage(context, request, report) };
    }
    throw error;
  }
  return { location: back('promoted') };
}
