import { NotFoundError } from '@mlinfra/core';
import { ModelNotReadyError } from '../errors.js';
import type { ServedModel } from './served-model.js';
import { chooseCanary } from './traffic.js';
import type { LoadedVersion } from './version-pool.js';

/** Routing options of one call. */
export interface CallOptions {
  /** A specific version; default: the model's current version (or the canary split). */
  version?: string;
  /** Sticky routing key: the same key always gets the same side of a canary split. */
  routingKey?: string;
}

/** The served versions of a model, for messages. */
function servedVersions(model: ServedModel): string {
  return [...model.versions().keys()].join(', ') || 'none yet';
}

/**
 * The version a version-pinned call asks for.
 * @throws NotFoundError naming the served versions when it is not served.
 */
export function pinnedVersion(model: ServedModel, version: string): LoadedVersion {
  const loaded = model.versions().get(version);
  if (loaded === undefined) {
    throw new NotFoundError(
      `Model "${model.name}" has no served version "${version}"; served versions: ${servedVersions(model)}.`,
    );
  }
  return loaded;
}

/**
 * Picks the version that answers one call: the one asked for, else the canary for its share of
 * calls (sticky by routing key), else the primary.
 * @throws NotFoundError for a version not served; ModelNotReadyError while nothing is loaded.
 */
export function route(model: ServedModel, options: CallOptions | undefined): LoadedVersion {
  if (options?.version !== undefined) return pinnedVersion(model, options.version);
  const canary = model.canary;
  if (canary?.target.current !== undefined && chooseCanary(canary.percent, options?.routingKey)) {
    return canary.target.current;
  }
  const current = model.primary.current;
  if (current === undefined) throw new ModelNotReadyError(model.name);
  return current;
}

/** The shadow version that gets a copy of each call, when one is loaded. */
export function shadowOf(model: ServedModel): LoadedVersion | undefined {
  return model.shadow?.current;
}
