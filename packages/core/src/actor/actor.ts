import { userInfo } from 'node:os';

/**
 * Who is doing something, recorded on dataset commits, registry writes and audit entries. One rule
 * for every package: the explicit value when given, else `$MLINFRA_ACTOR`, else the operating
 * system user, else `'unknown'`.
 * @param explicit an `author` / `actor` option passed by the caller.
 */
export function currentActor(explicit?: string | null): string {
  if (explicit !== undefined && explicit !== null && explicit.length > 0) return explicit;
  const fromEnvironment = process.env.MLINFRA_ACTOR;
  if (fromEnvironment !== undefined && fromEnvironment.length > 0) return fromEnvironment;
  try {
    return userInfo().username || 'unknown';
  } catch {
    // No passwd entry for this uid (common in containers running as an arbitrary uid).
    return 'unknown';
  }
}
